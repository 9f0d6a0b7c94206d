"""Exchange rates from the outside: the rates page, its forms, the API, the import's report of
lines without a rate and the client page's original currencies."""

import datetime as dt
import html
import json
from decimal import Decimal
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import ExchangeRate
from accounts.services import imports as import_services
from accounts.tasks import ledger_lines_convert_task
from kam import permissions
from tests.accounts.test_rates import ecb_daily
from tests.factories import ClientFactory, LedgerLineFactory
from tests.refusals import assert_refused, assert_refused_in_both_languages

pytestmark = pytest.mark.django_db

WRONG_LAYOUT = b"Currency;Rate\nUSD;1,08\n"


@pytest.fixture(autouse=True)
def no_conversion_task():
    """The conversion a rate change asks for runs after the commit, in the worker (tested in
    test_services_rates); here it is only recorded."""
    with mock.patch.object(ledger_lines_convert_task, "delay_on_commit") as convert:
        yield convert


@pytest.fixture(autouse=True)
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def text(response) -> str:
    return html.unescape(response.content.decode())


def usd_rate(**fields) -> ExchangeRate:
    values = {"currency": "USD", "period": "day", "date": dt.date(2024, 3, 1)}
    return ExchangeRate.objects.create(**{**values, "rate": Decimal("1.0812"), **fields})


def test_the_rates_page_lists_rates_for_everyone_and_offers_changes_to_directors(
    client, alice, dana
):
    usd_rate()
    client.force_login(alice)
    page = text(client.get(reverse("accounts:exchange_rate_list")))
    assert "1.0812" in page
    assert 'data-testid="rate-new"' not in page
    assert 'data-testid="rate-edit"' not in page
    client.force_login(dana)
    page = text(client.get(reverse("accounts:exchange_rate_list")))
    assert 'data-testid="rate-new"' in page
    assert 'data-testid="rate-edit"' in page


def test_the_rates_page_lists_the_missing_rates_with_a_link_to_add_each(client, dana):
    company = ClientFactory()
    for day in (dt.date(2024, 3, 5), dt.date(2024, 3, 6)):
        LedgerLineFactory(
            client=company,
            date=day,
            currency="USD",
            original_amount=Decimal("100"),
            amount=None,
            exchange_rate=None,
        )
    client.force_login(dana)
    page = text(client.get(reverse("accounts:exchange_rate_list")))
    assert "2 lines in USD have no rate for March 2024." in page
    assert "?currency=USD&period=month&date=2024-03-01" in page


def test_the_rates_page_query_count_is_flat(client, alice, django_assert_num_queries):
    for day in range(1, 29):
        usd_rate(date=dt.date(2024, 2, day))
    client.force_login(alice)
    # session, user, count, page of rates with their authors, currencies, missing rates
    with django_assert_num_queries(6):
        client.get(reverse("accounts:exchange_rate_list"))


def test_a_director_adds_edits_and_deletes_a_rate_by_the_pages(client, dana, no_conversion_task):
    client.force_login(dana)
    response = client.post(
        reverse("accounts:exchange_rate_create"),
        {"currency": "gbp", "period": "month", "date": "2024-03-17", "rate": "0.8561"},
    )
    assert response.status_code == 302
    rate = ExchangeRate.objects.get()
    assert (rate.currency, rate.period, rate.date, rate.rate) == (
        "GBP",
        "month",
        dt.date(2024, 3, 1),
        Decimal("0.8561"),
    )
    no_conversion_task.assert_called_once()
    url = reverse("accounts:exchange_rate_update", args=[rate.pk])
    response = client.post(
        url, {"currency": "GBP", "period": "month", "date": "2024-03-01", "rate": "0.86"}
    )
    assert response.status_code == 302
    rate.refresh_from_db()
    assert rate.rate == Decimal("0.86")
    assert client.post(reverse("accounts:exchange_rate_delete", args=[rate.pk])).status_code == 302
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize(
    ("rate", "message"),
    [("0", "Ensure this value is greater than or equal to"), ("abc", "Enter a number.")],
)
def test_the_rate_form_refuses_a_rate_at_or_below_zero_or_not_a_number(client, dana, rate, message):
    client.force_login(dana)
    response = client.post(
        reverse("accounts:exchange_rate_create"),
        {"currency": "USD", "period": "day", "date": "2024-03-01", "rate": rate},
    )
    assert response.status_code == 200
    assert message in text(response)
    assert not ExchangeRate.objects.exists()


