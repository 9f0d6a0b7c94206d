"""Reads of a programme year's shortlist: its board and standing within budget, the candidates,
costs to serve, overrides and the portfolio matrix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Window,
)
from django.utils.translation import gettext as _

from accounts import selectors as client_selectors
from accounts.models import Client, User
from kam import charts
from kam import formats as kam_formats
from scoring.models import (
    SHORTLIST_CONFIRM_ABOVE,
    SHORTLIST_RECOMMENDED,
    ClientScore,
    CostToServe,
    Override,
    Programme,
    ScoringRun,
    ShortlistDecision,
    ShortlistEntry,
)
from scoring.selectors import scores as score_selectors


@dataclass(frozen=True)
class ShortlistStanding:
    """A shortlist against its programme year: its yearly cost, whether it is over budget (money
    or KAM headcount) and where it stands on the guardrail. ``shortlist_standing`` is the one
    computation of these for the shortlist page, the API and the confirmation."""

    count: int
    cost: Decimal  # the clients with a cost-to-serve estimate
    budget: Decimal
    kam_headcount: int

    @property
    def over_money(self) -> bool:
        return self.cost > self.budget

    @property
    def over_kams(self) -> bool:
        return self.count > self.kam_headcount

    @property
    def is_over_budget(self) -> bool:
        """Confirming it needs a recorded budget exception."""
        return self.over_money or self.over_kams

    @property
    def guardrail(self) -> str:
        """ "empty", "ok" (1 to 5), "warning" (6 to 10) or "confirm" (more than 10: confirming
        needs a recorded reason)."""
        if not self.count:
            return "empty"
        if self.count <= SHORTLIST_RECOMMENDED:
            return "ok"
        return "warning" if self.count <= SHORTLIST_CONFIRM_ABOVE else "confirm"

    @property
    def budget_used_pct(self) -> float:
        budget = self.budget
        return float(100 * self.cost / budget) if budget else (100.0 if self.cost else 0.0)

    @property
    def kams_used_pct(self) -> float:
        headcount = self.kam_headcount
        return 100 * self.count / headcount if headcount else (100.0 if self.count else 0.0)


def shortlist_standing(
    *, programme: Programme, costs: Sequence[Decimal | None]
) -> ShortlistStanding:
    """Where a shortlist of clients with these yearly costs (``None``: no estimate yet, see
    ``client_cost``) stands against ``programme``."""
    cost = sum((cost for cost in costs if cost is not None), Decimal(0))
    return ShortlistStanding(len(costs), cost, programme.budget, programme.kam_headcount)


def client_cost(client: Client, programme: Programme) -> Decimal | None:
    """A client's yearly cost to serve in a programme year, or ``None`` when no director has
    estimated it (the client "has no cost"). Reads ``client.cost_to_serve``: select it with the
    client."""
    try:
        estimate = client.cost_to_serve
    except CostToServe.DoesNotExist:
        return None
    return estimate.total(kam_cost=programme.kam_cost)


class ShortlistEligibility(NamedTuple):
    """Whether a client may be a key account: it has ledger history, and no override forces it
    out of the selection."""

    has_history: bool
    forced_out: bool


def shortlist_eligibility(*, client_ids: Collection[int]) -> dict[int, ShortlistEligibility]:
    """The eligibility of each of these clients, in one query; a missing id is no client."""
    forced_out = Override.objects.filter(
        client=OuterRef("pk"), is_active=True, kind=Override.Kind.FORCE_OUT
    )
    rows = (
        Client.objects.filter(pk__in=list(client_ids))
        .annotate(has_history=client_selectors.client_has_history(), forced_out=Exists(forced_out))
        .values_list("pk", "has_history", "forced_out")
    )
    return {pk: ShortlistEligibility(has_history, out) for pk, has_history, out in rows}


@dataclass(frozen=True)
class ShortlistBoard:
    """Everything the shortlist page shows for a programme year, for a director.

    ``chosen`` and ``candidates`` are rows of the latest ranking (see ``scores.ranking_rows``),
    each with ``cost`` (the yearly cost to serve, ``None`` without an estimate); ``chosen`` also
    holds any shortlisted client missing from the latest run (``score`` attributes then
    ``None``).
    """

    programme: Programme
    chosen: list[ShortlistRow]
    candidates: list[ShortlistRow]  # those asked for: all, or a page of them
    decisions: list[ShortlistDecision]  # the latest confirmations, latest first
    family_weights: dict[str, float]
    standing: ShortlistStanding  # of ``chosen``
    candidate_count: int  # ranked clients not on the shortlist, whichever were read

    @property
    def decision(self) -> ShortlistDecision | None:
        """The latest confirmation, if any."""
        return self.decisions[0] if self.decisions else None

    @property
    def count(self) -> int:
        return self.standing.count

    @property
    def cost(self) -> Decimal:
        return self.standing.cost

    @property
    def unpriced(self) -> list[ShortlistRow]:
        return [row for row in self.chosen if row.cost is None]

    @property
    def over_money(self) -> bool:
        return self.standing.over_money

    @property
    def over_kams(self) -> bool:
        return self.standing.over_kams

    @property
    def is_over_budget(self) -> bool:
        return self.standing.is_over_budget

    @property
    def budget_used_pct(self) -> float:
        return self.standing.budget_used_pct

    @property
    def kams_used_pct(self) -> float:
        return self.standing.kams_used_pct

    @property
    def guardrail(self) -> str:
        return self.standing.guardrail

    @property
    def is_confirmed(self) -> bool:
        """The latest decision confirmed exactly the clients now on the shortlist."""
        return self.decision is not None and sorted(self.decision.client_ids) == sorted(
            row.client.pk for row in self.chosen
        )


@dataclass
class ShortlistRow:
    """A client on the shortlist page: its latest score (if ranked) and its cost to serve."""

    client: Client
    score: score_selectors.RankingRow | None
    cost: Decimal | None
    override: Override | None
    attractiveness: float | None
    maturity: float | None
    href: str = ""  # the client's explanation, and its cost estimate: links the page writes
    cost_href: str = ""

    @property
    def forced_out(self) -> bool:
        return self.override is not None and self.override.kind == Override.Kind.FORCE_OUT

    @property
    def forced_in(self) -> bool:
        return self.override is not None and self.override.kind == Override.Kind.FORCE_IN


def programme_list() -> QuerySet[Programme]:
    """Every programme year, latest first."""
    return Programme.objects.select_related("updated_by").order_by("-year")


DECISIONS_SHOWN = 10
"""How many of a shortlist's latest confirmations its board holds."""


