"""Reads for the selection of key accounts. Who sees which client's scores is decided by
``accounts.selectors.client_list``, and only there."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
    Window,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Lower, TruncDate
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts import selectors as client_selectors
from accounts.models import Client, ClientYearMetric, User
from kam import charts, permissions
from kam import formats as kam_formats
from scoring import ranking
from scoring.models import (
    SHORTLIST_CONFIRM_ABOVE,
    SHORTLIST_RECOMMENDED,
    ClientScore,
    CostToServe,
    Criterion,
    CriterionScore,
    CriterionWeight,
    Override,
    Programme,
    Rating,
    ScoringRun,
    ShortlistDecision,
    ShortlistEntry,
    WeightSet,
)


@dataclass(frozen=True)
class ClientExplanation:
    """Why a client has its score in the latest run: its place, its criteria and any override."""

    score: ClientScore
    previous_rank: int | None  # in the run before; None when new or without an earlier run
    criteria: list[CriterionScore]  # most points first
    override: Override | None  # shown next to the score; the total does not include it

    @property
    def rank_change(self) -> int | None:
        """Places climbed since the run before (negative: fell)."""
        return None if self.previous_rank is None else self.previous_rank - self.score.rank

    @property
    def stability_label(self) -> str:
        return ranking.stability_label(self.score.stability)


def scoring_run_latest(*, any_status: bool = False) -> ScoringRun | None:
    """The latest successful run: the scores everyone sees; with ``any_status``, the latest run
    whatever its status (one still running, or one that failed)."""
    runs = ScoringRun.objects.select_related("weight_set")
    if not any_status:
        runs = runs.filter(status=ScoringRun.Status.DONE)
    return runs.first()


def ranking_latest(*, user: User) -> QuerySet[ClientScore]:
    """The latest run's scores of the clients ``user`` may see, best first.

    Each row carries ``previous_rank`` (``None`` for a client new to the ranking or when there is
    no earlier run) and ``rank_change`` (positive when the client climbed); ``ranking_rows`` adds
    each one's active override.
    """
    runs = list(
        ScoringRun.objects.filter(status=ScoringRun.Status.DONE).values_list("pk", flat=True)[:2]
    )
    if not runs:
        return ClientScore.objects.none()
    visible = client_selectors.client_list(user=user).values("pk")
    scores = ClientScore.objects.filter(run_id=runs[0], client__in=visible)
    if len(runs) > 1:
        previous = ClientScore.objects.filter(run_id=runs[1], client=OuterRef("client"))
        scores = scores.annotate(
            previous_rank=Subquery(previous.values("rank")[:1], output_field=IntegerField())
        ).annotate(rank_change=F("previous_rank") - F("rank"))
    else:
        scores = scores.annotate(
            previous_rank=Value(None, output_field=IntegerField()),
            rank_change=Value(None, output_field=IntegerField()),
        )
    return scores.select_related("client", "client__kam").order_by("rank")


def client_explanation(*, user: User, client_id: int) -> ClientExplanation | None:
    """A client's explanation in the latest run; ``None`` (a 404) when the client is hidden from
    ``user`` or was not ranked."""
    score = (
        ranking_latest(user=user)
        .filter(client_id=client_id)
        .select_related("run", "run__weight_set")
        .first()
    )
    if score is None:
        return None
    criteria = list(
        CriterionScore.objects.filter(run_id=score.run_id, client_id=client_id)
        .select_related("criterion")
        .order_by("-points", "criterion__family", "criterion__code")
    )
    override = (
        Override.objects.filter(client_id=client_id, is_active=True)
        .select_related("author")
        .first()
    )
    previous_rank = getattr(score, "previous_rank", None)  # ranking_latest's annotation
    return ClientExplanation(
        score=score, previous_rank=previous_rank, criteria=criteria, override=override
    )


def weight_set_active() -> WeightSet | None:
    """The weights in force, with their criterion weights (and criteria) prefetched."""
    return (
        WeightSet.objects.filter(is_active=True)
        .select_related("created_by")
        .prefetch_related(
            Prefetch(
                "criterion_weights",
                queryset=CriterionWeight.objects.select_related("criterion").order_by(
                    "criterion__family", "criterion__code"
                ),
            )
        )
        .first()
    )


def weight_set_list() -> QuerySet[WeightSet]:
    """Every version of the weights, newest first: who changed them, when and why."""
    return WeightSet.objects.select_related("created_by").order_by("-version")


def criterion_list(*, include_inactive: bool = False) -> QuerySet[Criterion]:
    """The criteria, by family then code; only the active ones unless told otherwise."""
    criteria = Criterion.objects.order_by("family", "code")
    return criteria if include_inactive else criteria.filter(is_active=True)


@dataclass(frozen=True)
class RankingRow:
    """One client in a ranking: its score in the run, its rank in the run before (``None`` when
    new to the ranking or without an earlier run) and its active override, shown next to the
    score (the total does not include it)."""

    score: ClientScore  # with its client and the client's KAM
    previous_rank: int | None
    active_override: Override | None  # with its author

    @property
    def client(self) -> Client:
        return self.score.client

    @property
    def client_id(self) -> int:
        return self.score.client_id

    @property
    def rank(self) -> int:
        return self.score.rank

    @property
    def total(self) -> float:
        return self.score.total

    @property
    def financial(self) -> float:
        return self.score.financial

    @property
    def strategic(self) -> float:
        return self.score.strategic

    @property
    def maturity(self) -> float:
        return self.score.maturity

    @property
    def coverage(self) -> float:
        return self.score.coverage

    @property
    def stability(self) -> float:
        return self.score.stability

    @property
    def rank_change(self) -> int | None:
        """Places climbed since the previous run (negative: fell)."""
        return None if self.previous_rank is None else self.previous_rank - self.score.rank

    @property
    def places_moved(self) -> int:
        """How many places the client moved, either way."""
        return abs(self.rank_change or 0)

    @property
    def stability_label(self) -> str:
        return ranking.stability_label(self.score.stability)

    @property
    def stability_pct(self) -> float:
        return 100 * self.score.stability


def ranking_rows(scores: QuerySet[ClientScore]) -> list[RankingRow]:
    """The rows of a ranking (``scores`` as ``ranking_latest`` gives them, sliced or not): one
    query for the scores, one for the overrides, whatever the number of rows."""
    page = list(scores)
    if scores.query.is_sliced:  # a page: its few ids
        shown = Q(client_id__in=[score.client_id for score in page])
    else:  # a subquery: a list of hundreds of clients costs more to pass than to join
        shown = Q(client_id__in=scores.order_by().values("client_id"))
    overrides = {
        override.client_id: override
        for override in Override.objects.filter(shown, is_active=True).select_related("author")
    }
    return [
        RankingRow(
            score,
            getattr(score, "previous_rank", None),  # ranking_latest's annotation, read once here
            overrides.get(score.client_id),
        )
        for score in page
    ]


def ranking_version(*, user: User) -> str:
    """A key that changes whenever a ranking page ``user`` reads would change: the latest two
    runs, the clients ``user`` may see (names, KAMs) and the active overrides. One query."""
    runs = (
        ScoringRun.objects.filter(status=ScoringRun.Status.DONE)
        .annotate(
            clients=_clients_digest(user),
            overrides=_overrides_digest(),
        )
        .values_list("pk", "finished_at", "clients", "overrides")[:2]
    )
    parts = [
        f"{pk}@{finished.timestamp() if finished else ''}:{clients or '-'}:{overrides or '-'}"
        for pk, finished, clients, overrides in runs
    ]
    return f"{_rights(user)}:{';'.join(parts)}"


def _overrides_digest_sql() -> str:
    """SQL of one value that digests the active overrides (an override is never changed: a new
    one replaces it) and their authors' names."""
    override, people = (
        connection.ops.quote_name(model._meta.db_table) for model in (Override, User)
    )
    return f"""
        SELECT md5(string_agg(concat(o.id, '|', o.client_id, '|', a.first_name, '|',
                                     a.last_name, '|', a.username), ',' ORDER BY o.id))
          FROM {override} o LEFT JOIN {people} a ON a.id = o.author_id WHERE o.is_active
    """


