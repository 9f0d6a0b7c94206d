"""A French FEC imported end to end: through the service, the upload page and import_ledger.

The expected figures are computed here straight from the file with the csv module and Decimal,
independently of accounts/fec.py.
"""

import csv
import datetime as dt
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import translation

from accounts.fec_generator import FecOptions, generate
from accounts.models import Client, ClientYearMetric, LedgerImport, LedgerLine
from accounts.services import imports as import_services

pytestmark = pytest.mark.django_db

# Positions of the official columns (the generator keeps their order whatever their names).
JOURNAL, NUMBER, DATE, ACCOUNT, ACCOUNT_LIB, AUX, AUX_LIB, PIECE, PIECE_DATE = (
    0,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    9,
)
DEBIT, CREDIT, LETTER, LETTER_DATE, CURRENCY_AMOUNT, CURRENCY = 11, 12, 13, 14, 16, 17


def day(text: str) -> dt.date | None:
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])) if text else None


def money(text: str) -> Decimal:
    text = text.strip()
    return Decimal(text.replace(",", ".")) if text else Decimal(0)


def expected_from_file(raw: bytes, options: FecOptions) -> dict[str, Any]:
    """Per customer: net revenue, pieces, and each piece's (due date, paid date)."""
    text = raw.decode(options.encoding)
    rows = list(csv.reader(io.StringIO(text), delimiter=options.separator, quoting=csv.QUOTE_NONE))
    header, rows = rows[0], [row for row in rows[1:] if row]
    due_at = header.index("DateEcheance") if "DateEcheance" in header else None
    entries = defaultdict(list)
    for row in rows:
        entries[row[JOURNAL], row[NUMBER]].append(row)

    def customer(row):
        return row[AUX] or row[ACCOUNT]

    def balance(row):
        return money(row[DEBIT]) - money(row[CREDIT])

    groups = defaultdict(list)  # matched customer lines, by customer and letter
    for row in rows:
        if row[ACCOUNT].startswith("411") and row[LETTER]:
            groups[customer(row), row[LETTER]].append(row)
    paid_on = {}
    for lines in groups.values():
        if sum(balance(row) for row in lines) == 0:
            for row in lines:
                latest = max(str(line[DATE]) for line in lines)
                paid_on[id(row)] = day(row[LETTER_DATE] or latest)

    result: dict[str, Any] = defaultdict(
        lambda: {"revenue": Decimal(0), "pieces": {}, "name": "", "original": defaultdict(Decimal)}
    )
    for lines in entries.values():
        customers = [row for row in lines if row[ACCOUNT].startswith("411")]
        revenue = [row for row in lines if row[ACCOUNT].startswith("70")]
        if not customers or not revenue:
            continue
        first = customers[0]
        totals = result[customer(first)]
        totals["name"] = first[AUX_LIB] or first[ACCOUNT_LIB]
        totals["revenue"] += sum(-balance(row) for row in revenue)
        for row in revenue:
            if len(row) > CURRENCY and row[CURRENCY] not in {"", "EUR"}:
                sign = 1 if -balance(row) >= 0 else -1
                totals["original"][row[CURRENCY]] += sign * money(row[CURRENCY_AMOUNT])
        paid = [paid_on.get(id(row)) for row in customers]
        due = day(first[due_at]) if due_at is not None else None
        totals["pieces"][first[PIECE]] = (
            day(first[PIECE_DATE]),
            due,
            None if None in paid else max(date for date in paid if date),
            len(revenue),
        )
    return dict(result)


def check_import(ledger_import: LedgerImport, expected: dict[str, Any]) -> None:
    assert ledger_import.status == LedgerImport.Status.DONE, ledger_import.error
    assert ledger_import.layout == LedgerImport.Layout.FEC
    revenue = dict(
        LedgerLine.objects.values_list("client__external_id").annotate(total=Sum("amount"))
    )
    assert revenue == {key: totals["revenue"] for key, totals in expected.items()}
    names = dict(Client.objects.values_list("external_id", "name"))
    assert names == {key: totals["name"] for key, totals in expected.items()}
    pieces = dict(
        LedgerLine.objects.values_list("client__external_id").annotate(
            pieces=Count("order_ref", distinct=True)
        )
    )
    assert pieces == {key: len(totals["pieces"]) for key, totals in expected.items()}
    lines = LedgerLine.objects.values_list(
        "client__external_id", "order_ref", "date", "due_date", "paid_date"
    )
    for external_id, piece, date, due, paid in lines:
        assert (date, due, paid) == expected[external_id]["pieces"][piece][:3]
    # Foreign-currency lines keep their own amount beside the euros of the accounts.
    originals: dict[str, dict[str, Decimal]] = defaultdict(dict)
    foreign = LedgerLine.objects.exclude(currency="EUR").values_list(
        "client__external_id", "currency"
    )
    for external_id, currency, total in foreign.annotate(total=Sum("original_amount")):
        originals[external_id][currency] = total
    assert originals == {
        key: dict(totals["original"]) for key, totals in expected.items() if totals["original"]
    }
    # Days late, as the client page shows them: per line, paid date minus due date, from 0.
    for metric in ClientYearMetric.objects.select_related("client"):
        late = [
            max(0, (paid - due).days)
            for _date, due, paid, count in expected[metric.client.external_id]["pieces"].values()
            for _ in range(count)
            if due and paid
        ]
        if late:
            assert metric.avg_days_late == pytest.approx(sum(late) / len(late))
        else:
            assert metric.avg_days_late is None
        totals = expected[metric.client.external_id]
        assert metric.revenue == totals["revenue"].quantize(Decimal("0.01"))
        assert metric.order_count == len(totals["pieces"])


