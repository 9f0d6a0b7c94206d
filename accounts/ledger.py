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
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

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

# Header names seen in real exports, normalised by ``normalise_header``; earlier wins.
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

DMY, MDY = "dmy", "mdy"
DATE_ORDERS = (DMY, MDY)

# One pattern for every date shape KAM reads, each value by its own shape: ISO (2024-01-31,
# 2024/01/31), compact (20240131), and day/month or month/day with the same separator twice
# (/, - or .) and a 2- or 4-digit year; then an optional time of day, which is ignored.
DATE_PATTERN = (
    r"^\s*(?:(?P<iy>\d{4})(?P<isep>[-/.])(?P<im>\d{1,2})(?P=isep)(?P<id>\d{1,2})"
    r"|(?P<cy>\d{4})(?P<cm>\d{2})(?P<cd>\d{2})"
    r"|(?P<a>\d{1,2})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2}))"
    r"(?:[ T]+\d{1,2}[:h]\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?)?\s*$"
)
TWO_DIGIT_PIVOT = 69  # as strptime's %y: 69-99 → 1969-1999, 00-68 → 2000-2068


@dataclass
class Table:
    """A ledger file read as text: one column per header, every cell a string."""

    frame: pd.DataFrame
    file_format: str
    encoding: str = ""
    delimiter: str = ""
    line_offset: int = 2  # the file line of the first data row (header is line 1)
    header_line: int = 1  # the file line (or sheet row) of the header
    footer_rows: int = 0  # rows dropped at the bottom: a totals line, empty rows
    sheet: str = ""  # the sheet read, for a workbook
    sheets: list[str] = field(default_factory=list)  # every sheet of the workbook

    @property
    def columns(self) -> list[str]:
        return [str(column) for column in self.frame.columns]


DATE_FIELDS = ("date", "due_date", "paid_date")


