"""Browser journeys in headless Chromium against the live server and a live Celery worker."""

import csv
import re
from decimal import Decimal

import pytest
from babel.numbers import parse_decimal
from django.conf import settings
from playwright.sync_api import Page, expect

from accounts.models import Client, LedgerImport, User
from tests.factories import ClientFactory, ClientYearMetricFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"
SCREENSHOTS = settings.BASE_DIR / "test-artifacts"


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click('main form button[type=submit], form[action$="/login/"] button[type=submit]')
    expect(page).not_to_have_url(re.compile(r"/login/"))


def snap(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def amount(text: str, locale: str) -> Decimal:
    """A money amount as the page shows it (``12 345,67 $US``, ``$12,345.67``)."""
    number = re.sub(r"[^\d,.\-\u2212\u00a0\u202f ]", "", text).strip().replace("\u2212", "-")
    return Decimal(parse_decimal(number, locale=locale, strict=False))


def file_total(path, customer_id: str) -> tuple[str, Decimal]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Customer ID"] == customer_id]
    return rows[0]["Customer Name"], sum((Decimal(row["Sales"]) for row in rows), Decimal())


@pytest.fixture
def french_page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_director_imports_superstore_and_reads_a_clients_revenue(
    live_server, live_worker, sample_data, french_page
):
    UserFactory(username="dana", role=User.Role.DIRECTOR)
    page = french_page
    log_in(page, live_server.url, "dana")
    page.goto(f"{live_server.url}/imports/new/")
    page.set_input_files("input[type=file]", str(sample_data / "superstore.csv"))
    snap(page, "import-upload")
    page.click("[data-testid=import-upload]")

    expect(page.get_by_test_id("import-preview")).to_be_visible()
    expect(page.locator("select[name=map_amount]")).to_have_value("Sales")
    expect(page.locator("select[name=map_customer_id]")).to_have_value("Customer ID")
    expect(page.locator("select[name=map_date]")).to_have_value("Order Date")
    expect(page.get_by_test_id("detected-encoding")).to_contain_text("utf-8")
    expect(page.get_by_test_id("import-parsed")).to_contain_text("DP-13000")
    snap(page, "import-preview")
    page.click("[data-testid=import-confirm]")

    expect(page.get_by_test_id("import-progress")).to_be_attached()
    expect(page.get_by_test_id("import-summary")).to_be_visible(timeout=90_000)
    snap(page, "import-done")
    ledger_import = LedgerImport.objects.get()
    assert ledger_import.status == LedgerImport.Status.DONE, ledger_import.error
    expect(page.get_by_test_id("rows-imported")).to_have_text(re.compile(r"10\D?194"))

    name, expected = file_total(sample_data / "superstore.csv", "DP-13000")
    page.goto(f"{live_server.url}/clients/")
    page.fill("input[name=q]", "DP-13000")
    page.keyboard.press("Enter")
    page.get_by_role("link", name=name).first.click()
    expect(page.get_by_test_id("client-external-id")).to_have_text("DP-13000")
    snap(page, "client-detail")
    cells = page.get_by_test_id("metric-revenue").all_text_contents()
    assert len(cells) == 4  # 2019 to 2022
    shown = sum((amount(cell, "fr") for cell in cells), Decimal())
    assert abs(shown - expected) <= Decimal("0.02")
    total = Client.objects.get(external_id="DP-13000").metrics.values_list("revenue", flat=True)
    assert sum(total) == shown


def test_kam_sees_only_their_own_clients(live_server, browser):
    alice = UserFactory(username="alice", role=User.Role.KAM)
    bob = UserFactory(username="bob", role=User.Role.KAM)
    mine = ClientFactory(name="Alpha Robotics", kam=alice, country="FR")
    ClientYearMetricFactory(client=mine, year=2024)
    theirs = ClientFactory(name="Beta Logistics", kam=bob, country="DE")
    ClientFactory(name="Gamma Unassigned")
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/clients/")
    snap(page, "kam-client-list")
    rows = page.locator("#client-rows tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Alpha Robotics")
    expect(page.locator("body")).not_to_contain_text("Beta Logistics")
    expect(page.locator("body")).not_to_contain_text("Gamma Unassigned")
    response = page.goto(f"{live_server.url}/clients/{theirs.pk}/")
    assert response is not None
    assert response.status == 404
    response = page.goto(f"{live_server.url}/api/clients/{theirs.pk}/")
    assert response is not None
    assert response.status == 404
    response = page.goto(f"{live_server.url}/imports/")
    assert response is not None
    assert response.status == 403
    expect(page.locator("main")).to_contain_text("Only directors and administrators can import")
    context.close()
