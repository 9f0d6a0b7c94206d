"""A plan's approval: its KAM submits it, a director approves it (freezing a numbered, immutable
version) or returns it with comments; and the guard every write of a plan's content goes through.

- **draft → submitted**: only the plan's KAM (``permissions.may_submit_plan``), and only a plan
  with at least one margin or profit KPI. A returned plan is submitted again the same way.
- **submitted → approved**: a director who is not the plan's KAM (``may_review_plan``); the
  plan's content is frozen as ``PlanVersion`` number n + 1.
- **submitted → returned**: the same director, with at least one comment on the plan, one of its
  sections or one of its items. The comments stay on the plan, resolved or not, until the KAM
  submits it again.
- While **submitted**, the plan's content is frozen: ``plan_writable`` refuses every write of
  it. A **returned** plan is written as a draft is. The first write of an **approved** plan
  starts its next draft (the status goes back to draft, from the approved content); the version
  itself never changes.

What is the plan's content: the vision, SWOT, objectives, KPIs, actions (but not an action's
progress, which its owner reports as the work goes), offers, stakeholders, counterpart pairs and
cadences. Meetings are logged as they are held, whatever the plan's status. The plan's investment
projects are not part of its approved content (the steering committee decides on them), but
they do not change while the plan awaits review either (``plan_not_in_review``).

Each decision is emailed after the commit (``plan_review_notify_task``): the directors hear of
a submission, the KAM of the decision, each once even if the task runs twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from kam import permissions
from planning.models import (
    Action,
    Cadence,
    CounterpartPair,
    Kpi,
    Objective,
    Offer,
    Plan,
    PlanSubmission,
    PlanVersion,
    ReviewComment,
    Stakeholder,
)
from planning.selectors import versions as version_selectors

logger = logging.getLogger(__name__)

COMMENT_ITEMS: dict[str, tuple[type[Any], str, str]] = {
    ReviewComment.ItemKind.OBJECTIVE: (Objective, "plan", ReviewComment.Section.OBJECTIVES),
    ReviewComment.ItemKind.KPI: (Kpi, "objective__plan", ReviewComment.Section.OBJECTIVES),
    ReviewComment.ItemKind.ACTION: (Action, "objective__plan", ReviewComment.Section.ACTIONS),
    ReviewComment.ItemKind.OFFER: (Offer, "plan", ReviewComment.Section.OFFERS),
    ReviewComment.ItemKind.STAKEHOLDER: (Stakeholder, "plan", ReviewComment.Section.PEOPLE),
    ReviewComment.ItemKind.CADENCE: (Cadence, "plan", ReviewComment.Section.MEETINGS),
    ReviewComment.ItemKind.COUNTERPART: (CounterpartPair, "plan", ReviewComment.Section.PEOPLE),
}
"""What a comment may be about: the model of the item, how it reaches its plan, its section."""


# --- the guard ------------------------------------------------------------------------------------


def plan_writable(*, plan: Plan) -> None:
    """Call before any write of ``plan``'s content, inside the write's transaction.

    Refuses (``ValidationError``) while the plan awaits review. The first write of an approved
    plan starts its next draft: the status goes back to draft. The plan's row is locked, so a
    submission or an approval waits for the write, and the write for them."""
    status = plan_not_in_review(plan=plan)
    if status == Plan.Status.APPROVED:
        Plan.objects.filter(pk=plan.pk).update(status=Plan.Status.DRAFT, updated_at=timezone.now())
    plan.status = Plan.Status.DRAFT if status == Plan.Status.APPROVED else status or plan.status


def plan_not_in_review(*, plan: Plan) -> str | None:
    """Call before a write that belongs to ``plan`` but not to its approved content (its
    investment projects, which the steering committee decides on), inside the write's
    transaction: refuses (``ValidationError``) while the plan awaits review, and leaves an
    approved plan approved. Returns the plan's status, its row locked."""
    status = (
        Plan.objects.select_for_update().filter(pk=plan.pk).values_list("status", flat=True).first()
    )
    if status == Plan.Status.SUBMITTED:
        raise ValidationError(
            _(
                "This plan is submitted for review and cannot change until a director approves "
                "or returns it."
            )
        )
    return status


def _lock(plan: Plan) -> Plan:
    locked = Plan.objects.select_for_update().select_related("client").get(pk=plan.pk)
    plan.status = locked.status
    return locked


def has_margin_kpi(plan: Plan) -> bool:
    return Kpi.objects.filter(
        Q(is_margin=True) | Q(measure__in=Kpi.LEDGER_MARGIN), objective__plan=plan
    ).exists()


# --- the workflow ---------------------------------------------------------------------------------


