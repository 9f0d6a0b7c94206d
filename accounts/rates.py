"""Exchange rates: reading the European Central Bank's reference-rate files, and choosing the rate
of each ledger line.

Plain bytes and frames in, frames and plain values out; no models and no database. A rate is the
ECB's "1 EUR = ``rate`` units of ``currency``"; any other conversion goes through the euro (a cross
rate). Every problem a person can fix is raised as ``RatesError`` with translated messages.

Which rate applies to a line of currency X dated D (for X, and for the company's currency when it
is not the euro):

1. the daily rate of D;
2. else the monthly rate of D's month;
3. else the latest daily rate of the ``LOOKBACK_DAYS`` days before D (the ECB publishes none on
   weekends and TARGET holidays: a Saturday's line takes Friday's rate, also across a month's end);
4. else none: the line is not converted, and the import says which currency and month lack a rate.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from accounts import ledger
from kam import lazy

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy.module("pandas")

EURO = "EUR"
LOOKBACK_DAYS = 7
MAX_ERRORS = 20
MAX_ZIP_BYTES = 50_000_000


class RatesError(Exception):
    """A rates file or rate KAM cannot take, with the messages for the person who gave it."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class RatesFile:
    """The rates a file holds: one row per day and currency (``date``, ``currency``, ``rate``)."""

    rates: pd.DataFrame
    layout: str  # "daily" (eurofxref.csv: one day) or "history" (eurofxref-hist.csv)

    @property
    def days(self) -> int:
        return int(self.rates["date"].nunique())


def _text(raw: bytes) -> str:
    if raw.startswith(b"PK\x03\x04"):
        raw = _unzip(raw)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise RatesError([_("The rates file is not a text file.")])  # cp1252 decodes nearly all


