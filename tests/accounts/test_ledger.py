"""accounts/ledger.py: reading files, detection and parsing, without a database."""

import datetime as dt
import io
import zipfile

import pandas as pd
import pytest
from openpyxl import Workbook

from accounts import ledger

LIMITS = {"max_uncompressed": 50_000_000, "max_members": 100}


def read(raw: bytes, filename: str = "ledger.csv") -> ledger.Table:
    return ledger.read_table(raw=raw, filename=filename, **LIMITS)


def parse(raw: bytes, filename: str = "ledger.csv") -> ledger.Parsed:
    table = read(raw, filename)
    detected = ledger.detect(table)
    return ledger.parse(
        table, mapping=detected.mapping, decimal=detected.decimal, dayfirst=detected.dayfirst
    )


def xlsx(rows, *, formula_at=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if formula_at:
        sheet[formula_at] = "=SUM(C2:C3)"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_detect_encoding_reads_utf8_with_and_without_bom():
    assert ledger.detect_encoding("Société;Montant\n".encode()) == "utf-8"
    assert ledger.detect_encoding(b"\xef\xbb\xbfA;B\n") == "utf-8-sig"


def test_detect_encoding_prefers_cp1252_for_curly_quotes_and_nbsp():
    raw = "Client;Produit\nKöln GmbH;“Deluxe”\xa0binder\n".encode("cp1252")
    assert ledger.detect_encoding(raw) == "cp1252"


def test_detect_encoding_recognises_dos_code_page_letters():
    raw = "Client;Adresse\nMartín;Berguvsvägen 8, Cataluña\n".encode("cp850")
    assert ledger.detect_encoding(raw) == "cp850"


@pytest.mark.parametrize(
    ("raw", "filename", "message"),
    [
        (b"", "a.csv", "empty"),
        (b"   \n\n", "a.csv", "empty"),
        (b"%PDF-1.7 binary", "ledger.pdf", "not a CSV or XLSX"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "ledger.xls", "Old Excel"),
        ("Client;Montant\nA;1\n".encode("utf-16"), "a.csv", "encoding"),
        (b"PK\x03\x04" + b"\x00" * 40, "archive.zip", "ZIP archive"),
    ],
)
def test_read_table_refuses_what_is_not_a_ledger(raw, filename, message):
    with pytest.raises(ledger.LedgerError, match=message):
        read(raw, filename)


def test_read_table_refuses_a_header_without_lines():
    with pytest.raises(ledger.LedgerError, match="header but no lines"):
        read(b"Customer;Date;Amount\r\n")


def test_read_table_refuses_a_single_column():
    with pytest.raises(ledger.LedgerError, match="one column"):
        read(b"Customer\nA\nB\n")


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ('Customer,Amount\n"Doe, Inc.",12.5\nA,3\n', ","),
        ("Client;Montant\nA;12,5\nB;3\n", ";"),
        ("Client\tMontant\nA\t12.5\n", "\t"),
        ("Client|Montant|Date\nA|1|2024-01-01\n", "|"),
    ],
)
def test_sniff_delimiter_finds_the_separator(text, delimiter):
    assert ledger.sniff_delimiter(text) == delimiter


def test_detect_mapping_reads_english_and_french_headers():
    english = ledger.detect_mapping(
        ["Row ID", "Order ID", "Order Date", "Ship Date", "Customer ID", "Customer Name",
         "Segment", "Country/Region", "Sales", "Quantity", "Discount", "Profit"]
    )  # fmt: skip
    assert english == {
        "customer_id": "Customer ID",
        "customer_name": "Customer Name",
        "date": "Order Date",
        "amount": "Sales",
        "quantity": "Quantity",
        "profit": "Profit",
        "country": "Country/Region",
        "segment": "Segment",
        "order_ref": "Order ID",
    }
    french = ledger.detect_mapping(
        ["N° client", "Client", "Date facture", "Échéance", "Date de règlement", "Quantité",
         "Prix unitaire", "Montant HT", "Coût", "Pays", "Litige", "N° commande"]
    )  # fmt: skip
    assert french == {
        "customer_id": "N° client",
        "customer_name": "Client",
        "date": "Date facture",
        "due_date": "Échéance",
        "paid_date": "Date de règlement",
        "quantity": "Quantité",
        "unit_price": "Prix unitaire",
        "amount": "Montant HT",
        "cost": "Coût",
        "country": "Pays",
        "disputed": "Litige",
        "order_ref": "N° commande",
    }


