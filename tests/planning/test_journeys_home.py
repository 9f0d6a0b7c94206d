"""Browser journeys from the home page, in headless Chromium against the live server: a KAM lands
on their key accounts, opens their plan and its health, and cannot open another KAM's plan by
page or API; every role's home page fits the window at 1366 and 390 pixels, in both languages."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from accounts.models import Department, User
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import (
    ActionFactory,
    CadenceFactory,
    ObjectiveFactory,
    PlanFactory,
    make_key_account,
)
from tests.test_journeys import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def programme():
    """Alice's and Bob's key accounts, each with a running plan; Carl owns an overdue action of
    Alice's; Sam sponsors Alice's account."""
    dana = UserFactory(username="dana", first_name="Dana", role=User.Role.DIRECTOR)
    alice = UserFactory(username="alice", first_name="Alice", last_name="Martin-Desrosiers")
    bob = UserFactory(username="bob", first_name="Bob")
    sam = UserFactory(username="sam", first_name="Sam", role=User.Role.SPONSOR)
    carl = UserFactory(
        username="carl",
        first_name="Carl",
        role=User.Role.CONTRIBUTOR,
        department=Department.LOGISTICS,
    )
    today = timezone.localdate()
    plans = {}
    for kam, name in ((alice, "Compagnie Européenne des Emballages Recyclables"), (bob, "Globex")):
        company = ClientFactory(name=name, kam=kam, sponsor=sam if kam == alice else None)
        make_key_account(company, year=today.year, by=dana)
        plans[kam.username] = PlanFactory(
            client=company,
            created_by=dana,
            period_start=dt.date(today.year, 1, 1),
            period_end=dt.date(today.year, 12, 31),
        )
    objective = ObjectiveFactory(plan=plans["alice"], title="Become their logistics partner")
    ActionFactory(
        objective=objective,
        owner=carl,
        title="Set up vendor-managed inventory at the Lyon plant",
        due_date=max(today - dt.timedelta(days=10), dt.date(today.year, 1, 2)),
    )
    ActionFactory(objective=ObjectiveFactory(plan=plans["bob"]), title="Globex secret action")
    CadenceFactory(plan=plans["alice"], starts_on=dt.date(today.year, 1, 15))
    return plans


def test_kam_lands_on_their_accounts_and_cannot_open_another_kams_plan(
    live_server, browser: Browser, programme
):
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page = context.new_page()
    log_in(page, base, "alice")
    expect(page.get_by_test_id("home-plan-row")).to_have_count(1)
    expect(page.get_by_test_id("home-overdue-actions")).to_contain_text(
        "Set up vendor-managed inventory"
    )
    page.get_by_role("link", name="Compagnie Européenne des Emballages Recyclables").first.click()
    expect(page.get_by_test_id("plan-health")).to_contain_text("Bring 1 overdue action up to date")
    theirs = programme["bob"]
    response = page.goto(f"{base}/plans/{theirs.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Globex")
    api = page.request.get(f"{base}/api/planning/plans/{theirs.pk}/")
    assert api.status == 404
    listed = page.request.get(f"{base}/api/planning/plans/").json()
    assert [plan["client_name"] for plan in listed["results"]] == [
        "Compagnie Européenne des Emballages Recyclables"
    ]
    context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_home_page_fits_the_window(live_server, browser: Browser, programme, language):
    base = live_server.url
    too_wide = []
    for username in ("alice", "dana", "sam", "carl"):
        for width in (1366, 390):
            context = browser.new_context(viewport={"width": width, "height": 900})
            context.add_cookies([{"name": "django_language", "value": language, "url": base}])
            page = context.new_page()
            log_in(page, base, username)
            expect(page.get_by_test_id("home-overdue-actions")).to_be_visible()
            scroll, inner = page.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            if scroll > inner:
                too_wide.append(f"{username} at {width}: {scroll}")
            context.close()
    assert not too_wide
