"""The ranking engine behind the explainable selection of key accounts.

Pure computation: pandas and numpy in, plain Python values out. No Django, no I/O. Selectors
supply the rows, services store the results, and the explanation page reads them.

The rules below are the ones the product shows directors; change them here and nowhere else.

**Weights.** Each criterion belongs to one family (financial, strategic alignment, maturity).
Criterion weights within a family sum to 100, and family weights sum to 100 (both within 1e-6,
none negative). A criterion's *effective weight* is ``family weight * criterion weight / 100``,
so the effective weights of all criteria sum to 100 and a client's total is out of 100.

**Normalisation.** Every raw value becomes a score between 0 (worst) and 1 (best), computed
over the clients that have a value for that criterion, with the criterion's direction applied
("higher" is better, or "lower" is better):

- ``minmax``: the best value scores 1, the worst 0, and the others in proportion between them.
- ``percentile``: the share of the other clients the value beats, a tie counting half, so the
  best scores 1 and the worst 0 (that is ``(average rank - 1) / (clients with a value - 1)``).
- ``thresholds``: the number of thresholds reached, divided by the number of thresholds. For
  "higher", a threshold is reached when the value is at least the threshold; for "lower", when
  the value is at most the threshold.

When every client with a value has the same value, or only one client has a value, nothing tells
them apart: with ``minmax`` and ``percentile`` each of them scores 1.

**Missing data** is never a silent zero. A client without a value for a criterion is flagged
``missing`` in its explanation, and its *coverage* is the share of the weight (in %) for which it
has values. By default (``missing="zero"``) a missing value scores 0, so a client cannot gain from
a gap in its data. With ``missing="mean"`` it scores the mean score of the clients that do have a
value for that criterion, as if the client were average there (0 when nobody has a value).

**Points and ranks.** Points are ``score * effective weight``; a family subtotal is the sum of
its criteria's points and the total the sum of all points (0 to 100). Rank 1 is the highest total.
Totals within 1e-9 points of each other count as equal, and equal totals go to the lower
client id, so ranks are always 1 to n with no gaps or repeats.

**Stability.** A client is *stable* in the top ``cut`` when it stays there in at least 80 % of
random perturbations of the weights (see :func:`stability`), and *fragile* otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from kam import lazy

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    FloatArray = npt.NDArray[np.float64]
    BoolArray = npt.NDArray[np.bool_]
    IntArray = npt.NDArray[np.int64]
else:
    np = lazy.module("numpy")
    pd = lazy.module("pandas")

FAMILIES: tuple[str, ...] = ("financial", "strategic", "maturity")
"""The criterion families, in the order the explanation shows them."""

TOLERANCE = 1e-6
"""How far from 100 a sum of weights may be."""

TIE_DECIMALS = 9
"""Totals are compared rounded to this many decimals, so 1e-9 points apart counts as a tie."""

STABLE_SHARE = 0.8
"""The share of perturbed weightings a client must stay in the top ``cut`` for to be stable."""

Direction = Literal["higher", "lower"]
Normalisation = Literal["minmax", "percentile", "thresholds"]
MissingRule = Literal["zero", "mean"]
RawValue = float | Decimal | None
_DIRECTIONS = ("higher", "lower")
_NORMALISATIONS = ("minmax", "percentile", "thresholds")
_MISSING_RULES = ("zero", "mean")


@dataclass(frozen=True, kw_only=True)
class CriterionSpec:
    """One criterion: how its raw values become a 0-1 score, and its weight in its family.

    ``weight`` is the criterion's weight within its family (the family's weights sum to 100).
    ``thresholds`` are given, strictly increasing, for ``normalisation="thresholds"`` only.
    """

    code: str
    family: str
    direction: Direction
    normalisation: Normalisation
    weight: float
    thresholds: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not self.code:
            raise ValueError("A criterion needs a code.")
        if self.family not in FAMILIES:
            raise ValueError(
                f"Criterion {self.code!r} has unknown family {self.family!r}: "
                f"expected one of {', '.join(FAMILIES)}."
            )
        if self.direction not in _DIRECTIONS:
            raise ValueError(
                f"Criterion {self.code!r} has direction {self.direction!r}: "
                "expected 'higher' or 'lower'."
            )
        if self.normalisation not in _NORMALISATIONS:
            raise ValueError(
                f"Criterion {self.code!r} has normalisation {self.normalisation!r}: "
                f"expected one of {', '.join(_NORMALISATIONS)}."
            )
        _check_weight(f"Criterion {self.code!r}", self.weight)
        if self.normalisation == "thresholds":
            if not self.thresholds:
                raise ValueError(f"Criterion {self.code!r} is scored on thresholds but has none.")
            if not all(math.isfinite(t) for t in self.thresholds):
                raise ValueError(f"Criterion {self.code!r} has a threshold that is not a number.")
            if any(b <= a for a, b in zip(self.thresholds, self.thresholds[1:], strict=False)):
                raise ValueError(
                    f"Criterion {self.code!r} has thresholds that are not strictly increasing."
                )
        elif self.thresholds:
            raise ValueError(
                f"Criterion {self.code!r} is scored by {self.normalisation}, so it takes no "
                "thresholds."
            )


@dataclass(frozen=True)
class WeightSet:
    """Family weights and criterion weights (within their family), saved or proposed.

    ``criteria`` may name only some criteria: the others keep the weight of their spec.
    """

    families: Mapping[str, float]
    criteria: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def of(
        cls, criteria: Sequence[CriterionSpec], family_weights: Mapping[str, float]
    ) -> WeightSet:
        """The weights currently carried by ``criteria`` and ``family_weights``."""
        return cls(dict(family_weights), {spec.code: spec.weight for spec in criteria})

    def apply(self, criteria: Sequence[CriterionSpec]) -> tuple[CriterionSpec, ...]:
        """``criteria`` with these criterion weights; an unknown code is a ``ValueError``."""
        codes = {spec.code for spec in criteria}
        unknown = sorted(set(self.criteria) - codes)
        if unknown:
            raise ValueError(f"Unknown criterion {unknown[0]!r} in the weights.")
        return tuple(
            replace(spec, weight=self.criteria[spec.code]) if spec.code in self.criteria else spec
            for spec in criteria
        )

    def effective(self, criteria: Sequence[CriterionSpec]) -> dict[str, float]:
        """The validated effective weight of each criterion (see :func:`effective_weights`)."""
        return effective_weights(self.apply(criteria), self.families)


@dataclass(frozen=True)
class ClientResult:
    """One client's place: total and family subtotals in points, rank, and coverage in %."""

    client_id: int
    rank: int
    total: float
    families: Mapping[str, float]
    coverage: float


