"""accounts/views.py: the client and ledger import pages, from the outside."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from accounts.models import Client, ClientYearMetric, LedgerImport, LedgerLine
from accounts.services import imports as import_services
from kam import permissions
from tests.factories import ClientFactory, ClientYearMetricFactory, ContactFactory
from tests.refusals import assert_refused

pytestmark = pytest.mark.django_db

LEDGER = (
    "N° client;Client;Date facture;Montant HT;Quantité;Pays\r\n"
    "C1;Dupont SA;15/01/2023;100,00;10;France\r\n"
    "C2;Müller GmbH;05/06/2024;250,50;5;Allemagne\r\n"
).encode("cp1252")


@pytest.fixture
def english(client):
    """Pages in English, whatever the default language."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield client


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def page_text(response) -> str:
    return response.content.decode()


def client_names(response) -> list[str]:
    return [company.name for company in response.context["page"]]


def make_import(user, **fields) -> LedgerImport:
    values = {
        "original_name": "ventes.csv",
        "sha256": "0" * 64,
        "size": 1200,
        "file_format": "csv",
        "columns": ["Client", "Montant"],
        "mapping": {"customer_id": "Client", "amount": "Montant"},
        "created_by": user,
    }
    return LedgerImport.objects.create(**(values | fields))


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        reverse("accounts:client_list"),
        reverse("accounts:client_detail", args=[1]),
        reverse("accounts:ledger_import_list"),
        reverse("accounts:ledger_import_create"),
    ],
)
def test_pages_send_anonymous_visitors_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_client_list_shows_a_kam_only_their_clients(client, alice, bob):
    ClientFactory(name="Alice Co", kam=alice)
    ClientFactory(name="Bob Co", kam=bob)
    client.force_login(alice)
    response = client.get(reverse("accounts:client_list"))
    assert client_names(response) == ["Alice Co"]
    assert "Bob Co" not in page_text(response)


def test_client_list_shows_a_sponsor_only_sponsored_clients(client, sam, alice):
    ClientFactory(name="Sponsored", kam=alice, sponsor=sam)
    ClientFactory(name="Not sponsored", kam=alice)
    client.force_login(sam)
    assert client_names(client.get(reverse("accounts:client_list"))) == ["Sponsored"]


def test_client_list_shows_a_contributor_no_client(english, carl, alice):
    ClientFactory(name="Hidden", kam=alice)
    english.force_login(carl)
    response = english.get(reverse("accounts:client_list"))
    assert response.status_code == 200
    assert client_names(response) == []
    assert "Hidden" not in page_text(response)
    assert "No client to show yet." in page_text(response)


def test_client_list_shows_a_director_every_client(client, dana, alice, bob):
    ClientFactory(name="Alice Co", kam=alice)
    ClientFactory(name="Bob Co", kam=bob)
    client.force_login(dana)
    assert client_names(client.get(reverse("accounts:client_list"))) == ["Alice Co", "Bob Co"]


def test_client_detail_is_404_for_another_kams_client(client, alice, bob):
    theirs = ClientFactory(kam=bob)
    client.force_login(alice)
    assert client.get(reverse("accounts:client_detail", args=[theirs.pk])).status_code == 404


def test_client_detail_is_404_for_a_contributor_and_an_unsponsoring_sponsor(
    client, carl, sam, alice
):
    company = ClientFactory(kam=alice)
    for user in (carl, sam):
        client.force_login(user)
        assert client.get(reverse("accounts:client_detail", args=[company.pk])).status_code == 404


def test_client_detail_is_open_to_its_kam_its_sponsor_and_directors(client, alice, sam, dana):
    company = ClientFactory(kam=alice, sponsor=sam)
    for user in (alice, sam, dana):
        client.force_login(user)
        assert client.get(reverse("accounts:client_detail", args=[company.pk])).status_code == 200


# --- client list: query count, filters, sorting, pagination, htmx -----------------------------


def bulk_clients(count: int, kam) -> None:
    clients = Client.objects.bulk_create(
        Client(name=f"Client {n:05d}", external_id=f"B-{n:06d}", country="FR", kam=kam)
        for n in range(count)
    )
    ClientYearMetric.objects.bulk_create(
        ClientYearMetric(
            client=company,
            year=year,
            revenue=Decimal(n),
            share_pct=0.1,
            order_count=1,
            line_count=1,
        )
        for n, company in enumerate(clients)
        for year in (2023, 2024)
    )


@pytest.mark.parametrize("count", [5, 5_000])
def test_client_list_query_count_is_flat(client, dana, alice, count, django_assert_num_queries):
    bulk_clients(count, kam=alice)
    client.force_login(dana)
    # session, user, countries, segments, KAMs, row count, one page of rows
    with django_assert_num_queries(7):
        response = client.get(reverse("accounts:client_list"), {"sort": "-revenue"})
    assert len(response.context["page"]) == min(count, 25)
    assert response.context["page"][0].latest_revenue == Decimal(count - 1)


