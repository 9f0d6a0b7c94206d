"""A plan's approval: each submission of a plan for review, the director's comments when they
return it, and the immutable versions their approvals freeze.

The plan's ``status`` says where it stands (draft, submitted, approved, returned); the rules that
move it are in ``planning/services/approval.py``. A ``PlanVersion`` is never changed nor deleted,
by the application or by hand: database triggers refuse it.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam import history
from planning.models.plans import Plan


class PlanVersion(models.Model):
    """What a plan said when a director approved it: numbered 1, 2, … per plan, a snapshot of its
    vision, SWOT, objectives with KPIs and actions, offers, stakeholders, counterpart pairs and
    cadences (``planning.selectors.versions.plan_snapshot``). Frozen once written."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField(_("approved"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    snapshot = models.JSONField(_("content"))

    class Meta:
        verbose_name = _("approved plan version")
        verbose_name_plural = _("approved plan versions")
        ordering = ["plan", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"],
                name="one_version_number_per_plan",
                violation_error_message=_("This plan already has a version with this number."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="version_number_from_1"),
        ]
        triggers = [
            pgtrigger.Protect(
                name="plan_version_is_immutable",
                operation=pgtrigger.Update | pgtrigger.Delete,
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} v{self.number}"


@history.track(plan="plan", name="decision")
class PlanSubmission(models.Model):
    """One submission of a plan for review, and the director's decision on it: approved (with the
    version it froze) or returned (with comments)."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting review")
        APPROVED = "approved", pgettext_lazy("plan review", "Approved")
        RETURNED = "returned", pgettext_lazy("plan review", "Returned")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="submissions"
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted"))
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    version = models.OneToOneField(
        PlanVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submission",
    )
    # when the emails went: each is sent once (planning.services.approval.review_notify)
    submitted_notified_at = models.DateTimeField(_("directors notified"), null=True, blank=True)
    decision_notified_at = models.DateTimeField(_("KAM notified"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan submission")
        verbose_name_plural = _("plan submissions")
        ordering = ["plan", "-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"],
                condition=Q(decision="pending"),
                name="one_pending_submission_per_plan",
                violation_error_message=_("This plan is already awaiting review."),
            ),
            models.CheckConstraint(
                condition=Q(decision="pending", decided_by=None, decided_at=None)
                | (~Q(decision="pending") & Q(decided_by__isnull=False, decided_at__isnull=False)),
                name="submission_decided_with_who_and_when",
            ),
            models.CheckConstraint(
                condition=Q(decision="approved", version__isnull=False)
                | (~Q(decision="approved") & Q(version=None)),
                name="approved_submission_has_its_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.submitted_at:%Y-%m-%d} {self.decision}"


@history.track(plan="submission__plan", name="text")
class ReviewComment(models.Model):
    """A director's comment on a returned plan: on the whole plan, one of its sections, or one of
    its items (an objective, a KPI, an action, a stakeholder…). It stays on the plan, resolved or
    not, until the plan is submitted again."""

    class Section(models.TextChoices):
        PLAN = "plan", _("The whole plan")
        VISION = "vision", _("Shared vision")
        SWOT = "swot", _("SWOT")
        OBJECTIVES = "objectives", _("Objectives")
        ACTIONS = "actions", _("Actions")
        OFFERS = "offers", _("Offers")
        PEOPLE = "people", _("People")
        MEETINGS = "meetings", _("Meetings")

    class ItemKind(models.TextChoices):
        OBJECTIVE = "objective", _("Objective")
        KPI = "kpi", _("KPI")
        ACTION = "action", _("Action")
        OFFER = "offer", _("Offer")
        STAKEHOLDER = "stakeholder", _("Stakeholder")
        CADENCE = "cadence", _("Meeting cadence")
        COUNTERPART = "counterpart", _("Counterpart pair")

    submission = models.ForeignKey(
        PlanSubmission,
        verbose_name=_("submission"),
        on_delete=models.CASCADE,
        related_name="comments",
    )
    section = models.CharField(
        _("about"), max_length=12, choices=Section.choices, default=Section.PLAN
    )
    item_kind = models.CharField(_("item"), max_length=12, choices=ItemKind.choices, blank=True)
    item_id = models.PositiveIntegerField(_("item id"), null=True, blank=True)
    item_label = models.CharField(
        _("item name"),
        max_length=300,
        blank=True,
        help_text=_("The item's name when the comment was written; it may change or go since."),
    )
    text = models.TextField(_("comment"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["submission", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(item_kind="", item_id=None)
                | (~Q(item_kind="") & Q(item_id__isnull=False)),
                name="review_comment_item_has_kind_and_id",
            ),
            models.CheckConstraint(
                condition=Q(resolved_at=None, resolved_by=None)
                | Q(resolved_at__isnull=False, resolved_by__isnull=False),
                name="review_comment_resolved_with_who_and_when",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
