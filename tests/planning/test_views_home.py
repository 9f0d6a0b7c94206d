"""The home page: each role finds what it has to do, and only what it may see."""

import datetime as dt

import pytest
from django.urls import reverse

from planning.models import Action
from planning.selectors import health, home, objectives
from tests.factories import ClientFactory
from tests.planning.factories import (
    ActionFactory,
    CadenceFactory,
    KpiFactory,
    ObjectiveFactory,
    PlanFactory,
    StakeholderFactory,
    make_key_account,
)

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def plans(alice, bob, sam, carl, dana):
    mine = PlanFactory(client=ClientFactory(name="Mine", kam=alice, sponsor=sam))
    theirs = PlanFactory(client=ClientFactory(name="Theirs", kam=bob))
    late = ActionFactory(
        objective=ObjectiveFactory(plan=mine),
        owner=carl,
        title="Late logistics action",
        due_date=dt.date(2026, 3, 1),
    )
    ActionFactory(objective=ObjectiveFactory(plan=theirs), title="Bob's late action",
                  due_date=dt.date(2026, 3, 1))  # fmt: skip
    CadenceFactory(plan=mine, name="Quarterly review", starts_on=dt.date(2026, 1, 15))
    return mine, theirs, late


def test_health_counts_overdue_work_and_says_what_to_do_next(plans):
    mine, _, _ = plans
    item = health.plan_health(mine, today=TODAY)
    assert item.overdue_actions == 1
    assert item.overdue_meetings == 1  # due 15 January, never held
    assert not item.has_margin_kpi
    assert not item.sections["swot"]
    assert item.todo[0] == "Bring 1 overdue action up to date."
    assert any("margin or profit KPI" in line for line in item.todo)
    assert len(item.todo) <= health.TODO_LIMIT
    assert item.level == "poor"


def test_health_improves_as_the_plan_fills(plans):
    mine, _, late = plans
    before = health.plan_health(mine, today=TODAY).score
    KpiFactory(objective=late.objective, measure="gross_margin")
    Action.objects.filter(pk=late.pk).update(status="done", progress=100)
    after = health.plan_health(mine, today=TODAY)
    assert after.has_margin_kpi
    assert after.overdue_actions == 0
    assert after.score > before


def test_health_from_the_plan_pages_read_is_the_health_read_apart(plans):
    """The plan page's health takes the progress, overdue actions, margin KPI and filled
    sections from its objectives' read when they were not cached: the same health."""
    mine, _, late = plans
    for _ in range(2):  # as it stands, then filled some more
        page = objectives.plan_page(plan=mine, today=TODAY)
        assert health.plan_health(mine, today=TODAY, page=page) == health.plan_health(
            mine, today=TODAY
        )
        KpiFactory(objective=late.objective, measure="gross_margin")
        ActionFactory(objective=late.objective, status="dropped", progress=50)
        Action.objects.filter(pk=late.pk).update(status="done", progress=100)


def test_kam_home_lists_their_key_accounts_and_overdue_work_only(client, alice, plans):
    client.force_login(alice)
    page = client.get(reverse("home")).content.decode()
    assert "Mine" in page
    assert "Late logistics action" in page
    assert "Quarterly review" in page
    assert "Theirs" not in page
    assert "Bob&#x27;s late action" not in page


def test_contributor_home_lists_their_actions_and_no_other_plan(client, carl, plans):
    client.force_login(carl)
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert 'data-testid="home-my-actions"' in page
    assert "Late logistics action" in page
    assert "Theirs" not in page


def test_sponsor_home_shows_the_sponsored_plan_only(client, sam, plans):
    client.force_login(sam)
    page = client.get(reverse("home")).content.decode()
    assert "Mine" in page
    assert "Theirs" not in page


def test_director_home_shows_every_plan_and_key_accounts_without_one(client, dana, plans):
    unplanned = ClientFactory(name="Waiting Co")
    make_key_account(unplanned, year=2026, by=dana)
    client.force_login(dana)
    page = client.get(reverse("home")).content.decode()
    assert "Mine" in page
    assert "Theirs" in page
    assert 'data-testid="home-unplanned"' in page
    assert "Waiting Co" in page


def test_home_query_count_does_not_grow_with_plans(client, dana, django_assert_max_num_queries):
    def add_plan(number: int) -> None:
        plan = PlanFactory(client=ClientFactory(name=f"Company {number}"))
        objective = ObjectiveFactory(plan=plan)
        ActionFactory.create_batch(3, objective=objective, due_date=dt.date(2026, 1, 5))
        StakeholderFactory.create_batch(3, plan=plan)
        CadenceFactory(plan=plan)

    add_plan(0)
    client.force_login(dana)
    with django_assert_max_num_queries(60) as first:
        client.get(reverse("home"))
    for number in range(1, 8):
        add_plan(number)
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(reverse("home"))


def test_home_selector_keeps_to_the_plans_the_user_sees(plans, bob):
    seen = home.home_for(user=bob, today=TODAY)
    assert [item.plan.client.name for item in seen.healths] == ["Theirs"]
    assert [action.title for action in seen.overdue_actions] == ["Bob's late action"]


def test_plan_page_shows_its_health_and_what_to_do_next(client, alice, plans):
    mine, _, _ = plans
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("planning:plan_detail", args=[mine.pk])).content.decode()
    assert 'data-testid="plan-health"' in page
    assert "Bring 1 overdue action up to date." in page
    assert "Add a margin or profit KPI" in page


def test_plan_page_health_is_in_french_for_french_users(client, alice, plans):
    mine, _, _ = plans
    client.force_login(alice)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("planning:plan_detail", args=[mine.pk])).content.decode()
    assert "Santé du plan" in page
    assert "Mettez à jour 1 action en retard." in page