def _overrides_digest() -> RawSQL:
    """``_overrides_digest_sql`` as an expression, to annotate a version's query with."""
    return RawSQL(_overrides_digest_sql(), (), output_field=TextField())


def _clients_digest_sql(user: User) -> tuple[str, tuple[Any, ...]]:
    """SQL of one value (and its parameters) that digests what a page shows of the clients
    ``user`` may see: their number and a sum of each one's hash (its id, name, currency and its
    KAM's names). No sorting nor long text to build for 1,000 clients; any change to one of
    them, one added or one no longer visible changes it."""
    try:
        visible, params = (
            client_selectors.client_list(user=user).order_by().values("pk").query.sql_with_params()
        )
    except EmptyResultSet:  # a user who sees no client (``.none()``)
        visible, params = "SELECT NULL::bigint WHERE false", ()
    client, people = (connection.ops.quote_name(model._meta.db_table) for model in (Client, User))
    sql = f"""
        SELECT concat(count(*), '|', sum(hashtextextended(concat_ws('|', c.id, c.name,
                   c.currency, c.kam_id, k.first_name, k.last_name, k.username), 0)))
          FROM {client} c LEFT JOIN {people} k ON k.id = c.kam_id
         WHERE c.id IN ({visible})
    """
    return sql, tuple(params)


def _clients_digest(user: User) -> RawSQL:
    """``_clients_digest_sql`` as an expression, to annotate a version's query with."""
    sql, params = _clients_digest_sql(user)
    return RawSQL(sql, params, output_field=TextField())


def _rights(user: User) -> str:
    """What ``user`` may rate, in a version: every client for directors and administrators, so
    that they share cached rows (one director's rendering serves another); their own clients for
    a KAM; nothing for others."""
    return "all" if permissions.may_manage_programme(user) else f"{user.role}-{user.pk}"


def client_rank_history(*, user: User, client_id: int) -> QuerySet[ClientScore]:
    """A client's rank in every successful run, latest first; nothing for a client hidden from
    ``user``."""
    visible = client_selectors.client_list(user=user).filter(pk=client_id).values("pk")
    return (
        ClientScore.objects.filter(client__in=visible, run__status=ScoringRun.Status.DONE)
        .select_related("run")
        .order_by("-run__started_at", "-run__pk")
    )


