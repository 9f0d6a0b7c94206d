from typing import Any

from django.utils.translation import gettext as _

from kam import tasks


def _import_failed(
    task: Any, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
) -> None:
    """After the last retry of a transient error, the import is marked failed (a rerun ends in
    no-op when the service has already recorded the failure)."""
    from accounts.services import imports as import_services

    import_services.ledger_import_fail(
        import_id=kwargs["import_id"],
        error=_("The import was interrupted several times and has been stopped; try again later."),
    )


@tasks.task(tasks.IDEMPOTENT_JOB, soft_time_limit=900, time_limit=960, on_failure=_import_failed)
def ledger_import_run_task(*, import_id: int) -> None:
    """Read, check and load one confirmed ledger import (a million lines take about 30 s)."""
    from accounts.services import imports as import_services  # services import this module

    import_services.ledger_import_run(import_id=import_id)


@tasks.task(tasks.IDEMPOTENT_JOB, soft_time_limit=300, time_limit=360)
def client_metrics_recompute_task() -> int:
    """Nightly (beat): each client's yearly figures from its ledger lines, the same each run."""
    from accounts.services import client_metrics as metric_services

    return metric_services.client_metrics_recompute()


@tasks.task(tasks.IDEMPOTENT_JOB, soft_time_limit=300, time_limit=360)
def ledger_lines_convert_task(*, currencies: list[str], start: str, end: str) -> int:
    """After an exchange rate changed: the lines it may concern converted again with the rates
    stored now, then the figures recomputed (a second run changes nothing)."""
    import datetime as dt

    from accounts.services import exchange_rates as rate_services

    return rate_services.ledger_lines_convert(
        currencies=currencies, start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end)
    )