@dataclass
class Detected:
    mapping: dict[str, str]
    decimal: str
    dayfirst: bool
    dates: dict[str, DateEvidence] = field(default_factory=dict)  # date column → its evidence


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
    sample_size = 2_000_000  # score a single-byte code page on the start of a big file
    for rank, encoding in enumerate(candidates):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding.startswith("utf-8"):
            return encoding
        score = _implausible_characters(text[:sample_size])
        if best is None or (score, rank) < best[:2]:
            best = (score, rank, encoding)
    if best is None:
        raise LedgerError(_("The file's text encoding could not be recognised."))
    if best[0] > max(20, min(len(raw), sample_size) // 200):
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
        """Rows of equal width first, then the most columns; blank lines do not count."""
        widths = [len(row) for row in csv.reader(sample, delimiter=delimiter) if row]
        if not widths:
            return False, 0, 0.0
        width, hits = Counter(widths).most_common(1)[0]
        consistency = hits / len(widths)
        return consistency >= 0.9 and width > 1, width if width > 1 else 0, consistency

    return max(CSV_DELIMITERS, key=score)


HEADER_SEARCH_ROWS = 30
SNIFF_BYTES = 1_000_000
TOTALS = re.compile(
    r"^\s*(grand[\s-]*total|sub[\s-]*total|sous[\s-]*total|total|totaux|sum|somme)\b", re.I
)


def find_header(rows: list[list[str]]) -> int:
    """Index of the header among a file's first rows: titles and blank lines may come first.

    The header is the first row naming two fields KAM knows (Customer, Date, Amount…); failing
    that, the first row with two cells or more, a title having one.
    """
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if len(detect_mapping(cell.strip() for cell in row if cell.strip())) >= 2:
            return index
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if sum(1 for cell in row if cell.strip()) >= 2:
            return index
    return 0


def footer_rows(frame: pd.DataFrame) -> int:
    """How many rows at the bottom are a totals line (Total, Grand total, Somme…) or empty."""
    count = 0
    for position in range(len(frame) - 1, max(len(frame) - 4, -1), -1):
        cells = [str(cell) for cell in frame.iloc[position].tolist() if str(cell).strip()]
        if cells and not any(TOTALS.match(cell) for cell in cells[:3]):
            break
        count += 1
    return count


def _csv_header_line(text: str, delimiter: str) -> int:
    """The physical line (0-based) of the header row of a CSV text."""
    reader = csv.reader(io.StringIO(text[:200_000]), delimiter=delimiter)
    rows: list[list[str]] = []
    ends: list[int] = []
    for row in reader:
        rows.append(row)
        ends.append(reader.line_num)
        if len(rows) >= HEADER_SEARCH_ROWS:
            break
    if not rows:
        return 0
    return ends[find_header(rows)] - 1  # a header is one line


def read_csv(*, raw: bytes, nrows: int | None = None) -> Table:
    encoding = detect_encoding(raw)
    start = raw[:SNIFF_BYTES].decode(encoding, errors="ignore")  # enough to see the layout
    if not start.strip():
        raise LedgerError(_("The file is empty."))
    delimiter = sniff_delimiter(start)
    header_line = _csv_header_line(start, delimiter)
    try:
        frame = pd.read_csv(
            io.BytesIO(raw),
            sep=delimiter,
            encoding=encoding,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            skiprows=header_line,
            nrows=nrows,
            engine="c",
        )
    except pd.errors.ParserError as error:
        raise LedgerError(
            _("The CSV file is malformed and cannot be read: %(error)s") % {"error": error}
        ) from None
    except pd.errors.EmptyDataError:
        raise LedgerError(_("The file is empty.")) from None
    frame.columns = [str(column).strip() for column in frame.columns]
    footer = footer_rows(frame) if nrows is None or len(frame) < nrows else 0
    if footer:
        frame = frame.iloc[: len(frame) - footer]
    return Table(
        frame=frame,
        file_format="csv",
        encoding=encoding,
        delimiter=delimiter,
        line_offset=header_line + 2,
        header_line=header_line + 1,
        footer_rows=footer,
    )


CHUNK_ROWS = 25_000


def read_csv_chunks(
    *, raw: bytes, head: Table, chunk_rows: int | None = None, columns: Iterable[str] = ()
) -> Iterator[tuple[Table, float]]:
    """The whole CSV file in tables of ``chunk_rows`` lines, read as its ``head`` was (encoding,
    delimiter, header line), with the share of the file read so far; a totals line at the bottom
    is left out. ``columns`` reads only those columns."""
    wanted = set(columns)
    stream = io.BytesIO(raw)
    try:
        reader = pd.read_csv(
            stream,
            sep=head.delimiter,
            encoding=head.encoding,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=True,
            skiprows=head.header_line - 1,
            chunksize=chunk_rows or CHUNK_ROWS,
            usecols=(lambda name: str(name).strip() in wanted) if wanted else None,
            engine="c",
        )
        previous: pd.DataFrame | None = None
        done = 0.0
        with reader:
            for chunk in reader:
                chunk.columns = [str(column).strip() for column in chunk.columns]
                if previous is not None:
                    yield _chunk_table(previous, head), done
                previous, done = chunk, stream.tell() / max(len(raw), 1)
    except pd.errors.ParserError as error:
        raise LedgerError(
            _("The CSV file is malformed and cannot be read: %(error)s") % {"error": error}
        ) from None
    if previous is not None:
        footer = 0 if wanted else footer_rows(previous)
        yield _chunk_table(previous.iloc[: len(previous) - footer], head, footer=footer), 1.0


def scan_date_evidence(
    *, raw: bytes, head: Table, columns: Iterable[str]
) -> dict[str, DateEvidence]:
    """The day/month evidence of date columns over the whole CSV file, reading only them."""
    wanted = list(columns)
    evidence = {column: DateEvidence() for column in wanted}
    for table, _done in read_csv_chunks(raw=raw, head=head, columns=wanted):
        for column in wanted:
            evidence[column] += date_evidence(table.frame[column])
    return evidence


def _chunk_table(frame: pd.DataFrame, head: Table, *, footer: int = 0) -> Table:
    return Table(
        frame=frame,
        file_format=head.file_format,
        encoding=head.encoding,
        delimiter=head.delimiter,
        line_offset=head.line_offset,
        header_line=head.header_line,
        footer_rows=footer,
    )


def xlsx_sheet_names(raw: bytes) -> list[str]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(raw), read_only=True)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def _sheet_rows(sheet: Any, *, limit: int | None = None) -> list[tuple[int, list[str], str]]:
    """(row number, cell texts, first formula cell or "") of the sheet's non-empty rows."""
    rows: list[tuple[int, list[str], str]] = []
    for row in sheet.iter_rows():
        values, formula = [], ""
        for cell in row:
            if cell.data_type == "f" and not formula:
                formula = cell.coordinate
            values.append(_cell_text(cell.value))
        if any(values):
            rows.append(
                (row[0].row if row and hasattr(row[0], "row") else len(rows) + 1, values, formula)
            )
            if limit is not None and len(rows) >= limit:
                break
    return rows