@pytest.mark.parametrize(
    ("values", "delimiter", "decimal"),
    [
        (["261,96", "731,94", "22"], ";", ","),
        (["1.234,50", "12,00"], ";", ","),
        (["1,234.50", "12.00"], ",", "."),
        (["16.448", "3.54"], ",", "."),
        (["12", "7"], ";", "."),
    ],
)
def test_detect_decimal(values, delimiter, decimal):
    assert ledger.detect_decimal(values, delimiter=delimiter) == decimal


def test_detect_dayfirst_from_days_above_twelve():
    assert ledger.detect_dayfirst(["03/01/19", "13/01/19"]) is True
    assert ledger.detect_dayfirst(["2/24/2003 0:00", "5/7/2003 0:00"]) is False
    assert ledger.detect_dayfirst(["2024-01-31", ""]) is True


def test_parse_reads_a_french_export_with_decimal_comma_and_cost():
    raw = (
        "N° client;Client;Date facture;Échéance;Date de règlement;Quantité;Prix unitaire;"
        "Montant HT;Coût;Pays;Litige\r\n"
        "C1;Dupont SA;31/01/2024;01/03/2024;11/03/2024;10;12,50;125,00;100,00;France;non\r\n"
        "C1;Dupont SA;15/02/2024;15/03/2024;;-2;12,50;-25,00;-20,00;France;oui\r\n"
    ).encode("cp1252")
    parsed = parse(raw)
    assert parsed.rejects.empty
    first, second = parsed.lines.to_dict("records")
    assert first["external_id"] == "C1"
    assert first["date"] == pd.Timestamp(2024, 1, 31)
    assert first["amount"] == 125.0
    assert first["profit"] == 25.0
    assert first["due_date"] == pd.Timestamp(2024, 3, 1)
    assert first["paid_date"] == pd.Timestamp(2024, 3, 11)
    assert first["country"] == "FR"
    assert first["disputed"] is False
    assert first["is_return"] is False
    assert second["is_return"] is True
    assert second["paid_date"] is pd.NaT
    assert second["disputed"] is True


def test_parse_computes_amount_from_quantity_and_unit_price():
    raw = b"Customer,Date,Qty,Unit price\nACME,2024-05-02,3,2.5\n"
    parsed = parse(raw)
    assert parsed.lines["amount"].tolist() == [7.5]
    assert parsed.lines["profit"].isna().all()


def test_parse_rejects_bad_rows_with_reasons_and_keeps_the_rest():
    raw = (
        b"Customer,Date,Amount\n"
        b"ACME,2024-05-02,10\n"
        b",2024-05-03,11\n"
        b"ACME,not a date,12\n"
        b"ACME,2024-05-04,twelve\n"
        b"ACME,2024-05-05,\n"
    )
    parsed = parse(raw)
    assert parsed.lines["amount"].tolist() == [10.0]
    rejects = parsed.rejects.to_dict("records")
    assert [row["line"] for row in rejects] == [3, 4, 5, 6]
    reasons = [row["reason"] for row in rejects]
    assert "No customer" in reasons[0]
    assert "date" in reasons[1]
    assert "not a number" in reasons[2]
    assert "No amount" in reasons[3]
    assert rejects[1]["Date"] == "not a date"


def test_parse_refuses_a_mapping_without_customer_or_amount():
    table = read(b"Customer,Date,Amount\nA,2024-01-01,1\n")
    with pytest.raises(ledger.LedgerError, match="identifies the customer"):
        ledger.parse(
            table, mapping={"date": "Date", "amount": "Amount"}, decimal=".", dayfirst=True
        )
    problems = ledger.mapping_problems({"customer_name": "Customer", "date": "Date"}, table.columns)
    assert any("amount column" in problem for problem in problems)
    problems = ledger.mapping_problems({"customer_name": "Nope"}, table.columns)
    assert any("not in the file" in problem for problem in problems)


def test_read_xlsx_reads_values_and_dates():
    raw = xlsx([["Customer", "Invoice date", "Amount"], ["ACME", dt.date(2024, 2, 29), 1250.5]])
    parsed = parse(raw, "ledger.xlsx")
    assert parsed.lines[["external_id", "date", "amount"]].values.tolist() == [
        ["ACME", pd.Timestamp(2024, 2, 29), 1250.5]
    ]