@dataclass(frozen=True)
class CriterionResult:
    """One client on one criterion: one bar of the explanation's waterfall.

    ``raw`` is ``None`` and ``missing`` is true when the client has no value; ``normalised`` is
    the 0-1 score actually used (per the missing-data rule when missing), ``weight`` the
    effective weight, and ``points = normalised * weight``.
    """

    client_id: int
    criterion: str
    family: str
    raw: float | None
    normalised: float
    weight: float
    points: float
    missing: bool


@dataclass(frozen=True)
class RankMove:
    """A client's rank and total under the saved weights and under proposed ones.

    ``move`` is ``old_rank - new_rank``: positive when the client climbs.
    """

    client_id: int
    old_rank: int
    new_rank: int
    move: int
    old_total: float
    new_total: float


@dataclass(frozen=True)
class _Table:
    """Clients (sorted by id) x criteria (in spec order): raw values and 0-1 scores."""

    client_ids: IntArray
    criteria: tuple[CriterionSpec, ...]
    raw: FloatArray
    present: BoolArray
    normalised: FloatArray  # missing cells already filled per the missing-data rule


@dataclass(frozen=True)
class Ranking:
    """The result of :func:`rank`: clients best first, and the details behind each total.

    The per-criterion details are built on demand (:meth:`explain`, :meth:`details`), as plain
    :class:`CriterionResult` values.
    """

    clients: tuple[ClientResult, ...]
    criteria: tuple[CriterionSpec, ...]
    weights: Mapping[str, float]
    family_weights: Mapping[str, float]
    missing: MissingRule
    _table: _Table = field(repr=False, compare=False)
    _weights: FloatArray = field(repr=False, compare=False)
    _rows: Mapping[int, tuple[int, int]] = field(repr=False, compare=False)

    def client(self, client_id: int) -> ClientResult:
        """The result of one client; ``KeyError`` for a client that was not ranked."""
        return self.clients[self._position(client_id)[1]]

    def explain(self, client_id: int) -> list[CriterionResult]:
        """One client's criteria, most points first; equal points keep the criteria's order."""
        row, _ = self._position(client_id)
        results = [self._result(row, column) for column in range(len(self.criteria))]
        return sorted(results, key=lambda result: -result.points)

    def details(self) -> Iterator[CriterionResult]:
        """Every client on every criterion: clients best first, criteria in their order."""
        for result in self.clients:
            row, _ = self._position(result.client_id)
            for column in range(len(self.criteria)):
                yield self._result(row, column)

    def ranks(self) -> dict[int, int]:
        """Rank of each client, by client id."""
        return {result.client_id: result.rank for result in self.clients}

    def _position(self, client_id: int) -> tuple[int, int]:
        """(row in the table, position in ``clients``) of a client."""
        return self._rows[client_id]

    def _result(self, row: int, column: int) -> CriterionResult:
        table = self._table
        spec = table.criteria[column]
        present = bool(table.present[row, column])
        normalised = float(table.normalised[row, column])
        weight = float(self._weights[column])
        return CriterionResult(
            client_id=int(table.client_ids[row]),
            criterion=spec.code,
            family=spec.family,
            raw=float(table.raw[row, column]) if present else None,
            normalised=normalised,
            weight=weight,
            points=normalised * weight,
            missing=not present,
        )


