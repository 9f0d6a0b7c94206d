"""A plan's audit history covers what the issue lists: the plan, objectives, KPIs, actions,
stakeholders, cadences, meetings (and who took part in them, on both sides), projects and
decisions, each with who changed it, when and what; read through the services, the pages and
the plan's history page, in English and in French."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from kam import history
from planning.models import (
    Action,
    Cadence,
    InvestmentProject,
    Kpi,
    Meeting,
    MeetingDecision,
    MeetingOurParticipant,
    MeetingTheirParticipant,
    Objective,
    Plan,
    ProjectObjective,
    Stakeholder,
    SteeringDecision,
)
from planning.selectors import history as selectors
from planning.services import meetings as meeting_services
from planning.services import objectives as objective_services
from planning.services import people as people_services
from planning.services import projects as project_services
from planning.services import sections as section_services
from tests.factories import ClientFactory, ContactFactory, UserFactory
from tests.planning.factories import (
    ActionFactory,
    CadenceFactory,
    KpiFactory,
    ObjectiveFactory,
    PlanFactory,
    StakeholderFactory,
    SteeringSessionFactory,
)
from tests.scoring.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def plan(alice, sam, dana):
    programme = ProgrammeFactory(year=2026, budget=Decimal("300000"), updated_by=dana)
    return PlanFactory(
        client=ClientFactory(name="Acme", kam=alice, sponsor=sam),
        programme=programme,
        created_by=dana,
    )


@pytest.fixture
def people(plan):
    """Two of our people and two of theirs, by name."""
    ours = [
        UserFactory(username="olga", first_name="Olga", last_name="Berg"),
        UserFactory(username="piet", first_name="Piet", last_name="Claes"),
    ]
    theirs = [
        StakeholderFactory(
            plan=plan,
            contact=ContactFactory(client=plan.client, first_name="Rita", last_name="Vogt"),
        ),
        StakeholderFactory(
            plan=plan,
            contact=ContactFactory(client=plan.client, first_name="Sven", last_name="Lund"),
        ),
    ]
    return ours, theirs


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def history_page(client, plan, language="en", **params) -> str:
    client.cookies["django_language"] = language
    response = client.get(reverse("planning:plan_history", args=[plan.pk]), params)
    assert response.status_code == 200
    return page_text(response)


def log_meeting(alice, plan, people):
    ours, theirs = people
    with history.acting(alice):
        return meeting_services.meeting_log(
            user=alice,
            plan=plan,
            date=dt.date(2026, 3, 12),
            level="executive",
            title="Quarterly review",
            our_participants=[alice, ours[0]],
            their_participants=[theirs[0]],
        )


# --- meeting participants -----------------------------------------------------------------------


def test_participants_added_and_removed_by_the_service_are_in_the_history(
    alice, dana, plan, people
):
    ours, theirs = people
    meeting = log_meeting(alice, plan, people)
    with history.acting(dana):
        meeting_services.meeting_update(
            user=dana,
            meeting=meeting,
            date=meeting.date,
            level=meeting.level,
            title=meeting.title,
            our_participants=[alice, ours[1]],  # Olga leaves, Piet comes
            their_participants=[theirs[1]],  # Rita leaves, Sven comes
        )
    with translation.override("en"):
        entries = selectors.plan_history_entries(selectors.plan_history(plan=plan))
    said = {(entry.text, entry.user) for entry in entries}
    assert ("Olga Berg added to the meeting of 12 Mar 2026", alice) in said
    assert ("Rita Vogt added to the meeting of 12 Mar 2026", alice) in said
    assert ("Olga Berg removed from the meeting of 12 Mar 2026", dana) in said
    assert ("Piet Claes added to the meeting of 12 Mar 2026", dana) in said
    assert ("Rita Vogt removed from the meeting of 12 Mar 2026", dana) in said
    assert ("Sven Lund added to the meeting of 12 Mar 2026", dana) in said
    # Alice stayed: her row was neither removed nor added again.
    alice_rows = [entry for entry in entries if entry.text.startswith(str(alice))]
    assert [entry.action for entry in alice_rows] == ["insert"]
    # Each is a row of its own kind, filterable like the others.
    ours_only = selectors.plan_history(plan=plan, kind="planning.MeetingOurParticipant")
    assert len(ours_only) == 4  # Alice, Olga added; Olga removed; Piet added


def test_participant_changes_made_on_the_meeting_form_show_on_the_history_page(
    client, alice, plan, people
):
    ours, theirs = people
    meeting = log_meeting(alice, plan, people)
    client.force_login(alice)
    data = {
        "date": "2026-03-12",
        "level": "executive",
        "title": "Quarterly review",
        "our_participants": [alice.pk, ours[1].pk],
        "their_participants": [theirs[0].pk, theirs[1].pk],
    }
    response = client.post(reverse("planning:meeting_edit", args=[meeting.pk]), data, headers=HTMX)
    assert response.status_code == 200
    assert set(meeting.our_participants.all()) == {alice, ours[1]}

    english = history_page(client, plan, "en", kind="planning.MeetingOurParticipant")
    assert "Olga Berg removed from the meeting of 12 Mar 2026" in english
    assert "Piet Claes added to the meeting of 12 Mar 2026" in english
    assert str(alice) in english  # who did it
    theirs_page = history_page(client, plan, "en", kind="planning.MeetingTheirParticipant")
    assert "Sven Lund added to the meeting of 12 Mar 2026" in theirs_page
    assert "Rita Vogt removed" not in theirs_page  # Rita stayed

    french = history_page(client, plan, "fr", kind="planning.MeetingOurParticipant")
    assert "Olga Berg retiré(e) de la réunion du 12 mars 2026" in french
    assert "Piet Claes ajouté(e) à la réunion du 12 mars 2026" in french
    assert "added to" not in french
    assert "removed from" not in french


def test_a_deleted_meetings_participants_still_name_its_day(alice, plan, people):
    meeting = log_meeting(alice, plan, people)
    with history.acting(alice):
        meeting_services.meeting_delete(user=alice, meeting=meeting)
    with translation.override("en"):
        texts = [e.text for e in selectors.plan_history_entries(selectors.plan_history(plan=plan))]
    assert "Olga Berg removed from the meeting of 12 Mar 2026" in texts
    assert "Rita Vogt removed from the meeting of 12 Mar 2026" in texts


def test_an_objective_unlinked_from_a_project_and_then_deleted_keeps_its_name(alice, plan):
    objective = ObjectiveFactory(plan=plan, title="Grow margin")
    project = project_services.project_propose(
        user=alice,
        plan=plan,
        kind=InvestmentProject.Kind.CO_INNOVATION,
        title="Recyclable film",
        owner=alice,
        years=[{"year": 2026, "budget": "10000", "margin_impact": "2000"}],
        objectives=[objective],
    )
    with history.acting(alice):
        project_services.project_update(user=alice, project=project, objectives=[])
        objective_services.objective_delete(user=alice, objective=objective)
    with translation.override("en"):
        texts = [e.text for e in selectors.plan_history_entries(selectors.plan_history(plan=plan))]
    assert "Grow margin linked to the project “Recyclable film”" in texts
    assert "Grow margin no longer linked to the project “Recyclable film”" in texts


def test_the_api_says_a_participant_change_in_words(client, alice, plan, people):
    log_meeting(alice, plan, people)
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    response = client.get(
        reverse("api-planning:plan_history", args=[plan.pk]),
        {"kind": "planning.MeetingTheirParticipant"},
    )
    assert response.status_code == 200
    [event] = response.json()["results"]
    assert event["text"] == "Rita Vogt added to the meeting of 12 Mar 2026"
    assert event["action"] == "insert"
    assert event["user"] == alice.pk


# --- every kind the issue lists -----------------------------------------------------------------


def test_a_change_of_each_kind_is_on_the_plans_history_page_with_who_and_what(
    client, alice, dana, plan, people
):
    """One change of each kind of row the issue lists, each by a named person; the page says
    who made it, when and, field by field (``label``: the field changed), what changed."""
    ours, theirs = people
    objective = ObjectiveFactory(plan=plan, title="Grow margin", side=Objective.Side.OURS)
    kpi = KpiFactory(objective=objective, name="Margin", target=Decimal("150000"))
    action = ActionFactory(objective=objective, title="Launch pilot", owner=alice)
    cadence = CadenceFactory(plan=plan, name="Quarterly business review", every=3)
    meeting = log_meeting(alice, plan, people)
    project = project_services.project_propose(
        user=alice,
        plan=plan,
        kind=InvestmentProject.Kind.CO_INNOVATION,
        title="Recyclable film",
        owner=alice,
        years=[{"year": 2026, "budget": "10000", "margin_impact": "2000"}],
    )
    with history.acting(alice):
        section_services.plan_vision_update(user=alice, plan=plan, shared_vision="Zero waste")
        objective_services.objective_update(user=alice, objective=objective, title="Grow margin 5%")
        objective_services.kpi_update(user=alice, kpi=kpi, target="180000")
        objective_services.action_update(user=alice, action=action, status=Action.Status.DONE)
        people_services.stakeholder_update(
            user=alice,
            stakeholder=theirs[1],
            buying_role=Stakeholder.BuyingRole.CHAMPION,
            attitude=theirs[1].attitude,
            influence=5,
            level=theirs[1].level,
            reports_to=None,
        )
        meeting_services.cadence_update(user=alice, cadence=cadence, every=2)
        meeting_services.meeting_update(
            user=alice,
            meeting=meeting,
            date=meeting.date,
            level=meeting.level,
            title="Quarterly review 1",
            our_participants=[alice, ours[0]],
            their_participants=[theirs[0]],
            decisions=["Open a second warehouse"],
        )
        project_services.project_update(
            user=alice, project=project, title="Recyclable film, phase 1", objectives=[objective]
        )
    with history.acting(dana):
        project_services.project_decide(
            user=dana,
            session=SteeringSessionFactory(created_by=dana),
            project=project,
            outcome=SteeringDecision.Outcome.APPROVE,
            reason="Fits the budget",
            notify=False,
        )

    client.force_login(dana)
    client.cookies["django_language"] = "en"
    expected = {
        Plan: ("shared_vision", "Zero waste", alice),
        Objective: ("title", "Grow margin 5%", alice),
        Kpi: ("target", "180,000", alice),
        Action: ("status", "Done", alice),
        Stakeholder: ("buying_role", "Champion", alice),
        Cadence: ("every", "2", alice),
        Meeting: ("title", "Quarterly review 1", alice),
        InvestmentProject: ("title", "Recyclable film, phase 1", alice),
        MeetingDecision: ("", "Open a second warehouse", alice),
        SteeringDecision: ("", "Approve", dana),
        MeetingOurParticipant: ("", "Olga Berg added to the meeting of 12 Mar 2026", alice),
        MeetingTheirParticipant: ("", "Rita Vogt added to the meeting of 12 Mar 2026", alice),
        ProjectObjective: (
            "",
            "Grow margin 5% linked to the project “Recyclable film, phase 1”",
            alice,
        ),
    }
    for model, (label, value, who) in expected.items():
        kind = history.TRACKED[model].label
        response = client.get(reverse("planning:plan_history", args=[plan.pk]), {"kind": kind})
        html = response.content.decode()
        entries = re.findall(
            r'<li class="history-entry.*?</li>\s*(?=<li class="history-entry|</ol>)', html, re.S
        )
        assert entries, f"{kind}: nothing in the plan's history"
        readable = [page_text_of(entry) for entry in entries]
        matching = [
            page_text_of(entry)
            for entry in entries
            if value in page_text_of(entry) and (not label or f'data-field="{label}"' in entry)
        ]
        assert matching, f"{kind}: no entry says {label} … {value}: {readable}"
        assert any(str(who) in text for text in matching), f"{kind}: who is not said"
        assert all(re.search(r"\d\d/\d\d/\d{4} \d\d:\d\d", text) for text in matching)  # when


def page_text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_every_kind_the_issue_lists_is_tracked_and_filterable():
    kinds = dict(selectors.plan_history_kinds())
    for model in (
        Plan, Objective, Kpi, Action, Stakeholder, Cadence, Meeting, MeetingOurParticipant,
        MeetingTheirParticipant, MeetingDecision, InvestmentProject, ProjectObjective,
        SteeringDecision,
    ):  # fmt: skip
        assert history.TRACKED[model].label in kinds


def test_a_change_far_into_a_long_text_shows_where_it_is(client, alice, plan):
    opening = "Together we build a recyclable range for their top lines, " * 4
    with history.acting(alice):
        section_services.plan_vision_update(
            user=alice, plan=plan, shared_vision=opening + "so that we grow on margin."
        )
        section_services.plan_vision_update(
            user=alice, plan=plan, shared_vision=opening + "so that we grow on volume."
        )
    client.force_login(alice)
    text = history_page(client, plan, "en", kind="planning.Plan")
    old, new = (
        "…for their top lines, so that we grow on",
        "…for their top lines, so that we grow on",
    )
    assert f"{old} margin. → {new} volume." in text