@pytest.mark.parametrize("count", [5, 5_000])
def test_client_list_htmx_query_count_is_flat_for_a_kam(
    client, alice, count, django_assert_num_queries
):
    bulk_clients(count, kam=alice)
    client.force_login(alice)
    # session, user, countries, segments, row count, one page of rows
    with django_assert_num_queries(6):
        client.get(reverse("accounts:client_list"), {"q": "client"}, headers={"HX-Request": "true"})


def test_client_list_searches_and_filters(client, dana, alice, bob):
    ClientFactory(name="Boulangerie Martin", country="FR", segment="Food", kam=alice)
    ClientFactory(name="Bäckerei Schmidt", country="DE", segment="Food", kam=bob)
    ClientFactory(name="Martin Logistics", country="FR", segment="Logistics", kam=bob)
    client.force_login(dana)
    url = reverse("accounts:client_list")
    assert client_names(client.get(url, {"q": "martin"})) == [
        "Boulangerie Martin",
        "Martin Logistics",
    ]
    assert client_names(client.get(url, {"country": "FR", "segment": "Food"})) == [
        "Boulangerie Martin"
    ]
    assert client_names(client.get(url, {"kam": bob.pk})) == [
        "Bäckerei Schmidt",
        "Martin Logistics",
    ]


def test_client_list_ignores_malformed_filters(client, dana):
    ClientFactory(name="Still here")
    client.force_login(dana)
    response = client.get(
        reverse("accounts:client_list"), {"kam": "x", "sort": "password", "page": "-3"}
    )
    assert response.status_code == 200
    assert client_names(response) == ["Still here"]


def test_client_list_offers_the_kam_filter_only_to_those_who_see_all(client, alice, dana):
    ClientFactory(kam=alice)
    client.force_login(alice)
    assert 'name="kam"' not in page_text(client.get(reverse("accounts:client_list")))
    client.force_login(dana)
    assert 'name="kam"' in page_text(client.get(reverse("accounts:client_list")))


def test_client_list_sorts_by_latest_revenue_and_links_the_reverse_order(client, dana):
    small, large = ClientFactory(name="Small"), ClientFactory(name="Large")
    ClientFactory(name="Unknown")
    ClientYearMetricFactory(client=small, revenue=Decimal("10"))
    ClientYearMetricFactory(client=large, revenue=Decimal("900"))
    client.force_login(dana)
    response = client.get(reverse("accounts:client_list"), {"sort": "-revenue"})
    assert client_names(response) == ["Large", "Small", "Unknown"]
    header = re.search(r'href="([^"]*)"[^>]*data-testid="sort-revenue"', page_text(response))
    assert header is not None
    assert header.group(1) == "?sort=revenue"  # the header now offers ascending order


def test_client_list_paginates_by_25_and_keeps_the_filters(client, dana):
    for n in range(30):
        ClientFactory(name=f"Food {n:02d}", segment="Food")
    ClientFactory(name="Retail 00", segment="Retail")
    client.force_login(dana)
    url = reverse("accounts:client_list")
    first = client.get(url, {"segment": "Food"})
    assert len(client_names(first)) == 25
    assert "segment=Food&amp;page=2" in page_text(first)
    second = client.get(url, {"segment": "Food", "page": 2})
    assert client_names(second) == [f"Food {n:02d}" for n in range(25, 30)]


def test_client_list_answers_htmx_with_the_rows_partial_only(client, dana):
    ClientFactory(name="Partial Co")
    client.force_login(dana)
    response = client.get(
        reverse("accounts:client_list"), {"q": "partial"}, headers={"HX-Request": "true"}
    )
    text = page_text(response)
    assert text.lstrip().startswith('<div id="client-rows"')
    assert "Partial Co" in text
    assert "<html" not in text


def test_client_list_formats_revenue_and_country_in_the_page_language(client, dana):
    company = ClientFactory(name="Deutsch", country="DE", currency="EUR")
    ClientYearMetricFactory(client=company, revenue=Decimal("1234567.50"))
    client.force_login(dana)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    french = page_text(client.get(reverse("accounts:client_list")))
    assert "Allemagne" in french
    assert "1\u202f234\u202f567,50\xa0€" in french
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = page_text(client.get(reverse("accounts:client_list")))
    assert "Germany" in english
    assert "€1,234,567.50" in english


# --- client detail ---------------------------------------------------------------------------


