"""The customer's people in a plan, our counterparts facing them, and the gaps in that coverage.

Everything here takes a plan the caller already holds: the plan comes from
``planning.selectors.plans.plan_list(user=)``, which decides who sees it. Each function reads a
fixed number of queries, whatever the number of stakeholders, pairs or meetings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.models import Contact, User
from planning.models import (
    Cadence,
    CounterpartPair,
    Level,
    Meeting,
    MeetingOurParticipant,
    MeetingTheirParticipant,
    Plan,
    Stakeholder,
)

HIGH_INFLUENCE = 4
"""From this influence (1 to 5) on, one of their people needs someone of ours in front."""


@dataclass(frozen=True)
class Gap:
    """Something missing in the coverage of the customer's people: ``code`` says which kind
    (one of ``Gap.CODES``), ``message`` says it to the user, translated."""

    code: str
    message: str
    stakeholder_id: int | None = None
    pair_id: int | None = None

    CODES = (
        "no_decision_maker",
        "no_champion",
        "no_executive",
        "hostile_uncovered",
        "influential_uncovered",
        "pair_overdue",
    )


@dataclass(frozen=True)
class PairRow:
    """One counterpart pair and its rhythm: the last logged meeting where both took part, when
    the next one is due under the pair's cadence, and whether that is past."""

    pair: CounterpartPair
    last_contact: date | None
    next_due: date | None
    overdue: bool


class PairLine(NamedTuple):
    """A counterpart pair read as plain values, not models (``pair_lines``): who faces whom, at
    which level and in which cadence, when they last met and when they are next due to."""

    pk: int
    plan_id: int
    level: str
    ours: str
    """Our person's name, as ``User.__str__`` writes it."""
    department: str
    stakeholder_id: int
    theirs: str
    """Their person's name, as ``Contact.__str__`` writes it."""
    title: str
    country: str
    cadence: str
    """The cadence's name; empty without one."""
    last_contact: date | None
    next_due: date | None
    overdue: bool


@dataclass(frozen=True)
class CounterpartGrid:
    rows: list[PairRow]
    uncovered: list[Stakeholder]
    """Their influential people (influence 4 or 5) with no one of ours in front of them."""

    @property
    def overdue(self) -> list[PairRow]:
        return [row for row in self.rows if row.overdue]


def stakeholder_list(*, plan: Plan) -> QuerySet[Stakeholder]:
    """The plan's stakeholders with their contact and manager, each with ``pair_count``."""
    return _stakeholders(Stakeholder.objects.filter(plan=plan))


def _stakeholders(people: QuerySet[Stakeholder]) -> QuerySet[Stakeholder]:
    return people.select_related("contact", "reports_to__contact").annotate(
        pair_count=Count("counterparts")
    )


def counterpart_list(*, plan: Plan) -> QuerySet[CounterpartPair]:
    """The plan's counterpart pairs, executives first, each with ``last_contact``: the date of
    the last meeting of the plan where our person and theirs both took part (``None``: never)."""
    return _pairs(CounterpartPair.objects.filter(plan=plan))


def _pairs(
    pairs: QuerySet[CounterpartPair], *, last_contact: bool = True
) -> QuerySet[CounterpartPair]:
    """``pairs`` in the grid's order with their people and cadence; with ``last_contact``
    (the pair's last meeting, a subquery for each pair)."""
    if last_contact:
        met = (
            Meeting.objects.filter(
                plan=OuterRef("plan"),
                our_participants=OuterRef("user"),
                their_participants=OuterRef("stakeholder"),
            )
            .order_by("-date")
            .values("date")[:1]
        )
        pairs = pairs.annotate(last_contact=Subquery(met))
    return pairs.select_related("user", "stakeholder__contact", "cadence").order_by(
        "level",  # executive, management, operational: the alphabet agrees
        "user__last_name",
        "user__first_name",
        "stakeholder__contact__last_name",
        "pk",
    )