def _unzip(raw: bytes) -> bytes:
    """The one CSV of a ZIP as the ECB distributes it (eurofxref.zip, eurofxref-hist.zip)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise RatesError([_("The ZIP file is damaged and cannot be opened.")]) from None
    members = [member for member in archive.infolist() if member.filename.lower().endswith(".csv")]
    if len(members) != 1 or members[0].file_size > MAX_ZIP_BYTES:
        raise RatesError([_("The ZIP file should hold exactly one CSV file of rates.")])
    return archive.read(members[0])


def _layout_error(found: str) -> RatesError:
    return RatesError(
        [
            _(
                "This is not a European Central Bank reference-rate file. KAM expected a header "
                "line “Date, USD, JPY, …” (the column Date, then currency codes) and one line per "
                "day with its date and its rates for 1 EUR, as in the ECB's eurofxref.csv or "
                "eurofxref-hist.csv; it found %(found)s."
            )
            % {"found": found}
        ]
    )


def _date(text: str) -> dt.date | None:
    value = text.strip()
    for fmt in ("%Y-%m-%d", "%d %B %Y", "%d %b %Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 (a calendar day)
        except ValueError:
            continue
    return None


def read_ecb_csv(raw: bytes) -> RatesFile:
    """The rates of an ECB reference-rate file, in either of its layouts; all or nothing.

    ``N/A`` and empty cells (a currency the ECB did not quote that day, or no longer quotes) are
    skipped. A rate that is not a number above zero, an unreadable date or an unknown currency
    code refuses the whole file, with every problem found (up to ``MAX_ERRORS``) by line.
    """
    text = _text(raw)
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if not rows:
        raise RatesError([_("The rates file is empty.")])
    header = [cell.strip() for cell in rows[0]]
    while header and not header[-1]:
        header.pop()  # the ECB ends every line with a comma
    if not header or header[0].lower() != "date":
        found = ", ".join(repr(cell) for cell in header[:4]) or _("an empty header")
        raise _layout_error(_("the columns %(columns)s") % {"columns": found})
    codes = header[1:]
    if not codes:
        raise _layout_error(_("no currency column"))
    errors: list[str] = []
    unknown = [code for code in codes if len(code) != 3 or ledger.currency_code(code) != code]
    if unknown:
        raise _layout_error(
            _("columns that are not currency codes: %(columns)s")
            % {"columns": ", ".join(repr(code) for code in unknown[:5])}
        )
    if EURO in codes:
        errors.append(_("The file gives a rate for EUR; rates are for 1 EUR."))
    records: list[tuple[dt.date, str, float]] = []
    seen: set[dt.date] = set()
    for number, row in enumerate(rows[1:], start=2):
        cells = [cell.strip() for cell in row]
        day = _date(cells[0]) if cells else None
        if day is None:
            errors.append(
                _("Line %(line)s: %(value)s is not a date (expected 2024-03-28 or 28 March 2024).")
                % {"line": number, "value": repr(cells[0][:30] if cells else "")}
            )
            continue
        if day in seen:
            errors.append(
                _("Line %(line)s: the date %(date)s appears twice.")
                % {"line": number, "date": day.isoformat()}
            )
            continue
        seen.add(day)
        for code, cell in zip(codes, cells[1:], strict=False):
            if cell in {"", "N/A", "n/a", "-"}:
                continue
            try:
                rate = float(cell)
            except ValueError:
                rate = float("nan")
            if not rate > 0 or rate == float("inf"):
                errors.append(
                    _("Line %(line)s, %(currency)s: %(value)s is not a rate above zero.")
                    % {"line": number, "currency": code, "value": repr(cell[:30])}
                )
                continue
            records.append((day, code, rate))
    if errors:
        more = len(errors) - MAX_ERRORS
        shown = errors[:MAX_ERRORS]
        if more > 0:
            shown.append(_("…and %(count)s more problems.") % {"count": more})
        raise RatesError(shown)
    if not records:
        raise RatesError([_("The rates file has no rate.")])
    rates = pd.DataFrame.from_records(records, columns=["date", "currency", "rate"])
    return RatesFile(rates=rates, layout="daily" if len(seen) == 1 else "history")


def line_rates(lines: pd.DataFrame, rates: pd.DataFrame, *, company: str) -> pd.Series:
    """Per line, how many units of the company's currency one unit of the line's currency is
    worth (NaN when a rate is missing), by the rule in this module's docstring.

    ``lines`` has ``date`` (datetimes) and ``currency``; ``rates`` has ``currency``, ``period``
    (``day`` or ``month``), ``date`` (a monthly rate's first day) and ``rate`` (1 EUR = rate).
    """
    per_euro_line = euro_rates(lines[["date", "currency"]], rates)
    company_side = lines[["date"]].assign(currency=company)
    per_euro_company = euro_rates(company_side, rates)
    factors = per_euro_company / per_euro_line
    factors[lines["currency"] == company] = 1.0
    return factors


def euro_rates(lines: pd.DataFrame, rates: pd.DataFrame) -> pd.Series:
    """Per line, the units of its currency for 1 EUR on its date (1 for the euro; NaN when none
    applies)."""
    result = pd.Series(float("nan"), index=lines.index)
    if lines.empty:
        return result
    dates = pd.to_datetime(lines["date"]).dt.normalize().astype("datetime64[ns]")
    keys = pd.DataFrame({"date": dates, "currency": lines["currency"]}, index=lines.index)
    result[keys["currency"] == EURO] = 1.0
    if rates.empty:
        return result
    table = rates.assign(
        date=pd.to_datetime(rates["date"]).dt.normalize().astype("datetime64[ns]"),
        rate=rates["rate"].astype(float),
    )
    daily = table[table["period"] == "day"]
    monthly = table[table["period"] == "month"]
    # 1. the day's own rate
    exact = keys.merge(daily[["date", "currency", "rate"]], on=["date", "currency"], how="left")[
        "rate"
    ]
    result = result.fillna(pd.Series(exact.to_numpy(), index=keys.index))
    # 2. the month's rate
    month_keys = keys.assign(date=keys["date"].dt.to_period("M").dt.to_timestamp())
    month = month_keys.merge(
        monthly[["date", "currency", "rate"]], on=["date", "currency"], how="left"
    )["rate"]
    result = result.fillna(pd.Series(month.to_numpy(), index=keys.index))
    # 3. the latest daily rate of the days before
    pending = result.isna()
    if pending.any() and not daily.empty:
        wanted = keys[pending].reset_index().sort_values("date")
        earlier = daily[["date", "currency", "rate"]].sort_values("date")
        found = pd.merge_asof(
            wanted,
            earlier,
            on="date",
            by="currency",
            direction="backward",
            tolerance=pd.Timedelta(days=LOOKBACK_DAYS),
        ).set_index("index")["rate"]
        result = result.fillna(found)
    return result
