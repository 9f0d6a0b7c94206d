from celery import shared_task
from django.db import OperationalError


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def ledger_import_run_task(*, import_id: int) -> None:
    from accounts import services  # here, not at the top: services import this module

    services.ledger_import_run(import_id=import_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def client_metrics_recompute_task() -> int:
    from accounts import services

    return services.client_metrics_recompute()
