"""accounts/api.py: the clients and ledger imports API, from the outside."""

from decimal import Decimal
from unittest import mock

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from accounts.models import Client, ClientYearMetric, LedgerImport
from accounts.services import imports as import_services
from accounts.tasks import ledger_import_run_task
from kam import permissions
from tests.factories import ClientFactory, ClientYearMetricFactory, ContactFactory
from tests.refusals import assert_refused_in_both_languages

pytestmark = pytest.mark.django_db

LEDGER = (
    "Customer;Name;Date;Amount;Profit;Order\n"
    "C1;Dupont SA;2024-01-15;100.00;20.00;F1\n"
    "C2;Müller GmbH;2024-06-05;250.50;40.00;F2\n"
).encode()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield client


def names(response) -> list[str]:
    return [row["name"] for row in response.json()["results"]]


def make_import(user, **fields) -> LedgerImport:
    values = {
        "original_name": "ventes.csv",
        "sha256": "0" * 64,
        "size": 1200,
        "file_format": "csv",
        "created_by": user,
    }
    return LedgerImport.objects.create(**(values | fields))


def test_api_refuses_anonymous_callers_with_a_401(client):
    response = client.get(reverse("api-accounts:client_list"))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Session realm="api"'  # no login box


def test_client_list_api_shows_each_role_only_its_clients(client, alice, bob, sam, carl, dana):
    ClientFactory(name="Alice Co", kam=alice, sponsor=sam)
    ClientFactory(name="Bob Co", kam=bob)
    expected = {
        alice: ["Alice Co"],
        bob: ["Bob Co"],
        sam: ["Alice Co"],
        carl: [],
        dana: ["Alice Co", "Bob Co"],
    }
    for user, visible in expected.items():
        client.force_login(user)
        assert names(client.get(reverse("api-accounts:client_list"))) == visible, user.username


def test_client_list_api_filters_sorts_and_paginates(client, dana, alice, bob):
    food = [ClientFactory(name=f"Food {n:02d}", segment="Food", kam=alice) for n in range(3)]
    ClientFactory(name="Retail", segment="Retail", country="DE", kam=bob)
    for revenue, company in zip((30, 10, 20), food, strict=True):
        ClientYearMetricFactory(client=company, revenue=Decimal(revenue))
    client.force_login(dana)
    url = reverse("api-accounts:client_list")
    assert names(client.get(url, {"segment": "Food", "ordering": "-revenue"})) == [
        "Food 00",
        "Food 02",
        "Food 01",
    ]
    assert names(client.get(url, {"country": "DE"})) == ["Retail"]
    assert names(client.get(url, {"kam": bob.pk})) == ["Retail"]
    assert names(client.get(url, {"q": "food 01"})) == ["Food 01"]
    page = client.get(url, {"page_size": 2, "page": 2}).json()
    assert page["count"] == 4
    assert [row["name"] for row in page["results"]] == ["Food 02", "Retail"]
    first = client.get(url, {"ordering": "-revenue"}).json()["results"][0]
    assert (first["latest_year"], first["latest_revenue"]) == (2024, "30.00")
    assert first["kam_name"] == str(alice)


def test_client_list_api_rejects_an_unknown_ordering(client, dana):
    client.force_login(dana)
    response = client.get(reverse("api-accounts:client_list"), {"ordering": "password"})
    assert response.status_code == 400
    assert "ordering" in response.json()


@pytest.mark.parametrize("count", [5, 5_000])
def test_client_list_api_query_count_is_flat(client, alice, count, django_assert_num_queries):
    clients = Client.objects.bulk_create(
        Client(name=f"Client {n:05d}", external_id=f"B-{n:06d}", kam=alice) for n in range(count)
    )
    ClientYearMetric.objects.bulk_create(
        ClientYearMetric(
            client=company,
            year=2024,
            revenue=Decimal(n),
            share_pct=1,
            order_count=1,
            line_count=1,
        )
        for n, company in enumerate(clients)
    )
    client.force_login(alice)
    with django_assert_num_queries(4):  # session, user, row count, one page of rows
        response = client.get(reverse("api-accounts:client_list"), {"ordering": "-revenue"})
    assert response.json()["count"] == count
    assert response.json()["results"][0]["latest_revenue"] == f"{count - 1}.00"


