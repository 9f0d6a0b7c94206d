"""Meeting reminders: in this process (Django's test outbox), and on a live Celery worker
sending through SMTP to a real server on loopback, once and never twice."""

import datetime as dt
import threading
import time

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from accounts.models import User
from planning.models import MeetingReminder
from planning.services import reminders
from planning.tasks import meeting_reminders_send_task
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import (
    CadenceFactory,
    CounterpartPairFactory,
    MeetingFactory,
    PlanFactory,
)


def account():
    """Alice's plan: an overdue cadence with carl in its pair, one due in 3 days, one later, and
    one kept (its meeting held yesterday); bob's plan with one overdue cadence."""
    today = timezone.localdate()
    alice = UserFactory(username="alice", role=User.Role.KAM, email="alice@example.com")
    carl = UserFactory(username="carl", role=User.Role.CONTRIBUTOR, email="carl@example.com")
    bob = UserFactory(username="bob", role=User.Role.KAM, email="bob@example.com")
    period = {
        "period_start": today - dt.timedelta(days=200),
        "period_end": today + dt.timedelta(days=200),
    }
    plan = PlanFactory(client=ClientFactory(name="Acme", kam=alice), **period)
    late = CadenceFactory(plan=plan, name="Steering", starts_on=today - dt.timedelta(days=10))
    CounterpartPairFactory(plan=plan, user=carl, cadence=late)
    CadenceFactory(plan=plan, name="Logistics", starts_on=today + dt.timedelta(days=3))
    CadenceFactory(plan=plan, name="Far", starts_on=today + dt.timedelta(days=60))
    kept = CadenceFactory(plan=plan, name="Kept", starts_on=today - dt.timedelta(days=10))
    MeetingFactory(plan=plan, cadence=kept, date=today - dt.timedelta(days=1))
    theirs = PlanFactory(client=ClientFactory(name="Other", kam=bob), **period)
    CadenceFactory(plan=theirs, name="Theirs", starts_on=today - dt.timedelta(days=1))
    return plan


EXPECTED = {
    ("alice@example.com", "Steering"),
    ("carl@example.com", "Steering"),
    ("alice@example.com", "Logistics"),
    ("bob@example.com", "Theirs"),
}


def received(messages):
    names = ("Steering", "Logistics", "Theirs", "Far", "Kept")
    return {
        (message["To"], next(n for n in names if n in message["Subject"])) for message in messages
    }


@pytest.mark.django_db
def test_reminders_are_sent_once_to_the_kam_and_the_paired_people(settings):
    settings.LANGUAGE_CODE = "en"
    plan = account()
    assert reminders.meeting_reminders_send() == 4
    got = {
        (m.to[0], next(n for n in ("Steering", "Logistics", "Theirs") if n in m.subject))
        for m in mail.outbox
    }
    assert got == EXPECTED
    steering = next(
        m for m in mail.outbox if "Steering" in m.subject and m.to == ["alice@example.com"]
    )
    assert steering.subject == "Overdue meeting: Steering with Acme"
    assert f"/plans/{plan.pk}/meetings/" in steering.body
    assert reminders.meeting_reminders_send() == 0
    assert len(mail.outbox) == 4
    assert MeetingReminder.objects.count() == 4


@pytest.mark.django_db
def test_reminders_are_written_in_the_site_language(settings):
    settings.LANGUAGE_CODE = "fr"
    account()
    reminders.meeting_reminders_send()
    subjects = {m.subject for m in mail.outbox}
    assert "Réunion en retard : Steering avec Acme" in subjects


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_reminder_once():
    account()
    barrier = threading.Barrier(2)
    counts = []

    def run():
        barrier.wait()
        try:
            counts.append(reminders.meeting_reminders_send())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(counts) == 4
    assert len(mail.outbox) == 4


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_live_worker_sends_reminders_by_smtp_once(live_worker, smtp_server):
    _, _, mailbox = smtp_server
    mailbox.clear()
    plan = account()

    assert meeting_reminders_send_task.delay().get(timeout=60) == 4
    deadline = time.monotonic() + 10
    while len(mailbox.snapshot()) < 4 and time.monotonic() < deadline:
        time.sleep(0.1)
    messages = mailbox.snapshot()
    assert received(messages) == EXPECTED
    body = next(m for m in messages if m["To"] == "carl@example.com").get_content()
    assert f"http://kam.test/plans/{plan.pk}/meetings/" in body

    assert meeting_reminders_send_task.delay().get(timeout=60) == 0
    time.sleep(0.5)
    assert len(mailbox.snapshot()) == 4
    assert MeetingReminder.objects.count() == 4
