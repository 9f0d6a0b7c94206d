"""Reads of a plan's sections: progress roll-up, margin KPI, sections filled, actions by owner,
overdue counts, ledger KPIs, who may own an action; each in a flat number of queries."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import User
from planning.models import Action, Kpi, Plan, SwotItem
from planning.selectors import objectives as selectors
from tests.factories import ClientFactory, ClientYearMetricFactory, UserFactory
from tests.planning.factories import (
    ActionFactory,
    KpiFactory,
    ObjectiveFactory,
    OfferFactory,
    PlanFactory,
    SwotItemFactory,
)

TODAY = dt.date(2026, 5, 1)


@pytest.fixture
def plan(alice, sam, dana):
    return PlanFactory(client=ClientFactory(kam=alice, sponsor=sam), created_by=dana)


def test_progress_is_the_mean_of_actions_not_dropped_done_counting_100(plan):
    first, second = ObjectiveFactory(plan=plan), ObjectiveFactory(plan=plan)
    ActionFactory(objective=first, progress=20)
    ActionFactory(objective=first, progress=30, status=Action.Status.DONE)  # counts 100
    ActionFactory(objective=first, progress=90, status=Action.Status.DROPPED)  # not counted
    ActionFactory(objective=second, progress=45)
    assert selectors.rollup(first.actions.all()) == 60
    assert selectors.plan_progress(plan) == 55  # (20 + 100 + 45) / 3, half up
    page = selectors.plan_page(plan=plan, today=TODAY)
    assert [row.progress for row in page.objectives["ours"]] == [60, 45]
    assert page.progress == 55


def test_plan_without_actions_has_no_progress(plan):
    assert selectors.plan_progress(plan) is None


def test_has_margin_kpi_counts_ledger_margin_and_flagged_kpis(plan):
    objective = ObjectiveFactory(plan=plan)
    KpiFactory(objective=objective, measure=Kpi.Measure.REVENUE)
    assert not selectors.has_margin_kpi(plan)
    KpiFactory(objective=objective, measure=Kpi.Measure.MARGIN_PCT)
    assert selectors.has_margin_kpi(plan)


def test_sections_filled(plan, django_assert_num_queries):
    empty = PlanFactory(
        client=ClientFactory(), customer_business="", customer_strategy="", shared_vision=""
    )
    for quadrant in SwotItem.Quadrant.values:
        SwotItemFactory(plan=plan, quadrant=quadrant)
    KpiFactory(objective=ObjectiveFactory(plan=plan))
    ActionFactory(objective=ObjectiveFactory(plan=plan))
    OfferFactory(plan=plan)
    with django_assert_num_queries(1):
        filled = selectors.plans_sections_filled(Plan.objects.all())
    assert filled[plan.pk] == dict.fromkeys(selectors.SECTIONS, True)
    assert selectors.sections_filled(empty) == dict.fromkeys(selectors.SECTIONS, False)


def test_action_list_for_owner_is_theirs_open_by_due_date_in_plans_they_see(plan, carl):
    objective = ObjectiveFactory(plan=plan)
    late = ActionFactory(objective=objective, owner=carl, due_date=dt.date(2026, 4, 1))
    soon = ActionFactory(objective=objective, owner=carl, due_date=dt.date(2026, 5, 20))
    ActionFactory(objective=objective, owner=carl, status=Action.Status.DONE)
    ActionFactory(objective=objective)  # someone else's
    actions = list(selectors.action_list_for_owner(carl, TODAY))
    assert actions == [late, soon]
    assert [a.is_overdue(TODAY) for a in actions] == [True, False]
    assert actions[0].objective.plan.client == plan.client


def test_overdue_action_count_per_plan_in_one_query(plan, django_assert_num_queries):
    other = PlanFactory(client=ClientFactory())
    objective = ObjectiveFactory(plan=plan)
    ActionFactory(objective=objective, due_date=dt.date(2026, 4, 1))
    ActionFactory(objective=objective, due_date=dt.date(2026, 4, 1), status=Action.Status.DONE)
    ActionFactory(objective=objective, due_date=dt.date(2026, 6, 1))
    plans = [plan, other]
    with django_assert_num_queries(1):
        counts = selectors.overdue_action_count(plans, TODAY)
    assert counts == {plan.pk: 1, other.pk: 0}


def test_kpi_current_reads_the_plan_year_or_the_latest_before(plan):
    kpi = KpiFactory(objective=ObjectiveFactory(plan=plan), measure=Kpi.Measure.REVENUE)
    assert selectors.kpi_current(kpi, selectors.ledger_metric(plan)) == (None, True, None)
    ClientYearMetricFactory(client=plan.client, year=2024, revenue=Decimal(100))
    ClientYearMetricFactory(client=plan.client, year=2025, revenue=Decimal(250))
    ClientYearMetricFactory(client=plan.client, year=2027, revenue=Decimal(999))
    assert selectors.kpi_current(kpi, selectors.ledger_metric(plan)) == (Decimal(250), True, 2025)
    ClientYearMetricFactory(client=plan.client, year=2026, revenue=Decimal(300))
    reading = selectors.kpi_current(kpi, selectors.ledger_metric(plan))
    assert (reading.value, reading.year) == (Decimal(300), 2026)
    manual = KpiFactory(objective=kpi.objective, current=Decimal(7))
    assert selectors.kpi_current(manual, None) == (Decimal(7), False, None)


def test_action_owners_are_who_may_take_part(plan, alice, bob, sam, dana, carl):
    UserFactory(role=User.Role.CONTRIBUTOR, is_active=False)
    other_sponsor = UserFactory(role=User.Role.SPONSOR)
    owners = set(selectors.action_owner_choices(plan=plan))
    assert {alice, sam, dana, carl} <= owners
    assert bob not in owners
    assert other_sponsor not in owners
    assert all(user.is_active for user in owners)
