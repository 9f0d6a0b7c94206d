"""The cadences, meetings and decisions API, per role and with bad input."""

import datetime as dt

import pytest
from django.urls import reverse

from planning.models import Action, Cadence, Meeting
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import (
    CadenceFactory,
    CounterpartPairFactory,
    MeetingDecisionFactory,
    MeetingFactory,
    ObjectiveFactory,
    PlanFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(alice, sam):
    return PlanFactory(client=ClientFactory(name="Acme", kam=alice, sponsor=sam))


def cadence_body(**overrides):
    return {
        "kind": "strategic_review",
        "name": "Steering",
        "level": "executive",
        "every": 3,
        "unit": "month",
        "starts_on": "2026-02-01",
        **overrides,
    }


def test_kam_creates_a_cadence_with_pairs_and_reads_its_status(client, alice, plan):
    pair = CounterpartPairFactory(plan=plan)
    client.force_login(alice)
    url = reverse("api-planning:cadences", args=[plan.pk])
    response = client.post(url, cadence_body(pairs=[pair.pk]), content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["pairs"] == [pair.pk]
    assert body["next_due"] == "2026-02-01"
    listed = client.get(url).json()
    assert [row["name"] for row in listed] == ["Steering"]


@pytest.mark.parametrize("every", [0, -1])
def test_a_periodicity_below_one_is_a_400_and_nothing_is_written(client, alice, plan, every):
    client.force_login(alice)
    url = reverse("api-planning:cadences", args=[plan.pk])
    response = client.post(url, cadence_body(every=every), content_type="application/json")
    assert response.status_code == 400
    assert "every" in response.json()
    assert not Cadence.objects.exists()


def test_meeting_log_with_participants_and_decisions(client, alice, plan):
    cadence = CadenceFactory(plan=plan)
    them = StakeholderFactory(plan=plan)
    client.force_login(alice)
    body = {
        "date": "2026-03-10",
        "cadence": cadence.pk,
        "our_participants": [alice.pk],
        "their_participants": [them.pk],
        "decisions": ["Audit the returns"],
        "summary": "Good talk.",
    }
    response = client.post(
        reverse("api-planning:meetings", args=[plan.pk]), body, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["level"] == "executive"
    assert data["our_participants"] == [alice.pk]
    assert data["their_participants"] == [them.pk]
    assert [d["text"] for d in data["decisions"]] == ["Audit the returns"]
    assert data["decisions"][0]["action"] is None


def test_meeting_refuses_a_stakeholder_of_another_client_and_a_future_date(client, alice, plan):
    client.force_login(alice)
    url = reverse("api-planning:meetings", args=[plan.pk])
    stranger = StakeholderFactory()
    for body in (
        {"date": "2026-03-10", "level": "management", "their_participants": [stranger.pk]},
        {"date": "2099-01-01", "level": "management"},
        {
            "date": "2026-03-10",
            "level": "management",
            "our_participants": [UserFactory(is_active=False).pk],
        },
    ):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, body
    assert not Meeting.objects.exists()


def test_decision_becomes_an_action_once(client, alice, plan):
    ObjectiveFactory(plan=plan)
    decision = MeetingDecisionFactory(meeting=MeetingFactory(plan=plan, date=dt.date(2026, 3, 1)))
    client.force_login(alice)
    url = reverse("api-planning:decision_action", args=[decision.pk])
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["due_date"] == "2026-03-31"
    assert client.post(url, {}, content_type="application/json").status_code == 400
    assert Action.objects.count() == 1


def test_decision_of_a_plan_without_objective_is_a_400(client, alice, plan):
    decision = MeetingDecisionFactory(meeting=MeetingFactory(plan=plan))
    client.force_login(alice)
    response = client.post(
        reverse("api-planning:decision_action", args=[decision.pk]),
        {},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "aucun objectif" in str(response.json())  # in the default language, French


def test_another_kam_gets_404_and_the_sponsor_403(client, bob, sam, plan):
    cadence = CadenceFactory(plan=plan)
    url = reverse("api-planning:cadence", args=[cadence.pk])
    client.force_login(bob)
    assert client.delete(url).status_code == 404
    client.force_login(sam)
    assert client.get(url).status_code == 200
    assert client.delete(url).status_code == 403
    assert Cadence.objects.exists()


def test_meeting_list_query_count_is_flat(client, alice, plan, django_assert_max_num_queries):
    def grow():
        for _ in range(3):
            meeting = MeetingFactory(plan=plan)
            meeting.our_participants.add(alice)
            meeting.their_participants.add(StakeholderFactory(plan=plan))
            MeetingDecisionFactory(meeting=meeting)

    client.force_login(alice)
    url = reverse("api-planning:meetings", args=[plan.pk])
    grow()
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    grow()
    grow()
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(url).json()["results"]) == 9


def test_compliance_lists_the_kams_plans_only(client, alice, bob, plan):
    CadenceFactory(plan=plan)
    CadenceFactory(plan=PlanFactory(client=ClientFactory(kam=bob)))
    client.force_login(alice)
    rows = client.get(reverse("api-planning:compliance")).json()
    assert [row["plan"] for row in rows] == [plan.pk]
    assert [level["level"] for level in rows[0]["levels"]] == [
        "executive",
        "management",
        "operational",
    ]