def test_the_rate_form_says_a_rate_exists_already_in_french(client, dana):
    usd_rate()
    client.force_login(dana)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    response = client.post(
        reverse("accounts:exchange_rate_create"),
        {"currency": "USD", "period": "day", "date": "2024-03-01", "rate": "1.1"},
    )
    assert "Il y a déjà un taux pour cette devise et cette date." in text(response)
    assert ExchangeRate.objects.get().rate == Decimal("1.0812")


def test_uploading_an_ecb_file_by_the_page_stores_its_rates(client, dana):
    client.force_login(dana)
    upload = SimpleUploadedFile(
        "eurofxref.csv", ecb_daily(dt.date(2024, 3, 1), {"USD": 1.08, "JPY": 160.5})
    )
    response = client.post(reverse("accounts:exchange_rate_upload"), {"file": upload}, follow=True)
    assert "1 days of rates for 2 currencies read: 2 added, 0 changed." in text(response)
    assert set(ExchangeRate.objects.values_list("currency", "rate")) == {
        ("USD", Decimal("1.08")),
        ("JPY", Decimal("160.5")),
    }


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "This is not a European Central Bank reference-rate file. KAM expected"),
        ("fr", "pas un fichier des taux de référence de la Banque centrale européenne"),
    ],
)
def test_uploading_another_layout_names_what_was_expected_and_writes_nothing(
    client, dana, language, expected
):
    client.force_login(dana)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    upload = SimpleUploadedFile("rates.csv", WRONG_LAYOUT)
    response = client.post(reverse("accounts:exchange_rate_upload"), {"file": upload})
    assert response.status_code == 200
    page = text(response)
    assert expected in page
    assert "eurofxref-hist.csv" in page
    assert not ExchangeRate.objects.exists()


def test_uploading_a_file_with_one_bad_rate_writes_nothing_and_names_the_line(client, dana):
    client.force_login(dana)
    raw = b"Date,USD,JPY,\n2024-03-04,1.08,160,\n2024-03-01,1.07,-2,\n"
    response = client.post(
        reverse("accounts:exchange_rate_upload"), {"file": SimpleUploadedFile("h.csv", raw)}
    )
    assert "Line 3, JPY: '-2' is not a rate above zero." in text(response)
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize("name", ["accounts:exchange_rate_create", "accounts:exchange_rate_upload"])
def test_rate_pages_refuse_kams_and_sponsors_saying_why(client, alice, sam, name):
    for user in (alice, sam):
        client.force_login(user)
        assert_refused(client.post(reverse(name), {}), permissions.may_manage_exchange_rates)
    assert not ExchangeRate.objects.exists()


# --- API ------------------------------------------------------------------------------------------


