"""The programme's results for one programme year: do the key accounts do better than the other
clients? What a sponsor shows at an executive committee.

**The figures, precisely.** The *key accounts* of programme year ``Y`` are the clients of its
confirmed shortlist (its latest decision); the *other clients* are every other client with
figures. Both groups are followed over the years with the clients they have in ``Y`` (a cohort:
the key accounts of 2026 in 2025 are the same clients, before they were chosen). Per group and
calendar year, from the stored per client and year figures (``ClientYearMetric``, recomputed
from the ledger at each import), added up by the database in one query:

- *revenue*: the sum of the clients' revenue;
- *gross margin*: the sum of the gross margin of the clients whose margin is known (every
  ledger line of the year has a cost), and *margin %*: that margin over those same clients'
  revenue; ``None`` (not zero) when no client's margin is known or their revenue is zero;
- *growth*: the group's revenue in ``Y`` against ``Y - 1``, ``None`` when ``Y - 1`` has no
  figures (or a zero revenue);
- *days late*: the clients' average days late weighted by their revenue (clients with a
  positive revenue and known payments), so that a small late payer weighs what it sells.

The sums are cached (Redis) under the programme, its latest shortlist decision and the newest
row of yearly figures, so that a new decision or a recompute of the figures is read at once.

The rest of the page reads the programme year's plans (approved, and their health), the meetings
of their cadences per level over the calendar year (up to today), and the recognitions given in
the year (``sponsorship.recognitions_for_year``: public within the programme), and the
investment committed against the programme's budget (``projects.investment_by_year``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from types import EllipsisType
from typing import Any

from django.core.cache import cache
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.db.models.lookups import In

from accounts.models import ClientYearMetric, User
from planning.models import Plan, Recognition
from planning.selectors import cadences, health, projects, sponsorship
from planning.selectors import plans as plan_selectors
from scoring.models import Programme, ShortlistDecision
from scoring.selectors import shortlist as shortlist_selectors

KEY, OTHERS = "key", "others"


def results_programme_list() -> QuerySet[Programme]:
    """The programme years the results page offers, latest first."""
    return shortlist_selectors.programme_list()


def results_default_programme(
    *, today: dt.date, among: list[Programme] | None = None
) -> Programme | None:
    """The programme year shown first: the latest that has begun, else the earliest to come
    (of ``among``, the ``results_programme_list`` the caller has read already, if given)."""
    programmes = results_programme_list() if among is None else among
    begun = [programme for programme in programmes if programme.year <= today.year]
    if begun:
        return max(begun, key=lambda programme: programme.year)
    return min(programmes, key=lambda programme: programme.year, default=None)


@dataclass(frozen=True)
class GroupYear:
    """One group's figures in one calendar year."""

    year: int
    clients: int  # clients of the group with figures that year
    revenue: Decimal
    gross_margin: Decimal | None  # of the clients whose margin is known; None if none is
    margin_clients: int  # clients whose margin is known
    margin_revenue: Decimal  # their revenue
    days_late: float | None  # average days late, weighted by revenue

    @property
    def margin_pct(self) -> float | None:
        if self.gross_margin is None or not self.margin_revenue:
            return None
        return float(self.gross_margin / self.margin_revenue * 100)

    @property
    def margin_complete(self) -> bool:
        return self.margin_clients == self.clients


@dataclass(frozen=True)
class GroupResults:
    """One group (the key accounts, or the other clients) in the programme year and the year
    before, and every year of the ledger up to the programme year (``years``, oldest first)."""

    group: str  # KEY or OTHERS
    current: GroupYear | None
    previous: GroupYear | None
    years: list[GroupYear]

    @property
    def growth_pct(self) -> float | None:
        if self.current is None or self.previous is None or not self.previous.revenue:
            return None
        change = self.current.revenue - self.previous.revenue
        return float(change / abs(self.previous.revenue) * 100)

    @property
    def margin_change(self) -> float | None:
        """Margin % this year minus last year: points, not a percentage of a percentage."""
        now = self.current.margin_pct if self.current else None
        before = self.previous.margin_pct if self.previous else None
        return None if now is None or before is None else now - before

    @property
    def days_late_change(self) -> float | None:
        now = self.current.days_late if self.current else None
        before = self.previous.days_late if self.previous else None
        return None if now is None or before is None else now - before


@dataclass(frozen=True)
class LedgerResults:
    """The key accounts against the other clients, from the ledger."""

    year: int
    key_account_count: int  # on the confirmed shortlist
    has_shortlist: bool
    key: GroupResults
    others: GroupResults
    latest_ledger_year: int | None  # the latest year with figures, whatever the programme

    @property
    def previous_year(self) -> int:
        return self.year - 1

    @property
    def groups(self) -> list[GroupResults]:
        return [self.key, self.others]

    @property
    def has_current(self) -> bool:
        return any(group.current for group in self.groups)

    @property
    def has_previous(self) -> bool:
        return any(group.previous for group in self.groups)