def test_client_detail_api_is_404_for_a_hidden_client(client, alice, bob, sam, carl):
    theirs = ClientFactory(kam=bob)
    for user in (alice, sam, carl):
        client.force_login(user)
        url = reverse("api-accounts:client_detail", args=[theirs.pk])
        assert client.get(url).status_code == 404, user.username


def test_client_detail_api_includes_contacts_and_yearly_figures(client, alice, sam):
    company = ClientFactory(name="Dupont", kam=alice, sponsor=sam, currency="CHF")
    ContactFactory(client=company, first_name="Claire", last_name="Roux")
    ClientYearMetricFactory(client=company, year=2024, revenue=Decimal("1500"), margin_pct=20.0)
    ClientYearMetricFactory(client=company, year=2023, revenue=Decimal("1000"), margin_pct=None)
    client.force_login(sam)
    body = client.get(reverse("api-accounts:client_detail", args=[company.pk])).json()
    assert (body["name"], body["currency"], body["kam"], body["sponsor"]) == (
        "Dupont",
        "CHF",
        alice.pk,
        sam.pk,
    )
    assert [contact["last_name"] for contact in body["contacts"]] == ["Roux"]
    assert [(row["year"], row["revenue"], row["margin_pct"]) for row in body["metrics"]] == [
        (2023, "1000.00", None),
        (2024, "1500.00", 20.0),
    ]


def test_ledger_import_create_api_is_403_for_those_who_do_not_import(client, alice, sam, carl):
    for user in (alice, sam, carl):
        client.force_login(user)
        response = client.post(
            reverse("api-accounts:ledger_import_create"),
            {"file": SimpleUploadedFile("l.csv", LEDGER)},
        )
        assert response.status_code == 403, user.username
    assert not LedgerImport.objects.exists()


def test_ledger_import_create_api_says_why_it_refuses(client, alice):
    client.force_login(alice)
    url = reverse("api-accounts:ledger_import_create")
    assert_refused_in_both_languages(client, "post", url, permissions.may_import_ledgers)


def test_ledger_import_create_api_returns_the_detected_options(client, dana):
    client.force_login(dana)
    response = client.post(
        reverse("api-accounts:ledger_import_create"),
        {"file": SimpleUploadedFile("ledger.csv", LEDGER), "currency": "USD"},
    )
    assert response.status_code == 201
    body = response.json()
    ledger_import = LedgerImport.objects.get()
    assert body["id"] == ledger_import.pk
    assert body["status"] == LedgerImport.Status.PREVIEW
    assert (body["delimiter"], body["decimal"], body["currency"]) == (";", ".", "USD")
    assert body["columns"] == ["Customer", "Name", "Date", "Amount", "Profit", "Order"]
    assert body["mapping"] == ledger_import.mapping
    assert body["mapping"]["amount"] == "Amount"


def test_ledger_import_create_api_turns_the_services_refusal_into_a_400(english, dana):
    bad = b"%PDF-1.4 not a ledger"
    with pytest.raises(ValidationError) as refused:
        import_services.ledger_import_create(user=dana, upload=ContentFile(bad, name="ledger.pdf"))
    english.force_login(dana)
    response = english.post(
        reverse("api-accounts:ledger_import_create"),
        {"file": SimpleUploadedFile("ledger.pdf", bad)},
    )
    assert response.status_code == 400
    assert response.json() == refused.value.messages
    assert not LedgerImport.objects.exists()


def test_ledger_import_create_api_requires_a_file(client, dana):
    client.force_login(dana)
    response = client.post(reverse("api-accounts:ledger_import_create"), {})
    assert response.status_code == 400
    assert "file" in response.json()


