"""A plan's history page and API: who changed what and when, field by field, filtered by kind of
row and by person, paginated; whoever sees the plan reads it, anyone else gets a 404."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kam import history
from planning.models import Action, Objective
from planning.selectors import history as selectors
from planning.services import objectives as services
from tests.factories import ClientFactory
from tests.planning.factories import (
    ActionFactory,
    KpiFactory,
    ObjectiveFactory,
    PlanFactory,
)


@pytest.fixture
def plan(alice, sam, dana):
    return PlanFactory(client=ClientFactory(kam=alice, sponsor=sam), created_by=dana)


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def edited(plan, alice, dana):
    """An objective renamed by its KAM, and an action of it moved on by the director."""
    objective = ObjectiveFactory(plan=plan, title="Grow margin", side=Objective.Side.OURS)
    action = ActionFactory(
        objective=objective, title="Launch pilot", owner=alice, due_date=dt.date(2026, 6, 1)
    )
    with history.acting(alice):
        services.objective_update(user=alice, objective=objective, title="Grow margin in Poland")
    with history.acting(dana):
        services.action_update(user=dana, action=action, status=Action.Status.DONE)
    return objective, action


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_page_says_who_changed_what_field_by_field(client, alice, plan, edited):
    client.force_login(alice)
    response = client.get(reverse("planning:plan_history", args=[plan.pk]))
    assert response.status_code == 200
    page = text(response)
    assert "Action “Launch pilot” changed" in page
    assert "Status Planned → Done" in page
    assert "Progress % 0 → 100" in page
    assert "Objective “Grow margin in Poland” changed" in page
    assert "Title Grow margin → Grow margin in Poland" in page
    assert f"· {alice} Objective “Grow margin in Poland” changed" in page
    # newest first: the director's change, then the KAM's
    assert page.index("Launch pilot” changed") < page.index("Poland” changed")


def test_the_page_is_french_for_a_french_reader(client, alice, plan, edited):
    client.force_login(alice)
    client.cookies["django_language"] = "fr"
    page = text(client.get(reverse("planning:plan_history", args=[plan.pk])))
    assert "Action « Launch pilot » modifié" in page
    assert "Statut Prévue → Terminé" in page


def test_filters_by_kind_and_by_person(client, alice, dana, plan, edited):
    client.force_login(dana)
    url = reverse("planning:plan_history", args=[plan.pk])
    actions = text(client.get(url, {"kind": "planning.Action"}))
    assert "Launch pilot" in actions
    assert "Poland” changed" not in actions
    by_alice = text(client.get(url, {"person": alice.pk}))
    assert "Poland” changed" in by_alice
    assert "Launch pilot” changed" not in by_alice
    rows = client.get(url, {"person": dana.pk}, HTTP_HX_REQUEST="true")
    assert rows.content.decode().lstrip().startswith('<div id="history-rows"')
    assert "Launch pilot” changed" in text(rows)


def test_a_deleted_objectives_kpis_stay_in_their_plans_history_only(alice, plan):
    other = PlanFactory(client=ClientFactory(kam=alice))
    objective = ObjectiveFactory(plan=plan, title="Gone")
    KpiFactory(objective=objective, name="Margin points", target=Decimal(3))
    ObjectiveFactory(plan=other, title="Elsewhere")
    services.objective_delete(user=alice, objective=objective)
    entries = selectors.plan_history_entries(selectors.plan_history(plan=plan))
    seen = {(entry.kind, entry.action, entry.name) for entry in entries}
    assert ("planning.Kpi", "delete", "Margin points") in seen
    assert ("planning.Kpi", "insert", "Margin points") in seen
    assert ("planning.Objective", "delete", "Gone") in seen
    assert not any(entry.name == "Elsewhere" for entry in entries)
    theirs = selectors.plan_history_entries(selectors.plan_history(plan=other))
    assert not any(entry.name in {"Gone", "Margin points"} for entry in theirs)


def test_the_page_is_paginated_and_its_queries_do_not_grow(
    client, alice, plan, django_assert_max_num_queries
):
    objective = ObjectiveFactory(plan=plan, title="Objective")
    client.force_login(alice)
    url = reverse("planning:plan_history", args=[plan.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(70):
        ActionFactory(objective=objective, title=f"Step {index}", owner=alice)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(many) <= len(few) + 4  # a few more kinds on the page, not one query a row
    page = text(response)
    assert "Page 1 of 2" in page
    assert "Step 69" in page
    assert "Step 0”" not in page
    assert "Step 0”" in text(client.get(url, {"page": 2}))


def test_another_kam_and_an_outsider_get_a_404(client, bob, carl, plan, edited):
    for user in (bob, carl):
        client.force_login(user)
        assert client.get(reverse("planning:plan_history", args=[plan.pk])).status_code == 404
        api = reverse("api-planning:plan_history", args=[plan.pk])
        assert client.get(api).status_code == 404


def test_the_sponsor_reads_it(client, sam, plan, edited):
    client.force_login(sam)
    assert client.get(reverse("planning:plan_history", args=[plan.pk])).status_code == 200


def test_the_api_gives_the_changes_paginated_and_filtered(client, alice, dana, plan, edited):
    client.force_login(dana)
    client.cookies["django_language"] = "en"
    url = reverse("api-planning:plan_history", args=[plan.pk])
    body = client.get(url, {"kind": "planning.Action", "user": dana.pk}).json()
    assert body["count"] == 1
    (event,) = body["results"]
    assert event["kind"] == "planning.Action"
    assert event["object_name"] == "Launch pilot"
    assert event["action"] == "update"
    assert (event["user"], event["user_name"]) == (dana.pk, str(dana))
    assert {"name": "status", "label": "status", "old": "Planned", "new": "Done"} in event[
        "changes"
    ]
    assert event["text"].startswith("Action “Launch pilot”: ")
    everything = client.get(url).json()
    assert everything["count"] >= 5  # the plan, objective and action added, two changes
    assert client.get(url, {"kind": "accounts.User"}).status_code == 400
    assert client.get(url, {"page": 99}).status_code == 404