# --- programme, cost to serve and shortlist --------------------------------------------------


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

    ``chosen`` and ``candidates`` are rows of the latest ranking (see ``ranking_rows``), each with
    ``cost`` (the yearly cost to serve, ``None`` without an estimate); ``chosen`` also holds any
    shortlisted client missing from the latest run (``score`` attributes then ``None``).
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
    score: RankingRow | None
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
    scores = ranking_latest(user=user)
    by_client = {
        row.client_id: row for row in ranking_rows(scores.filter(client_id__in=chosen_ids))
    }
    others = scores.exclude(client_id__in=chosen_ids).select_related("client__cost_to_serve")
    paged = candidates.stop is not None
    # a page: how many candidates all the pages have, in the same query
    rows = ranking_rows(
        others.annotate(candidates=Window(Count("pk")))[candidates] if paged else others
    )
    run = scoring_run_latest() if rows or by_client else None
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
    return f"{programme.pk}:{own}:{programme.kam_cost}:{_rights(user)}:{parts}"


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
    ``_clients_digest_sql``)."""
    tables = {
        "entry": ShortlistEntry._meta.db_table,
        "decision": ShortlistDecision._meta.db_table,
        "programme": Programme._meta.db_table,
        "run": ScoringRun._meta.db_table,
        "cost": CostToServe._meta.db_table,
    }
    clients, params = _clients_digest_sql(user)
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
        overrides=_overrides_digest_sql(),
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
    score: RankingRow | None,
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
    score: RankingRow | ClientScore, families: dict[str, float]
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


def scoring_run_list() -> QuerySet[ScoringRun]:
    """Every scoring run, newest first, whatever its status."""
    return ScoringRun.objects.select_related("weight_set").order_by("-started_at", "-pk")


def override_list_active(*, user: User) -> QuerySet[Override]:
    """The active overrides of the clients ``user`` may see, newest first."""
    visible = client_selectors.client_list(user=user).values("pk")
    return (
        Override.objects.filter(is_active=True, client__in=visible)
        .select_related("client", "author")
        .order_by("-created_at", "-pk")
    )


# --- selection grid -------------------------------------------------------------------------------

GRID_FIXED_SORTS = ("rank", "client", "total", "met")
"""Sort keys of the grid besides the criterion codes."""

GRID_UNITS: dict[str, str] = {
    "revenue": "money",
    "gross_margin": "money",
    "volume": "number",
    "margin_pct": "pct",
    "growth_pct": "pct",
    "share_pct": "pct",
    "dispute_rate": "pct",
    "avg_days_to_pay": "days",
    "avg_days_late": "days",
}
"""How a financial criterion's raw value reads, by the ledger figure it comes from."""


class CurrentRating(NamedTuple):
    """A client's current rating on a criterion, as the grid shows it."""

    level: int
    note: str
    day: dt.date  # in the current time zone
    author: str  # as ``User.__str__`` writes it


class GridCell(NamedTuple):  # thousands a page: a tuple is the cheapest to make
    """One client on one criterion: the level the grid shows and whether the criterion is met.

    ``level`` is the client's current rating (rated criteria; it may be newer than the run),
    ``raw`` the run's raw value (financial criteria). ``met`` is ``None`` when the run did not
    score the criterion; ``pending`` says the current rating is not the one the run scored.
    """

    criterion: Criterion
    level: int | None
    raw: float | None
    met: bool | None
    normalised: float | None
    rating: CurrentRating | None
    pending: bool

    @property
    def missing(self) -> bool:
        return (self.level if self.criterion.is_rated else self.raw) is None

    @property
    def value(self) -> float | None:
        """What the cell shows and sorts on: the level, or the raw value."""
        return float(self.level) if self.criterion.is_rated and self.level else self.raw

    @property
    def unit(self) -> str:
        return "level" if self.criterion.is_rated else GRID_UNITS.get(self.criterion.source, "")


@dataclass(frozen=True)
class GridRow:
    """One client's row: who it is, its rank and score, its cells."""

    client_id: int
    client_name: str
    currency: str
    kam: str  # the KAM's name, "" without one
    rank: int
    total: float
    cells: list[GridCell]
    editable: bool  # the user may rate this client

    @property
    def met_count(self) -> int:
        return sum(1 for cell in self.cells if cell.met)


@dataclass(frozen=True)
class Grid:
    """The selection grid of the clients a user may see, in the latest successful run: its
    criteria, and the rows asked for (a page of them, or all) in the order asked for."""

    run: ScoringRun | None
    criteria: list[Criterion]  # by family, then code
    rows: list[GridRow]
    sort: str
    descending: bool
    count: int  # clients in the whole grid, whichever rows were read

    @property
    def families(self) -> list[tuple[str, str, int]]:
        """(family, label, number of criteria), for the grouped header."""
        labels = dict(Criterion.Family.choices)
        counts: dict[str, int] = {}
        for criterion in self.criteria:
            counts[criterion.family] = counts.get(criterion.family, 0) + 1
        return [(family, str(labels[family]), count) for family, count in counts.items()]


