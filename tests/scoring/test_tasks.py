"""scoring/tasks.py, in this process and on a live Celery worker process."""

import time
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile

from accounts.models import Client, LedgerImport
from accounts.services import imports as import_services
from scoring.models import ClientScore, ScoringRun
from scoring.services import ratings, runs, weights
from scoring.tasks import scores_recompute_task
from tests.factories import ClientFactory, ClientYearMetricFactory
from tests.scoring.factories import small_model


def clients_with_history(count):
    ids = []
    for revenue in range(100, 100 * (count + 1), 100):
        company = ClientFactory()
        ClientYearMetricFactory(client=company, revenue=Decimal(revenue))
        ids.append(company.pk)
    return ids


@pytest.mark.django_db
def test_scores_recompute_task_returns_the_same_run_when_run_twice():
    small_model()
    clients_with_history(3)

    first = scores_recompute_task(trigger=ScoringRun.Trigger.NIGHTLY)
    second = scores_recompute_task(trigger=ScoringRun.Trigger.NIGHTLY)

    assert first is not None
    assert first == second
    assert ScoringRun.objects.get().pk == first


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_scores_recompute_task_stores_a_run_on_the_live_worker(live_worker):
    small_model()
    ids = clients_with_history(4)

    run_id = scores_recompute_task.delay(trigger=ScoringRun.Trigger.MANUAL).get(timeout=60)

    run = ScoringRun.objects.get(pk=run_id)
    assert run.status == ScoringRun.Status.DONE, run.error
    assert run.finished_at is not None
    ranked = list(ClientScore.objects.filter(run=run).order_by("rank"))
    assert [score.client_id for score in ranked] == ids[::-1]  # most revenue first


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_ratings_makes_one_run_with_the_last_rating(live_worker, dana):
    criteria = small_model()
    first = Client.objects.get(pk=clients_with_history(3)[0])
    cache.delete(runs.RECOMPUTE_PENDING_KEY)

    for level in (2, 3, 5):  # each rating commits, then asks for a recompute
        ratings.rating_set(user=dana, client=first, criterion=criteria["fit"], level=level)

    deadline = time.monotonic() + runs.RECOMPUTE_DELAY + 30
    while not ScoringRun.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(runs.RECOMPUTE_DELAY + 1)  # time for any further run to show up
    run = ScoringRun.objects.get()
    assert (run.status, run.trigger) == (ScoringRun.Status.DONE, ScoringRun.Trigger.RATINGS)
    assert run.criterion_scores.get(client=first, criterion=criteria["fit"]).raw == 5


def finished_run(trigger: str, timeout: float = 60) -> ScoringRun:
    """The first run with ``trigger`` once the worker has finished it."""
    deadline = time.monotonic() + runs.RECOMPUTE_DELAY + timeout
    while time.monotonic() < deadline:
        run = ScoringRun.objects.filter(trigger=trigger).exclude(status="running").first()
        if run is not None:
            return run
        time.sleep(0.2)
    raise AssertionError(f"no finished {trigger} run after {timeout} s")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_ledger_import_on_the_live_worker_ends_in_a_new_scoring_run(live_worker, dana):
    small_model()
    cache.delete(runs.RECOMPUTE_PENDING_KEY)
    text = "Customer;Date;Amount\nSmall;2024-01-05;100\nBig;2024-02-05;300\n"
    ledger_import = import_services.ledger_import_create(
        user=dana, upload=ContentFile(text.encode(), name="import.csv")
    )
    assert not ScoringRun.objects.exists()

    import_services.ledger_import_confirm(
        ledger_import=ledger_import, user=dana, mapping=ledger_import.mapping
    )  # the worker imports, accounts announces it, scoring's receiver asks for a recompute

    run = finished_run(ScoringRun.Trigger.IMPORT)
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.DONE, ledger_import.error
    assert run.status == ScoringRun.Status.DONE, run.error
    assert run.started_at >= ledger_import.finished_at
    ranked = ClientScore.objects.filter(run=run).order_by("rank").select_related("client")
    assert [score.client.name for score in ranked] == ["Big", "Small"]


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_weight_change_on_the_live_worker_ends_in_a_new_scoring_run(live_worker, dana):
    small_model()
    clients_with_history(3)
    before = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)
    assert before is not None
    cache.delete(runs.RECOMPUTE_PENDING_KEY)

    changed = weights.weight_set_update(
        user=dana,
        family_weights={"financial": 80, "strategic": 10, "maturity": 10},
        criterion_weights={"revenue": 50, "late": 50, "fit": 100, "relationship": 100},
        reason="Figures matter more",
        base_version=1,
    )

    run = finished_run(ScoringRun.Trigger.WEIGHTS)
    assert run.status == ScoringRun.Status.DONE, run.error
    assert run.pk != before.pk
    assert run.weight_set == changed
    assert ClientScore.objects.filter(run=run).count() == 3
