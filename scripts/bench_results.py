"""Benchmark the programme results page against adding up the raw ledger lines per request.

    uv run python scripts/bench_results.py [--clients 10000] [--lines 1000000] [--requests 30]
                                           [--check]

Creates a throwaway database (kam_bench_results_<pid>) on the server of DATABASE_URL, migrates
it, and generates in SQL (``generate_series``, no Python loop): ``--clients`` clients and
``--lines`` ledger lines over three calendar years (2024 to 2026), a few without a cost, the
first 40 clients bigger and growing faster; then the clients' yearly figures through the import's
own service (``client_metrics_recompute``), a programme year 2026 whose confirmed shortlist is
those 40 clients, each with a plan, three cadences and a year of meetings. Then, through
Django's test client (middleware, session, view, template: the server's side of a request),
DEBUG off, it times ``--requests`` requests of:

1. the results page for a director, the same page for a KAM (their own plans listed), the
   htmx year switch (the page's body only), the API operation and the CSV export: the figures
   summed by the database from the stored yearly figures (``ClientYearMetric``), the
   shortlist a subquery, with the cache emptied before each request ("sums from SQL"), then
   as served again (the groups' sums from the cache: "sums cached");
2. the naive way, in the same run: the same page whose figures are added up in Python from the
   raw ledger lines of the two years on each request (what the page would cost without the
   stored figures), a tenth as many requests (at least three). The naive figures are checked
   against the page's: the same revenue and margin to the cent, margin % and days late to
   1e-6.

It prints queries per request, p50 and p95 of the server time (wall clock) and the p95 of the
CPU time of the request's thread. ``--check`` exits with status 1 when the page's p95 is above
300 ms. The database is dropped at the end, also on error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import platform
import statistics
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import benchdb

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 300.0
YEAR = 2026
KEY_ACCOUNTS = 40


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10_000, help="clients")
    parser.add_argument("--lines", type=int, default=1_000_000, help="ledger lines")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="requests before timing")
    parser.add_argument("--check", action="store_true", help="fail when the target is missed")
    args = parser.parse_args()

    with benchdb.throwaway_database("results"):
        return run(args)


def run(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    from django.conf import settings
    from django.core.management import call_command
    from django.core.signals import request_started
    from django.db import reset_queries
    from django.test import Client

    importlib.import_module("kam.wsgi")  # as the server starts: django.setup()
    request_started.disconnect(reset_queries)  # or a request would empty the captured queries
    print("Migrating…", file=sys.stderr)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    director, kam, programme, timings = populate(args.clients, args.lines)
    for step, seconds in timings.items():
        print(f"{step}: {seconds:.1f} s", file=sys.stderr)

    from planning.selectors import results as selectors

    check_naive_figures(programme)
    browsers = {}
    for user in (director, kam):
        browser = Client()
        browser.force_login(user)
        browser.cookies["django_language"] = "en"
        browsers[user.username] = browser
    page = f"/plans/results/?year={YEAR}"
    cases = [
        ("Results page, director", "director", page, {}),
        ("Results page, KAM", "kam", page, {}),
        ("Year switch (htmx body)", "director", page, {"HX-Request": "true"}),
        ("API", "director", f"/api/planning/results/{YEAR}/", {}),
        ("CSV export", "director", f"/plans/results/{YEAR}.csv", {}),
    ]
    rows: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
    for label, who, url, headers in cases:
        print(f"Timing {label}…", file=sys.stderr)
        browser = browsers[who]
        cold = measure(browser, url, headers, args.warmup, args.requests, cold=True)
        rows.append((f"{label}, sums from SQL", cold, None))
        warm = measure(browser, url, headers, 1, args.requests)
        rows.append((f"{label}, sums cached", warm, None))
    slowest = query_times(browsers["director"], page)
    print("Timing the naive page…", file=sys.stderr)
    original = selectors.ledger_results
    selectors.ledger_results = naive_ledger_results  # type: ignore[assignment]
    try:
        slow = measure(browsers["director"], page, {}, 1, max(3, args.requests // 10), cold=True)
    finally:
        selectors.ledger_results = original  # type: ignore[assignment]
    rows[0] = (rows[0][0], rows[0][1], slow)

    print(
        f"\nProgramme results, {args.clients:,} clients, {args.lines:,} ledger lines, "
        f"{KEY_ACCOUNTS} key accounts with plans; {args.requests} requests each; DEBUG off; "
        f"Python {platform.python_version()}, load average "
        f"{' '.join(f'{value:.2f}' for value in os.getloadavg())} on {os.cpu_count()} CPUs\n"
    )
    print("| Request                                     | Queries | p50     | p95     | CPU p95 "
          "| Naive: queries, p50, p95 | p95 ≤ 300 ms |")  # fmt: skip
    print("|---------------------------------------------|--------:|--------:|--------:|--------:"
          "|--------------------------|--------------|")  # fmt: skip
    met = True
    for label, figures, naive in rows:
        ok = figures["p95"] <= TARGET_P95_MS
        met &= ok
        naive_text = (
            f"{naive['queries']}, {naive['p50']:,.0f} ms, {naive['p95']:,.0f} ms" if naive else ""
        )
        print(
            f"| {label:<43} | {figures['queries']:>7} | {figures['p50']:>4.0f} ms | "
            f"{figures['p95']:>4.0f} ms | {figures['cpu_p95']:>4.0f} ms | {naive_text:<24} | "
            f"{'met' if ok else 'missed':<12} |"
        )
    print("\nThe director's page, its slowest queries (median of 5 requests):")
    for duration, text in slowest:
        print(f"  {duration:6.1f} ms  {text}")
    speedup = slow["p50"] / rows[0][1]["p50"]
    print(f"\nThe page (sums from SQL) is {speedup:,.0f} times faster than the naive page (p50).")
    return 0 if met or not args.check else 1


def populate(clients: int, lines: int) -> tuple[Any, Any, Any, dict[str, float]]:
    """The clients and ledger lines in SQL, the yearly figures through the import's service,
    the programme year with its shortlist and plans through the ORM."""
    from django.db import connection

    from accounts.models import Client, User
    from accounts.services import client_metrics as metric_services
    from planning.models import Cadence, Level, Meeting, Plan
    from scoring.models import Programme, ShortlistDecision

    timings: dict[str, float] = {}
    director = User.objects.create_user("director", role=User.Role.DIRECTOR)
    kam = User.objects.create_user("kam", role=User.Role.KAM)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO accounts_client (name, external_id, "group", country, segment, currency,
                                         kam_id, created_at, updated_at)
            SELECT 'Client ' || g, 'C' || g, '', 'FR', '', 'EUR',
                   CASE WHEN g %% 200 = 0 THEN %s END, now(), now()
            FROM generate_series(1, %s) AS g
            """,
            [kam.pk, clients],
        )
        first = Client.objects.order_by("pk").values_list("pk", flat=True).first()
        # g spreads over the clients (client i = g mod clients) and the three years; the first
        # KEY_ACCOUNTS clients sell five times more and grow 12 % a year, the others 3 %; one
        # line in 997 has no cost; amounts in cents, from a multiplicative hash of g
        cursor.execute(
            """
            INSERT INTO accounts_ledgerline (client_id, line_key, order_ref, date, amount,
                quantity, profit, due_date, paid_date, days_late, disputed, is_return, country,
                currency, original_amount, original_profit, exchange_rate)
            SELECT client_id, line_key, order_ref, day, amount, 1, profit, day + 30,
                   day + 30 + late, late, false, false, 'FR', 'EUR', amount, profit, 1
            FROM (
            SELECT %(first)s + i AS client_id, gen_random_uuid() AS line_key,
                   'O-' || g AS order_ref, day, amount, late,
                   CASE WHEN g %% 997 = 0 THEN NULL
                        ELSE round(amount * (0.12 + (g %% 23) / 100.0), 2) END AS profit
            FROM (
                SELECT g, i, make_date(2024 + y, 1 + (g / 3) %% 12, 1 + (g / 36) %% 28) AS day,
                       round(((g::bigint * 2654435761) %% 100000) / 100.0
                             * CASE WHEN i < %(key)s THEN 5 * power(1.12, y)
                                    ELSE power(1.03, y) END, 2) AS amount,
                       (g * 7) %% (CASE WHEN i < %(key)s THEN 9 ELSE 25 END) AS late
                FROM (SELECT g, g %% %(clients)s AS i, g %% 3 AS y
                      FROM generate_series(1, %(lines)s) AS g) AS spread
            ) AS line
            ) AS priced
            """,
            {"first": first, "key": KEY_ACCOUNTS, "clients": clients, "lines": lines},
        )
        cursor.execute("ANALYZE")
    timings[f"{clients:,} clients and {lines:,} ledger lines (SQL)"] = time.perf_counter() - started
    started = time.perf_counter()
    metric_services.client_metrics_recompute()
    timings["Yearly figures (the import's service)"] = time.perf_counter() - started

    started = time.perf_counter()
    programme = Programme.objects.create(
        year=YEAR,
        budget=Decimal(5_000_000),
        kam_headcount=40,
        kam_cost=Decimal(90_000),
        updated_by=director,
    )
    key = list(Client.objects.order_by("pk")[:KEY_ACCOUNTS])
    ShortlistDecision.objects.create(
        programme=programme,
        client_ids=[client.pk for client in key],
        client_names=[client.name for client in key],
        cost=Decimal(4_000_000),
        budget=programme.budget,
        kam_needed=40,
        kam_headcount=40,
        decided_by=director,
    )
    Client.objects.filter(pk__in=[client.pk for client in key[:5]]).update(kam=kam)
    plans = Plan.objects.bulk_create(
        Plan(
            client=client,
            programme=programme,
            period_start=dt.date(YEAR, 1, 1),
            period_end=dt.date(YEAR, 12, 31),
            status=Plan.Status.APPROVED if index % 3 else Plan.Status.DRAFT,
            owner=kam if index < 5 else None,
            created_by=director,
        )
        for index, client in enumerate(key)
    )
    cadences = Cadence.objects.bulk_create(
        Cadence(
            plan=plan,
            kind=Cadence.Kind.STRATEGIC_REVIEW,
            name=f"{level} review",
            level=level,
            every=every,
            unit=Cadence.Unit.MONTH,
            starts_on=dt.date(YEAR, 1, 15),
        )
        for plan in plans
        for level, every in ((Level.EXECUTIVE, 3), (Level.MANAGEMENT, 2), (Level.OPERATIONAL, 1))
    )
    Meeting.objects.bulk_create(
        Meeting(
            plan=cadence.plan,
            cadence=cadence,
            date=dt.date(YEAR, month, 10 + index % 10),
            level=cadence.level,
            created_by=director,
        )
        for index, cadence in enumerate(cadences)
        for month in range(1, 12, cadence.every)
        if (month + index) % 5  # a few missed
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["Programme, shortlist, plans, cadences, meetings"] = time.perf_counter() - started
    return director, kam, programme, timings


def naive_ledger_results(*, programme: Any, decision: Any = None) -> Any:
    """The page's ledger figures added up in Python from the raw lines of every year up to the
    programme's, on each request: no stored figures, no aggregate in SQL (the key accounts
    read from the programme's shortlist whatever ``decision`` the page passes)."""
    from accounts.models import ClientYearMetric, LedgerLine
    from planning.selectors import plans as plan_selectors
    from planning.selectors.results import (
        KEY,
        OTHERS,
        GroupResults,
        GroupYear,
        LedgerResults,
    )

    key = plan_selectors.key_account_ids(programme=programme)
    per_client: dict[tuple[int, int], list[Any]] = defaultdict(
        lambda: [Decimal(0), Decimal(0), True, 0, 0]
    )  # revenue, profit, every line has a cost, days late sum, lines with days late
    lines = LedgerLine.objects.filter(date__year__lte=programme.year).values_list(
        "client_id", "date", "amount", "profit", "days_late"
    )
    for client_id, day, amount, profit, late in lines.iterator(chunk_size=20_000):
        figures = per_client[client_id, day.year]
        figures[0] += amount
        if profit is None:
            figures[2] = False
        else:
            figures[1] += profit
        if late is not None:
            figures[3] += late
            figures[4] += 1
    groups: dict[tuple[str, int], list[Any]] = defaultdict(
        lambda: [0, Decimal(0), Decimal(0), 0, Decimal(0), 0.0, 0.0, False]
    )
    for (client_id, year), (revenue, profit, known, late, counted) in per_client.items():
        group = groups[KEY if client_id in key else OTHERS, year]
        group[0] += 1
        group[1] += revenue
        if known:
            group[2] += profit
            group[3] += 1
            group[4] += revenue
            group[7] = True
        if counted and revenue > 0:
            group[5] += late / counted * float(revenue)
            group[6] += float(revenue)
    years: dict[str, list[GroupYear]] = {KEY: [], OTHERS: []}
    for (name, year), values in sorted(groups.items(), key=lambda item: item[0][1]):
        years[name].append(
            GroupYear(
                year=year,
                clients=values[0],
                revenue=values[1],
                gross_margin=values[2] if values[7] else None,
                margin_clients=values[3],
                margin_revenue=values[4],
                days_late=values[5] / values[6] if values[6] else None,
            )
        )

    def results(name: str) -> GroupResults:
        by_year = {figures.year: figures for figures in years[name]}
        return GroupResults(
            group=name,
            current=by_year.get(programme.year),
            previous=by_year.get(programme.year - 1),
            years=years[name],
        )

    latest = ClientYearMetric.objects.order_by("-year").values_list("year", flat=True).first()
    return LedgerResults(
        year=programme.year,
        key_account_count=len(key),
        has_shortlist=bool(key),
        key=results(KEY),
        others=results(OTHERS),
        latest_ledger_year=latest,
    )


def check_naive_figures(programme: Any) -> None:
    """The naive figures are the page's: revenue and margin to the cent, the rest to 1e-6."""
    import math

    from planning.selectors import results as selectors

    fast = selectors.ledger_results(programme=programme)
    slow = naive_ledger_results(programme=programme)
    for quick, naive in zip(fast.groups, slow.groups, strict=True):
        for mine, theirs in zip(quick.years, naive.years, strict=True):
            assert (mine.year, mine.clients) == (theirs.year, theirs.clients)
            assert mine.revenue == theirs.revenue, (mine, theirs)
            assert mine.gross_margin == theirs.gross_margin, (mine, theirs)
            for a, b in ((mine.margin_pct, theirs.margin_pct), (mine.days_late, theirs.days_late)):
                if a is None or b is None:
                    assert a == b, (a, b)  # both unknown
                else:
                    assert math.isclose(a, b, rel_tol=1e-6), (a, b)
    print("The naive figures are the page's.", file=sys.stderr)


def measure(
    browser: Any,
    url: str,
    headers: dict[str, str],
    warmup: int,
    requests: int,
    *,
    cold: bool = False,
) -> dict[str, Any]:
    """p50 and p95 server times in ms (wall clock), the p95 of the CPU time the request's
    thread used, and the queries of one request. ``cold`` empties the cache before each request
    (not timed), so that the groups' sums are read from the database."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        browser.get(url, headers=headers)
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url, headers=headers)
    assert response.status_code == 200, (url, response.status_code)
    timings, cpu = [], []
    for _ in range(requests):
        if cold:
            cache.clear()
        started, started_cpu = time.perf_counter(), time.thread_time()
        browser.get(url, headers=headers)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return {
        "queries": len(queries),
        "p50": statistics.median(timings),
        "p95": _p95(timings),
        "cpu_p95": _p95(cpu),
    }


def query_times(browser: Any, url: str, requests: int = 5) -> list[tuple[float, str]]:
    """The five slowest queries of a request to ``url``, the cache emptied before: (median ms,
    the start of the SQL)."""
    from django.core.cache import cache
    from django.db import connection

    times: dict[int, list[float]] = defaultdict(list)
    texts: dict[int, str] = {}
    for _ in range(requests):
        index = 0

        def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal index
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                times[index].append((time.perf_counter() - started) * 1000)
                texts[index] = " ".join(sql.split())[:90]
                index += 1

        cache.clear()
        with connection.execute_wrapper(timed):
            browser.get(url)
    ranked = sorted(((statistics.median(values), texts[key]) for key, values in times.items()))
    return ranked[::-1][:5]


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]


if __name__ == "__main__":
    sys.exit(main())
