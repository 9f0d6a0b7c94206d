"""Benchmark the PDF of an account plan against a naive rendering of the same report.

    uv run python scripts/bench_pdf.py [--renders 10] [--batch 50] [--check]

Creates a throwaway database (kam_bench_pdf_<pid>) on the server of DATABASE_URL, migrates it,
and writes (with ``scripts/bench_plan.py``'s ``populate``) the big plan of the plans issue (50
objectives of 10 actions with two KPIs each, 100 stakeholders, 300 counterpart pairs, 10
cadences, 200 meetings) and five plans of about ten pages (8 to 12 objectives of 3 actions, 12
stakeholders), with three years of ledger figures and a score for each account. Then, DEBUG
off, it measures ``planning.pdf.plan_pdf`` (the draft, in English):

1. a ten-page plan, ``--renders`` times in a warm process (after two renders): p50 and p95
   of the wall clock, and the p50 of the CPU time the process used (which a busy machine
   inflates less);
2. the big plan in a fresh child process: its time (and CPU time) and the peak resident
   memory of that process (``resource.getrusage``'s ``ru_maxrss``, Django and WeasyPrint included);
3. a batch of ``--batch`` plans (the five ten-page plans in turn) on a pool of 2 worker
   processes calling ``plan_pdf``, each warmed by one render first: PDFs per second;
4. the naive way, in the same run, for the ten-page plan: the same report as a first
   implementation would make it, with WeasyPrint's defaults and nothing kept between renders:
   its stylesheet linked from the HTML and its charts and logo written to files, all fetched
   over HTTP from a local server by WeasyPrint's default fetcher and parsed again each time,
   and Python's garbage collector left running during the layout; the ratio of the p50s
   (wall clock and CPU).

It prints a table and exits with status 1 under ``--check`` when a target is missed: ten pages
p50 ≤ 1 s, the big plan ≤ 15 s and ≤ 600 MB. The database is dropped at the end, also on error.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import functools
import http.server
import importlib
import multiprocessing
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import benchdb

ROOT = Path(__file__).resolve().parent.parent
TARGET_TEN_PAGES_P50_S = 1.0
TARGET_BIG_S = 15.0
TARGET_BIG_MB = 600.0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=10, help="timed renders, ten pages")
    parser.add_argument("--batch", type=int, default=50, help="plans in the batch (0: none)")
    parser.add_argument("--check", action="store_true", help="fail when a target is missed")
    args = parser.parse_args()

    with benchdb.throwaway_database("pdf"):
        return run(args)


def setup() -> None:
    """Django as a worker starts it (also in each child process)."""
    sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
    importlib.import_module("kam.wsgi")


def run(args: argparse.Namespace) -> int:
    setup()
    from django.core.management import call_command
    from django.db import connection, connections

    print("Migrating…", file=sys.stderr)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    big, tens = write_plans()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"Plans written in {time.perf_counter() - started:.1f} s.", file=sys.stderr)
    connections.close_all()

    from planning import pdf

    print("Timing a ten-page plan…", file=sys.stderr)
    for _ in range(2):
        data = pdf.plan_pdf(plan_id=tens[2], version_id=None, language="en")
    ten_pages = page_count(data)
    timings, cpu = [], []
    for _ in range(args.renders):
        started, started_cpu = time.perf_counter(), time.process_time()
        pdf.plan_pdf(plan_id=tens[2], version_id=None, language="en")
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)

    print("Timing the naive ten-page plan (charts over HTTP)…", file=sys.stderr)
    naive, naive_cpu = naive_timings(tens[2], renders=max(5, args.renders // 3))

    print("Timing the big plan in a fresh process…", file=sys.stderr)
    connections.close_all()
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(1) as pool:
        big_seconds, big_cpu, big_mb, big_pages = pool.apply(render_in_child, (big,))

    batch_seconds = 0.0
    if args.batch:
        print(f"Timing a batch of {args.batch} plans on 2 processes…", file=sys.stderr)
        ids = [tens[index % len(tens)] for index in range(args.batch)]
        with spawn.Pool(2, initializer=warm_worker, initargs=(tens[0],)) as pool:
            pool.map(render_one, [tens[0]] * 4, chunksize=1)  # both workers warm
            started = time.perf_counter()
            sizes = pool.map(render_one, ids, chunksize=1)
            batch_seconds = time.perf_counter() - started
        assert all(sizes)

    p50, p95 = statistics.median(timings), _p95(timings)
    naive_p50 = statistics.median(naive)
    print(
        f"\nplan_pdf, the draft in English; DEBUG off; Python {platform.python_version()}, "
        f"load average {' '.join(f'{value:.2f}' for value in os.getloadavg())} on "
        f"{os.cpu_count()} CPUs\n"
    )
    print(
        "| Report                                        | Pages | p50      | p95      | "
        "CPU p50  | Peak memory |"
    )
    print(
        "|-----------------------------------------------|------:|---------:|---------:|---------:|------------:|"
    )
    print(
        f"| Ten-page plan, warm process ({args.renders} renders)      | {ten_pages:>5} | "
        f"{p50:>6.2f} s | {p95:>6.2f} s | {statistics.median(cpu):>6.2f} s |             |"
    )
    print(
        f"| Naive: CSS, charts, logo by HTTP, GC running  | {ten_pages:>5} | "
        f"{naive_p50:>6.2f} s | {_p95(naive):>6.2f} s | {statistics.median(naive_cpu):>6.2f} s |"
        "             |"
    )
    print(
        f"| 50 x 10 plan, fresh process (one render)      | {big_pages:>5} | "
        f"{big_seconds:>6.2f} s |          | {big_cpu:>6.2f} s | {big_mb:>8.0f} MB |"
    )
    if args.batch:
        print(
            f"\nBatch: {args.batch} ten-page plans on 2 worker processes in {batch_seconds:.1f} s, "
            f"{args.batch / batch_seconds:.2f} PDFs a second "
            f"({batch_seconds / args.batch:.2f} s a plan)."
        )
    print(
        f"Naive / ours, ten-page p50: {naive_p50 / p50:.2f} times "
        f"(CPU: {statistics.median(naive_cpu) / statistics.median(cpu):.2f} times)."
    )
    met = p50 <= TARGET_TEN_PAGES_P50_S and big_seconds <= TARGET_BIG_S and big_mb <= TARGET_BIG_MB
    print(
        f"Targets: ten pages p50 ≤ {TARGET_TEN_PAGES_P50_S:g} s, the big plan ≤ {TARGET_BIG_S:g} s "
        f"and ≤ {TARGET_BIG_MB:g} MB: {'met' if met else 'MISSED'}"
    )
    return 1 if args.check and not met else 0


def write_plans() -> tuple[int, list[int]]:
    """The big plan and five ten-page plans, with ledger figures and a ranking."""
    from decimal import Decimal

    from bench_plan import populate

    from accounts.models import Client, ClientYearMetric
    from scoring.models import ScoringRun
    from scoring.services import runs

    owner, big = populate(objectives=50, actions=10, stakeholders=100, pairs=300, meetings=200)
    tens = [
        populate(objectives=size, actions=3, stakeholders=12, pairs=12, meetings=20, kam=owner)[1]
        for size in range(8, 13)
    ]
    year = dt.datetime.now(dt.UTC).year
    ClientYearMetric.objects.bulk_create(
        ClientYearMetric(
            client=client,
            year=year - back,
            revenue=Decimal(900_000 - 40_000 * back + 1000 * index),
            gross_margin=Decimal(190_000 - 9_000 * back),
            margin_pct=21.1 - back / 2,
            share_pct=1.0,
            order_count=120,
            line_count=900,
            avg_days_late=2.0 + back,
        )
        for index, client in enumerate(Client.objects.all())
        for back in (1, 2, 3)
    )
    runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)
    return big, tens


def page_count(data: bytes) -> int:
    """The pages of a PDF, as poppler's ``pdfinfo`` reads them."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


