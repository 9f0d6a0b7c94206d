"""Client figures per calendar year, computed from ledger lines.

Ledger lines in (a pandas frame, one row per line), plain values out; no models and no database:
``accounts.services.client_metrics.client_metrics_recompute`` reads the lines and stores the
rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kam import lazy

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy.module("pandas")


def yearly_metrics(
    lines: pd.DataFrame, *, year_totals: Mapping[int, float]
) -> list[dict[str, Any]]:
    """Per client and calendar year: the figures of the client page, from ledger lines.

    ``lines`` has the columns ``client_id``, ``date``, ``amount``, ``quantity``, ``profit``,
    ``due_date``, ``paid_date``, ``days_late``, ``disputed`` and ``is_return`` (0 or 1) and
    ``order_ref``; dates are datetimes, a missing value is NaN or NaT. ``year_totals`` is the
    revenue of all clients together per year, for each client's share. A figure that cannot be known
    (the margin when a line has no profit, the growth of a first year) is ``None``.
    """
    if lines.empty:
        return []
    frame = lines.copy()
    frame["year"] = frame["date"].dt.year
    frame["days_to_pay"] = (frame["paid_date"] - frame["date"]).dt.days
    late = (frame["paid_date"] - frame["due_date"]).dt.days.clip(lower=0)
    frame["late"] = frame["days_late"].astype("Float64").fillna(late.astype("Float64"))
    frame["has_profit"] = frame["profit"].notna()
    frame["order_key"] = frame["order_ref"].fillna("").astype(str)
    no_order = frame["order_key"] == ""
    frame.loc[no_order, "order_key"] = "date:" + frame.loc[no_order, "date"].dt.strftime("%F")
    grouped = frame.groupby(["client_id", "year"], sort=True)
    result = grouped.agg(
        revenue=("amount", "sum"),
        volume=("quantity", "sum"),
        volume_known=("quantity", "count"),
        gross_margin=("profit", "sum"),
        profit_known=("has_profit", "sum"),
        line_count=("amount", "size"),
        return_count=("is_return", "sum"),
        order_count=("order_key", "nunique"),
        avg_days_to_pay=("days_to_pay", "mean"),
        avg_days_late=("late", "mean"),
        dispute_rate=("disputed", "mean"),
    ).reset_index()
    records: list[dict[str, Any]] = result.to_dict("records")  # type: ignore[assignment]
    return metric_rows(records, year_totals=year_totals)


# What ``metric_rows`` reads per client and year, as ``yearly_metrics`` aggregates the lines
# with pandas and ``accounts.services.client_metrics.client_metrics_recompute`` in SQL.
AGGREGATES = (
    "client_id", "year", "revenue", "volume", "volume_known", "gross_margin", "profit_known",
    "line_count", "return_count", "order_count", "avg_days_to_pay", "avg_days_late",
    "dispute_rate",
)  # fmt: skip


def metric_rows(
    records: list[dict[str, Any]], *, year_totals: Mapping[int, float]
) -> list[dict[str, Any]]:
    """The figures from per client and year aggregates (``AGGREGATES``): sums, counts and means
    of the lines (a mean is None or NaN when no line gives the value)."""
    revenues = {(row["client_id"], row["year"]): float(row["revenue"]) for row in records}
    rows = []
    for row in records:
        revenue = float(row["revenue"])
        previous = revenues.get((row["client_id"], row["year"] - 1))
        margin_known = row["profit_known"] == row["line_count"]
        dispute_rate = _maybe(row["dispute_rate"])
        total = year_totals.get(int(row["year"])) or 0.0
        rows.append(
            {
                "client_id": int(row["client_id"]),
                "year": int(row["year"]),
                "revenue": _money(revenue),
                "volume": Decimal(str(round(float(row["volume"]), 3)))
                if row["volume_known"]
                else None,
                "gross_margin": _money(float(row["gross_margin"])) if margin_known else None,
                "margin_pct": float(row["gross_margin"]) / revenue * 100
                if margin_known and revenue
                else None,
                "growth_pct": (revenue - previous) / abs(previous) * 100 if previous else None,
                "share_pct": revenue / total * 100 if total else 0.0,
                "order_count": int(row["order_count"]),
                "line_count": int(row["line_count"]),
                "return_count": int(row["return_count"]),
                "avg_days_to_pay": _maybe(row["avg_days_to_pay"]),
                "avg_days_late": _maybe(row["avg_days_late"]),
                "dispute_rate": None if dispute_rate is None else dispute_rate * 100,
            }
        )
    return rows


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def _maybe(value: Any) -> float | None:
    """A float, or None for a missing value (None, NaN, pd.NA)."""
    return None if value is None or pd.isna(value) else float(value)
