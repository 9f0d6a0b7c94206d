"""Stored reports in the browser: the PDF buttons of a plan's versions (and of its draft), of the
director's shortlist report and of the programme year's zip; the status of one report, which
polls itself (htmx) until it is ready or failed; and its download, recorded in the plan's
history. Rules are ``planning.services.reports``'; who reaches what is
``planning.selectors.reports``'."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kam import permissions
from kam.types import AuthedRequest
from planning.models import Report
from planning.selectors import plans as plan_selectors
from planning.selectors import reports as selectors
from planning.selectors import versions as version_selectors
from planning.services import reports as services

POLL_SECONDS = 1
"""How often a report's status asks again while it is queued or rendering."""


def _language(request: AuthedRequest) -> str:
    return request.POST.get("language") or get_language() or "en"


def _status_response(request: AuthedRequest, report: Report, status: int = 200) -> HttpResponse:
    """The report's status: its fragment for htmx, else its own page."""
    context = {"report": report, "poll_seconds": POLL_SECONDS}
    if request.htmx:
        return TemplateResponse(
            request, "planning/report_status.html#report-status", context, status=status
        )
    return TemplateResponse(request, "planning/report_status.html", context, status=status)


def _refused(request: AuthedRequest, error: ValidationError) -> HttpResponse:
    """Bad input (a language or version that is not one): said on the page, nothing written.
    For htmx, the error fragment answers 200, in the slot the button targets: htmx swaps no
    4xx answer, and the reader would see nothing (as the plan's forms do)."""
    context = {"errors": error.messages}
    if request.htmx:
        return TemplateResponse(request, "planning/report_status.html#report-error", context)
    return TemplateResponse(request, "planning/report_status.html", context, status=400)


@login_required
@require_POST
def plan_pdf_request(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """Ask for the PDF of one of the plan's approved versions (``version``: its number) or of
    its draft (``version=draft``)."""
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    ref = request.POST.get("version", version_selectors.DRAFT)
    try:
        version = None
        if ref != version_selectors.DRAFT:
            number = int(ref) if ref.isdigit() else 0
            version = version_selectors.version_list(plan=plan).filter(number=number).first()
            if version is None:
                raise ValidationError({"version": _("This plan has no such version.")})
        report = services.plan_pdf_request(
            user=request.user, plan=plan, version=version, language=_language(request)
        )
    except ValidationError as error:
        return _refused(request, error)
    return _requested(request, report)


@login_required
@require_GET
def programme_reports(request: AuthedRequest, year: int) -> HttpResponse:
    """The shortlist report and the zip of the year's approved plans (directors): the panel the
    shortlist page loads, or a page of its own."""
    permissions.require(permissions.may_export_programme, request.user)
    programme = selectors.programme_by_year(year=year)
    context: dict[str, Any] = {
        "programme": programme,
        "reports": selectors.programme_reports(
            user=request.user, programme=programme, branding=selectors.branding_revision()
        ),
        "approved": selectors.latest_versions(programme=programme).count(),
        "languages": selectors.languages(get_language()),
        "poll_seconds": POLL_SECONDS,
    }
    partial = "#programme-reports" if request.htmx else ""
    return TemplateResponse(request, f"planning/programme_reports.html{partial}", context)


@login_required
@require_POST
def shortlist_report_request(request: AuthedRequest, year: int) -> HttpResponse:
    return _programme_report_request(request, year, services.shortlist_report_request)


@login_required
@require_POST
def plans_zip_request(request: AuthedRequest, year: int) -> HttpResponse:
    return _programme_report_request(request, year, services.plans_zip_request)


def _programme_report_request(
    request: AuthedRequest, year: int, ask: Callable[..., Report]
) -> HttpResponse:
    """A programme year's report (the shortlist report or the zip), asked by ``ask``."""
    permissions.require(permissions.may_export_programme, request.user)
    programme = selectors.programme_by_year(year=year)
    try:
        report = ask(user=request.user, programme=programme, language=_language(request))
    except ValidationError as error:
        return _refused(request, error)
    return _requested(request, report)


def _requested(request: AuthedRequest, report: Report) -> HttpResponse:
    """After a report is asked for: its status (htmx, polling), else its status page."""
    if request.htmx:
        return _status_response(request, report)
    return redirect("planning:report_status", report.pk)


@login_required
@require_GET
def report_status(request: AuthedRequest, report_id: int) -> HttpResponse:
    """Queued, rendering (with its progress), ready (with the download) or failed (why)."""
    report = selectors.report_get(user=request.user, report_id=report_id)
    return _status_response(request, report)


@login_required
@require_GET
def report_download(request: AuthedRequest, report_id: int) -> HttpResponseBase:
    """The file, recorded in the plan's history; while it is not ready, its status page."""
    report = selectors.report_get(user=request.user, report_id=report_id)
    try:
        services.report_download(user=request.user, report=report)
    except ValidationError as error:
        for message in error.messages:
            messages.info(request, message)
        return redirect("planning:report_status", report.pk)
    return FileResponse(
        report.file.open("rb"),
        as_attachment=True,
        filename=selectors.report_filename(report),
        content_type="application/zip" if report.extension == "zip" else "application/pdf",
    )
