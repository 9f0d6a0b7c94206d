"""accounts/ledger.py: reading files, detection and parsing, without a database."""

import datetime as dt
import io
import zipfile

import pandas as pd
import pytest
from django.utils import translation
from openpyxl import Workbook

from accounts import ledger


def read(raw: bytes, filename: str = "ledger.csv", sheet: str = "") -> ledger.Table:
    return ledger.read_table(
        raw=raw, filename=filename, max_uncompressed=50_000_000, max_members=100, sheet=sheet
    )


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


def evidence(*values: str) -> ledger.DateEvidence:
    return ledger.date_evidence(pd.Series(values, dtype=object))


def test_date_evidence_decides_the_order_from_a_field_above_twelve():
    assert evidence("03/01/19", "13/01/19").order == ledger.DMY
    assert evidence("03/01/19", "13/01/19").example == "13/01/19"
    assert evidence("2/24/2003 0:00", "5/7/2003 0:00").order == ledger.MDY
    assert evidence("2024-01-31", "").order == ""
    assert not evidence("2024-01-31", "20240131").undecided  # every date reads one way
    assert evidence("03/04/2011", "05/06/2011").undecided
    assert not evidence("31/02/2020", "99/99/2020").order  # impossible both ways: no evidence


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
    with pytest.raises(ledger.LedgerError, match="no column for the customer was found"):
        ledger.parse(
            table, mapping={"date": "Date", "amount": "Amount"}, decimal=".", dayfirst=True
        )
    problems = ledger.mapping_problems({"customer_name": "Customer", "date": "Date"}, table.columns)
    assert any("no column for the amount was found" in problem for problem in problems)
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


# --- dates of mixed shapes ---------------------------------------------------------------------

SHAPES = {
    # name: (day/month/year writer, month/day/year writer)
    "slash 4": (lambda d: f"{d.day}/{d.month}/{d.year}", lambda d: f"{d.month}/{d.day}/{d.year}"),
    "dash 2 + time": (
        lambda d: f"{d.day:02d}-{d.month:02d}-{d.year % 100:02d} 12:50",
        lambda d: f"{d.month:02d}-{d.day:02d}-{d.year % 100:02d} 12:50",
    ),
    "dot 4": (
        lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
        lambda d: f"{d.month:02d}.{d.day:02d}.{d.year}",
    ),
    "slash 2 + time": (
        lambda d: f"{d.day}/{d.month}/{d.year % 100:02d} {d.day % 24}:02",
        lambda d: f"{d.month}/{d.day}/{d.year % 100:02d} {d.day % 24}:02",
    ),
}
ISO = (lambda d: d.isoformat(), lambda d: f"{d.isoformat()}T10:30:00", lambda d: f"{d:%Y%m%d}")


def mixed_column(order: str, days: list[dt.date]) -> list[str]:
    """The days written in turn in every shape, all in one order, with ISO values between."""
    position = 0 if order == ledger.DMY else 1
    writers = [pair[position] for pair in SHAPES.values()] + list(ISO)
    return [writers[index % len(writers)](day) for index, day in enumerate(days)]


DAYS = [dt.date(2011, 1, 1) + dt.timedelta(days=37 * n) for n in range(40)]  # days 1 to 31


@pytest.mark.parametrize("order", [ledger.DMY, ledger.MDY])
def test_a_column_of_mixed_shapes_is_read_value_by_value_in_the_order_it_decides(order):
    values = pd.Series(mixed_column(order, DAYS))
    assert ledger.date_evidence(values).order == order
    parsed = ledger.parse_dates(values, order=order)
    assert [day.date() for day in parsed] == DAYS


def test_the_online_retail_round_trip_is_read_whole():
    """Month first, two shapes in one column, as a spreadsheet round trip leaves it."""
    values = pd.Series(["11/25/11 11:02", "12-09-11 12:50", "1/4/11 8:26", "12-01-10 08:26"])
    assert ledger.date_evidence(values).order == ledger.MDY
    assert ledger.parse_dates(values, order=ledger.MDY).dt.date.tolist() == [
        dt.date(2011, 11, 25),
        dt.date(2011, 12, 9),
        dt.date(2011, 1, 4),
        dt.date(2010, 12, 1),
    ]
    raw = b"Customer,InvoiceDate,Amount\n" + b"".join(
        f"C{n},{value},1.5\n".encode() for n, value in enumerate(values)
    )
    assert parse(raw).rejects.empty


