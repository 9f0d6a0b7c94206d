"""Executive sponsorship of the key accounts: what a KAM asks of the account's internal sponsor
(a plan section), the year-end negotiations our executives take part in, the advisory committee
of key accounts (the customers' executives, its meetings, the topics raised and what we did about
them), and the recognitions given to the programme's people and teams.

The internal sponsor of an account is ``Client.sponsor`` (``accounts``). The rules that write
these rows are in ``planning/services/sponsorship.py``, the reads in
``planning/selectors/sponsorship.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Client, Contact
from kam import history
from kam.constraints import FieldCheckConstraint
from planning.models.plans import Plan


@history.track(plan="plan", name="request")
class SponsorAsk(models.Model):
    """Something the plan's KAM asks of the account's executive sponsor, by a date; the sponsor
    answers it and marks it done."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="sponsor_asks"
    )
    request = models.CharField(_("what is asked"), max_length=300)
    due_on = models.DateField(_("by when"))
    status = models.CharField(
        _("status"), max_length=5, choices=Status.choices, default=Status.OPEN
    )
    answer = models.TextField(_("the sponsor's answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("asked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)

    class Meta:
        verbose_name = _("ask of the sponsor")
        verbose_name_plural = _("asks of the sponsor")
        ordering = ["plan", "status", "due_on", "pk"]
        indexes = [models.Index(fields=["plan", "status"])]
        constraints = [
            FieldCheckConstraint(
                field="request",
                condition=~Q(request=""),
                name="sponsor_ask_says_what",
                violation_error_message=_("Say what you ask of the sponsor."),
            ),
        ]

    def __str__(self) -> str:
        return self.request

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


@history.track(plan="client", name="year")
class YearEndNegotiation(models.Model):
    """The year-end negotiation with a key account: which of our executives take part, when,
    and its outcome (the terms agreed and their impact on our margin, which may be negative)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")

    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.PROTECT,
        related_name="year_end_negotiations",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    held_on = models.DateField(_("date"), null=True, blank=True)
    executives = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("our executives taking part"),
        related_name="year_end_negotiations",
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=7, choices=Status.choices, default=Status.PLANNED
    )
    terms_agreed = models.TextField(_("terms agreed"), blank=True)
    margin_impact = models.DecimalField(
        _("margin impact"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("What the terms agreed add to our yearly gross margin; negative if they cost."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("year-end negotiation")
        verbose_name_plural = _("year-end negotiations")
        ordering = ["client__name", "-year", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "year"],
                name="one_year_end_negotiation_per_client_year",
                violation_error_message=_("This client already has a negotiation for that year."),
            ),
            FieldCheckConstraint(
                field="year",
                condition=Q(year__gte=2000, year__lte=2100),
                name="negotiation_year_2000_2100",
                violation_error_message=_("The year is between 2000 and 2100."),
            ),
            FieldCheckConstraint(
                field="held_on",
                condition=Q(status="planned") | Q(held_on__isnull=False),
                name="held_negotiation_has_a_date",
                violation_error_message=_("A negotiation that was held has a date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client} {self.year}"


class AdvisoryMember(models.Model):
    """One of the customers' executives (a contact of a key account) sitting on the advisory
    committee of key accounts."""

    contact = models.OneToOneField(
        Contact,
        verbose_name=_("executive"),
        on_delete=models.CASCADE,  # a contact deleted leaves the committee; topics stay
        related_name="advisory_seat",
    )
    since = models.DateField(_("member since"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("advisory committee member")
        verbose_name_plural = _("advisory committee members")
        ordering = ["contact__client__name", "contact__last_name", "pk"]

    def __str__(self) -> str:
        return str(self.contact)


class AdvisoryMeeting(models.Model):
    """A meeting of the advisory committee of key accounts."""

    held_on = models.DateField(_("date"))
    title = models.CharField(_("title"), max_length=200)
    attendees = models.ManyToManyField(
        AdvisoryMember, verbose_name=_("members present"), related_name="meetings", blank=True
    )
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("advisory committee meeting")
        verbose_name_plural = _("advisory committee meetings")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class AdvisoryTopic(models.Model):
    """A topic the customers' executives raised at a committee meeting, and what we did about
    it: the action, who owns it, and where it stands."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    meeting = models.ForeignKey(
        AdvisoryMeeting,
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        related_name="topics",
    )
    topic = models.CharField(_("topic raised"), max_length=300)
    raised_by = models.ForeignKey(
        AdvisoryMember,
        verbose_name=_("raised by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="topics",
    )
    action = models.TextField(_("what we do about it"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="advisory_topics",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.OPEN
    )

    class Meta:
        verbose_name = _("advisory committee topic")
        verbose_name_plural = _("advisory committee topics")
        ordering = ["meeting", "pk"]

    def __str__(self) -> str:
        return self.topic


class Recognition(models.Model):
    """An award or a recognition given to one of the programme's people or to a team."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recognitions",
    )
    team = models.CharField(_("team"), max_length=150, blank=True)
    award = models.CharField(_("award"), max_length=200)
    reason = models.TextField(_("for what"))
    awarded_on = models.DateField(_("date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("recognition")
        verbose_name_plural = _("recognitions")
        ordering = ["-awarded_on", "-pk"]
        constraints = [
            FieldCheckConstraint(
                field="team",
                condition=(Q(recipient__isnull=False) & Q(team=""))
                | (Q(recipient__isnull=True) & ~Q(team="")),
                name="recognition_goes_to_a_person_or_a_team",
                violation_error_message=_("A recognition goes to one person or to one team."),
            ),
        ]

    def __str__(self) -> str:
        return self.award

    @property
    def recipient_name(self) -> str:
        return str(self.recipient) if self.recipient_id else self.team