def read_xlsx(*, raw: bytes, max_uncompressed: int, max_members: int, sheet: str = "") -> Table:
    """One sheet of a workbook: the one named, else the one that looks most like a ledger."""
    from openpyxl import load_workbook  # only workbooks need it

    check_xlsx_archive(raw=raw, max_uncompressed=max_uncompressed, max_members=max_members)
    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for damaged files
        raise LedgerError(_("The XLSX file is damaged and cannot be opened.")) from None
    try:
        names = list(workbook.sheetnames)
        if sheet and sheet not in names:
            raise LedgerError(
                _("The workbook has no sheet named %(sheet)s.") % {"sheet": repr(sheet)}
            )
        chosen = sheet or _ledger_sheet(workbook)
        rows = _sheet_rows(workbook[chosen])
    finally:
        workbook.close()
    if not rows:
        raise LedgerError(_("The file is empty."))
    index = find_header([values for _number, values, _formula in rows])
    header_number, header, _formula = rows[index]
    body = rows[index + 1 :]
    width = len(header)
    while width and not header[width - 1]:
        width -= 1
    header = [name.strip() or f"column {index + 1}" for index, name in enumerate(header[:width])]
    frame = pd.DataFrame(
        [(values + [""] * width)[:width] for _n, values, _f in body], columns=header, dtype=str
    )
    footer = footer_rows(frame)
    kept = body[: len(body) - footer]
    formula = next((cell for _number, _values, cell in kept if cell), "")
    if formula:
        raise LedgerError(
            _(
                "Cell %(cell)s holds a formula. Export the sheet with values only "
                "(copy, paste special, values) and upload it again."
            )
            % {"cell": formula}
        )
    frame = frame.iloc[: len(kept)]
    return Table(
        frame=frame,
        file_format="xlsx",
        line_offset=header_number + 1,
        header_line=header_number,
        footer_rows=footer,
        sheet=chosen,
        sheets=names,
    )


def _ledger_sheet(workbook: Any) -> str:
    """The sheet whose header names the most fields KAM knows; the first one on a tie."""

    def score(name: str) -> int:
        rows = [values for _n, values, _f in _sheet_rows(workbook[name], limit=HEADER_SEARCH_ROWS)]
        if not rows:
            return -1
        header = rows[find_header(rows)]
        return len(detect_mapping(cell.strip() for cell in header if cell.strip()))

    names = list(workbook.sheetnames)
    return max(names, key=lambda name: (score(name), -names.index(name)))


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


def read_table(
    *,
    raw: bytes,
    filename: str,
    max_uncompressed: int,
    max_members: int,
    sheet: str = "",
    nrows: int | None = None,
) -> Table:
    """The file as text cells; ``nrows`` reads only the first lines of a CSV file."""
    file_format = sniff_format(raw=raw, filename=filename)
    if file_format == "xlsx":
        table = read_xlsx(
            raw=raw, max_uncompressed=max_uncompressed, max_members=max_members, sheet=sheet
        )
    else:
        table = read_csv(raw=raw, nrows=nrows)
    if len(table.frame.columns) < 2:
        raise LedgerError(
            _("Only one column was found; a ledger needs at least a customer and an amount.")
        )
    if table.frame.empty:
        raise LedgerError(_("The file has a header but no lines."))
    return table