def counterpart_candidates(*, plan: Plan) -> QuerySet[User]:
    """Who may be paired with the customer's people in ``plan``: our active users, but no key
    account manager other than the plan's own."""
    others_kams = Q(role=User.Role.KAM) & ~Q(pk=plan.owner_id or 0)
    return (
        User.objects.filter(is_active=True)
        .exclude(others_kams)
        .order_by("last_name", "first_name", "username")
    )


def counterpart_grid(
    plan: Plan,
    today: date,
    *,
    stakeholders: Sequence[Stakeholder] | None = None,
    pairs: Sequence[CounterpartPair] | None = None,
) -> CounterpartGrid:
    """Our people facing theirs, pair by pair, with the pairs not met within their cadence and
    their influential people nobody of ours faces. Pass the rows of ``stakeholder_list()`` and
    ``counterpart_list()`` when already read (the people page); otherwise they are read here."""
    if stakeholders is None:
        stakeholders = list(stakeholder_list(plan=plan))
    if pairs is None:
        pairs = list(counterpart_list(plan=plan))
    rows = []
    for pair in pairs:
        if not hasattr(pair, "last_contact"):
            raise TypeError("Pass the pairs of counterpart_list(), with their last contact.")
        last: date | None = pair.last_contact
        next_due = _next_due(pair.cadence, last)
        rows.append(PairRow(pair, last, next_due, next_due is not None and next_due < today))
    uncovered = _uncovered(stakeholders, {pair.stakeholder_id for pair in pairs})
    return CounterpartGrid(rows=rows, uncovered=uncovered)


def _uncovered(stakeholders: Iterable[Stakeholder], paired: set[int]) -> list[Stakeholder]:
    """Their influential people no pair covers, the most influential first."""
    uncovered = [
        person
        for person in stakeholders
        if person.influence >= HIGH_INFLUENCE and person.pk not in paired
    ]
    uncovered.sort(key=lambda person: (-person.influence, person.contact.last_name, person.pk))
    return uncovered


def _next_due(cadence: Cadence | None, last: date | None) -> date | None:
    """When a pair is next due to meet under its cadence: one period after their last meeting,
    or after the cadence's start when they never met; ``None`` without a cadence."""
    return None if cadence is None else cadence.due_after(last or cadence.starts_on)


def coverage_gaps(
    plan: Plan,
    today: date | None = None,
    *,
    stakeholders: Sequence[Stakeholder] | None = None,
    pairs: Sequence[CounterpartPair] | None = None,
    grid: CounterpartGrid | None = None,
) -> list[Gap]:
    """What is missing in the plan's coverage of the customer's people, most serious first: no
    decision maker, no champion, no one at executive level, a hostile person of high influence
    with no one of ours assigned, another influential person with no counterpart, a pair not met
    within its cadence. Two queries (one or none when the rows are passed; pass the
    ``counterpart_grid()`` of the same rows when already worked out)."""
    today = today or timezone.localdate()
    if stakeholders is None:
        stakeholders = list(stakeholder_list(plan=plan))
    if grid is None:
        grid = counterpart_grid(plan, today, stakeholders=stakeholders, pairs=pairs)
    return _gaps(
        roles={person.buying_role for person in stakeholders},
        levels={person.level for person in stakeholders},
        uncovered=[
            _Uncovered(person.pk, str(person), person.influence, person.attitude)
            for person in grid.uncovered
        ],
        late=[_line(row) for row in grid.overdue],
    )


def _line(row: PairRow) -> PairLine:
    """A pair of the grid (models) as a ``PairLine`` (plain values)."""
    pair = row.pair
    contact = pair.stakeholder.contact
    return PairLine(
        pk=pair.pk,
        plan_id=pair.plan_id,
        level=pair.level,
        ours=str(pair.user),
        department=pair.user.department,
        stakeholder_id=pair.stakeholder_id,
        theirs=str(contact),
        title=contact.title,
        country=contact.country,
        cadence=str(pair.cadence) if pair.cadence else "",
        last_contact=row.last_contact,
        next_due=row.next_due,
        overdue=row.overdue,
    )


class _Uncovered(NamedTuple):
    """One of their influential people nobody of ours faces, as a gap names them."""

    pk: int
    name: str
    influence: int
    attitude: str