def grid_sort(sort: str, direction: str, *, criteria: list[Criterion]) -> tuple[str, bool]:
    """A valid sort key and whether it is descending; anything else sorts by rank."""
    codes = {criterion.code for criterion in criteria}
    if sort not in GRID_FIXED_SORTS and sort not in codes:
        return "rank", False
    if direction in ("asc", "desc"):
        return sort, direction == "desc"
    return sort, sort not in ("rank", "client")  # figures read largest first, names A to Z


def grid_header(*, sort: str = "rank", direction: str = "") -> Grid:
    """The grid's header without its rows: the latest successful run, the active criteria (by
    family, then code) and the sort, made valid. Two queries."""
    run = scoring_run_latest()
    order = list(Criterion.Family.values)  # financial, strategic, maturity
    criteria = sorted(
        criterion_list(), key=lambda criterion: (order.index(criterion.family), criterion.code)
    )
    sort, descending = grid_sort(sort, direction, criteria=criteria)
    return Grid(run, criteria, [], sort, descending, 0)


def grid_latest(
    *,
    user: User,
    sort: str = "rank",
    direction: str = "",
    client_id: int | None = None,
    rows: slice = slice(None),
) -> Grid:
    """The grid of the latest successful run for the clients ``user`` may see, sorted by the
    database, and of it the ``rows`` asked for (all by default; ``slice(0, 0)`` for none): the
    header (``grid_header``, two queries) and its rows (``grid_rows``, three queries), with who
    gave each current rating and when. With no rows asked for, ``count`` is 0 (not counted).
    """
    header = grid_header(sort=sort, direction=direction)
    if rows.stop is not None and rows.stop == rows.start:  # the header only
        return header
    return grid_rows(user=user, grid=header, client_id=client_id, rows=rows, rated_by=True)


def grid_rows(
    *,
    user: User,
    grid: Grid,
    client_id: int | None = None,
    rows: slice = slice(None),
    rated_by: bool = False,
) -> Grid:
    """``grid`` (a header from ``grid_header``) with the ``rows`` asked for (all by default) of
    the clients ``user`` may see, sorted by the database, and how many clients the whole grid
    has. ``client_id`` keeps one client's row (none when that client is hidden or not ranked).

    Three queries whatever the number of clients, read as tuples (model instances would cost
    more than the queries): the scores with their clients and KAMs (and how many there are);
    the rows' criterion scores; the rows' current ratings. Without ``rated_by`` (the page's
    cells show levels only, who rated them opens on demand) the current levels come with the
    criterion scores, and the third query is made only for a rated criterion the run did not
    score (one added since); with it, each cell also says who rated it, when and why.
    """
    run, criteria = grid.run, grid.criteria
    if run is None:
        return grid
    visible = client_selectors.client_list(user=user).order_by().values("pk")
    scores = ClientScore.objects.filter(run=run, client__in=visible)
    if client_id is not None:
        scores = scores.filter(client_id=client_id)
    bounded = rows.stop is not None
    ordered = _grid_ordered(scores, run, grid.sort, grid.descending, criteria)
    columns = [
        "client_id",
        "rank",
        "total",
        "client__name",
        "client__currency",
        "client__kam_id",
        "client__kam__first_name",
        "client__kam__last_name",
        "client__kam__username",
    ]
    if bounded:  # a page: how many rows all the pages have, in the same query
        ordered = ordered.annotate(rows_count=Window(Count("pk")))
        columns.append("rows_count")
    score_list = list(ordered[rows].values_list(*columns))  # tuples
    if not bounded:
        count = len(score_list)
    elif score_list:
        count = score_list[0][-1]
    else:  # no row on this page: beyond the last one, or none at all
        count = scores.count() if rows.start else 0
    # a page: its few ids; everything: a subquery, cheaper than hundreds of ids
    shown = Q(
        client_id__in=[score[0] for score in score_list]
        if bounded
        else scores.order_by().values("client_id")
    )
    rated = [criterion.pk for criterion in criteria if criterion.is_rated]
    criterion_scores = (
        CriterionScore.objects.filter(shown, run=run)
        .order_by()  # the model's ordering joins the run and the client
        .values_list("client_id", "criterion_id", "raw", "normalised", "missing")
    )
    ratings: dict[tuple[int, int], CurrentRating | int] = {}
    details: dict[tuple[int, int], tuple[float | None, float, bool]] = {}
    if rated_by:
        for client, criterion_id, raw, normalised, missing in criterion_scores:
            details[client, criterion_id] = (raw, normalised, missing)
        unscored = rated
    else:  # the current level of each rated cell, from the newest rating, in the same query
        newest = (
            Rating.objects.filter(
                client_id=OuterRef("client_id"), criterion_id=OuterRef("criterion_id")
            )
            .order_by("-created_at", "-pk")  # the index's order
            .values("level")[:1]
        )
        current: Any = (
            Case(When(criterion_id__in=rated, then=Subquery(newest)), output_field=IntegerField())
            if rated
            else Value(None, output_field=IntegerField())
        )
        for client, criterion_id, raw, normalised, missing, level in criterion_scores.annotate(
            level=current
        ).values_list("client_id", "criterion_id", "raw", "normalised", "missing", "level"):
            details[client, criterion_id] = (raw, normalised, missing)
            if level is not None:
                ratings[client, criterion_id] = level
        scored = {criterion_id for _client, criterion_id in details}
        unscored = [criterion_id for criterion_id in rated if criterion_id not in scored]
    if unscored and score_list:
        ratings.update(_grid_ratings(shown, unscored, rated_by=rated_by))
    grid_rows = []
    for company, rank, total, name, currency, kam_id, first, last, username, *_count in score_list:
        cells = []
        for criterion in criteria:
            key = (company, criterion.pk)
            detail = details.get(key)
            rating = ratings.get(key)  # rated criteria only
            if rating is None:
                level = None
            elif isinstance(rating, int):  # a level only
                level, rating = rating, None
            else:
                level = rating.level
            if detail is None:  # the run did not score the criterion
                cells.append(GridCell(criterion, level, None, None, None, rating, False))
                continue
            raw, normalised, missing = detail
            met = not missing and normalised >= criterion.met_threshold
            # the run scored another level (or none) than the client's current rating
            pending = level is not None and raw != level
            cells.append(GridCell(criterion, level, raw, met, normalised, rating, pending))
        kam = (f"{first} {last}".strip() or username) if kam_id else ""  # as User.__str__
        editable = permissions.may_rate_client(user, permissions.KamOf(kam_id))
        grid_rows.append(GridRow(company, name, currency, kam, rank, total, cells, editable))
    return replace(grid, rows=grid_rows, count=count)


