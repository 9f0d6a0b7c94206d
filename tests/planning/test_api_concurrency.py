"""Optimistic concurrency by API: an item's GET gives its version as ``ETag``; a change or a
delete names it in ``If-Match``: without it 428, with a stale one 412 saying what the item is
now and who changed it, nothing written; with the fresh one 200 and the next ETag."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from planning.models import (
    Action,
    Cadence,
    CounterpartPair,
    Kpi,
    Meeting,
    Objective,
    Offer,
    Plan,
    Stakeholder,
    SwotItem,
)
from tests.factories import ClientFactory
from tests.planning.factories import (
    ActionFactory,
    CadenceFactory,
    CounterpartPairFactory,
    KpiFactory,
    MeetingFactory,
    ObjectiveFactory,
    OfferFactory,
    PlanFactory,
    StakeholderFactory,
    SwotItemFactory,
)


@pytest.fixture
def plan(alice, dana):
    return PlanFactory(client=ClientFactory(kam=alice), created_by=dana)


@pytest.fixture
def objective(plan):
    return ObjectiveFactory(plan=plan, title="Grow margin", side=Objective.Side.OURS)


def clients(django_client_class, *users):
    """One HTTP client per user, each with their own session, reading English."""
    made = []
    for user in users:
        http = django_client_class()
        http.force_login(user)
        http.cookies["django_language"] = "en"
        made.append(http)
    return made


@pytest.fixture
def two(alice, dana):
    from django.test import Client

    return clients(Client, alice, dana)


def test_two_clients_edit_the_same_objective(two, dana, objective):
    kam, director = two
    url = reverse("api-planning:objective", args=[objective.pk])
    kam_read, director_read = kam.get(url)["ETag"], director.get(url)["ETag"]
    assert kam_read == director_read
    assert kam_read.startswith('"')
    assert kam_read.endswith('"')

    first = director.patch(
        url, {"title": "Grow margin by 2 points"}, "application/json",
        headers={"If-Match": director_read},
    )  # fmt: skip
    assert first.status_code == 200
    assert first["ETag"] != director_read
    assert first["ETag"] == director.get(url)["ETag"]  # the ETag of what was written

    stale = kam.patch(
        url, {"description": "In Poland"}, "application/json", headers={"If-Match": kam_read}
    )
    assert stale.status_code == 412
    body = stale.json()
    assert "Someone else changed this" in body["detail"]
    assert body["current"]["title"] == "Grow margin by 2 points"
    assert body["changed"] == ["title"]
    assert body["changed_by"] == [str(dana)]
    assert body["etag"] == stale["ETag"] == first["ETag"]
    objective.refresh_from_db()
    assert (objective.title, objective.description) == ("Grow margin by 2 points", "")

    retried = kam.patch(
        url, {"description": "In Poland"}, "application/json", headers={"If-Match": body["etag"]}
    )
    assert retried.status_code == 200
    objective.refresh_from_db()
    assert (objective.title, objective.description) == ("Grow margin by 2 points", "In Poland")


def test_a_write_without_if_match_is_428_and_translated(two, objective):
    kam, _director = two
    url = reverse("api-planning:objective", args=[objective.pk])
    for headers in ({}, {"If-Match": "*"}):
        response = kam.patch(url, {"title": "X"}, "application/json", headers=headers)
        assert response.status_code == 428
        assert "If-Match" in response.json()["detail"]
    assert kam.delete(url).status_code == 428
    kam.cookies["django_language"] = "fr"
    response = kam.patch(url, {"title": "X"}, "application/json")
    assert response.json()["detail"].startswith("Envoyez la version")
    assert Objective.objects.get().title == "Grow margin"


def test_a_refused_role_gets_403_before_any_precondition(client, sam, plan, objective):
    plan.client.sponsor = sam
    plan.client.save()
    client.force_login(sam)
    url = reverse("api-planning:objective", args=[objective.pk])
    assert client.patch(url, {"title": "X"}, "application/json").status_code == 403


def test_a_kpis_etag_survives_its_decimals(two, objective):
    kam, _director = two
    kpi = KpiFactory(objective=objective, target=Decimal("12.5"), baseline=Decimal(10))
    url = reverse("api-planning:kpi", args=[kpi.pk])
    written = kam.patch(
        url, {"target": "13.50"}, "application/json", headers={"If-Match": kam.get(url)["ETag"]}
    )
    assert written.status_code == 200
    assert written["ETag"] == kam.get(url)["ETag"]


def test_the_vision_uses_the_plans_etag(two, plan):
    kam, director = two
    url = reverse("api-planning:plan", args=[plan.pk])
    read = kam.get(url)["ETag"]
    director.patch(
        url, {"shared_vision": "Theirs"}, "application/json",
        headers={"If-Match": director.get(url)["ETag"]},
    )  # fmt: skip
    stale = kam.patch(
        url, {"shared_vision": "Mine"}, "application/json", headers={"If-Match": read}
    )
    assert stale.status_code == 412
    assert stale.json()["current"]["shared_vision"] == "Theirs"
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.SUBMITTED)  # not a vision text
    fresh = stale["ETag"]
    assert kam.get(url)["ETag"] == fresh


def _items(plan, objective):
    stakeholder = StakeholderFactory(plan=plan)
    return {
        "swot_item": (SwotItemFactory(plan=plan), {"text": "Changed"}),
        "objective": (objective, {"title": "Changed"}),
        "kpi": (KpiFactory(objective=objective), {"name": "Changed"}),
        "action": (ActionFactory(objective=objective), {"title": "Changed"}),
        "offer": (OfferFactory(plan=plan), {"business_unit": "Changed"}),
        "stakeholder": (stakeholder, {"note": "Changed"}),
        "counterpart": (
            CounterpartPairFactory(plan=plan, stakeholder=stakeholder),
            {"level": "executive"},
        ),
        "cadence": (CadenceFactory(plan=plan), {"name": "Changed"}),
        "meeting": (MeetingFactory(plan=plan), {"title": "Changed"}),
    }


MODELS = {
    "swot_item": SwotItem, "objective": Objective, "kpi": Kpi, "action": Action, "offer": Offer,
    "stakeholder": Stakeholder, "counterpart": CounterpartPair, "cadence": Cadence,
    "meeting": Meeting,
}  # fmt: skip


@pytest.mark.parametrize("name", list(MODELS))
def test_every_plan_item_deletes_only_the_version_read(two, plan, objective, name):
    kam, _director = two
    row, change = _items(plan, objective)[name]
    url = reverse(f"api-planning:{name}", args=[row.pk])
    read = kam.get(url)
    assert read.status_code == 200
    assert kam.delete(url).status_code == 428
    MODELS[name].objects.filter(pk=row.pk).update(**change)  # someone else's change
    stale = kam.delete(url, headers={"If-Match": read["ETag"]})
    assert stale.status_code == 412
    assert stale.json()["changed"] == list(change)
    assert MODELS[name].objects.filter(pk=row.pk).exists()
    assert kam.delete(url, headers={"If-Match": stale["ETag"]}).status_code == 204
    assert not MODELS[name].objects.filter(pk=row.pk).exists()


def test_a_stale_progress_update_by_the_actions_owner_is_refused(client, carl, objective):
    action = ActionFactory(objective=objective, owner=carl, due_date=dt.date(2026, 5, 1))
    client.force_login(carl)
    read = client.get(reverse("api-planning:action", args=[action.pk]))["ETag"]
    Action.objects.filter(pk=action.pk).update(comment="Theirs")
    url = reverse("api-planning:action_progress", args=[action.pk])
    body = {"progress": 50}
    stale = client.patch(url, body, "application/json", headers={"If-Match": read})
    assert stale.status_code == 412
    assert stale.json()["current"]["comment"] == "Theirs"
    fresh = client.patch(url, body, "application/json", headers={"If-Match": stale["ETag"]})
    assert fresh.status_code == 200
    action.refresh_from_db()
    assert (action.progress, action.comment) == (50, "Theirs")


# --- investment projects: the version covers the project, its years and its objectives ----------


@pytest.fixture
def project(plan):
    from tests.planning.factories import make_project

    return make_project(plan)  # the plan's programme is 2026's


def test_two_clients_edit_the_same_project(two, alice, dana, project):
    kam, director = two
    url = reverse("api-planning:project", args=[project.pk])
    kam_read, director_read = kam.get(url)["ETag"], director.get(url)["ETag"]
    assert kam_read == director_read

    lines = [{"year": 2026, "budget": "15000", "margin_impact": "4000"}]
    first = director.patch(
        url, {"years": lines}, "application/json", headers={"If-Match": director_read}
    )
    assert first.status_code == 200, first.json()
    assert first["ETag"] not in (director_read, "")
    assert first["ETag"] == director.get(url)["ETag"]

    stale = kam.patch(url, {"title": "Mine"}, "application/json", headers={"If-Match": kam_read})
    assert stale.status_code == 412
    body = stale.json()
    assert "Someone else changed this" in body["detail"]
    assert body["changed"] == ["years"]  # only the years changed, not the project's fields
    assert body["changed_by"] == [str(dana)]
    assert body["current"]["title"] == "Recyclable film"
    assert [line["budget"] for line in body["current"]["years"]] == ["15000.00"]
    assert body["etag"] == stale["ETag"] == first["ETag"]
    project.refresh_from_db()
    assert project.title == "Recyclable film"

    retried = kam.patch(
        url, {"title": "Mine"}, "application/json", headers={"If-Match": body["etag"]}
    )
    assert retried.status_code == 200
    project.refresh_from_db()
    assert project.title == "Mine"
    assert list(project.years.values_list("budget", flat=True)) == [Decimal("15000")]


def test_a_project_write_without_if_match_is_428(two, project):
    kam, _director = two
    url = reverse("api-planning:project", args=[project.pk])
    for headers in ({}, {"If-Match": "*"}):
        response = kam.patch(url, {"title": "X"}, "application/json", headers=headers)
        assert response.status_code == 428
    project.refresh_from_db()
    assert project.title == "Recyclable film"


def test_spending_names_the_version_it_read(two, project):
    from planning.models import InvestmentProject

    kam, director = two
    InvestmentProject.objects.filter(pk=project.pk).update(status="approved")
    url = reverse("api-planning:project_spent", args=[project.pk])
    read = kam.get(reverse("api-planning:project", args=[project.pk]))["ETag"]
    body = {"spent": [{"year": 2026, "spent": "2500"}]}
    assert kam.put(url, body, "application/json").status_code == 428
    theirs = director.put(
        url, {"spent": [{"year": 2026, "spent": "1000"}]}, "application/json",
        headers={"If-Match": read},
    )  # fmt: skip
    assert theirs.status_code == 200
    stale = kam.put(url, body, "application/json", headers={"If-Match": read})
    assert stale.status_code == 412
    assert stale.json()["current"]["years"][0]["spent"] == "1000.00"
    assert project.years.get(year=2026).spent == Decimal("1000")