def test_the_api_lists_adds_changes_and_deletes_rates(client, dana, alice):
    client.force_login(dana)
    url = reverse("api-accounts:exchange_rate_list")
    response = client.post(
        url,
        {"currency": "CHF", "period": "day", "date": "2024-03-01", "rate": "0.9512"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["currency"], created["rate"], created["source"]) == (
        "CHF",
        "0.95120000",
        "manual",
    )
    detail = reverse("api-accounts:exchange_rate_detail", args=[created["id"]])
    response = client.put(
        detail,
        {"currency": "CHF", "period": "day", "date": "2024-03-01", "rate": "0.96"},
        content_type="application/json",
    )
    assert response.json()["rate"] == "0.96000000"
    client.force_login(alice)  # everyone reads
    listed = client.get(url).json()
    assert [row["rate"] for row in listed["results"]] == ["0.96000000"]
    assert client.get(detail).json()["currency"] == "CHF"
    assert_refused(client.delete(detail), permissions.may_manage_exchange_rates)
    client.force_login(dana)
    assert client.delete(detail).status_code == 204
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rate": "-1"}, "rate"),
        ({"rate": "x"}, "rate"),
        ({"currency": "EUR"}, "currency"),
        ({"currency": "Doubloons"}, "currency"),
    ],
)
def test_the_api_refuses_bad_rates_with_a_400_and_writes_nothing(client, dana, body, field):
    client.force_login(dana)
    values = {"currency": "USD", "period": "day", "date": "2024-03-01", "rate": "1.1"}
    response = client.post(
        reverse("api-accounts:exchange_rate_list"),
        {**values, **body},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert field in json.dumps(response.json())
    assert not ExchangeRate.objects.exists()


def test_the_upload_api_refuses_another_layout_with_a_400_naming_the_expected_one(client, dana):
    client.force_login(dana)
    response = client.post(
        reverse("api-accounts:exchange_rates_upload"),
        {"file": SimpleUploadedFile("rates.csv", WRONG_LAYOUT)},
    )
    assert response.status_code == 400
    assert "Date, USD, JPY" in json.dumps(response.json(), ensure_ascii=False)
    assert not ExchangeRate.objects.exists()


def test_the_rate_api_says_why_it_refuses_a_kam(client, alice):
    client.force_login(alice)
    assert_refused_in_both_languages(
        client, "post", reverse("api-accounts:exchange_rate_list"),
        permissions.may_manage_exchange_rates,
    )  # fmt: skip


# --- the import and the client page ---------------------------------------------------------------


def test_the_import_preview_and_summary_report_lines_without_a_rate(client, dana, settings):
    settings.KAM_DEFAULT_CURRENCY = "EUR"
    ledger = (
        b"Customer,Date,Amount,Currency\n"
        b"A,2024-03-04,100,USD\nA,2024-03-05,200,USD\nA,2024-03-06,50,EUR\n"
    )
    client.force_login(dana)
    response = client.post(
        reverse("accounts:ledger_import_create"),
        {"file": SimpleUploadedFile("usd.csv", ledger), "currency": "EUR"},
        follow=True,
    )
    assert "2 lines in USD have no exchange rate for March 2024." in text(response)
    ledger_import = response.context["ledger_import"]
    import_services.ledger_import_confirm(
        ledger_import=ledger_import, user=dana, mapping=ledger_import.mapping
    )
    import_services.ledger_import_run(import_id=ledger_import.pk)
    page = text(client.get(ledger_import.get_absolute_url()))
    assert "2 lines in USD have no exchange rate for March 2024." in page
    assert "with no need to import again" in page


def test_the_client_page_shows_revenue_by_original_currency(client, alice, settings):
    settings.KAM_DEFAULT_CURRENCY = "EUR"
    company = ClientFactory(kam=alice)
    LedgerLineFactory(
        client=company,
        currency="USD",
        original_amount=Decimal("1080"),
        amount=Decimal("1000"),
        exchange_rate=Decimal("0.925925925926"),
    )
    LedgerLineFactory(
        client=company,
        currency="USD",
        original_amount=Decimal("100"),
        amount=None,
        exchange_rate=None,
    )
    LedgerLineFactory(client=company, amount=Decimal("500"))
    client.force_login(alice)
    response = client.get(reverse("accounts:client_detail", args=[company.pk]))
    rows = {(row["currency"], row["year"]): row for row in response.context["currencies"]}
    assert rows["USD", 2024]["original"] == Decimal("1180")  # 1080 and the 100 waiting
    assert rows["USD", 2024]["converted"] == Decimal("1000")
    assert rows["USD", 2024]["unconverted"] == 1
    assert rows["EUR", 2024]["converted"] == Decimal("500")
    assert "Revenue by original currency" in text(response)