def test_client_detail_shows_identity_contacts_figures_and_chart(english, alice, sam):
    company = ClientFactory(
        name="Dupont & Fils",
        external_id="C-42",
        group="Hexagone",
        country="BE",
        kam=alice,
        sponsor=sam,
    )
    ContactFactory(client=company, first_name="Claire", last_name="Roux", email="c@example.com")
    ClientYearMetricFactory(
        client=company, year=2023, revenue=Decimal("1000"), gross_margin=None, margin_pct=None
    )
    ClientYearMetricFactory(
        client=company,
        year=2024,
        revenue=Decimal("1500"),
        gross_margin=Decimal("300"),
        margin_pct=20.0,
        growth_pct=50.0,
        avg_days_to_pay=41.26,
        dispute_rate=2.5,
    )
    english.force_login(alice)
    response = english.get(reverse("accounts:client_detail", args=[company.pk]))
    text = page_text(response)
    assert "Dupont &amp; Fils" in text
    for shown in ("C-42", "Hexagone", "Belgium", str(alice), str(sam), "Claire Roux"):
        assert escape(shown) in text
    assert [metric.year for metric in response.context["metrics"]] == [2023, 2024]
    assert text.count(">unknown<") == 2  # gross margin and margin % of 2023
    for shown in ("€1,500.00", "€300.00", "20.0%", "50.0%", "41.3", "2.5%"):
        assert shown in text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in text
    assert "Revenue and margin by year" in text


def test_client_detail_without_figures_says_so(english, alice):
    company = ClientFactory(kam=alice)
    english.force_login(alice)
    text = page_text(english.get(reverse("accounts:client_detail", args=[company.pk])))
    assert "No figures yet" in text
    assert "No contacts recorded." in text


# --- ledger imports --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["alice", "sam", "carl"])
def test_ledger_import_pages_are_403_for_those_who_do_not_import(client, dana, role, request):
    user = request.getfixturevalue(role)
    ledger_import = make_import(dana, rejects=ContentFile(b"a\n", name="r.csv"))
    client.force_login(user)
    for url in (
        reverse("accounts:ledger_import_list"),
        reverse("accounts:ledger_import_create"),
        reverse("accounts:ledger_import_detail", args=[ledger_import.pk]),
        reverse("accounts:ledger_import_rejects", args=[ledger_import.pk]),
    ):
        assert_refused(client.get(url), permissions.may_import_ledgers)
    upload = SimpleUploadedFile("l.csv", LEDGER)
    response = client.post(reverse("accounts:ledger_import_create"), {"file": upload})
    assert_refused(response, permissions.may_import_ledgers)
    assert not LedgerImport.objects.exclude(pk=ledger_import.pk).exists()


@pytest.mark.parametrize("count", [3, 300])
def test_ledger_import_list_query_count_is_flat(client, dana, count, django_assert_num_queries):
    LedgerImport.objects.bulk_create(
        LedgerImport(
            original_name=f"{n}.csv",
            sha256=f"{n:064d}",
            size=1,
            file_format="csv",
            created_by=dana,
        )
        for n in range(count)
    )
    client.force_login(dana)
    with django_assert_num_queries(4):  # session, user, row count, one page with their authors
        response = client.get(reverse("accounts:ledger_import_list"))
    assert len(response.context["page"]) == min(count, 25)


def test_ledger_import_list_shows_imports_to_admins(client, ada, dana):
    make_import(dana, original_name="ventes-2024.csv")
    client.force_login(ada)
    response = client.get(reverse("accounts:ledger_import_list"))
    assert "ventes-2024.csv" in page_text(response)


def test_ledger_import_create_offers_the_default_currency_first(client, dana, settings):
    settings.KAM_DEFAULT_CURRENCY = "CHF"
    client.force_login(dana)
    response = client.get(reverse("accounts:ledger_import_create"))
    form = response.context["form"]
    assert form["currency"].value() == "CHF"
    assert form.fields["currency"].choices[0][0] == "CHF"


def test_ledger_import_create_shows_the_services_error_for_a_bad_file(english, dana):
    bad = b"%PDF-1.4 not a ledger"
    with pytest.raises(ValidationError) as refused:
        import_services.ledger_import_create(user=dana, upload=ContentFile(bad, name="ledger.pdf"))
    english.force_login(dana)
    response = english.post(
        reverse("accounts:ledger_import_create"),
        {"file": SimpleUploadedFile("ledger.pdf", bad), "currency": "EUR"},
    )
    assert response.status_code == 200
    for message in refused.value.messages:
        assert escape(message) in page_text(response)
    assert not LedgerImport.objects.exists()


