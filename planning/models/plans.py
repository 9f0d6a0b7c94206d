"""Key account plans and the people around them: the plan and its sections (vision, SWOT,
objectives with KPIs and actions, offers), the customer's stakeholders and our counterparts,
the meeting cadences agreed with the customer and the meetings held.

A plan belongs to a *key account* (a client on the confirmed shortlist of a programme year,
``scoring``) for a period; the rules that write these rows are in ``planning/services/``, the
reads (and who sees which plan) in ``planning/selectors/``.
"""

from __future__ import annotations

import calendar
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Func, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Client, Contact, Department
from kam import history
from kam.constraints import FieldCheckConstraint
from kam.formats import long_date


class DateRange(Func):
    """``daterange(start, end, '[]')``: the days of a period, both ends included."""

    function = "DATERANGE"
    output_field = DateRangeField()

    def __init__(self, start: str, end: str) -> None:
        super().__init__(
            F(start), F(end), RangeBoundary(inclusive_lower=True, inclusive_upper=True)
        )


class Level(models.TextChoices):
    """How high in both organisations a relationship or a meeting sits."""

    EXECUTIVE = "executive", _("Executive")
    MANAGEMENT = "management", pgettext_lazy("level", "Management")  # not the department
    OPERATIONAL = "operational", _("Operational")


class Offering(models.Model):
    """One of our product lines or services, in the small catalogue a director maintains."""

    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product line")
        SERVICE = "service", _("Service")

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PRODUCT)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("offered"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


@history.track(plan="")
class Plan(models.Model):
    """The account plan of one key account for one period: short, the same sections in the same
    order for every account. ``status`` carries the approval workflow."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned")

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.PROTECT, related_name="plans"
    )
    programme = models.ForeignKey(
        "scoring.Programme",
        verbose_name=_("programme year"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    period_start = models.DateField(_("start"))
    period_end = models.DateField(_("end"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("key account manager"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_plans",
        help_text=_("The client's key account manager; follows the client."),
    )
    # 1. Shared vision and the customer's strategy
    customer_business = models.TextField(_("the customer's business"), blank=True)
    customer_strategy = models.TextField(_("their strategy and outlook"), blank=True)
    shared_vision = models.TextField(_("what we build together"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("opened"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("account plan")
        verbose_name_plural = _("account plans")
        ordering = ["client__name", "-period_start", "pk"]
        constraints = [
            FieldCheckConstraint(
                field="period_end",
                condition=Q(period_end__gt=F("period_start")),
                name="plan_period_end_after_start",
                violation_error_message=_("The plan ends after it starts."),
            ),
            ExclusionConstraint(
                name="plan_periods_of_a_client_do_not_overlap",
                expressions=[
                    (DateRange("period_start", "period_end"), RangeOperators.OVERLAPS),
                    ("client", RangeOperators.EQUAL),
                ],
                violation_error_message=_(
                    "This client already has a plan for part of this period."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.period_start:%Y-%m} - {self.period_end:%Y-%m}"

    def get_absolute_url(self) -> str:
        return reverse("planning:plan_detail", args=[self.pk])

    def clean(self) -> None:
        # before the constraints: a reversed period is no range to compare with other plans
        if self.period_start and self.period_end and self.period_end <= self.period_start:
            raise ValidationError({"period_end": _("The plan ends after it starts.")})


class PlanOwnership(models.Model):
    """Who held a plan, and when: a change of the client's KAM keeps the plan and is recorded."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="ownerships"
    )
    kam = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("key account manager"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    since = models.DateTimeField(_("since"))
    until = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan holder")
        verbose_name_plural = _("plan holders")
        ordering = ["plan", "since", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=Q(until=None), name="one_current_holder_per_plan"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.kam_id}"


@history.track(plan="plan", name="text")
class SwotItem(models.Model):
    """One point of the SWOT of our position at the customer."""

    class Quadrant(models.TextChoices):
        STRENGTH = "strength", _("Strengths")
        WEAKNESS = "weakness", _("Weaknesses")
        OPPORTUNITY = "opportunity", _("Opportunities")
        THREAT = "threat", _("Threats")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="swot_items"
    )
    quadrant = models.CharField(_("quadrant"), max_length=12, choices=Quadrant.choices)
    text = models.CharField(_("text"), max_length=300)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("SWOT item")
        verbose_name_plural = _("SWOT items")
        ordering = ["plan", "quadrant", "position", "pk"]

    def __str__(self) -> str:
        return self.text