def effective_weights(
    criteria: Sequence[CriterionSpec], family_weights: Mapping[str, float]
) -> dict[str, float]:
    """Effective weight of each criterion: ``family weight * criterion weight / 100``.

    Raises ``ValueError`` when a code repeats, a family is unknown, a weight is negative or not a
    number, a family with criteria has no weight, a family without criteria has a weight above
    zero, or the family weights or the criterion weights of a family do not sum to 100 (±1e-6).
    """
    seen: set[str] = set()
    for spec in criteria:
        if spec.code in seen:
            raise ValueError(f"Criterion code {spec.code!r} appears more than once.")
        seen.add(spec.code)
    for family, weight in family_weights.items():
        if family not in FAMILIES:
            raise ValueError(f"Unknown family {family!r}: expected one of {', '.join(FAMILIES)}.")
        _check_weight(f"Family {family!r}", weight)
    used = {spec.family for spec in criteria}
    for family in FAMILIES:
        if family in used and family not in family_weights:
            raise ValueError(f"Family {family!r} has criteria but no weight.")
        if family not in used and family_weights.get(family, 0.0) > 0:
            raise ValueError(
                f"Family {family!r} has a weight of {family_weights[family]:g} but no criteria."
            )
    _check_sum("Family weights", [family_weights[family] for family in family_weights])
    for family in FAMILIES:
        if family in used:
            _check_sum(
                f"Criterion weights in family {family!r}",
                [spec.weight for spec in criteria if spec.family == family],
            )
    return {spec.code: family_weights[spec.family] * spec.weight / 100 for spec in criteria}


def rank(
    values: Iterable[tuple[int, str, RawValue]],
    criteria: Sequence[CriterionSpec],
    family_weights: Mapping[str, float],
    *,
    missing: MissingRule = "zero",
    clients: Iterable[int] = (),
) -> Ranking:
    """Score and rank clients from raw values, per the rules in this module's docstring.

    ``values`` holds ``(client_id, criterion code, raw value)`` rows, the value a float or a
    ``Decimal``; a ``None`` or NaN value, like an absent row, is missing. ``clients`` adds
    clients that may have no row at all. Every client that appears in either is ranked. A
    criterion code that is not in ``criteria``, a repeated (client, criterion) pair, or a value
    that is infinite or not a number, is a ``ValueError``.
    """
    table = _table(values, criteria, missing, clients)
    weights = effective_weights(table.criteria, family_weights)
    return _ranking(table, weights, family_weights, missing)