@transaction.atomic
def plan_submit(*, user: User, plan: Plan) -> PlanSubmission:
    """Submit ``plan`` for a director's review (its KAM). Refused for a plan already submitted,
    an approved plan unchanged since, and a plan with no margin or profit KPI. The comments of
    the previous return are closed by the new submission."""
    permissions.require(permissions.may_submit_plan, user, plan)
    locked = _lock(plan)
    if locked.status == Plan.Status.SUBMITTED:
        raise ValidationError(_("This plan is already submitted and awaits a director's review."))
    if locked.status == Plan.Status.APPROVED:
        raise ValidationError(
            _("This plan is approved and has not changed since: there is nothing new to submit.")
        )
    if not has_margin_kpi(locked):
        raise ValidationError(
            _(
                "Add at least one margin or profit KPI before submitting: a plan is judged on "
                "the margin it brings, not only on revenue."
            )
        )
    submission = PlanSubmission(plan=locked, submitted_by=user, submitted_at=timezone.now())
    submission.full_clean()
    submission.save()
    _set_status(plan, locked, Plan.Status.SUBMITTED)
    _notify(submission)
    return submission


def _pending(plan: Plan) -> PlanSubmission:
    if plan.status != Plan.Status.SUBMITTED:
        raise ValidationError(_("Only a submitted plan can be approved or returned."))
    return PlanSubmission.objects.select_for_update().get(
        plan=plan, decision=PlanSubmission.Decision.PENDING
    )


@transaction.atomic
def plan_approve(*, user: User, plan: Plan) -> PlanVersion:
    """Approve submitted ``plan`` (a director, not its KAM): its content is frozen as the next
    numbered version, and the plan is approved."""
    permissions.require(permissions.may_review_plan, user, plan)
    locked = _lock(plan)
    permissions.require(permissions.may_review_plan, user, locked)
    submission = _pending(locked)
    now = timezone.now()
    last = PlanVersion.objects.filter(plan=locked).aggregate(last=Max("number"))["last"] or 0
    version = PlanVersion(
        plan=locked,
        number=last + 1,
        approved_by=user,
        approved_at=now,
        submitted_by=submission.submitted_by,
        snapshot=version_selectors.plan_snapshot(locked),
    )
    version.full_clean()
    version.save()
    submission.decision = PlanSubmission.Decision.APPROVED
    submission.decided_by, submission.decided_at, submission.version = user, now, version
    submission.full_clean()
    submission.save()
    _set_status(plan, locked, Plan.Status.APPROVED)
    _notify(submission)
    return version


@transaction.atomic
def plan_return(*, user: User, plan: Plan, comments: Iterable[Mapping[str, Any]]) -> PlanSubmission:
    """Return submitted ``plan`` to its KAM (a director, not its KAM) with ``comments``: each a
    mapping of ``text`` and what it is about, ``section`` (a ``ReviewComment.Section``, by
    default the whole plan) or ``item_kind`` and ``item_id`` (an item of this plan). At least one
    comment; a comment without text is left out."""
    permissions.require(permissions.may_review_plan, user, plan)
    locked = _lock(plan)
    permissions.require(permissions.may_review_plan, user, locked)
    submission = _pending(locked)
    made = (_comment(locked, submission, user, values) for values in comments)
    rows = [row for row in made if row is not None]
    if not rows:
        raise ValidationError(
            {"comments": _("Say what to change: returning a plan needs at least one comment.")}
        )
    ReviewComment.objects.bulk_create(rows)
    submission.decision = PlanSubmission.Decision.RETURNED
    submission.decided_by, submission.decided_at = user, timezone.now()
    submission.full_clean()
    submission.save()
    _set_status(plan, locked, Plan.Status.RETURNED)
    _notify(submission)
    return submission


def _comment(
    plan: Plan, submission: PlanSubmission, author: User, values: Mapping[str, Any]
) -> ReviewComment | None:
    unknown = set(values) - {"text", "section", "item_kind", "item_id"}
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    text = str(values.get("text") or "").strip()
    if not text:
        return None
    section = values.get("section") or ReviewComment.Section.PLAN
    kind = values.get("item_kind") or ""
    item_id = values.get("item_id")
    label = ""
    if kind:
        if kind not in COMMENT_ITEMS:
            raise ValidationError({"comments": _("Choose what the comment is about.")})
        model, to_plan, section = COMMENT_ITEMS[kind]
        item = model.objects.filter(**{to_plan: plan}, pk=item_id).first() if item_id else None
        if item is None:
            raise ValidationError(
                {"comments": _("The comment is about an item that is not in this plan.")}
            )
        label = str(item)[:300]
    elif section not in ReviewComment.Section.values:
        raise ValidationError({"comments": _("Choose what the comment is about.")})
    comment = ReviewComment(
        submission=submission,
        section=section,
        item_kind=kind,
        item_id=item_id if kind else None,
        item_label=label,
        text=text,
        author=author,
    )
    comment.full_clean(exclude=["submission"])
    return comment


def _set_status(plan: Plan, locked: Plan, status: str) -> None:
    locked.status = status
    locked.save(update_fields=["status", "updated_at"])
    plan.status = status


