"""Criteria, ratings, weights, scoring runs and overrides: the data behind the selection of key
accounts. The computation itself is in ``scoring/ranking.py``; the rules that write these rows
are in ``scoring/services/``."""

import itertools
import math
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import formats
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Client
from kam import bilingual
from kam.constraints import FieldCheckConstraint

OVERRIDE_LIMIT = 50
"""No setting can allow an adjustment of more than 50 points either way (on a total out of 100);
the bound in force is ``settings.KAM_OVERRIDE_BOUND`` (10 by default), checked by
``Override.clean``."""

LEVELS = ("1", "2", "3", "4", "5")
"""The levels of a rating, as the keys of a rubric."""

RATED_FAMILIES = ("strategic", "maturity")
"""The families whose criteria people rate (1 to 5); financial criteria read the ledger."""

SHORTLIST_RECOMMENDED = 5
"""One to five key accounts is what a programme can serve well; more gets a warning."""
SHORTLIST_CONFIRM_ABOVE = 10
"""Confirming more than ten key accounts needs a recorded reason: some do not deserve it."""


class Criterion(models.Model):
    """One thing a client is scored on, and how its raw values become a 0-1 score.

    ``met_threshold`` is on the normalised scale (0 to 1), not in the raw unit: the criterion is
    met when the client's normalised score reaches it, whatever the normalisation.
    """

    class Family(models.TextChoices):
        FINANCIAL = "financial", _("Financial")
        STRATEGIC = "strategic", _("Strategic alignment")
        MATURITY = "maturity", _("Maturity")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("Higher is better")
        LOWER = "lower", _("Lower is better")

    class Normalisation(models.TextChoices):
        MINMAX = "minmax", _("Between the lowest and the highest value")
        PERCENTILE = "percentile", _("Share of the other clients beaten")
        THRESHOLDS = "thresholds", _("Thresholds reached")

    class Source(models.TextChoices):
        """The ``ClientYearMetric`` field a financial criterion reads."""

        REVENUE = "revenue", _("Revenue")
        VOLUME = "volume", _("Volume")
        GROSS_MARGIN = "gross_margin", _("Gross margin")
        MARGIN_PCT = "margin_pct", _("Margin %")
        GROWTH_PCT = "growth_pct", _("Growth vs previous year %")
        SHARE_PCT = "share_pct", _("Share of total revenue %")
        AVG_DAYS_TO_PAY = "avg_days_to_pay", _("Average days to pay")
        AVG_DAYS_LATE = "avg_days_late", _("Average days late")
        DISPUTE_RATE = "dispute_rate", _("Dispute rate %")

    code = models.SlugField(
        _("code"),
        unique=True,
        error_messages={"unique": _("There is already a criterion with this code.")},
    )
    name_en = models.CharField(_("name in English"), max_length=150, blank=True)
    name_fr = models.CharField(_("name in French"), max_length=150, blank=True)
    family = models.CharField(
        _("family"),
        max_length=20,
        choices=Family.choices,
        error_messages={"invalid_choice": _("Choose financial, strategic alignment or maturity.")},
    )
    direction = models.CharField(
        _("direction"),
        max_length=10,
        choices=Direction.choices,
        default=Direction.HIGHER,
        error_messages={"invalid_choice": _("Choose higher or lower is better.")},
    )
    normalisation = models.CharField(
        _("normalisation"),
        max_length=12,
        choices=Normalisation.choices,
        error_messages={"invalid_choice": _("Choose how the values become a score.")},
    )
    thresholds = models.JSONField(
        _("thresholds"),
        default=list,
        blank=True,
        help_text=_("Strictly increasing numbers; only for criteria scored on thresholds."),
    )
    met_threshold = models.FloatField(
        _("met from"),
        default=0.5,
        help_text=_(
            "The criterion is met when the client's normalised score (0 to 1) is at least this."
        ),
    )
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=Source.choices,
        blank=True,
        help_text=_("Financial criteria: the yearly ledger figure they read."),
        error_messages={
            "invalid_choice": _("Choose the ledger figure a financial criterion reads.")
        },
    )
    rubric_en = models.JSONField(
        _("rubric in English"),
        default=dict,
        blank=True,
        help_text=_('Rated criteria: what each level "1" to "5" means.'),
    )
    rubric_fr = models.JSONField(
        _("rubric in French"),
        default=dict,
        blank=True,
        help_text=_('Rated criteria: what each level "1" to "5" means.'),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["family", "code"]
        constraints = [
            FieldCheckConstraint(
                field="name_en",
                condition=Q(name_en__gt="") | Q(name_fr__gt=""),
                name="criterion_has_a_name",
                violation_error_message=_("Give the criterion a name, in English or in French."),
            ),
            FieldCheckConstraint(
                field="source",
                condition=~Q(family="financial") | Q(source__gt=""),
                name="criterion_financial_has_source",
                violation_error_message=_("Choose the ledger figure a financial criterion reads."),
            ),
            FieldCheckConstraint(
                field="source",
                condition=Q(family="financial") | Q(source=""),
                name="criterion_rated_has_no_source",
                violation_error_message=_(
                    "A rated criterion reads no ledger figure: leave the source empty."
                ),
            ),
            FieldCheckConstraint(
                field="thresholds",
                condition=Q(normalisation="thresholds") | Q(thresholds=[]),
                name="criterion_thresholds_only_for_thresholds",
                violation_error_message=_(
                    "Only a criterion scored on thresholds takes thresholds."
                ),
            ),
            FieldCheckConstraint(
                field="thresholds",
                condition=~Q(normalisation="thresholds") | ~Q(thresholds=[]),
                name="criterion_thresholds_required",
                violation_error_message=_(
                    "A criterion scored on thresholds needs at least one threshold."
                ),
            ),
            FieldCheckConstraint(
                field="met_threshold",
                condition=Q(met_threshold__gte=0, met_threshold__lte=1),
                name="criterion_met_threshold_0_1",
                violation_error_message=_("The score from which a criterion is met is 0 to 1."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, Promise] = {}
        thresholds = self.thresholds
        if not isinstance(thresholds, list) or not all(
            isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
            for value in thresholds
        ):
            errors["thresholds"] = _("Thresholds are a list of numbers.")
        elif any(b <= a for a, b in itertools.pairwise(thresholds)):
            errors["thresholds"] = _("Thresholds must be strictly increasing, such as 5; 15; 30.")
        for field in ("rubric_en", "rubric_fr"):
            rubric = getattr(self, field)
            if not isinstance(rubric, dict) or not set(rubric) <= set(LEVELS):
                errors[field] = _('A rubric maps the levels "1" to "5" to what they mean.')
            elif self.family == self.Family.FINANCIAL and any(rubric.values()):
                errors[field] = _("A financial criterion reads the ledger: it has no rubric.")
        if errors:
            raise ValidationError(errors)

    @property
    def name(self) -> str:
        """The name in the reader's language, or the other one marked as such
        (``kam.bilingual.pick``): what every page, export, chart and PDF shows."""
        return bilingual.pick(en=self.name_en, fr=self.name_fr)

    @property
    def name_is_translated(self) -> bool:
        return bilingual.is_translated(en=self.name_en, fr=self.name_fr)

    @property
    def rubric(self) -> dict[str, str]:
        """What each level means, in the reader's language level by level (a level written
        only in the other language shows that text, marked); levels without text are left out."""
        english = self.rubric_en if isinstance(self.rubric_en, dict) else {}
        french = self.rubric_fr if isinstance(self.rubric_fr, dict) else {}
        texts = {
            level: bilingual.pick(en=english.get(level, ""), fr=french.get(level, ""))
            for level in LEVELS
        }
        return {level: text for level, text in texts.items() if text}

    @property
    def is_rated(self) -> bool:
        return self.family in RATED_FAMILIES


class Rating(models.Model):
    """A level given to a client on a rated criterion. Never edited: the latest one counts."""

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="ratings"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="ratings"
    )
    level = models.SmallIntegerField(_("level"))
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="ratings",
    )
    created_at = models.DateTimeField(_("rated"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-created_at", "-pk"]
        # the current rating of a client on a criterion: the first row, read in index order
        indexes = [models.Index(fields=["client", "criterion", "-created_at", "-id"])]
        constraints = [
            FieldCheckConstraint(
                field="level",
                condition=Q(level__range=(1, 5)),
                name="rating_level_1_5",
                violation_error_message=_("A level is 1 to 5."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.criterion_id} {self.level}"

    def clean(self) -> None:
        criterion = self.criterion if self.criterion_id is not None else None
        if criterion is not None and not criterion.is_rated:
            raise ValidationError(
                {"criterion": _("%(criterion)s is read from the ledger, not rated.")
                 % {"criterion": criterion.name}}
            )  # fmt: skip
        if criterion is not None and not criterion.is_active:
            raise ValidationError(
                {"criterion": _("%(criterion)s is no longer used.") % {"criterion": criterion.name}}
            )


class WeightSet(models.Model):
    """One version of the weights. A change saves a new version; this is the change log."""

    name = models.CharField(_("name"), max_length=150)
    version = models.PositiveIntegerField(_("version"), unique=True)
    is_active = models.BooleanField(_("active"), default=False)
    family_weights = models.JSONField(
        _("family weights"), help_text=_("family → weight; they sum to 100")
    )
    reason = models.TextField(
        _("reason"), error_messages={"blank": _("Say why the weights change.")}
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="weight_sets",
    )
    created_at = models.DateTimeField(_("changed"), auto_now_add=True)

    class Meta:
        verbose_name = _("weight set")
        verbose_name_plural = _("weight sets")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="one_active_weight_set",
                violation_error_message=_("Only one weight set can be active."),
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="weight_set_version_from_1"),
            FieldCheckConstraint(
                field="reason",
                condition=~Q(reason=""),
                name="weight_set_reason_required",
                violation_error_message=_("Say why the weights change."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class CriterionWeight(models.Model):
    """A criterion's weight within its family, in one weight set."""

    weight_set = models.ForeignKey(
        WeightSet,
        verbose_name=_("weight set"),
        on_delete=models.CASCADE,
        related_name="criterion_weights",
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="weights"
    )
    weight = models.FloatField(_("weight"))

    class Meta:
        verbose_name = _("criterion weight")
        verbose_name_plural = _("criterion weights")
        ordering = ["weight_set", "criterion"]
        constraints = [
            models.UniqueConstraint(
                fields=["weight_set", "criterion"], name="one_weight_per_criterion_and_set"
            ),
            models.CheckConstraint(
                condition=Q(weight__gte=0),
                name="criterion_weight_not_negative",
                violation_error_message=_("A weight cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.weight_set_id} {self.criterion_id} {self.weight:g}"


class ScoringRun(models.Model):
    """One computation of every client's score, under one weight set."""

    class Trigger(models.TextChoices):
        IMPORT = "import", _("Ledger import")
        WEIGHTS = "weights", _("Weights changed")
        RATINGS = "ratings", _("Rating given")
        NIGHTLY = "nightly", _("Nightly")
        MANUAL = "manual", _("Manual")

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    weight_set = models.ForeignKey(
        WeightSet, verbose_name=_("weight set"), on_delete=models.PROTECT, related_name="runs"
    )
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    fingerprint = models.CharField(
        _("state fingerprint"),
        max_length=64,
        db_index=True,
        help_text=_("SHA-256 of the inputs; a run for the same inputs is skipped."),
    )
    client_count = models.PositiveIntegerField(_("clients"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("scoring run")
        verbose_name_plural = _("scoring runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.pk} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class ClientScore(models.Model):
    """A client's place in one run: total out of 100, subtotals, rank, coverage, stability."""

    run = models.ForeignKey(
        ScoringRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="scores"
    )
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="scores"
    )
    total = models.FloatField(_("total"))
    financial = models.FloatField(_("financial"))
    strategic = models.FloatField(_("strategic alignment"))
    maturity = models.FloatField(_("maturity"))
    rank = models.PositiveIntegerField(_("rank"))
    coverage = models.FloatField(_("coverage %"))
    stability = models.FloatField(
        _("stability"), help_text=_("Share of perturbed weightings keeping the client in the top 5")
    )

    class Meta:
        verbose_name = _("client score")
        verbose_name_plural = _("client scores")
        ordering = ["run", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "client"], name="one_score_per_run_client"),
            models.UniqueConstraint(fields=["run", "rank"], name="one_client_per_run_rank"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="client_score_rank_from_1"),
            models.CheckConstraint(
                condition=Q(stability__gte=0, stability__lte=1), name="client_score_stability_0_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} #{self.rank} {self.client_id} {self.total:.1f}"


class CriterionScore(models.Model):
    """One client on one criterion in one run: one bar of the explanation."""

    run = models.ForeignKey(
        ScoringRun,
        verbose_name=_("run"),
        on_delete=models.CASCADE,
        related_name="criterion_scores",
    )
    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="criterion_scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores"
    )
    raw = models.FloatField(_("raw value"), null=True, blank=True)
    normalised = models.FloatField(_("normalised score"))
    weight = models.FloatField(_("effective weight"))
    points = models.FloatField(_("points"))
    missing = models.BooleanField(_("missing"), default=False)
    source = models.JSONField(
        _("source"),
        default=dict,
        blank=True,
        help_text=_("Where the value comes from: a ledger year or a rating (see source_note)."),
    )

    class Meta:
        verbose_name = _("criterion score")
        verbose_name_plural = _("criterion scores")
        ordering = ["run", "client", "-points"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "client", "criterion"], name="one_score_per_run_client_criterion"
            ),
            models.CheckConstraint(
                condition=Q(missing=True, raw__isnull=True) | Q(missing=False, raw__isnull=False),
                name="criterion_score_missing_iff_no_raw",
            ),
            models.CheckConstraint(
                condition=Q(normalised__gte=0, normalised__lte=1),
                name="criterion_score_normalised_0_1",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.client_id} {self.criterion_id} {self.points:.2f}"

    @property
    def source_note(self) -> str:
        """Where the value comes from, in the active language."""
        source = self.source or {}
        match source.get("kind"):
            case "ledger":
                figure = Criterion.Source(source["figure"]).label
                text = (
                    _("no %(figure)s in %(year)s in the ledger")
                    if source.get("missing")
                    else _("%(year)s %(figure)s from the ledger")
                )
                return text % {"year": source["year"], "figure": str(figure).lower()}
            case "rating":
                day = formats.date_format(date.fromisoformat(source["date"]), "SHORT_DATE_FORMAT")
                text = (
                    _("rating %(level)s by %(author)s on %(date)s: %(note)s")
                    if source.get("note")
                    else _("rating %(level)s by %(author)s on %(date)s")
                )
                return text % {**source, "date": day}
            case "unrated":
                return str(_("not rated yet"))
        return ""


class Override(models.Model):
    """A director's correction shown next to a client's score; the engine's total is unchanged.

    Only the latest override of a client is active.
    """

    class Kind(models.TextChoices):
        ADJUST = "adjust", _("Adjust the score")
        FORCE_IN = "force_in", _("Force into the selection")
        FORCE_OUT = "force_out", _("Force out of the selection")

    client = models.ForeignKey(
        Client, verbose_name=_("client"), on_delete=models.CASCADE, related_name="overrides"
    )
    kind = models.CharField(
        _("kind"),
        max_length=10,
        choices=Kind.choices,
        error_messages={"invalid_choice": _("Choose adjust, force in or force out.")},
    )
    points = models.FloatField(
        _("points"),
        default=0,
        help_text=_("Adjustments only: points added to (or taken from) the total out of 100."),
    )
    rationale = models.TextField(
        _("rationale"), error_messages={"blank": _("Give the rationale for the override.")}
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="overrides",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("override")
        verbose_name_plural = _("overrides")
        ordering = ["-created_at", "-pk"]
        constraints = [
            FieldCheckConstraint(
                field="points",
                condition=Q(points__gte=-OVERRIDE_LIMIT, points__lte=OVERRIDE_LIMIT),
                name="override_points_within_limit",
                violation_error_message=format_lazy(
                    _("An adjustment is between -{bound} and +{bound} points."),
                    bound=OVERRIDE_LIMIT,
                ),
            ),
            FieldCheckConstraint(
                field="points",
                condition=Q(kind="adjust") | Q(points=0),
                name="override_points_only_to_adjust",
                violation_error_message=_("Forcing a client in or out carries no points."),
            ),
            FieldCheckConstraint(
                field="rationale",
                condition=~Q(rationale=""),
                name="override_rationale_required",
                violation_error_message=_("Give the rationale for the override."),
            ),
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(is_active=True),
                name="one_active_override_per_client",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.kind} {self.points:+g}"

    def clean(self) -> None:
        bound = settings.KAM_OVERRIDE_BOUND  # at most OVERRIDE_LIMIT, the database's bound
        points = self.points
        if isinstance(points, int | float) and (not math.isfinite(points) or abs(points) > bound):
            raise ValidationError(
                {
                    "points": _("An adjustment is between -%(bound)s and +%(bound)s points.")
                    % {"bound": bound}
                }
            )


class Programme(models.Model):
    """The key account programme of one year: what it may spend and how many KAMs it has.

    ``kam_cost`` is the yearly cost of one full-time key account manager; it turns the share of
    a KAM's time a key account needs into money.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    kam_headcount = models.PositiveSmallIntegerField(
        _("KAM headcount"), help_text=_("Key account managers available; one per key account.")
    )
    kam_cost = models.DecimalField(
        _("yearly cost of a KAM"),
        max_digits=12,
        decimal_places=2,
        help_text=_("Full-time, loaded: it prices the share of a KAM's time an account needs."),
    )
    horizon_years = models.PositiveSmallIntegerField(
        _("investment horizon in years"),
        default=3,
        help_text=_(
            "How many years, from this one, the investment projects of its key accounts may span."
        ),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("programme year")
        verbose_name_plural = _("programme years")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__range=(2000, 2100)),
                name="programme_year_2000_2100",
                violation_error_message=_("The year is between 2000 and 2100."),
            ),
            models.CheckConstraint(
                condition=Q(budget__gte=0),
                name="programme_budget_not_negative",
                violation_error_message=_("The budget cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(kam_cost__gte=0),
                name="programme_kam_cost_not_negative",
                violation_error_message=_("The cost of a KAM cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(horizon_years__range=(1, 10)),
                name="programme_horizon_1_10",
                violation_error_message=_("The investment horizon is 1 to 10 years."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)

    @property
    def investment_years(self) -> range:
        """The years its key accounts' investment projects may span: this one and the next
        ``horizon_years - 1``."""
        return range(self.year, self.year + self.horizon_years)


class CostToServe(models.Model):
    """What serving a client as a key account would cost a year, estimated by a director."""

    client = models.OneToOneField(
        Client,
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        related_name="cost_to_serve",
    )
    kam_share = models.DecimalField(
        _("share of a KAM's time"),
        max_digits=3,
        decimal_places=2,
        help_text=_("0.5 is half of one key account manager's time."),
    )
    travel = models.DecimalField(_("travel a year"), max_digits=12, decimal_places=2, default=0)
    dedicated = models.DecimalField(
        _("dedicated resources a year"),
        max_digits=12,
        decimal_places=2,
        default=0,
        help_text=_("People, tools or stock set aside for this client alone."),
    )
    note = models.TextField(_("note"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("cost to serve")
        verbose_name_plural = _("costs to serve")
        constraints = [
            models.CheckConstraint(
                condition=Q(kam_share__gt=0, kam_share__lte=1),
                name="cost_to_serve_kam_share_0_1",
                violation_error_message=_(
                    "The share of a KAM's time is more than 0 and at most 1 (a full-time KAM)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(travel__gte=0, dedicated__gte=0),
                name="cost_to_serve_not_negative",
                violation_error_message=_("Costs cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.client_id} {self.kam_share}"

    def total(self, *, kam_cost: Decimal) -> Decimal:
        """The yearly cost, given what a full-time KAM costs."""
        return (self.kam_share * kam_cost + self.travel + self.dedicated).quantize(Decimal("0.01"))


class ShortlistEntry(models.Model):
    """A client selected as a key account for a programme year (the shortlist being drafted)."""

    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme year"),
        on_delete=models.CASCADE,
        related_name="entries",
    )
    client = models.ForeignKey(
        Client,
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        related_name="shortlist_entries",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("shortlisted client")
        verbose_name_plural = _("shortlisted clients")
        ordering = ["programme", "added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "client"], name="one_entry_per_programme_client"
            )
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.client_id}"


class ShortlistDecision(models.Model):
    """A director's confirmation of a programme year's shortlist, as it stood: never edited.

    The shortlist is confirmed while its clients are those of the latest decision.
    """

    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme year"),
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    client_ids = models.JSONField(_("clients"))
    client_names = models.JSONField(_("client names"))
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2)
    budget = models.DecimalField(_("budget"), max_digits=14, decimal_places=2)
    kam_needed = models.PositiveSmallIntegerField(_("KAMs needed"))
    kam_headcount = models.PositiveSmallIntegerField(_("KAM headcount"))
    reason = models.TextField(
        _("reason for more than ten"),
        blank=True,
        help_text=_("Required when more than ten key accounts are confirmed."),
    )
    budget_exception = models.TextField(
        _("budget exception"),
        blank=True,
        help_text=_("Required when the shortlist costs more than the budget or needs more KAMs."),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("confirmed"), auto_now_add=True)

    class Meta:
        verbose_name = _("shortlist decision")
        verbose_name_plural = _("shortlist decisions")
        ordering = ["-decided_at", "-pk"]
        constraints = [
            FieldCheckConstraint(
                field="budget_exception",
                condition=Q(cost__lte=F("budget"), kam_needed__lte=F("kam_headcount"))
                | ~Q(budget_exception=""),
                name="shortlist_over_budget_needs_exception",
                violation_error_message=_(
                    "This shortlist is over budget: record the exception that allows it."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.decided_at:%Y-%m-%d}"
