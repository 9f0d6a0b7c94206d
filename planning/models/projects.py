"""Investment projects and the steering committee: what a key account's KAM proposes to invest
in the account (by year: budget, expected margin impact, what was spent), and the committee's
sessions that approve, reject, defer or stop each one with a recorded reason.

A project belongs to a plan, and so to the plan's key account and programme year; its years lie
within the programme's investment horizon (``scoring.Programme.investment_years``). Approved
budgets count against the programme budget of each year, next to the confirmed shortlist's
cost; a decision that goes over it records an exception. The rules are in
``planning/services/projects.py``, the reads (who sees which project) in
``planning/selectors/projects.py``.
"""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam import history
from kam.constraints import FieldCheckConstraint
from planning.models.plans import Objective, Plan


@history.track(plan="plan", name="title")
class InvestmentProject(models.Model):
    """An investment a key account's KAM proposes (or a director): what it is, who owns it, the
    plan's objectives it serves, and its budget and margin impact by year (``years``)."""

    class Kind(models.TextChoices):
        CO_INNOVATION = "co_innovation", _("Co-innovation")
        RESEARCH = "research", _("R&D")
        PRODUCT_LAUNCH = "product_launch", _("Product launch")
        EXPANSION = "expansion", _("Geographic expansion")
        SUPPLY_CHAIN = "supply_chain", _("Logistics / supply chain")
        DEDICATED_TEAM = "dedicated_team", _("Dedicated team")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        DEFERRED = "deferred", _("Deferred")
        STOPPED = "stopped", _("Stopped")

    OPEN = (Status.PROPOSED, Status.DEFERRED)
    """Waiting for the committee: it may still change, and a session reviews it."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="projects"
    )
    kind = models.CharField(
        _("type"),
        max_length=20,
        choices=Kind.choices,
        error_messages={"invalid_choice": _("Choose the type of investment.")},
    )
    title = models.CharField(
        _("title"), max_length=200, error_messages={"blank": _("Give the project a title.")}
    )
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_projects",
    )
    objectives = models.ManyToManyField(
        Objective,
        verbose_name=_("objectives"),
        blank=True,
        related_name="projects",
        through="ProjectObjective",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("investment project")
        verbose_name_plural = _("investment projects")
        ordering = ["plan__client__name", "created_at", "pk"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("planning:project_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        """Still waiting for the committee's yes or no: its budget may change."""
        return self.status in self.OPEN


@history.track(
    plan="project__plan",
    name="objective",
    phrases={
        "insert": pgettext_lazy("history", "%(name)s linked to the project “%(parent)s”"),
        "delete": pgettext_lazy("history", "%(name)s no longer linked to the project “%(parent)s”"),
    },
)
class ProjectObjective(models.Model):
    """An objective of the plan that a project serves (``InvestmentProject.objectives``): each
    one linked or unlinked is in the plan's history."""

    project = models.ForeignKey(
        InvestmentProject,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        db_column="investmentproject_id",
    )
    objective = models.ForeignKey(Objective, verbose_name=_("objective"), on_delete=models.CASCADE)

    class Meta:
        db_table = "planning_investmentproject_objectives"
        verbose_name = _("objective of a project")
        verbose_name_plural = _("objectives of projects")
        unique_together = [("project", "objective")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.objective_id}"


@history.track(plan="project__plan", name=("project", "year"))
class ProjectYear(models.Model):
    """One year of a project: its budget, the margin it is expected to add, and what was spent
    on it so far (for an approved or stopped project)."""

    project = models.ForeignKey(
        InvestmentProject, verbose_name=_("project"), on_delete=models.CASCADE, related_name="years"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2)
    margin_impact = models.DecimalField(
        _("expected margin impact"), max_digits=14, decimal_places=2, default=Decimal(0)
    )
    spent = models.DecimalField(
        _("spent to date"), max_digits=14, decimal_places=2, default=Decimal(0)
    )

    class Meta:
        verbose_name = _("project year")
        verbose_name_plural = _("project years")
        ordering = ["project", "year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="one_line_per_project_year"),
            FieldCheckConstraint(
                field="budget",
                condition=Q(budget__gte=0),
                name="project_year_budget_not_negative",
                violation_error_message=_("A budget cannot be negative."),
            ),
            FieldCheckConstraint(
                field="spent",
                condition=Q(spent__gte=0),
                name="project_year_spent_not_negative",
                violation_error_message=_("What was spent cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.year}"


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    append_only=True,
    meta={
        "verbose_name": _("steering committee session: history event"),
        "verbose_name_plural": _("steering committee session: history events"),
    },
)
class SteeringSession(models.Model):
    """A meeting of the steering committee: when, who sits on it, its agenda; ``held`` once it
    has met. Its decisions are ``decisions``.

    Its changes are recorded like a plan's rows (append-only events, who made them) but belong
    to no plan: the admin shows them, a plan's history shows the decisions."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")

    date = models.DateField(_("date"))
    programme = models.ForeignKey(
        "scoring.Programme",
        verbose_name=_("programme year"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="steering_sessions",
        help_text=_("The programme year whose investment the session decides, if one."),
    )
    agenda = models.TextField(_("agenda"), blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members"),
        blank=True,
        related_name="steering_sessions",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("steering committee session")
        verbose_name_plural = _("steering committee sessions")
        ordering = ["-date", "-pk"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("planning:steering_detail", args=[self.pk])


@history.track(plan="project__plan", name=("project", "outcome"))
class SteeringDecision(models.Model):
    """What a steering committee session decided about one project, and why: never edited. An
    approval that takes a programme year over its budget records the exception that allows it.
    ``notified_at``: when its KAM was told by email (once)."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", _("Approve")
        REJECT = "reject", _("Reject")
        DEFER = "defer", _("Defer")
        STOP = "stop", _("Stop")

    session = models.ForeignKey(
        SteeringSession,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    project = models.ForeignKey(
        InvestmentProject,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    outcome = models.CharField(
        _("decision"),
        max_length=10,
        choices=Outcome.choices,
        error_messages={"invalid_choice": _("Choose approve, reject, defer or stop.")},
    )
    reason = models.TextField(
        _("reason"), error_messages={"blank": _("Record the reason for this decision.")}
    )
    budget_exception = models.TextField(
        _("budget exception"),
        blank=True,
        help_text=_("Required when the approval takes a programme year over its budget."),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), auto_now_add=True)
    notified_at = models.DateTimeField(_("KAM notified"), null=True, blank=True)

    class Meta:
        verbose_name = _("steering decision")
        verbose_name_plural = _("steering decisions")
        ordering = ["-decided_at", "-pk"]
        constraints = [
            FieldCheckConstraint(
                field="reason",
                condition=~Q(reason=""),
                name="steering_decision_has_reason",
                violation_error_message=_("Record the reason for this decision."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id} {self.project_id} {self.outcome}"
