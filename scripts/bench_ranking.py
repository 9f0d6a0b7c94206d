"""Benchmark the ranking engine against a naive pure-Python computation of the same results.

    uv run python scripts/bench_ranking.py [--clients 10000] [--stability-clients 1000]
                                           [--draws 500] [--naive-draws 25] [--seed 0] [--check]

No database: the script generates seeded demo values for 15 criteria (8 financial, 4 strategic,
3 maturity; about 5 % of the values missing, half as ``None`` rows and half as absent rows),
then times:

1. ``scoring.ranking.rank`` on ``--clients`` clients (best of 5), against a naive ranking (best
   of 3): dictionaries and a per-criterion, per-client loop computing the same scores, points,
   totals and ranks;
2. ``scoring.ranking.stability`` with ``--draws`` draws on ``--stability-clients`` clients (best
   of 3), against a loop that calls ``rank`` once per draw, run on ``--naive-draws`` draws and
   extrapolated to ``--draws``.

It checks that the naive and the engine's results agree (totals within 1e-9 points, the same
ranks, the same stability shares on the draws run both ways) and exits with status 1 when they
do not. ``--check`` also exits with status 1 when a time target is missed.
"""

from __future__ import annotations

import argparse
import math
import platform
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scoring.ranking import (  # noqa: E402  (the repository root is on the path only now)
    FAMILIES,
    CriterionSpec,
    Direction,
    Normalisation,
    effective_weights,
    rank,
    stability,
)

TARGET_RANK_SECONDS = 0.5
TARGET_STABILITY_SECONDS = 2.0
CUT = 5
SPREAD = 0.20

Row = tuple[int, str, float | None]


def criteria() -> list[CriterionSpec]:
    """15 criteria in the three families, with every direction and normalisation."""

    def spec(
        code: str,
        family: str,
        direction: Direction,
        normalisation: Normalisation,
        weight: float,
        thresholds: tuple[float, ...] = (),
    ) -> CriterionSpec:
        return CriterionSpec(
            code=code,
            family=family,
            direction=direction,
            normalisation=normalisation,
            weight=weight,
            thresholds=thresholds,
        )

    return [
        spec("revenue", "financial", "higher", "minmax", 20),
        spec("volume", "financial", "higher", "percentile", 10),
        spec("gross_margin", "financial", "higher", "minmax", 15),
        spec("margin_pct", "financial", "higher", "thresholds", 15, (10, 20, 30, 40)),
        spec("growth", "financial", "higher", "percentile", 10),
        spec("revenue_share", "financial", "higher", "minmax", 10),
        spec("days_late", "financial", "lower", "thresholds", 10, (5, 15, 30, 60)),
        spec("dispute_rate", "financial", "lower", "percentile", 10),
        spec("strategic_fit", "strategic", "higher", "percentile", 40),
        spec("innovation", "strategic", "higher", "minmax", 20),
        spec("reference_value", "strategic", "higher", "thresholds", 20, (2, 3, 4, 5)),
        spec("geography", "strategic", "higher", "percentile", 20),
        spec("relationship", "maturity", "higher", "minmax", 40),
        spec("processes", "maturity", "higher", "percentile", 30),
        spec("data_sharing", "maturity", "higher", "thresholds", 30, (2, 3, 4, 5)),
    ]


FAMILY_WEIGHTS = {"financial": 50.0, "strategic": 30.0, "maturity": 20.0}


def demo_values(clients: int, seed: int) -> list[Row]:
    """Seeded raw values shaped like ledger metrics and 1-5 ratings, about 5 % missing."""
    rng = np.random.default_rng(seed)
    revenue = rng.lognormal(12, 1.2, clients)
    columns: dict[str, np.ndarray] = {
        "revenue": revenue,
        "volume": rng.lognormal(8, 1.0, clients),
        "gross_margin": revenue * rng.uniform(0.05, 0.45, clients),
        "margin_pct": rng.normal(22, 9, clients),
        "growth": rng.normal(0.04, 0.15, clients),
        "revenue_share": revenue / revenue.sum() * 100,
        "days_late": rng.exponential(18, clients),
        "dispute_rate": rng.beta(1.2, 30, clients) * 100,
    }
    ratings = ("strategic_fit", "innovation", "reference_value", "geography")
    for code in (*ratings, "relationship", "processes", "data_sharing"):
        columns[code] = rng.integers(1, 6, clients).astype(float)  # ratings 1 to 5
    gaps = rng.random((clients, len(columns)))
    rows: list[Row] = []
    for column, (code, values) in enumerate(columns.items()):
        for index in range(clients):
            if gaps[index, column] < 0.025:
                continue  # no row at all
            value = None if gaps[index, column] < 0.05 else float(values[index])
            rows.append((index + 1, code, value))
    return rows


