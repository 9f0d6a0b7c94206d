import logging
import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")

logger = logging.getLogger(__name__)

app = Celery("kam")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect(dispatch_uid="kam-history-task-enter")
def _history_task_enter(**kwargs: Any) -> None:
    """Each task's writes are recorded in the audit history under its name (and its user)."""
    from kam import history

    history.task_context_enter(**kwargs)


@task_postrun.connect(dispatch_uid="kam-history-task-exit")
def _history_task_exit(**kwargs: Any) -> None:
    from kam import history

    history.task_context_exit(**kwargs)


@worker_init.connect(dispatch_uid="kam-visibility-timeout")
def _check_visibility_timeout(**kwargs: Any) -> None:
    """A worker refuses to start when Redis could hand a running task to another worker."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    from kam import tasks

    timeout = app.conf.broker_transport_options.get("visibility_timeout", 3600)
    longest = tasks.longest_time_limit(app)
    if timeout <= longest:
        message = (
            f"KAM_CELERY_VISIBILITY_TIMEOUT ({timeout} s) must exceed the longest task time "
            f"limit ({longest} s), or a long task would run twice at once."
        )
        if not settings.DEBUG:
            raise ImproperlyConfigured(message)
        logger.warning("%s Allowed in debug mode only.", message)
