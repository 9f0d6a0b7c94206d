"""Files a spreadsheet opens: CSV written in the reader's conventions, and text that is never
read as a formula. Every CSV export of KAM goes through ``csv_bytes``.

- French readers get semicolons between fields and decimal commas (``12,5``): what Excel set to
  French opens straight into columns. English readers get commas and decimal points.
- UTF-8 with a byte order mark, so that Excel reads the accents right.
- Text that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return) is written with a leading ``'``, as OWASP advises against CSV
  injection; numbers stay numbers (written bare, without thousands separators), so a negative
  figure is never escaped.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kam import bilingual

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"

Cell = str | int | float | Decimal | None


@dataclass(frozen=True)
class CsvConventions:
    delimiter: str
    decimal: str


FRENCH = CsvConventions(delimiter=";", decimal=",")
ENGLISH = CsvConventions(delimiter=",", decimal=".")


def csv_conventions() -> CsvConventions:
    """The conventions of the active language's spreadsheets."""
    return FRENCH if bilingual.reader_language() == "fr" else ENGLISH


def spreadsheet_text(text: str) -> str:
    """Text a spreadsheet shows as text: a leading ``'`` when it would start a formula."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def csv_number(value: int | float | Decimal, decimal: str = ".") -> str:
    """A figure as a spreadsheet reads it: no thousands separator, no exponent, the decimal
    separator given (``-1234,5`` for French readers)."""
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return str(value)
    number = value if isinstance(value, Decimal) else Decimal(repr(float(value)))
    text = format(number, "f")
    return text.replace(".", decimal) if decimal != "." else text


def csv_bytes(rows: Iterable[Sequence[Cell]]) -> bytes:
    """Rows (the header first) as a CSV file in the reader's conventions: texts escaped,
    numbers with the reader's decimal separator, ``None`` as an empty field."""
    conventions = csv_conventions()
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=conventions.delimiter, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(value, conventions.decimal) for value in row])
    return (BOM + stream.getvalue()).encode("utf-8")


def _cell(value: Cell, decimal: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return spreadsheet_text(value)
    return csv_number(value, decimal)


def csv_converted(handle: Any, *, rows_per_chunk: int = 1000) -> Iterator[bytes]:
    """A CSV file KAM wrote earlier (UTF-8, commas or semicolons), streamed in the reader's
    conventions: the same cells, the reader's delimiter. For files written once and read by
    people of either language, such as an import's rejected lines. ``handle`` is an open binary
    file (a stored ``FieldFile`` too)."""
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", newline="")
    first = text.readline()
    try:
        delimiter = csv.Sniffer().sniff(first, delimiters=",;").delimiter
    except csv.Error:
        delimiter = ","
    rows = csv.reader(itertools.chain([first], text), delimiter=delimiter)
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=csv_conventions().delimiter, lineterminator="\r\n")
    yield BOM.encode("utf-8")
    while chunk := list(itertools.islice(rows, rows_per_chunk)):
        writer.writerows(chunk)
        yield stream.getvalue().encode("utf-8")
        stream.seek(0)
        stream.truncate()
    text.close()
