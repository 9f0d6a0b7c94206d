"""Reads of a plan's sections: vision, SWOT, objectives with their KPIs and actions, offers.

Progress rolls up by one rule, written once here (``rollup``) and once in SQL (``_progress_sql``)
for the bulk reads: **the mean progress of the actions that are not dropped, a done action
counting 100, rounded half up to a whole percent**; an objective, or a plan, without such an
action has no progress (``None``). A plan's progress is the mean over all its actions (each
action weighs the same), not the mean of its objectives' progress.

A KPI measured by the ledger takes its "current" value from the client's yearly ledger metrics:
those of the plan's programme year, or, when that year has no figures yet, of the latest year
before it (``kpi_current``).

Every function here reads with a number of queries that does not grow with the rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import (
    Avg,
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from accounts.models import ClientYearMetric, User
from planning.models import Action, Kpi, Objective, Offer, Offering, Plan, SwotItem
from planning.selectors.plans import plan_list

SECTIONS = ("vision", "swot", "objectives", "actions", "offers")
"""The plan's sections after the vision, in the page's order (keys of ``sections_filled``)."""

LEDGER_FIELDS = {
    Kpi.Measure.REVENUE: "revenue",
    Kpi.Measure.GROSS_MARGIN: "gross_margin",
    Kpi.Measure.MARGIN_PCT: "margin_pct",
    Kpi.Measure.VOLUME: "volume",
    Kpi.Measure.DAYS_LATE: "avg_days_late",
}
"""Which figure of ``ClientYearMetric`` a ledger KPI reads."""


# --- progress ------------------------------------------------------------------------------------


def action_weight(action: Action) -> int | None:
    """What an action adds to a rollup: its progress, 100 when done, nothing when dropped."""
    if action.status == Action.Status.DROPPED:
        return None
    if action.status == Action.Status.DONE:
        return 100
    return int(action.progress)


def _round(mean: Decimal | float | None) -> int | None:
    if mean is None:
        return None
    return int(Decimal(str(mean)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rollup(actions: Iterable[Action]) -> int | None:
    """The progress of a set of actions (an objective's, a plan's): see the module's rule."""
    weights = [w for w in (action_weight(action) for action in actions) if w is not None]
    if not weights:
        return None
    return _round(Decimal(sum(weights)) / len(weights))


def _progress_sql() -> Case:
    return Case(
        When(status=Action.Status.DONE, then=Value(100)),
        default="progress",
        output_field=IntegerField(),
    )


def plans_progress(plans: Iterable[Plan] | QuerySet[Plan]) -> dict[int, int | None]:
    """The progress of each plan (by id), in one query; ``None`` for a plan without actions."""
    ids = _ids(plans)
    rows = (
        Action.objects.filter(objective__plan_id__in=ids)
        .exclude(status=Action.Status.DROPPED)
        .values("objective__plan_id")
        .annotate(mean=Avg(_progress_sql()))
    )
    found = {row["objective__plan_id"]: _round(row["mean"]) for row in rows}
    return {pk: found.get(pk) for pk in ids}


def plan_progress(plan: Plan) -> int | None:
    """The plan's progress, 0-100 (see the module's rule), or ``None`` without actions."""
    return plans_progress([plan])[plan.pk]


# --- what a plan has ------------------------------------------------------------------------------


def _margin_kpis() -> QuerySet[Kpi]:
    return Kpi.objects.filter(Q(is_margin=True) | Q(measure__in=Kpi.LEDGER_MARGIN))


def plans_with_margin_kpi(plans: Iterable[Plan] | QuerySet[Plan]) -> set[int]:
    """The ids of the plans that carry at least one margin or profit KPI, in one query."""
    ids = _ids(plans)
    return set(
        _margin_kpis()
        .filter(objective__plan_id__in=ids)
        .values_list("objective__plan_id", flat=True)
    )


def has_margin_kpi(plan: Plan) -> bool:
    """Whether the plan carries at least one margin or profit KPI (``Kpi.measures_margin``)."""
    return _margin_kpis().filter(objective__plan=plan).exists()


