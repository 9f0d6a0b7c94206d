"""Stored reports: asking for one, making it in a Celery worker, and recording its downloads.

- **Asking** (``plan_pdf_request``, ``shortlist_report_request``, ``plans_zip_request``): checks
  who asks, then gets or creates the one row of that subject, language and branding revision
  (and content digest, for what changes without a new version). The database's unique
  constraints keep it one row even when two requests come at once: the second one's insert fails
  and it reads the first's row. Work is queued (``report_render_task``, with the id only, after
  the commit) only when the row was just made, had failed (asking again retries), or has waited
  longer than ``STALE_AFTER`` (its message was lost).
- **Making** (``report_render``): under a PostgreSQL advisory lock on the report (held by the
  worker's connection, so a killed worker releases it), the row is locked and read; a ready or
  failed report is left as it is, so a second run of the task is a no-op; a report left
  "rendering" by a worker that died is made again. The file is written under the report's own
  name (``reports/<id>/…``) and the row is marked ready in the same transaction: a run after a
  crash writes over the same file, never a second one.
- **The zip** of a programme year's approved plans reuses the stored PDF of each latest version,
  makes the missing ones (each under its own lock, as a report of its own) and counts its
  progress (``done`` of ``total``) as it goes.
- **Cleaning up**: a report's file is deleted when its row is (by itself, or with its plan or
  programme year), once that deletion commits (``report_file_drop``, called by a receiver of
  ``post_delete``). A new branding revision drops the reports made under the older ones
  (``reports_outdated_drop``): their rows and files go, except the rows of reports someone
  downloaded, which the plan's history names: those lose their file and read "no longer exists".
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import logging
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from kam import permissions
from planning.models import Plan, PlanVersion, Report, ReportDownload
from planning.selectors import reports as selectors
from scoring.models import Programme

logger = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=15)
"""A report still queued or rendering this long after it was asked for is queued again when
someone asks for it (its task was lost); an extra run is a no-op."""

LOCK_CLASS = 0x4B414D  # "KAM": the advisory locks' first key; the report's id is the second


class RenderFailed(Exception):
    """The report cannot be made (bad content, a part that failed): recorded, not retried."""

    def __init__(self, failure: str) -> None:
        super().__init__(failure)
        self.failure = failure


def _language(language: str) -> str:
    from django.conf import settings

    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose French or English.")})
    return language


# --- asking -----------------------------------------------------------------------------------


@transaction.atomic
def plan_pdf_request(
    *, user: User, plan: Plan, version: PlanVersion | None, language: str
) -> Report:
    """The PDF of ``version`` of ``plan`` (``None``: its current draft, watermarked) in
    ``language``: the stored one, or one queued to be made."""
    takes_part = selectors.takes_part(user=user, plan=plan)
    if not permissions.may_download_plan_pdf(user, plan, takes_part=takes_part):
        raise PermissionDenied(permissions.refusal(permissions.may_download_plan_pdf))
    language = _language(language)
    if version is not None and version.plan_id != plan.pk:
        raise ValidationError({"version": _("This version is not one of this plan's.")})
    lookup: dict[str, Any] = {
        "language": language,
        "branding_revision": selectors.branding_revision(),
    }
    if version is not None:
        lookup |= {"kind": Report.Kind.PLAN_VERSION, "version": version}
        defaults: dict[str, Any] = {"plan": plan}
    else:
        lookup |= {
            "kind": Report.Kind.PLAN_DRAFT,
            "plan": plan,
            "content_digest": selectors.draft_digest(plan=plan),
        }
        defaults = {}
    return _get_or_queue(user=user, lookup=lookup, defaults=defaults)


@transaction.atomic
def shortlist_report_request(*, user: User, programme: Programme, language: str) -> Report:
    """The shortlist report of ``programme`` in ``language`` (directors)."""
    permissions.require(permissions.may_export_programme, user)
    lookup = {
        "kind": Report.Kind.SHORTLIST,
        "programme": programme,
        "language": _language(language),
        "branding_revision": selectors.branding_revision(),
        "content_digest": selectors.shortlist_digest(user=user, programme=programme),
    }
    return _get_or_queue(user=user, lookup=lookup, defaults={})


@transaction.atomic
def plans_zip_request(*, user: User, programme: Programme, language: str) -> Report:
    """One zip of the latest approved version of every plan of ``programme`` (directors)."""
    permissions.require(permissions.may_export_programme, user)
    language = _language(language)
    version_ids = list(selectors.latest_versions(programme=programme).values_list("pk", flat=True))
    if not version_ids:
        raise ValidationError(
            _("No plan of %(year)s is approved yet: there is nothing to export.")
            % {"year": programme.year}
        )
    lookup = {
        "kind": Report.Kind.PLANS_ZIP,
        "programme": programme,
        "language": language,
        "branding_revision": selectors.branding_revision(),
        "content_digest": selectors.versions_digest(version_ids),
    }
    defaults = {"parts": sorted(version_ids), "total": len(version_ids)}
    return _get_or_queue(user=user, lookup=lookup, defaults=defaults)


def _get_or_queue(*, user: User, lookup: dict[str, Any], defaults: dict[str, Any]) -> Report:
    report, created = _get_or_create(user=user, lookup=lookup, defaults=defaults)
    if created:
        _queue(report)
        return report
    report = Report.objects.select_for_update().get(pk=report.pk)
    stale = timezone.now() - report.requested_at > STALE_AFTER
    if report.status == Report.Status.FAILED or (not report.is_settled and stale):
        report.status, report.failure = Report.Status.QUEUED, ""
        report.done, report.requested_at, report.requested_by = 0, timezone.now(), user
        report.full_clean(validate_unique=False, validate_constraints=False)
        report.save()
        _queue(report)
    return report


def _get_or_create(
    *, user: User, lookup: dict[str, Any], defaults: dict[str, Any]
) -> tuple[Report, bool]:
    """Get or create the report of ``lookup``: when two requests insert it at once, the second
    one's insert fails on the unique constraint (after waiting for the first one's commit) and
    it reads the first one's row."""
    existing = Report.objects.filter(**lookup).first()
    if existing is not None:
        return existing, False
    report = Report(**lookup, **defaults, requested_by=user, requested_at=timezone.now())
    report.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        return Report.objects.get(**lookup), False
    return report, True