def what_if(
    values: Iterable[tuple[int, str, RawValue]],
    criteria: Sequence[CriterionSpec],
    family_weights: Mapping[str, float],
    proposed: WeightSet,
    *,
    missing: MissingRule = "zero",
    clients: Iterable[int] = (),
) -> list[RankMove]:
    """How ranks would move from the saved weights to ``proposed`` ones, new rank first.

    Nothing is saved; the raw values and their scores are the same on both sides.
    """
    table = _table(values, criteria, missing, clients)
    old = _ranking(
        table, effective_weights(table.criteria, family_weights), family_weights, missing
    )
    new_criteria = proposed.apply(table.criteria)
    new_table = replace(table, criteria=new_criteria)
    new_weights = effective_weights(new_criteria, proposed.families)
    new = _ranking(new_table, new_weights, proposed.families, missing)
    before = {result.client_id: result for result in old.clients}
    return [
        RankMove(
            client_id=result.client_id,
            old_rank=before[result.client_id].rank,
            new_rank=result.rank,
            move=before[result.client_id].rank - result.rank,
            old_total=before[result.client_id].total,
            new_total=result.total,
        )
        for result in new.clients
    ]


def stability(
    values: Iterable[tuple[int, str, RawValue]],
    criteria: Sequence[CriterionSpec],
    family_weights: Mapping[str, float],
    *,
    cut: int,
    draws: int = 500,
    spread: float = 0.20,
    seed: int = 0,
    missing: MissingRule = "zero",
    clients: Iterable[int] = (),
) -> dict[int, float]:
    """Share of random weightings under which each client stays in the top ``cut``, by client id.

    Each draw multiplies every effective weight by its own random factor, uniform between
    ``1 - spread`` and ``1 + spread``, then scales the weights back to a sum of 100, and ranks
    the clients with the usual tie rule. The same ``seed`` gives the same shares. With
    ``spread=0`` every draw is the saved weighting, so the shares are 1 inside the cut, 0 outside.
    """
    if cut < 1:
        raise ValueError(f"The cut must be at least 1, not {cut}.")
    if draws < 1:
        raise ValueError(f"The number of draws must be at least 1, not {draws}.")
    if not 0 <= spread < 1:
        raise ValueError(f"The spread must be at least 0 and below 1, not {spread:g}.")
    table = _table(values, criteria, missing, clients)
    weights = effective_weights(table.criteria, family_weights)
    base = np.array([weights[spec.code] for spec in table.criteria], dtype=np.float64)
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(draws, len(base)))
    drawn = base * factors
    drawn *= 100 / drawn.sum(axis=1, keepdims=True)
    totals = drawn @ table.normalised.T  # draws x clients
    order = np.argsort(-np.round(totals, TIE_DECIMALS), axis=1, kind="stable")
    inside = np.bincount(order[:, :cut].ravel(), minlength=len(table.client_ids))
    shares = inside / draws
    return {
        int(client_id): float(share)
        for client_id, share in zip(table.client_ids, shares, strict=True)
    }


def is_stable(share: float, threshold: float = STABLE_SHARE) -> bool:
    """Whether a client whose :func:`stability` share is ``share`` is stable (else fragile)."""
    return share >= threshold


def stability_label(share: float, threshold: float = STABLE_SHARE) -> Literal["stable", "fragile"]:
    """ "stable" when the share reaches ``threshold`` (80 % by default), else "fragile"."""
    return "stable" if is_stable(share, threshold) else "fragile"


def _check_weight(owner: str, weight: float) -> None:
    if not math.isfinite(weight):
        raise ValueError(f"{owner} has a weight that is not a number.")
    if weight < 0:
        raise ValueError(f"{owner} has a negative weight ({weight:g}).")


def _check_sum(what: str, weights: Sequence[float]) -> None:
    total = math.fsum(weights)
    if abs(total - 100) > TOLERANCE:
        raise ValueError(f"{what} sum to {total:g}, not 100.")


