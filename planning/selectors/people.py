"""The customer's people in a plan, our counterparts facing them, and the gaps in that coverage.

Everything here takes a plan the caller already holds: the plan comes from
``planning.selectors.plans.plan_list(user=)``, which decides who sees it. Each function reads a
fixed number of queries, whatever the number of stakeholders, pairs or meetings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import User
from planning.models import CounterpartPair, Level, Meeting, Plan, Stakeholder

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


def _pairs(pairs: QuerySet[CounterpartPair]) -> QuerySet[CounterpartPair]:
    met = (
        Meeting.objects.filter(
            plan=OuterRef("plan"),
            our_participants=OuterRef("user"),
            their_participants=OuterRef("stakeholder"),
        )
        .order_by("-date")
        .values("date")[:1]
    )
    return (
        pairs.select_related("user", "stakeholder__contact", "cadence")
        .annotate(last_contact=Subquery(met))
        .order_by(
            "level",  # executive, management, operational: the alphabet agrees
            "user__last_name",
            "user__first_name",
            "stakeholder__contact__last_name",
            "pk",
        )
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
        next_due = None
        if pair.cadence is not None:
            next_due = pair.cadence.due_after(last or pair.cadence.starts_on)
        rows.append(PairRow(pair, last, next_due, next_due is not None and next_due < today))
    paired = {pair.stakeholder_id for pair in pairs}
    uncovered = [
        person
        for person in stakeholders
        if person.influence >= HIGH_INFLUENCE and person.pk not in paired
    ]
    uncovered.sort(key=lambda person: (-person.influence, person.contact.last_name, person.pk))
    return CounterpartGrid(rows=rows, uncovered=uncovered)


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
    gaps = []
    roles = {person.buying_role for person in stakeholders}
    if Stakeholder.BuyingRole.DECISION_MAKER not in roles:
        gaps.append(
            Gap(
                "no_decision_maker",
                _("No decision maker: who signs for the customer (the economic buyer)?"),
            )
        )
    if Stakeholder.BuyingRole.CHAMPION not in roles:
        gaps.append(Gap("no_champion", _("No champion: nobody on their side sells for us.")))
    if not any(person.level == Level.EXECUTIVE for person in stakeholders):
        gaps.append(Gap("no_executive", _("No contact at executive level.")))
    for person in grid.uncovered:
        values = {"person": person, "influence": person.influence}
        if person.attitude == Stakeholder.Attitude.HOSTILE:
            message = _(
                "%(person)s is hostile and influential (%(influence)s/5), and no one on our side "
                "is assigned to them."
            )
            gaps.append(Gap("hostile_uncovered", message % values, stakeholder_id=person.pk))
        else:
            message = _("%(person)s is influential (%(influence)s/5) and has no counterpart.")
            gaps.append(Gap("influential_uncovered", message % values, stakeholder_id=person.pk))
    gaps.sort(key=lambda gap: gap.code != "hostile_uncovered")  # stable: the rest keep order
    for row in grid.overdue:
        pair = row.pair
        values = {
            "ours": pair.user,
            "theirs": pair.stakeholder,
            "cadence": pair.cadence,
            "date": formats.date_format(row.last_contact, "SHORT_DATE_FORMAT")
            if row.last_contact
            else "",
        }
        if row.last_contact:
            message = _(
                "%(ours)s and %(theirs)s have not met within their cadence (%(cadence)s): "
                "last met %(date)s."
            )
        else:
            message = _(
                "%(ours)s and %(theirs)s have never met, though their cadence (%(cadence)s) "
                "is under way."
            )
        gaps.append(Gap("pair_overdue", message % values, pair_id=pair.pk))
    return gaps


def coverage_gaps_by_plan(plans: Iterable[Plan], today: date) -> dict[int, list[Gap]]:
    """``coverage_gaps()`` of several plans (a home page's), by plan id, in two queries."""
    ids = [plan.pk for plan in plans]
    people: dict[int, list[Stakeholder]] = {pk: [] for pk in ids}
    for person in _stakeholders(Stakeholder.objects.filter(plan_id__in=ids)):
        people[person.plan_id].append(person)
    pairs: dict[int, list[CounterpartPair]] = {pk: [] for pk in ids}
    for pair in _pairs(CounterpartPair.objects.filter(plan_id__in=ids)):
        pairs[pair.plan_id].append(pair)
    return {
        plan.pk: coverage_gaps(plan, today, stakeholders=people[plan.pk], pairs=pairs[plan.pk])
        for plan in plans
    }