@history.track(plan="plan", name="title")
class Objective(models.Model):
    """A goal of the plan: one of the customer's own goals, or one of ours at this customer."""

    class Side(models.TextChoices):
        CUSTOMER = "customer", _("The customer's goals")
        OURS = "ours", _("Our goals")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="objectives"
    )
    side = models.CharField(_("whose goal"), max_length=10, choices=Side.choices)
    title = models.CharField(pgettext_lazy("heading", "title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")
        ordering = ["plan", "side", "position", "pk"]

    def __str__(self) -> str:
        return self.title


@history.track(plan="objective__plan", name="name")
class Kpi(models.Model):
    """How an objective is measured. A KPI the ledger can measure takes its current value from
    the client's ledger metrics (``measure``); any other is kept by hand."""

    class Measure(models.TextChoices):
        MANUAL = "manual", _("Entered by hand")
        REVENUE = "revenue", _("Revenue (ledger)")
        GROSS_MARGIN = "gross_margin", _("Gross margin (ledger)")
        MARGIN_PCT = "margin_pct", _("Margin % (ledger)")
        VOLUME = "volume", _("Volume (ledger)")
        DAYS_LATE = "days_late", _("Average days late (ledger)")

    LEDGER_MARGIN = (Measure.GROSS_MARGIN, Measure.MARGIN_PCT)

    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.CASCADE, related_name="kpis"
    )
    name = models.CharField(_("name"), max_length=150)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    measure = models.CharField(
        _("measured by"), max_length=12, choices=Measure.choices, default=Measure.MANUAL
    )
    is_margin = models.BooleanField(
        _("measures margin or profit"),
        default=False,
        help_text=_("Every plan needs at least one margin or profit KPI, not only revenue."),
    )
    baseline = models.DecimalField(
        _("baseline"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    target = models.DecimalField(_("target"), max_digits=18, decimal_places=4)
    current = models.DecimalField(
        _("current"), max_digits=18, decimal_places=4, null=True, blank=True
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("KPI")
        verbose_name_plural = _("KPIs")
        ordering = ["objective", "position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def from_ledger(self) -> bool:
        return self.measure != self.Measure.MANUAL

    @property
    def measures_margin(self) -> bool:
        return self.is_margin or self.measure in self.LEDGER_MARGIN


@history.track(plan="objective__plan", name="title")
class Action(models.Model):
    """Something one of our people does for an objective, by a date."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        BLOCKED = "blocked", _("Blocked")
        DROPPED = "dropped", _("Dropped")

    OPEN = (Status.PLANNED, Status.IN_PROGRESS, Status.BLOCKED)

    objective = models.ForeignKey(
        Objective, verbose_name=_("objective"), on_delete=models.CASCADE, related_name="actions"
    )
    title = models.CharField(pgettext_lazy("heading", "title"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="plan_actions",
    )
    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0)
    comment = models.TextField(_("comment"), blank=True)
    decision = models.OneToOneField(
        "MeetingDecision",
        verbose_name=_("from the meeting decision"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="action",
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["objective", "position", "pk"]
        constraints = [
            FieldCheckConstraint(
                field="progress",
                condition=Q(progress__lte=100),
                name="action_progress_0_100",
                violation_error_message=_("Progress is between 0 and 100."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def is_overdue(self, today: date) -> bool:
        return self.is_open and self.due_date < today


@history.track(plan="plan", name=("offering", "business_unit"))
class Offer(models.Model):
    """What we sell, or could sell, to one business unit or site of the customer, and how we
    price it. Offerings by business units with no offer are the whitespace."""

    class Status(models.TextChoices):
        CURRENT = "current", _("Current")
        POTENTIAL = "potential", _("Potential")
        WON = "won", _("Won")

    class Pricing(models.TextChoices):
        COST_PLUS = "cost_plus", _("Cost-plus")
        MARKET = "market", _("Market")
        VALUE_BASED = "value_based", _("Value-based")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="offers"
    )
    offering = models.ForeignKey(
        Offering, verbose_name=_("offering"), on_delete=models.PROTECT, related_name="offers"
    )
    business_unit = models.CharField(_("business unit or site"), max_length=150)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    pricing = models.CharField(_("pricing approach"), max_length=12, choices=Pricing.choices)
    value_drivers = models.TextField(
        _("value drivers"),
        blank=True,
        help_text=_("What the customer gains, for value-based pricing."),
    )
    annual_value = models.DecimalField(
        _("yearly value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["plan", "offering__position", "offering__name", "business_unit", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "offering", "business_unit"],
                name="one_offer_per_plan_offering_unit",
                violation_error_message=_(
                    "This offering is already in the plan for this business unit."
                ),
            ),
            FieldCheckConstraint(
                field="value_drivers",
                condition=~Q(pricing="value_based") | ~Q(value_drivers=""),
                name="value_based_offer_has_drivers",
                violation_error_message=_("Value-based pricing names its value drivers."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering} · {self.business_unit}"


@history.track(plan="plan", name="contact")
class Stakeholder(models.Model):
    """One of the customer's people (a contact of the client) as this plan sees them."""

    class BuyingRole(models.TextChoices):
        DECISION_MAKER = "decision_maker", _("Economic buyer / decision maker")
        EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor on their side")
        CHAMPION = "champion", _("Champion")
        INFLUENCER = "influencer", _("Influencer")
        COACH = "coach", _("Coach")
        USER = "user", _("User")
        ANTI_SPONSOR = "anti_sponsor", _("Anti-sponsor")

    class Attitude(models.TextChoices):
        ADVOCATE = "advocate", _("Advocate")
        SUPPORTIVE = "supportive", _("Supportive")
        NEUTRAL = "neutral", _("Neutral")
        SCEPTICAL = "sceptical", _("Sceptical")
        HOSTILE = "hostile", _("Hostile")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="stakeholders"
    )
    contact = models.ForeignKey(
        Contact, verbose_name=_("contact"), on_delete=models.PROTECT, related_name="stakeholders"
    )
    buying_role = models.CharField(_("buying role"), max_length=20, choices=BuyingRole.choices)
    attitude = models.CharField(
        _("attitude"), max_length=12, choices=Attitude.choices, default=Attitude.NEUTRAL
    )
    influence = models.PositiveSmallIntegerField(_("influence (1-5)"), default=3)
    level = models.CharField(
        _("level"), max_length=12, choices=Level.choices, default=Level.MANAGEMENT
    )
    reports_to = models.ForeignKey(
        "self",
        verbose_name=_("reports to"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering = ["plan", "contact__last_name", "contact__first_name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "contact"],
                name="one_stakeholder_per_plan_contact",
                violation_error_message=_("This person is already a stakeholder of the plan."),
            ),
            FieldCheckConstraint(
                field="influence",
                condition=Q(influence__gte=1, influence__lte=5),
                name="stakeholder_influence_1_5",
                violation_error_message=_("Influence is between 1 and 5."),
            ),
            FieldCheckConstraint(
                field="reports_to",
                condition=~Q(reports_to=F("pk")),
                name="stakeholder_not_own_manager",
                violation_error_message=_("A person cannot report to themselves."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.contact)


@history.track(plan="plan", name="name")
class Cadence(models.Model):
    """A rhythm of meetings agreed with the customer in advance, at one level."""

    class Kind(models.TextChoices):
        STRATEGIC_REVIEW = "strategic_review", _("Strategic alignment review")
        CO_DEVELOPMENT = "co_development", _("Co-development project review")
        PEER_TO_PEER = "peer_to_peer", _("Peer-to-peer exchange")
        CUSTOM = "custom", _("Other")

    class Unit(models.TextChoices):
        WEEK = "week", _("weeks")
        MONTH = "month", _("months")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="cadences"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    every = models.PositiveSmallIntegerField(_("every"))
    unit = models.CharField(_("unit"), max_length=5, choices=Unit.choices, default=Unit.MONTH)
    starts_on = models.DateField(_("first meeting due"))
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    agreed_by_us = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agreed by (our side)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    agreed_by_them = models.ForeignKey(
        Stakeholder,
        verbose_name=_("agreed by (their side)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    our_department = models.CharField(
        _("our department"), max_length=20, choices=Department.choices, blank=True
    )
    their_function = models.CharField(_("their function"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("meeting cadence")
        verbose_name_plural = _("meeting cadences")
        ordering = ["plan", "level", "name", "pk"]
        constraints = [
            FieldCheckConstraint(
                field="every",
                condition=Q(every__gte=1),
                name="cadence_every_positive",
                violation_error_message=_("A cadence repeats at least every 1 week or month."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def due_after(self, day: date) -> date:
        """The day one period after ``day``: when the next meeting is due after one held then
        (the end of a shorter month when the day does not exist in it: 31 Jan + 1 month is
        28 or 29 Feb)."""
        if self.unit == self.Unit.WEEK:
            return day + timedelta(weeks=self.every)
        months = day.month - 1 + self.every
        year, month = day.year + months // 12, months % 12 + 1
        return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@history.track(plan="plan", name=("user", "stakeholder"))
class CounterpartPair(models.Model):
    """One of our people paired with one of theirs, at a level, in a cadence."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="counterparts"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our person"),
        on_delete=models.PROTECT,
        related_name="counterparts",
    )
    stakeholder = models.ForeignKey(
        Stakeholder,
        verbose_name=_("their person"),
        on_delete=models.CASCADE,
        related_name="counterparts",
    )
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    cadence = models.ForeignKey(
        Cadence,
        verbose_name=_("cadence"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pairs",
    )

    class Meta:
        verbose_name = _("counterpart pair")
        verbose_name_plural = _("counterpart pairs")
        ordering = ["plan", "level", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "user", "stakeholder"],
                name="one_pair_per_plan_user_stakeholder",
                violation_error_message=_("These two people are already paired in this plan."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} ↔ {self.stakeholder_id}"


@history.track(plan="plan", name=("date", "title"), label=lambda meeting: long_date(meeting.date))
class Meeting(models.Model):
    """A meeting held with the customer, logged afterwards."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="meetings"
    )
    cadence = models.ForeignKey(
        Cadence,
        verbose_name=_("cadence"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
    )
    date = models.DateField(_("date"))
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    title = models.CharField(pgettext_lazy("heading", "title"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    our_participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our participants"),
        related_name="plan_meetings",
        blank=True,
        through="MeetingOurParticipant",
    )
    their_participants = models.ManyToManyField(
        Stakeholder,
        verbose_name=_("their participants"),
        related_name="meetings",
        blank=True,
        through="MeetingTheirParticipant",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("logged"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["plan", "-date", "-pk"]
        indexes = [models.Index(fields=["cadence", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.title}".strip()


PARTICIPANT_PHRASES = {
    "insert": pgettext_lazy("history", "%(name)s added to the meeting of %(parent)s"),
    "delete": pgettext_lazy("history", "%(name)s removed from the meeting of %(parent)s"),
}
"""How a plan's history says a participant came or went."""


@history.track(plan="meeting__plan", name="user", phrases=PARTICIPANT_PHRASES)
class MeetingOurParticipant(models.Model):
    """One of our people at a meeting (``Meeting.our_participants``): each one added or removed
    is in the plan's history."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("our participant"), on_delete=models.CASCADE
    )

    class Meta:
        db_table = "planning_meeting_our_participants"
        verbose_name = _("meeting participant (our side)")
        verbose_name_plural = _("meeting participants (our side)")
        unique_together = [("meeting", "user")]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.user_id}"


@history.track(plan="meeting__plan", name="stakeholder", phrases=PARTICIPANT_PHRASES)
class MeetingTheirParticipant(models.Model):
    """One of the customer's people at a meeting (``Meeting.their_participants``): each one
    added or removed is in the plan's history."""

    meeting = models.ForeignKey(Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE)
    stakeholder = models.ForeignKey(
        Stakeholder, verbose_name=_("their participant"), on_delete=models.CASCADE
    )

    class Meta:
        db_table = "planning_meeting_their_participants"
        verbose_name = _("meeting participant (their side)")
        verbose_name_plural = _("meeting participants (their side)")
        unique_together = [("meeting", "stakeholder")]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.stakeholder_id}"


@history.track(plan="meeting__plan", name="text")
class MeetingDecision(models.Model):
    """Something decided in a meeting; it becomes a plan action in one click
    (``Action.decision``)."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="decisions"
    )
    text = models.CharField(_("decision"), max_length=300)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("meeting decision")
        verbose_name_plural = _("meeting decisions")
        ordering = ["meeting", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class MeetingReminder(models.Model):
    """A reminder sent to one person about one due meeting of a cadence: sent once, never twice."""

    class Kind(models.TextChoices):
        UPCOMING = "upcoming", _("Upcoming")
        OVERDUE = "overdue", _("Overdue")

    cadence = models.ForeignKey(
        Cadence, verbose_name=_("cadence"), on_delete=models.CASCADE, related_name="reminders"
    )
    due_on = models.DateField(_("meeting due"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting reminder")
        verbose_name_plural = _("meeting reminders")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cadence", "due_on", "kind", "recipient"],
                name="one_reminder_per_meeting_kind_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.cadence_id} {self.due_on} {self.kind} {self.recipient_id}"


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A personal calendar subscription: the upcoming meetings of a user's plans, behind a
    secret URL that the user can revoke (a new token replaces the old one)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_calendar_token)
    created_at = models.DateTimeField(_("created"), auto_now=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return str(self.user)
