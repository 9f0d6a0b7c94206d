"""Exchange rates a director keeps, by hand or from the European Central Bank's file, and the
ledger lines they convert again."""

from __future__ import annotations

import datetime as dt
import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts import ledger, rates, signals
from accounts.models import ExchangeRate, LedgerImport, LedgerLine, User
from accounts.services import client_metrics, loading
from kam import lazy, permissions

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy.module("pandas")


def _rates_changed(*, currencies: Iterable[str], start: dt.date, end: dt.date) -> None:
    """Convert again, once committed, the lines a rate change may concern: those in the changed
    currencies from ``start`` (a month's first day for a monthly rate) to ``end`` plus the days
    that may fall back on a daily rate of ``end``."""
    from accounts.tasks import ledger_lines_convert_task

    ledger_lines_convert_task.delay_on_commit(
        currencies=sorted(set(currencies)),
        start=start.isoformat(),
        end=(end + dt.timedelta(days=rates.LOOKBACK_DAYS)).isoformat(),
    )


def _rate_span(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The days whose lines a rate may apply to (before the fallback on earlier days)."""
    if period == ExchangeRate.Period.MONTH:
        following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return day, following - dt.timedelta(days=1)
    return day, day


def _clean_rate_currency(currency: str) -> str:
    code = ledger.currency_code(currency)
    if not code:
        raise ValidationError(
            {
                "currency": _("%(currency)s is not a currency code such as USD or GBP.")
                % {"currency": repr(currency)}
            }
        )
    if code == rates.EURO:
        raise ValidationError(
            {"currency": _("Rates are for 1 EUR: the euro has no rate of its own.")}
        )
    return code


@transaction.atomic
def exchange_rate_save(
    *,
    user: User,
    exchange_rate: ExchangeRate | None = None,
    currency: str,
    period: str,
    date: dt.date,
    rate: Decimal,
) -> ExchangeRate:
    """Add a rate (1 EUR = ``rate`` ``currency``), or change one; a monthly rate is dated on the
    first day of its month. The lines it concerns are converted again once committed."""
    permissions.require(permissions.may_manage_exchange_rates, user)
    if rate is None or not rate > 0:
        raise ValidationError({"rate": _("A rate must be above zero.")})
    code = _clean_rate_currency(currency)
    if period == ExchangeRate.Period.MONTH:
        date = date.replace(day=1)
    spans = []
    if exchange_rate is None:
        exchange_rate = ExchangeRate()
    else:
        spans.append(
            (exchange_rate.currency, *_rate_span(exchange_rate.period, exchange_rate.date))
        )
    exchange_rate.currency, exchange_rate.period, exchange_rate.date = code, period, date
    exchange_rate.rate, exchange_rate.updated_by = rate, user
    exchange_rate.source = ExchangeRate.Source.MANUAL
    exchange_rate.full_clean()
    exchange_rate.save()
    spans.append((code, *_rate_span(period, date)))
    _rates_changed(
        currencies=[span[0] for span in spans],
        start=min(span[1] for span in spans),
        end=max(span[2] for span in spans),
    )
    return exchange_rate


@transaction.atomic
def exchange_rate_delete(*, user: User, exchange_rate: ExchangeRate) -> None:
    """Delete a rate; the lines that used it take another one, or wait for one."""
    permissions.require(permissions.may_manage_exchange_rates, user)
    start, end = _rate_span(exchange_rate.period, exchange_rate.date)
    currency = exchange_rate.currency
    exchange_rate.delete()
    _rates_changed(currencies=[currency], start=start, end=end)


@dataclass(frozen=True)
class RatesUpload:
    """What an ECB file brought."""

    layout: str  # daily or history
    days: int
    currencies: list[str]
    added: int
    changed: int


@transaction.atomic
def exchange_rates_upload(*, user: User, upload: File) -> RatesUpload:
    """Store the daily rates of an ECB reference-rate file (eurofxref.csv, eurofxref-hist.csv, or
    their ZIP), all or nothing: a file KAM cannot read, or a single bad rate in it, writes
    nothing. A rate already stored for the same currency and day is replaced."""
    permissions.require(permissions.may_manage_exchange_rates, user)
    raw = loading.read_upload(upload)
    try:
        read = rates.read_ecb_csv(raw)
    except rates.RatesError as error:
        raise ValidationError(error.messages) from None
    frame = read.rates
    currencies = sorted(frame["currency"].unique())
    start, end = frame["date"].min(), frame["date"].max()
    known = {
        (day, code): value
        for day, code, value in ExchangeRate.objects.filter(
            period=ExchangeRate.Period.DAY, currency__in=currencies, date__range=(start, end)
        ).values_list("date", "currency", "rate")
    }
    rows = []
    added = changed = 0
    for day, code, value in frame.itertuples(index=False):
        number = Decimal(str(value)).quantize(Decimal("0.00000001"))
        before = known.get((day, code))
        if before == number:
            continue
        added, changed = (added + 1, changed) if before is None else (added, changed + 1)
        rows.append(
            ExchangeRate(
                currency=code,
                period=ExchangeRate.Period.DAY,
                date=day,
                rate=number,
                source=ExchangeRate.Source.ECB,
                updated_by=user,
            )
        )
    ExchangeRate.objects.bulk_create(
        rows,
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["currency", "period", "date"],
        update_fields=["rate", "source", "updated_by", "updated_at"],
    )
    if rows:
        _rates_changed(currencies=currencies, start=start, end=end)
    return RatesUpload(
        layout=read.layout, days=read.days, currencies=currencies, added=added, changed=changed
    )


# The lines a rate change may concern. A FEC kept in the company's currency gives each line's
# amount in that currency itself (its foreign-currency lines carry the rate the accounts used):
# the reference rates never replace it.
LINE_CONVERT_SQL = """
    COPY (
        SELECT id, client_id, date, currency, original_amount, original_profit, exchange_rate
        FROM {table} AS line WHERE date BETWEEN %s AND %s {currencies}
        AND NOT EXISTS (
            SELECT 1 FROM {imports} AS source WHERE source.id = line.ledger_import_id
            AND source.layout = 'fec' AND source.currency = %s
        )
    ) TO STDOUT WITH (FORMAT csv, HEADER true)
"""


def ledger_lines_convert(*, currencies: Iterable[str], start: dt.date, end: dt.date) -> int:
    """Convert again the lines of ``currencies`` dated from ``start`` to ``end`` (every line in
    another currency than the company's, when the company's own rate changed) with the rates
    stored now, then recompute the figures and announce it. Returns the lines whose rate
    changed; a second run changes nothing."""
    company = settings.KAM_DEFAULT_CURRENCY
    codes = sorted(set(currencies))
    table = LedgerLine._meta.db_table
    params: list[Any]
    if company in codes:
        where, params = "AND currency <> %s", [company]
    else:
        where, params = "AND currency = ANY(%s)", [codes]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [loading.LOAD_LOCK])
        buffer = io.BytesIO()
        sql = LINE_CONVERT_SQL.format(
            table=table, imports=LedgerImport._meta.db_table, currencies=where
        )
        with cursor.cursor.copy(
            cursor.cursor.mogrify(sql, [start, end, *params, company])  # COPY takes no parameters
        ) as copy:
            for chunk in copy:
                buffer.write(chunk)
        buffer.seek(0)
        lines = pd.read_csv(buffer, parse_dates=["date"], keep_default_na=False, na_values=[""])
        if lines.empty:
            return 0
        factors = loading.line_rates(lines)
        new = factors.round(12)
        old = lines["exchange_rate"].astype(float).round(12)
        changed = lines[~((new == old) | (new.isna() & old.isna()))].copy()
        if changed.empty:
            return 0
        rate = new[changed.index]
        changed["exchange_rate"] = rate
        changed["amount"] = (changed["original_amount"] * rate).round(4)
        changed["profit"] = (changed["original_profit"] * rate).round(4)
        cursor.execute(
            "CREATE TEMP TABLE line_rates (id bigint, exchange_rate numeric(24, 12), "
            "amount numeric(18, 4), profit numeric(18, 4)) ON COMMIT DROP"
        )
        rows = io.StringIO()
        changed[["id", "exchange_rate", "amount", "profit"]].to_csv(rows, index=False, header=False)
        with cursor.cursor.copy("COPY line_rates FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(rows.getvalue())
        cursor.execute(
            f"""
            UPDATE {table} AS line SET exchange_rate = new.exchange_rate, amount = new.amount,
                profit = new.profit
            FROM line_rates AS new WHERE new.id = line.id
            """
        )
        cursor.execute("DROP TABLE line_rates")
        client_metrics.client_metrics_recompute()
        client_ids = sorted({int(client_id) for client_id in changed["client_id"]})
        transaction.on_commit(
            functools.partial(
                signals.ledger_converted.send, sender=LedgerLine, client_ids=client_ids
            )
        )
    return len(changed)