def render_in_child(plan_id: int) -> tuple[float, float, float, int]:
    """One render in this (fresh) process: seconds, CPU seconds, peak resident MB, pages."""
    setup()
    from planning import pdf

    started, started_cpu = time.perf_counter(), time.process_time()
    data = pdf.plan_pdf(plan_id=plan_id, version_id=None, language="en")
    seconds, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return seconds, cpu, peak_kb / 1024, page_count(data)


def warm_worker(plan_id: int) -> None:
    setup()
    render_one(plan_id)


def render_one(plan_id: int) -> int:
    from planning import pdf

    return len(pdf.plan_pdf(plan_id=plan_id, version_id=None, language="en"))


# --- the naive way --------------------------------------------------------------------------------


NAIVE_IMAGE_CSS = """
.chart img { width: 100%; height: auto; display: block; }
.chart-small img { max-height: 62mm; }
.map img { max-height: 200mm; }
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def naive_timings(plan_id: int, *, renders: int) -> tuple[list[float], list[float]]:
    """The same report made the way a first implementation would: the template's HTML with a
    ``<link>`` to the stylesheet, each inline SVG chart and the logo written to a file and
    linked from an ``<img>``, all fetched over HTTP from a local server by WeasyPrint's default
    fetcher, and parsed again on every render; the garbage collector left running. Seconds and
    CPU seconds per render, the data, the HTML and the serving included."""
    from django.template.loader import render_to_string
    from django.utils import timezone, translation
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from planning import pdf
    from planning.pdf import plan as plan_report

    folder = Path(tempfile.mkdtemp(prefix="kam-bench-pdf-"))
    (folder / "pdf").mkdir()
    css = (ROOT / "static/pdf/report.css").read_text(encoding="utf-8")
    css += NAIVE_IMAGE_CSS  # the charts' sizes, for an <img> rather than an inline <svg>
    (folder / "pdf" / "report.css").write_text(css, encoding="utf-8")
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    timings, cpu = [], []
    try:
        for attempt in range(renders + 1):
            started, started_cpu = time.perf_counter(), time.process_time()
            with translation.override("en"):
                report = plan_report.plan_report(plan_id=plan_id, version_id=None)
                html: str = render_to_string(
                    "planning/pdf/plan.html",
                    {"report": report, "branding": report.branding, "language": "en",
                     "made_at": pdf.pdf_date(timezone.now())},
                )  # fmt: skip
            html = html.replace(
                "<style>", f'<link rel="stylesheet" href="{base}pdf/report.css"><style>', 1
            )
            images = iter(range(1000))

            def linked(match: re.Match[str], run: int = attempt, numbers: Any = images) -> str:
                name = f"chart-{run}-{next(numbers)}.svg"
                (folder / name).write_text(match.group(0), encoding="utf-8")
                return f'<img src="{base}{name}">'

            def logo(match: re.Match[str], run: int = attempt) -> str:
                kind, data = match.group(1), base64.b64decode(match.group(2))
                name = f"logo-{run}.{kind.split('/')[-1].split('+')[0]}"
                (folder / name).write_bytes(data)
                return f'src="{base}{name}"'

            html = re.sub(r"<svg\b.*?</svg>", linked, html, flags=re.S)
            html = re.sub(r'src="data:([\w/+.-]+);base64,([^"]+)"', logo, html)
            data = HTML(string=html, base_url=base, url_fetcher=URLFetcher()).write_pdf()
            if attempt:  # the first warms the server
                timings.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
    finally:
        server.shutdown()
    ours = pdf.plan_pdf(plan_id=plan_id, version_id=None, language="en")
    assert page_count(data) == page_count(ours), "the naive report must have the same pages"
    assert _words(data) == _words(ours), "the naive report must read the same"
    return timings, cpu


def _words(data: bytes) -> list[str]:
    """The words of a PDF, as poppler's ``pdftotext`` reads them, page by page."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(data)
        file.flush()
        text = subprocess.run(["pdftotext", file.name, "-"], capture_output=True, text=True)
    return [" ".join(sorted(page.split())) for page in text.stdout.split("\f")]


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) > 1 else values[0]


if __name__ == "__main__":
    sys.exit(main())