def _queue(report: Report) -> None:
    from planning.tasks import report_render_task

    report_render_task.delay_on_commit(report_id=report.pk)


# --- making ---------------------------------------------------------------------------------------


@contextmanager
def _render_lock(report_id: int) -> Iterator[None]:
    """Only one run makes a report at a time; the lock goes with the connection if the worker
    dies."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [LOCK_CLASS, report_id])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, report_id])


def report_render(*, report_id: int) -> None:
    """Make report ``report_id`` if it is still to be made; a second run is a no-op."""
    with _render_lock(report_id):
        with transaction.atomic():
            report = Report.objects.select_for_update().filter(pk=report_id).first()
            if report is None or report.is_settled:
                return  # deleted, or an earlier run finished it
            report.status, report.started_at = Report.Status.RENDERING, timezone.now()
            report.attempts = F("attempts") + 1
            report.save(update_fields=["status", "started_at", "attempts"])
        report = Report.objects.select_related(
            "plan__client", "plan__programme", "version", "programme"
        ).get(pk=report_id)
        try:
            content = _content(report)
        except RenderFailed as failed:
            _fail(report_id, failed.failure)
            return
        except SoftTimeLimitExceeded:
            _fail(report_id, Report.Failure.TIMED_OUT)
            return
        except OperationalError:
            raise  # the database or the broker went away: the task retries
        except Exception:
            logger.exception("Report %s could not be made", report_id)
            _fail(report_id, Report.Failure.RENDER_ERROR)
            return
        _store(report_id, content)


def _content(report: Report) -> bytes:
    from planning import pdf

    if report.kind == Report.Kind.PLAN_VERSION:
        assert report.plan is not None
        assert report.version is not None
        return pdf.plan_pdf(
            plan_id=report.plan.pk, version_id=report.version.pk, language=report.language
        )
    if report.kind == Report.Kind.PLAN_DRAFT:
        assert report.plan is not None
        return pdf.plan_pdf(plan_id=report.plan.pk, version_id=None, language=report.language)
    if report.kind == Report.Kind.SHORTLIST:
        assert report.programme is not None
        return pdf.shortlist_pdf(year_id=report.programme.year, language=report.language)
    return _zip(report)


def _zip(report: Report) -> bytes:
    """The zip of the report's plan versions: each one's stored PDF, made first if missing."""
    versions = {
        version.pk: version
        for version in PlanVersion.objects.filter(pk__in=report.parts).select_related(
            "plan__client", "plan__programme"
        )
    }
    if len(versions) != len(report.parts):
        raise RenderFailed(Report.Failure.GONE)
    buffer = io.BytesIO()
    names: set[str] = set()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, version_id in enumerate(report.parts, start=1):
            version = versions[version_id]
            part = _part(report, version)
            name = selectors.plan_file_stem(version.plan, version)
            if name in names:  # two plans of one client in a year
                name = f"{name}-{version.plan.pk}"
            names.add(name)
            try:
                with part.file.open("rb") as stored:
                    archive.writestr(f"{name}-{report.language}.pdf", stored.read())
            except FileNotFoundError:  # dropped meanwhile, with an outdated branding
                raise RenderFailed(Report.Failure.GONE) from None
            Report.objects.filter(pk=report.pk).update(done=done)
    return buffer.getvalue()


def _part(report: Report, version: PlanVersion) -> Report:
    """The stored PDF of ``version`` in the zip's language and branding, made now if missing."""
    lookup = {
        "kind": Report.Kind.PLAN_VERSION,
        "version": version,
        "language": report.language,
        "branding_revision": report.branding_revision,
    }
    with transaction.atomic():
        part, created = _get_or_create(
            user=report.requested_by, lookup=lookup, defaults={"plan": version.plan}
        )
        if not created and part.status == Report.Status.FAILED:
            Report.objects.filter(pk=part.pk).update(status=Report.Status.QUEUED, failure="")
    report_render(report_id=part.pk)  # a no-op if it is ready; waits if another run makes it
    made = Report.objects.filter(pk=part.pk).first()
    if made is None or made.failure == Report.Failure.GONE:
        # a new branding dropped it meanwhile: the zip, in the old branding, is outdated too
        raise RenderFailed(Report.Failure.GONE)
    if made.status != Report.Status.READY:
        raise RenderFailed(Report.Failure.PART_FAILED)
    return made


