"""Benchmark the ranking and selection grid pages against a naive per-row rendering of them.

    uv run python scripts/bench_pages.py [--clients 200] [--requests 50] [--warmup 5] [--check]

Creates a throwaway database (kam_bench_<pid>) on the server of DATABASE_URL, migrates it (which
brings the default criteria and weights), generates ``--clients`` clients with two years of
ledger figures and ratings on the rated criteria (a few missing), runs two scoring runs, then
times, for a director through Django's test client (middleware, session, view, template: the
server's side of a request):

1. the ranking page (``scoring:ranking``) and the selection grid (``scoring:grid``), ``--requests``
   requests each after ``--warmup`` requests;
2. the same pages with the naive way of reading their data: scores without ``select_related``,
   then each client's KAM, override, criterion scores and latest ratings one query at a time
   (N+1); a tenth as many requests (at least five), as each takes seconds.

It prints the queries per request and the p50 and p95 server times, and checks that both ways
render the same page. The database is dropped at the end, also on error. ``--check`` exits with
status 1 when a target is missed (the same query count at two sizes, p95 at most 150 ms).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 150.0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200, help="clients ranked")
    parser.add_argument("--requests", type=int, default=50, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=5, help="requests before timing")
    parser.add_argument("--check", action="store_true", help="fail when a target is missed")
    parser.add_argument(
        "--profile", choices=["ranking", "grid"], help="print where one page's time goes"
    )
    args = parser.parse_args()

    # As in production: DEBUG off (no SQL logging, no debug cursor); the test client's host.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    static_root = tempfile.mkdtemp(prefix="kam-bench-static-")  # hashed static files, as served
    os.environ["KAM_STATIC_ROOT"] = static_root
    os.environ.setdefault("KAM_LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "kam.settings"
    server = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kam"))
    name = f"kam_bench_{os.getpid()}"
    admin_url = urlunsplit(server._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = urlunsplit(server._replace(path=f"/{name}"))
    try:
        return run(args, database=name)
    finally:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        shutil.rmtree(static_root, ignore_errors=True)


def run(args: argparse.Namespace, *, database: str) -> int:
    sys.path.insert(0, str(ROOT))
    from django.conf import settings
    from django.core.management import call_command
    from django.core.signals import request_started
    from django.db import reset_queries
    from django.test import Client

    import kam.wsgi  # noqa: F401  # as the server starts: Django set up, start-up objects frozen

    request_started.disconnect(reset_queries)  # or a request would empty the captured queries

    print(f"Database {database}: migrating…", file=sys.stderr)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.perf_counter()
    director = populate(args.clients)
    from django.db import connection

    with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load
        cursor.execute("ANALYZE")
    # In the server, what is alive at the first request was made at start-up, and kam/wsgi.py
    # freezes it; here migrating and populating stand for start-up.
    gc.collect()
    gc.freeze()
    print(
        f"{args.clients} clients with figures, ratings and two scoring runs in "
        f"{time.perf_counter() - started:.1f} s.",
        file=sys.stderr,
    )
    browser = Client()
    browser.force_login(director)
    browser.cookies["django_language"] = "en"

    pages = [("Ranking (scoring:ranking)", "scoring:ranking"), ("Grid (scoring:grid)", "grid")]
    results = []
    for label, page in pages:
        url = "/scoring/" if page == "scoring:ranking" else "/scoring/grid/"
        real = measure(browser, url, warmup=args.warmup, requests=args.requests)
        with naive(page):  # seconds a request: fewer of them
            slow = measure(browser, url, warmup=1, requests=max(5, args.requests // 10))
        same = strip(real["html"]) == strip(slow["html"])
        results.append((label, real, slow, same))

    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        url = "/scoring/" if args.profile == "ranking" else "/scoring/grid/"
        profiler.runcall(lambda: [browser.get(url) for _ in range(5)])
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    small = query_counts(browser, director, keep=20)
    from scoring.models import Criterion

    criteria = Criterion.objects.filter(is_active=True).count()
    print(
        f"\nPages for a director, {args.clients} ranked clients, {criteria} criteria; "
        f"{args.requests} "
        f"requests each after {args.warmup}; Python {platform.python_version()}, "
        f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())} "
        f"on {os.cpu_count()} CPUs\n"
    )
    print(
        "| Page                      | Way   | Queries | p50 ms | p95 ms | Speed-up p50 | "
        "Same page |"
    )
    print(
        "|---------------------------|-------|--------:|-------:|-------:|-------------:|"
        "-----------|"
    )
    met = []
    for label, real, slow, same in results:
        print(
            f"| {label:<25} | ours  | {real['queries']:>7} | {real['p50']:>6.1f} | "
            f"{real['p95']:>6.1f} | {slow['p50'] / real['p50']:>11.1f}x | "
            f"{'yes' if same else 'NO':<9} |"
        )
        print(
            f"| {'':<25} | naive | {slow['queries']:>7} | {slow['p50']:>6.1f} | "
            f"{slow['p95']:>6.1f} | {'':>12} | {'':<9} |"
        )
        met.append(real["p95"] <= TARGET_P95_MS and same)
    flat = all(small[url] == real["queries"] for (_, real, _, _), url in zip(
        results, ("/scoring/", "/scoring/grid/"), strict=True
    ))  # fmt: skip
    print(
        f"\nQueries with 20 of the clients visible (a KAM's book): ranking "
        f"{small['/scoring/']}, grid {small['/scoring/grid/']}: "
        f"{'the same as for all' if flat else 'DIFFERENT'}"
    )
    print(
        f"Target p95 ≤ {TARGET_P95_MS:g} ms and constant queries: "
        f"{'met' if all(met) and flat else 'MISSED'}"
    )
    if not all(same for *_, same in results):
        return 1
    return 1 if args.check and not (all(met) and flat) else 0


def populate(count: int) -> Any:
    """A director, two KAMs, ``count`` clients with two years of figures, ratings (about one in
    ten missing), a few overrides and two scoring runs."""
    import random
    from decimal import Decimal

    from accounts.models import Client, ClientYearMetric, User
    from scoring.models import Criterion, Override, Rating, ScoringRun
    from scoring.services import runs

    rng = random.Random(0)
    director = User.objects.create(
        username="bench-director", first_name="Diane", last_name="Bench", role=User.Role.DIRECTOR
    )
    kams = [
        User.objects.create(username=f"bench-kam-{n}", last_name=f"Kam {n}", role=User.Role.KAM)
        for n in range(2)
    ]
    clients = Client.objects.bulk_create(
        Client(
            name=f"Client {index:04d} {rng.choice(['SA', 'GmbH', 'Ltd', 'S.L.'])}",
            external_id=f"B-{index:05d}",
            country=rng.choice(["FR", "DE", "ES", "IT"]),
            currency="EUR",
            kam=kams[0] if index < 20 else rng.choice([*kams, None]),
        )
        for index in range(count)
    )
    metrics = []
    for company in clients:
        revenue = rng.lognormvariate(12, 1.1)
        for year in (2024, 2025):
            metrics.append(
                ClientYearMetric(
                    client=company,
                    year=year,
                    revenue=Decimal(f"{revenue:.2f}"),
                    gross_margin=Decimal(f"{revenue * rng.uniform(0.1, 0.4):.2f}"),
                    margin_pct=rng.uniform(5, 40),
                    growth_pct=rng.gauss(5, 15) if year == 2025 else None,
                    share_pct=rng.uniform(0, 2),
                    order_count=rng.randint(5, 200),
                    line_count=rng.randint(10, 900),
                    avg_days_late=rng.expovariate(1 / 12) if rng.random() > 0.05 else None,
                )
            )
            revenue *= rng.uniform(0.8, 1.3)
    ClientYearMetric.objects.bulk_create(metrics)
    rated = list(Criterion.objects.filter(family__in=["strategic", "maturity"], is_active=True))
    Rating.objects.bulk_create(
        Rating(
            client=company,
            criterion=criterion,
            level=rng.randint(1, 5),
            note=rng.choice(["", "Quarterly review", "Joint plan signed"]),
            author=director,
        )
        for company in clients
        for criterion in rated
        if rng.random() > 0.1
    )
    runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)
    Rating.objects.bulk_create(  # a second round of ratings, newer than the first run
        Rating(
            client=company, criterion=rng.choice(rated), level=rng.randint(1, 5), author=director
        )
        for company in rng.sample(clients, count // 4)
    )
    runs.scores_recompute(trigger=ScoringRun.Trigger.RATINGS)
    Rating.objects.bulk_create(  # newer than the latest run: the grid marks them
        Rating(
            client=company, criterion=rng.choice(rated), level=rng.randint(1, 5), author=director
        )
        for company in rng.sample(clients, count // 10)
    )
    Override.objects.bulk_create(
        Override(
            client=company,
            kind=Override.Kind.ADJUST,
            points=rng.choice([-5, 3, 5]),
            rationale="Strategic partner",
            author=director,
        )
        for company in rng.sample(clients, count // 20)
    )
    return director


def measure(browser: Any, url: str, *, warmup: int, requests: int) -> dict[str, Any]:
    """p50 and p95 server times in ms, the queries of one request and its page."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        browser.get(url)
    connection.queries_log.clear()  # a full log (the naive pages) would count nothing
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(requests):
        started = time.perf_counter()
        browser.get(url)
        timings.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(timings, n=20)
    return {
        "queries": len(queries),
        "p50": statistics.median(timings),
        "p95": cuts[18],
        "html": response.content.decode(),
    }