def naive_rank(
    rows: Sequence[Row], specs: Sequence[CriterionSpec], family_weights: Mapping[str, float]
) -> tuple[dict[int, float], dict[int, int]]:
    """Totals and ranks by client, one client and one criterion at a time, in plain Python."""
    by_criterion: dict[str, dict[int, float]] = {spec.code: {} for spec in specs}
    clients: set[int] = set()
    for client_id, code, value in rows:
        clients.add(client_id)
        if value is not None and not math.isnan(value):
            by_criterion[code][client_id] = value
    totals = dict.fromkeys(sorted(clients), 0.0)
    for spec in specs:
        weight = family_weights[spec.family] * spec.weight / 100
        column = by_criterion[spec.code]
        known = list(column.values())
        low, high = (min(known), max(known)) if known else (0.0, 0.0)
        percentiles = naive_percentiles(column, higher=spec.direction == "higher")
        for client_id in totals:
            value = column.get(client_id)
            if value is None:
                score = 0.0
            elif spec.normalisation == "thresholds":
                if spec.direction == "higher":
                    reached = sum(1 for t in spec.thresholds if value >= t)
                else:
                    reached = sum(1 for t in spec.thresholds if value <= t)
                score = reached / len(spec.thresholds)
            elif low == high:
                score = 1.0
            elif spec.normalisation == "minmax":
                if spec.direction == "higher":
                    score = (value - low) / (high - low)
                else:
                    score = (high - value) / (high - low)
            else:
                score = percentiles[client_id]
            totals[client_id] += score * weight
    order = sorted(totals, key=lambda client_id: (-round(totals[client_id], 9), client_id))
    return totals, {client_id: position + 1 for position, client_id in enumerate(order)}


def naive_percentiles(column: Mapping[int, float], *, higher: bool) -> dict[int, float]:
    """(average rank - 1) / (count - 1), worst first, ties sharing their average rank."""
    ordered = sorted(column.items(), key=lambda item: item[1], reverse=not higher)
    scores: dict[int, float] = {}
    start = 0
    while start < len(ordered):
        end = start
        while end + 1 < len(ordered) and ordered[end + 1][1] == ordered[start][1]:
            end += 1
        average_rank = (start + end) / 2 + 1
        for client_id, _ in ordered[start : end + 1]:
            scores[client_id] = (average_rank - 1) / (len(ordered) - 1) if len(ordered) > 1 else 1
        start = end + 1
    return scores


def naive_stability(
    rows: Sequence[Row],
    specs: Sequence[CriterionSpec],
    family_weights: Mapping[str, float],
    *,
    draws: int,
    seed: int,
) -> dict[int, float]:
    """Stability shares by calling ``rank`` once per draw with that draw's weights."""
    weights = effective_weights(specs, family_weights)
    base = np.array([weights[spec.code] for spec in specs])
    factors = np.random.default_rng(seed).uniform(1 - SPREAD, 1 + SPREAD, (draws, len(specs)))
    inside: dict[int, int] = {}
    for draw in factors:
        drawn = base * draw
        drawn = drawn * 100 / drawn.sum()
        families = {
            family: float(sum(w for w, s in zip(drawn, specs, strict=True) if s.family == family))
            for family in FAMILIES
        }
        perturbed = [
            CriterionSpec(
                code=spec.code,
                family=spec.family,
                direction=spec.direction,
                normalisation=spec.normalisation,
                weight=float(w) * 100 / families[spec.family],
                thresholds=spec.thresholds,
            )
            for w, spec in zip(drawn, specs, strict=True)
        ]
        ranking = rank(rows, perturbed, families)
        for result in ranking.clients:
            inside[result.client_id] = inside.get(result.client_id, 0) + (result.rank <= CUT)
    return {client_id: count / draws for client_id, count in sorted(inside.items())}


