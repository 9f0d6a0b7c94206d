"""Reads for the selection of key accounts. Who sees which client's scores is decided by
``accounts.selectors.client_list``, and only there."""

from __future__ import annotations

import math
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