# --- detection ----------------------------------------------------------------------------------


def normalise_header(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text.replace("n°", "n"))


def detect_mapping(columns: Iterable[str]) -> dict[str, str]:
    """field code → column, from header names in English and French."""
    normalised = {normalise_header(column): column for column in reversed(list(columns))}
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
    dates = {
        mapping[code]: date_evidence(table.frame[mapping[code]])
        for code in DATE_FIELDS
        if code in mapping
    }
    overall = sum(dates.values(), DateEvidence())
    return Detected(
        mapping=mapping,
        decimal=detect_decimal(number_values, delimiter=table.delimiter),
        dayfirst=overall.order != MDY,
        dates=dates,
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


# --- dates ----------------------------------------------------------------------------------------

ORDER_LABELS: dict[str, Promise] = {
    DMY: gettext_lazy("day/month/year"),
    MDY: gettext_lazy("month/day/year"),
}


@dataclass(frozen=True)
class DateEvidence:
    """What the distinct values of a date column say about its day/month order."""

    day_first: int = 0  # values only readable day first: a first field above 12 (25/11/2011)
    month_first: int = 0  # values only readable month first (11/25/2011)
    ambiguous: int = 0  # values both orders read, as two different dates (03/04/2011)
    day_first_example: str = ""
    month_first_example: str = ""

    def __add__(self, other: DateEvidence) -> DateEvidence:
        return DateEvidence(
            day_first=self.day_first + other.day_first,
            month_first=self.month_first + other.month_first,
            ambiguous=self.ambiguous + other.ambiguous,
            day_first_example=self.day_first_example or other.day_first_example,
            month_first_example=self.month_first_example or other.month_first_example,
        )

    @property
    def order(self) -> str:
        """The order the evidence decides ("" when nothing does); the majority if it conflicts."""
        if self.day_first > self.month_first:
            return DMY
        if self.month_first > self.day_first:
            return MDY
        return ""

    @property
    def example(self) -> str:
        """A value that decides the order."""
        return {DMY: self.day_first_example, MDY: self.month_first_example}.get(self.order, "")

    @property
    def conflicting(self) -> bool:
        return bool(self.day_first and self.month_first)

    @property
    def undecided(self) -> bool:
        """Some dates read differently by order and no value says which order is right."""
        return self.ambiguous > 0 and not self.order


def _date_parts(values: pd.Series) -> pd.DataFrame:
    """Year, and month and day of unambiguous shapes, or the two leading fields of the others."""
    found = values.astype(str).str.extract(DATE_PATTERN)
    year = pd.to_numeric(found["iy"].fillna(found["cy"]).fillna(found["y"]))
    short = found["y"].str.len().eq(2).fillna(False).astype(bool)
    century = (year < TWO_DIGIT_PIVOT).map({True: 2000, False: 1900})
    year = year.where(~short, year + century)
    return pd.DataFrame(
        {
            "year": year,
            "month": pd.to_numeric(found["im"].fillna(found["cm"])),
            "day": pd.to_numeric(found["id"].fillna(found["cd"])),
            "first": pd.to_numeric(found["a"]),
            "second": pd.to_numeric(found["b"]),
        },
        index=values.index,
    )


def _dates_from_parts(parts: pd.DataFrame, *, order: str) -> pd.Series:
    ordered = parts["first"].notna()
    month_field, day_field = ("second", "first") if order == DMY else ("first", "second")
    frame = pd.DataFrame(
        {
            "year": parts["year"],
            "month": parts["month"].where(~ordered, parts[month_field]),
            "day": parts["day"].where(~ordered, parts[day_field]),
        }
    )
    valid = (
        frame.notna().all(axis=1)
        & frame["month"].between(1, 12)
        & frame["day"].between(1, 31)
        & (frame["year"] >= 1900)
    )
    result = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[us]")
    if valid.any():
        dates = pd.to_datetime(frame[valid].astype(int), errors="coerce")  # 30/02 → NaT
        result[valid] = dates.astype("datetime64[us]")
    return result


def date_evidence(values: pd.Series) -> DateEvidence:
    """Count the distinct values that only one day/month order can read."""
    uniques = pd.Series(values.dropna().unique(), dtype=object)
    uniques = uniques[uniques.astype(str).str.strip() != ""]
    if uniques.empty:
        return DateEvidence()
    parts = _date_parts(uniques)
    as_dmy = _dates_from_parts(parts, order=DMY)
    as_mdy = _dates_from_parts(parts, order=MDY)
    day_first = as_dmy.notna() & as_mdy.isna()
    month_first = as_mdy.notna() & as_dmy.isna()
    ambiguous = as_dmy.notna() & as_mdy.notna() & (as_dmy != as_mdy)

    def example(mask: pd.Series) -> str:
        return str(uniques[mask].iloc[0]).strip() if mask.any() else ""

    return DateEvidence(
        day_first=int(day_first.sum()),
        month_first=int(month_first.sum()),
        ambiguous=int(ambiguous.sum()),
        day_first_example=example(day_first),
        month_first_example=example(month_first),
    )


def parse_dates(values: pd.Series, *, order: str) -> pd.Series:
    """Each value read by its own shape, day/month fields in ``order``; NaT where unreadable."""
    return per_unique(values, lambda uniques: _dates_from_parts(_date_parts(uniques), order=order))


def _impossible(parts: pd.DataFrame, dates: pd.Series, *, order: str) -> pd.Series:
    """Where ``dates`` (``parts`` read in ``order``) has none but the other order reads one."""
    impossible = pd.Series(False, index=parts.index)
    unread = dates.isna()
    if unread.any():  # most values read: the other order is tried on the others only
        other = MDY if order == DMY else DMY
        impossible[unread] = _dates_from_parts(parts[unread], order=other).notna()
    return impossible


def impossible_dates(values: pd.Series, *, order: str) -> pd.Series:
    """True where ``order`` cannot read a value that the other order reads as a date."""

    def convert(uniques: pd.Series) -> pd.Series:
        parts = _date_parts(uniques)
        return _impossible(parts, _dates_from_parts(parts, order=order), order=order)

    return per_unique(values, convert).fillna(False).astype(bool)


def parse_dates_checked(values: pd.Series, *, order: str) -> tuple[pd.Series, pd.Series]:
    """``parse_dates`` and ``impossible_dates`` of the same values, reading each distinct value
    once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    parts = _date_parts(pd.Series(uniques, dtype=values.dtype))
    dates = _dates_from_parts(parts, order=order)
    impossible = _impossible(parts, dates, order=order)
    return (
        _spread(dates, codes, values.index),
        _spread(impossible, codes, values.index).fillna(False).astype(bool),
    )


def column_order(values: pd.Series, *, chosen: str = "", fallback: str = DMY) -> str:
    """The order a date column is read in: the one chosen, else the evidence's, else fallback."""
    return chosen or date_evidence(values).order or fallback


# --- parsing --------------------------------------------------------------------------------------


def per_unique(values: pd.Series, convert: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply ``convert`` once per distinct value: ledgers repeat dates, prices and countries."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return _spread(convert(pd.Series(uniques, dtype=values.dtype)), codes, values.index)


def _spread(converted: pd.Series, codes: Any, index: pd.Index) -> pd.Series:
    """The values converted once per distinct value, back in place (``pd.factorize`` codes)."""
    padded = pd.concat([converted, converted.iloc[:0].reindex([len(converted)])])
    result = padded.take(codes)  # code -1 (a missing value) takes the missing value at the end
    result.index = index
    return result


ESSENTIALS: tuple[tuple[tuple[str, ...], Promise], ...] = (
    (("customer_id", "customer_name"), gettext_lazy("the customer")),
    (("date",), gettext_lazy("the date")),
    (("amount",), gettext_lazy("the amount")),
)


def missing_fields(mapping: Mapping[str, str]) -> list[str]:
    """The essential fields a mapping leaves without a column (customer, date, amount)."""
    missing: list[str] = []
    for codes, _label in ESSENTIALS:
        found = any(mapping.get(code) for code in codes)
        if codes == ("amount",):
            found = found or bool(mapping.get("quantity") and mapping.get("unit_price"))
        if not found:
            missing.extend(codes)
    return missing


def layout_problem(missing: Iterable[str], *, columns: list[str]) -> str:
    """What KAM could not find in a file's layout, and how to map it, in one sentence."""
    from babel.lists import format_list
    from django.utils.translation import get_language, to_locale

    gone = set(missing)
    labels = [str(label) for codes, label in ESSENTIALS if gone & set(codes)]
    locale = to_locale(get_language() or "en")
    shown = ", ".join(columns[:8]) + (", …" if len(columns) > 8 else "")
    return _(
        "KAM did not recognise this layout: no column for %(missing)s was found among the "
        "file's %(count)s columns (%(columns)s). Match them under “Match the file's columns”: "
        "Customer id or Customer name, Date, and Amount (or Quantity and Unit price)."
    ) % {
        "missing": format_list(labels, style="or", locale=locale),
        "count": len(columns),
        "columns": shown,
    }


def mapping_problems(mapping: Mapping[str, str], columns: Iterable[str]) -> list[str]:
    """What is wrong with a mapping, as translated sentences; empty when it can be imported."""
    ordered = list(columns)
    known = set(ordered)
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
    missing = missing_fields(mapping)
    if missing:
        problems.append(layout_problem(missing, columns=ordered))
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
                lookup.setdefault(normalise_header(name), code)
                lookup.setdefault(code.lower(), code)
    return lookup


_COUNTRIES: dict[str, str] = {}


def country_code(name: str) -> str:
    """ISO 3166 alpha-2 code of a country name or code in a few languages; '' if unknown."""
    if not _COUNTRIES:
        _COUNTRIES.update(_country_lookup())
    return _COUNTRIES.get(normalise_header(name), "")


def _currency_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for language in ("en", "fr", "de"):
        for code, name in Locale.parse(language).currencies.items():
            if len(code) == 3 and code.isalpha():
                lookup.setdefault(code.lower(), code)
                lookup.setdefault(normalise_header(name), code)
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
        code = _CURRENCIES.get(normalise_header(value))
    return code or ""


def parse(
    table: Table,
    *,
    mapping: Mapping[str, str],
    decimal: str,
    date_orders: Mapping[str, str] | None = None,
    dayfirst: bool = True,
    currency: str = "",
) -> Parsed:
    """Turn the table into canonical lines; every row that cannot be read is rejected with why.

    A date column is read in its order from ``date_orders`` (column → dmy or mdy), else in the
    order its values decide, else day first when ``dayfirst``. ``currency`` is the currency of
    lines that name none (no currency column, or an empty cell); ``amount`` and ``profit`` stay
    in each line's own ``currency``."""
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

    fallback = DMY if dayfirst else MDY
    chosen_orders = date_orders or {}

    def read_dates(code: str, values: pd.Series) -> pd.Series:
        name = mapping[code]
        order = column_order(values, chosen=chosen_orders.get(name, ""), fallback=fallback)
        parsed, impossible = parse_dates_checked(values, order=order)
        reject(
            impossible,
            _("%(field)s cannot be read as %(order)s: it would have a month above 12.")
            % {"field": FIELD_BY_CODE[code].label, "order": ORDER_LABELS[order]},
        )
        return parsed

    dates = column("date")
    assert dates is not None  # mapping_problems guarantees it
    reject(dates == "", _("No date on this line."))
    parsed_dates = read_dates("date", dates)
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
        parsed = read_dates(code, values)
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
