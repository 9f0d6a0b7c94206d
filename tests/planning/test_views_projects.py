"""The pages of investment projects and the steering committee: the plan's tab and its proposal
form (htmx, bad input shown in place, nothing written), who may do what, a session's board with
the budget gauge moving on an approval, the multi-year view, and the sponsor's home block."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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
def web(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def programme(dana):
    programme = ProgrammeFactory(year=2026, budget=Decimal("300000"), updated_by=dana)
    ShortlistDecision.objects.create(
        programme=programme, client_ids=[], client_names=[], cost=Decimal("240000"),
        budget=programme.budget, kam_needed=0, kam_headcount=4, decided_by=dana,
    )  # fmt: skip
    return programme


@pytest.fixture
def plan(alice, sam, programme):
    return PlanFactory(
        client=ClientFactory(name="Acme", kam=alice, sponsor=sam), programme=programme
    )


def form(**extra):
    return {
        "kind": "research",
        "title": "Barrier coating",
        "owner": extra.pop("owner"),
        "budget_2026": "12 000",
        "margin_2026": "1000",
        "budget_2027": "",
        "margin_2027": "",
        "budget_2028": "8000",
        "margin_2028": "30000",
        **extra,
    }


def test_the_tab_lists_the_plans_projects(web, alice, plan):
    make_project(plan, title="Barrier coating")
    web.force_login(alice)
    response = web.get(reverse("planning:plan_projects", args=[plan.pk]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Barrier coating" in text
    assert 'data-testid="project-form"' in text


def test_the_kam_proposes_with_htmx(web, alice, plan):
    objective = ObjectiveFactory(plan=plan)
    web.force_login(alice)
    response = web.post(
        reverse("planning:project_add", args=[plan.pk]),
        form(owner=alice.pk, objectives=[objective.pk]),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "is proposed to the steering committee" in response.content.decode()
    project = InvestmentProject.objects.get()
    assert list(project.years.values_list("year", "budget")) == [
        (2026, Decimal("12000.00")),
        (2028, Decimal("8000.00")),
    ]
    assert list(project.objectives.all()) == [objective]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"budget_2026": "-5"}, "The budget of 2026 cannot be negative."),
        ({"budget_2026": "douze"}, "Enter a number."),
        ({"budget_2026": "", "margin_2026": "", "budget_2028": "", "margin_2028": ""}, "one year"),
        ({"budget_2027": "", "margin_2027": "5"}, "Give the budget of 2027 too."),
    ],
)
def test_bad_input_comes_back_in_place_and_nothing_is_written(web, alice, plan, change, message):
    web.force_login(alice)
    response = web.post(
        reverse("planning:project_add", args=[plan.pk]),
        {**form(owner=alice.pk), **change},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200  # htmx swaps the form back in place
    assert message in response.content.decode()
    assert not InvestmentProject.objects.exists()


def test_the_error_reads_in_french(client, alice, plan):
    client.cookies["django_language"] = "fr"
    client.force_login(alice)
    response = client.post(
        reverse("planning:project_add", args=[plan.pk]),
        {**form(owner=alice.pk), "budget_2026": "-5"},
    )
    assert response.status_code == 400
    assert "ne peut pas être négatif" in response.content.decode()


def test_the_sponsor_gets_a_403_and_another_kam_a_404(web, sam, bob, plan):
    web.force_login(sam)
    response = web.post(reverse("planning:project_add", args=[plan.pk]), form(owner=sam.pk))
    assert response.status_code == 403
    web.force_login(bob)
    response = web.post(reverse("planning:project_add", args=[plan.pk]), form(owner=bob.pk))
    assert response.status_code == 404
    project = make_project(plan)
    assert web.get(reverse("planning:project_detail", args=[project.pk])).status_code == 404
    assert InvestmentProject.objects.count() == 1


def test_a_decided_project_offers_spending_not_changes(web, alice, plan):
    project = make_project(plan, status=InvestmentProject.Status.APPROVED)
    web.force_login(alice)
    text = web.get(reverse("planning:project_detail", args=[project.pk])).content.decode()
    assert 'data-testid="spent-form"' in text
    assert 'data-testid="project-edit-form"' not in text
    response = web.post(
        reverse("planning:project_spent", args=[project.pk]),
        {"spent_2026": "3000", "spent_2027": "0"},
    )
    assert response.status_code == 302
    assert project.years.get(year=2026).spent == Decimal("3000")


def test_the_board_moves_the_gauge_when_a_project_is_approved(web, dana, plan):
    project = make_project(plan, years=((2026, "30000", "5000"), (2027, "10000", "40000")))
    session = SteeringSessionFactory(created_by=dana)
    web.force_login(dana)
    before = web.get(reverse("planning:steering_detail", args=[session.pk])).content.decode()
    assert "Committed €240,000.00 of €300,000.00" in before
    response = web.post(
        reverse("planning:steering_decide", args=[session.pk, project.pk]),
        {"outcome": "approve", "reason": "Strong case", "budget_exception": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    after = response.content.decode()
    assert "Committed €270,000.00 of €300,000.00" in after
    assert "approved. Its KAM is told by email." in after
    assert SteeringDecision.objects.get().reason == "Strong case"


def test_an_approval_over_budget_without_exception_is_refused_in_place(web, dana, plan):
    project = make_project(plan, years=((2026, "90000", "0"),))
    session = SteeringSessionFactory(created_by=dana)
    web.force_login(dana)
    response = web.post(
        reverse("planning:steering_decide", args=[session.pk, project.pk]),
        {"outcome": "approve", "reason": "Big", "budget_exception": ""},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200  # htmx swaps the board back with the error
    text = response.content.decode()
    assert "takes 2026 by €30,000.00 over budget" in text
    assert "Big</textarea>" in text  # what was typed is kept
    assert not SteeringDecision.objects.exists()


def test_only_directors_decide_by_page(web, alice, plan, dana):
    project = make_project(plan)
    session = SteeringSessionFactory(created_by=dana)
    web.force_login(alice)
    response = web.post(
        reverse("planning:steering_decide", args=[session.pk, project.pk]),
        {"outcome": "approve", "reason": "Mine"},
    )
    assert response.status_code == 403
    text = web.get(reverse("planning:steering_detail", args=[session.pk])).content.decode()
    assert 'data-testid="decide-form"' not in text
    assert "Recyclable film" in text  # the KAM sees their own account's proposals


def test_the_board_shows_only_the_projects_a_kam_sees(web, bob, plan, dana, programme):
    make_project(plan, title="Alice's project")
    theirs = PlanFactory(client=ClientFactory(kam=bob), programme=programme)
    make_project(theirs, title="Bob's project")
    session = SteeringSessionFactory(created_by=dana)
    web.force_login(bob)
    text = web.get(reverse("planning:steering_detail", args=[session.pk])).content.decode()
    assert "Bob&#x27;s project" in text
    assert "Alice" not in text


def test_the_board_query_count_is_flat(web, dana, plan, programme):
    session = SteeringSessionFactory(created_by=dana)
    web.force_login(dana)
    make_project(plan, title="One")
    url = reverse("planning:steering_detail", args=[session.pk])
    web.get(url)
    with CaptureQueriesContext(connection) as one:
        web.get(url)
    for index in range(4):
        other = PlanFactory(client=ClientFactory(), programme=programme)
        make_project(other, title=f"More {index}")
    with CaptureQueriesContext(connection) as five:
        web.get(url)
    assert len(five) == len(one)


def test_the_multi_year_view_shows_approved_against_spent(web, alice, plan):
    project = make_project(plan, status=InvestmentProject.Status.APPROVED, title="Line")
    project.years.filter(year=2026).update(spent=Decimal("2500"))
    make_project(plan, title="Waiting one")
    web.force_login(alice)
    text = web.get(reverse("planning:investment_years")).content.decode()
    assert "Line" in text
    assert "Waiting one" not in text
    assert "€2,500.00" in text


def test_the_sponsor_home_shows_the_next_steering_decisions(web, sam, dana, plan):
    make_project(plan, title="Barrier coating")
    today = timezone.localdate()
    SteeringSessionFactory(created_by=dana, date=today - dt.timedelta(days=3))
    SteeringSessionFactory(created_by=dana, date=today + dt.timedelta(days=10))
    web.force_login(sam)
    text = web.get(reverse("home")).content.decode()
    block = text.split('data-testid="home-steering"')[1].split("</section>")[0]
    assert "Barrier coating" in block
    assert "Acme" in block
    assert (today + dt.timedelta(days=10)).strftime("%Y") in block


def test_a_stopped_project_refuses_spending_by_page(web, alice, plan):
    project = make_project(plan, status=InvestmentProject.Status.STOPPED)
    web.force_login(alice)
    text = web.get(reverse("planning:project_detail", args=[project.pk])).content.decode()
    assert 'data-testid="spent-form"' not in text
    response = web.post(
        reverse("planning:project_spent", args=[project.pk]),
        {"spent_2026": "3000", "spent_2027": "0"},
    )
    assert response.status_code == 400
    assert "stopped this project" in response.content.decode()
    assert project.years.get(year=2026).spent == 0


def test_a_submitted_plans_projects_are_refused_in_place(web, alice, plan):
    from planning.models import Plan

    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.SUBMITTED)
    web.force_login(alice)
    response = web.post(
        reverse("planning:project_add", args=[plan.pk]),
        form(owner=alice.pk),
        HTTP_HX_REQUEST="true",
    )
    assert "submitted for review" in response.content.decode()
    assert not InvestmentProject.objects.exists()


def test_directors_see_the_sessions_with_their_year_and_decisions(web, dana, alice, plan):
    from planning.models import SteeringSession

    web.force_login(dana)
    refused = web.post(
        reverse("planning:steering_add"), {"date": "2026-09-01", "year": "2031", "agenda": "x"}
    )
    assert refused.status_code == 400
    assert "There is no programme for 2031" in refused.content.decode()
    assert not SteeringSession.objects.exists()
    response = web.post(
        reverse("planning:steering_add"), {"date": "2026-09-01", "year": "2026", "agenda": "x"}
    )
    session = SteeringSession.objects.get()
    assert response["Location"] == session.get_absolute_url()
    project = make_project(plan)
    web.post(
        reverse("planning:steering_decide", args=[session.pk, project.pk]),
        {"outcome": "reject", "reason": "Not now"},
    )
    listing = web.get(reverse("planning:steering_list")).content.decode()
    assert "Programme 2026 · 1 decision ·" in listing
    detail = web.get(session.get_absolute_url()).content.decode()
    assert 'data-testid="session-year">Programme 2026<' in detail
    assert "Not now" in detail  # the decision, with its reason