def _grid_ratings(
    shown: Q, criteria: list[int], *, rated_by: bool
) -> dict[tuple[int, int], CurrentRating | int]:
    """The current ratings of the rows ``shown`` on ``criteria``: who gave them, when and why
    with ``rated_by``, else their levels."""
    current = (
        Rating.objects.filter(shown, criterion_id__in=criteria)
        .order_by("client_id", "criterion_id", "-created_at", "-pk")
        .distinct("client_id", "criterion_id")
    )
    if not rated_by:
        return {
            (client, criterion): level
            for client, criterion, level in current.values_list(
                "client_id", "criterion_id", "level"
            )
        }
    return {
        (client, criterion): CurrentRating(
            level, note, day, f"{first} {last}".strip() or username
        )  # the author as User.__str__ writes it
        for client, criterion, level, note, day, first, last, username in (
            current.annotate(day=TruncDate("created_at")).values_list(  # in the current time zone
                "client_id",
                "criterion_id",
                "level",
                "note",
                "day",
                "author__first_name",
                "author__last_name",
                "author__username",
            )
        )
    }


def _grid_ordered(
    scores: QuerySet[ClientScore],
    run: ScoringRun,
    sort: str,
    descending: bool,
    criteria: list[Criterion],
) -> QuerySet[ClientScore]:
    """Scores sorted on ``sort``; empty values last whichever the direction, ties by rank.

    A criterion sorts on what its cells show: the client's current rating for a rated criterion
    (the run's value without one), the run's raw value otherwise.
    """
    if sort == "rank":
        return scores.order_by("-rank" if descending else "rank")
    key: Any
    if sort == "client":
        key = Lower("client__name")
    elif sort == "total":
        key = F("total")
    elif sort == "met":
        shown = [criterion.pk for criterion in criteria]
        met = (
            CriterionScore.objects.filter(
                run=run,
                client_id=OuterRef("client_id"),
                criterion_id__in=shown,
                missing=False,
                normalised__gte=F("criterion__met_threshold"),
            )
            .order_by()
            .values("client_id")
            .annotate(met=Count("pk"))
            .values("met")
        )
        key = Coalesce(Subquery(met, output_field=IntegerField()), 0)
    else:
        criterion = next(criterion for criterion in criteria if criterion.code == sort)
        raw = (
            CriterionScore.objects.filter(
                run=run, client_id=OuterRef("client_id"), criterion=criterion
            )
            .order_by()  # one row; the model's ordering would join the run and the client
            .values("raw")[:1]
        )
        key = Subquery(raw, output_field=FloatField())
        if criterion.is_rated:
            level = (
                Rating.objects.filter(client_id=OuterRef("client_id"), criterion=criterion)
                .order_by("-created_at", "-pk")
                .values("level")[:1]
            )
            key = Coalesce(Cast(Subquery(level), FloatField()), key)
    sort_key = F("sort_key")
    ordered = sort_key.desc(nulls_last=True) if descending else sort_key.asc(nulls_last=True)
    return scores.annotate(sort_key=key).order_by(ordered, "rank")


def grid_version(*, user: User, grid: Grid) -> str:
    """A key that changes whenever a grid page ``user`` reads would change: the run, the
    criteria, the latest rating (ratings are only ever added: the newest has the greatest id),
    the clients ``user`` may see (names, KAMs) and what ``user`` may rate. One query."""
    run = grid.run
    if run is None:
        return "-"
    criteria = hashlib.md5(
        repr(
            [
                (
                    c.pk,
                    c.code,
                    c.name_en,
                    c.name_fr,
                    c.rubric_en,
                    c.rubric_fr,
                    c.family,
                    c.source,
                    c.met_threshold,
                    c.is_active,
                )
                for c in grid.criteria
            ]
        ).encode(),
        usedforsecurity=False,
    ).hexdigest()
    newest = Rating.objects.order_by("-pk").values("pk")[:1]
    rating, clients = (
        ScoringRun.objects.filter(pk=run.pk)
        .annotate(rating=Subquery(newest), clients=_clients_digest(user))
        .values_list("rating", "clients")
        .first()
    ) or (None, None)
    finished = run.finished_at.timestamp() if run.finished_at else ""
    return f"{run.pk}@{finished}:{criteria}:{rating}:{_rights(user)}:{clients or '-'}"


