"""The approval workflow: who may submit, approve and return (every role, every transition), the
rules of each step, the plan frozen while it awaits review, the next draft after an approval,
and the versions that never change (the database refuses it too)."""

import time
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import ProgrammingError, connection, transaction

from accounts.models import User
from kam import permissions
from planning import tasks
from planning.models import Kpi, Plan, PlanSubmission, PlanVersion, ReviewComment
from planning.selectors import versions
from planning.services import (
    approval,
    meetings,
    objectives,
    offers,
    people,
    sections,
    sponsorship,
)
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import (
    ActionFactory,
    CadenceFactory,
    CounterpartPairFactory,
    KpiFactory,
    ObjectiveFactory,
    OfferFactory,
    OfferingFactory,
    PlanFactory,
    StakeholderFactory,
    SwotItemFactory,
)


@pytest.fixture
def plan(alice, dana, sam):
    """Alice's plan, ready to submit: an objective with a margin KPI and an action."""
    plan = PlanFactory(client=ClientFactory(name="Acme", kam=alice, sponsor=sam), created_by=dana)
    objective = ObjectiveFactory(plan=plan, title="Grow the margin")
    KpiFactory(objective=objective, name="Gross margin", is_margin=True)
    ActionFactory(objective=objective, title="Renegotiate freight")
    return plan


def status(plan: Plan) -> str:
    plan.refresh_from_db()
    return plan.status


# --- who may do what: every role, every transition -------------------------------------------


ROLES = ["the plan's KAM", "another KAM", "director", "director who is its KAM", "sponsor",
         "contributor", "admin"]  # fmt: skip


def _actor(role: str, plan: Plan) -> Any:
    match role:
        case "the plan's KAM":
            return plan.client.kam
        case "another KAM":
            return UserFactory(role=User.Role.KAM)
        case "director":
            return UserFactory(role=User.Role.DIRECTOR)
        case "director who is its KAM":
            director: Any = UserFactory(role=User.Role.DIRECTOR)
            plan.client.kam = director
            plan.client.save()
            Plan.objects.filter(pk=plan.pk).update(owner=director)
            plan.refresh_from_db()
            return director
        case "sponsor":
            return plan.client.sponsor
        case "contributor":
            return UserFactory(role=User.Role.CONTRIBUTOR)
        case _:
            return UserFactory(role=User.Role.ADMIN, is_superuser=True)


MAY_SUBMIT = {"the plan's KAM", "director who is its KAM"}
MAY_REVIEW = {"director"}


@pytest.mark.parametrize("role", ROLES)
def test_submit_by_role(role, plan):
    user = _actor(role, plan)
    if role in MAY_SUBMIT:
        approval.plan_submit(user=user, plan=plan)
        assert status(plan) == Plan.Status.SUBMITTED
    else:
        with pytest.raises(PermissionDenied) as refused:
            approval.plan_submit(user=user, plan=plan)
        assert str(refused.value) == permissions.refusal(permissions.may_submit_plan)
        assert status(plan) == Plan.Status.DRAFT
        assert not PlanSubmission.objects.exists()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("transition", ["approve", "return"])
def test_review_by_role(role, transition, plan, alice):
    approval.plan_submit(user=alice, plan=plan)
    user = _actor(role, plan)
    if role == "director who is its KAM":  # submitted by the director who holds the account
        Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.SUBMITTED)

    def review():
        if transition == "approve":
            return approval.plan_approve(user=user, plan=plan)
        return approval.plan_return(user=user, plan=plan, comments=[{"text": "Too thin."}])

    if role in MAY_REVIEW:
        review()
        expected = Plan.Status.APPROVED if transition == "approve" else Plan.Status.RETURNED
        assert status(plan) == expected
    else:
        with pytest.raises(PermissionDenied) as refused:
            review()
        assert str(refused.value) == permissions.refusal(permissions.may_review_plan)
        assert status(plan) == Plan.Status.SUBMITTED
        assert not PlanVersion.objects.exists()
        assert not ReviewComment.objects.exists()


# --- the rules of each step --------------------------------------------------------------------


def test_submit_without_a_margin_kpi_is_refused_saying_why(plan, alice):
    Kpi.objects.filter(objective__plan=plan).update(is_margin=False)
    with pytest.raises(ValidationError, match="margin or profit KPI"):
        approval.plan_submit(user=alice, plan=plan)
    assert status(plan) == Plan.Status.DRAFT
    assert not PlanSubmission.objects.exists()


def test_a_ledger_margin_measure_counts_as_a_margin_kpi(plan, alice):
    Kpi.objects.filter(objective__plan=plan).update(is_margin=False, measure=Kpi.Measure.MARGIN_PCT)
    approval.plan_submit(user=alice, plan=plan)
    assert status(plan) == Plan.Status.SUBMITTED