VARIATIONS = {
    "official": FecOptions(invoices=120, due_dates=True),
    "general-accounts-tab-latin9": FecOptions(
        invoices=120, layout="general", separator="\t", encoding="iso-8859-15", due_dates=True
    ),
    "renamed-padded": FecOptions(invoices=120, header="variant", amounts="padded", seed=3),
    "signed-spaces": FecOptions(invoices=120, amounts="signed", seed=4, due_dates=True),
}


@pytest.mark.parametrize("name", sorted(VARIATIONS))
def test_a_fec_imports_per_customer_totals_computed_from_the_file(dana, tmp_path, name):
    options = VARIATIONS[name]
    raw = generate(options)
    path = tmp_path / options.filename
    path.write_bytes(raw)
    ledger_import = import_services.ledger_import_from_path(path=path, user=dana)
    check_import(ledger_import, expected_from_file(raw, options))
    assert ledger_import.entries_ignored > 0
    assert ledger_import.entries_unbalanced == 0
    assert ledger_import.rows_rejected == 0
    assert any("not sales" in note for note in ledger_import.notes)


def test_a_fec_with_a_wrong_column_count_is_refused_and_nothing_is_written(dana):
    raw = generate(FecOptions(invoices=40, broken_lines=3))
    with pytest.raises(ValidationError) as refused:
        import_services.ledger_import_create(user=dana, upload=ContentFile(raw, name="fec.txt"))
    assert "3 lines do not have the 18 columns" in refused.value.messages[0]
    assert not LedgerImport.objects.exists()
    assert not LedgerLine.objects.exists()


def test_an_unbalanced_fec_is_imported_as_read_and_flagged(dana, tmp_path, client):
    options = FecOptions(invoices=60, unbalanced=2)
    path = tmp_path / "fec.txt"
    path.write_bytes(generate(options))
    ledger_import = import_services.ledger_import_from_path(path=path, user=dana)
    assert ledger_import.status == LedgerImport.Status.DONE
    assert ledger_import.entries_unbalanced == 2
    assert any("2 entries do not balance" in note for note in ledger_import.notes)
    client.force_login(dana)
    listing = client.get(reverse("accounts:ledger_import_list")).content.decode()
    assert 'data-testid="import-unbalanced"' in listing
    detail = client.get(ledger_import.get_absolute_url()).content.decode()
    assert 'data-testid="import-notes"' in detail
    assert 'data-testid="entries-ignored"' in detail


@pytest.fixture
def english(client):
    """Pages in English, whatever the default language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield client


def test_the_upload_page_shows_a_fec_as_recognised_and_what_it_will_import(english, dana):
    client = english
    options = FecOptions(invoices=50, separator="\t", encoding="iso-8859-15")
    client.force_login(dana)
    response = client.post(
        reverse("accounts:ledger_import_create"),
        {"file": SimpleUploadedFile(options.filename, generate(options)), "currency": "EUR"},
    )
    ledger_import = LedgerImport.objects.get()
    assert response.status_code == 302
    assert (ledger_import.layout, ledger_import.encoding) == ("fec", "iso-8859-15")
    page = client.get(ledger_import.get_absolute_url())
    html = page.content.decode()
    assert 'data-testid="import-fec"' in html
    assert "map_customer_id" not in html  # nothing to map
    facts = dict((label, value) for label, value, _kind in page.context["preview"].facts)
    expected = expected_from_file(generate(options), options)
    assert facts["Customers"] == len(expected)
    assert facts["Net revenue"] == pytest.approx(
        float(sum(totals["revenue"] for totals in expected.values()))
    )
    assert page.context["preview"].problems == []
    response = client.post(
        ledger_import.get_absolute_url(), {"currency": "EUR", "action": "confirm"}
    )
    assert response.status_code == 302
    ledger_import.refresh_from_db()
    assert ledger_import.status in {LedgerImport.Status.QUEUED, LedgerImport.Status.DONE}


def test_import_ledger_command_reads_a_fec_and_counts_what_it_ignored(dana, tmp_path, capsys):
    options = FecOptions(invoices=40, layout="general", separator="\t")
    path = tmp_path / options.filename
    call_command(
        "generate_fec", str(path), "--invoices", "40", "--layout", "general", "--separator", "tab"
    )
    assert path.read_bytes() == generate(options)
    call_command("import_ledger", str(path))
    output = capsys.readouterr().out
    ledger_import = LedgerImport.objects.get()
    assert f"Entries ignored (not sales): {ledger_import.entries_ignored}" in output
    assert f"Imported: {LedgerLine.objects.count()}" in output
    broken = tmp_path / "broken.txt"
    broken.write_bytes(generate(FecOptions(invoices=40, broken_lines=1)))
    with pytest.raises(CommandError, match="1 line does not have the 18 columns"):
        call_command("import_ledger", str(broken))
