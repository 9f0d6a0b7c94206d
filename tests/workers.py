"""A dedicated live Celery worker that a test can kill with SIGKILL in the middle of a task and
start again: the ``dedicated_worker`` fixture (import it into a test module, or a conftest).

    from tests.workers import dedicated_worker  # noqa: F401  (the fixture)

    @pytest.mark.worker
    @pytest.mark.django_db(transaction=True)
    def test_a_killed_job_runs_again(dedicated_worker):
        worker = dedicated_worker()                 # started, on its own queue
        worker.send(some_task, thing_id=thing.pk)   # or some_task.apply_async(queue=worker.queue)
        worker.wait_until(lambda: …, "the job has started")
        worker.kill()                               # kill -9, the worker and its pool at once
        worker.restart()                            # the broker hands the task over again
        worker.wait_until(lambda: …, "the job is done")

The worker is a real ``celery -A kam worker`` process (prefork pool, so time limits hold, as in
production) on the test database, like ``tests/conftest.py``'s session worker, but it consumes
only its own queue: tasks sent there never reach the session worker, and the session worker's
never reach it. A task a killed worker had taken stays unacknowledged in Redis until the
broker's visibility timeout passes; this worker runs with a short one
(``KAM_CELERY_VISIBILITY_TIMEOUT``, 2 s by default), and ``restart()`` waits that long after
the kill before starting, so the new worker takes the task back at once, as a production
worker does after two hours. Tests that use it run one at a time, with the session worker idle
(the redelivery sweep would also hand back a task the session worker was running).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings

_numbers = count(1)


def worker_environment(**extra: str) -> dict[str, str]:
    """The environment of a worker process that uses the test database (pytest-django's)."""
    database = settings.DATABASES["default"]
    url = urlsplit(settings.DATABASE_URL)._replace(path="/" + database["NAME"]).geturl()
    return {
        **os.environ,
        "DATABASE_URL": url,
        "KAM_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        "KAM_BASE_URL": "http://kam.test",
        **extra,
    }


class DedicatedWorker:
    """One ``celery worker`` process on ``queue``; ``kill()`` it and ``restart()`` it at will."""

    def __init__(
        self,
        *,
        log_dir: Path,
        queue: str,
        concurrency: int = 1,
        visibility_timeout: int = 2,
        env: dict[str, str] | None = None,
    ) -> None:
        self.queue = queue
        self.concurrency = concurrency
        self.visibility_timeout = visibility_timeout
        self.log_dir = log_dir
        self.env = env or {}
        self.name = ""
        self.process: subprocess.Popen[bytes] | None = None
        self.killed_at: float | None = None
        self.starts = 0

    # --- life cycle ----------------------------------------------------------------------------

    def start(self, timeout: float = 90) -> None:
        from kam.celery import app

        self.starts += 1
        self.name = f"{self.queue}-{self.starts}@localhost"
        env = worker_environment(
            KAM_CELERY_VISIBILITY_TIMEOUT=str(self.visibility_timeout), **self.env
        )
        with self.log_path.open("ab") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "kam", "worker", "--pool=prefork",
                 f"--concurrency={self.concurrency}", "--loglevel=INFO", "--without-gossip",
                 "--without-mingle", "--without-heartbeat", "-n", self.name,
                 "--queues", self.queue],
                cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() reaches the pool too
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while not app.control.ping(destination=[self.name], timeout=0.5):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"The worker {self.name} did not start:\n{self.log()}")

    def kill(self) -> None:
        """``kill -9`` the worker and its pool processes, as a crash or the OOM killer would."""
        assert self.process is not None, "the worker is not running"
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.killed_at = time.monotonic()
        self.process = None

    def restart(self, timeout: float = 90) -> None:
        """Start again; after a kill, once the killed worker's task is due back (visibility
        timeout), so that the new worker takes it on its first look at the broker."""
        if self.process is not None:
            self.stop()
        if self.killed_at is not None:
            time.sleep(max(0.0, self.killed_at + self.visibility_timeout + 0.5 - time.monotonic()))
        self.start(timeout=timeout)

    def stop(self, timeout: float = 30) -> None:
        """A warm shutdown (SIGTERM), then SIGKILL if it does not stop in ``timeout``."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        self.process = None

    # --- work ----------------------------------------------------------------------------------

    def send(self, task: Any, **kwargs: Any) -> Any:
        """Queue ``task`` with keyword arguments on this worker's queue; its ``AsyncResult``."""
        return task.apply_async(kwargs=kwargs, queue=self.queue)

    def wait_until(
        self, condition: Callable[[], object], what: str, timeout: float = 90, every: float = 0.05
    ) -> None:
        """Poll ``condition`` until it is true; fail naming ``what`` with the worker's log."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"not seen in {timeout} s: {what}\n{self.log()}")
            if self.process is not None and self.process.poll() is not None:
                raise AssertionError(f"the worker stopped before: {what}\n{self.log()}")
            time.sleep(every)

    def received(self, task_name: str) -> int:
        """How many times the worker's log says it received ``task_name`` (across restarts)."""
        return sum(
            1
            for line in self.log().splitlines()
            if f"Task {task_name}[" in line and "received" in line
        )

    def succeeded(self, task_name: str) -> int:
        return sum(
            1
            for line in self.log().splitlines()
            if f"Task {task_name}[" in line and "succeeded" in line
        )

    # --- traces --------------------------------------------------------------------------------

    @property
    def log_path(self) -> Path:
        return self.log_dir / f"{self.queue}.log"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def purge(self) -> None:
        """Drop what is left in this worker's queue."""
        from kam.celery import app

        with app.connection_for_write() as connection:
            connection.default_channel.client.delete(self.queue)


@pytest.fixture
def dedicated_worker(
    django_db_setup: None, tmp_path: Path
) -> Iterator[Callable[..., DedicatedWorker]]:
    """A factory of dedicated workers (see the module's docstring), each stopped at the end of
    the test: ``dedicated_worker(concurrency=1, visibility_timeout=2, env={...})``."""
    workers: list[DedicatedWorker] = []

    def start(**options: Any) -> DedicatedWorker:
        queue = f"kam-test-{os.getpid()}-{next(_numbers)}"
        worker = DedicatedWorker(log_dir=tmp_path, queue=queue, **options)
        workers.append(worker)
        worker.start()
        return worker

    yield start
    for worker in workers:
        worker.stop()
        worker.purge()
