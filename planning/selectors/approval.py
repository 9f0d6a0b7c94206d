"""What a plan's page shows of its approval: who may submit or review it now, the director's
comments still open, its versions; and the plans awaiting a director's review."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
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
from planning.selectors import plans as plan_selectors


@dataclass
class PlanReview:
    """The approval bar of one plan, for one user."""

    plan: Plan
    can_submit: bool = False
    can_review: bool = False
    can_resolve: bool = False
    pending: PlanSubmission | None = None
    returned: PlanSubmission | None = None
    comments: list[ReviewComment] = field(default_factory=list)
    latest_version: PlanVersion | None = None
    version_count: int = 0

    @property
    def unresolved(self) -> int:
        return sum(1 for comment in self.comments if not comment.is_resolved)


def plan_review(*, user: User, plan: Plan) -> PlanReview:
    """The approval state of ``plan`` (one ``user`` sees) and what ``user`` may do about it."""
    review = PlanReview(plan=plan)
    latest = (
        plan.submissions.select_related("submitted_by", "decided_by")
        .order_by("-submitted_at", "-pk")
        .first()
    )
    editable = plan.status in {Plan.Status.DRAFT, Plan.Status.RETURNED}
    review.can_submit = editable and permissions.may_submit_plan(user, plan)
    if latest is not None and latest.decision == PlanSubmission.Decision.PENDING:
        review.pending = latest
        review.can_review = permissions.may_review_plan(user, plan)
    if latest is not None and latest.decision == PlanSubmission.Decision.RETURNED:
        review.returned = latest
        review.comments = list(
            latest.comments.select_related("author", "resolved_by").order_by("pk")
        )
        review.can_resolve = plan.status == Plan.Status.RETURNED and permissions.may_edit_plan(
            user, plan
        )
    versions = PlanVersion.objects.filter(plan=plan).select_related("approved_by")
    review.latest_version = versions.order_by("-number").first()
    review.version_count = review.latest_version.number if review.latest_version else 0
    return review


def item_comments(*, plan: Plan) -> dict[str, list[ReviewComment]]:
    """The director's comments of the plan's last return that are about one item, by
    ``"<kind>:<id>"`` (``"offer:12"``), for the pages to show beside the item; empty when the
    plan was not returned since its last submission (the comments then are closed)."""
    latest = plan.submissions.order_by("-submitted_at", "-pk").first()
    if latest is None or latest.decision != PlanSubmission.Decision.RETURNED:
        return {}
    found: dict[str, list[ReviewComment]] = {}
    comments = latest.comments.exclude(item_kind="").select_related("author").order_by("pk")
    for comment in comments:
        found.setdefault(f"{comment.item_kind}:{comment.item_id}", []).append(comment)
    return found


def comments_digest(comments: dict[str, list[ReviewComment]]) -> str:
    """What of ``item_comments`` a cached part shows: each comment and whether it is resolved."""
    return ",".join(
        f"{comment.pk}{'r' if comment.is_resolved else ''}"
        for notes in comments.values()
        for comment in notes
    )


def comment_targets(plan: Plan) -> list[tuple[str, Any]]:
    """What a director's comment may be about, for a form's choices: the whole plan, each
    section, then each objective, KPI, action, offer, stakeholder and cadence, grouped."""
    groups: list[tuple[str, Any]] = [
        (
            _("Plan and sections"),
            [(f"section:{value}", label) for value, label in ReviewComment.Section.choices],
        )
    ]
    items: list[tuple[str, QuerySet[Any], str]] = [
        (ReviewComment.ItemKind.OBJECTIVE, Objective.objects.filter(plan=plan), _("Objectives")),
        (ReviewComment.ItemKind.KPI, Kpi.objects.filter(objective__plan=plan), _("KPIs")),
        (
            ReviewComment.ItemKind.ACTION,
            Action.objects.filter(objective__plan=plan),
            _("Actions"),
        ),
        (ReviewComment.ItemKind.OFFER, Offer.objects.filter(plan=plan), _("Offers")),
        (
            ReviewComment.ItemKind.STAKEHOLDER,
            Stakeholder.objects.filter(plan=plan).select_related("contact"),
            _("Stakeholders"),
        ),
        (ReviewComment.ItemKind.CADENCE, Cadence.objects.filter(plan=plan), _("Meeting cadences")),
        (
            ReviewComment.ItemKind.COUNTERPART,
            CounterpartPair.objects.filter(plan=plan).select_related(
                "user", "stakeholder__contact"
            ),
            _("Counterpart pairs"),
        ),
    ]
    for kind, rows, label in items:
        if kind == ReviewComment.ItemKind.OFFER:
            rows = rows.select_related("offering")
        choices = [(f"{kind}:{row.pk}", str(row)[:80]) for row in rows]
        if choices:
            groups.append((label, choices))
    return groups


def plan_list_awaiting_review(*, user: User) -> list[Plan]:
    """The submitted plans ``user`` sees and may review, oldest submission first."""
    plans = (
        plan_selectors.plan_list(user=user)
        .filter(status=Plan.Status.SUBMITTED)
        .select_related("owner")
    )
    pending = {
        submission.plan_id: submission
        for submission in PlanSubmission.objects.filter(
            plan__in=plans, decision=PlanSubmission.Decision.PENDING
        ).select_related("submitted_by")
    }
    rows = [plan for plan in plans if permissions.may_review_plan(user, plan)]
    for plan in rows:
        plan.pending_submission = pending.get(plan.pk)  # type: ignore[attr-defined]
    return sorted(
        rows,
        key=lambda plan: (
            plan.pending_submission.submitted_at  # type: ignore[attr-defined]
            if plan.pending_submission  # type: ignore[attr-defined]
            else plan.updated_at
        ),
    )