def test_ledger_import_create_then_preview_then_confirm(client, dana):
    client.force_login(dana)
    response = client.post(
        reverse("accounts:ledger_import_create"),
        {"file": SimpleUploadedFile("ventes.csv", LEDGER), "currency": "EUR"},
    )
    ledger_import = LedgerImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == ledger_import.get_absolute_url()

    page = client.get(ledger_import.get_absolute_url())
    form = page.context["form"]
    assert form["map_amount"].value() == ledger_import.mapping["amount"] == "Montant HT"
    dates = page.context["preview"].dates
    assert next((reading.column, reading.order, reading.how) for reading in dates) == (
        "Date facture",
        "dmy",
        "evidence",
    )
    assert page.context["preview"].rows[0][:2] == ["C1", "Dupont SA"]
    assert 'data-testid="detected-delimiter"><code>;</code>' in page_text(page)

    data = {f"map_{code}": column for code, column in ledger_import.mapping.items()}
    data |= {"currency": "EUR", "action": "confirm"}
    response = client.post(ledger_import.get_absolute_url(), data)
    assert response.status_code == 302
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.QUEUED
    assert ledger_import.date_orders["Date facture"]["order"] == "dmy"


def test_ledger_import_refresh_preview_answers_htmx_with_the_preview_partial(client, dana):
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(LEDGER, name="ventes.csv")
    )
    client.force_login(dana)
    data = {f"map_{code}": column for code, column in ledger_import.mapping.items()}
    data |= {"map_amount": "Quantité", "currency": "EUR", "action": "preview"}
    response = client.post(ledger_import.get_absolute_url(), data, headers={"HX-Request": "true"})
    text = page_text(response)
    assert text.lstrip().startswith('<section id="import-preview"')
    assert "<html" not in text
    assert response.context["preview"].mapping["amount"] == "Quantité"
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.PREVIEW
    assert ledger_import.mapping["amount"] == "Montant HT"  # a preview stores nothing


def test_ledger_import_confirm_shows_the_services_error_for_an_unusable_mapping(english, dana):
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(LEDGER, name="ventes.csv")
    )
    mapping = {"customer_id": "N° client", "date": "Date facture"}  # no amount
    with pytest.raises(ValidationError) as refused:
        import_services.ledger_import_confirm(
            ledger_import=ledger_import, user=dana, mapping=mapping
        )
    english.force_login(dana)
    data = {f"map_{code}": column for code, column in mapping.items()}
    response = english.post(
        ledger_import.get_absolute_url(), data | {"currency": "EUR", "action": "confirm"}
    )
    assert response.status_code == 200
    for message in refused.value.messages:
        assert escape(message) in page_text(response)
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.PREVIEW


UNDECIDED = b"Customer;Invoice date;Amount\r\nA;03/04/2024;1\r\nB;05/06/2024;2\r\n"


def test_ledger_import_preview_asks_the_order_of_an_undecidable_date_column(english, dana):
    english.force_login(dana)
    english.post(
        reverse("accounts:ledger_import_create"),
        {"file": SimpleUploadedFile("ventes.csv", UNDECIDED), "currency": "EUR"},
    )
    ledger_import = LedgerImport.objects.get()
    page = english.get(ledger_import.get_absolute_url())
    text = page_text(page)
    assert 'data-testid="date-reading-date" class="row-attention"' in text
    assert "asked: no date of the file says whether the day or the month comes first" in text
    assert 'name="order_date"' in text
    assert 'form="import-mapping"' in text
    data = {"map_customer_name": "Customer", "map_date": "Invoice date", "map_amount": "Amount"}
    data |= {"currency": "EUR", "action": "confirm"}
    refused = english.post(ledger_import.get_absolute_url(), data)
    assert "(03/04/2024 could be either)" in page_text(refused)
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.PREVIEW

    preview = english.post(
        ledger_import.get_absolute_url(),
        data | {"order_date": "mdy", "action": "preview"},
        headers={"HX-Request": "true"},
    )
    assert "month/day/year, as you chose" in page_text(preview)
    assert "<code>03/04/2024</code> → 2024-03-04" in page_text(preview)
    confirmed = english.post(ledger_import.get_absolute_url(), data | {"order_date": "mdy"})
    assert confirmed.status_code == 302
    ledger_import.refresh_from_db()
    assert ledger_import.date_orders["Invoice date"]["order"] == "mdy"

    # The next file with a column of that name is read the same way, without asking.
    again = import_services.ledger_import_create(
        user=dana, upload=ContentFile(UNDECIDED.replace(b"A;", b"Z;"), name="next.csv")
    )
    text = page_text(english.get(again.get_absolute_url()))
    assert "month/day/year, as read for this column name in an earlier import" in text


def test_ledger_import_preview_shows_the_impossible_dates_of_a_wrong_order(english, dana):
    raw = b"Customer;Date;Amount\r\nA;03/04/2011;1\r\nB;25/11/2011;2\r\n"
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(raw, name="x.csv")
    )
    english.force_login(dana)
    page = page_text(english.get(ledger_import.get_absolute_url()))
    assert "day/month/year, decided by 25/11/2011" in page
    data = {"map_customer_name": "Customer", "map_date": "Date", "map_amount": "Amount"}
    data |= {"currency": "EUR", "order_date": "mdy"}
    url = ledger_import.get_absolute_url()
    preview = page_text(english.post(url, data | {"action": "preview"}))
    assert "impossible dates, with a month above 12 (line 3: 25/11/2011)" in preview
    refused = english.post(ledger_import.get_absolute_url(), data | {"action": "confirm"})
    assert refused.status_code == 200
    assert "line 3: 25/11/2011" in page_text(refused)
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.PREVIEW
    assert not LedgerLine.objects.exists()


