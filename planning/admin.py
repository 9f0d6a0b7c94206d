"""Planning's rows in the admin, shown and never changed there: their writes are governed by the
services (who may write them, and the rules a write keeps), through the pages and the API. The
one exception is the company's branding on the PDF reports, which an administrator sets here
(through its service)."""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kam.admin import HistoryEventAdmin, ReadOnlyAdmin, ReadOnlyInline
from planning.models import (
    AdvisoryMeeting,
    AdvisoryMember,
    AdvisoryTopic,
    Branding,
    InvestmentProject,
    PlanSubmission,
    PlanVersion,
    Practice,
    PracticeReuse,
    ProjectYear,
    Recognition,
    Report,
    ReportDownload,
    ReviewComment,
    SponsorAsk,
    SteeringDecision,
    SteeringSession,
    YearEndNegotiation,
)
from planning.services import branding as services

# --- executive sponsorship ------------------------------------------------------------------------


@admin.register(SponsorAsk)
class SponsorAskAdmin(ReadOnlyAdmin):
    list_display = ("request", "plan", "due_on", "status", "answered_by", "answered_at")
    list_filter = ("status",)
    search_fields = ("request", "answer", "plan__client__name")


@admin.register(YearEndNegotiation)
class YearEndNegotiationAdmin(ReadOnlyAdmin):
    list_display = ("client", "year", "status", "held_on", "margin_impact")
    list_filter = ("status", "year")
    search_fields = ("client__name", "terms_agreed")


@admin.register(AdvisoryMember)
class AdvisoryMemberAdmin(ReadOnlyAdmin):
    list_display = ("contact", "since", "note")
    search_fields = ("contact__last_name", "contact__first_name", "contact__client__name")


class AdvisoryTopicInline(ReadOnlyInline):
    model = AdvisoryTopic
    fields = ("topic", "raised_by", "action", "owner", "status")


@admin.register(AdvisoryMeeting)
class AdvisoryMeetingAdmin(ReadOnlyAdmin):
    list_display = ("held_on", "title")
    search_fields = ("title", "summary")
    inlines = [AdvisoryTopicInline]


@admin.register(AdvisoryTopic)
class AdvisoryTopicAdmin(ReadOnlyAdmin):
    list_display = ("topic", "meeting", "owner", "status")
    list_filter = ("status",)
    search_fields = ("topic", "action")


@admin.register(Recognition)
class RecognitionAdmin(ReadOnlyAdmin):
    list_display = ("award", "recipient", "team", "awarded_on")
    search_fields = ("award", "team", "reason", "recipient__last_name", "recipient__username")


# --- good practices -------------------------------------------------------------------------------


@admin.register(Practice)
class PracticeAdmin(ReadOnlyAdmin):
    list_display = ("title", "author", "source_plan", "created_at")
    search_fields = ("title", "context", "what_worked", "evidence")
    exclude = ("search",)


@admin.register(PracticeReuse)
class PracticeReuseAdmin(ReadOnlyAdmin):
    list_display = ("practice", "plan", "created_by", "created_at")
    search_fields = ("practice__title", "plan__client__name", "note")


@admin.register(PlanVersion)
class PlanVersionAdmin(ReadOnlyAdmin):
    list_display = ["plan", "number", "approved_by", "approved_at", "submitted_by"]
    list_select_related = ["plan__client", "approved_by", "submitted_by"]
    search_fields = ["plan__client__name"]
    list_filter = ["approved_at"]


class ReviewCommentInline(ReadOnlyInline):
    model = ReviewComment
    fields = ["section", "item_kind", "item_label", "text", "author", "resolved_at"]


@admin.register(PlanSubmission)
class PlanSubmissionAdmin(ReadOnlyAdmin):
    list_display = ["plan", "submitted_by", "submitted_at", "decision", "decided_by", "decided_at"]
    list_select_related = ["plan__client", "submitted_by", "decided_by"]
    search_fields = ["plan__client__name"]
    list_filter = ["decision"]
    inlines = [ReviewCommentInline]


@admin.register(ReviewComment)
class ReviewCommentAdmin(ReadOnlyAdmin):
    list_display = ["submission", "section", "item_kind", "item_label", "author", "resolved_at"]
    list_select_related = ["submission__plan__client", "author"]
    search_fields = ["text", "item_label", "submission__plan__client__name"]
    list_filter = ["section"]


# --- investment projects and the steering committee ------------------------------------------


class ProjectYearInline(ReadOnlyInline):
    model = ProjectYear


@admin.register(InvestmentProject)
class InvestmentProjectAdmin(ReadOnlyAdmin):
    list_display = ["title", "plan", "kind", "status", "owner", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "description", "plan__client__name"]
    list_select_related = ["plan__client", "owner"]
    inlines = [ProjectYearInline]


@admin.register(SteeringSession)
class SteeringSessionAdmin(ReadOnlyAdmin):
    list_display = ["date", "status", "created_by", "created_at"]
    list_filter = ["status"]
    search_fields = ["agenda"]


@admin.register(SteeringDecision)
class SteeringDecisionAdmin(ReadOnlyAdmin):
    list_display = ["session", "project", "outcome", "decided_by", "decided_at", "notified_at"]
    list_filter = ["outcome"]
    search_fields = ["project__title", "reason", "budget_exception"]
    list_select_related = ["session", "project", "decided_by"]


admin.site.register(SteeringSession.pgh_event_model, HistoryEventAdmin)  # type: ignore[attr-defined]


# --- the branding of the PDF reports --------------------------------------------------------------


class BrandingForm(forms.ModelForm):
    logo_file = forms.FileField(
        label=_("logo"),
        required=False,
        help_text=_("PNG, JPEG or SVG, 512 KB at most. Leave empty to keep the current logo."),
    )
    remove_logo = forms.BooleanField(label=_("remove the logo"), required=False)

    class Meta:
        model = Branding
        fields = ("name", "accent")

    def clean_logo_file(self) -> bytes | None:
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        data = upload.read()
        services.logo_type(data)  # a ValidationError says what is wrong
        return bytes(data)


@admin.register(Branding)
class BrandingAdmin(admin.ModelAdmin):
    """One row: the company's name, logo and accent colour on every PDF report."""

    form = BrandingForm
    list_display = ("name", "accent", "logo_type", "revision", "updated_at")
    search_fields = ("name",)
    readonly_fields = ("logo_type", "revision", "updated_at")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return super().has_add_permission(request) and not Branding.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Branding, form: Any, change: bool) -> None:
        try:
            saved = services.branding_update(
                name=form.cleaned_data["name"],
                accent=form.cleaned_data["accent"],
                logo=form.cleaned_data.get("logo_file"),
                remove_logo=form.cleaned_data.get("remove_logo", False),
            )
        except ValidationError as error:  # checked by the form already; never half-saved
            raise ValueError(error.messages) from error
        obj.pk, obj.revision = saved.pk, saved.revision


# --- stored reports -------------------------------------------------------------------------------


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = (
        "pk", "kind", "plan", "version", "programme", "language", "branding_revision", "status",
        "failure", "size", "requested_by", "requested_at", "finished_at",
    )  # fmt: skip
    list_filter = ("kind", "status", "language")
    search_fields = ("plan__client__name", "sha256", "file")


@admin.register(ReportDownload)
class ReportDownloadAdmin(ReadOnlyAdmin):
    list_display = ("at", "user", "kind", "plan", "version", "language", "report")
    list_filter = ("kind", "language")
    search_fields = ("plan__client__name", "user__username", "user__last_name")
