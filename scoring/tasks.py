from kam import tasks


@tasks.task(tasks.IDEMPOTENT_JOB, soft_time_limit=600, time_limit=660)
def scores_recompute_task(*, trigger: str) -> int | None:
    """Score and rank the clients; returns the id of the run that holds the current scores.

    Enqueued by ``scoring.services.runs.scores_recompute_request``. Safe to run twice, and
    several at once: runs are serialised, and one for inputs already scored is skipped.
    """
    from scoring.services import runs  # here, not at the top: runs imports this module

    run = runs.scores_recompute(trigger=trigger)
    return None if run is None else run.pk
