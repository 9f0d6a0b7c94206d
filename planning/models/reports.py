"""Stored reports: the PDF of an approved plan version or of a plan's current draft, the
director's shortlist report, and the zip of a programme year's approved plans; and each of their
downloads, which the plan's history shows.

A report is made once: a database constraint keeps one row per subject, language and branding
revision (and, for what changes without a new version, a digest of its content), so asking
again returns the stored file. Its status goes queued → rendering → ready, or failed with a
reason code (``Failure``) the reader reads translated. The rules are
``planning/services/reports.py``'s.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam import history
from planning.models.approval import PlanVersion
from planning.models.plans import Plan
from scoring.models import Programme


class Report(models.Model):
    """One stored report and the job that makes it."""

    class Kind(models.TextChoices):
        PLAN_VERSION = "plan_version", _("Approved plan version")
        PLAN_DRAFT = "plan_draft", _("Plan draft")
        SHORTLIST = "shortlist", _("Shortlist report")
        PLANS_ZIP = "plans_zip", _("Approved plans of the year (zip)")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RENDERING = "rendering", _("Rendering")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    class Failure(models.TextChoices):
        RENDER_ERROR = "render_error", _("The document could not be made from this content.")
        TIMED_OUT = "timed_out", _("Making the document took too long and was stopped.")
        GONE = "gone", _("What the document was made of no longer exists.")
        PART_FAILED = "part_failed", _("The PDF of one of the plans could not be made.")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reports",
    )
    version = models.ForeignKey(
        PlanVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    programme = models.ForeignKey(
        Programme,
        verbose_name=_("programme year"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    branding_revision = models.PositiveIntegerField(_("branding revision"))
    content_digest = models.CharField(
        _("content digest"),
        max_length=64,
        blank=True,
        help_text=_(
            "For what changes without a new version (a draft, the shortlist, the year's set of "
            "approved versions): a digest of its content, so that a change makes a new file."
        ),
    )
    parts = models.JSONField(
        _("parts"), default=list, blank=True, help_text=_("The plan versions a zip holds.")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    failure = models.CharField(_("failure"), max_length=12, choices=Failure.choices, blank=True)
    file = models.FileField(_("file"), upload_to="reports/", blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=1)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested"))
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "language", "branding_revision"],
                condition=Q(kind="plan_version"),
                name="one_report_per_version_language_branding",
            ),
            models.UniqueConstraint(
                fields=["plan", "content_digest", "language", "branding_revision"],
                condition=Q(kind="plan_draft"),
                name="one_report_per_draft_content_language_branding",
            ),
            models.UniqueConstraint(
                fields=["kind", "programme", "content_digest", "language", "branding_revision"],
                condition=Q(kind__in=["shortlist", "plans_zip"]),
                name="one_report_per_year_content_language_branding",
            ),
            models.CheckConstraint(
                condition=Q(kind="plan_version", plan__isnull=False, version__isnull=False)
                | Q(kind="plan_draft", plan__isnull=False, version=None, programme=None)
                | Q(
                    kind__in=["shortlist", "plans_zip"],
                    plan=None,
                    version=None,
                    programme__isnull=False,
                ),
                name="report_has_its_kinds_subject",
            ),
            models.CheckConstraint(
                condition=Q(status="failed") & ~Q(failure="") | ~Q(status="failed") & Q(failure=""),
                name="report_failed_with_a_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(file="") & Q(size__isnull=False)),
                name="report_ready_with_its_file",
            ),
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="report_done_at_most_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.language})"

    @property
    def is_settled(self) -> bool:
        """Ready or failed: nothing more happens until someone asks again."""
        return self.status in {self.Status.READY, self.Status.FAILED}

    @property
    def extension(self) -> str:
        return "zip" if self.kind == self.Kind.PLANS_ZIP else "pdf"


@history.track(
    plan="plan",
    name=("kind", "version", "language"),
    verbs={"insert": pgettext_lazy("history", "downloaded")},
)
class ReportDownload(models.Model):
    """Someone downloaded a report: a plan's show in its history ("PDF downloaded")."""

    report = models.ForeignKey(
        Report, verbose_name=_("report"), on_delete=models.CASCADE, related_name="downloads"
    )
    plan = models.ForeignKey(
        Plan,
        verbose_name=_("plan"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="report_downloads",
    )
    kind = models.CharField(_("report"), max_length=12, choices=Report.Kind.choices)
    version = models.ForeignKey(
        PlanVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("downloaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("downloaded"))

    class Meta:
        verbose_name = _("report download")
        verbose_name_plural = _("report downloads")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.report} ↓ {self.user_id} {self.at:%Y-%m-%d %H:%M}"