def shortlist_board(
    *, user: User, programme: Programme, candidates: slice = slice(None)
) -> ShortlistBoard:
    """The shortlist of a programme year next to the ranked clients not on it (all of them, or
    the ``candidates`` slice of them, best first), with costs.

    Eight queries whatever the number of clients: shortlist entries, runs, the chosen clients'
    scores, their overrides, the candidates' scores, their overrides, the latest run's weights
    and the latest confirmations (and one for the overrides of shortlisted clients missing from the
    latest run, one to count the candidates when a page past the last one is asked for); a page
    of candidates comes with how many there are.
    """
    entries = list(
        programme.entries.filter(client__in=client_selectors.client_list(user=user).values("pk"))
        .select_related("client", "client__kam", "client__cost_to_serve")
        .order_by("added_at", "pk")
    )
    chosen_ids = [entry.client_id for entry in entries]
    scores = score_selectors.ranking_latest(user=user)
    by_client = {
        row.client_id: row
        for row in score_selectors.ranking_rows(scores.filter(client_id__in=chosen_ids))
    }
    others = scores.exclude(client_id__in=chosen_ids).select_related("client__cost_to_serve")
    paged = candidates.stop is not None
    # a page: how many candidates all the pages have, in the same query
    rows = score_selectors.ranking_rows(
        others.annotate(candidates=Window(Count("pk")))[candidates] if paged else others
    )
    run = score_selectors.scoring_run_latest() if rows or by_client else None
    families = dict(run.weight_set.family_weights) if run is not None else {}
    unranked = [client_id for client_id in chosen_ids if client_id not in by_client]
    overrides = {row.client_id: row.active_override for row in by_client.values()}
    if unranked:  # a shortlisted client missing from the latest run
        overrides.update(
            (override.client_id, override)
            for override in Override.objects.filter(
                is_active=True, client_id__in=unranked
            ).select_related("author")
        )
    chosen = [
        _shortlist_row(
            entry.client,
            by_client.get(entry.client_id),
            programme,
            families,
            overrides.get(entry.client_id),
        )
        for entry in entries
    ]
    chosen.sort(key=lambda row: (row.score is None, row.score.rank if row.score else 0))
    candidate_rows = [
        _shortlist_row(row.client, row, programme, families, row.active_override) for row in rows
    ]
    if not paged:
        count = len(candidate_rows)
    elif rows:
        count = getattr(rows[0].score, "candidates", 0)  # the window's count
    else:  # no candidate on this page: beyond the last one, or none at all
        count = others.count() if candidates.start else 0
    decisions = list(shortlist_decision_list(programme=programme)[:DECISIONS_SHOWN])
    standing = shortlist_standing(programme=programme, costs=[row.cost for row in chosen])
    return ShortlistBoard(programme, chosen, candidate_rows, decisions, families, standing, count)