def test_ledger_import_asks_which_sheet_and_remembers_the_choice(english, dana):
    from openpyxl import Workbook

    workbook = Workbook()
    notes = workbook.active
    notes.title = "Notes"
    notes.append(["Read me first"])
    for name, customer in (("2023", "Old Co"), ("2024", "New Co")):
        sheet = workbook.create_sheet(name)
        sheet.append([f"Ventes {name}"])
        sheet.append(["Client", "Date facture", "Montant HT"])
        sheet.append([customer, dt.date(int(name), 3, 15), 100])
        sheet.append(["Total", None, 100])
    buffer = io.BytesIO()
    workbook.save(buffer)
    english.force_login(dana)
    english.post(
        reverse("accounts:ledger_import_create"),
        {"file": SimpleUploadedFile("book.xlsx", buffer.getvalue()), "currency": "EUR"},
    )
    ledger_import = LedgerImport.objects.get()
    assert (ledger_import.sheet, ledger_import.header_line) == ("2023", 2)
    page = page_text(english.get(ledger_import.get_absolute_url()))
    assert "The workbook has 3 sheets" in page
    assert "The table starts on line 2: the lines above it were left out." in page
    assert "The last line of the table was left out: it is a totals line." in page
    url = ledger_import.get_absolute_url()
    assert english.post(url, {"action": "sheet", "sheet": "2024"}).status_code == 302
    refused = english.post(url, {"action": "sheet", "sheet": "1999"})
    assert "1999 is not one of the available choices" in page_text(refused)
    ledger_import.refresh_from_db()
    assert ledger_import.sheet == "2024"
    data = {f"map_{code}": column for code, column in ledger_import.mapping.items()}
    assert english.post(url, data | {"currency": "EUR", "action": "confirm"}).status_code == 302
    import_services.ledger_import_run(import_id=ledger_import.pk)
    assert list(Client.objects.values_list("name", flat=True)) == ["New Co"]


def test_ledger_import_preview_names_the_fields_an_unknown_layout_lacks(english, dana):
    raw = b"Libelle;Reference;Debit;Credit;Solde\r\nVirement ACME;R1;120,00;;1000,00\r\n"
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(raw, name="b.csv")
    )
    english.force_login(dana)
    page = page_text(english.get(ledger_import.get_absolute_url()))
    assert "no column for the customer, the date, or the amount was found" in page
    for name in ("map_customer_id", "map_customer_name", "map_date", "map_amount"):
        assert f'data-testid="missing-{name}"' in page
    assert 'data-testid="missing-map_quantity"' not in page
    refused = english.post(
        ledger_import.get_absolute_url(),
        {"map_customer_name": "Libelle", "currency": "EUR", "action": "confirm"},
    )
    assert "no column for the date or the amount was found" in page_text(refused)
    assert not LedgerLine.objects.exists()


@pytest.mark.parametrize("status", [LedgerImport.Status.QUEUED, LedgerImport.Status.RUNNING])
def test_ledger_import_detail_polls_its_progress_while_active(client, dana, status):
    ledger_import = make_import(dana, status=status, progress=42, stage="Loading lines")
    client.force_login(dana)
    page = page_text(client.get(ledger_import.get_absolute_url()))
    assert 'hx-trigger="every 1s"' in page
    assert 'aria-valuenow="42"' in page
    partial = page_text(
        client.get(ledger_import.get_absolute_url(), headers={"HX-Request": "true"})
    )
    assert partial.lstrip().startswith('<section id="import-status"')
    assert "Loading lines" in partial
    assert 'hx-trigger="every 1s"' in partial


def test_ledger_import_detail_stops_polling_and_shows_the_summary_when_done(client, dana):
    ledger_import = make_import(
        dana,
        status=LedgerImport.Status.DONE,
        progress=100,
        rows_read=1234,
        rows_imported=1200,
        rows_duplicate=30,
        rows_rejected=4,
        clients_created=7,
        clients_updated=9,
        rejects=ContentFile(b"line;reason\n", name="rejects.csv"),
    )
    client.force_login(dana)
    partial = page_text(
        client.get(ledger_import.get_absolute_url(), headers={"HX-Request": "true"})
    )
    assert "hx-trigger" not in partial
    for testid, value in [
        ("rows-read", "1\u202f234"),
        ("rows-imported", "1\u202f200"),
        ("rows-duplicate", "30"),
        ("rows-rejected", "4"),
        ("clients-created", "7"),
        ("clients-updated", "9"),
    ]:
        assert f'data-testid="{testid}">{value}<' in partial
    assert reverse("accounts:ledger_import_rejects", args=[ledger_import.pk]) in partial


