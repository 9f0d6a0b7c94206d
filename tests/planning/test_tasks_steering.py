"""A steering committee decision reaches the project's KAM by email: queued after the commit,
sent by a live Celery worker through a real SMTP server on loopback, once and never twice."""

import time
from decimal import Decimal

import pytest

from accounts.models import User
from planning.models import SteeringDecision
from planning.services import projects as services
from planning.tasks import steering_decision_notify_task
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import PlanFactory, SteeringSessionFactory, make_project
from tests.scoring.factories import ProgrammeFactory


def wait_for(mailbox, count: int, seconds: float = 30) -> list:
    deadline = time.monotonic() + seconds
    while len(mailbox.snapshot()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return mailbox.snapshot()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_live_worker_emails_a_decision_to_the_kam_once(live_worker, smtp_server, settings):
    _, _, mailbox = smtp_server
    mailbox.clear()
    alice = UserFactory(username="alice", first_name="Alice", role=User.Role.KAM,
                        email="alice@example.com")  # fmt: skip
    dana = UserFactory(username="dana", role=User.Role.DIRECTOR, email="dana@example.com")
    programme = ProgrammeFactory(year=2026, budget=Decimal("300000"), updated_by=dana)
    plan = PlanFactory(client=ClientFactory(name="Acme", kam=alice), programme=programme)
    project = make_project(plan, title="Barrier coating")
    session = SteeringSessionFactory(created_by=dana)

    decision = services.project_decide(
        user=dana, session=session, project=project, outcome="reject", reason="Too early."
    )  # committed: its task is queued now

    (message,) = wait_for(mailbox, 1)
    assert message["To"] == "alice@example.com"
    assert "Barrier coating" in message["Subject"]
    assert "Acme" in message["Subject"]
    body = message.get_content()
    assert "Too early." in body
    assert f"http://kam.test/plans/projects/{project.pk}/" in body
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        decision.refresh_from_db()
        if decision.notified_at is not None:
            break
        time.sleep(0.1)
    assert decision.notified_at is not None

    # a second run (a retry, or a worker killed after sending) sends nothing
    assert steering_decision_notify_task.delay(decision_id=decision.pk).get(timeout=60) == 0
    time.sleep(0.5)
    assert len(mailbox.snapshot()) == 1
    assert SteeringDecision.objects.count() == 1