def _table(
    values: Iterable[tuple[int, str, RawValue]],
    criteria: Sequence[CriterionSpec],
    missing: MissingRule,
    clients: Iterable[int],
) -> _Table:
    """Raw values as a clients x criteria matrix, and their 0-1 scores."""
    if missing not in _MISSING_RULES:
        raise ValueError(f"Unknown missing-data rule {missing!r}: expected 'zero' or 'mean'.")
    specs = tuple(criteria)
    rows = list(values)
    ids, codes, raws = zip(*rows, strict=True) if rows else ((), (), ())
    row_ids = np.fromiter(ids, dtype=np.int64, count=len(rows))
    try:
        raw_values = np.array(raws, dtype=np.float64)  # None becomes NaN: missing
    except (TypeError, ValueError) as error:
        raise ValueError(f"A raw value is not a number: {error}") from error
    if np.isinf(raw_values).any():
        raise ValueError("A raw value is infinite.")
    extra = np.fromiter(clients, dtype=np.int64)
    client_ids = np.sort(pd.unique(np.concatenate([row_ids, extra])))
    known_codes = pd.Index([spec.code for spec in specs], dtype=object)
    columns = known_codes.get_indexer(pd.Index(codes, dtype=object)).astype(np.int64)
    if (columns < 0).any():
        unknown = codes[int(np.flatnonzero(columns < 0)[0])]
        raise ValueError(f"Unknown criterion {unknown!r} in the values.")
    cells = np.searchsorted(client_ids, row_ids) * len(specs) + columns
    counts = np.bincount(cells, minlength=len(client_ids) * len(specs))
    if counts.size and counts.max() > 1:
        position = int(np.flatnonzero(cells == counts.argmax())[1])
        raise ValueError(
            f"Client {int(row_ids[position])} has more than one value for criterion "
            f"{specs[int(columns[position])].code!r}."
        )
    raw = np.full((len(client_ids), len(specs)), np.nan)
    raw.reshape(-1)[cells] = raw_values
    present = ~np.isnan(raw)
    normalised = np.zeros_like(raw)
    for column, spec in enumerate(specs):
        scores = _normalise(raw[:, column], present[:, column], spec)
        if missing == "mean" and present[:, column].any():
            scores[~present[:, column]] = scores[present[:, column]].mean()
        normalised[:, column] = scores
    return _Table(client_ids, specs, raw, present, normalised)


def _normalise(raw: FloatArray, present: BoolArray, spec: CriterionSpec) -> FloatArray:
    """0-1 scores of one criterion's column; 0 where the value is missing."""
    scores = np.zeros_like(raw)
    known = raw[present]
    if known.size == 0:
        return scores
    higher = spec.direction == "higher"
    if spec.normalisation == "thresholds":
        thresholds = np.asarray(spec.thresholds, dtype=np.float64)
        if higher:
            reached = np.searchsorted(thresholds, known, side="right")
        else:
            reached = len(thresholds) - np.searchsorted(thresholds, known, side="left")
        scores[present] = reached / len(thresholds)
        return scores
    low, high = known.min(), known.max()
    if low == high:
        scores[present] = 1.0
    elif spec.normalisation == "minmax":
        scores[present] = (known - low) / (high - low) if higher else (high - known) / (high - low)
    else:
        ranks = pd.Series(known).rank(method="average", ascending=higher).to_numpy()
        scores[present] = (ranks - 1) / (known.size - 1)
    return scores


def _ranking(
    table: _Table,
    weights: Mapping[str, float],
    family_weights: Mapping[str, float],
    missing: MissingRule,
) -> Ranking:
    """Points, subtotals, totals and ranks of a scored table under validated weights."""
    vector = np.array([weights[spec.code] for spec in table.criteria], dtype=np.float64)
    points = table.normalised * vector
    totals = points.sum(axis=1)
    families = [family for family in FAMILIES if family in family_weights]
    membership = np.array(
        [[spec.family == family for family in families] for spec in table.criteria],
        dtype=np.float64,
    ).reshape(len(table.criteria), len(families))
    subtotals = points @ membership
    coverage = table.present.astype(np.float64) @ vector
    order = np.lexsort((table.client_ids, -np.round(totals, TIE_DECIMALS))).tolist()
    client_ids = table.client_ids.tolist()
    total_list, subtotal_rows, coverage_list = (
        totals.tolist(),
        subtotals.tolist(),
        coverage.tolist(),
    )
    results = tuple(
        ClientResult(
            client_id=client_ids[row],
            rank=position + 1,
            total=total_list[row],
            families=dict(zip(families, subtotal_rows[row], strict=True)),
            coverage=coverage_list[row],
        )
        for position, row in enumerate(order)
    )
    return Ranking(
        clients=results,
        criteria=table.criteria,
        weights=dict(weights),
        family_weights={family: float(family_weights[family]) for family in families},
        missing=missing,
        _table=table,
        _weights=vector,
        _rows={
            result.client_id: (row, position)
            for position, (row, result) in enumerate(zip(order, results, strict=True))
        },
    )