@pytest.mark.parametrize(
    ("state", "step", "message"),
    [
        (Plan.Status.SUBMITTED, "submit", "already submitted"),
        (Plan.Status.APPROVED, "submit", "nothing new to submit"),
        (Plan.Status.DRAFT, "approve", "Only a submitted plan"),
        (Plan.Status.RETURNED, "approve", "Only a submitted plan"),
        (Plan.Status.DRAFT, "return", "Only a submitted plan"),
        (Plan.Status.APPROVED, "return", "Only a submitted plan"),
    ],
)
def test_a_step_from_the_wrong_state_is_refused(plan, alice, dana, state, step, message):
    Plan.objects.filter(pk=plan.pk).update(status=state)
    plan.refresh_from_db()
    steps = {
        "submit": lambda: approval.plan_submit(user=alice, plan=plan),
        "approve": lambda: approval.plan_approve(user=dana, plan=plan),
        "return": lambda: approval.plan_return(user=dana, plan=plan, comments=[{"text": "No."}]),
    }
    with pytest.raises(ValidationError, match=message):
        steps[step]()
    assert status(plan) == state


def test_return_needs_a_comment(plan, alice, dana):
    approval.plan_submit(user=alice, plan=plan)
    for comments in ([], [{"text": "   "}]):
        with pytest.raises(ValidationError, match="at least one comment"):
            approval.plan_return(user=dana, plan=plan, comments=comments)
    assert status(plan) == Plan.Status.SUBMITTED


def test_return_records_comments_on_the_plan_its_sections_and_its_items(plan, alice, dana):
    approval.plan_submit(user=alice, plan=plan)
    objective = plan.objectives.get()
    kpi = Kpi.objects.get(objective=objective)
    approval.plan_return(
        user=dana,
        plan=plan,
        comments=[
            {"text": "Say more about their strategy.", "section": "vision"},
            {"text": "A margin target this low?", "item_kind": "kpi", "item_id": kpi.pk},
            {"text": ""},  # an empty row of the form: left out
            {"text": "Ambitious, good."},
        ],
    )
    assert status(plan) == Plan.Status.RETURNED
    rows = list(ReviewComment.objects.order_by("pk"))
    assert [(row.section, row.item_kind, row.item_label) for row in rows] == [
        ("vision", "", ""),
        ("objectives", "kpi", "Gross margin"),
        ("plan", "", ""),
    ]
    submission = PlanSubmission.objects.get()
    assert (submission.decision, submission.decided_by) == ("returned", dana)


def test_a_comment_on_an_item_of_another_plan_is_refused_and_nothing_is_written(
    plan, alice, dana, bob
):
    other = KpiFactory(objective=ObjectiveFactory(plan=PlanFactory(client__kam=bob)))
    approval.plan_submit(user=alice, plan=plan)
    with pytest.raises(ValidationError, match="not in this plan"):
        approval.plan_return(
            user=dana,
            plan=plan,
            comments=[{"text": "Fine."}, {"text": "?", "item_kind": "kpi", "item_id": other.pk}],
        )
    assert not ReviewComment.objects.exists()
    assert status(plan) == Plan.Status.SUBMITTED


def test_approval_freezes_numbered_versions_and_the_next_change_starts_a_draft(plan, alice, dana):
    approval.plan_submit(user=alice, plan=plan)
    first = approval.plan_approve(user=dana, plan=plan)
    assert (first.number, first.approved_by, first.submitted_by) == (1, dana, alice)
    assert status(plan) == Plan.Status.APPROVED
    assert first.snapshot["objectives"][0]["title"] == "Grow the margin"

    objective = plan.objectives.get()
    objectives.objective_update(user=alice, objective=objective, title="Grow the margin by 2 pts")
    assert status(plan) == Plan.Status.DRAFT  # the next draft, from the approved content
    first.refresh_from_db()
    assert first.snapshot["objectives"][0]["title"] == "Grow the margin"  # the version stays

    approval.plan_submit(user=alice, plan=plan)
    second = approval.plan_approve(user=dana, plan=plan)
    assert second.number == 2
    assert second.snapshot["objectives"][0]["title"] == "Grow the margin by 2 pts"
    assert list(plan.versions.values_list("number", flat=True)) == [2, 1]


