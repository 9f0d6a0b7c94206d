"""Investment projects and the steering committee by API, from the outside: proposing with bad
input (400, nothing written), who may propose and decide (403 with the reason, 404 for another
KAM), the budget rule with its exception, the board with scores and payback, the multi-year
view, and the schema."""

from decimal import Decimal

import pytest
from django.urls import reverse

from planning.models import InvestmentProject, SteeringDecision
from scoring.models import ShortlistDecision
from tests.factories import ClientFactory
from tests.planning.factories import (
    ObjectiveFactory,
    PlanFactory,
    SteeringSessionFactory,
    make_project,
)
from tests.scoring.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def programme(dana):
    return ProgrammeFactory(year=2026, budget=Decimal("300000"), updated_by=dana)


@pytest.fixture
def plan(alice, sam, programme):
    return PlanFactory(
        client=ClientFactory(name="Acme", kam=alice, sponsor=sam), programme=programme
    )


def url(name, **kwargs):
    return reverse(f"api-planning:{name}", kwargs=kwargs)


def body(owner, **extra):
    return {
        "kind": "co_innovation",
        "title": "Recyclable film",
        "owner": owner.pk,
        "years": [
            {"year": 2026, "budget": "10000", "margin_impact": "2000"},
            {"year": 2027, "budget": "20000", "margin_impact": "40000"},
        ],
        **extra,
    }


