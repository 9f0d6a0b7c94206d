"""How the ledger import task ends when its time runs out or the database goes away."""

from unittest import mock

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.base import ContentFile
from django.db import OperationalError
from django.utils import translation

from accounts.models import LedgerImport, LedgerLine
from accounts.services import imports as import_services
from accounts.services import loading as loading_services
from accounts.tasks import ledger_import_run_task
from kam import tasks

pytestmark = pytest.mark.django_db

LEDGER = b"Customer;Date;Amount\nA;2024-01-05;100\nB;2024-02-05;50\n"


@pytest.fixture
def queued(dana):
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(LEDGER, name="ledger.csv")
    )
    import_services.ledger_import_confirm(
        ledger_import=ledger_import, user=dana, mapping=ledger_import.mapping
    )
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.QUEUED
    return ledger_import


def test_an_import_stopped_at_its_soft_time_limit_is_failed_with_a_translated_reason(queued):
    with (
        mock.patch.object(loading_services, "_stage_merge", side_effect=SoftTimeLimitExceeded()),
        translation.override("fr"),
    ):
        result = ledger_import_run_task.apply(kwargs={"import_id": queued.pk})

    assert result.failed()
    assert isinstance(result.result, SoftTimeLimitExceeded)
    queued.refresh_from_db()
    assert queued.status == LedgerImport.Status.FAILED
    assert queued.error.startswith("L\u2019import a pris plus de temps que permis")
    assert queued.finished_at is not None
    assert not LedgerLine.objects.exists()


def test_an_import_whose_database_went_away_is_tried_again_and_loads_once(queued):
    real_load = loading_services._stage_merge
    calls = []

    def load_after_a_lost_connection(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_load(*args, **kwargs)

    with mock.patch.object(
        loading_services, "_stage_merge", side_effect=load_after_a_lost_connection
    ):
        result = ledger_import_run_task.apply(kwargs={"import_id": queued.pk})

    assert result.successful()
    assert len(calls) == 2
    queued.refresh_from_db()
    assert queued.status == LedgerImport.Status.DONE, queued.error
    assert queued.rows_imported == LedgerLine.objects.count() == 2


def test_an_import_whose_database_stays_away_fails_after_its_last_retry(queued):
    with (
        mock.patch.object(
            loading_services, "_stage_merge", side_effect=OperationalError("no database")
        ) as load,
        translation.override("en"),
    ):
        result = ledger_import_run_task.apply(kwargs={"import_id": queued.pk})

    assert result.failed()
    assert load.call_count == 1 + tasks.IDEMPOTENT_JOB.max_retries
    queued.refresh_from_db()
    assert queued.status == LedgerImport.Status.FAILED
    assert queued.error == (
        "The import was interrupted several times and has been stopped; try again later."
    )


def test_an_unreadable_ledger_fails_at_once_without_retries(dana):
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(LEDGER, name="ledger.csv")
    )
    import_services.ledger_import_confirm(
        ledger_import=ledger_import, user=dana, mapping=ledger_import.mapping
    )
    unreadable = loading_services.ledger.LedgerError("no amounts")
    with (
        mock.patch.object(
            loading_services, "_stage_merge", side_effect=AssertionError("unexpected")
        ) as load,
        mock.patch.object(loading_services.ledger, "parse", side_effect=unreadable) as parse,
    ):
        result = ledger_import_run_task.apply(kwargs={"import_id": ledger_import.pk})

    assert result.successful()  # a refusal recorded on the import, not a task to retry
    assert parse.call_count == 1
    assert load.call_count == 0
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.FAILED
    assert ledger_import.error == "no amounts"
