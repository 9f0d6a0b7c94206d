"""The plan page's Actions section in pages: the first objectives' actions come with the page,
the next ones as the user scrolls (htmx) or follows the link (without JavaScript); a link to an
objective or an action, and a write, show the page where it sits; the plan's figures count every
action, shown or not."""

import datetime as dt
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from planning.models import Action, Objective
from planning.selectors import objectives as selectors
from planning.views import sections
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import ActionFactory, KpiFactory, ObjectiveFactory, PlanFactory

HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _english_and_empty_cache(client):
    client.cookies["django_language"] = "en"
    cache.clear()


@pytest.fixture
def plan(alice, dana):
    return PlanFactory(client=ClientFactory(name="Acme", kam=alice), created_by=dana)


@pytest.fixture
def goals(plan, carl):
    """12 objectives of ours of 10 actions each: pages of 5, 5 and 2 objectives (50 actions a
    page at most), in their order."""
    objectives = [
        ObjectiveFactory(plan=plan, side=Objective.Side.OURS, title=f"Goal {index}", position=index)
        for index in range(12)
    ]
    Action.objects.bulk_create(
        Action(
            objective=objective,
            title=f"Step {objective.position}.{index}",
            owner=carl,
            department="logistics",
            due_date=TODAY + dt.timedelta(days=-100 if index == 0 else 100),
            status=Action.Status.DONE if index % 3 == 1 else Action.Status.PLANNED,
            progress=10 * index,
            position=index,
        )
        for objective in objectives
        for index in range(10)
    )
    return objectives


def _get(client, plan, **params):
    return client.get(reverse("planning:plan_detail", args=[plan.pk]), params)


def _steps(html):
    """The goals whose actions ``html`` shows."""
    return sorted({int(goal) for goal in re.findall(r">Step (\d+)\.\d+<", html)})


def test_the_page_shows_every_objective_and_the_first_objectives_actions(
    client, alice, plan, goals
):
    client.force_login(alice)
    html = _get(client, plan).content.decode()
    assert html.count('data-testid="objective"') == 12  # section 3 whole: #objective-<id> works
    assert _steps(html) == [0, 1, 2, 3, 4]
    assert html.count('data-testid="action"') == 50
    more = re.search(r'<p class="work-more".*?</p>', html, re.S).group(0)
    url = plan.get_absolute_url()
    assert f'hx-get="{url}?page=2"' in more
    assert 'hx-trigger="revealed, click"' in more
    assert f'href="{url}?page=2#actions-{goals[5].pk}"' in more  # without JavaScript
    assert "Actions of the next objectives" in more
    # each objective links to its actions, loaded or not, with how many it has
    assert f'href="{url}?objective={goals[11].pk}#actions-{goals[11].pk}"' in html
    assert "Actions (10)" in html


def test_scrolling_loads_the_next_pages_until_the_last(client, alice, plan, goals):
    client.force_login(alice)
    second = _get(client, plan, page="2", **{}).content.decode()
    assert "<html" in second  # without htmx: the whole page with its first two pages
    assert _steps(second) == list(range(10))
    second = client.get(plan.get_absolute_url(), {"page": "2"}, **HTMX).content.decode()
    assert "<html" not in second
    assert _steps(second) == [5, 6, 7, 8, 9]
    assert f'hx-get="{plan.get_absolute_url()}?page=3"' in second
    third = client.get(plan.get_absolute_url(), {"page": "3"}, **HTMX).content.decode()
    assert _steps(third) == [10, 11]
    assert "work-more" not in third  # the last page


@pytest.mark.parametrize("asked", ["0", "-1", "abc", "", "1e3", "99999999999999999999"])
def test_a_bad_page_number_shows_the_first_page(client, alice, plan, goals, asked):
    client.force_login(alice)
    response = _get(client, plan, page=asked)
    assert response.status_code == 200
    assert _steps(response.content.decode()) == [0, 1, 2, 3, 4]


def test_a_page_past_the_last_shows_every_page(client, alice, plan, goals):
    client.force_login(alice)
    html = _get(client, plan, page="99").content.decode()
    assert _steps(html) == list(range(12))
    assert "work-more" not in html


@pytest.mark.parametrize("asked", ["1", "4", "99", "0", "-2", "abc", "02"])
def test_htmx_asks_for_a_page_the_plan_does_not_have_a_404(client, alice, plan, goals, asked):
    client.force_login(alice)
    response = client.get(plan.get_absolute_url(), {"page": asked}, **HTMX)
    assert response.status_code == 404
    assert _steps(response.content.decode()) == []


def test_a_link_to_an_objective_shows_its_actions_and_those_before(client, alice, plan, goals):
    client.force_login(alice)
    html = _get(client, plan, objective=str(goals[11].pk)).content.decode()
    assert f'id="actions-{goals[11].pk}"' in html
    assert _steps(html) == list(range(12))
    html = _get(client, plan, objective=str(goals[6].pk)).content.decode()
    assert _steps(html) == list(range(10))
    assert f'hx-get="{plan.get_absolute_url()}?page=3"' in html  # and scrolls on from there


