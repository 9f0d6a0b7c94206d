"""Reading ledger files: format checks, detection, column mapping and row parsing.

Plain bytes in, pandas frames and plain values out; no models and no database. Every problem a
person can fix is raised as ``LedgerError`` with a translated message.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from babel import Locale
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam import lazy

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy.module("pandas")


class LedgerError(Exception):
    """A file KAM cannot import, with a message for the person who uploaded it."""


@dataclass(frozen=True)
class Field:
    code: str
    label: Promise
    kind: str  # text, date, number, bool


FIELDS: tuple[Field, ...] = (
    Field("customer_id", gettext_lazy("Customer id"), "text"),
    Field("customer_name", gettext_lazy("Customer name"), "text"),
    Field("date", gettext_lazy("Date"), "date"),
    Field("amount", gettext_lazy("Amount"), "number"),
    Field("quantity", gettext_lazy("Quantity"), "number"),
    Field("unit_price", gettext_lazy("Unit price"), "number"),
    Field("profit", gettext_lazy("Profit"), "number"),
    Field("cost", gettext_lazy("Cost"), "number"),
    Field("due_date", gettext_lazy("Due date"), "date"),
    Field("paid_date", gettext_lazy("Paid date"), "date"),
    Field("days_late", gettext_lazy("Days late"), "number"),
    Field("disputed", gettext_lazy("Disputed"), "bool"),
    Field("country", gettext_lazy("Country"), "text"),
    Field("segment", gettext_lazy("Segment"), "text"),
    Field("order_ref", gettext_lazy("Order"), "text"),
    Field("currency", gettext_lazy("Currency"), "text"),
)
FIELD_CODES = tuple(field.code for field in FIELDS)
FIELD_BY_CODE = {field.code: field for field in FIELDS}

# Header names seen in real exports, normalised by ``_normalise_header``; earlier wins.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customerid",
        "customerno",
        "customernumber",
        "customercode",
        "clientid",
        "clientno",
        "clientnumber",
        "clientcode",
        "accountid",
        "accountnumber",
        "accountno",
        "nclient",
        "noclient",
        "numeroclient",
        "codeclient",
        "idclient",
        "refclient",
        "debtorid",
        "debtornumber",
        "kundennummer",
        "soldto",
    ),
    "customer_name": (
        "customername",
        "customer",
        "clientname",
        "client",
        "nomclient",
        "nomduclient",
        "raisonsociale",
        "company",
        "companyname",
        "accountname",
        "account",
        "societe",
        "kunde",
        "debtor",
        "debtorname",
        "soldtoname",
    ),
    "date": (
        "invoicedate",
        "orderdate",
        "datefacture",
        "datedefacture",
        "datecommande",
        "datedecommande",
        "transactiondate",
        "postingdate",
        "documentdate",
        "salesdate",
        "date",
        "datepiece",
        "shipdate",
        "deliverydate",
        "datelivraison",
        "datedexpedition",
    ),
    "amount": (
        "amount",
        "sales",
        "netamount",
        "linetotal",
        "lineamount",
        "total",
        "revenue",
        "invoiceamount",
        "netsales",
        "value",
        "salesamount",
        "montant",
        "montantht",
        "montanthorstaxe",
        "montantnet",
        "chiffredaffaires",
        "ca",
        "ventes",
        "totalht",
        "umsatz",
    ),
    "quantity": (
        "quantity",
        "qty",
        "quantityordered",
        "quantite",
        "qte",
        "units",
        "volume",
        "menge",
    ),
    "unit_price": (
        "unitprice",
        "priceeach",
        "price",
        "prixunitaire",
        "pu",
        "puht",
        "prix",
        "unitcost",
    ),
    "profit": ("profit", "grossmargin", "margin", "grossprofit", "marge", "margebrute"),
    "cost": (
        "cost",
        "cogs",
        "costofsales",
        "costofgoodssold",
        "cout",
        "couttotal",
        "prixderevient",
    ),
    "due_date": ("duedate", "paymentduedate", "echeance", "datedecheance", "dateecheance"),
    "paid_date": (
        "paiddate",
        "paymentdate",
        "settleddate",
        "settlementdate",
        "datepaid",
        "datedereglement",
        "datereglement",
        "datedepaiement",
        "datepaiement",
    ),
    "days_late": ("dayslate", "daysoverdue", "joursderetard", "retard", "retardjours"),
    "disputed": ("disputed", "dispute", "indispute", "litige", "enlitige", "contested", "status"),
    "country": ("country", "countryregion", "pays", "land", "customercountry"),
    "segment": ("segment", "customersegment", "secteur", "segmentclient"),
    "order_ref": (
        "orderid",
        "ordernumber",
        "orderno",
        "order",
        "invoicenumber",
        "invoiceno",
        "invoiceid",
        "ncommande",
        "nocommande",
        "numerocommande",
        "nfacture",
        "numerofacture",
        "facture",
    ),
    "currency": (
        "currency",
        "currencycode",
        "currencyiso",
        "isocurrency",
        "curr",
        "ccy",
        "devise",
        "idevise",
        "codedevise",
        "monnaie",
        "waehrung",
        "wahrung",
        "moneda",
        "valuta",
    ),
}

TRUTHY = {"1", "true", "yes", "y", "oui", "o", "vrai", "x", "disputed", "litige", "contested"}
FALSY = {"0", "false", "no", "n", "non", "faux"}

COUNTRY_ALIASES = {
    "usa": "US",
    "us": "US",
    "unitedstatesofamerica": "US",
    "uk": "GB",
    "greatbritain": "GB",
    "england": "GB",
    "holland": "NL",
    "deutschland": "DE",
    "espana": "ES",
    "italia": "IT",
    "schweiz": "CH",
    "suisse": "CH",
    "belgie": "BE",
    "belgique": "BE",
    "nederland": "NL",
}

# Currency signs and words seen in ledgers, beside ISO 4217 codes and the names babel knows.
CURRENCY_ALIASES = {
    "€": "EUR",
    "$": "USD",
    "us$": "USD",
    "usd$": "USD",
    "$us": "USD",
    "£": "GBP",
    "¥": "JPY",
    "yen": "JPY",
    "ca$": "CAD",
    "c$": "CAD",
    "cad$": "CAD",
    "a$": "AUD",
    "au$": "AUD",
    "nz$": "NZD",
    "hk$": "HKD",
    "s$": "SGD",
    "fr.": "CHF",
    "sfr": "CHF",
    "chf.": "CHF",
    "₹": "INR",
    "₩": "KRW",
    "zł": "PLN",
    "euro": "EUR",
    "euros": "EUR",
    "dollar": "USD",
    "dollars": "USD",
    "usdollar": "USD",
    "usdollars": "USD",
    "pound": "GBP",
    "pounds": "GBP",
    "sterling": "GBP",
    "poundsterling": "GBP",
    "livre": "GBP",
    "livres": "GBP",
    "livresterling": "GBP",
    "swissfranc": "CHF",
    "swissfrancs": "CHF",
    "francsuisse": "CHF",
    "francssuisses": "CHF",
}

CSV_DELIMITERS = (",", ";", "\t", "|")
SAMPLE_ROWS = 2000

# (regex, strptime format): day-first, month-first and unambiguous shapes.
DATE_SHAPES_DAYFIRST = (
    (r"\d{1,2}/\d{1,2}/\d{4}", "%d/%m/%Y"),
    (r"\d{1,2}/\d{1,2}/\d{2}", "%d/%m/%y"),
    (r"\d{1,2}\.\d{1,2}\.\d{4}", "%d.%m.%Y"),
    (r"\d{1,2}\.\d{1,2}\.\d{2}", "%d.%m.%y"),
    (r"\d{1,2}-\d{1,2}-\d{4}", "%d-%m-%Y"),
)
DATE_SHAPES_MONTHFIRST = (
    (r"\d{1,2}/\d{1,2}/\d{4}", "%m/%d/%Y"),
    (r"\d{1,2}/\d{1,2}/\d{2}", "%m/%d/%y"),
    (r"\d{1,2}-\d{1,2}-\d{4}", "%m-%d-%Y"),
)
DATE_SHAPES_ISO = (
    (r"\d{4}-\d{1,2}-\d{1,2}", "%Y-%m-%d"),
    (r"\d{4}/\d{1,2}/\d{1,2}", "%Y/%m/%d"),
    (r"\d{8}", "%Y%m%d"),
)


@dataclass
class Table:
    """A ledger file read as text: one column per header, every cell a string."""

    frame: pd.DataFrame
    file_format: str
    encoding: str = ""
    delimiter: str = ""
    line_offset: int = 2  # the file line of the first data row (header is line 1)

    @property
    def columns(self) -> list[str]:
        return [str(column) for column in self.frame.columns]


@dataclass
class Detected:
    mapping: dict[str, str]
    decimal: str
    dayfirst: bool


@dataclass
class Parsed:
    """The outcome of parsing a table with a mapping: accepted lines and rejected rows."""

    lines: pd.DataFrame  # one row per accepted line, canonical columns
    rejects: pd.DataFrame  # the original cells plus ``line`` and ``reason``
    problems: list[str] = field(default_factory=list)


# --- file checks and reading ------------------------------------------------------------------


def sniff_format(*, raw: bytes, filename: str) -> str:
    """``csv`` or ``xlsx``; raises ``LedgerError`` for anything else."""
    if not raw.strip():
        raise LedgerError(_("The file is empty."))
    name = filename.lower()
    if raw.startswith(b"PK\x03\x04"):
        if name.endswith((".xlsx", ".xlsm")) or b"xl/workbook.xml" in raw[:65536]:
            return "xlsx"
        raise LedgerError(_("This is a ZIP archive, not a CSV or XLSX ledger."))
    if raw.startswith(b"\xd0\xcf\x11\xe0"):
        raise LedgerError(
            _("Old Excel (.xls) files are not supported: save the sheet as XLSX or CSV.")
        )
    if raw.startswith((b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b")):
        raise LedgerError(_("This file is not a CSV or XLSX ledger."))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in raw[:65536]:
        raise LedgerError(
            _(
                "The file's text encoding is not one KAM reads (UTF-8, Windows-1252, "
                "Latin-1 or DOS code page 850). Save it as UTF-8 CSV and try again."
            )
        )
    if name.endswith((".xlsx", ".xls", ".ods", ".pdf", ".docx", ".zip")):
        raise LedgerError(_("This file is not a CSV or XLSX ledger."))
    return "csv"


def check_xlsx_archive(*, raw: bytes, max_uncompressed: int, max_members: int) -> None:
    """Refuse abnormal workbooks (ZIP bombs, thousands of members) before parsing them."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        raise LedgerError(_("The XLSX file is damaged and cannot be opened.")) from None
    members = archive.infolist()
    if len(members) > max_members:
        raise LedgerError(
            _("The XLSX file holds %(count)s parts, more than the %(limit)s a workbook needs.")
            % {"count": len(members), "limit": max_members}
        )
    uncompressed = sum(member.file_size for member in members)
    compressed = sum(member.compress_size for member in members) or 1
    if uncompressed > max_uncompressed or uncompressed / compressed > 200:
        raise LedgerError(
            _("The XLSX file would expand to %(size)s MB, an abnormal size; it was not opened.")
            % {"size": round(uncompressed / 1_000_000)}
        )
    if "xl/workbook.xml" not in {member.filename for member in members}:
        raise LedgerError(_("This ZIP file is not an Excel workbook."))


