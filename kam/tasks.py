"""How every Celery task of KAM behaves when things go wrong: its reliability policy.

A task declares one named policy with ``@kam.tasks.task(POLICY, soft_time_limit=…,
time_limit=…)`` in place of ``@shared_task``; the policy decides late acknowledgement,
redelivery when a worker dies, which errors are retried (transient ones only, a bounded number
of times with jittered exponential backoff) and the queue. The README's "Background jobs" table
lists every task with its policy; ``tests/test_tasks_policy.py`` fails for a task without one.

- ``IDEMPOTENT_JOB``: a job whose service makes a second run a no-op (an import, a recompute).
  Acknowledged only once it has finished, and put back in the queue when its worker dies
  (``kill -9``, out of memory): the job runs again and finishes what the dead one started.
- ``EMAIL_NOTIFICATION``: emails recorded as sent in the transaction that sends them. Also
  redelivered when its worker dies (an email may then go twice, never zero times); SMTP
  connection failures are transient too.
- ``RENDER``: PDF rendering and batch exports, idempotent (each file stored once), on the
  ``render`` queue whose worker has a memory ceiling (see scripts/run.sh, docker-compose.yml).

Time limits: at the soft limit the task gets ``SoftTimeLimitExceeded`` and its service records
a failure with a reason where the job has a status; at the hard limit the worker kills it. The
broker's visibility timeout (``CELERY_BROKER_TRANSPORT_OPTIONS``) must exceed every hard limit,
or Redis would hand a long task to a second worker while the first still runs it.
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import kombu.exceptions
import redis.exceptions
from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import InterfaceError, OperationalError

DEFAULT_QUEUE = "celery"
RENDER_QUEUE = "render"

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,  # the database went away, a connection broke, a lock timed out
    InterfaceError,  # a connection closed under the task
    redis.exceptions.ConnectionError,  # the broker, result backend or cache (Redis)
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,  # the broker, as Celery's messaging layer reports it
)
SMTP_ERRORS: tuple[type[BaseException], ...] = (
    smtplib.SMTPConnectError,
    smtplib.SMTPServerDisconnected,
    ConnectionError,  # refused or reset
    TimeoutError,
)
BAD_INPUT: tuple[type[BaseException], ...] = (
    ValidationError,  # a business rule said no (an unreadable ledger is one: LedgerError)
    ObjectDoesNotExist,
    PermissionDenied,
    ValueError,
    TypeError,
    LookupError,
)
"""Never retried: the same input would fail the same way. Listed so that a subclass of a
transient error can never be retried by mistake."""


@dataclass(frozen=True)
class Policy:
    name: str
    idempotent: bool
    """Late acknowledgement and redelivery on worker loss (the service makes reruns no-ops)."""
    soft_time_limit: int
    """Default seconds before ``SoftTimeLimitExceeded``; a task may set its own."""
    time_limit: int
    """Default seconds before the worker kills the task; a task may set its own."""
    retry_on: tuple[type[BaseException], ...] = TRANSIENT_ERRORS
    max_retries: int = 5
    retry_backoff_max: int = 300
    queue: str = DEFAULT_QUEUE
    never_retry_on: tuple[type[BaseException], ...] = BAD_INPUT

    def options(self, *, soft_time_limit: int | None, time_limit: int | None) -> dict[str, Any]:
        """The ``shared_task`` options of a task under this policy."""
        soft = self.soft_time_limit if soft_time_limit is None else soft_time_limit
        hard = self.time_limit if time_limit is None else time_limit
        if not 0 < soft < hard:
            raise ValueError(f"{self.name}: the soft time limit must be below the hard one")
        return {
            "acks_late": self.idempotent,
            "reject_on_worker_lost": self.idempotent,
            "soft_time_limit": soft,
            "time_limit": hard,
            "autoretry_for": self.retry_on,
            "dont_autoretry_for": self.never_retry_on,
            "max_retries": self.max_retries,
            "retry_backoff": 2,  # 2, 4, 8… seconds, each drawn at random below that (jitter)
            "retry_backoff_max": self.retry_backoff_max,
            "retry_jitter": True,
            "policy": self,
            # The render queue by name; other tasks go where CELERY_TASK_ROUTES sends them
            # (a task's own queue would override the routes).
            **({"queue": self.queue} if self.queue != DEFAULT_QUEUE else {}),
        }


IDEMPOTENT_JOB = Policy(name="idempotent job", idempotent=True, soft_time_limit=300, time_limit=360)
EMAIL_NOTIFICATION = Policy(
    name="email notification",
    idempotent=True,
    soft_time_limit=60,
    time_limit=90,
    retry_on=TRANSIENT_ERRORS + SMTP_ERRORS,
    max_retries=8,
    retry_backoff_max=600,
)
RENDER = Policy(
    name="render", idempotent=True, soft_time_limit=120, time_limit=180, queue=RENDER_QUEUE
)
POLICIES = (IDEMPOTENT_JOB, EMAIL_NOTIFICATION, RENDER)

PROJECT_APPS = ("accounts", "scoring", "planning", "kam")
"""Tasks whose names start with one of these (plus a dot) are KAM's, and need a policy."""


def task(
    policy: Policy,
    *,
    soft_time_limit: int | None = None,
    time_limit: int | None = None,
    on_failure: Callable[..., None] | None = None,
) -> Callable[[Callable[..., Any]], Any]:
    """``@shared_task`` with the options of ``policy``, and this task's own time limits.

    ``on_failure(task, exc, task_id, args, kwargs, einfo)`` runs once the task has failed for
    good (bad input, or a transient error after its last retry), e.g. to record the failure.
    """
    options = policy.options(soft_time_limit=soft_time_limit, time_limit=time_limit)
    if on_failure is not None:
        options["on_failure"] = on_failure

    def decorate(function: Callable[..., Any]) -> Any:
        return shared_task(**options)(function)

    return decorate


def policy_of(registered: Any) -> Policy | None:
    """The policy a registered task was declared with, or ``None``."""
    policy = getattr(registered, "policy", None)
    return policy if isinstance(policy, Policy) else None


def project_tasks(app: Any) -> dict[str, Any]:
    """KAM's own registered tasks (not Celery's), by name."""
    return {
        name: registered
        for name, registered in app.tasks.items()
        if name.split(".", 1)[0] in PROJECT_APPS
    }


def longest_time_limit(app: Any) -> int:
    """The longest hard time limit of KAM's tasks, in seconds."""
    return max(registered.time_limit or 0 for registered in project_tasks(app).values())
