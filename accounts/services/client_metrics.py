"""Per client and year figures, summed up from the ledger lines in SQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from django.db import connection, transaction

from accounts import metrics
from accounts.models import ClientYearMetric, LedgerLine

# Per client and calendar year, what ``accounts.metrics.metric_rows`` needs (``AGGREGATES``),
# summed up where the lines are: the lines themselves never leave PostgreSQL. As
# ``metrics.yearly_metrics`` does with pandas: a line without an order reference is an order of
# its own day; days late are those the ledger states, else those paid after the due date (none
# when paid on time); a mean leaves out the lines that do not give its value.
METRIC_SQL = """
    SELECT client_id, EXTRACT(YEAR FROM date)::int AS year, SUM(amount)::float8,
        COALESCE(SUM(quantity), 0)::float8, COUNT(quantity), COALESCE(SUM(profit), 0)::float8,
        COUNT(profit), COUNT(*), COUNT(*) FILTER (WHERE is_return),
        COUNT(DISTINCT CASE WHEN order_ref = '' THEN 'date:' || date::text ELSE order_ref END),
        AVG(paid_date - date)::float8,
        AVG(COALESCE(
            days_late,
            CASE WHEN paid_date - due_date < 0 THEN 0 ELSE paid_date - due_date END
        ))::float8,
        AVG(disputed::int)::float8
    FROM {table} {where}
    GROUP BY client_id, year
    ORDER BY client_id, year
"""


def client_metrics_recompute(*, client_ids: Iterable[int] | None = None) -> int:
    """Recompute per client and year figures from the ledger; returns rows written."""
    ids = None if client_ids is None else sorted(set(client_ids))
    # A line without an exchange rate has no amount in the company's currency: not counted.
    where = "WHERE amount IS NOT NULL"
    if ids is not None:
        where += f" AND client_id IN ({','.join(str(int(i)) for i in ids)})"
    if ids == []:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")  # date::text of the order keys
        cursor.execute(METRIC_SQL.format(table=LedgerLine._meta.db_table, where=where))
        records = [dict(zip(metrics.AGGREGATES, row, strict=True)) for row in cursor.fetchall()]
        if ids is None:
            year_totals: dict[int, float] = defaultdict(float)
            for record in records:
                year_totals[record["year"]] += record["revenue"]
        else:
            cursor.execute(
                f"SELECT EXTRACT(YEAR FROM date)::int, SUM(amount)::float8 "
                f"FROM {LedgerLine._meta.db_table} WHERE amount IS NOT NULL GROUP BY 1"
            )
            year_totals = {int(year): float(total) for year, total in cursor.fetchall()}
        rows = metrics.metric_rows(records, year_totals=year_totals)
        stale = ClientYearMetric.objects.all()
        if ids is not None:
            stale = stale.filter(client_id__in=ids)
        stale.delete()
        ClientYearMetric.objects.bulk_create(
            (ClientYearMetric(**row) for row in rows), batch_size=2000
        )
    return len(rows)