def test_ledger_import_detail_shows_the_error_when_failed(client, dana):
    ledger_import = make_import(dana, status=LedgerImport.Status.FAILED, error="Disk <full>")
    client.force_login(dana)
    text = page_text(client.get(ledger_import.get_absolute_url()))
    assert "Disk &lt;full&gt;" in text
    assert "hx-trigger" not in text


def test_ledger_import_rejects_downloads_the_csv(client, dana):
    ledger_import = make_import(
        dana,
        original_name="ventes 2024.csv",
        status=LedgerImport.Status.DONE,
        rejects=ContentFile(
            "\ufeffline;reason;Client\r\n3;no date;Dupont, Fils\r\n".encode(), name="rejects.csv"
        ),
    )  # written by an import that ran in French
    client.force_login(dana)
    url = reverse("accounts:ledger_import_rejects", args=[ledger_import.pk])
    downloads = {}
    for language in ("en", "fr"):
        client.cookies["django_language"] = language
        response = client.get(url)
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="ventes 2024-rejects.csv"'
        downloads[language] = b"".join(response.streaming_content).decode("utf-8")
    # each reader gets their own spreadsheet's conventions, the same cells
    assert downloads["en"] == '\ufeffline,reason,Client\r\n3,no date,"Dupont, Fils"\r\n'
    assert downloads["fr"] == "\ufeffline;reason;Client\r\n3;no date;Dupont, Fils\r\n"


def test_ledger_import_rejects_is_404_when_the_file_is_gone(client, dana):
    ledger_import = make_import(
        dana,
        status=LedgerImport.Status.DONE,
        rejects=ContentFile(b"line;reason\n", name="rejects.csv"),
    )
    ledger_import.rejects.storage.delete(ledger_import.rejects.name)
    client.force_login(dana)
    url = reverse("accounts:ledger_import_rejects", args=[ledger_import.pk])
    assert client.get(url).status_code == 404


def test_ledger_import_rejects_is_404_when_nothing_was_rejected(client, dana):
    ledger_import = make_import(dana, status=LedgerImport.Status.DONE)
    client.force_login(dana)
    url = reverse("accounts:ledger_import_rejects", args=[ledger_import.pk])
    assert client.get(url).status_code == 404


def test_client_list_headers_sort_revenue_largest_first_and_names_a_to_z(client, dana):
    client.force_login(dana)
    response = client.get(reverse("accounts:client_list"))
    links = {column["key"]: column["sort"] for column in response.context["columns"]}
    assert links == {
        "name": "-name",  # the list is already sorted by name, A to Z
        "country": "country",
        "segment": "segment",
        "kam": "kam",
        "revenue": "-revenue",
    }


def test_hidden_client_gets_the_styled_not_found_page(english, alice, bob):
    theirs = ClientFactory(name="Secret Co", kam=bob)
    english.force_login(alice)
    response = english.get(reverse("accounts:client_detail", args=[theirs.pk]))
    assert response.status_code == 404
    text = page_text(response)
    assert "Page not found" in text
    assert "Secret Co" not in text


@pytest.mark.parametrize("count", [1, 20])
def test_client_detail_query_count_is_flat(client, alice, count, django_assert_num_queries):
    company = ClientFactory(kam=alice)
    ContactFactory.create_batch(count, client=company)
    for year in range(2000, 2000 + count):
        ClientYearMetricFactory(client=company, year=year)
    client.force_login(alice)
    with django_assert_num_queries(6):  # session, user, client, figures, currencies, contacts
        response = client.get(reverse("accounts:client_detail", args=[company.pk]))
    assert len(response.context["metrics"]) == count


def test_client_list_offers_a_reset_only_when_filtered(client, dana):
    ClientFactory(name="Any")
    client.force_login(dana)
    url = reverse("accounts:client_list")
    assert 'data-testid="filters-reset"' not in page_text(client.get(url, {"sort": "-name"}))
    assert 'data-testid="filters-reset"' in page_text(client.get(url, {"q": "an"}))


def test_ledger_import_detail_says_when_and_how_fast_the_import_finished(english, dana):
    finished = timezone.now()
    ledger_import = make_import(
        dana,
        status=LedgerImport.Status.DONE,
        started_at=finished - dt.timedelta(seconds=42),
        finished_at=finished,
    )
    english.force_login(dana)
    text = page_text(english.get(ledger_import.get_absolute_url()))
    assert "in 42 seconds." in text


# --- client assignment -----------------------------------------------------------------------


