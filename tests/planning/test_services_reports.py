"""Stored reports: asked for once, made once, stored once per (version, language, branding
revision); a draft again only when it changed; a failed one retried by asking again; a run left
"rendering" by a dead worker made again over the same file; the year's zip reusing the stored
PDFs; and who may ask. A report's file goes when its row does (with its plan, or when a new
branding makes it outdated), once that commits."""

import io
import subprocess
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from planning import pdf
from planning.models import Plan, PlanVersion, Report, ReportDownload
from planning.selectors import reports as selectors
from planning.selectors.versions import plan_snapshot
from planning.services import branding as branding_services
from planning.services import reports as services
from planning.tasks import report_render_task
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import ActionFactory, ObjectiveFactory, PlanFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def renders(monkeypatch):
    """Counts the renderer's calls (the real renderer still makes each PDF)."""
    calls: list[tuple] = []
    real_plan, real_shortlist = pdf.plan_pdf, pdf.shortlist_pdf

    def plan_pdf(*, plan_id, version_id, language):
        calls.append(("plan", plan_id, version_id, language))
        return real_plan(plan_id=plan_id, version_id=version_id, language=language)

    def shortlist_pdf(*, year_id, language):
        calls.append(("shortlist", year_id, language))
        return real_shortlist(year_id=year_id, language=language)

    monkeypatch.setattr(pdf, "plan_pdf", plan_pdf)
    monkeypatch.setattr(pdf, "shortlist_pdf", shortlist_pdf)
    return calls


def approve(plan: Plan, director: User, number: int = 1) -> PlanVersion:
    return PlanVersion.objects.create(
        plan=plan,
        number=number,
        approved_by=director,
        approved_at=timezone.now(),
        submitted_by=plan.client.kam or director,
        snapshot=plan_snapshot(plan),
    )


@pytest.fixture
def plan(alice, sam, dana):
    plan = PlanFactory(client=ClientFactory(name="Acme Packaging", kam=alice, sponsor=sam))
    ObjectiveFactory(plan=plan, title="Grow the margin")
    return plan


@pytest.fixture
def version(plan, dana):
    return approve(plan, dana)


def read(report: Report) -> bytes:
    with report.file.open("rb") as stored:
        return stored.read()


def files(media: Path) -> list[str]:
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file())


def test_asking_twice_gives_one_report_queued_once_then_the_stored_file(
    alice, plan, version, media, renders, django_capture_on_commit_callbacks, monkeypatch
):
    queued: list[int] = []
    monkeypatch.setattr(report_render_task, "delay", lambda **kw: queued.append(kw["report_id"]))
    with django_capture_on_commit_callbacks(execute=True):
        first = services.plan_pdf_request(user=alice, plan=plan, version=version, language="fr")
    assert first.status == Report.Status.QUEUED
    assert queued == [first.pk]  # enqueued after the commit, with the id only

    with django_capture_on_commit_callbacks(execute=True):
        second = services.plan_pdf_request(user=alice, plan=plan, version=version, language="fr")
    assert second.pk == first.pk
    assert queued == [first.pk]  # still queued: nothing more to do

    services.report_render(report_id=first.pk)
    services.report_render(report_id=first.pk)  # a second run (a retry) is a no-op
    first.refresh_from_db()
    assert first.status == Report.Status.READY
    assert len(renders) == 1
    assert first.attempts == 1
    content = read(first)
    assert content.startswith(b"%PDF")
    assert first.size == len(content)
    assert files(media) == [f"reports/{first.pk}/acme-packaging-2026-v1-fr.pdf"]

    with django_capture_on_commit_callbacks(execute=True):
        again = services.plan_pdf_request(user=alice, plan=plan, version=version, language="fr")
    assert (again.pk, again.status) == (first.pk, Report.Status.READY)
    assert queued == [first.pk]
    assert len(renders) == 1

    other = services.plan_pdf_request(user=alice, plan=plan, version=version, language="en")
    assert other.pk != first.pk  # another language: another file
    assert Report.objects.count() == 2


def test_a_new_branding_revision_makes_a_new_file(alice, plan, version, monkeypatch):
    first = services.plan_pdf_request(user=alice, plan=plan, version=version, language="fr")
    monkeypatch.setattr(selectors, "branding_revision", lambda: first.branding_revision + 1)
    second = services.plan_pdf_request(user=alice, plan=plan, version=version, language="fr")
    assert second.pk != first.pk
    assert second.branding_revision == first.branding_revision + 1


