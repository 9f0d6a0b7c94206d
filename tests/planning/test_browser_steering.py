"""The steering committee in headless Chromium: a director approves one project and rejects
another on the session's board, each with a reason, and the programme budget gauge moves with
the approval only; a decision without a reason is refused in place. The board fits a phone's
width in French and English, its table and the plan's projects stacking their rows on a phone.
Screenshots go to ``test-artifacts/steering/``."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from planning.models import InvestmentProject, SteeringDecision
from scoring.models import ShortlistDecision
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import PlanFactory, SteeringSessionFactory, make_project
from tests.scoring.factories import ProgrammeFactory
from tests.test_journeys import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("KAM_STEERING_SHOTS", SCREENSHOTS / "steering"))


@pytest.fixture
def board():
    dana = UserFactory(username="dana", first_name="Dana", last_name="Roussel",
                       role=User.Role.DIRECTOR)  # fmt: skip
    alice = UserFactory(username="alice", first_name="Alice", role=User.Role.KAM)
    bob = UserFactory(username="bob", first_name="Bob", role=User.Role.KAM)
    programme = ProgrammeFactory(year=2026, budget=Decimal("300000"), updated_by=dana)
    ShortlistDecision.objects.create(
        programme=programme, client_ids=[], client_names=[], cost=Decimal("240000"),
        budget=programme.budget, kam_needed=2, kam_headcount=4, decided_by=dana,
    )  # fmt: skip
    acme = PlanFactory(client=ClientFactory(name="Acme Emballages", kam=alice),
                       programme=programme, created_by=dana)  # fmt: skip
    borealis = PlanFactory(client=ClientFactory(name="Borealis Foods", kam=bob),
                           programme=programme, created_by=dana)  # fmt: skip
    approved = make_project(acme, title="Barrier coating co-development",
                            years=((2026, "30000", "5000"), (2027, "40000", "80000")))  # fmt: skip
    rejected = make_project(borealis, title="Dedicated warehouse",
                            years=((2026, "50000", "10000"), (2027, "50000", "20000")))  # fmt: skip
    session = SteeringSessionFactory(created_by=dana, agenda="Investment proposals of 2026.")
    return session, approved, rejected


def open_board(browser: Browser, base_url: str, session, *, width: int, language: str):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page = context.new_page()
    log_in(page, base_url, "dana")
    page.goto(f"{base_url}/plans/steering/{session.pk}/")
    page.wait_for_load_state("networkidle")
    return context, page


def gauge_parts(page: Page) -> list[float]:
    """The widths of the gauge's filled parts: the shortlist's cost, then the investment."""
    parts = page.get_by_test_id("budget-gauge").first.locator("rect.gauge-part")
    return [float(parts.nth(i).get_attribute("width") or 0) for i in range(parts.count())]


def decide(page: Page, project, outcome: str, reason: str) -> None:
    card = page.locator(f'[data-testid="decide-form"][data-project="{project.pk}"]')
    card.get_by_test_id("decide-outcome").select_option(outcome)
    card.get_by_test_id("decide-reason").fill(reason)
    card.get_by_test_id("decide-save").click()


def test_the_committee_approves_one_project_rejects_another_and_the_gauge_moves(
    live_server, browser, board
):
    session, approved, rejected = board
    context, page = open_board(browser, live_server.url, session, width=1366, language="en")
    gauge = page.get_by_test_id("budget-gauge").first
    expect(gauge).to_contain_text("Committed €240,000.00 of €300,000.00")
    before = gauge_parts(page)
    assert len(before) == 1  # the shortlist's cost alone
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "board-before.png", full_page=True)

    decide(page, approved, "approve", "")  # no reason: refused in place, nothing written
    expect(page.get_by_test_id("decide-error")).to_contain_text(
        "Record the reason for this decision."
    )
    assert not SteeringDecision.objects.exists()

    decide(page, approved, "approve", "Their recyclable range is the shared strategy.")
    expect(page.get_by_test_id("board-notice")).to_contain_text("approved")
    gauge = page.get_by_test_id("budget-gauge").first
    expect(gauge).to_contain_text("Committed €270,000.00 of €300,000.00")
    after = gauge_parts(page)
    assert len(after) == 2  # the approved investment joins the gauge
    assert after[1] > 0
    assert after[0] == pytest.approx(before[0])

    decide(page, rejected, "reject", "The margin does not cover the cost within the horizon.")
    expect(page.get_by_test_id("board-notice")).to_contain_text("rejected")
    expect(page.get_by_test_id("budget-gauge").first).to_contain_text("Committed €270,000.00")
    assert gauge_parts(page) == pytest.approx(after)  # a rejection spends nothing
    row = page.locator(f'[data-testid="board-row"][data-project="{rejected.pk}"]')
    expect(row.get_by_test_id("board-status")).to_have_text("Rejected")
    expect(page.get_by_test_id("session-decision")).to_have_count(2)
    page.screenshot(path=SHOTS / "board-after.png", full_page=True)
    context.close()

    approved.refresh_from_db()
    rejected.refresh_from_db()
    assert approved.status == InvestmentProject.Status.APPROVED
    assert rejected.status == InvestmentProject.Status.REJECTED
    assert sorted(SteeringDecision.objects.values_list("outcome", flat=True)) == [
        "approve",
        "reject",
    ]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_board_fits_a_phone(live_server, browser, board, language):
    session, approved, _rejected = board
    context, page = open_board(browser, live_server.url, session, width=390, language=language)
    expect(page.get_by_test_id("board-table")).to_be_visible()
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"board-{language}-390.png", full_page=True)
    assert scroll <= inner, f"{scroll} px wide in a {inner} px window"
    # The table stacks its rows rather than scroll sideways in its frame: each project's title
    # first, then each figure under its column's name (the years, the totals).
    frame = page.evaluate(
        "(() => { const f = document.querySelector('[data-testid=board-table]').closest("
        "'.table-wrap'); return [f.scrollWidth, f.clientWidth]; })()"
    )
    assert frame[0] <= frame[1], f"the board scrolls sideways: {frame}"
    row = page.get_by_test_id("board-row").first
    labels = row.locator("td").evaluate_all(
        "cells => cells.map(cell => getComputedStyle(cell, '::before').content)"
    )
    assert '"2026"' in labels
    assert '"2027"' in labels
    title = row.locator("th").bounding_box()
    first_cell = row.locator("td").first.bounding_box()
    assert title
    assert first_cell
    assert title["y"] < first_cell["y"]
    plan = approved.plan
    page.goto(f"{live_server.url}/plans/{plan.pk}/projects/")
    page.wait_for_load_state("networkidle")
    frame = page.evaluate(
        "(() => { const f = document.querySelector('[data-testid=projects-table]').closest("
        "'.table-wrap'); return [f.scrollWidth, f.clientWidth]; })()"
    )
    assert frame[0] <= frame[1], f"the plan's projects scroll sideways: {frame}"
    page.screenshot(path=SHOTS / f"projects-{language}-390.png", full_page=True)
    context.close()
