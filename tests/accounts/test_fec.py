"""accounts/fec.py and accounts/fec_generator.py: reading a FEC, no database."""

import pytest

from accounts import fec
from accounts.fec_generator import OFFICIAL_HEADER, FecOptions, generate
from accounts.ledger import LedgerError

HEADER = "|".join(OFFICIAL_HEADER)


def reading(text: str, encoding: str = "utf-8") -> fec.Reading:
    return fec.parse(fec.read(text.encode(encoding)))


# One invoice (two revenue lines, VAT), its payment matched on 2025-03-10, a credit note, a bank
# fee and a purchase; amounts as packages write them (padded, spaced, empty, signed).
SMALL = "\r\n".join(
    [
        HEADER,
        "VE|Ventes|1|20250115|411000|Clients|C01|Dupont SA|FA1|20250114|Facture FA1|"
        "00000001440,00||A|20250310|20250120||",
        "VE|Ventes|1|20250115|701000|Ventes|||FA1|20250114|Facture FA1||   1000,00|||20250120||",
        "VE|Ventes|1|20250115|706000|Services|||FA1|20250114|Facture FA1|0,00|200|||20250120||",
        "VE|Ventes|1|20250115|445710|TVA|||FA1|20250114|Facture FA1|0,00|240,00|||20250120||",
        "BQ|Banque|2|20250305|512000|Banque|||VIR1|20250305|Reglement|1440,00|0,00|||20250306||",
        "BQ|Banque|2|20250305|411000|Clients|C01|Dupont SA|VIR1|20250305|Reglement|0,00|1440,00|"
        "A|20250310|20250306||",
        "VE|Ventes|3|20250320|411000|Clients|C01|Dupont SA|AV1|20250320|Avoir AV1|-120,00|0,00|||"
        "20250321||",
        "VE|Ventes|3|20250320|701000|Ventes|||AV1|20250320|Avoir AV1|0,00|-100,00|||20250321||",
        "VE|Ventes|3|20250320|445710|TVA|||AV1|20250320|Avoir AV1|20,00|0,00|||20250321||",
        "AC|Achats|4|20250321|607000|Achats|||F9|20250321|Achat|50,00|0,00|||20250321||",
        "AC|Achats|4|20250321|401000|Fournisseurs|F01|Acier|F9|20250321|Achat|0,00|50,00|||"
        "20250321||",
    ]
)


def test_a_fec_is_read_into_revenue_lines_of_its_customers():
    result = reading(SMALL)
    lines = result.parsed.lines
    assert list(lines["amount"]) == [1000.0, 200.0, -100.0]
    assert set(lines["external_id"]) == {"C01"}
    assert set(lines["name"]) == {"Dupont SA"}
    assert list(lines["order_ref"]) == ["FA1", "FA1", "AV1"]
    assert str(lines["date"].iloc[0].date()) == "2025-01-14"  # the piece's date
    assert str(lines["paid_date"].iloc[0].date()) == "2025-03-10"  # DateLet
    assert str(lines["paid_date"].iloc[2]) == "NaT"  # a credit note matched with nothing
    assert list(lines["is_return"]) == [False, False, True]
    assert list(lines["ordinal"]) == [3, 4, 9]  # line numbers of the file
    assert (result.entries, result.sales_entries, result.credit_notes) == (4, 2, 1)
    assert (result.not_sales, result.no_customer, result.unbalanced) == (2, 0, [])
    assert result.open_items == 0
    assert result.parsed.rejects.empty


def test_the_payment_date_stands_in_for_an_empty_date_let():
    text = SMALL.replace("A|20250310|", "A||")
    lines = reading(text).parsed.lines
    assert str(lines["paid_date"].iloc[0].date()) == "2025-03-05"  # the bank entry's date


def test_a_partial_match_leaves_the_invoice_open():
    text = SMALL.replace("0,00|1440,00|A|20250310", "0,00|1000,00|a|")
    text = text.replace("|1440,00|0,00|||20250306", "|1000,00|0,00|||20250306")
    result = reading(text)
    assert str(result.parsed.lines["paid_date"].iloc[0]) == "NaT"
    assert result.open_items == 1


