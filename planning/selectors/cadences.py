"""Meeting cadences and how well they are kept: the next meeting due, overdue cadences, the share
of meetings held on time over the last twelve months, agreed versus held per level, and the
meetings due soon. Every function takes the plans to look at (already those the user may see:
``plan_list(user=)``) and ``today``, and reads with a fixed number of queries whatever the
number of plans, cadences and meetings.

**The rules, precisely.** A cadence's meetings are those logged with it, held on or before
``today``. Its *due dates* form a chain: the first is ``starts_on``; after a due date ``D``,

- if a meeting of the cadence is held on or before ``D`` (and after the meeting that met the
  previous due date), ``D`` was *met on time*, and the next due date is one period after that
  meeting (``Cadence.due_after``);
- otherwise ``D`` was *missed*. If a meeting is held late, within the period after ``D``, the
  chain restarts from it (the next due date is one period after that late meeting); if none,
  the next due date is one period after ``D``.

The *next due date* shown is one period after the last meeting held, or ``starts_on`` if none
was ever held; the cadence is *overdue* when that date is before ``today``. The *on-time share*
is, among the due dates of the chain that fell in the last twelve months (from the same day a
year ago, included, to ``today``, excluded: a meeting due today is not late yet), the share met
on time; ``None`` when no due date fell in that window. The meetings *agreed* at a level over
the last twelve months are those due dates, counted for the cadences of that level; the
meetings *held* are all the meetings logged at that level in the same window (with or without a
cadence).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, Q, QuerySet

from planning.models import Cadence, CounterpartPair, Level, Meeting, Plan

Plans = QuerySet[Plan] | Iterable[Plan]


def year_before(day: dt.date) -> dt.date:
    """The same day a year earlier (28 February for 29 February)."""
    last = calendar.monthrange(day.year - 1, day.month)[1]
    return day.replace(year=day.year - 1, day=min(day.day, last))


@dataclass(frozen=True)
class Chain:
    """The due dates of one cadence over a window, as the module docstring defines them."""

    due: int  # due dates in the window
    on_time: int  # of which met on time

    @property
    def share(self) -> float | None:
        return self.on_time / self.due if self.due else None


def due_chain(cadence: Cadence, held: list[dt.date], *, since: dt.date, today: dt.date) -> Chain:
    """Walk the due dates of ``cadence`` given the sorted dates of its meetings held on or before
    ``today``; count those in ``[since, today)`` and how many were met on time."""
    due_count = on_time = 0
    due, index = cadence.starts_on, 0
    while due < today:
        counted = due >= since
        due_count += counted
        if index < len(held) and held[index] <= due:
            on_time += counted
            due = cadence.due_after(held[index])
            index += 1
            continue
        following = cadence.due_after(due)
        if index < len(held) and held[index] < following:  # held late: the chain restarts
            due = cadence.due_after(held[index])
            index += 1
        else:
            due = following
    return Chain(due=due_count, on_time=on_time)


@dataclass(frozen=True)
class CadenceStatus:
    """Where one cadence stands on ``today``."""

    cadence: Cadence
    next_due: dt.date
    overdue: bool
    on_time_share: float | None  # 0..1, None when nothing fell due in the last 12 months
    due_count: int  # due dates in the last 12 months
    on_time_count: int
    last_held: dt.date | None
    pairs: list[CounterpartPair] = field(default_factory=list)

    @property
    def on_time_pct(self) -> float | None:
        return None if self.on_time_share is None else self.on_time_share * 100


def _cadences(plans: Plans) -> list[Cadence]:
    return list(
        Cadence.objects.filter(plan__in=_plan_ids(plans))
        .select_related("plan", "plan__client", "agreed_by_us", "agreed_by_them__contact")
        .order_by("plan_id", "level", "name", "pk")
    )


def _plan_ids(plans: Plans) -> Any:
    """What ``plan__in=`` takes: a subquery for a queryset, else the ids."""
    if isinstance(plans, QuerySet):
        return plans.values("pk")
    return [plan.pk for plan in plans]


@dataclass(frozen=True)
class Kept:
    """Some plans' cadences and the days their meetings were held up to ``through``: what
    ``cadence_status`` and ``level_totals_between`` read, read once (two queries) when a page
    shows both."""

    cadences: list[Cadence]
    held: dict[int, list[dt.date]]
    through: dt.date

    def held_until(self, day: dt.date) -> dict[int, list[dt.date]]:
        """The days held up to ``day`` (at most ``through``), per cadence."""
        if day > self.through:
            raise ValueError(f"Meetings were read up to {self.through}, not {day}.")
        if day == self.through:
            return self.held
        return defaultdict(list, {k: [d for d in v if d <= day] for k, v in self.held.items()})


def cadences_kept(plans: Plans, *, through: dt.date) -> Kept:
    """The cadences of ``plans`` and the days their meetings were held up to ``through``."""
    cadences = _cadences(plans)
    return Kept(cadences=cadences, held=_held_dates(cadences, through), through=through)


def _held_dates(cadences: list[Cadence], today: dt.date) -> dict[int, list[dt.date]]:
    dates: dict[int, list[dt.date]] = defaultdict(list)
    rows = (
        Meeting.objects.filter(cadence__in=[cadence.pk for cadence in cadences], date__lte=today)
        .order_by("cadence_id", "date")
        .values_list("cadence_id", "date")
    )
    for cadence_id, day in rows:
        dates[cadence_id].append(day)
    return dates


def cadence_status(
    plans: Plans, today: dt.date, *, with_pairs: bool = False, kept: Kept | None = None
) -> dict[int, list[CadenceStatus]]:
    """For each plan of ``plans`` that has cadences, where each stands (two queries; three with
    the counterpart pairs each cadence covers; none for the cadences when ``kept``, their
    ``cadences_kept`` through ``today`` or later, is given)."""
    if kept is None:
        kept = cadences_kept(plans, through=today)
    cadences, held = kept.cadences, kept.held_until(today)
    pairs: dict[int, list[CounterpartPair]] = defaultdict(list)
    if with_pairs and cadences:
        covered = CounterpartPair.objects.filter(cadence__in=[c.pk for c in cadences])
        for pair in covered.select_related("user", "stakeholder__contact").order_by("level", "pk"):
            pairs[pair.cadence_id].append(pair)  # type: ignore[index]
    since = year_before(today)
    result: dict[int, list[CadenceStatus]] = defaultdict(list)
    for cadence in cadences:
        dates = held[cadence.pk]
        last = dates[-1] if dates else None
        next_due = _next_meeting(cadence, last)
        chain = due_chain(cadence, dates, since=since, today=today)
        result[cadence.plan_id].append(
            CadenceStatus(
                cadence=cadence,
                next_due=next_due,
                overdue=next_due < today,
                on_time_share=chain.share,
                due_count=chain.due,
                on_time_count=chain.on_time,
                last_held=last,
                pairs=pairs[cadence.pk],
            )
        )
    return dict(result)


def overdue_meeting_count(
    plans: Plans, today: dt.date, *, statuses: dict[int, list[CadenceStatus]] | None = None
) -> dict[int, int]:
    """For each plan of ``plans`` with cadences, how many of them are overdue: from
    ``statuses``, ``cadence_status(plans, today)``, when the caller has it already, else in one
    query (each cadence with the day of its last meeting held, not the models and every
    meeting's day that ``cadence_status`` reads)."""
    if statuses is not None:
        return {
            plan_id: sum(status.overdue for status in standing)
            for plan_id, standing in statuses.items()
        }
    counts: dict[int, int] = {}
    rows = (
        Cadence.objects.filter(plan__in=_plan_ids(plans))
        .values_list("pk", "plan_id", "every", "unit", "starts_on")  # one row a cadence
        .annotate(last=Max("meetings__date", filter=Q(meetings__date__lte=today)))
        .order_by()
    )
    for _pk, plan_id, every, unit, starts_on, last in rows:
        cadence = Cadence(every=every, unit=unit, starts_on=starts_on)
        counts[plan_id] = counts.get(plan_id, 0) + (_next_meeting(cadence, last) < today)
    return counts


def _next_meeting(cadence: Cadence, last: dt.date | None) -> dt.date:
    """When a cadence's next meeting is due: one period after the last held, else its start."""
    return cadence.due_after(last) if last else cadence.starts_on


@dataclass(frozen=True)
class DueMeeting:
    """The next meeting of a cadence, due on ``due_on``."""

    cadence: Cadence
    due_on: dt.date
    overdue: bool

    @property
    def plan(self) -> Plan:
        return self.cadence.plan


def upcoming_meetings(
    plans: Plans,
    today: dt.date,
    days: int = 30,
    *,
    statuses: dict[int, list[CadenceStatus]] | None = None,
) -> list[DueMeeting]:
    """The next meeting of each cadence of ``plans`` that is due within ``days`` days from
    ``today`` (included), or already overdue, soonest first (from ``statuses``, when the
    caller has ``cadence_status(plans, today)`` already)."""
    if statuses is None:
        statuses = cadence_status(plans, today)
    horizon = today + dt.timedelta(days=days)
    due = [
        DueMeeting(cadence=status.cadence, due_on=status.next_due, overdue=status.overdue)
        for standing in statuses.values()
        for status in standing
        if status.next_due <= horizon
    ]
    return sorted(due, key=lambda meeting: (meeting.due_on, meeting.cadence.pk))


def due_dates(status: CadenceStatus, *, today: dt.date, until: dt.date) -> list[dt.date]:
    """The next due date of a cadence, then the following ones up to ``until`` (included),
    assuming each meeting is held on its due date: what a calendar shows ahead. An overdue
    meeting stays on its due date, so that it reads late, and the one after it is one period
    after ``today`` (as if it were held today)."""
    if status.next_due > until:
        return []
    dates = [status.next_due]
    day = status.cadence.due_after(max(status.next_due, today))
    while day <= until:
        dates.append(day)
        day = status.cadence.due_after(day)
    return dates


@dataclass(frozen=True)
class LevelCompliance:
    """Meetings agreed versus held at one level over the last twelve months."""

    level: str
    label: str
    agreed: int
    held: int
    on_time: int

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.agreed if self.agreed else None

    @property
    def on_time_pct(self) -> float | None:
        return self.on_time * 100 / self.agreed if self.agreed else None


def compliance_by_level(plans: Plans, today: dt.date) -> dict[int, list[LevelCompliance]]:
    """For each plan of ``plans`` with cadences or meetings in the last twelve months: per level
    (executive, management, operational, always all three in that order), the meetings agreed
    (due dates of its cadences at that level), held (every meeting logged at that level), and
    held on time. Three queries."""
    return _by_level(plans, today, cadence_status(plans, today))


def _by_level(
    plans: Plans, today: dt.date, statuses: dict[int, list[CadenceStatus]]
) -> dict[int, list[LevelCompliance]]:
    since = year_before(today)
    agreed: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for plan_id, statuses_of_plan in statuses.items():
        for status in statuses_of_plan:
            counts = agreed[plan_id, status.cadence.level]
            counts[0] += status.due_count
            counts[1] += status.on_time_count
    held: dict[tuple[int, str], int] = defaultdict(int)
    meetings = Meeting.objects.filter(
        plan__in=_plan_ids(plans), date__gte=since, date__lte=today
    ).values_list("plan_id", "level")
    for plan_id, level in meetings:
        held[plan_id, level] += 1
    plan_ids = {plan_id for plan_id, _ in agreed} | {plan_id for plan_id, _ in held}
    return {
        plan_id: [
            LevelCompliance(
                level=level,
                label=str(label),
                agreed=agreed[plan_id, level][0] if (plan_id, level) in agreed else 0,
                held=held.get((plan_id, level), 0),
                on_time=agreed[plan_id, level][1] if (plan_id, level) in agreed else 0,
            )
            for level, label in Level.choices
        ]
        for plan_id in sorted(plan_ids)
    }


def level_totals(per_plan: dict[int, list[LevelCompliance]]) -> list[LevelCompliance]:
    """The portfolio's agreed versus held per level: the sums of ``compliance_by_level``."""
    totals = []
    for level, label in Level.choices:
        rows = [row for rows in per_plan.values() for row in rows if row.level == level]
        totals.append(
            LevelCompliance(
                level=level,
                label=str(label),
                agreed=sum(row.agreed for row in rows),
                held=sum(row.held for row in rows),
                on_time=sum(row.on_time for row in rows),
            )
        )
    return totals


@dataclass(frozen=True)
class PlanCompliance:
    """One plan's cadences summed up: for the Meetings tab and the portfolio page."""

    plan: Plan
    cadences: int
    overdue: int
    due: int
    on_time: int
    next_due: dt.date | None
    levels: list[LevelCompliance]

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.due if self.due else None

    @property
    def on_time_pct(self) -> float | None:
        return self.on_time * 100 / self.due if self.due else None


def plan_compliance(
    plans: Plans, today: dt.date, *, statuses: dict[int, list[CadenceStatus]] | None = None
) -> list[PlanCompliance]:
    """Each plan of ``plans``, in their order, with its cadences summed up (three queries, and
    the plans'; one when ``statuses`` passes the ``cadence_status()`` of the same plans)."""
    plans = list(plans)
    if statuses is None:
        statuses = cadence_status(plans, today)
    levels = _by_level(plans, today, statuses)
    empty = [
        LevelCompliance(level=level, label=str(label), agreed=0, held=0, on_time=0)
        for level, label in Level.choices
    ]
    rows = []
    for plan in plans:
        mine = statuses.get(plan.pk, [])
        rows.append(
            PlanCompliance(
                plan=plan,
                cadences=len(mine),
                overdue=sum(status.overdue for status in mine),
                due=sum(status.due_count for status in mine),
                on_time=sum(status.on_time_count for status in mine),
                next_due=min((status.next_due for status in mine), default=None),
                levels=levels.get(plan.pk, empty),
            )
        )
    return rows


def level_totals_between(
    plans: Plans,
    *,
    since: dt.date,
    until: dt.date,
    held_through: dt.date,
    kept: Kept | None = None,
) -> list[LevelCompliance]:
    """The meetings agreed, held and held on time per level (all three, in order), summed over
    ``plans``: the due dates of the cadences' chains that fell in ``[since, until)`` and those
    met on time, and the meetings logged at each level from ``since`` to ``held_through``
    (included; with or without a cadence). A programme year's figures, where
    ``compliance_by_level`` looks at the last twelve months: ``until`` is today or the next
    1 January, ``held_through`` today or 31 December. Three queries (none for an empty
    window; one when ``kept``, the plans' ``cadences_kept`` through ``until`` or later, is
    given)."""
    agreed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    held: dict[str, int] = defaultdict(int)
    if since < until:
        last_day = until - dt.timedelta(days=1)
        if kept is None:
            kept = cadences_kept(plans, through=last_day)
        cadences, dates = kept.cadences, kept.held_until(last_day)
        for cadence in cadences:
            chain = due_chain(cadence, dates[cadence.pk], since=since, today=until)
            counts = agreed[cadence.level]
            counts[0] += chain.due
            counts[1] += chain.on_time
        meetings = Meeting.objects.filter(
            plan__in=_plan_ids(plans), date__gte=since, date__lte=held_through
        ).values_list("level", flat=True)
        for level in meetings:
            held[level] += 1
    return [
        LevelCompliance(
            level=level,
            label=str(label),
            agreed=agreed[level][0] if level in agreed else 0,
            held=held.get(level, 0),
            on_time=agreed[level][1] if level in agreed else 0,
        )
        for level, label in Level.choices
    ]
