"""Browser journey of the Meetings tab in headless Chromium: a KAM logs a meeting held in a
cadence and sees its compliance change, then turns one of its decisions into a plan action; and
the tab and the portfolio's compliance page, at 1366 and 390 px, in French and English, overflow
nowhere sideways."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import Department, User
from planning.models import Action, Objective, Stakeholder
from tests.factories import ClientFactory, ContactFactory, UserFactory
from tests.planning.factories import (
    CadenceFactory,
    CounterpartPairFactory,
    MeetingDecisionFactory,
    MeetingFactory,
    ObjectiveFactory,
    PlanFactory,
    StakeholderFactory,
)
from tests.test_journeys import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = SCREENSHOTS / "meetings"


@pytest.fixture
def account():
    """Alice's key account with a plan, two cadences (one overdue), a year of meetings."""
    today = timezone.localdate()
    alice = UserFactory(
        username="alice", first_name="Alice", last_name="Martin-Desrosiers", role=User.Role.KAM
    )
    carl = UserFactory(
        username="carl",
        first_name="Carl",
        last_name="Logistique",
        role=User.Role.CONTRIBUTOR,
        department=Department.LOGISTICS,
    )
    company = ClientFactory(name="Compagnie Internationale des Équipements Industriels", kam=alice)
    plan = PlanFactory(client=company)
    ObjectiveFactory(plan=plan, side=Objective.Side.OURS, title="Raise the gross margin to 28 %")
    ObjectiveFactory(plan=plan, side=Objective.Side.CUSTOMER, title="Halve their stock-outs")
    ceo = StakeholderFactory(
        plan=plan,
        contact=ContactFactory(client=company, first_name="Hélène", last_name="Beaumont-Vasseur"),
        buying_role=Stakeholder.BuyingRole.DECISION_MAKER,
    )
    buyer = StakeholderFactory(
        plan=plan, contact=ContactFactory(client=company, first_name="Jan", last_name="Kowalski")
    )
    strategic = CadenceFactory(
        plan=plan,
        name="Strategic alignment review with the executive committee",
        level="executive",
        every=3,
        starts_on=today - dt.timedelta(days=300),
        agreed_on=today - dt.timedelta(days=320),
        agreed_by_us=alice,
        agreed_by_them=ceo,
    )
    peer = CadenceFactory(
        plan=plan,
        kind="peer_to_peer",
        name="Logistics ↔ supply chain",
        level="operational",
        every=4,
        unit="week",
        starts_on=today - dt.timedelta(days=200),
        our_department=Department.LOGISTICS,
        their_function="Supply chain",
    )
    CounterpartPairFactory(
        plan=plan, user=carl, stakeholder=buyer, level="operational", cadence=peer
    )
    for days in (290, 200, 110):
        meeting = MeetingFactory(
            plan=plan,
            cadence=strategic,
            level="executive",
            date=today - dt.timedelta(days=days),
            title="Quarterly review",
            summary="Reviewed volumes, the new plant in Poznań and the pricing of the film.",
        )
        meeting.our_participants.add(alice)
        meeting.their_participants.add(ceo)
    for days in range(190, 0, -29):
        MeetingFactory(
            plan=plan,
            cadence=peer,
            level="operational",
            date=today - dt.timedelta(days=days),
            title="",
        )
    MeetingDecisionFactory(
        meeting=plan.meetings.filter(cadence=strategic).order_by("-date").first(),
        text="Run a joint audit of the returns process before the summer",
    )
    return plan


def overflow(page: Page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_kam_logs_a_meeting_sees_compliance_change_and_makes_a_decision_an_action(
    live_server, browser: Browser, account
):
    plan = account
    context = browser.new_context(locale="en-GB", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/plans/{plan.pk}/meetings/")
    expect(page.get_by_test_id("mt-overdue-count")).to_have_text("1")
    strategic = page.locator("[data-testid=mt-cadence]", has_text="Strategic alignment review")
    expect(strategic.get_by_test_id("mt-cadence-overdue")).to_be_visible()
    executive_held = page.get_by_test_id("mt-level-executive").get_by_test_id("mt-level-held")
    expect(executive_held).to_have_text("3")

    strategic.get_by_test_id("mt-cadence-log").click()
    form = page.get_by_test_id("mt-meeting-form")
    expect(form).to_be_visible()
    expect(form.locator("select[name=cadence] option:checked")).to_contain_text("Strategic")
    form.locator("input[name=title]").fill("Executive review, Q4")
    form.get_by_label("Hélène Beaumont-Vasseur").check()
    form.locator("textarea[name=decisions]").fill("Share the 2027 forecast by month")
    form.get_by_test_id("mt-meeting-save").click()

    expect(page.get_by_test_id("mt-overdue-count")).to_have_text("0")
    expect(strategic.get_by_test_id("mt-cadence-overdue")).to_have_count(0)
    expect(executive_held).to_have_text("4")

    decision = page.locator("[data-testid=mt-decision]", has_text="Share the 2027 forecast")
    expect(decision.get_by_test_id("mt-decision-objective")).to_have_value(
        str(plan.objectives.get(side=Objective.Side.OURS).pk)
    )
    decision.get_by_test_id("mt-decision-action").click()
    expect(decision.get_by_test_id("mt-decision-done")).to_be_visible()
    action = Action.objects.get(decision__text="Share the 2027 forecast by month")
    assert action.owner.username == "alice"
    assert action.due_date == timezone.localdate() + dt.timedelta(days=30)
    context.close()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_meetings_pages_fit_at_every_width(live_server, browser: Browser, account, language):
    plan = account
    UserFactory(username="dana", first_name="Dana", last_name="Durand", role=User.Role.DIRECTOR)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1366, 390):
        context = browser.new_context(
            locale="fr-FR" if language == "fr" else "en-GB",
            viewport={"width": width, "height": 900},
        )
        page = context.new_page()
        log_in(page, live_server.url, "alice")
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page.goto(f"{live_server.url}/plans/{plan.pk}/meetings/")
        page.get_by_test_id("mt-meeting-add").click()
        expect(page.get_by_test_id("mt-meeting-form")).to_be_visible()
        assert overflow(page) <= 0, f"meetings tab {language} {width}"
        page.screenshot(path=SHOTS / f"meetings-{language}-{width}.png", full_page=True)
        page.goto(f"{live_server.url}/plans/compliance/")
        assert overflow(page) <= 0, f"compliance {language} {width}"
        page.screenshot(path=SHOTS / f"compliance-{language}-{width}.png", full_page=True)
        page.goto(f"{live_server.url}/plans/calendar/")
        if page.get_by_test_id("feed-create").count():
            page.get_by_test_id("feed-create").click()
        expect(page.get_by_test_id("feed-url")).to_be_visible()
        assert overflow(page) <= 0, f"calendar {language} {width}"
        page.screenshot(path=SHOTS / f"calendar-{language}-{width}.png", full_page=True)
        context.close()