def test_an_unchanged_draft_is_made_once_an_edited_one_again(alice, plan, renders):
    first = services.plan_pdf_request(user=alice, plan=plan, version=None, language="en")
    services.report_render(report_id=first.pk)
    same = services.plan_pdf_request(user=alice, plan=plan, version=None, language="en")
    assert same.pk == first.pk
    assert same.kind == Report.Kind.PLAN_DRAFT
    assert same.status == Report.Status.READY

    Plan.objects.filter(pk=plan.pk).update(shared_vision="Co-develop a compostable tray.")
    plan.refresh_from_db()
    edited = services.plan_pdf_request(user=alice, plan=plan, version=None, language="en")
    assert edited.pk != first.pk
    assert edited.status == Report.Status.QUEUED
    assert edited.content_digest != first.content_digest
    services.report_render(report_id=edited.pk)
    assert [call[2] for call in renders] == [None, None]  # the draft: no version


def test_a_failed_report_says_why_and_is_retried_by_asking_again(
    alice, plan, version, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("the renderer broke")

    monkeypatch.setattr(pdf, "plan_pdf", broken)
    report = services.plan_pdf_request(user=alice, plan=plan, version=version, language="en")
    services.report_render(report_id=report.pk)
    report.refresh_from_db()
    assert (report.status, report.failure) == (Report.Status.FAILED, Report.Failure.RENDER_ERROR)
    assert report.get_failure_display() == "The document could not be made from this content."
    assert not report.file

    services.report_render(report_id=report.pk)  # a run of a failed report changes nothing
    report.refresh_from_db()
    assert report.attempts == 1

    queued: list[int] = []
    monkeypatch.undo()  # the renderer works again
    monkeypatch.setattr(report_render_task, "delay", lambda **kw: queued.append(kw["report_id"]))
    with django_capture_on_commit_callbacks(execute=True):
        again = services.plan_pdf_request(user=alice, plan=plan, version=version, language="en")
    assert again.pk == report.pk
    assert (again.status, again.failure) == (Report.Status.QUEUED, "")
    assert queued == [report.pk]
    services.report_render(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.READY
    assert report.attempts == 2


def test_a_run_after_a_worker_died_mid_render_makes_it_again_over_the_same_file(
    alice, plan, version, media, renders
):
    report = services.plan_pdf_request(user=alice, plan=plan, version=version, language="fr")
    # a worker set it rendering, wrote its file, and died before marking the row ready
    Report.objects.filter(pk=report.pk).update(status=Report.Status.RENDERING, attempts=1)
    name = selectors.report_storage_name(report)
    (media / name).parent.mkdir(parents=True)
    (media / name).write_bytes(b"half a PDF")

    services.report_render(report_id=report.pk)  # the task delivered again

    report.refresh_from_db()
    assert report.status == Report.Status.READY
    assert report.attempts == 2
    assert files(media) == [name]  # one file, the new one
    assert (media / name).read_bytes().startswith(b"%PDF")
    assert len(renders) == 1


def test_a_report_whose_version_is_gone_fails_saying_so(dana, media):
    programme_plan = PlanFactory(client=ClientFactory(name="Gone", kam=dana))
    version = approve(programme_plan, dana)
    report = services.plans_zip_request(
        user=dana, programme=programme_plan.programme, language="en"
    )
    Report.objects.filter(pk=report.pk).update(parts=[version.pk, 999_999], total=2)
    services.report_render(report_id=report.pk)
    report.refresh_from_db()
    assert (report.status, report.failure) == (Report.Status.FAILED, Report.Failure.GONE)


def test_who_may_ask_for_a_plan_pdf(plan, version, alice, bob, sam, carl, dana):
    for user in (alice, sam, dana):
        services.plan_pdf_request(user=user, plan=plan, version=version, language="en")
    for user in (bob, carl):  # another KAM; a contributor who does not take part
        with pytest.raises(PermissionDenied):
            services.plan_pdf_request(user=user, plan=plan, version=version, language="en")
    ActionFactory(objective=plan.objectives.get(), owner=carl)  # now carl takes part
    services.plan_pdf_request(user=carl, plan=plan, version=version, language="en")
    other = UserFactory(username="sid", role=User.Role.SPONSOR)
    with pytest.raises(PermissionDenied):
        services.plan_pdf_request(user=other, plan=plan, version=version, language="en")
    assert Report.objects.count() == 1


def test_bad_input_is_refused_and_writes_nothing(alice, plan, version, dana):
    with pytest.raises(ValidationError) as error:
        services.plan_pdf_request(user=alice, plan=plan, version=version, language="de")
    assert error.value.message_dict == {"language": ["Choose French or English."]}
    elsewhere = approve(PlanFactory(client=ClientFactory(kam=alice)), dana)
    with pytest.raises(ValidationError):
        services.plan_pdf_request(user=alice, plan=plan, version=elsewhere, language="en")
    with pytest.raises(PermissionDenied):
        services.shortlist_report_request(user=alice, programme=plan.programme, language="en")
    with pytest.raises(PermissionDenied):
        services.plans_zip_request(user=alice, programme=plan.programme, language="en")
    assert Report.objects.count() == 0


def test_the_zip_needs_an_approved_plan(dana, plan):
    with pytest.raises(ValidationError) as error:
        services.plans_zip_request(user=dana, programme=plan.programme, language="en")
    assert error.value.messages == ["No plan of 2026 is approved yet: there is nothing to export."]
    assert Report.objects.count() == 0


def test_the_zip_holds_the_latest_version_of_each_approved_plan_reusing_stored_pdfs(
    dana, alice, bob, renders, media
):
    names = ["Acme Packaging", "Borealis Foods", "Cobalt Labs"]
    plans = [PlanFactory(client=ClientFactory(name=name, kam=alice)) for name in names]
    for plan in plans:
        approve(plan, dana, 1)
    latest = approve(plans[0], dana, 2)  # Acme's latest is version 2
    PlanFactory(client=ClientFactory(name="Draft Only", kam=bob))  # never approved: left out
    stored = services.plan_pdf_request(user=alice, plan=plans[1], version=plans[1].versions.get(),
                                       language="fr")  # fmt: skip
    services.report_render(report_id=stored.pk)
    renders.clear()

    report = services.plans_zip_request(user=dana, programme=plans[0].programme, language="fr")
    assert (report.total, report.done) == (3, 0)
    assert latest.pk in report.parts
    services.report_render(report_id=report.pk)

    report.refresh_from_db()
    assert report.status == Report.Status.READY
    assert (report.done, report.total) == (3, 3)
    assert len(renders) == 2  # Borealis's PDF was stored already: reused
    archive = zipfile.ZipFile(io.BytesIO(read(report)))
    assert sorted(archive.namelist()) == [
        "acme-packaging-2026-v2-fr.pdf",
        "borealis-foods-2026-v1-fr.pdf",
        "cobalt-labs-2026-v1-fr.pdf",
    ]
    for name in archive.namelist():
        path = media / name
        path.write_bytes(archive.read(name))
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
        assert "Pages:" in info.stdout
    # the parts are stored reports too: asking for one of them now is the stored file
    part = services.plan_pdf_request(user=alice, plan=plans[2], version=plans[2].versions.get(),
                                     language="fr")  # fmt: skip
    assert part.status == Report.Status.READY

    again = services.plans_zip_request(user=dana, programme=plans[0].programme, language="fr")
    assert again.pk == report.pk  # the same set of versions: the stored zip
    approve(plans[1], dana, 2)
    changed = services.plans_zip_request(user=dana, programme=plans[0].programme, language="fr")
    assert changed.pk != report.pk  # a new version: a new zip


def test_a_zip_whose_parts_a_new_branding_drops_while_it_is_made_fails_as_gone(
    dana, alice, monkeypatch
):
    plans = [PlanFactory(client=ClientFactory(name=name, kam=alice)) for name in ("Acme", "Bora")]
    for plan in plans:
        approve(plan, dana)
    report = services.plans_zip_request(user=dana, programme=plans[0].programme, language="en")
    real_render = services.report_render

    def render_then_rebrand(*, report_id):
        real_render(report_id=report_id)
        if report_id != report.pk:  # a part, just made: the branding changes at that moment
            branding_services.branding_update(name="Acme", accent="#c0392b")

    monkeypatch.setattr(services, "report_render", render_then_rebrand)
    real_render(report_id=report.pk)

    report.refresh_from_db()
    assert (report.status, report.failure) == (Report.Status.FAILED, Report.Failure.GONE)
    assert not report.file
    # asked again, the zip is made anew in the new branding
    again = services.plans_zip_request(user=dana, programme=plans[0].programme, language="en")
    assert again.pk != report.pk
    assert again.branding_revision == selectors.branding_revision() > report.branding_revision


def test_the_shortlist_report_is_the_directors_and_made_once(dana, plan, renders):
    report = services.shortlist_report_request(user=dana, programme=plan.programme, language="fr")
    services.report_render(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.READY
    assert renders == [("shortlist", plan.programme.year, "fr")]
    again = services.shortlist_report_request(user=dana, programme=plan.programme, language="fr")
    assert again.pk == report.pk


def test_a_download_is_recorded_for_the_plans_history(alice, sam, plan, version):
    report = services.plan_pdf_request(user=alice, plan=plan, version=version, language="fr")
    with pytest.raises(ValidationError):
        services.report_download(user=sam, report=report)  # not ready yet
    services.report_render(report_id=report.pk)
    report.refresh_from_db()
    download = services.report_download(user=sam, report=report)
    assert (download.plan, download.version, download.language, download.user) == (
        plan,
        version,
        "fr",
        sam,
    )
    assert ReportDownload.objects.count() == 1


# --- cleaning up ----------------------------------------------------------------------------------


def stored(plan: Plan, by: User, **values) -> Report:
    """A ready report of ``plan`` with its file written where the renderer writes it."""
    fields = {
        "kind": Report.Kind.PLAN_DRAFT,
        "plan": plan,
        "language": "fr",
        "branding_revision": selectors.branding_revision(),
        "requested_by": by,
        "requested_at": timezone.now(),
        **values,
    }
    report = Report.objects.create(**fields)
    services._store(report.pk, b"%PDF-1.7 " + str(report.pk).encode())
    report.refresh_from_db()
    return report


def test_a_deleted_plans_reports_and_files_go_once_the_deletion_commits(
    alice, media, django_capture_on_commit_callbacks
):
    plan = PlanFactory(client=ClientFactory(kam=alice))  # a draft: no version protects it
    other = PlanFactory(client=ClientFactory(kam=alice))
    mine = [stored(plan, alice, content_digest="a"), stored(plan, alice, content_digest="b")]
    theirs = stored(other, alice)
    assert len(files(media)) == 3

    with transaction.atomic():  # rolled back: the rows and the files stay
        Plan.objects.get(pk=plan.pk).delete()
        transaction.set_rollback(True)
    assert len(files(media)) == 3
    assert Report.objects.filter(plan=plan).count() == 2

    with django_capture_on_commit_callbacks() as callbacks:
        Plan.objects.get(pk=plan.pk).delete()
        assert len(files(media)) == 3  # not before the commit
    for callback in callbacks:
        callback()
    assert not Report.objects.filter(pk__in=[report.pk for report in mine]).exists()
    assert files(media) == [theirs.file.name]


def test_a_new_branding_drops_the_files_of_older_revisions(
    alice, sam, plan, version, media, django_capture_on_commit_callbacks
):
    read_once = stored(plan, alice, kind=Report.Kind.PLAN_VERSION, version=version)
    services.report_download(user=sam, report=read_once)
    unread = stored(plan, alice, content_digest="draft")
    queued = Report.objects.create(
        kind=Report.Kind.PLAN_VERSION,
        plan=plan,
        version=version,
        language="en",
        branding_revision=selectors.branding_revision(),
        requested_by=alice,
        requested_at=timezone.now(),
    )
    assert len(files(media)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        branding_services.branding_update(name="Acme", accent="#c0392b")

    assert files(media) == []
    assert not Report.objects.filter(pk=unread.pk).exists()
    read_once.refresh_from_db()  # the plan's history names it: the row stays, without its file
    assert (read_once.status, read_once.failure, read_once.file.name, read_once.size) == (
        Report.Status.FAILED, Report.Failure.GONE, "", None
    )  # fmt: skip
    assert ReportDownload.objects.get().report == read_once
    assert Report.objects.get(pk=queued.pk).status == Report.Status.QUEUED  # left to finish

    # asking again makes it anew, in the new branding
    again = services.plan_pdf_request(user=alice, plan=plan, version=version, language="fr")
    assert again.pk != read_once.pk
    assert again.branding_revision == selectors.branding_revision()