def shortlist_version(
    *, user: User, programme: Programme, parts: ShortlistVersionParts | None = None
) -> str:
    """A key that changes whenever the shortlist page of ``programme`` would change for
    ``user``: the programme's own fields, its shortlist and decisions, the programme years, the
    latest successful run, the active overrides, the costs to serve and the clients ``user`` may
    see (names, KAMs). One query, written in SQL: it runs before every shortlist page, cached or
    not, and the ORM took longer to write it than the database to answer it."""
    if parts is None:
        parts = shortlist_version_parts(user=user, programme=programme)
    own = (programme.year, programme.budget, programme.currency, programme.kam_headcount)
    return f"{programme.pk}:{own}:{programme.kam_cost}:{score_selectors.rights(user)}:{parts}"


class ShortlistVersionParts(NamedTuple):
    """What ``shortlist_version`` is made of, each part a short digest or value."""

    updated_at: dt.datetime | None
    shortlist: str | None
    decision: int | None
    years: str | None
    run: int | None
    overrides: str | None
    costs: str | None
    clients: str | None

    @property
    def matrix(self) -> str:
        """What the portfolio matrix shows changes with: the latest run (its scores and
        weights), the shortlist (highlighted) and the clients ``user`` may see (names)."""
        return f"{self.run}:{self.shortlist}:{self.clients}"


def shortlist_version_parts(*, user: User, programme: Programme) -> ShortlistVersionParts:
    """The parts of ``shortlist_version``, in one query (the visible clients digested by
    ``score_selectors.clients_digest_sql``)."""
    tables = {
        "entry": ShortlistEntry._meta.db_table,
        "decision": ShortlistDecision._meta.db_table,
        "programme": Programme._meta.db_table,
        "run": ScoringRun._meta.db_table,
        "cost": CostToServe._meta.db_table,
    }
    clients, params = score_selectors.clients_digest_sql(user)
    query = """
        SELECT p.updated_at,
            (SELECT md5(string_agg(concat(e.id, '|', e.client_id), ',' ORDER BY e.id))
               FROM {entry} e WHERE e.programme_id = p.id),
            (SELECT max(d.id) FROM {decision} d WHERE d.programme_id = p.id),
            (SELECT string_agg(y.year::text, ',' ORDER BY y.year) FROM {programme} y),
            (SELECT max(r.id) FROM {run} r WHERE r.status = %s),
            ({overrides}),
            (SELECT concat(count(*), '|', max(c.updated_at)) FROM {cost} c),
            ({clients})
          FROM {programme} p WHERE p.id = %s
    """.format(
        clients=clients,
        overrides=score_selectors.overrides_digest_sql(),
        **{name: connection.ops.quote_name(table) for name, table in tables.items()},
    )
    with connection.cursor() as cursor:
        cursor.execute(query, [ScoringRun.Status.DONE, *params, programme.pk])
        row = cursor.fetchone()
    return ShortlistVersionParts(*(row or (None,) * len(ShortlistVersionParts._fields)))


class PortfolioPoint(NamedTuple):
    """A ranked client where the portfolio matrix places it."""

    client_id: int
    name: str
    rank: int
    total: float
    attractiveness: float
    maturity: float