def _store(report_id: int, content: bytes) -> None:
    """Write the file under the report's own name and mark it ready, in one transaction."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update(of=("self",))
            .select_related("plan__client", "version", "programme")
            .filter(pk=report_id)
            .first()
        )
        if report is None or report.status == Report.Status.READY:
            return  # deleted meanwhile (its plan, or an outdated branding), or already stored
        name = selectors.report_storage_name(report)
        if default_storage.exists(name):
            default_storage.delete(name)  # an earlier run's, whose row was never marked ready
        stored = default_storage.save(name, ContentFile(content))
        report.file.name = stored
        report.size = len(content)
        report.sha256 = hashlib.sha256(content).hexdigest()
        report.status, report.failure = Report.Status.READY, ""
        report.done = report.total
        report.finished_at = timezone.now()
        report.save()


def _fail(report_id: int, failure: str) -> None:
    Report.objects.filter(pk=report_id).update(
        status=Report.Status.FAILED, failure=failure, finished_at=timezone.now()
    )


# --- cleaning up ----------------------------------------------------------------------------------


def report_file_drop(*, name: str) -> None:
    """Delete the stored file ``name`` (a report's, whose row is being deleted) once the
    transaction commits: a rollback keeps the row, and the row keeps its file."""
    if name:
        transaction.on_commit(functools.partial(default_storage.delete, name))


@transaction.atomic
def reports_outdated_drop(*, revision: int) -> int:
    """Drop the ready or failed reports made under a branding revision older than
    ``revision``: nobody is offered them any more (a report is asked for in the current
    branding). Rows and files go, except that a report someone downloaded keeps its row (the
    plan's history names it) without its file, failed as "no longer exists". Reports still
    queued or rendering are left to finish. Returns how many reports lost their file or row."""
    outdated = Report.objects.filter(
        branding_revision__lt=revision, status__in=[Report.Status.READY, Report.Status.FAILED]
    )
    downloaded = set(
        outdated.filter(downloads__isnull=False).values_list("pk", flat=True).distinct()
    )
    kept = 0
    for report in Report.objects.select_for_update().filter(pk__in=downloaded).exclude(file=""):
        report_file_drop(name=report.file.name or "")
        report.file.name, report.size, report.sha256 = "", None, ""
        report.status, report.failure = Report.Status.FAILED, Report.Failure.GONE
        report.save(update_fields=["file", "size", "sha256", "status", "failure"])
        kept += 1
    deleted = list(outdated.exclude(pk__in=downloaded))
    for report in deleted:
        report.delete()  # its file goes on commit (``report_file_drop``, after ``post_delete``)
    return kept + len(deleted)


# --- downloading ----------------------------------------------------------------------------------


@transaction.atomic
def report_download(*, user: User, report: Report) -> ReportDownload:
    """Record that ``user`` downloads ``report`` (one they may reach: ``selectors.report_get``);
    a plan's show in its history. Refused (``ValidationError``) while it is not ready."""
    if report.status != Report.Status.READY:
        raise ValidationError(_("This document is not ready yet."))
    download = ReportDownload(
        report=report,
        plan=report.plan,
        kind=report.kind,
        version=report.version,
        language=report.language,
        user=user,
        at=timezone.now(),
    )
    download.full_clean()
    download.save()
    return download
