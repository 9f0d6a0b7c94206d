"""A ledger import whose worker is killed (kill -9) mid-way runs again and loads each line once."""

import io
from unittest import mock

import pytest
from django.core.files.base import ContentFile

from accounts import demo
from accounts.models import LedgerImport, LedgerLine
from accounts.services import imports as import_services
from accounts.tasks import ledger_import_run_task
from tests.workers import dedicated_worker  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LINES = 40_000  # a few seconds of work: time to kill the worker while it loads the lines


def big_ledger() -> tuple[bytes, int]:
    stream = io.StringIO()
    count = demo.write_ledger_csv(demo.demo_programme(lines=LINES), stream)
    return stream.getvalue().encode(), count


def test_a_ledger_import_killed_mid_way_runs_again_and_loads_each_line_once(
    dedicated_worker,  # noqa: F811
    live_worker,  # runs the score recompute the import asks for, before the data is flushed
    dana,
):
    content, count = big_ledger()
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(content, name="big.csv")
    )
    with mock.patch.object(ledger_import_run_task, "delay_on_commit") as enqueue:
        import_services.ledger_import_confirm(
            ledger_import=ledger_import, user=dana, mapping=ledger_import.mapping
        )
    enqueue.assert_called_once_with(import_id=ledger_import.pk)
    worker = dedicated_worker()
    worker.send(ledger_import_run_task, import_id=ledger_import.pk)

    def loading() -> bool:
        ledger_import.refresh_from_db()
        return ledger_import.status == LedgerImport.Status.RUNNING and ledger_import.progress >= 45

    worker.wait_until(loading, "the import loading its lines")
    worker.kill()

    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.RUNNING  # left as the dead worker left it
    assert not LedgerLine.objects.exists()  # its transaction died with it

    worker.restart()
    worker.wait_until(
        lambda: LedgerImport.objects.get(pk=ledger_import.pk).is_finished, "the import finished"
    )
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.DONE, ledger_import.error
    worker.wait_until(lambda: worker.succeeded(ledger_import_run_task.name), "the task's end")
    assert worker.received(ledger_import_run_task.name) == 2  # taken, then taken back
    assert worker.succeeded(ledger_import_run_task.name) == 1
    assert ledger_import.rows_read == count
    imported = ledger_import.rows_imported
    assert imported + ledger_import.rows_rejected + ledger_import.rows_duplicate == count
    assert LedgerLine.objects.count() == imported
    assert LedgerLine.objects.filter(ledger_import=ledger_import).count() == imported
    assert LedgerLine.objects.values("line_key").distinct().count() == imported