def test_read_xlsx_refuses_formula_cells():
    raw = xlsx([["Customer", "Date", "Amount"], ["A", "2024-01-01", 1]], formula_at="C3")
    with pytest.raises(ledger.LedgerError, match="Cell C3 holds a formula"):
        read(raw, "ledger.xlsx")


def test_check_xlsx_archive_refuses_bombs_and_member_floods():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 30_000_000)
    with pytest.raises(ledger.LedgerError, match="abnormal size"):
        read(bomb.getvalue(), "ledger.xlsx")
    flood = io.BytesIO()
    with zipfile.ZipFile(flood, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for index in range(150):
            archive.writestr(f"xl/part{index}.xml", "<a/>")
    with pytest.raises(ledger.LedgerError, match="151 parts"):
        read(flood.getvalue(), "ledger.xlsx")


@pytest.mark.parametrize(
    ("name", "code"),
    [("United States", "US"), ("USA", "US"), ("UK", "GB"), ("Allemagne", "DE"),
     ("france", "FR"), ("Atlantis", "")],
)  # fmt: skip
def test_country_code(name, code):
    assert ledger.country_code(name) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("EUR", "EUR"),
        ("eur", "EUR"),
        (" usd ", "USD"),
        ("€", "EUR"),
        ("$", "USD"),
        ("US$", "USD"),
        ("£", "GBP"),
        ("CHF", "CHF"),
        ("Fr.", "CHF"),
        ("¥", "JPY"),
        ("Euros", "EUR"),
        ("US Dollar", "USD"),
        ("dollar des États-Unis", "USD"),
        ("Livre sterling", "GBP"),
        ("franc suisse", "CHF"),
        ("XYZ", ""),
        ("Monopoly money", ""),
        ("", ""),
    ],
)
def test_currency_code(text, code):
    assert ledger.currency_code(text) == code


def test_detect_mapping_finds_currency_columns():
    for header in ("Currency", "Devise", "Idevise", "CurrencyCode", "Code devise"):
        assert ledger.detect_mapping(["Client", "Date", "Amount", header])["currency"] == header


def test_parse_reads_the_currency_of_each_line_and_rejects_unknown_ones():
    raw = (
        "Customer,Date,Amount,Currency\n"
        "A,2024-03-01,100,€\n"
        "A,2024-03-02,200,usd\n"
        "B,2024-03-03,300,US$\n"
        "B,2024-03-04,400,\n"
        "C,2024-03-05,500,Doubloons\n"
        "C,2024-03-06,600,£\n"
    ).encode()
    table = read(raw)
    mapping = ledger.detect_mapping(table.columns)
    parsed = ledger.parse(table, mapping=mapping, decimal=".", dayfirst=False, currency="CHF")
    assert parsed.lines["currency"].tolist() == ["EUR", "USD", "USD", "CHF", "GBP"]
    assert parsed.lines["amount"].tolist() == [100, 200, 300, 400, 600]  # as read, not converted
    assert parsed.rejects["line"].tolist() == [6]
    assert "'Doubloons' is not a currency KAM knows" in parsed.rejects["reason"].iloc[0]


def test_parse_without_a_currency_column_gives_every_line_the_imports_currency():
    raw = b"Customer,Date,Amount\nA,2024-03-01,100\nB,2024-03-02,200\n"
    table = read(raw)
    mapping = ledger.detect_mapping(table.columns)
    parsed = ledger.parse(table, mapping=mapping, decimal=".", dayfirst=False, currency="USD")
    assert parsed.lines["currency"].tolist() == ["USD", "USD"]


def test_missing_rates_counts_lines_without_a_rate_per_currency_and_month():
    lines = pd.DataFrame(
        {
            "currency": ["USD", "USD", "USD", "GBP", "EUR"],
            "date": pd.to_datetime(
                ["2024-03-01", "2024-03-31", "2024-04-01", "2024-03-05", "2024-03-05"]
            ),
            "exchange_rate": [float("nan"), float("nan"), float("nan"), float("nan"), 1.0],
        }
    )
    assert ledger.missing_rates(lines) == [
        {"currency": "GBP", "month": "2024-03", "lines": 1},
        {"currency": "USD", "month": "2024-03", "lines": 2},
        {"currency": "USD", "month": "2024-04", "lines": 1},
    ]