def best_of(repeats: int, work: Callable[[], object]) -> float:
    """The shortest of ``repeats`` wall-clock timings of ``work``."""
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10_000, help="clients ranked")
    parser.add_argument("--stability-clients", type=int, default=1_000, help="clients perturbed")
    parser.add_argument("--draws", type=int, default=500, help="stability draws")
    parser.add_argument("--naive-draws", type=int, default=25, help="draws run the naive way")
    parser.add_argument("--seed", type=int, default=0, help="seed of the demo values")
    parser.add_argument("--check", action="store_true", help="fail when a target is missed")
    args = parser.parse_args()

    specs = criteria()
    rows = demo_values(args.clients, args.seed)
    small = demo_values(args.stability_clients, args.seed + 1)

    rank_seconds = best_of(5, lambda: rank(rows, specs, FAMILY_WEIGHTS))
    naive_rank_seconds = best_of(3, lambda: naive_rank(rows, specs, FAMILY_WEIGHTS))
    ranking = rank(rows, specs, FAMILY_WEIGHTS)
    naive_totals, naive_ranks = naive_rank(rows, specs, FAMILY_WEIGHTS)
    total_gap = max(abs(r.total - naive_totals[r.client_id]) for r in ranking.clients)
    same_ranks = ranking.ranks() == naive_ranks

    stability_seconds = best_of(
        3, lambda: stability(small, specs, FAMILY_WEIGHTS, cut=CUT, draws=args.draws, seed=0)
    )
    started = time.perf_counter()
    naive_shares = naive_stability(small, specs, FAMILY_WEIGHTS, draws=args.naive_draws, seed=0)
    naive_stability_seconds = (time.perf_counter() - started) * args.draws / args.naive_draws
    shares = stability(small, specs, FAMILY_WEIGHTS, cut=CUT, draws=args.naive_draws, seed=0)
    same_shares = shares == naive_shares

    cells = args.clients * len(specs)
    missing = cells - sum(1 for row in rows if row[2] is not None)
    print(
        f"\nRanking engine, {len(specs)} criteria, {missing / cells:.1%} of values missing, "
        f"Python {platform.python_version()}, numpy {np.__version__}\n"
    )
    width = 72
    print(f"| {'What':<{width}} | Engine s | Naive s | Speed-up | Target   | Met    |")
    print(f"|{'-' * (width + 2)}|---------:|--------:|---------:|----------|--------|")
    lines = [
        (
            f"rank, {args.clients:,} clients (best of 5; naive best of 3)",
            rank_seconds,
            naive_rank_seconds,
            TARGET_RANK_SECONDS,
        ),
        (
            f"stability, {args.stability_clients:,} clients x {args.draws} draws (best of 3; "
            f"naive {args.naive_draws} draws x {args.draws / args.naive_draws:g})",
            stability_seconds,
            naive_stability_seconds,
            TARGET_STABILITY_SECONDS,
        ),
    ]
    met = []
    for label, seconds, naive_seconds, target in lines:
        met.append(seconds <= target)
        verdict = "met" if met[-1] else "MISSED"
        print(
            f"| {label:<{width}} | {seconds:>8.3f} | {naive_seconds:>7.2f} | "
            f"{naive_seconds / seconds:>7.1f}x | {'≤ ' + format(target, 'g') + ' s':<8} | "
            f"{verdict:<6} |"
        )
    print(
        "\nThe naive ranking computes totals and ranks only; rank() also builds every client's"
        " result (subtotals, coverage) and keeps the details for explanations."
    )
    print(f"\nTotals, engine against naive: largest gap {total_gap:.1e} points (allowed 1e-9)")
    print(f"Ranks, engine against naive: {'identical' if same_ranks else 'DIFFERENT'}")
    print(
        f"Stability shares on {args.naive_draws} draws, engine against a rank() per draw: "
        f"{'identical' if same_shares else 'DIFFERENT'}"
    )
    agree = total_gap <= 1e-9 and same_ranks and same_shares
    if not agree:
        return 1
    return 1 if args.check and not all(met) else 0


if __name__ == "__main__":
    sys.exit(main())