@transaction.atomic
def review_comment_resolve(*, user: User, comment: ReviewComment, resolved: bool) -> ReviewComment:
    """Mark a comment of the plan's last return resolved (or not again): whoever may edit the
    plan, while it is returned."""
    plan = comment.submission.plan
    permissions.require(permissions.may_edit_plan, user, plan)
    locked = _lock(plan)
    if locked.status != Plan.Status.RETURNED or comment.submission.decision != (
        PlanSubmission.Decision.RETURNED
    ):
        raise ValidationError(
            _("Only the comments of a returned plan, before it is submitted again, are resolved.")
        )
    if comment.submission_id != review_open_submission_id(locked):
        raise ValidationError(_("This comment belongs to an earlier review."))
    comment.resolved_at = timezone.now() if resolved else None
    comment.resolved_by = user if resolved else None
    comment.full_clean()
    comment.save(update_fields=["resolved_at", "resolved_by"])
    return comment


def review_open_submission_id(plan: Plan) -> int | None:
    """The submission whose comments the plan shows: its latest, if it was returned and the plan
    was not submitted again since."""
    latest = plan.submissions.order_by("-submitted_at", "-pk").first()
    if latest is None or latest.decision != PlanSubmission.Decision.RETURNED:
        return None
    return latest.pk


def version_change(*, user: User, version: PlanVersion) -> NoReturn:
    """Anyone asking to change or delete an approved version is told why they cannot (the
    database refuses it too)."""
    raise ValidationError(
        _(
            "Version %(number)s of this plan was approved and is frozen: it never changes. "
            "Change the plan instead; its next approval makes version %(next)s."
        )
        % {"number": version.number, "next": version.number + 1}
    )


# --- the emails -----------------------------------------------------------------------------------


def _notify(submission: PlanSubmission) -> None:
    from planning.tasks import plan_review_notify_task

    plan_review_notify_task.delay_on_commit(submission_id=submission.pk)


def review_notify(*, submission_id: int) -> int:
    """Email what happened to ``submission_id`` and has not been emailed yet: its submission to
    the directors (other than its KAM), its decision to the plan's KAM. Each once: the time it
    went is recorded in the transaction that sends it. Returns how many emails went."""
    sent = 0
    with transaction.atomic():
        submission = (
            PlanSubmission.objects.select_for_update(of=("self",))
            .select_related("plan__client", "plan__owner", "submitted_by", "decided_by")
            .filter(pk=submission_id)
            .first()
        )
        if submission is None:
            return 0
        if submission.submitted_notified_at is None:
            directors = User.objects.filter(role=User.Role.DIRECTOR, is_active=True).exclude(
                pk=submission.plan.client.kam_id or 0
            )
            for director in directors.exclude(email="").order_by("pk"):
                _send(submission, director, "submitted")
                sent += 1
            submission.submitted_notified_at = timezone.now()
            submission.save(update_fields=["submitted_notified_at"])
    with transaction.atomic():
        submission = (
            PlanSubmission.objects.select_for_update(of=("self",))
            .select_related("plan__client", "plan__owner", "decided_by", "version")
            .get(pk=submission_id)
        )
        if (
            submission.decision != PlanSubmission.Decision.PENDING
            and submission.decision_notified_at is None
        ):
            kam = submission.plan.client.kam
            if kam is not None and kam.is_active and kam.email:
                _send(submission, kam, submission.decision)
                sent += 1
            submission.decision_notified_at = timezone.now()
            submission.save(update_fields=["decision_notified_at"])
    return sent


def _send(submission: PlanSubmission, recipient: User, event: str) -> None:
    plan = submission.plan
    base = settings.KAM_BASE_URL.rstrip("/")
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "client": plan.client.name,
            "kam": _name(submission.submitted_by),
            "director": _name(submission.decided_by),
            "number": submission.version.number if submission.version else "",
        }
        link = base + reverse("planning:plan_detail", args=[plan.pk])
        if event == "submitted":
            subject = _("Plan to review: %(client)s") % values
            intro = _("%(kam)s submitted the account plan of %(client)s for your review.") % values
            close = _("Approve it or return it with your comments:")
        elif event == PlanSubmission.Decision.APPROVED:
            subject = _("Plan approved: %(client)s (version %(number)s)") % values
            intro = (
                _("%(director)s approved the account plan of %(client)s: it is version %(number)s.")
                % values
            )
            close = _("Its versions and what changed between them:")
            link = base + reverse("planning:plan_versions", args=[plan.pk])
        else:
            subject = _("Plan returned: %(client)s") % values
            count = submission.comments.count()
            intro = (
                _("%(director)s returned the account plan of %(client)s with comments.") % values
                + " "
                + translation.ngettext(
                    "%(count)d comment to address.", "%(count)d comments to address.", count
                )
                % {"count": count}
            )
            close = _("Address them on the plan, then submit it again:")
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": _name(recipient)},
                intro,
                close + "\n" + link,
                _("KAM, key account plans"),
            ]
        )
    send_mail(subject, body + "\n", settings.DEFAULT_FROM_EMAIL, [recipient.email])
    logger.info("Plan review email %s sent to user %s for plan %s", event, recipient.pk, plan.pk)


def _name(user: User | None) -> str:
    return "" if user is None else (user.get_full_name() or user.username)