def key_account_ids_query(programme: Programme) -> QuerySet[Any, Any]:
    """The ids of the clients on ``programme``'s confirmed shortlist (its latest decision, as
    ``plans.key_account_ids`` reads it), as a subquery: ``client_id__in=`` it. The database
    reads the decision once and hashes its ids, whatever the number of rows it filters."""
    latest = (
        ShortlistDecision.objects.filter(programme=programme)
        .order_by("-decided_at", "-pk")
        .values("pk")[:1]
    )
    return (
        ShortlistDecision.objects.filter(pk=Subquery(latest))
        .annotate(
            client_id=Cast(
                Func(F("client_ids"), function="jsonb_array_elements_text"), BigIntegerField()
            )
        )
        .order_by()
        .values("client_id")
    )


def latest_decision(programme: Programme) -> ShortlistDecision | None:
    """The programme's confirmed shortlist: its latest decision, if any."""
    return shortlist_selectors.shortlist_decision_list(programme=programme).first()


FIGURES_CACHE_SECONDS = 6 * 3600
"""How long the groups' sums stay cached; the key changes anyway with the figures (a recompute
writes new rows) and with the shortlist (a new decision)."""


def ledger_results(
    *, programme: Programme, decision: ShortlistDecision | EllipsisType | None = ...
) -> LedgerResults:
    """The key accounts of ``programme`` against the other clients, every year of the ledger up
    to the programme year. The groups' sums come from one aggregate query over the stored
    yearly figures, cached under what they depend on: the programme, its latest shortlist
    decision and the newest row of figures (a recompute deletes and writes them anew). Three
    queries, two when cached, whatever the number of clients and lines; one less when
    ``decision``, the programme's latest shortlist decision (or ``None``), is given."""
    if decision is ...:
        decision = latest_decision(programme)
    newest = ClientYearMetric.objects.order_by("-pk").values_list("pk", "computed_at").first()
    version = (
        "programme-results:v1",
        programme.pk,
        programme.year,
        (decision.pk, decision.decided_at.isoformat()) if decision else None,
        (newest[0], newest[1].isoformat()) if newest else None,
    )
    key = "programme-results:" + hashlib.sha256(repr(version).encode()).hexdigest()
    rows: list[dict[str, Any]] | None = cache.get(key)
    if rows is None:
        rows = _group_sums(programme)
        cache.set(key, rows, FIGURES_CACHE_SECONDS)
    latest = max((row["year"] for row in rows), default=None)
    years: dict[str, list[GroupYear]] = {KEY: [], OTHERS: []}
    for row in rows:
        if row["year"] > programme.year:
            continue
        group = KEY if row["is_key"] else OTHERS
        years[group].append(
            GroupYear(
                year=row["year"],
                clients=row["clients"],
                revenue=row["total"],
                gross_margin=row["margin"],
                margin_clients=row["margin_clients"],
                margin_revenue=row["margin_revenue"] or Decimal(0),
                days_late=row["late_weighted"] / row["late_revenue"]
                if row["late_revenue"]
                else None,
            )
        )

    def results(group: str) -> GroupResults:
        by_year = {figures.year: figures for figures in years[group]}
        return GroupResults(
            group=group,
            current=by_year.get(programme.year),
            previous=by_year.get(programme.year - 1),
            years=years[group],
        )

    return LedgerResults(
        year=programme.year,
        key_account_count=len(decision.client_ids) if decision else 0,
        has_shortlist=decision is not None,
        key=results(KEY),
        others=results(OTHERS),
        latest_ledger_year=latest,
    )


def _group_sums(programme: Programme) -> list[dict[str, Any]]:
    """Per year and group (``is_key``) the sums of the stored yearly figures: plain values, as
    the cache keeps them."""
    revenue = Cast("revenue", FloatField())
    weighed = Q(avg_days_late__isnull=False, revenue__gt=0)
    rows = (
        ClientYearMetric.objects.annotate(
            is_key=Case(
                When(In(F("client_id"), key_account_ids_query(programme)), then=Value(True)),
                default=Value(False),
            )
        )
        .values("year", "is_key")
        .annotate(
            clients=Count("pk"),
            total=Sum("revenue"),
            margin=Sum("gross_margin"),
            margin_clients=Count("gross_margin"),
            margin_revenue=Sum("revenue", filter=Q(gross_margin__isnull=False)),
            late_weighted=Sum(F("avg_days_late") * revenue, filter=weighed),
            late_revenue=Sum(revenue, filter=weighed),
        )
        .order_by("year", "is_key")
    )
    return [dict(row) for row in rows]