@pytest.mark.parametrize("role", ["alice", "sam", "carl"])
def test_ledger_import_detail_and_confirm_api_are_403_for_others(client, dana, role, request):
    ledger_import = make_import(dana)
    client.force_login(request.getfixturevalue(role))
    detail = reverse("api-accounts:ledger_import_detail", args=[ledger_import.pk])
    confirm = reverse("api-accounts:ledger_import_confirm", args=[ledger_import.pk])
    assert_refused_in_both_languages(client, "get", detail, permissions.may_import_ledgers)
    mapping = {"mapping": {"amount": "x"}}
    assert_refused_in_both_languages(
        client, "post", confirm, permissions.may_import_ledgers, data=mapping
    )
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.PREVIEW


def test_ledger_import_detail_and_confirm_api_are_404_for_no_such_import(client, dana):
    client.force_login(dana)
    assert client.get(reverse("api-accounts:ledger_import_detail", args=[999])).status_code == 404
    confirm = reverse("api-accounts:ledger_import_confirm", args=[999])
    response = client.post(confirm, {"mapping": {"amount": "x"}}, content_type="application/json")
    assert response.status_code == 404


def test_ledger_import_detail_api_shows_progress_counts_and_rejects(client, ada, dana):
    ledger_import = make_import(
        dana,
        status=LedgerImport.Status.DONE,
        progress=100,
        stage="",
        rows_read=10,
        rows_imported=8,
        rows_duplicate=1,
        rows_rejected=1,
        clients_created=2,
        clients_updated=3,
        rejects=ContentFile(b"line;reason\n", name="rejects.csv"),
    )
    client.force_login(ada)
    body = client.get(reverse("api-accounts:ledger_import_detail", args=[ledger_import.pk])).json()
    assert body["status"] == "done"
    assert body["progress"] == 100
    counts = [body[name] for name in ("rows_read", "rows_imported", "rows_duplicate")]
    counts += [body[name] for name in ("rows_rejected", "clients_created", "clients_updated")]
    assert counts == [10, 8, 1, 1, 2, 3]
    rejects_url = reverse("accounts:ledger_import_rejects", args=[ledger_import.pk])
    assert body["rejects_url"] == f"http://testserver{rejects_url}"


def test_ledger_import_detail_api_has_no_rejects_url_without_rejects(client, dana):
    ledger_import = make_import(dana, status=LedgerImport.Status.RUNNING, progress=40)
    client.force_login(dana)
    body = client.get(reverse("api-accounts:ledger_import_detail", args=[ledger_import.pk])).json()
    assert (body["status"], body["progress"], body["rejects_url"]) == ("running", 40, None)


