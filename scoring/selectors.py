"""Reads for the selection of key accounts. Who sees which client's scores is decided by
``accounts.selectors.client_list``, and only there."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value

from accounts import selectors as client_selectors
from accounts.models import Client, User
from scoring import ranking
from scoring.models import (
    ClientScore,
    Criterion,
    CriterionScore,
    CriterionWeight,
    Override,
    Rating,
    ScoringRun,
    WeightSet,
)


@dataclass(frozen=True)
class ClientExplanation:
    """Why a client has its score in the latest run: its place, its criteria and any override."""

    score: ClientScore  # annotated like the rows of ranking_latest
    criteria: list[CriterionScore]  # most points first
    override: Override | None  # shown next to the score; the total does not include it

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
    no earlier run), ``rank_change`` (positive when the client climbed) and its active override
    as ``override_kind``, ``override_points`` and ``override_rationale``.
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
    override = Override.objects.filter(client=OuterRef("client"), is_active=True)
    return (
        scores.annotate(
            override_kind=Subquery(override.values("kind")[:1]),
            override_points=Subquery(override.values("points")[:1]),
            override_rationale=Subquery(override.values("rationale")[:1]),
        )
        .select_related("run", "run__weight_set", "client", "client__kam")
        .order_by("rank")
    )


def client_explanation(*, user: User, client_id: int) -> ClientExplanation | None:
    """A client's explanation in the latest run; ``None`` (a 404) when the client is hidden from
    ``user`` or was not ranked."""
    score = ranking_latest(user=user).filter(client_id=client_id).first()
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
    return ClientExplanation(score=score, criteria=criteria, override=override)


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


def ranking_rows(scores: QuerySet[ClientScore]) -> list[ClientScore]:
    """The rows of a ranking, each with ``stability_label``, ``stability_pct`` and its active
    override (with its author) as ``active_override``: one query for the scores, one for the
    overrides, whatever the number of rows."""
    rows = list(
        scores.prefetch_related(
            Prefetch(
                "client__overrides",
                queryset=Override.objects.filter(is_active=True).select_related("author"),
                to_attr="active_overrides",
            )
        )
    )
    for row in rows:
        row.stability_label = ranking.stability_label(row.stability)  # type: ignore[attr-defined]
        row.stability_pct = 100 * row.stability  # type: ignore[attr-defined]
        overrides = row.client.active_overrides  # type: ignore[attr-defined]
        row.active_override = overrides[0] if overrides else None  # type: ignore[attr-defined]
    return rows


def client_rank_history(*, client_id: int) -> QuerySet[ClientScore]:
    """A client's rank in every successful run, latest first. Call it only for a client the user
    may see (``selectors.client_explanation`` says so)."""
    return (
        ClientScore.objects.filter(client_id=client_id, run__status=ScoringRun.Status.DONE)
        .select_related("run")
        .order_by("-run__started_at", "-run__pk")
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


@dataclass(frozen=True)
class GridCell:
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
    rating: Rating | None
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
    score: ClientScore
    cells: list[GridCell]
    editable: bool  # the user may rate this client

    @property
    def client(self) -> Client:
        return self.score.client

    @property
    def met_count(self) -> int:
        return sum(1 for cell in self.cells if cell.met)


@dataclass(frozen=True)
class Grid:
    """The selection grid of the clients a user may see, in the latest successful run."""

    run: ScoringRun | None
    criteria: list[Criterion]  # by family, then code
    rows: list[GridRow]
    sort: str
    descending: bool

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


def grid_latest(
    *, user: User, sort: str = "rank", direction: str = "", client_id: int | None = None
) -> Grid:
    """The grid of the latest successful run for the clients ``user`` may see, sorted.

    Five queries whatever the number of clients: the run, the criteria, the scores (with
    clients and KAMs), their criterion scores and the current ratings (with their authors).
    ``client_id`` keeps one client's row (none when that client is hidden or not ranked).
    """
    run = scoring_run_latest()
    order = list(Criterion.Family.values)  # financial, strategic, maturity
    criteria = sorted(
        criterion_list(), key=lambda criterion: (order.index(criterion.family), criterion.code)
    )
    sort, descending = grid_sort(sort, direction, criteria=criteria)
    if run is None:
        return Grid(run, criteria, [], sort, descending)
    visible = client_selectors.client_list(user=user).order_by().values("pk")
    scores = ClientScore.objects.filter(run=run, client__in=visible)
    if client_id is not None:
        scores = scores.filter(client_id=client_id)
    score_list = list(scores.select_related("client", "client__kam").order_by("rank"))
    client_ids = [score.client_id for score in score_list]
    details = {
        (detail.client_id, detail.criterion_id): detail
        for detail in CriterionScore.objects.filter(run=run, client_id__in=client_ids).only(
            "client_id", "criterion_id", "raw", "normalised", "missing"
        )
    }
    rated = [criterion.pk for criterion in criteria if criterion.is_rated]
    ratings = {
        (rating.client_id, rating.criterion_id): rating
        for rating in Rating.objects.filter(client_id__in=client_ids, criterion_id__in=rated)
        .select_related("author")
        .order_by("client_id", "criterion_id", "-created_at", "-pk")
        .distinct("client_id", "criterion_id")
    }
    rows = []
    for score in score_list:
        cells = []
        for criterion in criteria:
            detail = details.get((score.client_id, criterion.pk))
            rating = ratings.get((score.client_id, criterion.pk))
            met: bool | None = None
            raw = normalised = None
            if detail is not None:  # the run scored the criterion
                met = not detail.missing and detail.normalised >= criterion.met_threshold
                raw, normalised = detail.raw, detail.normalised
            level = rating.level if criterion.is_rated and rating is not None else None
            # the run scored another level (or none) than the client's current rating
            pending = detail is not None and level is not None and raw != level
            cells.append(
                GridCell(
                    criterion=criterion,
                    level=level,
                    raw=raw,
                    met=met,
                    normalised=normalised,
                    rating=rating,
                    pending=pending,
                )
            )
        editable = client_selectors.client_is_editable(user=user, client=score.client)
        rows.append(GridRow(score=score, cells=cells, editable=editable))
    return Grid(run, criteria, _grid_sorted(rows, sort, descending, criteria), sort, descending)


def _grid_sorted(
    rows: list[GridRow], sort: str, descending: bool, criteria: list[Criterion]
) -> list[GridRow]:
    """Rows sorted on ``sort``; empty values last whichever the direction, ties by rank."""
    if sort == "rank":
        return sorted(rows, key=lambda row: row.score.rank, reverse=descending)
    if sort == "client":
        rows = sorted(rows, key=lambda row: row.score.rank)
        return sorted(rows, key=lambda row: row.client.name.casefold(), reverse=descending)
    if sort == "total":
        key = lambda row: row.score.total  # noqa: E731
    elif sort == "met":
        key = lambda row: row.met_count  # noqa: E731
    else:
        index = [criterion.code for criterion in criteria].index(sort)
        key = lambda row: row.cells[index].value  # noqa: E731
    known = sorted((row for row in rows if key(row) is not None), key=lambda row: row.score.rank)
    empty = sorted((row for row in rows if key(row) is None), key=lambda row: row.score.rank)
    return sorted(known, key=key, reverse=descending) + empty


def rating_list(*, client: Client) -> QuerySet[Rating]:
    """A client's ratings, newest first, with their criteria and authors. Call it only for a
    client the user may see (``accounts.selectors.client_list`` says so)."""
    return (
        Rating.objects.filter(client=client)
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
