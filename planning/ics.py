"""iCalendar (RFC 5545) files of the meetings due in a set of plans: one all-day event per due
date of each cadence, from its next due date (an overdue one stays on its date, marked as
overdue) to a horizon, as if each meeting were held on the day it is due.

An event's UID is the cadence and its due date, so a calendar application that refreshes a
subscription updates the same events rather than duplicating them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from planning.models import Plan
from planning.selectors import cadences as cadence_selectors

PRODID = "-//KAM//Key account plans//EN"


def event_uid(cadence_id: int, due_on: dt.date) -> str:
    return f"kam-cadence-{cadence_id}-{due_on:%Y%m%d}@kam"


def due_meetings_calendar(
    *,
    plans: Iterable[Plan],
    today: dt.date,
    until: dt.date,
    name: str,
    link: Callable[[Plan], str],
) -> bytes:
    """The calendar of the meetings due in ``plans`` from their next due date to ``until``;
    ``link`` gives the address of a plan's Meetings tab."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = timezone.now().astimezone(dt.UTC).replace(microsecond=0)
    statuses = cadence_selectors.cadence_status(list(plans), today)
    for plan_statuses in statuses.values():
        for status in plan_statuses:
            cadence = status.cadence
            plan = cadence.plan
            url = link(plan)
            for due_on in cadence_selectors.due_dates(status, today=today, until=until):
                overdue = due_on < today
                summary = f"{cadence.name} · {plan.client.name}"
                if overdue:
                    summary = _("Overdue: %(meeting)s") % {"meeting": summary}
                event = Event()
                event.add("uid", event_uid(cadence.pk, due_on))
                event.add("dtstamp", stamp)
                event.add("dtstart", due_on)
                event.add("dtend", due_on + dt.timedelta(days=1))
                event.add("summary", summary)
                event.add(
                    "description",
                    _("%(kind)s, %(level)s level, every %(every)s %(unit)s. Plan: %(url)s")
                    % {
                        "kind": cadence.get_kind_display(),
                        "level": cadence.get_level_display().lower(),
                        "every": cadence.every,
                        "unit": cadence.get_unit_display(),
                        "url": url,
                    },
                )
                event.add("url", url)
                event.add("transp", "TRANSPARENT")
                calendar.add_component(event)
    return calendar.to_ical()
