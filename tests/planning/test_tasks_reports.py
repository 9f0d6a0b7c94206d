"""Stored reports made by a live Celery worker: two requests at once give one row, one render and
one file; the real renderer's PDF is what is stored; a run of the task again changes nothing; a
worker killed (kill -9) in the middle of a render leaves the report "rendering", and once a
worker is back the task runs again and exactly one file exists."""

import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from planning.models import PlanVersion, Report
from planning.selectors.versions import plan_snapshot
from planning.services import reports as services
from planning.tasks import report_render_task
from tests.factories import ClientFactory
from tests.planning.factories import KpiFactory, ObjectiveFactory, PlanFactory
from tests.workers import dedicated_worker  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(condition, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen in {seconds} s: {what}")
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def no_earlier_reports():
    """The test media folder without the files of earlier tests (whose report ids the flushed
    database hands out again)."""
    shutil.rmtree(Path(settings.MEDIA_ROOT) / "reports", ignore_errors=True)


def stored_files(report: Report) -> list[Path]:
    folder = Path(settings.MEDIA_ROOT) / "reports" / str(report.pk)
    return sorted(path for path in folder.rglob("*") if path.is_file())


@pytest.fixture
def version(alice, sam, dana):
    plan = PlanFactory(client=ClientFactory(name="Acme Packaging", kam=alice, sponsor=sam))
    objective = ObjectiveFactory(plan=plan, title="Grow the margin on films")
    KpiFactory(objective=objective, name="Gross margin", is_margin=True)
    return PlanVersion.objects.create(
        plan=plan, number=1, approved_by=dana, approved_at=timezone.now(), submitted_by=alice,
        snapshot=plan_snapshot(plan),
    )  # fmt: skip


def test_two_requests_at_once_make_one_report_one_render_one_file(
    live_worker, version, alice, sam, tmp_path
):
    """Two people ask for the same PDF at the same moment, each in their own transaction and
    connection: one row, rendered once by the live worker, one file."""
    barrier = threading.Barrier(2)
    got: list[int] = []
    errors: list[BaseException] = []

    def ask(user) -> None:
        try:
            barrier.wait(timeout=10)
            report = services.plan_pdf_request(
                user=user, plan=version.plan, version=version, language="fr"
            )
            got.append(report.pk)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(user,)) for user in (alice, sam)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(got) == 2
    assert got[0] == got[1]
    report = Report.objects.get()

    wait_for(lambda: Report.objects.get().is_settled, "the report made by the worker")
    report.refresh_from_db()
    assert report.status == Report.Status.READY, report.get_failure_display()
    assert report.attempts == 1  # rendered once
    (stored,) = stored_files(report)  # one file
    assert stored.name == "acme-packaging-2026-v1-fr.pdf"
    info = subprocess.run(["pdfinfo", str(stored)], capture_output=True, text=True, check=True)
    assert "Pages:" in info.stdout
    text = subprocess.run(
        ["pdftotext", str(stored), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Acme Packaging" in text

    # the task run again (a retry, a duplicate delivery) is a no-op
    report_render_task.apply_async(kwargs={"report_id": report.pk}).get(timeout=60)
    report.refresh_from_db()
    assert report.attempts == 1
    assert len(stored_files(report)) == 1


def waiting_for(table: str) -> bool:
    """Some connection waits for a lock on ``table`` (the worker, blocked mid-render)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = %s::regclass AND NOT granted", [table]
        )
        return bool(cursor.fetchone()[0])


def test_a_worker_killed_mid_render_makes_it_again_once_back_and_one_file_exists(
    dedicated_worker,  # noqa: F811
    version,
    alice,
    monkeypatch,
):
    monkeypatch.setattr(report_render_task, "delay_on_commit", lambda **kwargs: None)
    report = services.plan_pdf_request(
        user=alice, plan=version.plan, version=version, language="fr"
    )  # the test sends the task itself, to its own worker
    worker = dedicated_worker()
    versions_table = PlanVersion._meta.db_table
    with transaction.atomic():
        # hold the versions' table: the worker marks the report rendering, then waits for it
        # in the middle of the job, where it is killed
        with connection.cursor() as cursor:
            cursor.execute(f'LOCK TABLE "{versions_table}" IN ACCESS EXCLUSIVE MODE')
        worker.send(report_render_task, report_id=report.pk)
        worker.wait_until(
            lambda: Report.objects.get(pk=report.pk).status == Report.Status.RENDERING,
            "the report rendering",
        )
        worker.wait_until(lambda: waiting_for(versions_table), "the render under way")
        worker.kill()
    report.refresh_from_db()
    assert report.status == Report.Status.RENDERING  # left so by the dead worker
    assert not stored_files(report)

    worker.restart()  # the broker hands the unacknowledged task over again
    worker.wait_until(
        lambda: Report.objects.get(pk=report.pk).is_settled, "the report made again", timeout=120
    )
    report.refresh_from_db()
    assert report.status == Report.Status.READY, report.get_failure_display()
    assert worker.received(report_render_task.name) == 2  # taken, then taken back
    assert report.attempts == 2
    (stored,) = stored_files(report)  # exactly one file
    info = subprocess.run(["pdfinfo", str(stored)], capture_output=True, text=True, check=True)
    assert "Pages:" in info.stdout
    assert report.size == stored.stat().st_size
