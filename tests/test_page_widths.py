"""No page is wider than the window: every page at 1366 and 390 pixels wide, in headless Chromium,
as a director (in French and English) and as a KAM, with names long enough to push."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from playwright.sync_api import Browser

from accounts.models import ExchangeRate, User
from accounts.services import imports as import_services
from scoring.models import Criterion, ScoringRun
from scoring.services import runs
from tests.factories import (
    ClientFactory,
    ClientYearMetricFactory,
    ContactFactory,
    LedgerLineFactory,
    UserFactory,
)
from tests.scoring.factories import (
    CostToServeFactory,
    OverrideFactory,
    ProgrammeFactory,
    RatingFactory,
    small_model,
)
from tests.test_journeys import PASSWORD, SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1366, 390)

LEDGER = (
    "Order ID,Order Date,Customer ID,Customer Name,Country,Segment,Sales,Quantity,Profit\n"
    + "".join(
        f"O-{index},2025-0{index % 9 + 1}-1{index % 9},C-{index % 7},"
        f"Établissements Verylongname-Constructions Métalliques {index % 7},France,"
        f"Industrie lourde et équipements,{1000 + 37 * index}.50,{index % 5 + 1},{120 + index}.25\n"
        for index in range(60)
    )
)


@pytest.fixture
def programme_book():
    """A director, two KAMs and a book of clients with long names, ratings, overrides, costs, a
    shortlist, a confirmed import and one still in preview."""
    criteria = small_model()
    dana = UserFactory(
        username="dana", first_name="Dana", last_name="Durand-Lefèvre", role=User.Role.DIRECTOR
    )
    alice = UserFactory(username="alice", first_name="Alice", last_name="Martin-Desrosiers")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Weber")
    clients = []
    for index in range(12):
        company = ClientFactory(
            name=f"Compagnie Internationale des Équipements Industriels {index:02d}",
            kam=alice if index % 2 else bob,
            group="Groupe Européen de Participations Industrielles",
        )
        ClientYearMetricFactory(client=company, year=2024, revenue=Decimal(50_000 + index))
        ClientYearMetricFactory(
            client=company, year=2025, revenue=Decimal(1_234_567 + 1000 * index), growth_pct=12.5
        )
        RatingFactory(client=company, criterion=criteria["fit"], level=index % 5 + 1, author=dana)
        CostToServeFactory(client=company, updated_by=dana)
        ContactFactory(client=company, first_name="Marie-Christine", last_name="Vandenberghe")
        clients.append(company)
    OverrideFactory(client=clients[0], points=5, author=dana, rationale="Framework agreement")
    rate = ExchangeRate.objects.create(
        currency="JPY", period="day", date=dt.date(2025, 3, 3), rate=Decimal("162.3456"),
        updated_by=dana, source=ExchangeRate.Source.ECB,
    )  # fmt: skip
    ExchangeRate.objects.create(
        currency="USD", period="month", date=dt.date(2025, 3, 1), rate=Decimal("1.0812")
    )
    for company in clients[:2]:
        LedgerLineFactory(client=company, date=dt.date(2025, 3, 3), amount=Decimal("8123.45"),
                          currency="JPY", original_amount=Decimal("1318776.66"),
                          exchange_rate=Decimal("0.00616"))  # fmt: skip
        LedgerLineFactory(client=company, date=dt.date(2025, 4, 3), amount=None,
                          currency="USD", original_amount=Decimal("1234567.89"),
                          exchange_rate=None)  # fmt: skip
    run = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)
    assert run is not None
    assert run.status == ScoringRun.Status.DONE, run.error
    programme = ProgrammeFactory(year=2026, updated_by=dana)
    programme.entries.create(client=clients[0], added_by=dana)
    programme.entries.create(client=clients[1], added_by=dana)
    preview = import_services.ledger_import_create(
        user=dana, upload=SimpleUploadedFile("grand-livre-2025.csv", LEDGER.encode())
    )
    cache.clear()
    return {
        "dana": dana,
        "alice": alice,
        "clients": clients,
        "preview": preview,
        "rate": rate,
    }


def director_pages(book) -> dict[str, str]:
    company = book["clients"][0]
    contact = company.contacts.first()
    fit = Criterion.objects.get(code="fit")
    return {
        "client-list": reverse("accounts:client_list"),
        "client-detail": reverse("accounts:client_detail", args=[company.pk]),
        "client-edit": reverse("accounts:client_update", args=[company.pk]),
        "contact-new": reverse("accounts:contact_create", args=[company.pk]),
        "contact-edit": reverse("accounts:contact_update", args=[company.pk, contact.pk]),
        "import-list": reverse("accounts:ledger_import_list"),
        "import-new": reverse("accounts:ledger_import_create"),
        "import-preview": reverse("accounts:ledger_import_detail", args=[book["preview"].pk]),
        "rates": reverse("accounts:exchange_rate_list"),
        "rate-new": reverse("accounts:exchange_rate_create"),
        "rate-edit": reverse("accounts:exchange_rate_update", args=[book["rate"].pk]),
        "rates-upload": reverse("accounts:exchange_rate_upload"),
        "ranking": reverse("scoring:ranking"),
        "explanation": reverse("scoring:client_explanation", args=[company.pk]),
        "override": reverse("scoring:override_edit", args=[company.pk]),
        "cost": reverse("scoring:cost_to_serve_edit", args=[company.pk]),
        "grid": reverse("scoring:grid"),
        "rating-form": reverse("scoring:grid_rating", args=[company.pk, "fit"]),
        "shortlist": reverse("scoring:shortlist_detail", args=[2026]),
        "programme": reverse("scoring:programme_edit", args=[2026]),
        "results": reverse("planning:programme_results"),
        "programme-reports": reverse("planning:programme_reports", args=[2026]),
        "weights": reverse("scoring:weights"),
        "weight-versions": reverse("scoring:weight_set_list"),
        "criteria": reverse("scoring:criterion_list"),
        "criterion-new": reverse("scoring:criterion_create"),
        "criterion-edit": reverse("scoring:criterion_update", args=[fit.pk]),
        "password": reverse("password_change"),
        "not-found": "/scoring/clients/999999/",
    }


def kam_pages(book) -> dict[str, str]:
    mine = book["clients"][1]  # alice's
    return {
        "client-list": reverse("accounts:client_list"),
        "client-detail": reverse("accounts:client_detail", args=[mine.pk]),
        "contact-new": reverse("accounts:contact_create", args=[mine.pk]),
        "rates": reverse("accounts:exchange_rate_list"),
        "ranking": reverse("scoring:ranking"),
        "explanation": reverse("scoring:client_explanation", args=[mine.pk]),
        "grid": reverse("scoring:grid"),
        "results": reverse("planning:programme_results"),
        "forbidden": reverse("scoring:weights"),
        "password": reverse("password_change"),
    }


def overflowing(browser: Browser, base_url: str, username: str, pages: dict[str, str], *,
                language: str) -> list[str]:  # fmt: skip
    """The pages wider than the window, as ``name at width: scroll width``; each page is
    photographed at each width."""
    too_wide = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
        page = context.new_page()
        if username:
            page.goto(f"{base_url}/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.locator("main form button[type=submit]").click()
            page.wait_for_url(lambda url: "/login/" not in url)
        for name, path in pages.items():
            page.goto(f"{base_url}{path}")
            page.wait_for_load_state("networkidle")
            scroll, inner = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            folder = SCREENSHOTS / "widths"
            folder.mkdir(parents=True, exist_ok=True)
            role = username or "anonymous"
            page.screenshot(path=folder / f"{role}-{language}-{width}-{name}.png", full_page=True)
            if scroll > inner:
                too_wide.append(f"{name} at {width}: {scroll} px")
        context.close()
    return too_wide


@pytest.mark.parametrize("language", ["fr", "en"])
def test_no_page_is_wider_than_the_window_for_a_director(
    live_server, browser, programme_book, language
):
    too_wide = overflowing(browser, live_server.url, "dana", director_pages(programme_book),
                           language=language)  # fmt: skip
    assert not too_wide, "\n".join(too_wide)


def test_no_page_is_wider_than_the_window_for_a_kam(live_server, browser, programme_book):
    too_wide = overflowing(browser, live_server.url, "alice", kam_pages(programme_book),
                           language="fr")  # fmt: skip
    assert not too_wide, "\n".join(too_wide)


def test_the_login_page_fits_the_window(live_server, browser, programme_book):
    assert overflowing(browser, live_server.url, "", {"login": "/login/"}, language="fr") == []


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_programme_results_tables_fit_a_phone(live_server, browser, programme_book, language):
    """On a phone the results' tables stack their rows: none scrolls sideways in its frame."""
    context = browser.new_context(viewport={"width": 390, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "dana")
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)
    page.goto(f"{live_server.url}{reverse('planning:programme_results')}")
    page.wait_for_load_state("networkidle")
    tables = page.evaluate(
        "[...document.querySelectorAll('.table-wrap')].map(frame => [frame.querySelector("
        "'table')?.dataset.testid, frame.scrollWidth, frame.clientWidth])"
    )
    assert any(name == "results-table" for name, _scroll, _width in tables)
    assert [name for name, scroll, width in tables if scroll > width] == []
    context.close()
