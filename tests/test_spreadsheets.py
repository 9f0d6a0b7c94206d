"""kam/spreadsheets.py: CSV in the reader's conventions, read back as a spreadsheet would."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import translation

from kam.spreadsheets import csv_bytes, csv_number

ROWS = [
    ["Name", "Amount", "Share", "Count", "Note"],
    ['=HYPERLINK("http://x","y")', Decimal("-1234.50"), 12.5, 3, None],
    ["Dupont; Fils, et Cie", Decimal("0.10"), -0.25, -2, "@SUM(1)"],
]


def read(content: bytes, delimiter: str) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # Excel reads the accents right
    return list(
        csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=delimiter)
    )


@pytest.mark.parametrize(
    ("language", "delimiter", "amounts"),
    [
        ("fr", ";", (["-1234,50", "12,5", "3"], ["0,10", "-0,25", "-2"])),
        ("en", ",", (["-1234.50", "12.5", "3"], ["0.10", "-0.25", "-2"])),
    ],
)
def test_csv_follows_the_readers_conventions(language, delimiter, amounts):
    with translation.override(language):
        content = csv_bytes(ROWS)

    rows = read(content, delimiter)
    assert rows[0] == ["Name", "Amount", "Share", "Count", "Note"]
    assert rows[1] == ['\'=HYPERLINK("http://x","y")', *amounts[0], ""]  # formula escaped
    assert rows[2] == ["Dupont; Fils, et Cie", *amounts[1], "'@SUM(1)"]  # quoted, kept whole
    other = "," if delimiter == ";" else ";"
    assert all(len(row) == 5 for row in read(content, delimiter))
    assert len(read(content, other)[0]) == 1  # one column when read the other way


def test_csv_numbers_are_plain():
    assert csv_number(Decimal("1E+3"), ",") == "1000"
    assert csv_number(1e-7, ",") == "0,0000001"
    assert csv_number(True) == "1"
