"""The cast: KAMs alice and bob, director dana, sponsor sam, contributor carl, admin ada."""

import email
import email.message
import email.policy
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import translation

from accounts.models import Department, User
from kam import tasks
from tests.factories import UserFactory


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """Every user a test makes gets a password, and every login checks one: with the production
    hasher (made slow on purpose, half a second a hash here) that was most of the suite's time.
    Which hasher stores passwords is Django's business, not what these tests prove."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True, scope="session")
def _test_database_released_at_the_end(django_db_setup, django_db_blocker):
    """Before the test database is dropped, end any session a worker, a live server or a
    killed process left on it, or PostgreSQL refuses the drop and the run ends in error."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


# --- what the migrations seed, back after a flush ----------------------------------------------


@pytest.fixture(scope="session")
def _seeded_rows(django_db_setup, django_db_blocker) -> str:
    """The rows the migrations write (the default criteria and weights…), as a new database
    has them, serialized once."""
    from django.apps import apps
    from django.core import serializers

    models = [model for app in SEEDING_APPS for model in apps.get_app_config(app).get_models()]
    with django_db_blocker.unblock():
        rows = [row for model in models for row in model._default_manager.order_by("pk")]
        return serializers.serialize("json", rows)


SEEDED = pytest.StashKey[tuple[str, object]]()
SEEDING_APPS = ("accounts", "scoring", "planning")
"""The apps whose migrations write rows (the flush's post_migrate writes Django's own back)."""


