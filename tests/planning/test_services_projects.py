"""Investment projects and the steering committee, written: who may propose and decide, the
horizon, bad amounts, objectives of another plan, the budget rule and its exception, the states
a decision moves a project through, spending, and the email of a decision (sent once)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from accounts.models import User
from kam import history
from planning.models import InvestmentProject, ProjectYear, SteeringDecision, SteeringSession
from planning.selectors import history as history_selectors
from planning.services import projects as services
from scoring.models import Programme, ShortlistDecision
from tests.factories import ClientFactory
from tests.planning.factories import (
    ObjectiveFactory,
    PlanFactory,
    SteeringSessionFactory,
)
from tests.scoring.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(dana):
    return ProgrammeFactory(year=2026, budget=Decimal("300000"), updated_by=dana)


@pytest.fixture
def plan(alice, sam, programme):
    return PlanFactory(
        client=ClientFactory(name="Acme", kam=alice, sponsor=sam), programme=programme
    )


@pytest.fixture
def session(dana):
    return SteeringSessionFactory(created_by=dana)


def years(*lines):
    return [{"year": y, "budget": b, "margin_impact": m} for y, b, m in lines]


def propose(user, plan, **values):
    fields = {
        "kind": InvestmentProject.Kind.CO_INNOVATION,
        "title": "Recyclable film",
        "owner": user,
        "years": years((2026, "10000", "2000"), (2027, "20000", "30000")),
        **values,
    }
    return services.project_propose(user=user, plan=plan, **fields)


def shortlist_cost(programme, cost, director):
    ShortlistDecision.objects.create(
        programme=programme,
        client_ids=[],
        client_names=[],
        cost=Decimal(cost),
        budget=programme.budget,
        kam_needed=0,
        kam_headcount=programme.kam_headcount,
        decided_by=director,
        budget_exception="" if Decimal(cost) <= programme.budget else "Over",
    )


# --- proposing ------------------------------------------------------------------------------------


def test_the_kam_proposes_a_project_with_its_years_and_objectives(alice, plan):
    objective = ObjectiveFactory(plan=plan)
    project = propose(alice, plan, objectives=[objective], description="  Co-develop.  ")
    assert project.status == InvestmentProject.Status.PROPOSED
    assert project.description == "Co-develop."
    assert list(project.objectives.all()) == [objective]
    assert list(project.years.values_list("year", "budget", "margin_impact")) == [
        (2026, Decimal("10000.00"), Decimal("2000.00")),
        (2027, Decimal("20000.00"), Decimal("30000.00")),
    ]


def test_a_director_may_propose_too(dana, plan):
    assert propose(dana, plan).proposed_by == dana


@pytest.mark.parametrize("who", ["sam", "bob", "carl"])
def test_a_sponsor_another_kam_or_a_contributor_may_not_propose(who, plan, request):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        propose(user, plan)
    assert not InvestmentProject.objects.exists()


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (((2026, "-5", "0"),), "The budget of 2026 cannot be negative."),
        (((2026, "abc", "0"),), "The budget of 2026 is not a number."),
        (((2026, "10", "lots"),), "The expected margin impact of 2026 is not a number."),
        (((2029, "10", "0"),), "2029 is outside the programme's horizon"),
        (((2025, "10", "0"),), "2025 is outside the programme's horizon"),
        (((2026, "10", "0"), (2026, "5", "0")), "2026 is given twice."),
        ((), "Give the project's budget for at least one year."),
    ],
)
def test_bad_years_are_refused_and_nothing_is_written(alice, plan, lines, message):
    with pytest.raises(ValidationError) as error:
        propose(alice, plan, years=years(*lines))
    assert any(message in text for text in error.value.message_dict["years"])
    assert not InvestmentProject.objects.exists()
    assert not ProjectYear.objects.exists()


def test_the_horizon_follows_the_programme(alice, plan, programme):
    Programme.objects.filter(pk=programme.pk).update(horizon_years=5)
    plan.programme.refresh_from_db()
    assert propose(alice, plan, years=years((2030, "10", "0"))).years.get().year == 2030


def test_the_horizon_error_reads_in_french(alice, plan):
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        propose(alice, plan, years=years((2031, "10", "0")))
    french = error.value.message_dict["years"][0]
    assert french.startswith("2031 est hors de l’horizon du programme")  # noqa: RUF001


def test_objectives_of_another_plan_are_refused(alice, plan, programme):
    theirs = ObjectiveFactory(plan=PlanFactory(programme=programme), title="Other goal")
    with pytest.raises(ValidationError) as error:
        propose(alice, plan, objectives=[ObjectiveFactory(plan=plan), theirs])
    assert "“Other goal” belong to another plan" in error.value.message_dict["objectives"][0]
    assert not InvestmentProject.objects.exists()


def test_a_waiting_project_changes_and_its_years_are_replaced(alice, plan):
    project = propose(alice, plan)
    services.project_update(
        user=alice, project=project, title="Film v2", years=years((2028, "7", "9"))
    )
    project.refresh_from_db()
    assert project.title == "Film v2"
    assert list(project.years.values_list("year", flat=True)) == [2028]


def test_a_decided_project_no_longer_changes(alice, dana, plan, session):
    project = propose(alice, plan)
    services.project_decide(
        user=dana, session=session, project=project, outcome="reject", reason="No."
    )
    with pytest.raises(ValidationError, match="no longer changes"):
        services.project_update(user=alice, project=project, title="Again")
    assert InvestmentProject.objects.get().title == "Recyclable film"


# --- deciding -------------------------------------------------------------------------------------


def test_only_directors_decide(alice, sam, plan, session):
    project = propose(alice, plan)
    for user in (alice, sam):
        with pytest.raises(PermissionDenied):
            services.project_decide(
                user=user, session=session, project=project, outcome="approve", reason="Yes"
            )
    assert not SteeringDecision.objects.exists()


def test_a_decision_needs_a_reason(alice, dana, plan, session):
    project = propose(alice, plan)
    with pytest.raises(ValidationError) as error:
        services.project_decide(
            user=dana, session=session, project=project, outcome="approve", reason="   "
        )
    assert error.value.message_dict == {"reason": ["Record the reason for this decision."]}
    project.refresh_from_db()
    assert project.status == InvestmentProject.Status.PROPOSED


@pytest.mark.parametrize(
    ("outcome", "status"),
    [
        ("approve", InvestmentProject.Status.APPROVED),
        ("reject", InvestmentProject.Status.REJECTED),
        ("defer", InvestmentProject.Status.DEFERRED),
    ],
)
def test_a_decision_moves_the_project(alice, dana, plan, session, outcome, status):
    project = propose(alice, plan)
    decision = services.project_decide(
        user=dana, session=session, project=project, outcome=outcome, reason="Because"
    )
    project.refresh_from_db()
    assert project.status == status
    assert decision.reason == "Because"
    assert decision.decided_by == dana


def test_a_deferred_project_comes_back_and_is_approved(alice, dana, plan, session):
    project = propose(alice, plan)
    services.project_decide(
        user=dana, session=session, project=project, outcome="defer", reason="Later"
    )
    later = SteeringSessionFactory(created_by=dana)
    services.project_decide(
        user=dana, session=later, project=project, outcome="approve", reason="Now"
    )
    project.refresh_from_db()
    assert project.status == InvestmentProject.Status.APPROVED
    assert project.decisions.count() == 2


def test_only_an_approved_project_stops_and_a_stopped_one_keeps_what_it_spent(
    alice, dana, plan, session
):
    project = propose(alice, plan)
    with pytest.raises(ValidationError, match="Only an approved project can be stopped"):
        services.project_decide(
            user=dana, session=session, project=project, outcome="stop", reason="Halt"
        )
    services.project_decide(
        user=dana, session=session, project=project, outcome="approve", reason="Go"
    )
    services.project_spent_set(user=alice, project=project, spent={2026: "4000"})
    services.project_decide(
        user=dana, session=session, project=project, outcome="stop", reason="Halt"
    )
    project.refresh_from_db()
    assert project.status == InvestmentProject.Status.STOPPED
    assert project.years.get(year=2026).spent == Decimal("4000")
    with pytest.raises(ValidationError, match="already decided"):
        services.project_decide(
            user=dana, session=session, project=project, outcome="approve", reason="Again"
        )


def test_spending_is_recorded_on_approved_projects_only(alice, dana, plan, session):
    project = propose(alice, plan)
    with pytest.raises(ValidationError, match="approved projects only"):
        services.project_spent_set(user=alice, project=project, spent={2026: "10"})
    services.project_decide(
        user=dana, session=session, project=project, outcome="approve", reason="Go"
    )
    with pytest.raises(ValidationError) as error:
        services.project_spent_set(user=alice, project=project, spent={2026: "-1", 2028: "5"})
    assert error.value.message_dict["spent"] == [
        "The amount spent of 2026 cannot be negative.",
        "The project has no budget in 2028.",
    ]
    assert project.years.get(year=2026).spent == 0


# --- the budget rule ------------------------------------------------------------------------------


def test_approving_within_the_budget_needs_no_exception(alice, dana, plan, session, programme):
    shortlist_cost(programme, "280000", dana)  # 20,000 left in 2026
    project = propose(alice, plan, years=years((2026, "20000", "0")))
    decision = services.project_decide(
        user=dana, session=session, project=project, outcome="approve", reason="Fits"
    )
    assert decision.budget_exception == ""


def test_approving_over_the_budget_needs_a_recorded_exception(
    alice, dana, plan, session, programme
):
    shortlist_cost(programme, "280000", dana)
    first = propose(alice, plan, years=years((2026, "15000", "0")))
    services.project_decide(
        user=dana, session=session, project=first, outcome="approve", reason="Fits"
    )
    second = propose(alice, plan, title="Team", years=years((2026, "6000", "0"), (2027, "1", "0")))
    with pytest.raises(ValidationError) as error:
        services.project_decide(
            user=dana, session=session, project=second, outcome="approve", reason="Want it"
        )
    assert error.value.message_dict["budget_exception"] == [
        "Approving this project takes 2026 by €1,000.00 over budget: record the exception "
        "that allows it."
    ]
    second.refresh_from_db()
    assert second.status == InvestmentProject.Status.PROPOSED
    assert second.decisions.count() == 0
    decision = services.project_decide(
        user=dana,
        session=session,
        project=second,
        outcome="approve",
        reason="Want it",
        budget_exception="The executive committee adds 10,000 in June.",
    )
    assert decision.budget_exception == "The executive committee adds 10,000 in June."


def test_a_year_without_a_programme_has_no_budget_to_exceed(alice, dana, plan, session):
    project = propose(alice, plan, years=years((2027, "900000", "0")))
    services.project_decide(
        user=dana, session=session, project=project, outcome="approve", reason="Big bet"
    )
    project.refresh_from_db()
    assert project.status == InvestmentProject.Status.APPROVED


def test_rejecting_keeps_no_exception(alice, dana, plan, session):
    project = propose(alice, plan)
    decision = services.project_decide(
        user=dana,
        session=session,
        project=project,
        outcome="reject",
        reason="No",
        budget_exception="Ignored",
    )
    assert decision.budget_exception == ""


# --- sessions and email ---------------------------------------------------------------------------


def test_directors_plan_and_hold_sessions(dana, alice, sam):
    session = services.session_plan(
        user=dana, date=dt.date(2026, 9, 1), agenda=" Budget ", members=[dana, sam]
    )
    assert session.agenda == "Budget"
    assert set(session.members.all()) == {dana, sam}
    with pytest.raises(PermissionDenied):
        services.session_hold(user=alice, session=session)
    assert services.session_hold(user=dana, session=session).status == "held"


def test_a_decision_is_emailed_to_the_kam_once(alice, dana, plan, session, settings):
    settings.LANGUAGE_CODE = "en"
    User.objects.filter(pk=alice.pk).update(email="alice@example.com", first_name="Alice")
    project = propose(alice, plan)
    decision = services.project_decide(
        user=dana, session=session, project=project, outcome="approve", reason="Strong case"
    )
    assert services.steering_decision_notify(decision_id=decision.pk) == 1
    assert services.steering_decision_notify(decision_id=decision.pk) == 0
    assert services.steering_decision_notify(decision_id=decision.pk + 999) == 0
    (message,) = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "“Recyclable film” (Acme) approved by the steering committee"
    assert "Reason: Strong case" in message.body
    assert f"/plans/projects/{project.pk}/" in message.body


def test_the_decision_email_is_queued_after_the_commit_unless_told_not_to(
    alice, dana, plan, session, django_capture_on_commit_callbacks
):
    project = propose(alice, plan)
    with django_capture_on_commit_callbacks() as callbacks:
        services.project_decide(
            user=dana, session=session, project=project, outcome="defer", reason="Later"
        )
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks() as callbacks:
        services.project_decide(
            user=dana, session=session, project=project, outcome="reject", reason="No",
            notify=False,
        )  # fmt: skip
    assert callbacks == []


# --- audit history --------------------------------------------------------------------------------


def test_projects_their_years_and_decisions_are_in_the_plans_history(alice, dana, plan, session):
    with history.acting(alice):
        project = propose(alice, plan, years=years((2026, "10000", "0")))
    with history.acting(dana):
        services.project_decide(
            user=dana, session=session, project=project, outcome="approve", reason="Go"
        )
        services.session_hold(user=dana, session=session)
    entries = history_selectors.plan_history_entries(history_selectors.plan_history(plan=plan))
    seen = {(entry.kind, entry.action, entry.name, entry.user) for entry in entries}
    assert ("planning.InvestmentProject", "insert", "Recyclable film", alice) in seen
    assert ("planning.ProjectYear", "insert", "Recyclable film · 2026", alice) in seen
    assert ("planning.SteeringDecision", "insert", "Recyclable film · Approve", dana) in seen
    status = next(
        entry
        for entry in entries
        if entry.kind == "planning.InvestmentProject" and entry.action == "update"
    )
    assert [(c.name, c.old, c.new) for c in status.changes] == [("status", "Proposed", "Approved")]
    held = SteeringSession.pgh_event_model.objects.filter(pgh_obj_id=session.pk).order_by("pgh_id")
    assert list(held.values_list("pgh_label", "status")) == [
        ("insert", "planned"),
        ("update", "held"),
    ]


# --- while the plan awaits review; a stopped project ----------------------------------------------


def test_projects_are_frozen_while_their_plan_is_submitted(alice, plan):
    from planning.models import Plan

    project = propose(alice, plan)
    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.SUBMITTED)
    with pytest.raises(ValidationError, match="submitted for review"):
        propose(alice, plan, title="Second")
    with pytest.raises(ValidationError, match="submitted for review"):
        services.project_update(user=alice, project=project, title="Changed")
    assert list(plan.projects.values_list("title", flat=True)) == ["Recyclable film"]
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.project_update(user=alice, project=project, title="Changed")
    assert "soumis" in error.value.messages[0]


def test_a_project_on_an_approved_plan_leaves_the_plan_approved(alice, plan):
    from planning.models import Plan

    Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.APPROVED)
    project = propose(alice, plan)
    services.project_update(user=alice, project=project, title="Changed")
    plan.refresh_from_db()
    assert plan.status == Plan.Status.APPROVED  # projects are not the approved content


def test_no_spending_is_recorded_on_a_stopped_project(alice, dana, plan, session):
    project = propose(alice, plan)
    services.project_decide(
        user=dana, session=session, project=project, outcome="approve", reason="Go"
    )
    services.project_spent_set(user=alice, project=project, spent={2026: "4000"})
    services.project_decide(
        user=dana, session=session, project=project, outcome="stop", reason="Halt"
    )
    with pytest.raises(ValidationError, match="stopped this project"):
        services.project_spent_set(user=alice, project=project, spent={2026: "9000"})
    assert project.years.get(year=2026).spent == Decimal("4000")
    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.project_spent_set(user=alice, project=project, spent={2026: "9000"})
    assert "arrêté" in error.value.messages[0]


def test_a_stale_project_version_writes_nothing(alice, dana, plan):
    from kam import versions

    project = propose(alice, plan)
    read = services.project_version(project)
    services.project_update(user=dana, project=project, objectives=[ObjectiveFactory(plan=plan)])
    assert services.project_version(project) != read  # its objectives are part of its version
    with pytest.raises(versions.StaleEdit):
        services.project_update(user=alice, project=project, version=read, title="Mine")
    project.refresh_from_db()
    assert project.title == "Recyclable film"
    fresh = services.project_version(project)
    services.project_update(user=alice, project=project, version=fresh, title="Mine")
    project.refresh_from_db()
    assert project.title == "Mine"


def test_a_session_names_a_programme_year_that_exists(dana, programme):
    session = services.session_plan(user=dana, date=dt.date(2026, 9, 1), year=2026)
    assert session.programme == programme
    with pytest.raises(ValidationError) as error:
        services.session_plan(user=dana, date=dt.date(2026, 9, 2), year=2031)
    assert "There is no programme for 2031" in error.value.message_dict["year"][0]
    assert SteeringSession.objects.count() == 1
    assert services.session_plan(user=dana, date=dt.date(2026, 9, 3)).programme is None