def rating_list(*, user: User, client: Client) -> QuerySet[Rating]:
    """A client's ratings, newest first, with their criteria and authors; nothing for a client
    hidden from ``user``."""
    visible = client_selectors.client_list(user=user).filter(pk=client.pk).values("pk")
    return (
        Rating.objects.filter(client__in=visible)
        .select_related("criterion", "author")
        .order_by("-created_at", "-pk")
    )


def rating_current_ids(*, client: Client) -> set[int]:
    """The ids of the client's current ratings: the latest one on each criterion."""
    return set(
        Rating.objects.filter(client=client)
        .order_by("criterion_id", "-created_at", "-pk")
        .distinct("criterion_id")
        .values_list("pk", flat=True)
    )


# --- weights and criteria -----------------------------------------------------------------------


@dataclass(frozen=True)
class WeightsInForce:
    """The weights a run uses now: the active version, applied to the active criteria.

    Every family has a weight (0 when the version does not name it). An active criterion the
    version has no weight for (created since) weighs 0 in its family, so the family's weights
    still sum to 100. When none of a family's criteria has a weight (its first criteria, created
    after the version), the family weighs 0 and its criteria share its 100 equally, so they
    count for nothing until a director gives them weights.
    """

    weight_set: WeightSet | None
    family_weights: dict[str, float]
    criteria: list[Criterion]  # active, by family then code
    criterion_weights: dict[str, float]  # code → weight within its family
    unweighted: frozenset[str]  # codes the active version has no weight for

    @property
    def version(self) -> int:
        """The version a new one is based on; 0 before the first."""
        return self.weight_set.version if self.weight_set is not None else 0


def weights_in_force() -> WeightsInForce:
    """The active weight set and the active criteria with their weights, in three queries."""
    weight_set = WeightSet.objects.filter(is_active=True).select_related("created_by").first()
    saved: dict[int, float] = {}
    families = {family: 0.0 for family in ranking.FAMILIES}
    if weight_set is not None:
        saved = dict(
            CriterionWeight.objects.filter(weight_set=weight_set).values_list(
                "criterion_id", "weight"
            )
        )
        for family, weight in weight_set.family_weights.items():
            if family in families:
                families[family] = float(weight)
    criteria = list(criterion_list())
    weights = {criterion.code: float(saved.get(criterion.pk, 0.0)) for criterion in criteria}
    for family in ranking.FAMILIES:
        members = [criterion.code for criterion in criteria if criterion.family == family]
        if members and all(weights[code] == 0 for code in members) and families[family] == 0:
            for code, share in zip(members, _equal_shares(len(members)), strict=True):
                weights[code] = share
    unweighted = frozenset(criterion.code for criterion in criteria if criterion.pk not in saved)
    return WeightsInForce(weight_set, families, criteria, weights, unweighted)


def _equal_shares(count: int) -> list[float]:
    """100 split in ``count`` shares of two decimals, the last one taking the rounding."""
    share = math.floor(10_000 / count) / 100
    return [share] * (count - 1) + [round(100 - share * (count - 1), 2)]


@dataclass(frozen=True)
class WeightChange:
    """One weight that differs from the previous version; ``None`` where it had none."""

    label: str
    family: str
    before: float | None
    after: float | None


@dataclass(frozen=True)
class WeightSetChange:
    """A version of the weights with what changed since the one before it (for the first
    version, every weight it has)."""

    weight_set: WeightSet
    family_changes: list[WeightChange]
    criterion_changes: list[WeightChange]
    criterion_weights: list[CriterionWeight]  # by family then code


