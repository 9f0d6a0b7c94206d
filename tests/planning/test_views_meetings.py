"""The Meetings tab, the portfolio's compliance page and the calendars, from the outside."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from planning.models import Action, Cadence, Meeting
from planning.services import calendar as calendar_services
from tests.factories import ClientFactory
from tests.planning.factories import (
    CadenceFactory,
    MeetingDecisionFactory,
    MeetingFactory,
    ObjectiveFactory,
    PlanFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def plan(alice):
    return PlanFactory(client=ClientFactory(name="Acme", kam=alice))


def test_meetings_tab_shows_cadences_compliance_and_the_log(client, alice, plan):
    today = timezone.localdate()
    review = CadenceFactory(
        plan=plan, name="Quarterly review", starts_on=today - dt.timedelta(days=10)
    )
    meeting = MeetingFactory(plan=plan, cadence=review, date=today - dt.timedelta(days=200))
    MeetingDecisionFactory(meeting=meeting, text="Open a second warehouse")
    client.force_login(alice)
    response = client.get(reverse("planning:plan_meetings", args=[plan.pk]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Quarterly review" in text
    assert 'data-testid="mt-cadence-overdue"' in text
    assert "Open a second warehouse" in text
    assert 'data-testid="mt-no-objective"' in text  # no objective: said, no button


def test_meetings_tab_query_count_is_flat(client, alice, plan, django_assert_max_num_queries):
    ObjectiveFactory(plan=plan)

    def grow():
        cadence = CadenceFactory(plan=plan)
        for day in (1, 2, 3):
            meeting = MeetingFactory(plan=plan, cadence=cadence, date=dt.date(2026, 3, day))
            meeting.their_participants.add(StakeholderFactory(plan=plan))
            meeting.our_participants.add(alice)
            MeetingDecisionFactory(meeting=meeting)

    client.force_login(alice)
    url = reverse("planning:plan_meetings", args=[plan.pk])
    grow()
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for _ in range(5):
        grow()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_kam_adds_a_cadence_inline_and_gets_the_body_back(client, alice, plan):
    client.force_login(alice)
    url = reverse("planning:cadence_add", args=[plan.pk])
    form = client.get(url, headers=HTMX)
    assert 'data-testid="mt-cadence-form"' in form.content.decode()
    assert "<html" not in form.content.decode()
    data = {"kind": "strategic_review", "name": "Steering", "level": "executive", "every": "3",
            "unit": "month", "starts_on": "2026-02-01"}  # fmt: skip
    response = client.post(url, data, headers=HTMX)
    assert response["HX-Retarget"] == "#meetings-body"
    assert "Steering" in response.content.decode()
    assert Cadence.objects.get().name == "Steering"


def test_a_zero_periodicity_comes_back_in_the_form_translated(client, alice, plan):
    client.force_login(alice)
    client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    data = {"kind": "custom", "name": "X", "level": "executive", "every": "0", "unit": "week",
            "starts_on": "2026-02-01"}  # fmt: skip
    response = client.post(reverse("planning:cadence_add", args=[plan.pk]), data, headers=HTMX)
    assert response.status_code == 200
    assert 'data-testid="mt-cadence-form"' in response.content.decode()
    assert "au moins" in response.content.decode()
    assert not Cadence.objects.exists()


def test_a_meeting_with_another_plans_stakeholder_is_refused(client, alice, plan):
    stranger = StakeholderFactory()
    client.force_login(alice)
    data = {"date": "2026-03-01", "level": "executive", "their_participants": [stranger.pk]}
    response = client.post(reverse("planning:meeting_add", args=[plan.pk]), data, headers=HTMX)
    assert 'data-testid="mt-form-error"' in response.content.decode()
    assert not Meeting.objects.exists()


def test_log_a_meeting_without_htmx_redirects_to_the_tab(client, alice, plan):
    client.force_login(alice)
    data = {"date": "2026-03-01", "level": "management", "title": "Intro", "decisions": "A\nB"}
    response = client.post(reverse("planning:meeting_add", args=[plan.pk]), data)
    assert response.status_code == 302
    assert Meeting.objects.get().decisions.count() == 2


def test_decision_becomes_an_action_and_shows_it(client, alice, plan):
    objective = ObjectiveFactory(plan=plan, title="Grow margin")
    decision = MeetingDecisionFactory(meeting=MeetingFactory(plan=plan), text="Audit costs")
    client.force_login(alice)
    url = reverse("planning:decision_action", args=[decision.pk])
    response = client.post(url, {"objective": objective.pk}, headers=HTMX)
    assert 'data-testid="mt-decision-done"' in response.content.decode()
    assert Action.objects.get().decision == decision
    again = client.post(url, {"objective": objective.pk}, headers=HTMX)
    assert 'data-testid="mt-decision-error"' in again.content.decode()
    assert Action.objects.count() == 1


def test_writes_on_another_kams_plan_are_404_and_the_sponsors_403(client, bob, sam, alice):
    plan = PlanFactory(client=ClientFactory(kam=alice, sponsor=sam))
    cadence = CadenceFactory(plan=plan)
    client.force_login(bob)
    assert client.post(reverse("planning:cadence_delete", args=[cadence.pk])).status_code == 404
    client.force_login(sam)
    assert client.post(reverse("planning:cadence_delete", args=[cadence.pk])).status_code == 403
    assert Cadence.objects.exists()


def test_compliance_page_lists_only_the_kams_plans(client, alice, bob, dana):
    mine = PlanFactory(client=ClientFactory(name="Mine", kam=alice))
    theirs = PlanFactory(client=ClientFactory(name="Theirs", kam=bob))
    CadenceFactory(plan=mine)
    CadenceFactory(plan=theirs)
    client.force_login(alice)
    text = client.get(reverse("planning:cadence_compliance")).content.decode()
    assert f'data-plan="{mine.pk}"' in text
    assert f'data-plan="{theirs.pk}"' not in text
    client.force_login(dana)
    text = client.get(reverse("planning:cadence_compliance")).content.decode()
    assert f'data-plan="{mine.pk}"' in text
    assert f'data-plan="{theirs.pk}"' in text


def _events(response):
    calendar = Calendar.from_ical(response.content)
    return [event for event in calendar.walk("VEVENT")]


def test_plan_calendar_parses_back_with_stable_uids(client, alice, plan):
    today = timezone.localdate()
    cadence = CadenceFactory(plan=plan, name="Review", starts_on=today + dt.timedelta(days=7))
    client.force_login(alice)
    url = reverse("planning:plan_calendar", args=[plan.pk])
    first = _events(client.get(url))
    assert first[0]["SUMMARY"] == "Review · Acme"
    assert first[0].decoded("DTSTART") == today + dt.timedelta(days=7)
    assert (
        str(first[0]["UID"]) == f"kam-cadence-{cadence.pk}-{first[0].decoded('DTSTART'):%Y%m%d}@kam"
    )
    assert len(first) == 2  # every 3 months, within six months
    assert [str(e["UID"]) for e in _events(client.get(url))] == [str(e["UID"]) for e in first]


def test_calendar_feed_by_token_without_session_only_the_users_plans(client, alice, bob):
    today = timezone.localdate()
    mine = PlanFactory(client=ClientFactory(name="Mine", kam=alice))
    theirs = PlanFactory(client=ClientFactory(name="Theirs", kam=bob))
    CadenceFactory(plan=mine, name="Mine review", starts_on=today + dt.timedelta(days=3))
    CadenceFactory(plan=theirs, name="Their review", starts_on=today + dt.timedelta(days=3))
    feed = calendar_services.calendar_feed_renew(user=alice)
    url = reverse("planning:calendar_feed_ics", args=[feed.token])
    response = client.get(url)  # no session
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    summaries = {str(event["SUMMARY"]) for event in _events(response)}
    assert summaries == {"Mine review · Mine"}
    renewed = calendar_services.calendar_feed_renew(user=alice)
    assert client.get(url).status_code == 404  # the old address no longer works
    calendar_services.calendar_feed_revoke(user=alice)
    assert (
        client.get(reverse("planning:calendar_feed_ics", args=[renewed.token])).status_code == 404
    )
    assert client.get(reverse("planning:calendar_feed_ics", args=["nope"])).status_code == 404


def test_calendar_feed_page_creates_and_shows_the_address(client, alice):
    client.force_login(alice)
    page = client.get(reverse("planning:calendar_feed")).content.decode()
    assert 'data-testid="feed-create"' in page
    client.post(reverse("planning:calendar_feed_renew"))
    page = client.get(reverse("planning:calendar_feed")).content.decode()
    assert alice.calendar_feed.token in page


def test_compliance_page_query_count_is_flat(client, dana, django_assert_max_num_queries):
    def grow():
        for _ in range(2):
            plan = PlanFactory()
            cadence = CadenceFactory(plan=plan)
            MeetingFactory(plan=plan, cadence=cadence, date=dt.date(2026, 3, 1))

    client.force_login(dana)
    url = reverse("planning:cadence_compliance")
    grow()
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    grow()
    grow()
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def _log(plan, count):
    """``count`` meetings, one a day back from 1 March 2026, newest first."""
    return [
        MeetingFactory(plan=plan, title=f"Meeting {n}", date=dt.date(2026, 3, 1) - dt.timedelta(n))
        for n in range(count)
    ]


def _shown(response):
    return [int(pk) for pk in re.findall(r'data-meeting="(\d+)"', response.content.decode())]


def test_the_log_shows_its_newest_page_and_adds_older_ones_on_scroll(client, alice, plan):
    meetings = _log(plan, 45)
    client.force_login(alice)
    url = reverse("planning:plan_meetings", args=[plan.pk])
    first = client.get(url)
    assert _shown(first) == [meeting.pk for meeting in meetings[:20]]
    assert f'hx-get="{url}?page=2"' in first.content.decode()
    second = client.get(url, {"page": 2}, headers=HTMX)  # the log scrolled to its end
    assert _shown(second) == [meeting.pk for meeting in meetings[20:40]]
    assert "<html" not in second.content.decode()  # its rows only
    assert f'hx-get="{url}?page=3"' in second.content.decode()
    last = client.get(url, {"page": 3}, headers=HTMX)
    assert _shown(last) == [meeting.pk for meeting in meetings[40:]]
    assert 'data-testid="mt-older"' not in last.content.decode()
    without_javascript = client.get(url, {"page": 2})  # the link: the first two pages
    assert _shown(without_javascript) == [meeting.pk for meeting in meetings[:40]]
    assert "<html" in without_javascript.content.decode()  # the whole page


@pytest.mark.parametrize("page", ["0", "-1", "x", "99999999"])
def test_a_bad_log_page_is_the_first_page(client, alice, plan, page):
    meetings = _log(plan, 25)
    client.force_login(alice)
    url = reverse("planning:plan_meetings", args=[plan.pk])
    assert _shown(client.get(url, {"page": page})) == [meeting.pk for meeting in meetings[:20]]


def test_a_decision_error_on_an_old_meeting_shows_that_meeting(client, alice, plan):
    objective = ObjectiveFactory(plan=plan)
    meetings = _log(plan, 30)
    decision = MeetingDecisionFactory(meeting=meetings[25], text="Audit costs")
    client.force_login(alice)
    url = reverse("planning:decision_action", args=[decision.pk])
    client.post(url, {"objective": objective.pk}, headers=HTMX)
    again = client.post(url, {"objective": objective.pk}, headers=HTMX)  # already an action
    assert meetings[25].pk in _shown(again)
    assert 'data-testid="mt-decision-error"' in again.content.decode()


def test_meeting_and_decision_ids_have_no_thousands_separator(client, alice, plan):
    ObjectiveFactory(plan=plan)
    ObjectiveFactory(plan=plan)  # two: each decision has its objective's list, labelled
    meeting = MeetingFactory(pk=1234567, plan=plan)
    MeetingDecisionFactory(pk=7654321, meeting=meeting)
    client.force_login(alice)
    for language in ("fr", "en"):
        client.cookies["django_language"] = language
        text = client.get(reverse("planning:plan_meetings", args=[plan.pk])).content.decode()
        assert 'data-meeting="1234567"' in text
        assert 'for="objective-7654321"' in text
        assert 'id="objective-7654321"' in text


def test_a_cadence_log_link_names_its_cadence_without_a_thousands_separator(client, alice, plan):
    cadence = CadenceFactory(pk=1234567, plan=plan)
    client.force_login(alice)
    for language in ("fr", "en"):
        client.cookies["django_language"] = language
        text = client.get(reverse("planning:plan_meetings", args=[plan.pk])).content.decode()
        assert f"?cadence={cadence.pk}" in text
        form = client.get(reverse("planning:meeting_add", args=[plan.pk]), {"cadence": "1234567"})
        assert form.status_code == 200
