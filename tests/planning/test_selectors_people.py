"""Coverage gaps and the counterpart grid, and their query counts."""

import datetime as dt

import pytest
from django.core.cache import cache

from accounts.models import User
from planning.models import Stakeholder
from planning.selectors import people as selectors
from tests.factories import UserFactory
from tests.planning.factories import (
    CadenceFactory,
    CounterpartPairFactory,
    MeetingFactory,
    PlanFactory,
    StakeholderFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 9, 1)
Role, Attitude = Stakeholder.BuyingRole, Stakeholder.Attitude


def codes(plan, today=TODAY):
    return [gap.code for gap in selectors.coverage_gaps(plan, today)]


def covered_plan():
    """A plan with a decision maker, a champion and an executive: no gap."""
    plan = PlanFactory()
    StakeholderFactory(plan=plan, buying_role=Role.DECISION_MAKER, level="executive")
    StakeholderFactory(plan=plan, buying_role=Role.CHAMPION)
    return plan


def test_an_empty_plan_misses_decision_maker_champion_and_executive():
    assert codes(PlanFactory()) == ["no_decision_maker", "no_champion", "no_executive"]


def test_a_covered_plan_has_no_gap():
    assert codes(covered_plan()) == []


def test_a_hostile_influential_person_without_counterpart_is_a_gap():
    plan = covered_plan()
    hostile = StakeholderFactory(plan=plan, attitude=Attitude.HOSTILE, influence=4)
    StakeholderFactory(plan=plan, attitude=Attitude.HOSTILE, influence=3)  # not influential
    gaps = selectors.coverage_gaps(plan, TODAY)
    assert [(gap.code, gap.stakeholder_id) for gap in gaps] == [("hostile_uncovered", hostile.pk)]
    assert str(hostile.contact) in gaps[0].message
    CounterpartPairFactory(plan=plan, stakeholder=hostile)
    assert codes(plan) == []


def test_an_influential_person_without_counterpart_is_a_gap():
    plan = covered_plan()
    person = StakeholderFactory(plan=plan, attitude=Attitude.SUPPORTIVE, influence=5)
    assert codes(plan) == ["influential_uncovered"]
    grid = selectors.counterpart_grid(plan, TODAY)
    assert grid.uncovered == [person]


def test_the_last_contact_is_the_last_meeting_where_both_took_part():
    plan = covered_plan()
    ours, theirs = UserFactory(role=User.Role.CONTRIBUTOR), StakeholderFactory(plan=plan)
    cadence = CadenceFactory(plan=plan, every=3, starts_on=dt.date(2026, 1, 15))
    pair = CounterpartPairFactory(plan=plan, user=ours, stakeholder=theirs, cadence=cadence)
    both = MeetingFactory(plan=plan, date=dt.date(2026, 5, 2))
    both.our_participants.add(ours)
    both.their_participants.add(theirs)
    only_ours = MeetingFactory(plan=plan, date=dt.date(2026, 8, 20))
    only_ours.our_participants.add(ours)
    other_plan = MeetingFactory(date=dt.date(2026, 8, 25))
    other_plan.our_participants.add(ours)
    other_plan.their_participants.add(theirs)
    (row,) = selectors.counterpart_grid(plan, TODAY).rows
    assert (row.pair, row.last_contact, row.next_due) == (pair, dt.date(2026, 5, 2),
                                                         dt.date(2026, 8, 2))  # fmt: skip
    assert row.overdue
    assert codes(plan) == ["pair_overdue"]
    assert not selectors.counterpart_grid(plan, dt.date(2026, 8, 2)).rows[0].overdue


def test_a_pair_never_met_is_overdue_once_its_cadence_ran_a_period():
    plan = covered_plan()
    cadence = CadenceFactory(plan=plan, every=1, starts_on=dt.date(2026, 7, 15))
    CounterpartPairFactory(plan=plan, cadence=cadence)
    assert codes(plan, dt.date(2026, 8, 15)) == []
    assert codes(plan, dt.date(2026, 8, 16)) == ["pair_overdue"]


def test_a_pair_without_cadence_is_never_overdue():
    plan = covered_plan()
    CounterpartPairFactory(plan=plan)
    (row,) = selectors.counterpart_grid(plan, TODAY).rows
    assert (row.last_contact, row.next_due, row.overdue) == (None, None, False)