def _gaps(
    *, roles: set[str], levels: set[str], uncovered: list[_Uncovered], late: list[PairLine]
) -> list[Gap]:
    """The gaps, most serious first, from the buying roles and levels of the plan's people,
    their influential people nobody faces (the grid's order) and the pairs met late (the
    grid's order): ``coverage_gaps()``'s rules, whether the rows were read as models (the people
    page) or as plain values (``coverage_gaps_by_plan``)."""
    gaps = []
    if Stakeholder.BuyingRole.DECISION_MAKER not in roles:
        gaps.append(
            Gap(
                "no_decision_maker",
                _("No decision maker: who signs for the customer (the economic buyer)?"),
            )
        )
    if Stakeholder.BuyingRole.CHAMPION not in roles:
        gaps.append(Gap("no_champion", _("No champion: nobody on their side sells for us.")))
    if Level.EXECUTIVE not in levels:
        gaps.append(Gap("no_executive", _("No contact at executive level.")))
    hostile = _(
        "%(person)s is hostile and influential (%(influence)s/5), and no one on our side "
        "is assigned to them."
    )
    influential = _("%(person)s is influential (%(influence)s/5) and has no counterpart.")
    for person in uncovered:
        values = {"person": person.name, "influence": person.influence}
        if person.attitude == Stakeholder.Attitude.HOSTILE:
            gaps.append(Gap("hostile_uncovered", hostile % values, stakeholder_id=person.pk))
        else:
            gaps.append(
                Gap("influential_uncovered", influential % values, stakeholder_id=person.pk)
            )
    gaps.sort(key=lambda gap: gap.code != "hostile_uncovered")  # stable: the rest keep order
    met_late = _(
        "%(ours)s and %(theirs)s have not met within their cadence (%(cadence)s): "
        "last met %(date)s."
    )
    never_met = _(
        "%(ours)s and %(theirs)s have never met, though their cadence (%(cadence)s) is under way."
    )
    dates: dict[date, str] = {}  # the messages' words and dates looked up once, not once a pair
    for pair in late:
        values = {"ours": pair.ours, "theirs": pair.theirs, "cadence": pair.cadence, "date": ""}
        if pair.last_contact:
            if pair.last_contact not in dates:
                dates[pair.last_contact] = formats.date_format(
                    pair.last_contact, "SHORT_DATE_FORMAT"
                )
            values["date"] = dates[pair.last_contact]
        message = met_late if pair.last_contact else never_met
        gaps.append(Gap("pair_overdue", message % values, pair_id=pair.pk))
    return gaps


GAPS_CACHE_SECONDS = 24 * 60 * 60
"""How long a plan's coverage gaps stay cached; their key changes with every row they read."""


def coverage_gaps_by_plan(plans: Iterable[Plan], today: date) -> dict[int, list[Gap]]:
    """``coverage_gaps()`` of several plans (the plan page's header, a home page's plans), by
    plan id: from the cache for the plans whose people, pairs, cadences and meetings have not
    changed since (``people_revisions``, one query), else worked out (three more queries) and
    kept for the day and language."""
    plans = list(plans)
    if not plans:
        return {}
    language = get_language() or ""
    revisions = people_revisions([plan.pk for plan in plans])
    keys = {
        plan.pk: f"plan-gaps:{plan.pk}:{today}:{language}:{revisions.get(plan.pk, '')}"
        for plan in plans
    }
    found = cache.get_many(list(keys.values()))
    gaps = {pk: found[key] for pk, key in keys.items() if key in found}
    missing = [plan for plan in plans if plan.pk not in gaps]
    if missing:
        worked_out = _coverage_gaps_by_plan(missing, today)
        cache.set_many({keys[pk]: rows for pk, rows in worked_out.items()}, GAPS_CACHE_SECONDS)
        gaps.update(worked_out)
    return gaps