def test_ledger_import_confirm_api_queues_the_import(
    client, dana, django_capture_on_commit_callbacks
):
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(LEDGER, name="ledger.csv")
    )
    client.force_login(dana)
    with (
        mock.patch.object(ledger_import_run_task, "apply_async") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post(
            reverse("api-accounts:ledger_import_confirm", args=[ledger_import.pk]),
            {"mapping": ledger_import.mapping, "dayfirst": False, "currency": "EUR"},
            content_type="application/json",
        )
    send.assert_called_once_with((), {"import_id": ledger_import.pk})
    assert response.status_code == 202
    assert response.json()["status"] == LedgerImport.Status.QUEUED
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.QUEUED


def test_ledger_import_confirm_api_turns_an_unusable_mapping_into_a_400(english, dana):
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(LEDGER, name="ledger.csv")
    )
    mapping = {"customer_id": "Customer", "date": "Date"}  # no amount
    with pytest.raises(ValidationError) as refused:
        import_services.ledger_import_confirm(
            ledger_import=ledger_import, user=dana, mapping=mapping
        )
    english.force_login(dana)
    response = english.post(
        reverse("api-accounts:ledger_import_confirm", args=[ledger_import.pk]),
        {"mapping": mapping},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == refused.value.messages
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.PREVIEW


def test_api_schema_documents_every_operation(client, dana):
    client.force_login(dana)
    response = client.get(reverse("api_schema"), {"format": "json"})
    assert response.status_code == 200
    operations = {
        operation["operationId"]: operation
        for path in response.json()["paths"].values()
        for operation in path.values()
    }
    assert set(operations) >= {
        "client_list",
        "client_detail",
        "ledger_import_create",
        "ledger_import_detail",
        "ledger_import_confirm",
    }
    assert {"200", "404"} <= set(operations["client_detail"]["responses"])
    assert {"201", "400", "403"} <= set(operations["ledger_import_create"]["responses"])
    assert {"202", "400", "404"} <= set(operations["ledger_import_confirm"]["responses"])


def test_api_docs_load_swagger_ui_from_our_own_static_files(client, dana):
    client.force_login(dana)
    page = client.get(reverse("api_docs")).content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "cdn." not in page
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert (settings.BASE_DIR / "static" / "vendor" / "swagger-ui" / asset).is_file()


@pytest.mark.parametrize("count", [1, 20])
def test_client_detail_api_query_count_is_flat(client, alice, count, django_assert_num_queries):
    company = ClientFactory(kam=alice)
    ContactFactory.create_batch(count, client=company)
    for year in range(2000, 2000 + count):
        ClientYearMetricFactory(client=company, year=year)
    client.force_login(alice)
    with django_assert_num_queries(5):  # session, user, client, contacts, figures
        response = client.get(reverse("api-accounts:client_detail", args=[company.pk]))
    assert len(response.json()["metrics"]) == len(response.json()["contacts"]) == count


def test_client_list_api_is_404_past_the_last_page(client, alice):
    ClientFactory(kam=alice)
    client.force_login(alice)
    assert client.get(reverse("api-accounts:client_list"), {"page": 2}).status_code == 404


# --- client assignment and contacts ----------------------------------------------------------

CONTACT = {
    "first_name": "Claire",
    "last_name": "Roux",
    "title": "Buyer",
    "country": "be",
    "email": "claire@example.com",
    "phone": "+32 2 555 01 01",
}


def test_client_update_api_lets_a_director_assign_a_kam_and_a_sponsor(client, dana, alice, sam):
    company = ClientFactory(name="Dupont SA", segment="Industry")
    client.force_login(dana)
    response = client.put(
        reverse("api-accounts:client_update", args=[company.pk]),
        {"kam": alice.pk, "sponsor": sam.pk, "group": "Hexagone"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": company.pk,
        "kam": alice.pk,
        "kam_name": str(alice),
        "sponsor": sam.pk,
        "sponsor_name": str(sam),
        "group": "Hexagone",
        "segment": "Industry",  # left as it was: not sent
    }
    for user in (alice, sam):
        client.force_login(user)
        assert names(client.get(reverse("api-accounts:client_list"))) == ["Dupont SA"]


def test_client_update_api_is_403_for_all_but_directors(client, alice, bob, sam, carl):
    """Assigning is a role's capability: refused before looking the client up (even hidden)."""
    company = ClientFactory(kam=alice, sponsor=sam, group="Before")
    url = reverse("api-accounts:client_update", args=[company.pk])
    body = {"kam": None, "sponsor": None, "group": "After"}
    for user in (alice, bob, sam, carl):
        client.force_login(user)
        assert_refused_in_both_languages(
            client, "put", url, permissions.may_assign_clients, data=body
        )
    company.refresh_from_db()
    assert (company.kam, company.sponsor, company.group) == (alice, sam, "Before")


def test_client_update_api_is_404_for_no_such_client(client, dana):
    client.force_login(dana)
    url = reverse("api-accounts:client_update", args=[999_999])
    body = {"kam": None, "sponsor": None}
    assert client.put(url, body, content_type="application/json").status_code == 404


def test_client_update_api_turns_a_sponsor_as_kam_into_a_400(english, dana, alice, sam):
    company = ClientFactory(kam=alice)
    english.force_login(dana)
    response = english.put(
        reverse("api-accounts:client_update", args=[company.pk]),
        {"kam": sam.pk, "sponsor": None},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"kam": [f"{sam} is not an active key account manager."]}
    company.refresh_from_db()
    assert company.kam == alice


def test_client_update_api_rejects_an_unknown_user(client, dana):
    company = ClientFactory()
    client.force_login(dana)
    response = client.put(
        reverse("api-accounts:client_update", args=[company.pk]),
        {"kam": 999_999, "sponsor": None},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "kam" in response.json()


def test_contact_api_lets_the_clients_kam_add_change_and_delete(client, alice):
    company = ClientFactory(kam=alice)
    client.force_login(alice)
    response = client.post(
        reverse("api-accounts:contact_create", args=[company.pk]),
        CONTACT,
        content_type="application/json",
    )
    assert response.status_code == 201
    contact = company.contacts.get()
    assert response.json() == CONTACT | {"id": contact.pk, "client": company.pk, "country": "BE"}

    url = reverse("api-accounts:contact_detail", args=[company.pk, contact.pk])
    response = client.put(
        url, {"last_name": "Roux-Martin", "email": ""}, content_type="application/json"
    )
    assert response.status_code == 200
    contact.refresh_from_db()
    assert (contact.last_name, contact.first_name, contact.email) == ("Roux-Martin", "", "")

    assert client.delete(url).status_code == 204
    assert not company.contacts.exists()


def test_contact_api_is_404_for_another_kam_and_403_for_the_sponsor(client, alice, bob, sam):
    company = ClientFactory(kam=bob, sponsor=sam)
    contact = ContactFactory(client=company, last_name="Before")
    create = reverse("api-accounts:contact_create", args=[company.pk])
    detail = reverse("api-accounts:contact_detail", args=[company.pk, contact.pk])
    client.force_login(alice)
    assert client.post(create, CONTACT, content_type="application/json").status_code == 404
    assert client.put(detail, CONTACT, content_type="application/json").status_code == 404
    assert client.delete(detail).status_code == 404
    client.force_login(sam)
    assert_refused_in_both_languages(
        client, "post", create, permissions.may_edit_client, data=CONTACT
    )
    assert_refused_in_both_languages(
        client, "put", detail, permissions.may_edit_client, data=CONTACT
    )
    assert_refused_in_both_languages(client, "delete", detail, permissions.may_edit_client)
    contact.refresh_from_db()
    assert contact.last_name == "Before"
    assert company.contacts.count() == 1


def test_contact_api_is_404_for_a_contact_of_another_client(client, alice):
    mine, other = ClientFactory(kam=alice), ClientFactory(kam=alice)
    contact = ContactFactory(client=other)
    client.force_login(alice)
    url = reverse("api-accounts:contact_detail", args=[mine.pk, contact.pk])
    assert client.put(url, CONTACT, content_type="application/json").status_code == 404
    assert client.delete(url).status_code == 404
    assert other.contacts.count() == 1


def test_contact_create_api_rejects_a_bad_email_and_a_bad_country(english, alice):
    company = ClientFactory(kam=alice)
    english.force_login(alice)
    url = reverse("api-accounts:contact_create", args=[company.pk])
    response = english.post(url, CONTACT | {"email": "claire@"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"email": ["Enter a valid email address."]}
    response = english.post(url, CONTACT | {"country": "QQ"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"country": ["Use a two-letter country code such as FR or DE."]}
    assert not company.contacts.exists()


def test_api_schema_documents_the_assignment_and_contact_operations(client, dana):
    client.force_login(dana)
    response = client.get(reverse("api_schema"), {"format": "json"})
    operations = {
        operation["operationId"]: operation
        for path in response.json()["paths"].values()
        for operation in path.values()
    }
    assert {"200", "400", "403", "404"} <= set(operations["client_update"]["responses"])
    assert {"201", "400", "403", "404"} <= set(operations["contact_create"]["responses"])
    assert {"200", "400", "403", "404"} <= set(operations["contact_update"]["responses"])
    assert {"204", "403", "404"} <= set(operations["contact_delete"]["responses"])