def query_counts(browser: Any, director: Any, *, keep: int) -> dict[str, int]:
    """The queries of each page for a KAM who sees ``keep`` of the clients."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    kam = User.objects.get(username="bench-kam-0")
    browser.force_login(kam)
    counts = {}
    for url in ("/scoring/", "/scoring/grid/"):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(url).status_code == 200
        counts[url] = len(queries)
    browser.force_login(director)
    return counts


def strip(html: str) -> str:
    """The page without its per-request CSRF tokens."""
    html = re.sub(r'"X-CSRFToken": "[^"]*"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


class naive:  # a context manager read as a phrase: ``with naive("grid"):``
    """Swap a page's selector for one that reads row by row, as code without care would."""

    def __init__(self, page: str) -> None:
        self.page = page
        self.saved: dict[str, Callable[..., Any]] = {}

    def __enter__(self) -> None:
        from scoring import selectors

        name = "ranking_rows" if self.page == "scoring:ranking" else "grid_latest"
        self.saved = {name: getattr(selectors, name)}
        setattr(selectors, name, naive_ranking_rows if name == "ranking_rows" else naive_grid)

    def __exit__(self, *exc: object) -> None:
        from scoring import selectors

        for name, function in self.saved.items():
            setattr(selectors, name, function)


def naive_ranking_rows(scores: Any) -> list[Any]:
    """Each row's override with its own query; the client and KAM loaded when the page reads
    them."""
    from scoring import selectors
    from scoring.models import Override

    return [
        selectors.RankingRow(
            score,
            getattr(score, "previous_rank", None),
            Override.objects.filter(client_id=score.client_id, is_active=True)
            .select_related("author")
            .first(),
        )
        for score in scores.select_related(None)
    ]


