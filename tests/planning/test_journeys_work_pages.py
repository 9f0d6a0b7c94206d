"""Browser journey through a plan of many objectives, in headless Chromium against the live
server: the Actions section shows the first objectives' actions, the next ones come as the KAM
scrolls, an action far down is updated in place and stays on the page; at 390 pixels wide the
page is never wider than the window."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from planning.models import Action, Objective
from tests.planning.factories import ObjectiveFactory
from tests.planning.test_journeys_sections import accounts, english  # noqa: F401  # a fixture
from tests.test_journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _goals(plan, owner):
    """12 objectives of 10 actions: three pages of actions (5, 5 and 2 objectives)."""
    objectives = [
        ObjectiveFactory(plan=plan, side=Objective.Side.OURS, title=f"Goal {index}", position=index)
        for index in range(12)
    ]
    Action.objects.bulk_create(
        Action(
            objective=objective,
            title=f"Step {objective.position}.{index}",
            owner=owner,
            department="logistics",
            due_date=dt.date(2026, 12, 31),
            position=index,
        )
        for objective in objectives
        for index in range(10)
    )


@pytest.mark.parametrize("width", [1366, 390])
def test_kam_scrolls_through_the_actions_and_updates_one_far_down(
    live_server, browser, request, width
):
    people = request.getfixturevalue("accounts")  # the plan page journeys' people and plans
    base, plan = live_server.url, people["mine"]
    _goals(plan, people["alice"])
    page = english(browser, base, width=width)
    log_in(page, base, "alice")
    page.goto(f"{base}/plans/{plan.pk}/")
    actions = page.get_by_test_id("action")
    expect(page.get_by_test_id("objective")).to_have_count(12)
    expect(actions).to_have_count(50)
    page.get_by_test_id("work-more").scroll_into_view_if_needed()
    expect(actions).to_have_count(100)
    page.get_by_test_id("work-more").scroll_into_view_if_needed()
    expect(actions).to_have_count(120)
    expect(page.get_by_test_id("work-more")).to_have_count(0)

    far = Action.objects.get(title="Step 11.3")
    row = page.locator(f"#action-{far.pk}")
    row.get_by_test_id("action-update").click()
    form = page.locator(f"#action-{far.pk}-progress-form")
    form.get_by_label("Progress %").fill("70")
    form.get_by_test_id("plan-form-save").click()
    expect(page.locator(f"#action-{far.pk}").get_by_test_id("action-progress")).to_have_text("70 %")
    expect(actions).to_have_count(120)  # the answer keeps the pages down to the one it touched
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner
    far.refresh_from_db()
    assert far.progress == 70
