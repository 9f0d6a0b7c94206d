"""accounts/metrics.py: client figures per year from hand-written ledger lines, no database."""

from decimal import Decimal

import pandas as pd
import pytest

from accounts import metrics


def lines(*rows):
    """A frame of ledger lines as ``client_metrics_recompute`` reads them, from dicts."""
    defaults = {
        "quantity": None, "profit": None, "due_date": None, "paid_date": None,
        "days_late": None, "disputed": 0, "is_return": 0, "order_ref": None,
    }  # fmt: skip
    frame = pd.DataFrame([{**defaults, **row} for row in rows])
    for column in ("date", "due_date", "paid_date"):
        frame[column] = pd.to_datetime(frame[column])
    for column in ("amount", "quantity", "profit", "days_late"):
        frame[column] = frame[column].astype(float)
    return frame


def test_yearly_metrics_of_no_lines_is_no_rows():
    assert metrics.yearly_metrics(pd.DataFrame(), year_totals={}) == []


def test_yearly_metrics_gives_each_client_and_year_its_figures():
    rows = metrics.yearly_metrics(
        lines(
            {"client_id": 1, "date": "2023-03-01", "amount": 100, "profit": 20, "order_ref": "A"},
            {
                "client_id": 1,
                "date": "2024-02-01",
                "amount": 120,
                "quantity": 3,
                "profit": 30,
                "due_date": "2024-03-01",
                "paid_date": "2024-03-11",
                "order_ref": "B",
            },
            {
                "client_id": 1,
                "date": "2024-02-01",
                "amount": 70,
                "quantity": 1,
                "profit": 16,
                "due_date": "2024-03-01",
                "paid_date": "2024-02-21",
                "disputed": 1,
                "is_return": 1,
                "order_ref": "B",
            },
        ),
        year_totals={2023: 400.0, 2024: 380.0},
    )

    assert [(row["client_id"], row["year"]) for row in rows] == [(1, 2023), (1, 2024)]
    first, second = rows
    assert first["growth_pct"] is None  # a first year has no growth
    assert first["volume"] is None  # no line said a quantity
    assert first["share_pct"] == pytest.approx(25.0)
    assert second["revenue"] == Decimal("190.00")
    assert second["volume"] == Decimal("4.0")
    assert second["gross_margin"] == Decimal("46.00")
    assert second["margin_pct"] == pytest.approx(46 / 190 * 100)
    assert second["growth_pct"] == pytest.approx(90.0)
    assert second["share_pct"] == pytest.approx(50.0)
    assert (second["order_count"], second["line_count"], second["return_count"]) == (1, 2, 1)
    assert second["avg_days_to_pay"] == pytest.approx((39 + 20) / 2)  # 2024 is a leap year
    assert second["avg_days_late"] == pytest.approx((10 + 0) / 2)  # paid early counts as 0
    assert second["dispute_rate"] == pytest.approx(50.0)


def test_yearly_metrics_leaves_the_margin_unknown_when_a_line_has_no_profit():
    (row,) = metrics.yearly_metrics(
        lines(
            {"client_id": 7, "date": "2024-01-05", "amount": 100, "profit": 10},
            {"client_id": 7, "date": "2024-01-06", "amount": 100},
        ),
        year_totals={2024: 200.0},
    )
    assert (row["gross_margin"], row["margin_pct"]) == (None, None)
    assert row["order_count"] == 2  # lines without an order reference count one order a day


def test_yearly_metrics_prefers_the_days_late_the_ledger_states():
    (row,) = metrics.yearly_metrics(
        lines(
            {
                "client_id": 3,
                "date": "2024-01-01",
                "amount": 50,
                "days_late": 4,
                "due_date": "2024-01-31",
                "paid_date": "2024-02-20",
            },
        ),
        year_totals={2024: 0.0},
    )
    assert row["avg_days_late"] == pytest.approx(4.0)
    assert row["share_pct"] == 0.0  # no total for the year: no share
