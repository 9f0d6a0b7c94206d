"""Reminders of the meetings due with key accounts, by email: the plan's KAM and our people in
the cadence's counterpart pairs hear of a meeting due within ``REMIND_DAYS_AHEAD`` days, and
again once it is overdue.

Each (cadence, due date, kind, recipient) is sent once, never twice: the ``MeetingReminder`` row
that records it is inserted, under its unique constraint, in the same transaction as the
sending. A second run finds the row and skips it; a run concurrent with another waits on the
other's insert and then finds it; a mail that fails to go rolls its row back, so the next run
tries again.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from planning.models import CounterpartPair, MeetingReminder, Plan
from planning.selectors import cadences as cadence_selectors

REMIND_DAYS_AHEAD = 7
logger = logging.getLogger(__name__)


def meeting_reminders_send(*, today: dt.date | None = None) -> int:
    """Email the reminders due on ``today`` (by default the local date) that were not sent yet,
    for the plans not over yet. Returns how many were sent."""
    today = today or timezone.localdate()
    plans = Plan.objects.filter(period_end__gte=today).select_related("client", "owner")
    statuses = cadence_selectors.cadence_status(plans, today)
    cadence_ids = [status.cadence.pk for rows in statuses.values() for status in rows]
    paired: dict[int, set[User]] = {}
    pairs = CounterpartPair.objects.filter(cadence__in=cadence_ids).select_related("user")
    for pair in pairs:
        paired.setdefault(pair.cadence_id, set()).add(pair.user)  # type: ignore[arg-type]
    owners = {plan.pk: plan.owner for plan in plans}
    sent = 0
    for plan_id, rows in statuses.items():
        for status in rows:
            if status.overdue:
                kind = MeetingReminder.Kind.OVERDUE
            elif status.next_due <= today + dt.timedelta(days=REMIND_DAYS_AHEAD):
                kind = MeetingReminder.Kind.UPCOMING
            else:
                continue
            people = set(paired.get(status.cadence.pk, set()))
            if owners.get(plan_id) is not None:
                people.add(owners[plan_id])  # type: ignore[arg-type]
            for person in sorted(people, key=lambda user: user.pk):
                if person.is_active and person.email:
                    sent += _send_once(status=status, kind=kind, recipient=person, today=today)
    return sent


@transaction.atomic
def _send_once(
    *,
    status: cadence_selectors.CadenceStatus,
    kind: str,
    recipient: User,
    today: dt.date,
) -> int:
    __, created = MeetingReminder.objects.get_or_create(
        cadence=status.cadence, due_on=status.next_due, kind=kind, recipient=recipient
    )
    if not created:
        return 0  # sent by an earlier run, or by one running now
    cadence = status.cadence
    plan = cadence.plan
    link = settings.KAM_BASE_URL.rstrip("/") + reverse("planning:plan_meetings", args=[plan.pk])
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "cadence": cadence.name,
            "client": plan.client.name,
            "date": formats.date_format(status.next_due, "DATE_FORMAT"),
            "level": cadence.get_level_display().lower(),
        }
        if kind == MeetingReminder.Kind.OVERDUE:
            subject = _("Overdue meeting: %(cadence)s with %(client)s") % values
            intro = (
                _(
                    "The meeting “%(cadence)s” with %(client)s (%(level)s level) was due on "
                    "%(date)s and has not been logged as held."
                )
                % values
            )
        else:
            subject = _("Meeting due on %(date)s: %(cadence)s with %(client)s") % values
            intro = (
                _("The meeting “%(cadence)s” with %(client)s (%(level)s level) is due on %(date)s.")
                % values
            )
        body = "\n\n".join(
            [
                _("Hello %(name)s,") % {"name": recipient.get_full_name() or recipient.username},
                intro,
                _("Once it is held, log it on the plan's Meetings tab:") + "\n" + link,
                _("KAM, key account plans"),
            ]
        )
    send_mail(subject, body + "\n", settings.DEFAULT_FROM_EMAIL, [recipient.email])
    logger.info(
        "Meeting reminder %s sent to user %s for cadence %s", kind, recipient.pk, cadence.pk
    )
    return 1