def plans_sections_filled(plans: Iterable[Plan] | QuerySet[Plan]) -> dict[int, dict[str, bool]]:
    """Which sections of each plan are filled, in one query. A section is filled when:

    - vision: the customer's business, their strategy and what we build together are all written;
    - swot: each of the four quadrants has at least one item;
    - objectives: at least one objective has a KPI;
    - actions: at least one action is not dropped;
    - offers: at least one offer.
    """
    quadrants = {
        f"swot_{quadrant}": Exists(SwotItem.objects.filter(plan=OuterRef("pk"), quadrant=quadrant))
        for quadrant in SwotItem.Quadrant.values
    }
    wanted: Any = plans.values("pk") if isinstance(plans, QuerySet) else _ids(plans)
    rows = (
        Plan.objects.filter(pk__in=wanted)
        .annotate(
            **quadrants,
            has_kpi=Exists(Kpi.objects.filter(objective__plan=OuterRef("pk"))),
            has_action=Exists(
                Action.objects.filter(objective__plan=OuterRef("pk")).exclude(
                    status=Action.Status.DROPPED
                )
            ),
            has_offer=Exists(Offer.objects.filter(plan=OuterRef("pk"))),
        )
        .values(
            "pk",
            "customer_business",
            "customer_strategy",
            "shared_vision",
            "has_kpi",
            "has_action",
            "has_offer",
            *quadrants,
        )
    )
    return {
        row["pk"]: {
            "vision": all(
                row[name].strip()
                for name in ("customer_business", "customer_strategy", "shared_vision")
            ),
            "swot": all(row[name] for name in quadrants),
            "objectives": row["has_kpi"],
            "actions": row["has_action"],
            "offers": row["has_offer"],
        }
        for row in rows.order_by()
    }


def sections_filled(plan: Plan) -> dict[str, bool]:
    """Which sections of the plan are filled (keys: vision, swot, objectives, actions, offers;
    see ``plans_sections_filled`` for what filled means)."""
    return plans_sections_filled([plan]).get(plan.pk, dict.fromkeys(SECTIONS, False))


# --- actions across plans -------------------------------------------------------------------------