def weight_set_changes() -> list[WeightSetChange]:
    """Every version of the weights, newest first, each with its differences from the version
    before it: two queries, whatever the number of versions."""
    weight_sets = list(
        weight_set_list().prefetch_related(
            Prefetch(
                "criterion_weights",
                queryset=CriterionWeight.objects.select_related("criterion").order_by(
                    "criterion__family", "criterion__code"
                ),
            )
        )
    )
    labels = dict(Criterion.Family.choices)
    changes = []
    for index, weight_set in enumerate(weight_sets):
        rows = sorted(weight_set.criterion_weights.all(), key=lambda row: _order(row.criterion))
        previous = weight_sets[index + 1] if index + 1 < len(weight_sets) else None
        family_changes: list[WeightChange] = []
        criterion_changes: list[WeightChange] = []
        if previous is None:  # the first version: every weight is new
            family_changes = [
                WeightChange(str(labels[family]), family, None, _float(weight))
                for family in ranking.FAMILIES
                if (weight := weight_set.family_weights.get(family)) is not None
            ]
            criterion_changes = [
                WeightChange(row.criterion.name, row.criterion.family, None, row.weight)
                for row in rows
            ]
        else:
            for family in ranking.FAMILIES:
                before = previous.family_weights.get(family)
                after = weight_set.family_weights.get(family)
                if _differs(before, after):
                    family_changes.append(
                        WeightChange(str(labels[family]), family, _float(before), _float(after))
                    )
            old = {row.criterion_id: row for row in previous.criterion_weights.all()}
            new = {row.criterion_id: row for row in rows}
            for criterion_id in sorted(
                old.keys() | new.keys(), key=lambda pk: _order((new.get(pk) or old[pk]).criterion)
            ):
                row = new.get(criterion_id) or old[criterion_id]
                before_row, after_row = old.get(criterion_id), new.get(criterion_id)
                before = before_row.weight if before_row is not None else None
                after = after_row.weight if after_row is not None else None
                if _differs(before, after):
                    criterion_changes.append(
                        WeightChange(row.criterion.name, row.criterion.family, before, after)
                    )
        changes.append(WeightSetChange(weight_set, family_changes, criterion_changes, rows))
    return changes


def _order(criterion: Criterion) -> tuple[int, str]:
    """Criteria in the order the weights page shows them: by family, then by code."""
    return ranking.FAMILIES.index(criterion.family), criterion.code


def _float(value: float | int | None) -> float | None:
    return None if value is None else float(value)


def _differs(before: float | int | None, after: float | int | None) -> bool:
    if before is None or after is None:
        return before is not after
    return abs(float(before) - float(after)) > ranking.TOLERANCE


# --- what a scoring run reads, and the weights what-if ------------------------------------------
#
# **Raw values.** A financial criterion reads one field of the client's latest
# ``ClientYearMetric``: the most recent calendar year for which the ledger has figures for that
# client (so a client that stopped buying is compared on its last year of business, and the
# explanation says which year). A field that is empty in that year (a first year has no growth)
# is missing, never zero. A rated criterion reads the client's latest rating.
#
# **Who is ranked.** Every client with ledger history (at least one ``ClientYearMetric``). A
# client without history is not ranked, and cannot be overridden.
#
# **Sources** (where each value comes from: a ledger year, a rating and its note) are stored as
# data with the scores and worded in the reader's language when shown.