# --- plans, meetings --------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanResults:
    """The programme year's plans: how many, approved, and their health. ``listed`` are the
    plans the user may see, with their health; the counts are the whole programme's."""

    count: int
    by_status: dict[str, int]
    approved: int
    by_level: dict[str, int]  # plan health: good, fair, poor
    average_score: float | None
    listed: list[health.PlanHealth]

    @property
    def unlisted(self) -> int:
        return self.count - len(self.listed)


def programme_plans(programme: Programme) -> list[Plan]:
    """The plans of the programme year, by client name."""
    return list(
        Plan.objects.filter(programme=programme)
        .select_related("client", "client__kam", "client__sponsor", "owner", "programme")
        .order_by("client__name", "pk")
    )


def plan_results(
    *,
    user: User,
    programme: Programme,
    today: dt.date,
    plans: list[Plan] | None = None,
    kept: cadences.Kept | None = None,
) -> PlanResults:
    """The plans of ``programme`` (``plans``, when the caller has ``programme_plans``
    already): counted over the whole programme year, listed for those ``user`` may see.
    Health in a fixed number of queries (``health.plan_health_list``; two less with ``kept``,
    the plans' ``cadences.cadences_kept`` through ``today``)."""
    if plans is None:
        plans = programme_plans(programme)
    statuses = cadences.cadence_status(plans, today, kept=kept) if kept is not None else None
    healths = health.plan_health_list(plans, today=today, statuses=statuses)
    if user.sees_all_clients:  # plan_list() is every plan: no query
        visible = {plan.pk for plan in plans}
    else:
        visible = set(
            plan_selectors.plan_list(user=user)
            .filter(programme=programme)
            .values_list("pk", flat=True)
        )
    levels = Counter(item.level for item in healths)
    return PlanResults(
        count=len(plans),
        by_status=dict(Counter(plan.status for plan in plans)),
        approved=sum(plan.status == Plan.Status.APPROVED for plan in plans),
        by_level={level: levels.get(level, 0) for level in ("good", "fair", "poor")},
        average_score=sum(item.score for item in healths) / len(healths) if healths else None,
        listed=[item for item in healths if item.plan.pk in visible],
    )


@dataclass(frozen=True)
class MeetingResults:
    """Meetings agreed, held and held on time per level over the programme year so far."""

    since: dt.date
    until: dt.date  # excluded
    levels: list[cadences.LevelCompliance]

    @property
    def started(self) -> bool:
        return self.since < self.until

    @property
    def agreed(self) -> int:
        return sum(level.agreed for level in self.levels)

    @property
    def on_time(self) -> int:
        return sum(level.on_time for level in self.levels)

    @property
    def held(self) -> int:
        return sum(level.held for level in self.levels)

    @property
    def on_time_pct(self) -> float | None:
        return self.on_time * 100 / self.agreed if self.agreed else None


def meeting_results(
    *,
    programme: Programme,
    today: dt.date,
    plans: list[Plan] | None = None,
    kept: cadences.Kept | None = None,
) -> MeetingResults:
    """The cadences of ``programme``'s plans kept per level, from 1 January of the programme
    year to the end of that year or today, whichever comes first (a meeting due today is not
    late yet; one held today counts as held). ``plans`` and ``kept``: the programme's plans and
    their ``cadences.cadences_kept`` through today, when the caller has them."""
    since = dt.date(programme.year, 1, 1)
    until = min(dt.date(programme.year + 1, 1, 1), today)
    among: list[Plan] | QuerySet[Plan] = (
        plans if plans is not None else Plan.objects.filter(programme=programme)
    )
    return MeetingResults(
        since=since,
        until=max(since, until),
        levels=cadences.level_totals_between(
            among,
            since=since,
            until=until,
            held_through=min(dt.date(programme.year, 12, 31), today),
            kept=kept,
        ),
    )


@dataclass(frozen=True)
class ProgrammeResults:
    programme: Programme
    ledger: LedgerResults
    plans: PlanResults
    meetings: MeetingResults
    recognitions: list[Recognition]  # given in the programme year, the latest first
    investment: projects.InvestmentYear  # the budget against the shortlist and approved projects


def programme_results(*, user: User, programme: Programme, today: dt.date) -> ProgrammeResults:
    """Everything the results page and its API show for ``programme``. The figures are the
    programme's, whoever asks (who may ask is ``permissions.may_see_programme_results``); the
    plans listed one by one are those ``user`` may see. The shortlist decision, the plans, their
    cadences and the meetings held are read once for all the parts that show them."""
    decision = latest_decision(programme)
    plans = programme_plans(programme)
    kept = cadences.cadences_kept(plans, through=today)
    return ProgrammeResults(
        programme=programme,
        ledger=ledger_results(programme=programme, decision=decision),
        plans=plan_results(user=user, programme=programme, today=today, plans=plans, kept=kept),
        meetings=meeting_results(programme=programme, today=today, plans=plans, kept=kept),
        recognitions=list(sponsorship.recognitions_for_year(programme.year)),
        investment=projects.investment_by_year(programme, decision=decision),
    )