def test_client_update_lets_a_director_assign_a_kam_and_a_sponsor(english, dana, alice, sam):
    company = ClientFactory(name="Dupont SA", segment="Industry")
    english.force_login(dana)
    url = reverse("accounts:client_update", args=[company.pk])
    assert english.get(url).status_code == 200
    response = english.post(
        url, {"kam": alice.pk, "sponsor": sam.pk, "group": " Hexagone ", "segment": "Retail"}
    )
    assert response.status_code == 302
    assert response["Location"] == company.get_absolute_url()
    company.refresh_from_db()
    assert (company.kam, company.sponsor, company.group, company.segment) == (
        alice,
        sam,
        "Hexagone",
        "Retail",
    )
    assert "Assignment of Dupont SA saved." in page_text(english.get(response["Location"]))
    for user in (alice, sam):
        english.force_login(user)
        listed = english.get(reverse("accounts:client_list"))
        assert client_names(listed) == ["Dupont SA"]


def test_client_update_offers_only_active_kams_and_sponsors(client, ada, alice, bob, sam):
    bob.is_active = False
    bob.save()
    company = ClientFactory()
    client.force_login(ada)
    form = client.get(reverse("accounts:client_update", args=[company.pk])).context["form"]
    kam_ids = [value for value, _label in form.fields["kam"].choices if value]
    sponsor_ids = [value for value, _label in form.fields["sponsor"].choices if value]
    assert (kam_ids, sponsor_ids) == ([alice.pk], [sam.pk])


def test_client_update_still_shows_a_kam_who_has_left(english, dana, alice, bob):
    bob.is_active = False
    bob.save()
    company = ClientFactory(kam=bob)
    english.force_login(dana)
    url = reverse("accounts:client_update", args=[company.pk])
    form = english.get(url).context["form"]
    assert bob.pk in [value for value, _label in form.fields["kam"].choices]
    response = english.post(url, {"kam": bob.pk, "sponsor": "", "group": "", "segment": ""})
    assert response.context["form"].errors["kam"] == [
        f"{bob} is not an active key account manager."
    ]
    response = english.post(url, {"kam": alice.pk, "sponsor": "", "group": "", "segment": ""})
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.kam == alice


@pytest.mark.parametrize("role", ["alice", "sam", "carl"])
def test_client_update_is_403_for_those_who_do_not_assign(client, alice, sam, dana, role, request):
    company = ClientFactory(kam=alice, sponsor=sam, group="Before")
    client.force_login(request.getfixturevalue(role))
    url = reverse("accounts:client_update", args=[company.pk])
    assert_refused(client.get(url), permissions.may_assign_clients)
    response = client.post(url, {"kam": "", "sponsor": "", "group": "After"})
    assert_refused(response, permissions.may_assign_clients)
    company.refresh_from_db()
    assert (company.kam, company.sponsor, company.group) == (alice, sam, "Before")


def test_client_update_shows_the_services_refusal_of_a_sponsor_as_kam(english, dana, alice, sam):
    company = ClientFactory(kam=alice, group="Before")
    english.force_login(dana)
    response = english.post(
        reverse("accounts:client_update", args=[company.pk]),
        {"kam": sam.pk, "sponsor": "", "group": "After", "segment": ""},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["kam"] == [
        f"{sam} is not an active key account manager."
    ]
    company.refresh_from_db()
    assert (company.kam, company.group) == (alice, "Before")


def test_client_detail_offers_the_assignment_only_to_directors(client, dana, alice):
    company = ClientFactory(kam=alice)
    url = reverse("accounts:client_update", args=[company.pk])
    detail = reverse("accounts:client_detail", args=[company.pk])
    client.force_login(dana)
    assert url in page_text(client.get(detail))
    client.force_login(alice)
    assert url not in page_text(client.get(detail))


# --- contacts --------------------------------------------------------------------------------

CONTACT = {
    "first_name": "Claire",
    "last_name": "Roux",
    "title": "Buyer",
    "country": "BE",
    "email": "claire@example.com",
    "phone": "+32 2 555 01 01",
}


def test_contact_pages_let_the_clients_kam_add_edit_and_delete(english, alice):
    company = ClientFactory(kam=alice)
    english.force_login(alice)
    detail = english.get(company.get_absolute_url())
    assert reverse("accounts:contact_create", args=[company.pk]) in page_text(detail)

    response = english.post(reverse("accounts:contact_create", args=[company.pk]), CONTACT)
    assert response.status_code == 302
    contact = company.contacts.get()
    assert (contact.first_name, contact.country, contact.email) == (
        "Claire",
        "BE",
        "claire@example.com",
    )
    page = page_text(english.get(response["Location"]))
    assert "Contact Claire Roux added." in page
    assert reverse("accounts:contact_update", args=[company.pk, contact.pk]) in page

    edit = reverse("accounts:contact_update", args=[company.pk, contact.pk])
    assert english.get(edit).context["form"].initial["email"] == "claire@example.com"
    response = english.post(edit, CONTACT | {"title": "Head of purchasing", "country": ""})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.title, contact.country) == ("Head of purchasing", "")

    delete = reverse("accounts:contact_delete", args=[company.pk, contact.pk])
    confirm = english.get(delete)
    assert "Delete Claire Roux from the contacts of" in page_text(confirm)
    assert company.contacts.exists()  # asking is not deleting
    assert english.post(delete).status_code == 302
    assert not company.contacts.exists()