@pytest.mark.parametrize("order", [ledger.DMY, ledger.MDY])
def test_an_undecidable_column_is_read_in_the_order_chosen(order):
    days = [dt.date(2024, month, day) for month in range(1, 13) for day in range(1, 13)]
    values = pd.Series(mixed_column(order, days))
    assert ledger.date_evidence(values).undecided
    assert [day.date() for day in ledger.parse_dates(values, order=order)] == days


def test_the_wrong_order_gives_impossible_dates_that_parse_rejects_with_the_reason():
    raw = b"Customer;Date;Amount\nA;25/11/2011;1\nB;03/04/2011;2\nC;2011-05-06;3\n"
    table = read(raw)
    parsed = ledger.parse(
        table, mapping=ledger.detect(table).mapping, decimal=".", date_orders={"Date": ledger.MDY}
    )
    assert parsed.lines["date"].dt.date.tolist() == [dt.date(2011, 3, 4), dt.date(2011, 5, 6)]
    (reject,) = parsed.rejects.to_dict("records")
    assert (reject["line"], reject["Date"]) == (2, "25/11/2011")
    assert "month/day/year" in reject["reason"]
    assert "month above 12" in reject["reason"]
    impossible = ledger.impossible_dates(table.frame["Date"], order=ledger.MDY)
    assert impossible.tolist() == [True, False, False]


# --- tables that do not start on the first line, workbooks of several sheets ----------------------


def test_read_csv_finds_the_header_under_titles_and_drops_the_totals_line():
    raw = (
        b"Sales ledger 2024;;\r\n"
        b"Exported 03/12/2024;;\r\n"
        b"\r\n"
        b"Customer;Invoice date;Amount\r\n"
        b"ACME;31/01/2024;10,5\r\n"
        b"Beta;01/02/2024;x\r\n"
        b"Total;;10,5\r\n"
    )
    table = read(raw)
    assert table.columns == ["Customer", "Invoice date", "Amount"]
    assert (table.header_line, table.footer_rows) == (4, 1)
    assert table.frame["Customer"].tolist() == ["ACME", "Beta"]
    parsed = parse(raw)
    assert parsed.lines["amount"].tolist() == [10.5]
    assert parsed.rejects["line"].tolist() == [6]  # the line number in the file


def test_read_xlsx_finds_the_header_under_titles_and_drops_a_totals_formula():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Ventes par client"])
    sheet.append([])
    sheet.append(["Client", "Date facture", "Montant HT"])
    sheet.append(["ACME", dt.date(2024, 1, 31), 100])
    sheet.append(["Beta", dt.date(2024, 2, 1), 50])
    sheet.append(["Total", None, "=SUM(C4:C5)"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read(buffer.getvalue(), "ventes.xlsx")
    assert table.columns == ["Client", "Date facture", "Montant HT"]
    assert (table.header_line, table.line_offset, table.footer_rows) == (3, 4, 1)
    assert parse(buffer.getvalue(), "ventes.xlsx").lines["amount"].tolist() == [100.0, 50.0]


def workbook_of(**sheets) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_read_xlsx_reads_the_sheet_that_looks_like_a_ledger_or_the_one_named():
    raw = workbook_of(
        Notes=[["Read me"], ["Figures in euros", "excl. VAT"]],
        Ventes=[["Customer", "Date", "Amount"], ["ACME", "2024-01-31", 10]],
        Products=[["Product", "Price"], ["Widget", 2]],
    )
    table = read(raw, "book.xlsx")
    assert (table.sheet, table.sheets) == ("Ventes", ["Notes", "Ventes", "Products"])
    assert table.frame["Customer"].tolist() == ["ACME"]
    assert read(raw, "book.xlsx", sheet="Products").columns == ["Product", "Price"]
    with pytest.raises(ledger.LedgerError, match="no sheet named 'Nope'"):
        read(raw, "book.xlsx", sheet="Nope")


FEC_HEADER = (
    "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|"
    "PieceRef|PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|"
    "Idevise"
)


def test_an_unknown_layout_names_what_was_not_found_and_how_to_map_it():
    columns = FEC_HEADER.split("|")
    assert ledger.missing_fields(ledger.detect_mapping(columns)) == [
        "customer_id", "customer_name", "date", "amount",
    ]  # fmt: skip
    (problem,) = ledger.mapping_problems(ledger.detect_mapping(columns), columns)
    assert "no column for the customer, the date, or the amount was found" in problem
    assert "18 columns (JournalCode, JournalLib," in problem
    assert "Customer id or Customer name, Date, and Amount" in problem
    with translation.override("fr"):
        (french,) = ledger.mapping_problems({}, columns)
    assert "le client, la date ou le montant" in french
