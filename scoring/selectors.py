"""Reads for the selection of key accounts. Who sees which client's scores is decided by
``accounts.selectors.client_list``, and only there."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value

from accounts import selectors as client_selectors
from accounts.models import User
from scoring import ranking
from scoring.models import (
    ClientScore,
    Criterion,
    CriterionScore,
    CriterionWeight,
    Override,
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