def test_the_home_pages_link_to_an_action_shows_it(client, plan, goals):
    action = Action.objects.get(title="Step 11.5")  # planned, not overdue
    owner = UserFactory(role=User.Role.CONTRIBUTOR)
    Action.objects.filter(pk=action.pk).update(owner=owner)
    client.force_login(owner)
    home = client.get(reverse("home")).content.decode()
    link = f"{plan.get_absolute_url()}?objective={goals[11].pk}#action-{action.pk}"
    assert f'href="{link}"' in home
    html = client.get(link.split("#")[0]).content.decode()
    assert f'id="action-{action.pk}"' in html


@pytest.mark.parametrize("asked", ["abc", "0", "other plan"])
def test_an_objective_not_of_the_plan_is_ignored(client, alice, bob, plan, goals, asked):
    theirs = ObjectiveFactory(plan=PlanFactory(client=ClientFactory(kam=bob)), title="Secret")
    ActionFactory(objective=theirs, title="Hidden step")
    client.force_login(alice)
    value = str(theirs.pk) if asked == "other plan" else asked
    html = _get(client, plan, objective=value).content.decode()
    assert _steps(html) == [0, 1, 2, 3, 4]
    assert "Hidden step" not in html
    assert "Secret" not in html


def test_a_write_answers_with_the_page_of_what_it_touched(client, alice, plan, goals):
    """The progress of an action on the third page: the answer keeps it on the page (the pages
    before it too), and the next page load, its first page, comes from the cache."""
    client.force_login(alice)
    _get(client, plan)
    action = Action.objects.get(title="Step 11.2")
    response = client.post(
        reverse("planning:action_progress", args=[action.pk]),
        {"status": "in_progress", "progress": "90", "comment": "Nearly there"},
        **HTMX,
    )
    assert response.status_code == 200, response.content.decode()
    html = response.content.decode()
    assert f'id="action-{action.pk}"' in html
    assert "Nearly there" in html
    assert _steps(html) == list(range(12))
    assert html.count('id="plan-work"') == 1
    with mock.patch.object(sections, "render_to_string", side_effect=AssertionError("rendered")):
        again = _get(client, plan).content.decode()
    assert _steps(again) == [0, 1, 2, 3, 4]


def test_a_deleted_objective_leaves_the_page_at_its_neighbour(client, alice, plan, goals):
    client.force_login(alice)
    response = client.post(reverse("planning:objective_delete", args=[goals[11].pk]), **HTMX)
    assert response.status_code == 200
    assert _steps(response.content.decode()) == list(range(11))


def test_a_forms_cancel_shows_the_objective_it_was_about(client, alice, plan, goals):
    client.force_login(alice)
    action = Action.objects.get(title="Step 10.1")
    form = client.get(reverse("planning:action_edit", args=[action.pk]), **HTMX).content.decode()
    cancel = re.search(r'<a[^>]*data-testid="plan-form-cancel"[^>]*>', form, re.S).group(0)
    assert f"?section=work&amp;objective={goals[10].pk}" in cancel
    html = client.get(
        plan.get_absolute_url(), {"section": "work", "objective": goals[10].pk}, **HTMX
    ).content.decode()
    assert f'id="action-{action.pk}"' in html


def test_the_plans_figures_count_the_actions_of_every_page(client, alice, plan, goals):
    """Progress, overdue actions and the margin KPI warning are the plan's, not the first
    page's: the same as the rule over all actions."""
    KpiFactory(objective=goals[11], is_margin=True)
    client.force_login(alice)
    html = _get(client, plan).content.decode()
    every = list(Action.objects.filter(objective__plan=plan))
    expected = selectors.rollup(every)
    assert f"Plan progress: <strong>{expected} %</strong>" in html
    overdue = sum(1 for action in every if action.is_overdue(TODAY))
    assert overdue == 12  # the first action of each goal
    assert f"Overdue actions: {overdue}" in html
    assert 'data-testid="margin-kpi-missing"' not in html  # the KPI is on the last objective
    last = selectors.rollup(action for action in every if action.objective_id == goals[11].pk)
    article = re.search(rf'id="objective-{goals[11].pk}".*?</article>', html, re.S).group(0)
    assert f"{last} %" in article


def test_a_page_stops_at_fifty_actions_and_a_big_objective_fills_one_alone(plan):
    sizes = [30, 30, 80, 1, 1]
    rows = [
        selectors.ObjectiveRow(
            objective=Objective(pk=index), kpis=[], actions=[], progress=None, overdue=0,
            action_count=size,
        )
        for index, size in enumerate(sizes)
    ]  # fmt: skip
    pages = selectors.work_pages(rows)
    assert [[row.objective.pk for row in rows] for rows in pages] == [[0, 1], [2], [3, 4]]
    many = [
        selectors.ObjectiveRow(
            objective=Objective(pk=index), kpis=[], actions=[], progress=None, overdue=0
        )
        for index in range(23)
    ]
    assert [len(rows) for rows in selectors.work_pages(many)] == [10, 10, 3]
