"""The compliance arithmetic of cadences, with a fixed ``today``."""

import datetime as dt

import pytest

from planning.models import Cadence
from planning.selectors import cadences as selectors
from tests.planning.factories import CadenceFactory, MeetingFactory, PlanFactory

D = dt.date


def cadence():
    return Cadence(every=3, unit=Cadence.Unit.MONTH, starts_on=D(2026, 1, 15))


def test_due_chain_counts_only_due_dates_of_the_last_twelve_months():
    # due 15 Jan (met 10 Jan), then 10 Apr (met 1 Apr), then 1 Jul (missed), 1 Oct (missed)
    chain = selectors.due_chain(
        cadence(), [D(2026, 1, 10), D(2026, 4, 1)], since=D(2025, 12, 4), today=D(2026, 12, 4)
    )
    assert (chain.due, chain.on_time) == (4, 2)
    assert chain.share == 0.5


def test_due_chain_restarts_from_a_late_meeting():
    # due 15 Jan, held late 1 Feb: missed, then due 1 May (met 20 Apr), due 20 Jul (met)
    held = [D(2026, 2, 1), D(2026, 4, 20), D(2026, 7, 20)]
    chain = selectors.due_chain(cadence(), held, since=D(2025, 12, 4), today=D(2026, 9, 1))
    assert (chain.due, chain.on_time) == (3, 2)


def test_due_chain_leaves_out_a_date_due_today_and_those_before_the_window():
    chain = selectors.due_chain(cadence(), [], since=D(2026, 2, 1), today=D(2026, 7, 15))
    # 15 Jan is before the window; 15 Apr missed; 15 Jul is today: not late yet
    assert (chain.due, chain.on_time) == (1, 0)
    assert (
        selectors.due_chain(cadence(), [], since=D(2025, 1, 1), today=D(2026, 1, 1)).share is None
    )


def test_due_chain_of_weekly_cadence():
    weekly = Cadence(every=2, unit=Cadence.Unit.WEEK, starts_on=D(2026, 3, 2))
    held = [D(2026, 3, 2), D(2026, 3, 16)]  # met, met; then due 30 Mar missed
    chain = selectors.due_chain(weekly, held, since=D(2025, 4, 1), today=D(2026, 4, 1))
    assert (chain.due, chain.on_time) == (3, 2)


@pytest.mark.django_db
def test_cadence_status_next_due_overdue_and_share():
    plan = PlanFactory()
    kept = CadenceFactory(plan=plan, name="Kept", starts_on=D(2026, 1, 15))
    MeetingFactory(plan=plan, cadence=kept, date=D(2026, 1, 10))
    MeetingFactory(plan=plan, cadence=kept, date=D(2026, 4, 1))
    MeetingFactory(plan=plan, cadence=kept, date=D(2026, 6, 20))
    CadenceFactory(plan=plan, name="Never", starts_on=D(2026, 8, 1), level="operational")
    MeetingFactory(plan=plan, cadence=None, date=D(2026, 5, 1), level="operational")
    today = D(2026, 9, 1)
    statuses = {s.cadence.name: s for s in selectors.cadence_status([plan], today)[plan.pk]}
    assert statuses["Kept"].next_due == D(2026, 9, 20)
    assert statuses["Kept"].overdue is False
    assert statuses["Kept"].on_time_share == 1.0
    assert statuses["Kept"].last_held == D(2026, 6, 20)
    assert statuses["Never"].next_due == D(2026, 8, 1)
    assert statuses["Never"].overdue is True
    assert statuses["Never"].on_time_share == 0.0
    assert selectors.overdue_meeting_count([plan], today) == {plan.pk: 1}
    levels = {row.level: row for row in selectors.compliance_by_level([plan], today)[plan.pk]}
    assert (levels["executive"].agreed, levels["executive"].held) == (3, 3)
    assert (levels["operational"].agreed, levels["operational"].held) == (1, 1)
    assert (levels["management"].agreed, levels["management"].held) == (0, 0)
    twin = CadenceFactory(plan=plan, name="Never again", starts_on=D(2026, 8, 1))  # as "Never"
    MeetingFactory(plan=plan, cadence=twin, date=D(2026, 9, 2))  # after today: not held yet
    assert selectors.overdue_meeting_count([plan], today) == {plan.pk: 2}
    standing = selectors.cadence_status([plan], today)  # from the statuses: the same count
    assert selectors.overdue_meeting_count([plan], today, statuses=standing) == {plan.pk: 2}


@pytest.mark.django_db
def test_a_meeting_held_today_moves_the_next_due_date():
    plan = PlanFactory()
    review = CadenceFactory(plan=plan, starts_on=D(2026, 6, 1))
    today = D(2026, 9, 1)
    assert selectors.cadence_status([plan], today)[plan.pk][0].overdue
    MeetingFactory(plan=plan, cadence=review, date=today)
    (status,) = selectors.cadence_status([plan], today)[plan.pk]
    assert status.next_due == D(2026, 12, 1)
    assert not status.overdue


@pytest.mark.django_db
def test_upcoming_meetings_soonest_first_with_the_overdue():
    plan = PlanFactory()
    CadenceFactory(plan=plan, name="Late", starts_on=D(2026, 8, 1))
    CadenceFactory(plan=plan, name="Soon", starts_on=D(2026, 9, 10))
    CadenceFactory(plan=plan, name="Later", starts_on=D(2026, 12, 1))
    due = selectors.upcoming_meetings([plan], D(2026, 9, 1), days=30)
    assert [(m.cadence.name, m.due_on, m.overdue) for m in due] == [
        ("Late", D(2026, 8, 1), True),
        ("Soon", D(2026, 9, 10), False),
    ]


@pytest.mark.django_db
def test_due_dates_ahead_of_an_overdue_cadence_restart_from_today():
    plan = PlanFactory()
    CadenceFactory(plan=plan, starts_on=D(2026, 8, 1))
    today = D(2026, 9, 1)
    (status,) = selectors.cadence_status([plan], today)[plan.pk]
    dates = selectors.due_dates(status, today=today, until=D(2027, 3, 31))
    assert dates == [D(2026, 8, 1), D(2026, 12, 1), D(2027, 3, 1)]


@pytest.mark.django_db
def test_compliance_queries_do_not_grow_with_plans_and_meetings(django_assert_max_num_queries):
    def make(count):
        plans = []
        for _ in range(count):
            plan = PlanFactory()
            for level in ("executive", "management"):
                kept = CadenceFactory(plan=plan, level=level)
                for month in (2, 5, 8):
                    MeetingFactory(plan=plan, cadence=kept, date=D(2026, month, 1), level=level)
            plans.append(plan)
        return plans

    plans = make(6)
    today = D(2026, 9, 1)
    with django_assert_max_num_queries(2):
        selectors.cadence_status(plans, today)
    with django_assert_max_num_queries(3):
        selectors.cadence_status(plans, today, with_pairs=True)
    with django_assert_max_num_queries(3):
        selectors.compliance_by_level(plans, today)
    with django_assert_max_num_queries(3):
        rows = selectors.plan_compliance(plans, today)
    assert all(row.cadences == 2 and row.due == 6 for row in rows)


def test_year_before_of_29_february():
    assert selectors.year_before(D(2028, 2, 29)) == D(2027, 2, 28)
