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
    Sum,
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
    """Its actions, when its group of actions is shown (``read_actions``); else empty."""
    progress: int | None
    overdue: int
    action_count: int = 0
    """How many actions it has, dropped ones included, shown or not."""
    first: bool = False
    last: bool = False
    urls: dict[str, str] = field(default_factory=dict)
    action_rows: list[dict[str, Any]] = field(default_factory=list)
    """What each action's row writes, made ready by the page's view."""
    ident: str = ""
    """The objective's id as its elements' ids write it (no thousands separator)."""
    view: dict[str, Any] = field(default_factory=dict)
    """What its article in the objectives section writes, with its KPIs, made ready by the
    page's view."""


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


WORK_PAGE_OBJECTIVES = 10
"""Objectives whose actions a page of the Actions section shows at most."""
WORK_PAGE_ACTIONS = 50
"""A page of the Actions section takes no further objective once it shows this many actions
(an objective's actions are never split across pages)."""


def work_pages(rows: Sequence[ObjectiveRow]) -> list[list[ObjectiveRow]]:
    """The Actions section's pages: the objectives in the page's order, cut into groups of at
    most ``WORK_PAGE_OBJECTIVES``, and fewer when their actions reach ``WORK_PAGE_ACTIONS``; an
    objective with more actions than that fills a page alone."""
    pages: list[list[ObjectiveRow]] = []
    current: list[ObjectiveRow] = []
    actions = 0
    for row in rows:
        if current and (len(current) >= WORK_PAGE_OBJECTIVES or actions >= WORK_PAGE_ACTIONS):
            pages.append(current)
            current, actions = [], 0
        current.append(row)
        actions += row.action_count
    if current:
        pages.append(current)
    return pages


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
    pages: list[list[ObjectiveRow]] = field(default_factory=list)
    """The Actions section's pages (``work_pages``), once the objectives are read."""
    shown: tuple[int, int] = (0, 0)
    """The first and last (1-based) of ``pages`` whose actions are read (``read_actions``)."""
    more_url: str = ""
    """The next page of the Actions section alone (htmx), set by the page's view."""
    more_href: str = ""
    """The plan page with the pages up to the next one, at its first group (without JS)."""

    @property
    def ordered(self) -> list[ObjectiveRow]:
        """The objectives in the page's order: by side (the customer's goals first), then
        their position."""
        return [row for _, _, rows in self.sides for row in rows]

    @property
    def action_groups(self) -> list[tuple[Any, ObjectiveRow]]:
        """The objectives whose actions are shown, each with its side's label."""
        first, last = self.shown
        labels = dict(Objective.Side.choices)
        return [
            (labels[row.objective.side], row)
            for rows in self.pages[first - 1 : last]
            if first
            for row in rows
        ]

    @property
    def more_page(self) -> int | None:
        """The number of the page after the last shown, if there is one."""
        last = self.shown[1]
        return last + 1 if last and last < len(self.pages) else None

    def page_of(self, objective_id: int) -> int | None:
        """The (1-based) page of the Actions section that shows this objective's actions."""
        for number, rows in enumerate(self.pages, start=1):
            if any(row.objective.pk == objective_id for row in rows):
                return number
        return None