def test_contact_create_lets_a_director_add_to_any_client(client, dana, bob):
    company = ClientFactory(kam=bob)
    client.force_login(dana)
    response = client.post(reverse("accounts:contact_create", args=[company.pk]), CONTACT)
    assert response.status_code == 302
    assert company.contacts.get().last_name == "Roux"


def test_contact_pages_are_404_for_another_kam(client, alice, bob):
    company = ClientFactory(kam=bob)
    contact = ContactFactory(client=company, last_name="Before")
    client.force_login(alice)
    for url in (
        reverse("accounts:contact_create", args=[company.pk]),
        reverse("accounts:contact_update", args=[company.pk, contact.pk]),
        reverse("accounts:contact_delete", args=[company.pk, contact.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, CONTACT).status_code == 404
    contact.refresh_from_db()
    assert contact.last_name == "Before"
    assert company.contacts.count() == 1


def test_contact_pages_refuse_the_clients_sponsor_and_write_nothing(client, alice, sam):
    company = ClientFactory(kam=alice, sponsor=sam)
    contact = ContactFactory(client=company, last_name="Before")
    client.force_login(sam)
    page = page_text(client.get(company.get_absolute_url()))
    assert reverse("accounts:contact_create", args=[company.pk]) not in page
    assert reverse("accounts:contact_update", args=[company.pk, contact.pk]) not in page
    for url in (
        reverse("accounts:contact_create", args=[company.pk]),
        reverse("accounts:contact_update", args=[company.pk, contact.pk]),
        reverse("accounts:contact_delete", args=[company.pk, contact.pk]),
    ):
        assert_refused(client.post(url, CONTACT), permissions.may_edit_client)
    contact.refresh_from_db()
    assert contact.last_name == "Before"
    assert company.contacts.count() == 1


def test_contact_pages_are_404_for_a_contact_of_another_client(client, alice):
    mine, other = ClientFactory(kam=alice), ClientFactory(kam=alice)
    contact = ContactFactory(client=other, last_name="Before")
    client.force_login(alice)
    for name in ("accounts:contact_update", "accounts:contact_delete"):
        url = reverse(name, args=[mine.pk, contact.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, CONTACT).status_code == 404
    assert other.contacts.get().last_name == "Before"


def test_contact_create_shows_an_invalid_email_and_writes_nothing(english, alice):
    company = ClientFactory(kam=alice)
    english.force_login(alice)
    response = english.post(
        reverse("accounts:contact_create", args=[company.pk]), CONTACT | {"email": "claire@"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == ["Enter a valid email address."]
    assert not company.contacts.exists()


def test_contact_create_requires_a_last_name(english, alice):
    company = ClientFactory(kam=alice)
    english.force_login(alice)
    response = english.post(
        reverse("accounts:contact_create", args=[company.pk]), CONTACT | {"last_name": " "}
    )
    assert "last_name" in response.context["form"].errors
    assert not company.contacts.exists()


def test_contact_form_names_countries_in_the_page_language(client, alice):
    company = ClientFactory(kam=alice)
    client.force_login(alice)
    url = reverse("accounts:contact_create", args=[company.pk])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    ordered = client.get(url).context["form"].fields["country"].choices
    choices = dict(ordered)
    assert (choices["DE"], choices["BE"]) == ("Allemagne", "Belgique")
    assert "EU" not in choices
    codes = [code for code, _name in ordered]
    assert codes.index("AE") < codes.index("ES")  # Émirats sorts with the E, not after Z
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    choices = dict(client.get(url).context["form"].fields["country"].choices)
    assert choices["DE"] == "Germany"
    assert choices["AE"] == "United Arab Emirates"


def test_contact_delete_is_404_for_an_unknown_contact(client, dana):
    company = ClientFactory()
    client.force_login(dana)
    url = reverse("accounts:contact_delete", args=[company.pk, 999_999])
    assert client.post(url).status_code == 404


@pytest.mark.parametrize("count", [1, 20])
def test_client_detail_with_contact_buttons_query_count_is_flat(
    client, alice, count, django_assert_num_queries
):
    company = ClientFactory(kam=alice)
    ContactFactory.create_batch(count, client=company)
    client.force_login(alice)
    with django_assert_num_queries(6):  # session, user, client, figures, currencies, contacts
        response = client.get(reverse("accounts:client_detail", args=[company.pk]))
    assert page_text(response).count('data-testid="contact-edit"') == count
