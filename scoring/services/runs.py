"""Scoring runs: every client with ledger history scored and ranked under the weights in force.

What a run reads (each client's raw values and where they come from) is
``scoring.selectors.runs.run_inputs``; this module asks for runs, computes them and stores them.
"""

from __future__ import annotations

from celery.exceptions import SoftTimeLimitExceeded
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from scoring import ranking
from scoring.models import ClientScore, CriterionScore, ScoringRun
from scoring.selectors import runs as run_selectors
from scoring.tasks import scores_recompute_task

STABILITY_CUT = 5
"""Stability is the share of perturbed weightings that keep a client in the top 5."""
STABILITY_DRAWS = 500
STABILITY_SEED = 20_261_120  # fixed, so the same state always gives the same shares
RECOMPUTE_LOCK = 4_610_002  # advisory lock: one scoring run at a time (see scores_recompute)
RECOMPUTE_DELAY = 5
"""Seconds a recompute waits after the first trigger, so a burst of triggers makes one run."""
RECOMPUTE_PENDING_KEY = "scoring:recompute-pending"


def scores_recompute_request(*, trigger: str) -> None:
    """Ask for a recompute once the current transaction commits; a burst of requests in the next
    ``RECOMPUTE_DELAY`` seconds joins the same run."""
    transaction.on_commit(lambda: _scores_recompute_enqueue(trigger))


def _scores_recompute_enqueue(trigger: str) -> None:
    # The key lives a second less than the countdown: a request that finds it has committed its
    # data before the queued run starts, so that run reads it.
    if cache.add(RECOMPUTE_PENDING_KEY, trigger, timeout=RECOMPUTE_DELAY - 1):
        scores_recompute_task.apply_async(kwargs={"trigger": trigger}, countdown=RECOMPUTE_DELAY)


def scores_recompute(*, trigger: str) -> ScoringRun | None:
    """Score and rank every client with history under the active weights, and store the run.

    Runs one at a time (a PostgreSQL advisory lock). When the inputs are the same as those of the
    latest successful run, nothing is computed and that run is returned, so a second call, a
    retried task or a burst of triggers adds no run. Returns ``None`` when no weights are active.
    A computation that fails is stored as a failed run with its error.
    """
    if trigger not in ScoringRun.Trigger.values:
        raise ValidationError(_("Unknown trigger %(trigger)s.") % {"trigger": trigger})
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK])
        inputs = run_selectors.run_inputs()
        if inputs is None:
            return None
        fingerprint = inputs.fingerprint()
        latest = ScoringRun.objects.filter(status=ScoringRun.Status.DONE).first()
        if latest is not None and latest.fingerprint == fingerprint:
            return latest
        run = ScoringRun.objects.create(
            weight_set=inputs.weight_set, trigger=trigger, fingerprint=fingerprint
        )
        try:
            with transaction.atomic():
                run.client_count = _store(run, inputs)
        except ValueError as error:
            run.status, run.error = ScoringRun.Status.FAILED, str(error)
        except SoftTimeLimitExceeded:  # the task's time is up (kam.tasks): a failed run, kept
            run.status = ScoringRun.Status.FAILED
            run.error = _("The computation took longer than allowed and was stopped.")
        else:
            run.status = ScoringRun.Status.DONE
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "client_count", "finished_at"])
    return run


def _store(run: ScoringRun, inputs: run_selectors.RunInputs) -> int:
    """Rank the clients and bulk-insert their scores; returns the number of clients."""
    families = inputs.family_weights
    result = ranking.rank(inputs.values, inputs.specs, families, clients=inputs.client_ids)
    shares = (
        ranking.stability(
            inputs.values,
            inputs.specs,
            families,
            cut=STABILITY_CUT,
            draws=STABILITY_DRAWS,
            seed=STABILITY_SEED,
            clients=inputs.client_ids,
        )
        if inputs.client_ids
        else {}
    )
    ClientScore.objects.bulk_create(
        (
            ClientScore(
                run=run,
                client_id=client.client_id,
                total=client.total,
                financial=client.families.get("financial", 0.0),
                strategic=client.families.get("strategic", 0.0),
                maturity=client.families.get("maturity", 0.0),
                rank=client.rank,
                coverage=client.coverage,
                stability=shares[client.client_id],
            )
            for client in result.clients
        ),
        batch_size=2000,
    )
    criterion_ids = {criterion.code: criterion.pk for criterion in inputs.criteria}
    CriterionScore.objects.bulk_create(
        (
            CriterionScore(
                run=run,
                client_id=detail.client_id,
                criterion_id=criterion_ids[detail.criterion],
                raw=detail.raw,
                normalised=detail.normalised,
                weight=detail.weight,
                points=detail.points,
                missing=detail.missing,
                source=inputs.notes.get((detail.client_id, detail.criterion), {}),
            )
            for detail in result.details()
        ),
        batch_size=5000,
    )
    return len(result.clients)