def test_renamed_headers_tabs_and_iso_8859_15_are_recognised():
    renamed = (
        "Code journal\tLibellé journal\tNuméro écriture\tDate écriture\tCompte Num\t"
        "Libellé compte\tCompteAuxNum\tCompteAuxLib\tPièce Ref\tDate pièce\tLibellé\tDébit\t"
        "Crédit\tLettrage\tDate lettrage\tDate validation"  # no currency columns
    )
    body = [line.replace("|", "\t").rsplit("\t", 2)[0] for line in SMALL.split("\r\n")[1:]]
    text = "\n".join([renamed, *body]).replace("Dupont SA", "Cœur € SA")
    raw = text.encode("iso-8859-15")
    assert fec.looks_like_fec(raw)
    fec_file = fec.read(raw)
    assert (fec_file.encoding, fec_file.delimiter) == ("iso-8859-15", "\t")
    lines = fec.parse(fec_file).parsed.lines
    assert set(lines["name"]) == {"Cœur € SA"}
    assert lines["amount"].sum() == pytest.approx(1100.0)


def test_montant_and_sens_replace_debit_and_credit():
    options = FecOptions(invoices=40, amount_columns="montant_sens")
    plain = fec.parse(fec.read(generate(FecOptions(invoices=40))))
    other = fec.parse(fec.read(generate(options)))
    assert other.revenue == pytest.approx(plain.revenue)
    assert other.unbalanced == []


def test_customers_as_general_accounts_without_auxiliary():
    result = fec.parse(fec.read(generate(FecOptions(invoices=60, layout="general"))))
    assert result.parsed.lines["external_id"].str.fullmatch(r"411\d{5}").all()
    auxiliary = fec.parse(fec.read(generate(FecOptions(invoices=60))))
    assert result.revenue == pytest.approx(auxiliary.revenue)
    assert result.customers == auxiliary.customers


def test_foreign_currency_lines_keep_their_original_amount():
    lines = fec.parse(fec.read(generate(FecOptions(invoices=80)))).parsed.lines
    foreign = lines[lines["currency"] != ""]
    assert set(foreign["currency"]) <= {"USD", "GBP", "CHF"}
    assert not foreign.empty
    assert foreign["original_amount"].notna().all()
    assert ((foreign["original_amount"] > 0) == (foreign["amount"] > 0)).all()
    assert lines.loc[lines["currency"] == "", "original_amount"].isna().all()


def test_wrong_column_counts_are_refused_naming_the_lines():
    raw = generate(FecOptions(invoices=30, broken_lines=2))
    with pytest.raises(LedgerError) as refused:
        fec.read(raw)
    message = str(refused.value)
    assert message.startswith("2 lines do not have the 18 columns of the header: line ")
    numbers = [
        number
        for number, line in enumerate(raw.decode().split("\r\n"), start=1)
        if line.count("|") != 17 and line
    ]
    for number in numbers:
        assert f"line {number} (19 columns)" in message


def test_unbalanced_entries_are_reported_and_read_as_they_are():
    result = fec.parse(fec.read(generate(FecOptions(invoices=30, unbalanced=2))))
    assert len(result.unbalanced) == 2
    assert all(journal == "VE" for journal, *_ in result.unbalanced)
    assert all(difference == pytest.approx(-10.0) for *_, difference in result.unbalanced)
    assert "2 entries do not balance" in result.notes()[-1]
    assert not result.parsed.lines.empty


def test_a_file_with_fec_names_but_no_amounts_is_refused_naming_the_columns():
    text = "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|" \
        "CompAuxLib|PieceRef\nVE|V|1|20250101|411|C|||F1\n"  # fmt: skip
    assert fec.looks_like_fec(text.encode())
    with pytest.raises(LedgerError, match="Debit, Credit"):
        fec.read(text.encode())


def test_a_plain_ledger_is_not_taken_for_a_fec():
    assert not fec.looks_like_fec(b"Customer;Date;Amount\nA;2024-01-01;10\n")


def test_amounts_as_packages_write_them():
    import pandas as pd

    values = pd.Series(["000001234,50", "   12,00", "-5,5", "12,00-", "+3", "", "1.234,5", "x"])
    parsed = fec.parse_amounts(values)
    assert list(parsed[:7]) == [1234.5, 12.0, -5.5, -12.0, 3.0, 0.0, 1234.5]
    assert pd.isna(parsed[7])


def test_the_generator_is_deterministic_and_varies_with_its_options():
    assert generate(FecOptions(invoices=20)) == generate(FecOptions(invoices=20))
    assert generate(FecOptions(invoices=20, seed=1)) != generate(FecOptions(invoices=20))
    raw = generate(FecOptions(invoices=20, encoding="iso-8859-15", separator="\t"))
    assert raw.decode("iso-8859-15").split("\r\n")[0] == "\t".join(OFFICIAL_HEADER)
    journals = {line.split("|")[0] for line in generate().decode().split("\r\n")[1:] if line}
    assert journals == {"AN", "VE", "VC", "AC", "BQ", "PA", "OD"}
