"""The sections' API from the outside: vision, SWOT, objectives, KPIs, actions, offers and
offerings, per role, with the refusals of bad input (nothing written)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from planning.models import Action, Kpi, Objective, Offer, SwotItem
from tests.factories import ClientFactory, ClientYearMetricFactory
from tests.planning.factories import (
    ActionFactory,
    KpiFactory,
    ObjectiveFactory,
    OfferingFactory,
    PlanFactory,
    if_match,
)


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def plan(alice, sam, dana):
    return PlanFactory(client=ClientFactory(kam=alice, sponsor=sam), created_by=dana)


def url(name, **kwargs):
    return reverse(f"api-planning:{name}", kwargs=kwargs)


def test_kam_patches_the_vision_and_the_sponsor_may_not(api, alice, sam, plan):
    api.force_login(alice)
    response = api.patch(
        url("plan", plan_id=plan.pk), {"shared_vision": "Film"}, "application/json",
        headers=if_match(api, url("plan", plan_id=plan.pk)),
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["shared_vision"] == "Film"
    api.force_login(sam)
    response = api.patch(url("plan", plan_id=plan.pk), {"shared_vision": "No"}, "application/json")
    assert response.status_code == 403


def test_swot_create_move_and_list(api, alice, plan):
    api.force_login(alice)
    for text in ("One", "Two"):
        body = {"quadrant": "strength", "text": text}
        assert (
            api.post(url("swot_items", plan_id=plan.pk), body, "application/json").status_code
            == 201
        )
    two = SwotItem.objects.get(text="Two")
    response = api.post(
        url("swot_item_move", swot_id=two.pk), {"direction": "up"}, "application/json"
    )
    assert response.json()["position"] == 0
    listed = api.get(url("swot_items", plan_id=plan.pk)).json()
    assert [item["text"] for item in listed] == ["Two", "One"]


def test_objective_with_a_margin_kpi_and_an_action(api, alice, carl, plan):
    ClientYearMetricFactory(client=plan.client, year=2025, gross_margin=Decimal("5000"))
    api.force_login(alice)
    body = {"side": "ours", "title": "Grow margin"}
    objective = api.post(url("objectives", plan_id=plan.pk), body, "application/json").json()
    kpi = {"name": "Gross margin", "measure": "gross_margin", "target": "8000", "current": "1"}
    created = api.post(url("kpis", objective_id=objective["id"]), kpi, "application/json").json()
    assert created["current"] == "5000.0000"
    assert created["ledger_year"] == 2025
    assert created["measures_margin"] is True
    action = {
        "title": "Audit",
        "owner": carl.pk,
        "department": "logistics",
        "due_date": "2026-03-01",
    }
    response = api.post(url("actions", objective_id=objective["id"]), action, "application/json")
    assert response.status_code == 201
    listed = api.get(url("objectives", plan_id=plan.pk)).json()
    assert listed[0]["progress"] == 0
    assert listed[0]["actions"][0]["owner"] == carl.pk


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        ("kpis", {"name": "M", "target": "lots"}, "target"),
        ("kpis", {"name": "M", "target": "1", "due_date": "2025-01-01"}, "due_date"),
        (
            "actions",
            {"title": "A", "owner": "BOB", "department": "sales", "due_date": "2026-03-01"},
            "owner",
        ),
        (
            "actions",
            {"title": "A", "owner": "CARL", "department": "sales", "due_date": "2025-03-01"},
            "due_date",
        ),
        (
            "actions",
            {
                "title": "A",
                "owner": "CARL",
                "department": "sales",
                "due_date": "2026-03-01",
                "progress": 101,
            },
            "progress",
        ),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(
    api, alice, bob, carl, plan, route, body, field
):
    objective = ObjectiveFactory(plan=plan)
    people = {"BOB": bob.pk, "CARL": carl.pk}
    body = {key: people.get(value, value) for key, value in body.items()}
    api.force_login(alice)
    response = api.post(url(route, objective_id=objective.pk), body, "application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Kpi.objects.exists()
    assert not Action.objects.exists()


def test_contributor_updates_their_action_only_through_progress(api, carl, plan):
    objective = ObjectiveFactory(plan=plan)
    mine, other = ActionFactory(objective=objective, owner=carl), ActionFactory(objective=objective)
    api.force_login(carl)
    body = {"status": "in_progress", "progress": 60, "comment": "Going"}
    response = api.patch(
        url("action_progress", action_id=mine.pk), body, "application/json",
        headers=if_match(api, url("action", action_id=mine.pk)),
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["progress"] == 60
    assert (
        api.patch(url("action_progress", action_id=other.pk), body, "application/json").status_code
        == 403
    )
    assert (
        api.patch(url("action", action_id=mine.pk), {"title": "X"}, "application/json").status_code
        == 403
    )
    assert api.get(url("objectives", plan_id=plan.pk)).status_code == 200
    other.refresh_from_db()
    assert other.progress == 0


def test_kam_writing_to_another_kams_plan_gets_a_404(api, bob, plan):
    objective = ObjectiveFactory(plan=plan)
    api.force_login(bob)
    body = {"side": "ours", "title": "Mine now"}
    assert api.post(url("objectives", plan_id=plan.pk), body, "application/json").status_code == 404
    assert api.delete(url("objective", objective_id=objective.pk)).status_code == 404
    assert Objective.objects.count() == 1


def test_value_based_offer_needs_drivers(api, alice, plan):
    offering = OfferingFactory()
    api.force_login(alice)
    body = {
        "offering": offering.pk,
        "business_unit": "Lyon",
        "status": "potential",
        "pricing": "value_based",
    }
    response = api.post(url("offers", plan_id=plan.pk), body, "application/json")
    assert response.status_code == 400
    assert "value_drivers" in response.json()
    assert not Offer.objects.exists()
    body["value_drivers"] = "Less scrap on the line"
    assert api.post(url("offers", plan_id=plan.pk), body, "application/json").status_code == 201


def test_offerings_are_read_by_all_and_kept_by_directors(api, alice, dana):
    api.force_login(alice)
    assert api.get(url("offerings")).status_code == 200
    assert api.post(url("offerings"), {"name": "Films"}, "application/json").status_code == 403
    api.force_login(dana)
    created = api.post(url("offerings"), {"name": "Films"}, "application/json")
    assert created.status_code == 201
    response = api.patch(
        url("offering", offering_id=created.json()["id"]), {"active": False}, "application/json"
    )
    assert response.json()["active"] is False


def test_objectives_list_query_count_is_flat(api, alice, plan, django_assert_max_num_queries):
    def grow(count):
        for _ in range(count):
            objective = ObjectiveFactory(plan=plan)
            KpiFactory(objective=objective, measure=Kpi.Measure.REVENUE)
            ActionFactory.create_batch(3, objective=objective, due_date=dt.date(2026, 2, 1))

    api.force_login(alice)
    grow(1)
    with django_assert_max_num_queries(50) as few:
        api.get(url("objectives", plan_id=plan.pk))
    grow(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(url("objectives", plan_id=plan.pk)).json()) == 21
