"""Reads of the criteria and their weights: the weights in force and their history."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db.models import (
    Prefetch,
    QuerySet,
)

from scoring import ranking
from scoring.models import (
    Criterion,
    CriterionWeight,
    WeightSet,
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