def people_revisions(plan_ids: Sequence[int]) -> dict[int, str]:
    """For each plan, a digest of every row its coverage gaps and its people page read, worked out
    by the database in one query without sending the rows: its stakeholders and their contacts,
    its counterpart pairs and our people's names and departments, its cadences, its meetings'
    dates and who took part in them."""
    tables = {
        "plan": Plan._meta.db_table,
        "stakeholder": Stakeholder._meta.db_table,
        "contact": Contact._meta.db_table,
        "pair": CounterpartPair._meta.db_table,
        "user": User._meta.db_table,
        "cadence": Cadence._meta.db_table,
        "meeting": Meeting._meta.db_table,
        "ours": MeetingOurParticipant._meta.db_table,
        "theirs": MeetingTheirParticipant._meta.db_table,
    }
    query = """
        SELECT p.id, md5(concat_ws('|',
            coalesce((SELECT md5(string_agg(ROW(s, c)::text, E'\\n' ORDER BY s.id))
                        FROM {stakeholder} s JOIN {contact} c ON c.id = s.contact_id
                       WHERE s.plan_id = p.id), ''),
            coalesce((SELECT md5(string_agg(ROW(cp, u.username, u.first_name, u.last_name,
                                                u.department)::text,
                                            E'\\n' ORDER BY cp.id))
                        FROM {pair} cp JOIN {user} u ON u.id = cp.user_id
                       WHERE cp.plan_id = p.id), ''),
            coalesce((SELECT md5(string_agg(k::text, E'\\n' ORDER BY k.id))
                        FROM {cadence} k WHERE k.plan_id = p.id), ''),
            coalesce((SELECT md5(string_agg(ROW(m.id, m.date)::text, E'\\n' ORDER BY m.id))
                        FROM {meeting} m WHERE m.plan_id = p.id), ''),
            coalesce((SELECT md5(string_agg(ROW(o.meeting_id, o.user_id)::text, E'\\n'
                                            ORDER BY o.meeting_id, o.user_id))
                        FROM {ours} o JOIN {meeting} m ON m.id = o.meeting_id
                       WHERE m.plan_id = p.id), ''),
            coalesce((SELECT md5(string_agg(ROW(t.meeting_id, t.stakeholder_id)::text, E'\\n'
                                            ORDER BY t.meeting_id, t.stakeholder_id))
                        FROM {theirs} t JOIN {meeting} m ON m.id = t.meeting_id
                       WHERE m.plan_id = p.id), '')
        ))
        FROM {plan} p WHERE p.id = ANY(%(ids)s)
    """.format(**{name: connection.ops.quote_name(table) for name, table in tables.items()})
    with connection.cursor() as cursor:
        cursor.execute(query, {"ids": list(plan_ids)})
        return {pk: str(digest) for pk, digest in cursor.fetchall()}


def last_contacts(plan_ids: Sequence[int]) -> dict[tuple[int, int, int], date]:
    """The date of the last meeting of each plan where each of our people met each of theirs,
    by (plan id, user id, stakeholder id), in one query (the ``last_contact`` of ``_pairs``,
    for all the pairs at once rather than one subquery each)."""
    rows = (
        Meeting.objects.filter(plan_id__in=plan_ids)
        .values_list("plan_id", "our_participants", "their_participants")
        .annotate(last=Max("date"))
        .order_by()
    )
    return {(plan, user, person): last for plan, user, person, last in rows if user and person}


def _coverage_gaps_by_plan(plans: Sequence[Plan], today: date) -> dict[int, list[Gap]]:
    """``coverage_gaps()`` of several plans, by plan id, in three queries: their people and
    pairs read as plain values, not models (a health badge on every plan page and home page)."""
    ids = [plan.pk for plan in plans]
    roles: dict[int, set[str]] = {pk: set() for pk in ids}
    levels: dict[int, set[str]] = {pk: set() for pk in ids}
    influential: dict[int, list[tuple[int, str, int, str, str]]] = {pk: [] for pk in ids}
    for plan_id, pk, role, attitude, influence, level, first, last in Stakeholder.objects.filter(
        plan_id__in=ids
    ).values_list(
        "plan_id", "pk", "buying_role", "attitude", "influence", "level",
        "contact__first_name", "contact__last_name",
    ):  # fmt: skip
        roles[plan_id].add(role)
        levels[plan_id].add(level)
        if influence >= HIGH_INFLUENCE:
            influential[plan_id].append((pk, f"{first} {last}".strip(), influence, attitude, last))
    lines = pair_lines(ids, today)
    gaps = {}
    for pk in ids:
        paired = {line.stakeholder_id for line in lines[pk]}
        uncovered = [row for row in influential[pk] if row[0] not in paired]
        uncovered.sort(key=lambda row: (-row[2], row[4], row[0]))  # as _uncovered()
        gaps[pk] = _gaps(
            roles=roles[pk],
            levels=levels[pk],
            uncovered=[_Uncovered(*row[:4]) for row in uncovered],
            late=[line for line in lines[pk] if line.overdue],
        )
    return gaps