def detect_encoding(raw: bytes) -> str:
    """UTF-8 (with or without BOM), else the single-byte code page that reads most plausibly."""
    if raw.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    else:
        candidates = ["utf-8", "cp1252", "cp850", "latin-1"]
    best: tuple[int, int, str] | None = None
    for rank, encoding in enumerate(candidates):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding.startswith("utf-8"):
            return encoding
        score = _implausible_characters(text)
        if best is None or (score, rank) < best[:2]:
            best = (score, rank, encoding)
    if best is None:
        raise LedgerError(_("The file's text encoding could not be recognised."))
    if best[0] > max(20, len(raw) // 200):
        raise LedgerError(_("The file's text encoding could not be recognised."))
    return best[2]


def _implausible_characters(text: str) -> int:
    """Control characters, and symbols wedged between two letters (``Berguvsv„gen``)."""
    count = 0
    for index, char in enumerate(text):
        if ord(char) < 128:
            if ord(char) < 32 and char not in "\r\n\t":
                count += 1
            continue
        category = unicodedata.category(char)
        if category.startswith("C"):
            count += 1
        elif category[0] in "PSN" and char not in "\u2019\u2018\u00b4":  # apostrophes
            before = text[index - 1] if index else " "
            after = text[index + 1] if index + 1 < len(text) else " "
            if before.isalpha() and after.isalpha():
                count += 1
    return count


def sniff_delimiter(text: str) -> str:
    sample = text[:200_000].splitlines()[:60]
    if not sample:
        raise LedgerError(_("The file is empty."))

    def score(delimiter: str) -> tuple[bool, int, float]:
        """Rows of equal width first, then the most columns."""
        widths = [len(row) for row in csv.reader(sample, delimiter=delimiter)]
        width, hits = Counter(widths).most_common(1)[0]
        consistency = hits / len(widths)
        return consistency >= 0.9, width if width > 1 else 0, consistency

    return max(CSV_DELIMITERS, key=score)


def read_csv(*, raw: bytes) -> Table:
    encoding = detect_encoding(raw)
    text = raw.decode(encoding)
    if not text.strip():
        raise LedgerError(_("The file is empty."))
    delimiter = sniff_delimiter(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.ParserError as error:
        raise LedgerError(
            _("The CSV file is malformed and cannot be read: %(error)s") % {"error": error}
        ) from None
    except pd.errors.EmptyDataError:
        raise LedgerError(_("The file is empty.")) from None
    frame.columns = [str(column).strip() for column in frame.columns]
    return Table(frame=frame, file_format="csv", encoding=encoding, delimiter=delimiter)


def read_xlsx(*, raw: bytes, max_uncompressed: int, max_members: int) -> Table:
    from openpyxl import load_workbook  # only workbooks need it

    check_xlsx_archive(raw=raw, max_uncompressed=max_uncompressed, max_members=max_members)
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for damaged files
        raise LedgerError(_("The XLSX file is damaged and cannot be opened.")) from None
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        for row in sheet.iter_rows():
            values = []
            for cell in row:
                if cell.data_type == "f":
                    raise LedgerError(
                        _(
                            "Cell %(cell)s holds a formula. Export the sheet with values only "
                            "(copy, paste special, values) and upload it again."
                        )
                        % {"cell": cell.coordinate}
                    )
                values.append(_cell_text(cell.value))
            if any(values):
                rows.append(values)
    finally:
        workbook.close()
    if not rows:
        raise LedgerError(_("The file is empty."))
    header, body = rows[0], rows[1:]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    header = [name.strip() or f"column {index + 1}" for index, name in enumerate(header[:width])]
    body = [(row + [""] * width)[:width] for row in body]
    frame = pd.DataFrame(body, columns=header, dtype=str)
    return Table(frame=frame, file_format="xlsx")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(*, raw: bytes, filename: str, max_uncompressed: int, max_members: int) -> Table:
    file_format = sniff_format(raw=raw, filename=filename)
    if file_format == "xlsx":
        table = read_xlsx(raw=raw, max_uncompressed=max_uncompressed, max_members=max_members)
    else:
        table = read_csv(raw=raw)
    if len(table.frame.columns) < 2:
        raise LedgerError(
            _("Only one column was found; a ledger needs at least a customer and an amount.")
        )
    if table.frame.empty:
        raise LedgerError(_("The file has a header but no lines."))
    return table


# --- detection ----------------------------------------------------------------------------------


def _normalise_header(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text.replace("n°", "n"))


def detect_mapping(columns: Iterable[str]) -> dict[str, str]:
    """field code → column, from header names in English and French."""
    normalised = {_normalise_header(column): column for column in reversed(list(columns))}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for code in FIELD_CODES:
        for synonym in SYNONYMS[code]:
            column = normalised.get(synonym)
            if column is not None and column not in taken:
                mapping[code] = column
                taken.add(column)
                break
    return mapping


def detect(table: Table) -> Detected:
    mapping = detect_mapping(table.columns)
    sample = table.frame.head(SAMPLE_ROWS)
    number_values: list[str] = []
    for code in ("amount", "unit_price", "profit", "cost", "quantity"):
        if code in mapping:
            number_values.extend(sample[mapping[code]].tolist())
    date_values: list[str] = []
    for code in ("date", "due_date", "paid_date"):
        if code in mapping:
            date_values.extend(sample[mapping[code]].tolist())
    return Detected(
        mapping=mapping,
        decimal=detect_decimal(number_values, delimiter=table.delimiter),
        dayfirst=detect_dayfirst(date_values),
    )


def detect_decimal(values: Iterable[str], *, delimiter: str = ",") -> str:
    comma = point = 0
    for value in values:
        text = value.strip()
        last_comma, last_point = text.rfind(","), text.rfind(".")
        if last_comma >= 0 and last_point >= 0:
            comma, point = (comma + 1, point) if last_comma > last_point else (comma, point + 1)
        elif last_comma >= 0:
            if len(text) - last_comma - 1 != 3 or delimiter != ",":
                comma += 1
        elif last_point >= 0 and len(text) - last_point - 1 != 3:
            point += 1
    return "," if comma > point else "."


def _date_text(values: pd.Series) -> pd.Series:
    """Drop a time of day (``2/24/2003 0:00``, ``2024-01-31T10:00``) before matching shapes."""
    return values.str.strip().str.split(r"[ T]", n=1, regex=True).str[0]


def detect_dayfirst(values: Iterable[str]) -> bool:
    series = pd.Series(list(values), dtype=str).str.strip()
    series = series[series != ""]
    if series.empty:
        return True
    dayfirst = parse_dates(series, dayfirst=True).notna().sum()
    monthfirst = parse_dates(series, dayfirst=False).notna().sum()
    return bool(dayfirst >= monthfirst)


def parse_dates(values: pd.Series, *, dayfirst: bool) -> pd.Series:
    """Dates of any shape KAM knows, ignoring a time of day; NaT where unreadable."""
    return per_unique(values, lambda uniques: _parse_dates(_date_text(uniques), dayfirst=dayfirst))


def _parse_dates(values: pd.Series, *, dayfirst: bool) -> pd.Series:
    shapes = (DATE_SHAPES_DAYFIRST if dayfirst else DATE_SHAPES_MONTHFIRST) + DATE_SHAPES_ISO
    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    for pattern, fmt in shapes:
        matches = values.str.fullmatch(pattern)
        if matches.any():
            parsed = pd.to_datetime(values[matches], format=fmt, errors="coerce")
            result.loc[matches] = parsed
    too_old = result.dt.year < 1900
    result.loc[too_old] = pd.NaT
    return result


# --- parsing --------------------------------------------------------------------------------------


def per_unique(values: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply ``convert`` once per distinct value: ledgers repeat dates, prices and countries."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    converted = convert(pd.Series(uniques, dtype=values.dtype))
    padded = pd.concat([converted, converted.iloc[:0].reindex([len(converted)])])
    result = padded.take(codes)  # code -1 (a missing value) takes the missing value at the end
    result.index = values.index
    return result


def mapping_problems(mapping: Mapping[str, str], columns: Iterable[str]) -> list[str]:
    """What is wrong with a mapping, as translated sentences; empty when it can be imported."""
    known = set(columns)
    problems = []
    for code, column in mapping.items():
        if code not in FIELD_BY_CODE:
            problems.append(_("Unknown field: %(field)s.") % {"field": code})
        elif column not in known:
            problems.append(
                _("The column %(column)s is not in the file.") % {"column": repr(column)}
            )
    used = [column for column in mapping.values() if column]
    for column, times in Counter(used).items():
        if times > 1:
            problems.append(
                _("The column %(column)s is mapped to more than one field.")
                % {"column": repr(column)}
            )
    if not (mapping.get("customer_id") or mapping.get("customer_name")):
        problems.append(_("Choose the column that identifies the customer (id or name)."))
    if not mapping.get("date"):
        problems.append(_("Choose the column that holds the invoice or order date."))
    if not mapping.get("amount") and not (mapping.get("quantity") and mapping.get("unit_price")):
        problems.append(
            _("Choose the amount column, or both the quantity and the unit price columns.")
        )
    return problems


def parse_numbers(values: pd.Series, *, decimal: str) -> pd.Series:
    return per_unique(values, lambda uniques: _parse_numbers(uniques, decimal=decimal))


def _parse_numbers(values: pd.Series, *, decimal: str) -> pd.Series:
    plain = values.str.replace(",", ".", regex=False) if decimal == "," else values
    fast = pd.to_numeric(plain, errors="coerce")  # most cells: 1234.5 or 1234,5
    slow = fast.isna() & (values != "")
    if slow.any():
        fast[slow] = _parse_formatted_numbers(values[slow], decimal=decimal)
    return fast


def _parse_formatted_numbers(values: pd.Series, *, decimal: str) -> pd.Series:
    """Thousands separators, currency signs, (negatives), spaces."""
    text = values.str.strip()
    text = text.str.replace(r"[\s\u00a0\u202f€$£¥%]|EUR|USD|GBP|CHF", "", regex=True)
    negative = text.str.fullmatch(r"\(.*\)")
    text = text.where(~negative, "-" + text.str.strip("()"))
    if decimal == ",":
        text = text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        text = text.str.replace(",", "", regex=False)
    text = text.where(text.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?"), "nan")
    return pd.to_numeric(text, errors="coerce")


def parse_bools(values: pd.Series) -> pd.Series:
    return per_unique(values, _parse_bools)


def _parse_bools(values: pd.Series) -> pd.Series:
    text = values.str.strip().str.lower()
    result = pd.Series(pd.NA, index=values.index, dtype="boolean")
    result[text.isin(TRUTHY) | text.str.contains("disput|litig", regex=True)] = True
    result[result.isna() & (text != "")] = False
    return result


def _country_lookup() -> dict[str, str]:
    lookup = dict(COUNTRY_ALIASES)
    for language in ("en", "fr", "de", "es", "it", "nl"):
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha():
                lookup.setdefault(_normalise_header(name), code)
                lookup.setdefault(code.lower(), code)
    return lookup


_COUNTRIES: dict[str, str] = {}


def country_code(name: str) -> str:
    """ISO 3166 alpha-2 code of a country name or code in a few languages; '' if unknown."""
    if not _COUNTRIES:
        _COUNTRIES.update(_country_lookup())
    return _COUNTRIES.get(_normalise_header(name), "")


def _currency_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for language in ("en", "fr", "de"):
        for code, name in Locale.parse(language).currencies.items():
            if len(code) == 3 and code.isalpha():
                lookup.setdefault(code.lower(), code)
                lookup.setdefault(_normalise_header(name), code)
    lookup.update(CURRENCY_ALIASES)
    return lookup


_CURRENCIES: dict[str, str] = {}


def currency_code(text: str) -> str:
    """ISO 4217 code of a currency code, sign or name (``€``, ``eur``, ``US$``, ``livre
    sterling``); '' if unknown."""
    if not _CURRENCIES:
        _CURRENCIES.update(_currency_lookup())
    value = text.strip().lower()
    code = _CURRENCIES.get(value.replace(" ", ""))
    if code is None and value:
        code = _CURRENCIES.get(_normalise_header(value))
    return code or ""


def parse(
    table: Table,
    *,
    mapping: Mapping[str, str],
    decimal: str,
    dayfirst: bool,
    currency: str = "",
) -> Parsed:
    """Turn the table into canonical lines; every row that cannot be read is rejected with why.

    ``currency`` is the currency of lines that name none (no currency column, or an empty
    cell); ``amount`` and ``profit`` stay in each line's own ``currency``."""
    frame = table.frame
    problems = mapping_problems(mapping, table.columns)
    if problems:
        raise LedgerError(" ".join(problems))
    size = len(frame)
    reasons = pd.Series("", index=frame.index, dtype=object)

    def column(code: str) -> pd.Series | None:
        name = mapping.get(code)
        return per_unique(frame[name], lambda uniques: uniques.str.strip()) if name else None

    def reject(mask: pd.Series, message: str) -> None:
        fresh = mask & (reasons == "")
        reasons[fresh] = message

    out = pd.DataFrame(index=frame.index)
    customer_id, customer_name = column("customer_id"), column("customer_name")
    ids = customer_id if customer_id is not None else pd.Series("", index=frame.index)
    names = customer_name if customer_name is not None else pd.Series("", index=frame.index)
    names = per_unique(names, lambda uniques: uniques.str.replace(r"\s+", " ", regex=True))
    # With an id column the id identifies the customer; a name alone could create a twin.
    out["external_id"] = (ids if customer_id is not None else names).str.slice(0, 120)
    out["name"] = names.where(names != "", ids).str.slice(0, 255)
    reject(out["external_id"] == "", _("No customer on this line."))

    dates = column("date")
    assert dates is not None  # mapping_problems guarantees it
    parsed_dates = parse_dates(dates, dayfirst=dayfirst)
    reject(dates == "", _("No date on this line."))
    reject(parsed_dates.isna(), _("The date is not a date KAM can read."))
    out["date"] = parsed_dates

    numbers: dict[str, pd.Series] = {}
    for code in ("amount", "quantity", "unit_price", "profit", "cost", "days_late"):
        values = column(code)
        if values is None:
            continue
        parsed = parse_numbers(values, decimal=decimal)
        label = FIELD_BY_CODE[code].label
        reject(
            parsed.isna() & (values != ""),
            _("%(field)s is not a number.") % {"field": label},
        )
        numbers[code] = parsed
    if "amount" in numbers:
        amount = numbers["amount"]
        reject(amount.isna(), _("No amount on this line."))
    else:
        amount = numbers["quantity"] * numbers["unit_price"]
        reject(amount.isna(), _("No quantity or unit price on this line."))
    out["amount"] = amount.round(4)
    out["quantity"] = numbers.get("quantity", pd.Series(float("nan"), index=frame.index))
    if "profit" in numbers:
        out["profit"] = numbers["profit"]
    elif "cost" in numbers:
        out["profit"] = amount - numbers["cost"]
    else:
        out["profit"] = float("nan")
    out["profit"] = out["profit"].round(4)
    out["days_late"] = numbers.get("days_late", pd.Series(float("nan"), index=frame.index))
    out["days_late"] = out["days_late"].round().astype("Int64")

    for code in ("due_date", "paid_date"):
        values = column(code)
        if values is None:
            out[code] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[us]")
            continue
        parsed = parse_dates(values, dayfirst=dayfirst)
        reject(
            parsed.isna() & (values != ""),
            _("%(field)s is not a date KAM can read.") % {"field": FIELD_BY_CODE[code].label},
        )
        out[code] = parsed

    disputed = column("disputed")
    out["disputed"] = parse_bools(disputed) if disputed is not None else pd.NA
    country = column("country")
    out["country"] = (
        per_unique(country, lambda uniques: uniques.map(country_code))
        if country is not None
        else ""
    )
    segment = column("segment")
    out["segment"] = segment.str.slice(0, 100) if segment is not None else ""
    order_ref = column("order_ref")
    out["order_ref"] = order_ref.str.slice(0, 100) if order_ref is not None else ""
    currencies = column("currency")
    if currencies is None:
        out["currency"] = currency
    else:
        codes = per_unique(currencies, lambda uniques: uniques.map(currency_code))
        unknown = (codes == "") & (currencies != "") & (reasons == "")
        if unknown.any():
            template = _(
                "%(currency)s is not a currency KAM knows: use an ISO code such as EUR or USD."
            )
            reasons[unknown] = per_unique(
                currencies[unknown],
                lambda uniques: uniques.map(lambda text: template % {"currency": repr(text[:20])}),
            )
        out["currency"] = codes.where(codes != "", currency)
    quantity_negative = out["quantity"].fillna(0) < 0
    out["is_return"] = quantity_negative | (out["amount"].fillna(0) < 0)

    rejected = reasons != ""
    rejects = frame[rejected].copy()
    rejects.insert(0, "reason", reasons[rejected])
    rejects.insert(0, "line", (frame.index[rejected] + table.line_offset).astype(int))
    lines = out[~rejected].copy()
    lines["ordinal"] = lines.index + table.line_offset
    if size and not len(lines):
        problems.append(_("No line of the file could be read."))
    return Parsed(lines=lines, rejects=rejects, problems=problems)


def missing_rates(lines: pd.DataFrame) -> list[dict[str, object]]:
    """Lines without an exchange rate (``exchange_rate`` NaN), counted per currency and month:
    ``[{"currency": "USD", "month": "2024-03", "lines": 12}]``, by currency then month."""
    missing = lines[lines["exchange_rate"].isna()]
    if missing.empty:
        return []
    months = missing["date"].dt.strftime("%Y-%m")
    counts = missing.groupby([missing["currency"], months]).size().sort_index()
    return [
        {"currency": str(key[0]), "month": str(key[1]), "lines": int(count)}  # type: ignore[index]
        for key, count in counts.items()
    ]


def shown_values(lines: pd.DataFrame, *, limit: int) -> list[dict[str, str]]:
    """The first parsed lines as text for the preview."""
    head = lines.head(limit).drop(columns=["ordinal"])
    columns = {name: _text(head[name]) for name in head.columns}
    return [
        {name: str(columns[name].iloc[row]) for name in head.columns} for row in range(len(head))
    ]


def _text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").fillna("")
    return values.astype(object).map(_value_text)


def _value_text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
