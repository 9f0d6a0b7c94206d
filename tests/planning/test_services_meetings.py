"""Cadences, meetings and decisions: who may write them, what is refused, nothing written."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Department, User
from planning.models import Action, Cadence, Meeting, MeetingDecision, Objective
from planning.services import calendar as calendar_services
from planning.services import meetings as services
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

D = dt.date


@pytest.fixture
def plan(alice):
    return PlanFactory(client=ClientFactory(kam=alice))


def cadence_values(**overrides):
    return {
        "kind": Cadence.Kind.PEER_TO_PEER,
        "name": "Logistics ↔ supply chain",
        "level": "operational",
        "every": 2,
        "unit": Cadence.Unit.MONTH,
        "starts_on": D(2026, 2, 1),
        **overrides,
    }


def test_cadence_create_with_who_agreed_and_the_pairs_it_covers(alice, plan):
    them = StakeholderFactory(plan=plan)
    pair = CounterpartPairFactory(plan=plan, stakeholder=them)
    cadence = services.cadence_create(
        user=alice,
        plan=plan,
        pairs=[pair],
        **cadence_values(agreed_on=D(2026, 1, 10), agreed_by_us=alice, agreed_by_them=them),
    )
    assert cadence.agreed_by_them == them
    pair.refresh_from_db()
    assert pair.cadence == cadence
    services.cadence_update(user=alice, cadence=cadence, pairs=[], **cadence_values(every=1))
    pair.refresh_from_db()
    assert pair.cadence is None
    assert Cadence.objects.get().every == 1


@pytest.mark.parametrize("every", [0, -3])
def test_cadence_refuses_a_periodicity_below_one(alice, plan, every):
    with pytest.raises(ValidationError) as error:
        services.cadence_create(user=alice, plan=plan, **cadence_values(every=every))
    assert error.value.message_dict["every"] == [
        "A cadence repeats at least every 1 week or month."
    ]
    assert not Cadence.objects.exists()


def test_cadence_refuses_a_stakeholder_or_pair_of_another_plan(alice, plan):
    elsewhere = StakeholderFactory()
    with pytest.raises(ValidationError) as error:
        services.cadence_create(user=alice, plan=plan, **cadence_values(agreed_by_them=elsewhere))
    assert "not a stakeholder of this plan" in str(error.value)
    with pytest.raises(ValidationError):
        services.cadence_create(
            user=alice, plan=plan, pairs=[CounterpartPairFactory()], **cadence_values()
        )
    assert not Cadence.objects.exists()


def test_cadence_writes_are_refused_to_whoever_may_not_edit_the_plan(plan, bob, sam, carl):
    for user in (bob, sam, carl):
        with pytest.raises(PermissionDenied):
            services.cadence_create(user=user, plan=plan, **cadence_values())
    assert not Cadence.objects.exists()


def test_meeting_log_with_participants_and_decisions(alice, carl, plan):
    cadence = CadenceFactory(plan=plan, level="executive")
    them = StakeholderFactory(plan=plan)
    meeting = services.meeting_log(
        user=alice,
        plan=plan,
        date=D(2026, 3, 10),
        cadence=cadence,
        our_participants=[alice, carl],
        their_participants=[them],
        decisions=["Share the forecast monthly", "  ", "Visit the Lyon plant"],
    )
    assert meeting.level == "executive"  # the cadence's
    assert set(meeting.our_participants.all()) == {alice, carl}
    assert [d.text for d in meeting.decisions.all()] == [
        "Share the forecast monthly",
        "Visit the Lyon plant",
    ]


def test_meeting_log_refuses_bad_participants_and_dates(alice, plan):
    stranger = StakeholderFactory(plan=PlanFactory())
    gone = UserFactory(is_active=False)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    cases = [
        ({"their_participants": [stranger]}, "their_participants", "not a stakeholder"),
        ({"our_participants": [gone]}, "our_participants", "not an active user"),
        ({"date": tomorrow + dt.timedelta(days=1)}, "date", "later than tomorrow"),
        ({"date": D(1999, 12, 31)}, "date", "too far in the past"),
        ({"cadence": CadenceFactory()}, "cadence", "not one of this plan's"),
    ]
    for change, field, message in cases:
        values = {"date": D(2026, 3, 10), "level": "management", **change}
        with pytest.raises(ValidationError) as error:
            services.meeting_log(user=alice, plan=plan, **values)
        assert message in " ".join(error.value.message_dict[field]), change
    assert not Meeting.objects.exists()
    # tomorrow itself is allowed: a day of slack for time zones
    services.meeting_log(user=alice, plan=plan, date=tomorrow, level="management")


def test_meeting_log_is_refused_to_the_sponsor_and_the_contributor(plan, sam, carl):
    for user in (sam, carl):
        with pytest.raises(PermissionDenied):
            services.meeting_log(user=user, plan=plan, date=D(2026, 3, 1), level="executive")


def test_meeting_update_keeps_a_decision_turned_into_an_action(alice, plan):
    ObjectiveFactory(plan=plan)
    meeting = MeetingFactory(plan=plan)
    kept = MeetingDecisionFactory(meeting=meeting, text="Kept")
    MeetingDecisionFactory(meeting=meeting, text="Dropped")
    services.decision_to_action(user=alice, decision=kept)
    services.meeting_update(
        user=alice, meeting=meeting, date=meeting.date, level="executive", decisions=["New"]
    )
    assert sorted(d.text for d in meeting.decisions.all()) == ["Kept", "New"]


def test_decision_to_action_with_sensible_defaults(alice, plan):
    alice.department = Department.SALES
    alice.save()
    ObjectiveFactory(plan=plan, side=Objective.Side.CUSTOMER, position=0)
    ours = ObjectiveFactory(plan=plan, side=Objective.Side.OURS, position=5)
    decision = MeetingDecisionFactory(
        meeting=MeetingFactory(plan=plan, date=D(2026, 3, 10)), text="Send the samples"
    )
    action = services.decision_to_action(user=alice, decision=decision)
    assert (action.title, action.objective, action.owner) == ("Send the samples", ours, alice)
    assert action.department == Department.SALES
    assert action.due_date == D(2026, 4, 9)
    assert action.decision == decision
    with pytest.raises(ValidationError, match="already an action"):
        services.decision_to_action(user=alice, decision=decision)
    assert Action.objects.count() == 1


def test_decision_to_action_under_a_chosen_objective_of_the_plan_only(alice, plan):
    chosen = ObjectiveFactory(plan=plan, side=Objective.Side.CUSTOMER)
    decision = MeetingDecisionFactory(meeting=MeetingFactory(plan=plan))
    with pytest.raises(ValidationError):
        services.decision_to_action(user=alice, decision=decision, objective=ObjectiveFactory())
    action = services.decision_to_action(user=alice, decision=decision, objective=chosen)
    assert action.objective == chosen


def test_decision_to_action_says_when_the_plan_has_no_objective(alice, plan, sam):
    decision = MeetingDecisionFactory(meeting=MeetingFactory(plan=plan))
    with pytest.raises(ValidationError, match="no objective yet"):
        services.decision_to_action(user=alice, decision=decision)
    with pytest.raises(PermissionDenied):
        services.decision_to_action(user=sam, decision=decision)
    assert not Action.objects.exists()
    assert MeetingDecision.objects.count() == 1


def test_calendar_feed_renew_replaces_the_token_and_revoke_removes_it(alice):
    first = calendar_services.calendar_feed_renew(user=alice).token
    second = calendar_services.calendar_feed_renew(user=alice).token
    assert first != second
    calendar_services.calendar_feed_revoke(user=alice)
    assert not User.objects.get(pk=alice.pk).__class__.objects.filter(calendar_feed__isnull=False)