def plan_page(*, plan: Plan, today: dt.date, work: bool = True) -> PlanPage:
    """The plan's sections for its page (the plan comes from ``plan_list(user=)``): the SWOT by
    quadrant, the objectives by side with their KPIs' current values, actions, progress and
    overdue count, and the offer grid. With ``work=False`` the objectives and actions are left
    out (``page.work_read`` is false, their fields empty) for a page that takes them from a
    cache keyed by ``work_revision()``; ``read_work(page)`` reads them when it does not, and
    ``read_actions(page, …)`` the actions of some pages of the Actions section."""
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
        read_actions(page)
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
    """Read the objectives by side with their KPIs' current values into ``page`` (a
    ``plan_page(work=False)``), with each objective's progress, overdue and action counts, the
    plan's, the filled sections and the Actions section's pages, in four queries: the actions
    themselves are counted by the database, not read (``read_actions`` reads those shown)."""
    plan, today = page.plan, page.today
    objectives = list(
        Objective.objects.filter(plan=plan)
        .order_by("side", "position", "pk")
        .prefetch_related(Prefetch("kpis", queryset=Kpi.objects.order_by("position", "pk")))
    )
    not_dropped = ~Q(status=Action.Status.DROPPED)
    counts = {
        row["objective_id"]: row
        for row in Action.objects.filter(objective__plan=plan)
        .values("objective_id")
        .annotate(
            count=Count("pk"),
            weighed=Count("pk", filter=not_dropped),
            total=Sum(_progress_sql(), filter=not_dropped),
            overdue=Count("pk", filter=Q(status__in=Action.OPEN, due_date__lt=today)),
        )
        .order_by()
    }
    metric = ledger_metric(plan)
    rows: dict[str, list[ObjectiveRow]] = {side: [] for side in Objective.Side.values}
    margin = False
    none: dict[str, int] = {"count": 0, "weighed": 0, "total": 0, "overdue": 0}
    for objective in objectives:
        objective.plan = plan  # the plan as read, with its client: no query per objective
        kpis = [KpiRow(kpi, kpi_current(kpi, metric)) for kpi in objective.kpis.all()]
        margin = margin or any(row.kpi.measures_margin for row in kpis)
        count = counts.get(objective.pk, none)
        rows[objective.side].append(
            ObjectiveRow(
                objective=objective,
                kpis=kpis,
                actions=[],
                progress=_mean(count["total"], count["weighed"]),
                overdue=count["overdue"],
                action_count=count["count"],
            )
        )
    for side_rows in rows.values():
        _mark_ends(side_rows)
    weighed = sum(count["weighed"] for count in counts.values())
    page.objectives = rows
    page.sides = [(value, label, rows[value]) for value, label in Objective.Side.choices]
    page.metric = metric
    page.progress = _mean(sum(count["total"] or 0 for count in counts.values()), weighed)
    page.has_margin_kpi = margin
    page.overdue = sum(count["overdue"] for count in counts.values())
    page.action_count = sum(count["count"] for count in counts.values())
    page.filled = {
        "vision": all(
            getattr(plan, name).strip()
            for name in ("customer_business", "customer_strategy", "shared_vision")
        ),
        "swot": all(items for _, _, items in page.swot),
        "objectives": any(row.kpis for side_rows in rows.values() for row in side_rows),
        "actions": weighed > 0,
        "offers": bool(page.offers.offers),
    }
    page.pages = work_pages(page.ordered)
    page.work_read = True


def _mean(total: int | None, count: int) -> int | None:
    """``rollup``'s rule from a sum of weights and their number."""
    return _round(Decimal(total or 0) / count) if count else None


def read_actions(page: PlanPage, first: int = 1, last: int | None = None) -> None:
    """Read the actions of the Actions section's pages ``first`` to ``last`` (1-based; all of
    them by default, or up to the last page) into their objectives' rows of ``page`` (read by
    ``read_work``), in one query, each flagged ``overdue`` as of the page's day."""
    count = len(page.pages)
    last = count if last is None else min(last, count)
    first = max(first, 1)
    if first > last:
        page.shown = (0, 0)
        return
    shown = [row for rows in page.pages[first - 1 : last] for row in rows]
    by_objective = {row.objective.pk: row for row in shown}
    actions = (
        Action.objects.filter(objective_id__in=list(by_objective))
        .select_related("owner")
        # the rows never show when they were written, nor their owners' logins
        .defer(*UNSHOWN_ACTION_FIELDS)
        .order_by("due_date", "position", "pk")
    )
    for row in shown:
        row.actions = []
    for action in actions:
        row = by_objective[action.objective_id]
        action.objective = row.objective  # no query to climb back to the plan
        action.overdue = action.is_overdue(page.today)  # type: ignore[attr-defined]
        row.actions.append(action)
    page.shown = (first, last)


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
