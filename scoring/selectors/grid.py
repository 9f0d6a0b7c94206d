"""Reads of the selection grid: a page of clients by criteria with each cell's value or level,
sorted by the database, and its version for the rows' cache."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Cast, Coalesce, Lower, TruncDate

from accounts import selectors as client_selectors
from accounts.models import Client, User
from kam import permissions
from scoring.models import (
    ClientScore,
    Criterion,
    CriterionScore,
    Rating,
    ScoringRun,
)
from scoring.selectors import scores as score_selectors
from scoring.selectors import weights as weight_selectors

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
    run = score_selectors.scoring_run_latest()
    order = list(Criterion.Family.values)  # financial, strategic, maturity
    criteria = sorted(
        weight_selectors.criterion_list(),
        key=lambda criterion: (order.index(criterion.family), criterion.code),
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
        .annotate(rating=Subquery(newest), clients=score_selectors.clients_digest(user))
        .values_list("rating", "clients")
        .first()
    ) or (None, None)
    finished = run.finished_at.timestamp() if run.finished_at else ""
    return (
        f"{run.pk}@{finished}:{criteria}:{rating}:{score_selectors.rights(user)}:{clients or '-'}"
    )


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