def portfolio_points(
    *,
    user: User,
    families: Mapping[str, float],
    best: int | None = None,
    also: Collection[int] = (),
) -> list[PortfolioPoint]:
    """The ranked clients ``user`` may see on the portfolio matrix, best first: the ``best``
    best-ranked ones (all when ``None``) and the clients ``also`` names (the shortlist) wherever
    they rank. One query, read as tuples."""
    runs = ScoringRun.objects.filter(status=ScoringRun.Status.DONE).values("pk")[:1]
    visible = client_selectors.client_list(user=user).order_by().values("pk")
    scores = ClientScore.objects.filter(run_id__in=runs, client__in=visible).order_by("rank")
    if best is not None:
        scores = scores.filter(Q(rank__lte=best) | Q(client_id__in=list(also)))
    weights = dict(families)
    points = []
    for client_id, name, rank, total, financial, strategic, maturity in scores.values_list(
        "client_id", "client__name", "rank", "total", "financial", "strategic", "maturity"
    ):
        attractiveness, mature = _portfolio_position(financial, strategic, maturity, weights)
        points.append(PortfolioPoint(client_id, name, rank, total, attractiveness, mature))
    return points


MATRIX_BEST = 100  # the portfolio matrix places this many best-ranked clients, and the shortlist


def portfolio_matrix_points(
    *,
    user: User,
    families: Mapping[str, float],
    chosen: Collection[int],
    href: Callable[[int], str] | None = None,
) -> list[charts.MatrixPoint]:
    """The portfolio matrix's points, as the shortlist page and its report draw them: the
    ``MATRIX_BEST`` best-ranked clients ``user`` may see and the ``chosen`` ones (highlighted),
    each labelled with its rank and score, linked by ``href(client_id)`` when given."""
    return [
        charts.MatrixPoint(
            label=point.name,
            attractiveness=point.attractiveness,
            maturity=point.maturity,
            highlighted=point.client_id in chosen,
            detail=_("rank %(rank)s, score %(score)s")
            % {"rank": point.rank, "score": kam_formats.number(point.total, 1)},
            href=href(point.client_id) if href else "",
        )
        for point in portfolio_points(user=user, families=families, best=MATRIX_BEST, also=chosen)
    ]


def _shortlist_row(
    client: Client,
    score: score_selectors.RankingRow | None,
    programme: Programme,
    families: dict[str, float],
    override: Override | None,
) -> ShortlistRow:
    attractiveness = maturity = None
    if score is not None:
        attractiveness, maturity = portfolio_position(score, families)
    return ShortlistRow(
        client=client,
        score=score,
        cost=client_cost(client, programme),
        override=override,
        attractiveness=attractiveness,
        maturity=maturity,
    )


def portfolio_position(
    score: score_selectors.RankingRow | ClientScore, families: dict[str, float]
) -> tuple[float, float]:
    """Where a client sits on the portfolio matrix, both axes 0 to 100: attractiveness is its
    financial and strategic points out of those families' weight, maturity its maturity points
    out of that family's weight (0 when a family weighs nothing)."""
    return _portfolio_position(score.financial, score.strategic, score.maturity, families)


def _portfolio_position(
    financial: float, strategic: float, maturity: float, families: Mapping[str, float]
) -> tuple[float, float]:
    attractive_weight = float(families.get("financial", 0)) + float(families.get("strategic", 0))
    maturity_weight = float(families.get("maturity", 0))
    attractiveness = 100 * (financial + strategic) / attractive_weight if attractive_weight else 0.0
    mature = 100 * maturity / maturity_weight if maturity_weight else 0.0
    return min(max(attractiveness, 0.0), 100.0), min(max(mature, 0.0), 100.0)


def shortlist_decision_list(*, programme: Programme) -> QuerySet[ShortlistDecision]:
    """The confirmations of a programme year's shortlist, latest first."""
    return programme.decisions.select_related("decided_by").order_by("-decided_at", "-pk")


def cost_to_serve_for(*, client: Client) -> CostToServe | None:
    """A client's cost-to-serve estimate, if a director made one."""
    return CostToServe.objects.select_related("updated_by").filter(client=client).first()


def override_list_active(*, user: User) -> QuerySet[Override]:
    """The active overrides of the clients ``user`` may see, newest first."""
    visible = client_selectors.client_list(user=user).values("pk")
    return (
        Override.objects.filter(is_active=True, client__in=visible)
        .select_related("client", "author")
        .order_by("-created_at", "-pk")
    )
