"""A score recompute whose worker is killed (kill -9) mid-way runs again: one run, complete."""

import time
from decimal import Decimal

import pytest
from django.db import connection

from accounts.models import Client, ClientYearMetric
from scoring.models import ClientScore, ScoringRun
from scoring.services import runs
from scoring.tasks import scores_recompute_task
from tests.scoring.factories import small_model
from tests.workers import dedicated_worker  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

CLIENTS = 4_000  # a few seconds of scoring: time to kill the worker while it computes


def many_clients_with_history(count: int) -> None:
    clients = Client.objects.bulk_create(
        Client(name=f"Company {n:05d}", external_id=f"C-{n:06d}", country="FR", segment="Retail")
        for n in range(count)
    )
    ClientYearMetric.objects.bulk_create(
        ClientYearMetric(
            client=company,
            year=2025,
            revenue=Decimal(1_000 + 37 * n % 9_973),
            share_pct=100 / count,
            order_count=1 + n % 7,
            line_count=1 + n % 11,
            avg_days_late=float(n % 20),
        )
        for n, company in enumerate(clients)
    )


def scoring_holds_its_lock() -> bool:
    """A recompute is computing: it holds the advisory lock that serialises runs."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s AND granted",
            [runs.RECOMPUTE_LOCK],
        )
        return bool(cursor.fetchone()[0])


def test_a_score_recompute_killed_mid_way_runs_again_once(dedicated_worker):  # noqa: F811
    small_model()
    many_clients_with_history(CLIENTS)
    worker = dedicated_worker()

    started = time.monotonic()
    worker.send(scores_recompute_task, trigger=ScoringRun.Trigger.NIGHTLY)
    worker.wait_until(scoring_holds_its_lock, "the recompute computing")
    worker.kill()

    # PostgreSQL ends the killed worker's session (its transaction and its lock) once it
    # sees the connection gone: a moment, not at once.
    worker.wait_until(lambda: not scoring_holds_its_lock(), "the lock released", timeout=30)
    assert not ScoringRun.objects.exists()  # its transaction died with it

    worker.restart()
    worker.wait_until(
        lambda: worker.succeeded(scores_recompute_task.name), "the recompute's end", timeout=180
    )
    assert worker.received(scores_recompute_task.name) == 2  # taken, then taken back
    run = ScoringRun.objects.get()  # one run, not two
    assert (run.status, run.trigger) == (ScoringRun.Status.DONE, ScoringRun.Trigger.NIGHTLY)
    assert run.client_count == CLIENTS
    assert ClientScore.objects.filter(run=run).count() == CLIENTS
    assert ClientScore.objects.count() == CLIENTS
    print(f"killed and recomputed in {time.monotonic() - started:.1f} s")

    # The same night again (a second delivery, a retry): nothing new.
    worker.send(scores_recompute_task, trigger=ScoringRun.Trigger.NIGHTLY).get(timeout=120)
    assert ScoringRun.objects.get() == run