def pair_lines(plan_ids: Sequence[int], today: date) -> dict[int, list[PairLine]]:
    """The counterpart pairs of each plan, by plan id, in the grid's order (as
    ``counterpart_list()``), with when each pair last met (``last_contacts``) and is next due
    to, as of ``today``: read as plain values in two queries, not as models (300 pairs with
    their people and cadences would build 1,500 models)."""
    lines: dict[int, list[PairLine]] = {pk: [] for pk in plan_ids}
    met = last_contacts(plan_ids)
    cadences: dict[int, Cadence] = {}  # a few a plan, to work out the next meetings' dates
    rows = _pairs(CounterpartPair.objects.filter(plan_id__in=plan_ids), last_contact=False)
    for (
        pk, plan_id, level, user_id, first, last, username, department,
        stakeholder_id, their_first, their_last, title, country,
        cadence_id, name, every, unit, starts_on,
    ) in rows.values_list(
        "pk", "plan_id", "level",
        "user_id", "user__first_name", "user__last_name", "user__username", "user__department",
        "stakeholder_id", "stakeholder__contact__first_name", "stakeholder__contact__last_name",
        "stakeholder__contact__title", "stakeholder__contact__country",
        "cadence_id", "cadence__name", "cadence__every", "cadence__unit", "cadence__starts_on",
    ):  # fmt: skip
        cadence = None
        if cadence_id is not None:
            if cadence_id not in cadences:
                cadences[cadence_id] = Cadence(
                    pk=cadence_id, name=name, every=every, unit=unit, starts_on=starts_on
                )
            cadence = cadences[cadence_id]
        last_contact = met.get((plan_id, user_id, stakeholder_id))
        next_due = _next_due(cadence, last_contact)
        lines[plan_id].append(
            PairLine(
                pk=pk,
                plan_id=plan_id,
                level=level,
                ours=f"{first} {last}".strip() or username,  # as User.__str__ writes it
                department=department,
                stakeholder_id=stakeholder_id,
                theirs=f"{their_first} {their_last}".strip(),  # as Contact.__str__
                title=title,
                country=country,
                cadence=name if cadence_id is not None else "",
                last_contact=last_contact,
                next_due=next_due,
                overdue=next_due is not None and next_due < today,
            )
        )
    return lines


@dataclass(frozen=True)
class PeoplePage:
    """What the people page shows: the plan's stakeholders (``stakeholder_list()``), its pairs
    (``pair_lines``), their influential people no pair covers and the coverage gaps."""

    stakeholders: list[Stakeholder]
    pairs: list[PairLine]
    uncovered: list[Stakeholder]
    gaps: list[Gap]


def people_page(*, plan: Plan, today: date) -> PeoplePage:
    """The people page of ``plan`` (from ``plan_list(user=)``) as of ``today``, in three
    queries: the stakeholders, the pairs and who met whom last."""
    stakeholders = list(stakeholder_list(plan=plan))
    pairs = pair_lines([plan.pk], today)[plan.pk]
    uncovered = _uncovered(stakeholders, {line.stakeholder_id for line in pairs})
    gaps = _gaps(
        roles={person.buying_role for person in stakeholders},
        levels={person.level for person in stakeholders},
        uncovered=[
            _Uncovered(person.pk, str(person), person.influence, person.attitude)
            for person in uncovered
        ],
        late=[line for line in pairs if line.overdue],
    )
    return PeoplePage(stakeholders=stakeholders, pairs=pairs, uncovered=uncovered, gaps=gaps)
