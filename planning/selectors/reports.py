"""Stored reports, read: which ones a user may reach, what a draft's content is (so an edited
draft makes a new PDF and an unchanged one does not), the approved versions a programme year's
zip holds, and what a report's file is called.

A report of a plan (its approved version or its draft) is reachable by whoever sees the plan
(``plans.plan_list``): anyone else gets a 404. The shortlist report and the year's zip are the
directors' (``permissions.may_export_programme``): anyone else gets a 403 saying why.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from kam import permissions
from planning.models import Plan, PlanVersion, Report
from planning.selectors import objectives as objective_selectors
from planning.selectors import people as people_selectors
from planning.selectors import plans as plan_selectors
from planning.selectors import versions as version_selectors
from scoring.models import Programme, ScoringRun
from scoring.selectors import shortlist as shortlist_selectors

PLAN_KINDS = (Report.Kind.PLAN_VERSION, Report.Kind.PLAN_DRAFT)
PROGRAMME_KINDS = (Report.Kind.SHORTLIST, Report.Kind.PLANS_ZIP)


def report_get(*, user: User, report_id: int) -> Report:
    """Report ``report_id``: a 404 if it is of a plan ``user`` does not see (or there is no such
    report), a 403 saying why if it is a programme year's and ``user`` is not a director."""
    visible = plan_selectors.plan_list(user=user).values("pk")
    report = (
        Report.objects.select_related(
            "plan__client", "plan__programme", "version", "programme", "requested_by"
        )
        .filter(Q(kind__in=PLAN_KINDS, plan__in=visible) | Q(kind__in=PROGRAMME_KINDS))
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise Http404
    if report.kind in PROGRAMME_KINDS:
        permissions.require(permissions.may_export_programme, user)
    return report


def takes_part(*, user: User, plan: Plan) -> bool:
    """Whether ``user`` takes part in ``plan`` (owns one of its actions, or is paired with one of
    the customer's people)."""
    return Plan.objects.filter(plan_selectors.taking_part(user), pk=plan.pk).exists()


@dataclass
class PdfRow:
    """A line of the PDF buttons: an approved version (``ref`` its number) or the draft
    (``ref`` "draft"), and the reports of it already asked for, one per language at most."""

    ref: str
    version: PlanVersion | None
    reports: list[Report] = field(default_factory=list)


def languages(reader: str) -> list[tuple[str, str]]:
    """The languages a document is made in, the reader's first (the default button)."""
    choices = [(code, str(name)) for code, name in settings.LANGUAGES]
    return sorted(choices, key=lambda item: item[0] != reader)


def plan_pdf_rows(*, plan: Plan, versions: Sequence[PlanVersion], branding: int) -> list[PdfRow]:
    """The draft's row, then each approved version's with the reports of it in the current
    ``branding`` revision (a draft's report is shown once asked for: its content may have
    changed since an earlier one)."""
    rows = [PdfRow(ref=version_selectors.DRAFT, version=None)]
    by_version = {v.pk: PdfRow(ref=str(v.number), version=v) for v in versions}
    reports = Report.objects.filter(
        kind=Report.Kind.PLAN_VERSION, version__in=list(by_version), branding_revision=branding
    ).order_by("language")
    for report in reports:
        by_version[report.version_id].reports.append(report)  # type: ignore[index]
    return rows + list(by_version.values())


def programme_reports(
    *, user: User, programme: Programme, branding: int
) -> dict[str, list[Report]]:
    """The shortlist report and the zip of ``programme`` as they stand now (the current shortlist,
    the current set of approved versions, the current ``branding`` revision), in each language
    they were asked for, by kind."""
    version_ids = list(latest_versions(programme=programme).values_list("pk", flat=True))
    shortlist = shortlist_digest(user=user, programme=programme)
    current = Q(kind=Report.Kind.SHORTLIST, content_digest=shortlist)
    if version_ids:
        current |= Q(kind=Report.Kind.PLANS_ZIP, content_digest=versions_digest(version_ids))
    rows = Report.objects.filter(current, programme=programme, branding_revision=branding)
    found: dict[str, list[Report]] = {str(kind): [] for kind in PROGRAMME_KINDS}
    for row in rows.order_by("language"):
        found[row.kind].append(row)
    return found


def branding_revision() -> int:
    """The company branding's current revision: a new one makes new files."""
    from planning.selectors import branding

    return int(branding.branding_current().revision)


# --- what a report is made of ---------------------------------------------------------------------


def draft_digest(*, plan: Plan) -> str:
    """A digest of all a draft's PDF shows: what an approval would freeze (the snapshot), the
    objectives' and actions' rows with their progress and the ledger's figures, the customer's
    people and meetings, the latest scores, and the day (what is overdue). An edited draft gives
    another digest; an unchanged one, the same."""
    snapshot = version_selectors.plan_snapshot(plan)
    run = (
        ScoringRun.objects.filter(status=ScoringRun.Status.DONE)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    parts = (
        json.dumps(snapshot, sort_keys=True, default=str),
        objective_selectors.work_revision(plan),
        people_selectors.people_revisions([plan.pk]).get(plan.pk, ""),
        str(run or ""),
        str(plan.updated_at.isoformat()),
        str(timezone.localdate()),
    )
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def shortlist_digest(*, user: User, programme: Programme) -> str:
    """A digest of what the shortlist report of ``programme`` shows (the shortlist page's key)."""
    key = shortlist_selectors.shortlist_version(user=user, programme=programme)
    return hashlib.sha256(str(key).encode()).hexdigest()


def latest_versions(*, programme: Programme) -> QuerySet[PlanVersion]:
    """The latest approved version of each plan of ``programme`` that has one, by client name."""
    latest = (
        PlanVersion.objects.filter(plan__programme=programme)
        .order_by("plan_id", "-number")
        .distinct("plan_id")
        .values("pk")
    )
    return (
        PlanVersion.objects.filter(pk__in=latest)
        .select_related("plan__client", "plan__programme")
        .order_by("plan__client__name", "plan_id")
    )


def versions_digest(version_ids: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, sorted(version_ids))).encode()).hexdigest()


def programme_by_year(*, year: int) -> Programme:
    try:
        return Programme.objects.get(year=year)
    except Programme.DoesNotExist:
        raise Http404 from None


# --- names ----------------------------------------------------------------------------------------


def plan_file_stem(plan: Plan, version: PlanVersion | None) -> str:
    """``acme-2026-v2``, ``acme-2026-draft``: a plan's PDF named by its client and year."""
    stem = slugify(f"{plan.client.name} {plan.period_start:%Y}") or f"plan-{plan.pk}"
    return f"{stem}-v{version.number}" if version else f"{stem}-draft"


def report_filename(report: Report) -> str:
    """What the downloaded file is called (and, in its report's folder, the stored file)."""
    if report.kind in PLAN_KINDS:
        assert report.plan is not None
        stem = plan_file_stem(report.plan, report.version)
    else:
        assert report.programme is not None
        prefix = "shortlist" if report.kind == Report.Kind.SHORTLIST else "approved-plans"
        stem = f"{prefix}-{report.programme.year}"
    return f"{stem}-{report.language}.{report.extension}"


def report_storage_name(report: Report) -> str:
    """Where the file is stored: always the same for one report, so a second run writes over
    the first's file instead of leaving another."""
    return f"reports/{report.pk}/{report_filename(report)}"