def action_list_for_owner(user: User, today: dt.date) -> QuerySet[Action]:
    """``user``'s open actions across the plans they see, by due date (the overdue ones first),
    with their objective, plan and client. ``action.is_overdue(today)`` flags the late ones."""
    return (
        Action.objects.filter(
            owner=user, status__in=Action.OPEN, objective__plan__in=plan_list(user=user)
        )
        .select_related("objective", "objective__plan", "objective__plan__client")
        .annotate(
            overdue=Case(
                When(due_date__lt=today, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("due_date", "objective__plan__client__name", "pk")
    )


def overdue_action_count(plans: Iterable[Plan] | QuerySet[Plan], today: dt.date) -> dict[int, int]:
    """How many open actions are past their due date, per plan id (0 for a plan with none), in
    one query."""
    ids = _ids(plans)
    rows = (
        Action.objects.filter(
            objective__plan_id__in=ids, status__in=Action.OPEN, due_date__lt=today
        )
        .values("objective__plan_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    found = {row["objective__plan_id"]: row["count"] for row in rows}
    return {pk: found.get(pk, 0) for pk in ids}


def _ids(plans: Iterable[Plan] | QuerySet[Plan]) -> list[int]:
    if isinstance(plans, QuerySet):
        return list(plans.order_by().values_list("pk", flat=True))
    return [plan.pk for plan in plans]


# --- KPIs and the ledger --------------------------------------------------------------------------


class KpiReading(NamedTuple):
    """A KPI's current value and where it comes from: ``year`` is the ledger year it was read
    from (``None`` for a KPI kept by hand, or a ledger KPI without figures yet)."""

    value: Decimal | None
    from_ledger: bool
    year: int | None


def ledger_metric(plan: Plan) -> ClientYearMetric | None:
    """The client's ledger figures a plan's KPIs read: the plan's year, else the latest before."""
    return (
        ClientYearMetric.objects.filter(client_id=plan.client_id, year__lte=plan_year(plan))
        .order_by("-year")
        .first()
    )


def plan_year(plan: Plan) -> int:
    return int(plan.programme.year) if plan.programme_id else plan.period_start.year


def kpi_current(kpi: Kpi, metric: ClientYearMetric | None) -> KpiReading:
    """The current value of ``kpi``: typed by hand, or read from ``metric`` (``ledger_metric``)
    for a KPI the ledger measures; never typed for those."""
    if not kpi.from_ledger:
        return KpiReading(kpi.current, False, None)
    if metric is None:
        return KpiReading(None, True, None)
    value = getattr(metric, LEDGER_FIELDS[Kpi.Measure(kpi.measure)])
    if value is None:
        return KpiReading(None, True, metric.year)
    return KpiReading(Decimal(str(value)), True, metric.year)


# --- the plan page --------------------------------------------------------------------------------


@dataclass
class KpiRow:
    kpi: Kpi
    reading: KpiReading
    urls: dict[str, str] = field(default_factory=dict)


@dataclass
class ObjectiveRow:
    objective: Objective
    kpis: list[KpiRow]
    actions: list[Action]
    progress: int | None
    overdue: int
    first: bool = False
    last: bool = False
    urls: dict[str, str] = field(default_factory=dict)
    action_rows: list[dict[str, Any]] = field(default_factory=list)
    """What each action's row writes, made ready by the page's view."""


@dataclass
class OfferCell:
    offering: Offering
    unit: str
    offer: Offer | None


@dataclass
class OfferGrid:
    units: list[str]
    rows: list[tuple[Offering, list[OfferCell]]]
    offers: list[Offer]
    whitespace: int


@dataclass
class PlanPage:
    """Everything the plan page shows of its sections, read in a fixed number of queries."""

    plan: Plan
    today: dt.date
    swot: list[tuple[str, Any, list[SwotItem]]]
    objectives: dict[str, list[ObjectiveRow]]
    sides: list[tuple[str, Any, list[ObjectiveRow]]]
    metric: ClientYearMetric | None
    progress: int | None
    has_margin_kpi: bool
    overdue: int
    offers: OfferGrid
    action_count: int
    filled: dict[str, bool] = field(default_factory=dict)
    work_read: bool = False


def plan_page(*, plan: Plan, today: dt.date, work: bool = True) -> PlanPage:
    """The plan's sections for its page (the plan comes from ``plan_list(user=)``): the SWOT by
    quadrant, the objectives by side with their KPIs' current values, actions, progress and
    overdue count, and the offer grid. With ``work=False`` the objectives and actions are left
    out (``page.work_read`` is false, their fields empty) for a page that takes them from a
    cache keyed by ``work_revision()``; ``read_work(page)`` reads them when it does not."""
    swot = _swot(plan)
    grid = offer_grid(plan=plan)
    page = PlanPage(
        plan=plan,
        today=today,
        swot=swot,
        objectives={side: [] for side in Objective.Side.values},
        sides=[],
        metric=None,
        progress=None,
        has_margin_kpi=False,
        overdue=0,
        offers=grid,
        action_count=0,
    )
    if work:
        read_work(page)
    return page


def _swot(plan: Plan) -> list[tuple[str, Any, list[SwotItem]]]:
    swot_items = list(SwotItem.objects.filter(plan=plan).order_by("quadrant", "position", "pk"))
    by_quadrant: dict[str, list[SwotItem]] = defaultdict(list)
    for item in swot_items:
        by_quadrant[item.quadrant].append(item)
    for items in by_quadrant.values():
        _mark_ends(items)
    return [(value, label, by_quadrant[value]) for value, label in SwotItem.Quadrant.choices]


UNSHOWN_ACTION_FIELDS = (
    "created_at",
    "updated_at",
    "owner__password",
    "owner__last_login",
    "owner__date_joined",
)
"""What the plan page reads of an action and its owner but never writes: left unread, as 500
actions would decode a thousand timestamps for nothing."""


def read_work(page: PlanPage) -> None:
    """Read the objectives by side with their KPIs' current values and actions into ``page``
    (a ``plan_page(work=False)``), with the progress, overdue counts and filled sections."""
    plan, today = page.plan, page.today
    objectives = list(
        Objective.objects.filter(plan=plan)
        .order_by("side", "position", "pk")
        .prefetch_related(
            Prefetch("kpis", queryset=Kpi.objects.order_by("position", "pk")),
            Prefetch(
                "actions",
                # the rows never show when they were written, nor their owners' logins
                queryset=Action.objects.select_related("owner")
                .defer(*UNSHOWN_ACTION_FIELDS)
                .order_by("due_date", "position", "pk"),
            ),
        )
    )
    metric = ledger_metric(plan)
    rows: dict[str, list[ObjectiveRow]] = {side: [] for side in Objective.Side.values}
    all_actions: list[Action] = []
    margin = False
    for objective in objectives:
        objective.plan = plan  # the plan as read, with its client: no query per objective
        actions = list(objective.actions.all())
        for action in actions:
            action.objective = objective  # no query to climb back to the plan
            action.overdue = action.is_overdue(today)  # type: ignore[attr-defined]
        all_actions += actions
        kpis = [KpiRow(kpi, kpi_current(kpi, metric)) for kpi in objective.kpis.all()]
        margin = margin or any(row.kpi.measures_margin for row in kpis)
        rows[objective.side].append(
            ObjectiveRow(
                objective=objective,
                kpis=kpis,
                actions=actions,
                progress=rollup(actions),
                overdue=len([action for action in actions if action.is_overdue(today)]),
            )
        )
    for side_rows in rows.values():
        _mark_ends(side_rows)
    page.objectives = rows
    page.sides = [(value, label, rows[value]) for value, label in Objective.Side.choices]
    page.metric = metric
    page.progress = rollup(all_actions)
    page.has_margin_kpi = margin
    page.overdue = sum(row.overdue for side_rows in rows.values() for row in side_rows)
    page.action_count = len(all_actions)
    page.filled = {
        "vision": all(
            getattr(plan, name).strip()
            for name in ("customer_business", "customer_strategy", "shared_vision")
        ),
        "swot": all(items for _, _, items in page.swot),
        "objectives": any(row.kpis for side_rows in rows.values() for row in side_rows),
        "actions": any(action_weight(action) is not None for action in all_actions),
        "offers": bool(page.offers.offers),
    }
    page.work_read = True


def work_revision(plan: Plan) -> str:
    """A digest of every row the plan's objectives and actions show, worked out by the database
    in one query without sending the rows: its objectives, their KPIs, their actions with their
    owners' names, and the ledger figures the KPIs read (``ledger_metric``). Any change to one of
    those rows, a row added or deleted, gives another digest."""
    tables = {
        "objective": Objective._meta.db_table,
        "kpi": Kpi._meta.db_table,
        "action": Action._meta.db_table,
        "user": User._meta.db_table,
        "metric": ClientYearMetric._meta.db_table,
    }
    query = """
        SELECT md5(concat_ws('|',
            coalesce((SELECT md5(string_agg(o::text, E'\\n' ORDER BY o.id))
                        FROM {objective} o WHERE o.plan_id = %(plan)s), ''),
            coalesce((SELECT md5(string_agg(k::text, E'\\n' ORDER BY k.id))
                        FROM {kpi} k JOIN {objective} o ON o.id = k.objective_id
                       WHERE o.plan_id = %(plan)s), ''),
            coalesce((SELECT md5(string_agg(ROW(a, u.username, u.first_name, u.last_name)::text,
                                            E'\\n' ORDER BY a.id))
                        FROM {action} a JOIN {objective} o ON o.id = a.objective_id
                        LEFT JOIN {user} u ON u.id = a.owner_id
                       WHERE o.plan_id = %(plan)s), ''),
            coalesce((SELECT m::text FROM {metric} m
                       WHERE m.client_id = %(client)s AND m.year <= %(year)s
                       ORDER BY m.year DESC LIMIT 1), '')
        ))
    """.format(**{name: connection.ops.quote_name(table) for name, table in tables.items()})
    with connection.cursor() as cursor:
        cursor.execute(query, {"plan": plan.pk, "client": plan.client_id, "year": plan_year(plan)})
        (digest,) = cursor.fetchone()
    return str(digest)


def _mark_ends(items: Sequence[Any]) -> None:
    """Tell the first and the last of an ordered list (no "move up" on the first)."""
    for index, item in enumerate(items):
        item.first = index == 0
        item.last = index == len(items) - 1


# --- offers ---------------------------------------------------------------------------------------


def offering_list(*, active_only: bool = False) -> QuerySet[Offering]:
    offerings = Offering.objects.order_by("position", "name")
    return offerings.filter(active=True) if active_only else offerings


def offer_grid(*, plan: Plan) -> OfferGrid:
    """Offerings by the customer's business units or sites named in the plan's offers. A cell
    without an offer is whitespace: something we do not sell there yet. Rows are the active
    offerings, and any inactive one the plan still has an offer of."""
    offers = list(Offer.objects.filter(plan=plan).select_related("offering"))
    units = sorted({offer.business_unit for offer in offers}, key=str.casefold)
    by_cell = {(offer.offering_id, offer.business_unit): offer for offer in offers}
    used = {offer.offering_id for offer in offers}
    offerings = [offering for offering in offering_list() if offering.active or offering.pk in used]
    rows = [
        (
            offering,
            [OfferCell(offering, unit, by_cell.get((offering.pk, unit))) for unit in units],
        )
        for offering in offerings
    ]
    whitespace = sum(1 for _, cells in rows for cell in cells if cell.offer is None)
    return OfferGrid(units=units, rows=rows, offers=offers, whitespace=whitespace)


# --- who may own an action ------------------------------------------------------------------------


def action_owner_choices(*, plan: Plan) -> QuerySet[User]:
    """The active users who may own an action of ``plan``: contributors, directors and
    administrators, the plan's KAM and the client's sponsor. Not another KAM or sponsor: they
    never see this account."""
    allowed = (
        Q(role__in=[User.Role.CONTRIBUTOR, User.Role.DIRECTOR, User.Role.ADMIN])
        | Q(is_superuser=True)
        | Q(pk__in=[pk for pk in (plan.client.kam_id, plan.client.sponsor_id) if pk])
    )
    return User.objects.filter(allowed, is_active=True).order_by(
        "last_name", "first_name", "username"
    )