@dataclass(frozen=True)
class RunInputs:
    """Everything a run depends on, read in one go (see ``run_inputs``)."""

    weight_set: WeightSet
    criteria: list[Criterion]
    specs: list[ranking.CriterionSpec]
    client_ids: list[int]
    values: list[tuple[int, str, float | None]]
    origins: dict[tuple[int, str], str]  # the metric year or rating behind a value
    notes: dict[tuple[int, str], dict[str, Any]]  # the same, for the explanation to say
    family_weights: dict[str, float]  # every family, 0 when the weight set does not name it

    def fingerprint(self) -> str:
        state = {
            "format": 2,  # bumped when what a run stores changes, so the next run recomputes
            "weight_set": self.weight_set.pk,
            "criteria": [
                [s.code, s.family, s.direction, s.normalisation, s.weight, list(s.thresholds)]
                for s in self.specs
            ],
            "clients": self.client_ids,
            "values": [[client, code, raw] for client, code, raw in self.values],
            "origins": sorted([c, code, origin] for (c, code), origin in self.origins.items()),
        }
        encoded = json.dumps(state, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(encoded.encode()).hexdigest()


def run_inputs() -> RunInputs | None:
    in_force = weights_in_force()  # a criterion added since the version weighs 0
    weight_set = in_force.weight_set
    if weight_set is None:
        return None
    criteria = in_force.criteria
    specs = [
        criterion_spec(criterion, in_force.criterion_weights[criterion.code])
        for criterion in criteria
    ]
    metrics = list(  # each client's latest year with figures
        ClientYearMetric.objects.order_by("client_id", "-year").distinct("client_id")
    )
    client_ids = [metric.client_id for metric in metrics]
    values: list[tuple[int, str, float | None]] = []
    origins: dict[tuple[int, str], str] = {}
    notes: dict[tuple[int, str], dict[str, Any]] = {}
    financial = [criterion for criterion in criteria if criterion.source]
    for metric in metrics:
        for criterion in financial:
            raw = getattr(metric, criterion.source)
            values.append((metric.client_id, criterion.code, None if raw is None else float(raw)))
            notes[metric.client_id, criterion.code] = {
                "kind": "ledger",
                "year": metric.year,
                "figure": criterion.source,
                "missing": raw is None,
            }
            origins[metric.client_id, criterion.code] = f"year:{metric.year}"
    rated = {criterion.pk: criterion for criterion in criteria if not criterion.source}
    ratings = (
        Rating.objects.filter(client_id__in=client_ids, criterion_id__in=list(rated))
        .select_related("author")
        .order_by("client_id", "criterion_id", "-created_at", "-pk")
        .distinct("client_id", "criterion_id")
    )
    for rating in ratings:
        code = rated[rating.criterion_id].code
        values.append((rating.client_id, code, float(rating.level)))
        notes[rating.client_id, code] = {
            "kind": "rating",
            "level": rating.level,
            "author": str(rating.author),
            "date": timezone.localdate(rating.created_at).isoformat(),
            "note": rating.note[:500],
        }
        origins[rating.client_id, code] = f"rating:{rating.pk}"
    for client_id in client_ids:
        for criterion in rated.values():
            notes.setdefault((client_id, criterion.code), {"kind": "unrated"})
    values.sort(key=lambda row: (row[0], row[1]))
    return RunInputs(
        weight_set, criteria, specs, client_ids, values, origins, notes, in_force.family_weights
    )


def weights_checked(
    criteria: list[Criterion],
    family_weights: Mapping[str, float],
    criterion_weights: Mapping[str, float],
) -> list[ranking.CriterionSpec]:
    """The criteria as engine specs with the proposed weights, or a translated ValidationError."""
    codes = {criterion.code for criterion in criteria}
    unknown = sorted(set(criterion_weights) - codes)
    if unknown:
        raise ValidationError(_("There is no active criterion %(code)s.") % {"code": unknown[0]})
    labels = dict(Criterion.Family.choices)
    unknown = sorted(set(family_weights) - set(labels))
    if unknown:
        raise ValidationError(_("There is no family %(family)s.") % {"family": unknown[0]})
    for family in ranking.FAMILIES:
        has_criteria = any(criterion.family == family for criterion in criteria)
        if has_criteria and family not in family_weights:
            raise ValidationError(
                _("Give the %(family)s family a weight.") % {"family": labels[family]}
            )
        if not has_criteria and float(family_weights.get(family, 0)) > 0:
            raise ValidationError(
                _("The %(family)s family has no active criteria, so its weight must be 0.")
                % {"family": labels[family]}
            )
    weights = [*family_weights.values(), *criterion_weights.values()]
    if any(not math.isfinite(float(weight)) for weight in weights):
        raise ValidationError(_("A weight must be a number."))
    if any(float(weight) < 0 for weight in weights):
        raise ValidationError(_("A weight cannot be negative."))
    total = math.fsum(float(weight) for weight in family_weights.values())
    if abs(total - 100) > ranking.TOLERANCE:
        raise ValidationError(
            _("The family weights add up to %(total)s, not 100.")
            % {"total": formats.number_format(round(total, 6))}
        )
    for family in ranking.FAMILIES:
        members = [criterion for criterion in criteria if criterion.family == family]
        if not members:
            continue
        total = math.fsum(float(criterion_weights.get(c.code, 0)) for c in members)
        if abs(total - 100) > ranking.TOLERANCE:
            raise ValidationError(
                _("The weights of the %(family)s criteria add up to %(total)s, not 100.")
                % {"family": labels[family], "total": formats.number_format(round(total, 6))}
            )
    return [
        criterion_spec(criterion, float(criterion_weights.get(criterion.code, 0)))
        for criterion in criteria
    ]


def criterion_spec(criterion: Criterion, weight: float) -> ranking.CriterionSpec:
    return ranking.CriterionSpec(
        code=criterion.code,
        family=criterion.family,
        direction=criterion.direction,  # type: ignore[arg-type]
        normalisation=criterion.normalisation,  # type: ignore[arg-type]
        weight=weight,
        thresholds=tuple(float(threshold) for threshold in criterion.thresholds),
    )


@dataclass(frozen=True)
class WhatIfMove:
    """A client's rank and total under the weights in force and under proposed weights."""

    client: Client
    old_rank: int
    new_rank: int
    move: int  # places climbed (negative: fell)
    old_total: float
    new_total: float


def weights_what_if(
    *, user: User, family_weights: Mapping[str, float], criterion_weights: Mapping[str, float]
) -> list[WhatIfMove]:
    """How the ranks would move under proposed weights, saving nothing: the clients ``user``
    may see, by their new rank (ranks are among every ranked client).

    The inputs are those of a real run; the proposed weights are checked like a new version
    (``criterion_weights`` maps the codes of active criteria to weights within their family, an
    active criterion left out weighing 0).
    """
    inputs = run_inputs()
    if inputs is None:
        raise ValidationError(_("No weights are in force yet, so there is nothing to compare."))
    specs = weights_checked(inputs.criteria, family_weights, criterion_weights)
    proposed = ranking.WeightSet(
        families={family: float(family_weights.get(family, 0)) for family in ranking.FAMILIES},
        criteria={spec.code: spec.weight for spec in specs},
    )
    try:
        moves = ranking.what_if(
            inputs.values,
            inputs.specs,
            inputs.family_weights,
            proposed,
            clients=inputs.client_ids,
        )
    except ValueError as error:
        raise ValidationError(
            _("These weights cannot be used: %(problem)s") % {"problem": error}
        ) from error
    ids = [move.client_id for move in moves]
    visible = client_selectors.client_list(user=user).filter(pk__in=ids).select_related(None)
    clients = {company.pk: company for company in visible}
    return [
        WhatIfMove(
            client=clients[move.client_id],
            old_rank=move.old_rank,
            new_rank=move.new_rank,
            move=move.move,
            old_total=move.old_total,
            new_total=move.new_total,
        )
        for move in moves
        if move.client_id in clients
    ]