def test_a_version_is_immutable_in_the_database(plan, alice, dana):
    approval.plan_submit(user=alice, plan=plan)
    version = approval.plan_approve(user=dana, plan=plan)
    for sql in (
        "UPDATE planning_planversion SET snapshot = '{}' WHERE id = %s",
        "DELETE FROM planning_planversion WHERE id = %s",
    ):
        with (
            pytest.raises(ProgrammingError, match="Cannot update or delete"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [version.pk])
    version.refresh_from_db()
    assert version.snapshot["objectives"][0]["title"] == "Grow the margin"


def test_changing_a_version_is_refused_saying_why(plan, alice, dana):
    approval.plan_submit(user=alice, plan=plan)
    version = approval.plan_approve(user=dana, plan=plan)
    with pytest.raises(ValidationError, match="Version 1 of this plan was approved and is frozen"):
        approval.version_change(user=dana, version=version)


# --- frozen while submitted ----------------------------------------------------------------


def _writes(plan, user):
    """One write of each kind of the plan's content, by whoever may edit it."""
    objective = plan.objectives.get()
    kpi = Kpi.objects.get(objective=objective)
    action = objective.actions.get()
    stakeholder = StakeholderFactory(plan=plan)
    pair = CounterpartPairFactory(plan=plan, stakeholder=stakeholder)
    cadence = CadenceFactory(plan=plan)
    offer = OfferFactory(plan=plan)
    swot = SwotItemFactory(plan=plan)
    return {
        "vision": lambda: sections.plan_vision_update(user=user, plan=plan, shared_vision="x"),
        "swot add": lambda: sections.swot_item_add(
            user=user, plan=plan, quadrant="threat", text="x"
        ),
        "swot delete": lambda: sections.swot_item_delete(user=user, item=swot),
        "objective add": lambda: objectives.objective_add(
            user=user, plan=plan, side="ours", title="x"
        ),
        "objective move": lambda: objectives.objective_move(
            user=user, objective=objective, direction="down"
        ),
        "kpi update": lambda: objectives.kpi_update(user=user, kpi=kpi, name="x"),
        "action delete": lambda: objectives.action_delete(user=user, action=action),
        "offer add": lambda: offers.offer_add(
            user=user,
            plan=plan,
            offering=OfferingFactory(),
            business_unit="x",
            status="current",
            pricing="market",
        ),
        "offer delete": lambda: offers.offer_delete(user=user, offer=offer),
        "stakeholder update": lambda: people.stakeholder_update(
            user=user,
            stakeholder=stakeholder,
            buying_role="champion",
            attitude="advocate",
            influence=4,
            level="executive",
            reports_to=None,
        ),
        "counterpart remove": lambda: people.counterpart_remove(user=user, pair=pair),
        "cadence delete": lambda: meetings.cadence_delete(user=user, cadence=cadence),
        "sponsor ask add": lambda: sponsorship.ask_add(
            user=user, plan=plan, request="x", due_on=plan.period_end
        ),
    }


@pytest.mark.parametrize(
    "write",
    ["vision", "swot add", "swot delete", "objective add", "objective move", "kpi update",
     "action delete", "offer add", "offer delete", "stakeholder update", "counterpart remove",
     "cadence delete", "sponsor ask add"],
)  # fmt: skip
def test_a_submitted_plan_refuses_every_write_of_its_content(plan, alice, dana, write):
    by_kam, by_director = _writes(plan, alice)[write], _writes(plan, dana)[write]
    approval.plan_submit(user=alice, plan=plan)
    before = versions.plan_snapshot(plan)
    for attempt in (by_kam, by_director):
        with pytest.raises(ValidationError, match="submitted for review and cannot change"):
            attempt()
    assert versions.plan_snapshot(plan) == before  # nothing written
    assert status(plan) == Plan.Status.SUBMITTED


def test_an_action_owner_reports_progress_while_the_plan_is_reviewed(plan, alice, carl):
    action = plan.objectives.get().actions.get()
    action.owner = carl
    action.save()
    approval.plan_submit(user=alice, plan=plan)
    objectives.action_progress_update(user=carl, action=action, progress=40)
    action.refresh_from_db()
    assert action.progress == 40
    assert status(plan) == Plan.Status.SUBMITTED


def test_a_returned_plan_is_editable_and_keeps_its_comments_until_resubmitted(plan, alice, dana):
    approval.plan_submit(user=alice, plan=plan)
    approval.plan_return(user=dana, plan=plan, comments=[{"text": "Name the buyer."}])
    objectives.objective_add(user=alice, plan=plan, side="customer", title="Their cost target")
    assert status(plan) == Plan.Status.RETURNED  # still returned: the comments stand
    comment = ReviewComment.objects.get()
    assert approval.review_open_submission_id(plan) == comment.submission_id

    approval.review_comment_resolve(user=alice, comment=comment, resolved=True)
    comment.refresh_from_db()
    assert (comment.is_resolved, comment.resolved_by) == (True, alice)

    approval.plan_submit(user=alice, plan=plan)
    assert approval.review_open_submission_id(plan) is None  # closed by the new submission
    with pytest.raises(ValidationError, match="Only the comments of a returned plan"):
        approval.review_comment_resolve(user=alice, comment=comment, resolved=False)


def test_a_sponsor_may_not_resolve_a_comment(plan, alice, dana, sam):
    approval.plan_submit(user=alice, plan=plan)
    approval.plan_return(user=dana, plan=plan, comments=[{"text": "Name the buyer."}])
    with pytest.raises(PermissionDenied):
        approval.review_comment_resolve(
            user=sam, comment=ReviewComment.objects.get(), resolved=True
        )


# --- the emails ----------------------------------------------------------------------------


@pytest.fixture
def queued(monkeypatch):
    """The submissions whose emails were asked for, once committed (instead of the broker)."""
    ids: list[int] = []
    monkeypatch.setattr(
        tasks.plan_review_notify_task,
        "apply_async",
        lambda args=None, kwargs=None, **options: ids.append(kwargs["submission_id"]),
    )
    return ids


def _run(ids):
    """What the worker does with the queued tasks."""
    sent = sum(approval.review_notify(submission_id=pk) for pk in ids)
    ids.clear()
    return sent


def test_each_step_emails_who_must_hear_of_it_once(
    plan, alice, dana, queued, django_capture_on_commit_callbacks
):
    alice.email, dana.email = "alice@example.com", "dana@example.com"
    alice.save()
    dana.save()
    UserFactory(role=User.Role.DIRECTOR, email="dora@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        submission = approval.plan_submit(user=alice, plan=plan)
        assert queued == []  # the email waits for the commit
    assert queued == [submission.pk]
    assert _run(queued) == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "dana@example.com",
        "dora@example.com",
    ]
    assert mail.outbox[0].subject == "Plan à valider : Acme"  # in the site's language
    assert approval.review_notify(submission_id=submission.pk) == 0  # a second run: nothing

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        approval.plan_return(user=dana, plan=plan, comments=[{"text": "Name the buyer."}])
    assert _run(queued) == 1
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]
    assert "1 commentaire à traiter" in mail.outbox[0].body
    assert f"/plans/{plan.pk}/" in mail.outbox[0].body

    with django_capture_on_commit_callbacks(execute=True):
        approval.plan_submit(user=alice, plan=plan)
    _run(queued)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        version = approval.plan_approve(user=dana, plan=plan)
    assert _run(queued) == 1
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["alice@example.com"], "Plan approuvé : Acme (version 1)")
    ]
    assert approval.review_notify(submission_id=version.submission.pk) == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_live_worker_emails_the_directors_of_a_submission_by_smtp(live_worker, smtp_server):
    _, _, mailbox = smtp_server
    mailbox.clear()
    alice = UserFactory(username="alice", role=User.Role.KAM, email="alice@example.com")
    dana = UserFactory(username="dana", role=User.Role.DIRECTOR, email="dana@example.com")
    plan = PlanFactory(client=ClientFactory(name="Acme", kam=alice), created_by=dana)
    KpiFactory(objective=ObjectiveFactory(plan=plan), is_margin=True)

    submission = approval.plan_submit(user=alice, plan=plan)  # committed: the task is queued
    deadline = time.monotonic() + 30
    while not mailbox.snapshot() and time.monotonic() < deadline:
        time.sleep(0.1)
    (message,) = mailbox.snapshot()
    assert (message["To"], message["Subject"]) == ("dana@example.com", "Plan à valider : Acme")
    assert tasks.plan_review_notify_task.delay(submission_id=submission.pk).get(timeout=60) == 0
    time.sleep(0.5)
    assert len(mailbox.snapshot()) == 1


def test_submissions_and_review_comments_are_in_the_plans_history(alice, dana):
    from kam import history
    from planning.selectors import history as history_selectors
    from tests.factories import ClientFactory
    from tests.planning.factories import KpiFactory, ObjectiveFactory, PlanFactory

    plan = PlanFactory(client=ClientFactory(kam=alice), created_by=dana)
    KpiFactory(objective=ObjectiveFactory(plan=plan), is_margin=True)
    with history.acting(alice):
        approval.plan_submit(user=alice, plan=plan)
    with history.acting(dana):
        approval.plan_return(user=dana, plan=plan, comments=[{"text": "Say who pays"}])
    entries = history_selectors.plan_history_entries(history_selectors.plan_history(plan=plan))
    seen = {(entry.kind, entry.action, entry.name, entry.user) for entry in entries}
    assert ("planning.PlanSubmission", "insert", "Awaiting review", alice) in seen
    assert ("planning.ReviewComment", "insert", "Say who pays", dana) in seen
    decided = next(
        entry
        for entry in entries
        if entry.kind == "planning.PlanSubmission" and entry.action == "update"
    )
    assert decided.user == dana
    assert ("decision", "Awaiting review", "Returned") in {
        (change.name, change.old, change.new) for change in decided.changes
    }