@pytest.fixture(autouse=True)
def _seeded_rows_back_after_a_flush(request):
    """A transactional test (a live server, a live worker) ends with every table emptied, the
    migrations' rows too; the tests after it start from those rows again (written back by
    ``pytest_runtest_teardown`` once every fixture, the flush included, is torn down), as
    Django's own ordering of tests would otherwise have to guarantee."""
    if _is_transactional(request):
        seeded = request.getfixturevalue("_seeded_rows")
        request.node.stash[SEEDED] = (seeded, request.getfixturevalue("django_db_blocker"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield
    # After the last test no test reads the rows, and the test database went with the
    # session's fixtures in that test's teardown: nothing to write back.
    if SEEDED in item.stash and nextitem is not None:
        from django.core import serializers
        from django.db import connection, transaction

        seeded, blocker = item.stash[SEEDED]
        with blocker.unblock(), transaction.atomic(), connection.constraint_checks_disabled():
            for row in serializers.deserialize("json", seeded):
                row.save()
    return result


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.args[:1] == (True,)):
        return True
    return bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Messages raised outside a request are read in English unless a test says otherwise."""
    with translation.override("en"):
        yield


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", role=User.Role.KAM, country="FR")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", role=User.Role.KAM, country="DE")


@pytest.fixture
def dana(db):
    return UserFactory(
        username="dana", role=User.Role.DIRECTOR, department=Department.MANAGEMENT, country="FR"
    )


@pytest.fixture
def sam(db):
    return UserFactory(
        username="sam", role=User.Role.SPONSOR, department=Department.MANAGEMENT, country="FR"
    )


@pytest.fixture
def carl(db):
    return UserFactory(
        username="carl", role=User.Role.CONTRIBUTOR, department=Department.LOGISTICS, country="ES"
    )


@pytest.fixture
def ada(db):
    return UserFactory(
        username="ada", role=User.Role.ADMIN, department=Department.OTHER, is_staff=True
    )


# --- real parts: the sample ledgers and a live Celery worker -----------------------------------

SAMPLE_DATA = Path(os.environ.get("KAM_SAMPLE_DATA", settings.BASE_DIR.parent / "shared" / "data"))
SAMPLE_FILES = ("superstore.csv", "superstore_eu.csv", "sales_data_sample.csv")


@pytest.fixture(scope="session")
def sample_data() -> Path:
    """The public sample ledgers, ``SAMPLE_FILES`` in ``SAMPLE_DATA``: see ``check_sample_data``."""
    check_sample_data(SAMPLE_DATA, ci=bool(os.environ.get("CI")))
    return SAMPLE_DATA


def check_sample_data(folder: Path, *, ci: bool) -> None:
    """Skip the tests that need the sample ledgers only where they are truly absent.

    - No folder at all: the tests skip, saying where they looked (a clone without the data).
      Under CI (the ``CI`` variable set, as CI services do) that is a failure instead: CI must
      run them, so a missing mount or a wrong ``KAM_SAMPLE_DATA`` cannot pass as green.
    - The folder is there but a file is missing or empty: always a failure, never a skip (a
      broken copy of the data is not an absent one).
    """
    if not folder.is_dir():
        message = f"sample ledgers not found: no folder {folder} (set KAM_SAMPLE_DATA)"
        if ci:
            pytest.fail(f"{message}; CI runs every test, so this fails rather than skips")
        pytest.skip(message)
    broken = [
        name
        for name in SAMPLE_FILES
        if not (folder / name).is_file() or not (folder / name).stat().st_size
    ]
    if broken:
        pytest.fail(f"{folder} lacks sample ledgers (missing or empty): {', '.join(broken)}")


class Mailbox:
    """What a loopback SMTP server received: ``messages`` as parsed emails, in arrival order."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def snapshot(self) -> list[email.message.EmailMessage]:
        with self.lock:
            return list(self.messages)


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server on loopback (aiosmtpd), for the live worker's mail: ``(host, port,
    mailbox)``."""
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield "127.0.0.1", port, mailbox
    finally:
        controller.stop()


WORKER_QUEUES = (tasks.DEFAULT_QUEUE, tasks.RENDER_QUEUE)
"""The live worker serves every queue: the tasks a test queues run whatever their route."""


@pytest.fixture(scope="session")
def worker_process(django_db_setup, django_db_blocker, tmp_path_factory, smtp_server):
    """A real ``celery worker`` process on the Redis broker, using the test database, sending
    mail through SMTP to ``smtp_server``."""
    from kam.celery import app

    database = settings.DATABASES["default"]
    url = urlsplit(settings.DATABASE_URL)._replace(path="/" + database["NAME"]).geturl()
    host, port, _ = smtp_server
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "KAM_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": host,
        "EMAIL_PORT": str(port),
        "EMAIL_USE_TLS": "false",
        "KAM_BASE_URL": "http://kam.test",
    }
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    name = f"kam-test-{os.getpid()}@localhost"
    app.control.purge()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "kam", "worker", "--pool=solo",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "-n", name,
             "--queues", ",".join(WORKER_QUEUES)],
            cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[name], timeout=0.5):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("The Celery worker did not start:\n" + log.read_text())
        yield name
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_idle(name: str, timeout: float = 60) -> None:
    """Until the worker holds no task (running, reserved or scheduled with a countdown) and the
    queue is empty. A busy solo worker answers no inspection, which counts as busy."""
    from kam.celery import app

    inspect = app.control.inspect(destination=[name], timeout=1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = [inspect.active(), inspect.reserved(), inspect.scheduled()]
        with app.connection_for_write() as connection:
            client = connection.default_channel.client
            queued = sum(client.llen(queue) for queue in WORKER_QUEUES)
        if not queued and all(reply and reply.get(name) == [] for reply in replies):
            return
        time.sleep(0.3)
    raise RuntimeError(f"The Celery worker was still busy after {timeout} s")


@pytest.fixture
def live_worker(worker_process):
    """The live worker, idle when the test starts and again before its data is flushed, so a
    task one test queues (some run after a countdown) never runs during another."""
    _wait_until_idle(worker_process)
    yield worker_process
    _wait_until_idle(worker_process)


# --- headless Chromium from the system packages ------------------------------------------------

CHROMIUM = os.environ.get("KAM_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
        ],
    }  # fmt: skip