def naive_grid(
    *, user: Any, sort: str = "rank", direction: str = "", client_id: Any = None, rows: Any = None
) -> Any:
    """The grid with a query per client for its KAM, and per client and criterion for its score
    and its latest rating (and that rating's author)."""
    from django.utils import timezone

    from accounts import selectors as client_selectors
    from kam import permissions
    from scoring import selectors
    from scoring.models import ClientScore, Criterion, CriterionScore, Rating

    run = selectors.scoring_run_latest()
    order = list(Criterion.Family.values)
    criteria = sorted(selectors.criterion_list(), key=lambda c: (order.index(c.family), c.code))
    sort, descending = selectors.grid_sort(sort, direction, criteria=criteria)
    if run is None:
        return selectors.Grid(run, criteria, [], sort, descending, 0)
    visible = client_selectors.client_list(user=user).order_by().values("pk")
    grid_rows = []
    scores = ClientScore.objects.filter(run=run, client__in=visible).order_by("rank")
    if rows is not None and rows.stop == rows.start:
        return selectors.Grid(run, criteria, [], sort, descending, 0)
    for score in scores[rows] if rows is not None else scores:
        cells = []
        for criterion in criteria:
            detail = CriterionScore.objects.filter(
                run=run, client_id=score.client_id, criterion=criterion
            ).first()
            current = None
            if criterion.is_rated:
                rating = (
                    Rating.objects.filter(client_id=score.client_id, criterion=criterion)
                    .order_by("-created_at", "-pk")
                    .first()
                )
                if rating is not None:  # the tooltip reads its author
                    current = selectors.CurrentRating(
                        rating.level,
                        rating.note,
                        timezone.localdate(rating.created_at),
                        str(rating.author),
                    )
            met = None
            raw = normalised = None
            if detail is not None:
                met = not detail.missing and detail.normalised >= criterion.met_threshold
                raw, normalised = detail.raw, detail.normalised
            level = current.level if current is not None else None
            pending = detail is not None and level is not None and raw != level
            cells.append(
                selectors.GridCell(criterion, level, raw, met, normalised, current, pending)
            )
        company = score.client
        grid_rows.append(
            selectors.GridRow(
                company.pk,
                company.name,
                company.currency,
                str(company.kam) if company.kam else "",
                score.rank,
                score.total,
                cells,
                permissions.may_rate_client(user, company),
            )
        )
    return selectors.Grid(run, criteria, grid_rows, sort, descending, scores.count())


if __name__ == "__main__":
    sys.exit(main())
