"""Celery beat's schedule: the nightly jobs and the reminders; a missed night runs once."""

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from celery.beat import PersistentScheduler
from django.conf import settings
from django.core import mail
from django.core.files.base import ContentFile

from accounts.models import ClientYearMetric
from accounts.services import imports as import_services
from accounts.tasks import client_metrics_recompute_task
from kam.celery import app
from planning.models import MeetingReminder
from planning.tasks import meeting_reminders_send_task
from scoring.models import ScoringRun
from scoring.tasks import scores_recompute_task
from tests.planning.test_tasks_reminders import account
from tests.scoring.factories import small_model

NIGHTLY = {
    "nightly-metrics": "accounts.tasks.client_metrics_recompute_task",
    "nightly-scores": "scoring.tasks.scores_recompute_task",
    "daily-meeting-reminders": "planning.tasks.meeting_reminders_send_task",
}


def test_beat_schedules_the_nightly_jobs_and_the_reminders():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert {name: entry["task"] for name, entry in schedule.items()} == NIGHTLY
    for name in NIGHTLY:
        assert schedule[name]["task"] in app.tasks, name


def recorder(sent: list[str]):
    """A scheduler's ``apply_async`` that notes what it would send to Redis."""

    def apply_async(scheduler, entry, producer=None, advance=True, **kwargs):
        sent.append(entry.task)

    return apply_async


def scheduler(path) -> PersistentScheduler:
    """Beat's own scheduler on a shelve file, as ``celery beat --schedule path`` starts it."""
    return PersistentScheduler(app=app, schedule_filename=str(path), lazy=False)


def test_a_beat_down_for_three_nights_runs_each_missed_job_once(tmp_path):
    path = tmp_path / "celerybeat-schedule"
    three_nights_ago = app.now() - dt.timedelta(days=3)
    first = scheduler(path)
    for name in NIGHTLY:
        first.schedule[name].last_run_at = three_nights_ago  # the last runs before the outage
    first.sync()
    first.close()

    sent: list[str] = []
    with mock.patch.object(PersistentScheduler, "apply_async", recorder(sent)):
        restarted = scheduler(path)  # beat comes back: three nights of each job were missed
        assert restarted.schedule["nightly-scores"].last_run_at == three_nights_ago
        for _ in range(20):  # ticks, each handling the next due entry
            restarted.tick()
        restarted.sync()
        restarted.close()

        assert sorted(sent) == sorted(NIGHTLY.values())  # once each, not three times
        again = scheduler(path)  # and once run, they are not due until the next night
        for _ in range(5):
            again.tick()
        again.close()
    assert sorted(sent) == sorted(NIGHTLY.values())


@pytest.mark.django_db
def test_a_second_run_the_same_night_does_nothing_new(dana):
    ledger = b"Customer;Date;Amount\nA;2025-01-05;100\nB;2025-02-05;50\nA;2025-03-05;25\n"
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(ledger, name="nightly.csv")
    )
    import_services.ledger_import_confirm(
        ledger_import=ledger_import, user=dana, mapping=ledger_import.mapping
    )
    import_services.ledger_import_run(import_id=ledger_import.pk)
    small_model()
    account()

    def night() -> tuple:
        client_metrics_recompute_task.apply().get()
        scores_recompute_task.apply(kwargs={"trigger": ScoringRun.Trigger.NIGHTLY}).get()
        meeting_reminders_send_task.apply().get()
        figures = sorted(
            ClientYearMetric.objects.values_list("client__external_id", "year", "revenue")
        )
        return figures, list(ScoringRun.objects.values_list("pk", flat=True)), len(mail.outbox)

    first = night()
    figures, runs, emails = first
    assert figures == [("A", 2025, Decimal("125.00")), ("B", 2025, Decimal("50.00"))]
    assert len(runs) == 1
    assert emails == MeetingReminder.objects.count() > 0

    assert night() == first  # the same figures, the same run, no email sent again