def test_counterpart_candidates_leave_out_other_kams_and_inactive_users(alice, bob, carl, dana):
    plan = PlanFactory(client__kam=alice)
    UserFactory(username="gone", role=User.Role.CONTRIBUTOR, is_active=False)
    names = {user.username for user in selectors.counterpart_candidates(plan=plan)}
    assert {"alice", "carl", "dana"} <= names
    assert not names & {"bob", "gone"}


def big_plan(people=100, pairs=300, meetings=200):
    """A plan with ``people`` stakeholders in a tree, ``pairs`` pairs and ``meetings`` meetings."""
    plan = PlanFactory()
    users = UserFactory.create_batch(30, role=User.Role.CONTRIBUTOR)
    cadences = CadenceFactory.create_batch(3, plan=plan)
    persons = []
    for index in range(people):
        manager = persons[(index - 1) // 4] if index else None
        persons.append(
            StakeholderFactory(
                plan=plan,
                reports_to=manager,
                attitude=list(Attitude)[index % 5],
                influence=index % 5 + 1,
                level=["executive", "management", "operational"][min(index // 10, 2)],
            )
        )
    made = 0
    for user in users:
        for person in persons[users.index(user) % 10 :: 10]:
            if made < pairs:
                CounterpartPairFactory(
                    plan=plan, user=user, stakeholder=person, cadence=cadences[made % 3]
                )
                made += 1
    for index in range(meetings):
        meeting = MeetingFactory(plan=plan, date=dt.date(2026, 1, 1) + dt.timedelta(days=index))
        meeting.our_participants.add(*users[index % 30 : index % 30 + 3])
        meeting.their_participants.add(*persons[index % 100 : index % 100 + 3])
    return plan


@pytest.mark.parametrize("size", [(2, 3, 2), (100, 300, 200)], ids=["small", "large"])
def test_coverage_gaps_and_grid_read_two_queries_whatever_the_size(size, django_assert_num_queries):
    plan = big_plan(*size)
    with django_assert_num_queries(2):
        selectors.coverage_gaps(plan, TODAY)
    with django_assert_num_queries(2):
        grid = selectors.counterpart_grid(plan, TODAY)
    assert len(grid.rows) == size[1]


def test_coverage_gaps_of_several_plans_read_four_queries_then_come_from_the_cache(
    django_assert_num_queries,
):
    cache.clear()
    plans = [covered_plan(), PlanFactory(), big_plan(20, 30, 10)]
    StakeholderFactory(plan=plans[0], attitude=Attitude.HOSTILE, influence=5)
    # the plans' digests, their people, who met whom last and when, their pairs
    with django_assert_num_queries(4):
        gaps = selectors.coverage_gaps_by_plan(plans, TODAY)
    # read as plain values, the same gaps, words and order as from the people page's models
    assert gaps == {plan.pk: selectors.coverage_gaps(plan, TODAY) for plan in plans}
    assert "pair_overdue" in {gap.code for gap in gaps[plans[2].pk]}
    assert [gap.code for gap in gaps[plans[0].pk]] == ["hostile_uncovered"]
    with django_assert_num_queries(1):  # the digests: the gaps themselves from the cache
        assert selectors.coverage_gaps_by_plan(plans, TODAY) == gaps
    with django_assert_num_queries(1):
        assert selectors.coverage_gaps_by_plan(plans[1:], TODAY) == {
            plan.pk: gaps[plan.pk] for plan in plans[1:]
        }


def _pair_met_late():
    """A covered plan whose one pair last met on 2 May under a cadence of 3 months: overdue on
    TODAY (1 September). Returns the plan, the pair and the meeting."""
    plan = covered_plan()
    ours, theirs = UserFactory(role=User.Role.CONTRIBUTOR), StakeholderFactory(plan=plan)
    cadence = CadenceFactory(plan=plan, every=3, starts_on=dt.date(2026, 1, 15))
    pair = CounterpartPairFactory(plan=plan, user=ours, stakeholder=theirs, cadence=cadence)
    meeting = MeetingFactory(plan=plan, date=dt.date(2026, 5, 2))
    meeting.our_participants.add(ours)
    meeting.their_participants.add(theirs)
    return plan, pair, meeting


def _cached_codes(plan, today=TODAY):
    return [gap.code for gap in selectors.coverage_gaps_by_plan([plan], today)[plan.pk]]


WRITES = {
    "a meeting where the pair met": lambda plan, pair, meeting: _meet(plan, pair),
    "the meeting moved": lambda plan, pair, meeting: (
        type(meeting).objects.filter(pk=meeting.pk).update(date=dt.date(2026, 8, 20))
    ),
    "the cadence stretched": lambda plan, pair, meeting: (
        type(pair.cadence).objects.filter(pk=pair.cadence_id).update(every=6)
    ),
    "the pair deleted": lambda plan, pair, meeting: type(pair).objects.filter(pk=pair.pk).delete(),
    "the pair's cadence removed": lambda plan, pair, meeting: (
        type(pair).objects.filter(pk=pair.pk).update(cadence=None)
    ),
}


def _meet(plan, pair):
    later = MeetingFactory(plan=plan, date=dt.date(2026, 8, 20))
    later.our_participants.add(pair.user)
    later.their_participants.add(pair.stakeholder)


@pytest.mark.parametrize("write", list(WRITES))
def test_cached_coverage_gaps_follow_every_write_to_what_they_read(write):
    cache.clear()
    plan, pair, meeting = _pair_met_late()
    assert _cached_codes(plan) == ["pair_overdue"]
    assert _cached_codes(plan) == ["pair_overdue"]  # from the cache
    WRITES[write](plan, pair, meeting)
    assert _cached_codes(plan) == []


def test_cached_coverage_gaps_follow_participants_stakeholders_and_names():
    cache.clear()
    plan, pair, meeting = _pair_met_late()
    meeting.their_participants.remove(pair.stakeholder)  # so they never met
    (gap,) = selectors.coverage_gaps_by_plan([plan], TODAY)[plan.pk]
    assert "never met" in gap.message
    meeting.their_participants.add(pair.stakeholder)
    (gap,) = selectors.coverage_gaps_by_plan([plan], TODAY)[plan.pk]
    assert "last met" in gap.message
    pair.user.first_name, pair.user.last_name = "Renamed", "Person"
    pair.user.save()
    (gap,) = selectors.coverage_gaps_by_plan([plan], TODAY)[plan.pk]
    assert "Renamed Person" in gap.message
    contact = pair.stakeholder.contact
    contact.first_name = "Zoé"
    contact.save()
    (gap,) = selectors.coverage_gaps_by_plan([plan], TODAY)[plan.pk]
    assert "Zoé" in gap.message
    hostile = StakeholderFactory(plan=plan, attitude=Attitude.SUPPORTIVE, influence=5)
    assert _cached_codes(plan) == ["influential_uncovered", "pair_overdue"]
    Stakeholder.objects.filter(pk=hostile.pk).update(attitude=Attitude.HOSTILE)
    assert _cached_codes(plan) == ["hostile_uncovered", "pair_overdue"]
    assert _cached_codes(plan, dt.date(2026, 8, 1)) == ["hostile_uncovered"]  # another day


def test_the_grid_wants_pairs_with_their_last_contact():
    """A pair read without ``counterpart_list()`` does not know when its people met: it would
    look never met, and overdue."""
    plan = covered_plan()
    CounterpartPairFactory(plan=plan)
    with pytest.raises(TypeError, match="counterpart_list"):
        selectors.coverage_gaps(plan, TODAY, pairs=list(plan.counterparts.all()))


def test_plan_health_counts_a_pair_met_on_time_as_no_gap():
    from planning.selectors import health

    plan = covered_plan()
    ours, theirs = UserFactory(role=User.Role.CONTRIBUTOR), StakeholderFactory(plan=plan)
    cadence = CadenceFactory(plan=plan, every=3, starts_on=dt.date(2026, 1, 15))
    CounterpartPairFactory(plan=plan, user=ours, stakeholder=theirs, cadence=cadence)
    meeting = MeetingFactory(plan=plan, date=dt.date(2026, 8, 1))
    meeting.our_participants.add(ours)
    meeting.their_participants.add(theirs)
    (found,) = health.plan_health_list([plan], today=TODAY)
    assert found.gaps == []
