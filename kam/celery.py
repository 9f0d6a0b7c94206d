import os
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")

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
