"""Every task of KAM runs under a declared reliability policy (kam/tasks.py)."""

import fnmatch
import importlib
import importlib.util

import pytest
import redis.exceptions
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError

from kam import tasks
from kam.celery import app


@pytest.fixture(scope="module")
def project_tasks():
    for config in apps.get_app_configs():  # every app's tasks module, as a worker loads them
        if importlib.util.find_spec(f"{config.name}.tasks"):
            importlib.import_module(f"{config.name}.tasks")
    found = tasks.project_tasks(app)
    assert "accounts.tasks.ledger_import_run_task" in found
    return found


def test_every_task_of_the_project_declares_a_policy(project_tasks):
    undeclared = [name for name, task in project_tasks.items() if tasks.policy_of(task) is None]
    assert not undeclared, f"declare a policy with @kam.tasks.task(...) for: {undeclared}"


def test_every_task_runs_as_its_policy_says(project_tasks):
    for name, task in project_tasks.items():
        policy = tasks.policy_of(task)
        assert task.acks_late is policy.idempotent, name
        assert task.reject_on_worker_lost is policy.idempotent, name
        assert 0 < task.soft_time_limit < task.time_limit, name
        assert task.autoretry_for == policy.retry_on, name
        assert task.dont_autoretry_for == tasks.BAD_INPUT, name
        assert 0 < task.max_retries <= 10, name
        assert task.retry_backoff, name
        assert task.retry_jitter, name
        assert task.retry_backoff_max <= 600, name


def test_only_transient_errors_are_retried():
    for transient in (OperationalError, InterfaceError, redis.exceptions.ConnectionError):
        assert issubclass(transient, tasks.TRANSIENT_ERRORS)
    for bad_input in (ValidationError, ValueError, KeyError, LookupError):
        assert not issubclass(bad_input, tasks.TRANSIENT_ERRORS + tasks.SMTP_ERRORS)
        assert issubclass(bad_input, tasks.BAD_INPUT)


def test_the_broker_hands_a_task_over_only_after_the_longest_time_limit(project_tasks):
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    longest = max(task.time_limit for task in project_tasks.values())
    assert longest == tasks.longest_time_limit(app)
    assert timeout > longest


def test_render_tasks_go_to_the_render_queue(project_tasks):
    router = app.amqp.router
    for name in ("planning.tasks.plan_pdf_render_task", "planning.tasks.plans_batch_export_task"):
        assert router.route({}, name)["queue"].name == tasks.RENDER_QUEUE
    assert router.route({}, "planning.tasks.meeting_reminders_send_task")["queue"].name == (
        tasks.DEFAULT_QUEUE
    )
    patterns = settings.CELERY_TASK_ROUTES
    for name, task in project_tasks.items():
        routed = any(fnmatch.fnmatch(name, pattern) for pattern in patterns)
        if tasks.policy_of(task) is tasks.RENDER or routed:
            assert router.route({}, name)["queue"].name == tasks.RENDER_QUEUE, name


def test_a_transient_error_is_retried_with_a_bound_and_bad_input_never():
    calls = {"flaky": 0, "down": 0, "bad": 0}

    @tasks.task(tasks.IDEMPOTENT_JOB, soft_time_limit=5, time_limit=10)
    def flaky() -> str:
        calls["flaky"] += 1
        if calls["flaky"] < 3:
            raise OperationalError("connection lost")
        return "done"

    @tasks.task(tasks.IDEMPOTENT_JOB, soft_time_limit=5, time_limit=10)
    def down() -> None:
        calls["down"] += 1
        raise OperationalError("the database is down")

    @tasks.task(tasks.IDEMPOTENT_JOB, soft_time_limit=5, time_limit=10)
    def bad() -> None:
        calls["bad"] += 1
        raise ValidationError("not a ledger")

    assert flaky.apply().get() == "done"  # eagerly: retries run at once
    assert calls["flaky"] == 3
    with pytest.raises(OperationalError):
        down.apply().get()
    assert calls["down"] == 1 + tasks.IDEMPOTENT_JOB.max_retries
    with pytest.raises(ValidationError):
        bad.apply().get()
    assert calls["bad"] == 1


def test_a_policy_refuses_a_soft_limit_above_its_hard_limit():
    with pytest.raises(ValueError, match="soft time limit"):
        tasks.task(tasks.RENDER, soft_time_limit=200, time_limit=100)
