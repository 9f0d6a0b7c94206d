"""accounts/tasks.py on a live Celery worker process, Redis and PostgreSQL."""

import time

import pytest
from django.core.files.base import ContentFile

from accounts.models import ClientYearMetric, LedgerImport, LedgerLine
from accounts.services import imports as import_services
from accounts.tasks import client_metrics_recompute_task

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(ledger_import: LedgerImport, timeout: float = 60) -> LedgerImport:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ledger_import.refresh_from_db()
        if ledger_import.is_finished:
            return ledger_import
        time.sleep(0.2)
    raise AssertionError(f"import still {ledger_import.status} after {timeout} s")


def test_ledger_import_runs_on_the_live_worker(live_worker, dana):
    text = "Customer;Date;Amount;Profit\nA;2024-01-05;100,50;10\nB;2024-02-05;50;5\nB;bad;1;1\n"
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(text.encode(), name="worker.csv")
    )
    import_services.ledger_import_confirm(
        ledger_import=ledger_import, user=dana, mapping=ledger_import.mapping
    )
    done = wait_for(ledger_import)
    assert done.status == LedgerImport.Status.DONE, done.error
    assert (done.rows_imported, done.rows_rejected, done.clients_created) == (2, 1, 2)
    assert done.progress == 100
    assert done.duration is not None
    assert done.duration.total_seconds() > 0
    assert LedgerLine.objects.count() == 2
    assert ClientYearMetric.objects.filter(client__external_id="A").get().revenue == 100.5


def test_client_metrics_recompute_task_runs_on_the_live_worker(live_worker, dana):
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(b"Customer,Date,Amount\nA,2024-01-05,7\n", name="m.csv")
    )
    import_services.ledger_import_confirm(
        ledger_import=ledger_import, user=dana, mapping=ledger_import.mapping
    )
    wait_for(ledger_import)
    ClientYearMetric.objects.all().delete()
    result = client_metrics_recompute_task.delay()
    assert result.get(timeout=30) == 1
    assert ClientYearMetric.objects.get().revenue == 7
