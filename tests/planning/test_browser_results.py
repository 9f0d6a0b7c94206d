"""The programme results page in headless Chromium: the charts show and nothing is wider than
the window at 1366 and 390 px, in French and English (photographed in ``SHOTS`` to be looked
at); a sponsor switches the programme year with the select and the figures follow, without
leaving the page."""

import datetime as dt
import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from accounts.models import User
from accounts.services import client_metrics as metric_services
from planning.models import Plan
from tests.factories import ClientFactory, LedgerLineFactory, UserFactory
from tests.planning.factories import PlanFactory, make_key_account
from tests.test_journeys import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("KAM_RESULTS_SHOTS", SCREENSHOTS / "results"))


@pytest.fixture
def programme():
    """Two programme years; the key accounts of 2026 grow faster than the other clients."""
    director = UserFactory(username="dana", role=User.Role.DIRECTOR)
    sponsor = UserFactory(username="sam", first_name="Sam", last_name="Okafor-Lindqvist",
                          role=User.Role.SPONSOR)  # fmt: skip
    names = ["Compagnie Internationale des Équipements Industriels", "Nordwerk Logistik GmbH",
             "Tallinn Packaging OÜ", "Atelier Rhône-Alpes"]  # fmt: skip
    companies = [ClientFactory(name=name, sponsor=sponsor) for name in names]
    for index, company in enumerate(companies):
        for year, scale in ((2024, 1.0), (2025, 1.1 + index / 10), (2026, 1.4 - index / 10)):
            LedgerLineFactory(
                client=company,
                date=dt.date(year, 4, 1),
                amount=Decimal(round(1_250_000 * scale / (index + 1), 2)),
                profit=Decimal(round(250_000 * scale / (index + 1) * (1 - index / 8), 2)),
                days_late=12 - 2 * index,
            )
    make_key_account(companies[0], year=2025, by=director)
    for company in companies[:2]:
        programme = make_key_account(company, year=2026, by=director)
        PlanFactory(client=company, programme=programme, status=Plan.Status.APPROVED)
    metric_services.client_metrics_recompute()
    return programme


def open_results(browser: Browser, base_url: str, *, width: int, language: str, path=""):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page = context.new_page()
    log_in(page, base_url, "sam")
    page.goto(f"{base_url}/plans/results/{path}")
    page.wait_for_load_state("networkidle")
    return context, page


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("width", [1366, 390])
def test_the_results_page_shows_its_charts_and_fits_the_window(
    live_server, browser, programme, language, width
):
    context, page = open_results(browser, live_server.url, width=width, language=language)
    charts = page.locator(".results-chart svg")
    expect(charts).to_have_count(3)
    for index in range(3):
        box = charts.nth(index).bounding_box()
        assert box is not None
        assert box["width"] >= min(300, width - 80)  # readable: nearly the screen's width
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"results-{language}-{width}.png", full_page=True)
    assert scroll <= inner, f"{scroll} px wide in a {inner} px window"
    context.close()


def test_the_year_select_switches_the_figures_in_place(live_server, browser, programme):
    context, page = open_results(browser, live_server.url, width=1366, language="en")
    expect(page.get_by_test_id("results-key-count")).to_have_text("2")
    page.get_by_label("Programme year").select_option("2025")
    expect(page.get_by_test_id("results-key-count")).to_have_text("1")
    assert page.url.endswith("?year=2025")
    expect(page.locator("h1")).to_have_count(1)  # the body replaced, not the page nested
    context.close()
