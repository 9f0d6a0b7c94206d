"""Benchmark ``manage.py import_ledger`` as a whole process on big ledgers, streamed in chunks,
against the same import reading the whole file at once (the path before streaming).

    uv run python scripts/bench_import_million.py [--sizes 100000 1000000] [--check]

Creates a throwaway database (kam_bench_million_<pid>) on the server of DATABASE_URL, migrates
it, and generates demo ledgers of each size (French ERP export: semicolons, decimal commas,
dd/mm/yyyy dates). For each size it runs, each time in a new Python process on emptied tables:

1. ``manage.py import_ledger FILE``: the real command, start-up included, the file read and
   loaded in chunks of ``accounts.ledger.CHUNK_ROWS`` lines within one transaction;
2. the naive baseline: the same command with the whole file as one chunk, as before streaming
   (the file read whole into pandas, parsed whole, COPied in one go).

It prints the wall-clock time of each process and its peak resident memory (``wait4``'s
``ru_maxrss`` of that child). ``--check`` exits with status 1 when the 1,000,000-line import
misses its targets (at most 30 s, at most 1 GB).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchdb

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 30.0
TARGET_BYTES = 1_000_000_000
WHOLE_FILE = (
    "import sys, django; django.setup(); "
    "from accounts import ledger; ledger.CHUNK_ROWS = 10**9; "
    "from django.core.management import call_command; call_command('import_ledger', sys.argv[1])"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--check", action="store_true", help="fail when a target is missed")
    parser.add_argument(
        "--ledgers", type=Path, help="keep the generated ledgers in this folder and reuse them"
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_DEBUG", "true")
    with (
        benchdb.throwaway_database("million", production=False) as name,
        tempfile.TemporaryDirectory(prefix="kam-bench-") as folder,
    ):
        os.environ["KAM_MEDIA_ROOT"] = str(Path(folder) / "media")
        return run(args, Path(folder), database=name)


def child(command: list[str]) -> tuple[float, int, str]:
    """Run a process; its wall-clock seconds, peak resident bytes and output."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{output}")
    return seconds, usage.ru_maxrss * 1024, output  # ru_maxrss is in kilobytes on Linux


def run(args: argparse.Namespace, folder: Path, *, database: str) -> int:
    python = sys.executable
    print(f"Database {database}: migrating…", file=sys.stderr)
    child([python, "manage.py", "migrate", "--verbosity", "0"])
    child([python, "manage.py", "shell", "-c", CREATE_DIRECTOR])

    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from accounts import demo

    rows = []
    for size in args.sizes:
        path = (args.ledgers or folder) / f"ledger-{size}.csv"
        started = time.perf_counter()
        if not path.exists():
            with path.open("w", encoding="utf-8", newline="") as stream:
                demo.write_ledger_csv(demo.demo_programme(lines=size), stream)
        with path.open("rb") as stream:
            lines = sum(1 for _line in stream) - 1
        megabytes = path.stat().st_size / 1_000_000
        print(
            f"Generated {lines:,} lines ({megabytes:.0f} MB) in "
            f"{time.perf_counter() - started:.0f} s.",
            file=sys.stderr,
        )
        for label, command in (
            ("import_ledger, streamed in chunks", [python, "manage.py", "import_ledger"]),
            ("naive: the whole file at once", [python, "-c", WHOLE_FILE]),
        ):
            empty_tables()
            seconds, peak, output = child([*command, str(path)])
            if f"Imported: {lines}" not in output:
                raise SystemExit(f"{label}: not every line was imported:\n{output}")
            rows.append((label, lines, megabytes, seconds, peak))
            print(
                f"{label}, {lines:,} lines: {seconds:.1f} s, {peak / 1e6:,.0f} MB", file=sys.stderr
            )

    load = os.getloadavg()[0]
    print(f"\nmanage.py import_ledger as a whole process (start-up included), load {load:.1f}\n")
    print(f"| {'What':<36} | {'Lines':>9} | {'CSV MB':>6} | {'Seconds':>7} | {'Peak RSS MB':>11} |")
    print(f"|{'-' * 38}|{'-' * 10}:|{'-' * 7}:|{'-' * 8}:|{'-' * 12}:|")
    for label, lines, megabytes, seconds, peak in rows:
        print(
            f"| {label:<36} | {lines:>9,} | {megabytes:>6.0f} | {seconds:>7.1f} "
            f"| {peak / 1e6:>11,.0f} |"
        )
    streamed = [row for row in rows if row[0].startswith("import_ledger") and row[1] >= 1_000_000]
    met = all(row[3] <= TARGET_SECONDS and row[4] <= TARGET_BYTES for row in streamed)
    if streamed:
        print(
            f"\nTarget for 1,000,000 lines, ≤ {TARGET_SECONDS:g} s and ≤ 1 GB: "
            f"{'met' if met else 'MISSED'}"
        )
    return 1 if args.check and not met else 0


CREATE_DIRECTOR = (
    "from accounts.models import User; "
    "User.objects.create(username='bench', role=User.Role.DIRECTOR)"
)


def empty_tables() -> None:
    from django.db import connection

    from accounts.models import Client, ClientYearMetric, LedgerImport, LedgerLine

    models = (LedgerLine, ClientYearMetric, Client, LedgerImport)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(m._meta.db_table for m in models)} CASCADE")
    connection.close()


if __name__ == "__main__":
    sys.exit(main())
