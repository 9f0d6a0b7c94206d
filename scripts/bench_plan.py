"""Benchmark the pages of one big account plan against the naive rendering of the same pages.

    uv run python scripts/bench_plan.py [--requests 40] [--check]

Creates a throwaway database (kam_bench_plan_<pid>) on the server of DATABASE_URL, migrates it,
and writes a plan of the size the issue names: 50 objectives of 10 actions each (with two KPIs
each), 100 stakeholders in a reporting tree, 300 counterpart pairs, 10 cadences and 200 logged
meetings with their participants and decisions, plus a SWOT and offers. Then, for the plan's KAM
through Django's test client (middleware, session, view, template: the server's side of a
request), DEBUG off, it times ``--requests`` requests of each page of the plan — the plan page,
the People tab with the relationship map, the Meetings tab — and the KAM's home page:

1. as the pages are built (a fixed number of queries, whatever the plan holds); the plan page
   and the People tab twice: with the cache emptied before each request ("cache emptied": the
   plan's objectives and actions, or its people part, rendered, and the coverage gaps worked
   out) and as they are served again ("cached": those parts from the cache);
2. the naive way: the same views and templates with the ORM's joins and prefetches turned off
   (``select_related`` and ``prefetch_related`` do nothing), so that every row reads its related
   rows on its own, as code written without care for queries does; the cache emptied before
   each request (nothing comes from it); a quarter as many requests.

It also counts each page's queries for a small plan (5 objectives of 2 actions, 10 stakeholders,
30 pairs, 20 meetings) to show that the count does not grow with the plan. It prints a table
(queries small / big, p50 and p95 server time, the p95 of the CPU time the request's thread
used, which a busy machine inflates less, and the naive figures) and exits with status 1 under
``--check`` when a target is missed: p95 at most 150 ms and the same queries for both sizes.
The database is dropped at the end, also on error.
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
from pathlib import Path
from typing import Any

import benchdb

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 150.0
TODAY = dt.datetime.now(dt.UTC).date()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=40, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="requests before timing")
    parser.add_argument("--check", action="store_true", help="fail when a target is missed")
    parser.add_argument(
        "--profile",
        choices=["plan", "plan-cached", "people", "people-cached", "meetings", "home"],
        help="where a page's time goes",
    )
    args = parser.parse_args()

    with benchdb.throwaway_database("plan"):
        return run(args)


def run(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(ROOT))
    from django.conf import settings
    from django.core.management import call_command
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test import Client

    importlib.import_module("kam.wsgi")  # as the server starts: django.setup()
    request_started.disconnect(reset_queries)  # or a request would empty the captured queries
    print("Migrating…", file=sys.stderr)
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.perf_counter()
    owner, big = populate(objectives=50, actions=10, stakeholders=100, pairs=300, meetings=200)
    _, small = populate(objectives=5, actions=2, stakeholders=10, pairs=30, meetings=20, kam=owner)
    with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load
        cursor.execute("ANALYZE")
    print(f"Two plans written in {time.perf_counter() - started:.1f} s.", file=sys.stderr)

    browser = Client()
    browser.force_login(owner)
    browser.cookies["django_language"] = "en"
    pages = [
        ("Plan page", "/plans/{}/"),
        ("People, relationship map", "/plans/{}/people/"),
        ("Meetings, compliance", "/plans/{}/meetings/"),
    ]
    results: list[tuple[str, Any, dict[str, Any], dict[str, Any] | None]] = []
    if args.profile:
        return profile(browser, args.profile, big)
    for label, url in pages:
        print(f"Timing {label}…", file=sys.stderr)
        cold = label != "Meetings, compliance"  # pages with cached parts: timed both ways
        fast = measure(
            browser, url.format(big), warmup=args.warmup, requests=args.requests, cold=cold
        )
        small_queries = measure(browser, url.format(small), warmup=1, requests=1, cold=cold)
        with naive():  # rendered each time: what a cache would hide is what is compared
            slow = measure(
                browser, url.format(big), warmup=1, requests=max(5, args.requests // 4), cold=True
            )
        if cold:
            results.append((f"{label}, cache emptied", small_queries["queries"], fast, slow))
            warm = measure(browser, url.format(big), warmup=args.warmup, requests=args.requests)
            small_queries = measure(browser, url.format(small), warmup=1, requests=1)
            results.append((f"{label}, cached", small_queries["queries"], warm, None))
        else:
            results.append((label, small_queries["queries"], fast, slow))
    print("Timing the KAM's home page…", file=sys.stderr)
    home = measure(browser, "/", warmup=args.warmup, requests=args.requests)
    with naive():
        home_naive = measure(browser, "/", warmup=1, requests=max(5, args.requests // 4), cold=True)
    results.append(("Home page (the KAM's 2 plans)", home["queries"], home, home_naive))

    print(
        f"\nOne plan of 50 objectives of 10 actions, 100 stakeholders, 300 counterpart pairs and "
        f"200 meetings, seen by its KAM; {args.requests} requests each; DEBUG off; "
        f"Python {platform.python_version()}, load average "
        f"{' '.join(f'{value:.2f}' for value in os.getloadavg())} on {os.cpu_count()} CPUs\n"
    )
    print(
        "| Page                                     | Queries, small plan | Queries, big plan | "
        "p50 | p95 | CPU p95 | Naive: queries | Naive p50 | Naive p95 |"
    )
    print(
        "|------------------------------------------|--------------------:|------------------:|"
        "----:|----:|--------:|---------------:|----------:|----------:|"
    )
    met = True
    for label, small_queries, timed, base in results:
        naive_part = (
            f"{base['queries']:>14} | {base['p50']:>6.0f} ms | {base['p95']:>6.0f} ms |"
            if base
            else f"{'':>14} | {'':>9} | {'':>9} |"
        )
        print(
            f"| {label:<40} | {small_queries:>19} | {timed['queries']:>17} | "
            f"{timed['p50']:>3.0f} ms | {timed['p95']:>3.0f} ms | {timed['cpu_p95']:>4.0f} ms | "
            f"{naive_part}"
        )
        met = met and timed["p95"] <= TARGET_P95_MS and small_queries == timed["queries"]
    print(
        f"\nTarget p95 ≤ {TARGET_P95_MS:g} ms (wall clock, the plan page cold and warm) with as "
        f"many queries for the big plan as for the small one: {'met' if met else 'MISSED'}"
    )
    return 1 if args.check and not met else 0


def profile(browser: Any, page: str, plan_id: int) -> int:
    """Where the time of 5 requests of ``page`` goes (cProfile, by cumulative and own time),
    the cache emptied before each request but for "plan-cached" and "people-cached"."""
    import cProfile
    import pstats

    from django.core.cache import cache

    url = {
        "plan": "/plans/{}/",
        "plan-cached": "/plans/{}/",
        "people": "/plans/{}/people/",
        "people-cached": "/plans/{}/people/",
        "home": "/",
    }.get(page, "/plans/{}/meetings/")
    for _ in range(2):  # templates compiled, caches warm
        browser.get(url.format(plan_id))
    profiler = cProfile.Profile()
    for _ in range(5):  # the cache emptied before each (but "…-cached"): a first request
        if not page.endswith("-cached"):
            cache.clear()
        profiler.runcall(browser.get, url.format(plan_id))
    stats = pstats.Stats(profiler, stream=sys.stderr)
    stats.sort_stats("cumulative").print_stats(45)
    stats.sort_stats("tottime").print_stats(30)
    return 0


def populate(
    *, objectives: int, actions: int, stakeholders: int, pairs: int, meetings: int, kam: Any = None
) -> tuple[Any, int]:
    """A key account with a plan of this size, written in bulk; returns its KAM and plan id."""
    import random
    from decimal import Decimal

    from accounts.models import Client, Contact, Department, User
    from planning import models as m
    from scoring.models import Programme, ShortlistDecision

    rng = random.Random(objectives)
    director = User.objects.filter(username="bench-director").first() or User.objects.create(
        username="bench-director", role=User.Role.DIRECTOR, first_name="Dana", last_name="Durand"
    )
    if kam is None:
        kam = User.objects.create(
            username="bench-kam", role=User.Role.KAM, first_name="Karim", last_name="Benali"
        )
    contributors = [
        User.objects.create(
            username=f"bench-{objectives}-{index}",
            role=User.Role.CONTRIBUTOR,
            first_name=f"Person {index}",
            last_name="Contributor",
            department=Department.values[index % len(Department.values)],
        )
        for index in range(20)
    ]
    year = TODAY.year
    programme = Programme.objects.filter(year=year).first() or Programme.objects.create(
        year=year,
        budget=Decimal(1_000_000),
        kam_headcount=4,
        kam_cost=Decimal(100_000),
        updated_by=director,
    )
    client = Client.objects.create(
        name=f"Benchmark Industries {objectives}",
        external_id=f"BENCH-{objectives}",
        country="FR",
        kam=kam,
    )
    ShortlistDecision.objects.create(
        programme=programme,
        client_ids=[client.pk],
        client_names=[client.name],
        cost=Decimal(0),
        budget=programme.budget,
        kam_needed=1,
        kam_headcount=4,
        decided_by=director,
    )
    plan = m.Plan.objects.create(
        client=client,
        programme=programme,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        owner=kam,
        customer_business="Packaging lines.",
        customer_strategy="Growth in the East.",
        shared_vision="A recyclable range.",
        created_by=director,
    )
    m.SwotItem.objects.bulk_create(
        m.SwotItem(plan=plan, quadrant=quadrant, text=f"Point {index}", position=index)
        for quadrant in m.SwotItem.Quadrant.values
        for index in range(3)
    )
    offerings = [
        m.Offering.objects.get_or_create(name=f"Offering {index}")[0] for index in range(6)
    ]
    m.Offer.objects.bulk_create(
        m.Offer(
            plan=plan,
            offering=offering,
            business_unit=f"Site {site}",
            status=m.Offer.Status.CURRENT,
            pricing=m.Offer.Pricing.MARKET,
        )
        for offering in offerings
        for site in range(3)
    )
    goals = m.Objective.objects.bulk_create(
        m.Objective(
            plan=plan,
            side=m.Objective.Side.OURS if index % 2 else m.Objective.Side.CUSTOMER,
            title=f"Objective {index}",
            position=index,
        )
        for index in range(objectives)
    )
    m.Kpi.objects.bulk_create(
        kpi
        for goal in goals
        for kpi in (
            m.Kpi(objective=goal, name="Margin", measure=m.Kpi.Measure.GROSS_MARGIN,
                  target=Decimal(100), is_margin=True),
            m.Kpi(objective=goal, name="Sites", measure=m.Kpi.Measure.MANUAL,
                  baseline=Decimal(1), target=Decimal(3), current=Decimal(2)),
        )
    )  # fmt: skip
    m.Action.objects.bulk_create(
        m.Action(
            objective=goal,
            title=f"Action {goal.position}.{index}",
            owner=rng.choice([kam, *contributors]),
            department=Department.LOGISTICS,
            due_date=TODAY + dt.timedelta(days=rng.randint(-120, 200)),
            status=rng.choice(m.Action.Status.values),
            progress=rng.choice((0, 20, 50, 80)),
            position=index,
        )
        for goal in goals
        for index in range(actions)
    )
    contacts = Contact.objects.bulk_create(
        Contact(client=client, first_name=f"First{index}", last_name=f"Last{index}",
                title="Manager", country=("FR", "DE", "ES")[index % 3])
        for index in range(stakeholders)
    )  # fmt: skip
    people = m.Stakeholder.objects.bulk_create(
        m.Stakeholder(
            plan=plan,
            contact=contact,
            buying_role=m.Stakeholder.BuyingRole.values[index % 7],
            attitude=m.Stakeholder.Attitude.values[index % 5],
            influence=index % 5 + 1,
            level=m.Level.values[min(index // 10, 2)],
        )
        for index, contact in enumerate(contacts)
    )
    for index, person in enumerate(people[1:], start=1):
        person.reports_to = people[(index - 1) // 3]  # a tree, three reports each
    m.Stakeholder.objects.bulk_update(people[1:], ["reports_to"])
    cadences = m.Cadence.objects.bulk_create(
        m.Cadence(
            plan=plan,
            kind=m.Cadence.Kind.PEER_TO_PEER,
            name=f"Cadence {index}",
            level=m.Level.values[index % 3],
            every=index % 3 + 1,
            unit=m.Cadence.Unit.MONTH,
            starts_on=TODAY - dt.timedelta(days=360),
        )
        for index in range(10)
    )
    ours = [kam, *contributors]
    m.CounterpartPair.objects.bulk_create(
        m.CounterpartPair(
            plan=plan,
            user=ours[index % len(ours)],
            stakeholder=people[(index * 7) % len(people)],
            level=m.Level.values[index % 3],
            cadence=cadences[index % len(cadences)],
        )
        for index in range(pairs)
        if index < len(ours) * len(people)
    )
    held = m.Meeting.objects.bulk_create(
        m.Meeting(
            plan=plan,
            cadence=cadences[index % len(cadences)],
            date=TODAY - dt.timedelta(days=rng.randint(1, 360)),
            level=m.Level.values[index % 3],
            title=f"Meeting {index}",
            summary="Reviewed the plan.",
            created_by=kam,
        )
        for index in range(meetings)
    )
    Ours = m.MeetingOurParticipant
    Theirs = m.MeetingTheirParticipant
    Ours.objects.bulk_create(
        Ours(meeting_id=meeting.pk, user_id=ours[(index + k) % len(ours)].pk)
        for index, meeting in enumerate(held)
        for k in range(2)
    )
    Theirs.objects.bulk_create(
        Theirs(meeting_id=meeting.pk, stakeholder_id=people[(index * 3 + k) % len(people)].pk)
        for index, meeting in enumerate(held)
        for k in range(3)
    )
    m.MeetingDecision.objects.bulk_create(
        m.MeetingDecision(meeting=meeting, text=f"Decision {index}", position=0)
        for index, meeting in enumerate(held)
        if index % 2 == 0
    )
    return kam, plan.pk


def measure(
    browser: Any, url: str, *, warmup: int, requests: int, cold: bool = False
) -> dict[str, Any]:
    """p50 and p95 server times in ms (wall clock), the p95 of the CPU time the request's
    thread used (which a busy machine inflates less), and the queries of one request. ``cold``
    empties the cache before each request (not timed), so that nothing comes from it."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        browser.get(url)
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = browser.get(url)
    assert response.status_code == 200, (url, response.status_code)
    timings, cpu = [], []
    for _ in range(requests):
        if cold:
            cache.clear()
        started, started_cpu = time.perf_counter(), time.thread_time()
        browser.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    return {
        "queries": len(queries),
        "p50": statistics.median(timings),
        "p95": _p95(timings),
        "cpu_p95": _p95(cpu),
    }


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]


class naive:  # a context manager read as a phrase: ``with naive():``
    """The ORM without joins or prefetches: every row reads its related rows on its own."""

    def __enter__(self) -> None:
        from django.db.models import QuerySet

        self.saved = (QuerySet.select_related, QuerySet.prefetch_related)
        QuerySet.select_related = lambda self, *fields: self._chain()  # type: ignore[method-assign]
        QuerySet.prefetch_related = lambda self, *lookups: self._chain()  # type: ignore[method-assign]

    def __exit__(self, *exc: object) -> None:
        from django.db.models import QuerySet

        QuerySet.select_related, QuerySet.prefetch_related = self.saved  # type: ignore[method-assign]


if __name__ == "__main__":
    sys.exit(main())