def test_the_kam_proposes_and_reads_the_figures(api, alice, plan):
    objective = ObjectiveFactory(plan=plan)
    api.force_login(alice)
    response = api.post(
        url("projects", plan_id=plan.pk), body(alice, objectives=[objective.pk]), "application/json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "proposed"
    assert data["budget"] == "30000.00"
    assert data["margin_impact"] == "42000.00"
    assert data["ratio"] == "1.40"
    assert data["payback_year"] == 2027
    assert data["objectives"] == [objective.pk]
    listed = api.get(url("projects", plan_id=plan.pk)).json()
    assert [row["id"] for row in listed] == [data["id"]]


@pytest.mark.parametrize(
    ("years", "field", "message"),
    [
        ([{"year": 2026, "budget": "-1"}], "years", "The budget of 2026 cannot be negative."),
        ([{"year": 2026, "budget": "ten"}], "years", "A valid number is required."),
        (
            [{"year": 2030, "budget": "1"}],
            "years",
            "2030 is outside the programme's horizon: a project of the 2026 programme runs from "
            "2026 to 2028.",
        ),
    ],
)
def test_bad_years_are_a_400_and_nothing_is_written(api, alice, plan, years, field, message):
    api.force_login(alice)
    response = api.post(
        url("projects", plan_id=plan.pk), body(alice, years=years), "application/json"
    )
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not InvestmentProject.objects.exists()


def test_objectives_of_another_plan_are_a_400(api, alice, plan, programme):
    theirs = ObjectiveFactory(
        plan=PlanFactory(programme=programme, client=ClientFactory(kam=alice))
    )
    api.force_login(alice)
    response = api.post(
        url("projects", plan_id=plan.pk), body(alice, objectives=[theirs.pk]), "application/json"
    )
    assert response.status_code == 400
    assert "belong to another plan" in response.json()["objectives"][0]
    assert not InvestmentProject.objects.exists()


def test_a_sponsor_gets_a_403_and_another_kam_a_404(api, sam, bob, plan):
    api.force_login(sam)
    response = api.post(url("projects", plan_id=plan.pk), body(sam), "application/json")
    assert response.status_code == 403
    assert "propose or change its investment projects" in response.json()["detail"]
    api.force_login(bob)
    assert (
        api.post(url("projects", plan_id=plan.pk), body(bob), "application/json").status_code == 404
    )
    project = make_project(plan)
    assert api.get(url("project", project_id=project.pk)).status_code == 404
    assert not InvestmentProject.objects.exclude(pk=project.pk).exists()


def test_the_board_and_the_budget_rule(api, alice, dana, plan, programme):
    ShortlistDecision.objects.create(
        programme=programme, client_ids=[], client_names=[], cost=Decimal("290000"),
        budget=programme.budget, kam_needed=0, kam_headcount=4, decided_by=dana,
    )  # fmt: skip
    project = make_project(plan, years=((2026, "15000", "0"),))
    session = SteeringSessionFactory(created_by=dana)
    api.force_login(alice)
    refused = api.post(
        url("steering_decisions", session_id=session.pk),
        {"project": project.pk, "outcome": "approve", "reason": "Go"},
        "application/json",
    )
    assert refused.status_code == 403
    api.force_login(dana)
    board = api.get(url("steering_session", session_id=session.pk)).json()
    assert [row["project"]["id"] for row in board["rows"]] == [project.pk]
    assert board["rows"][0]["choices"] == ["approve", "reject", "defer"]
    assert board["budget"][0]["committed"] == "290000.00"
    over = api.post(
        url("steering_decisions", session_id=session.pk),
        {"project": project.pk, "outcome": "approve", "reason": "Go"},
        "application/json",
    )
    assert over.status_code == 400
    assert over.json()["budget_exception"] == [
        "Approving this project takes 2026 by €5,000.00 over budget: record the exception that "
        "allows it."
    ]
    assert not SteeringDecision.objects.exists()
    done = api.post(
        url("steering_decisions", session_id=session.pk),
        {"project": project.pk, "outcome": "approve", "reason": "Go", "budget_exception": "CEO"},
        "application/json",
    )
    assert done.status_code == 201
    board = api.get(url("steering_session", session_id=session.pk)).json()
    assert board["budget"][0]["committed"] == "305000.00"
    assert board["budget"][0]["over_budget"] is True
    assert board["rows"][0]["decision"]["outcome"] == "approve"
    assert board["rows"][0]["choices"] == ["stop"]
    decisions = api.get(url("steering_decisions", session_id=session.pk)).json()
    assert [d["budget_exception"] for d in decisions] == ["CEO"]


def test_a_missing_reason_is_a_400(api, dana, plan):
    project = make_project(plan)
    session = SteeringSessionFactory(created_by=dana)
    api.force_login(dana)
    response = api.post(
        url("steering_decisions", session_id=session.pk),
        {"project": project.pk, "outcome": "reject", "reason": ""},
        "application/json",
    )
    assert response.status_code == 400
    project.refresh_from_db()
    assert project.status == InvestmentProject.Status.PROPOSED


def test_spending_and_the_multi_year_view(api, alice, dana, plan):
    project = make_project(plan, status=InvestmentProject.Status.APPROVED)
    api.force_login(alice)
    etag = api.get(url("project", project_id=project.pk))["ETag"]
    response = api.put(
        url("project_spent", project_id=project.pk),
        {"spent": [{"year": 2026, "spent": "2500"}]},
        "application/json",
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.json()
    view = api.get(url("investments")).json()
    assert view["years"] == [2026, 2027]
    (account,) = view["accounts"]
    assert account["client_name"] == "Acme"
    assert account["budget"] == "30000.00"
    assert account["spent"] == "2500.00"


def test_sessions_are_planned_by_directors(api, alice, dana, sam):
    api.force_login(alice)
    payload = {"date": "2026-09-01", "agenda": "Budget", "members": [dana.pk, sam.pk]}
    assert api.post(url("steering_sessions"), payload, "application/json").status_code == 403
    api.force_login(dana)
    response = api.post(url("steering_sessions"), payload, "application/json")
    assert response.status_code == 201
    assert response.json()["members"] == sorted([dana.pk, sam.pk])
    listed = api.get(url("steering_sessions")).json()
    assert listed["count"] == 1
    held = api.post(url("steering_hold", session_id=response.json()["id"]))
    assert held.json()["status"] == "held"


def test_the_schema_documents_the_projects(api, dana):
    api.force_login(dana)
    schema = api.get(reverse("api_schema"), {"format": "json"}).json()
    paths = schema["paths"]
    assert "/api/planning/plans/{plan_id}/projects/" in paths
    assert "/api/planning/steering/{session_id}/decisions/" in paths
    assert "ProjectKindEnum" in schema["components"]["schemas"]


def test_a_session_by_api_takes_an_existing_programme_year(api, dana, programme):
    api.force_login(dana)
    bad = api.post(
        url("steering_sessions"), {"date": "2026-09-01", "year": 2031}, "application/json"
    )
    assert bad.status_code == 400
    assert "year" in bad.json()
    good = api.post(
        url("steering_sessions"), {"date": "2026-09-01", "year": 2026}, "application/json"
    )
    assert good.status_code == 201
    assert good.json()["year"] == 2026
    assert api.get(url("steering_sessions")).json()["results"][0]["year"] == 2026
