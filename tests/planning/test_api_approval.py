"""The approval by API: submit, return with comments, approve, versions and their diff; the
refusals (no margin KPI, no comment, a frozen plan, a frozen version) with their reasons."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from planning.models import Plan, PlanVersion
from tests.factories import ClientFactory
from tests.planning.factories import KpiFactory, ObjectiveFactory, PlanFactory


@pytest.fixture
def plan(alice, dana):
    plan = PlanFactory(client=ClientFactory(name="Acme", kam=alice), created_by=dana)
    objective = ObjectiveFactory(plan=plan, title="Grow the margin")
    KpiFactory(objective=objective, name="Gross margin", is_margin=True)
    return plan


def api(user):
    http = APIClient()
    http.cookies["django_language"] = "en"
    http.force_authenticate(user)
    return http


def url(name, **kwargs):
    return reverse(f"api-planning:{name}", kwargs=kwargs)


def etag(http, objective):
    """The objective's version, which a change sends back in If-Match."""
    return http.get(url("objective", objective_id=objective.pk))["ETag"]


def test_the_whole_round_by_api(plan, alice, dana):
    kam, director = api(alice), api(dana)
    objective = plan.objectives.get()

    response = kam.post(url("plan_submit", plan_id=plan.pk))
    assert response.status_code == 201, response.content
    assert response.json()["decision"] == "pending"

    frozen = kam.patch(
        url("objective", objective_id=objective.pk), {"title": "x"}, format="json",
        HTTP_IF_MATCH=etag(kam, objective),
    )  # fmt: skip
    assert frozen.status_code == 400
    assert "submitted for review and cannot change" in str(frozen.json())

    response = director.post(
        url("plan_return", plan_id=plan.pk),
        {
            "comments": [
                {"text": "Which margin target?", "item_kind": "objective", "item_id": objective.pk},
                {"text": "Say more.", "section": "vision"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["decision"] == "returned"
    assert [(c["section"], c["item_label"]) for c in body["comments"]] == [
        ("objectives", "Grow the margin"),
        ("vision", ""),
    ]

    comment_id = body["comments"][0]["id"]
    response = kam.post(
        url("review_comment_resolve", comment_id=comment_id), {"resolved": True}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["resolved_at"] is not None

    kam.patch(
        url("objective", objective_id=objective.pk), {"title": "Margin +2"}, format="json",
        HTTP_IF_MATCH=etag(kam, objective),
    )  # fmt: skip
    assert kam.post(url("plan_submit", plan_id=plan.pk)).status_code == 201
    response = director.post(url("plan_approve", plan_id=plan.pk))
    assert response.status_code == 201, response.content
    assert response.json()["number"] == 1

    versions = kam.get(url("plan_versions", plan_id=plan.pk)).json()
    assert [(v["number"], v["approved_by"]) for v in versions] == [(1, dana.pk)]
    detail = kam.get(url("plan_version", plan_id=plan.pk, number=1)).json()
    assert detail["snapshot"]["objectives"][0]["title"] == "Margin +2"

    kam.patch(
        url("objective", objective_id=objective.pk), {"title": "Margin +3"}, format="json",
        HTTP_IF_MATCH=etag(kam, objective),
    )  # fmt: skip
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT
    diff = kam.get(url("plan_diff", plan_id=plan.pk), {"old": "1", "new": "draft"}).json()
    assert diff[0]["key"] == "objectives"
    assert diff[0]["changes"][0]["fields"] == [
        {"label": "Title", "old": "Margin +2", "new": "Margin +3"}
    ]

    submissions = kam.get(url("plan_submissions", plan_id=plan.pk)).json()
    assert [s["decision"] for s in submissions] == ["approved", "returned"]


def test_submitting_without_a_margin_kpi_is_a_400_saying_why(plan, alice):
    plan.objectives.get().kpis.update(is_margin=False)
    response = api(alice).post(url("plan_submit", plan_id=plan.pk))
    assert response.status_code == 400
    assert "margin or profit KPI" in str(response.json())


def test_returning_without_a_comment_is_a_400(plan, alice, dana):
    api(alice).post(url("plan_submit", plan_id=plan.pk))
    response = api(dana).post(url("plan_return", plan_id=plan.pk), {"comments": []}, format="json")
    assert response.status_code == 400
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUBMITTED


def test_a_director_approving_their_own_plan_is_a_403(dana):
    plan = PlanFactory(client=ClientFactory(kam=dana), created_by=dana)
    KpiFactory(objective=ObjectiveFactory(plan=plan), is_margin=True)
    assert api(dana).post(url("plan_submit", plan_id=plan.pk)).status_code == 201
    response = api(dana).post(url("plan_approve", plan_id=plan.pk))
    assert response.status_code == 403
    assert "never a plan of their own" in response.json()["detail"]
    assert not PlanVersion.objects.exists()


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_changing_a_version_is_a_400_saying_why(plan, alice, dana, method):
    api(alice).post(url("plan_submit", plan_id=plan.pk))
    api(dana).post(url("plan_approve", plan_id=plan.pk))
    response = getattr(api(dana), method)(
        url("plan_version", plan_id=plan.pk, number=1), {"snapshot": {}}, format="json"
    )
    assert response.status_code == 400
    assert "approved and is frozen" in str(response.json())
    assert PlanVersion.objects.get().snapshot["objectives"][0]["title"] == "Grow the margin"


def test_a_bad_version_reference_is_a_400_and_an_unknown_one_a_404(plan, alice):
    assert api(alice).get(url("plan_diff", plan_id=plan.pk), {"old": "one"}).status_code == 400
    assert api(alice).get(url("plan_diff", plan_id=plan.pk), {"old": "7"}).status_code == 404


def test_another_kams_plan_is_a_404(plan, bob):
    assert api(bob).get(url("plan_versions", plan_id=plan.pk)).status_code == 404
    assert api(bob).post(url("plan_submit", plan_id=plan.pk)).status_code == 404
