"""Benchmark whole processes, start-up included: with bytecode compiled once against a naive
baseline that compiles every module from source at each start.

    uv run python scripts/bench_start.py [--runs 5] [--import-runs 3] [--lines 100000] [--check]

Times, as a user would wait for them (a new Python process each time, ``subprocess``):

1. ``python manage.py check``;
2. ``python manage.py import_ledger FILE`` of a generated demo ledger of ``--lines`` lines, into
   a throwaway database (kam_bench_start_<pid>) emptied before each run.

Each command runs in two environments, alternately, in the same run:

- **compiled**: bytecode compiled once (into a cache of this run, ``PYTHONPYCACHEPREFIX``, by
  one untimed run of each command), then read at every start, as after
  ``uv sync --compile-bytecode`` and the image's ``compileall``;
- **naive**: no bytecode at all (``PYTHONDONTWRITEBYTECODE=1`` and an empty cache folder each
  run), so Python compiles Django, pandas and the rest from source at every start, as the
  scripts did before.

It prints the median and best wall-clock times and the median CPU time (user + system) of each,
and the load average: on a busy machine wall-clock times stretch, CPU times much less.
``--check`` exits with status 1 when a compiled median misses its target (check ≤ 1.5 s,
import ≤ 4 s). The database is dropped at the end, also on error.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import benchdb

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"check": 1.5, "import": 4.0}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of manage.py check per mode")
    parser.add_argument("--import-runs", type=int, default=3, help="imports per mode")
    parser.add_argument("--lines", type=int, default=100_000, help="ledger lines to import")
    parser.add_argument("--check", action="store_true", help="fail when a target is missed")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_DEBUG", "true")
    with (
        benchdb.throwaway_database("start", production=False) as name,
        tempfile.TemporaryDirectory(prefix="kam-bench-start-") as folder,
    ):
        os.environ["KAM_MEDIA_ROOT"] = str(Path(folder) / "media")
        return run(args, Path(folder), database=name)


def run(args: argparse.Namespace, folder: Path, *, database: str) -> int:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from accounts import demo
    from accounts.models import User

    print(f"Database {database}: migrating…", file=sys.stderr)
    call_command("migrate", verbosity=0)
    User.objects.create(username="bench", role=User.Role.DIRECTOR)
    ledger = folder / "ledger.csv"
    with ledger.open("w", encoding="utf-8", newline="") as stream:
        lines = demo.write_ledger_csv(demo.demo_programme(lines=args.lines), stream)
    print(f"Generated {lines:,} ledger lines.", file=sys.stderr)

    compiled_cache = folder / "bytecode"
    environments: dict[str, Callable[[], dict[str, str]]] = {
        "compiled": lambda: environment(cache=compiled_cache, write=True),
        "naive": lambda: environment(cache=Path(tempfile.mkdtemp(dir=folder)), write=False),
    }
    commands = {
        "check": [sys.executable, "manage.py", "check"],
        "import": [sys.executable, "manage.py", "import_ledger", str(ledger)],
    }

    print("Compiling the bytecode once (an untimed run of each command)…", file=sys.stderr)
    started = time.perf_counter()
    for name, command in commands.items():
        before = empty_tables if name == "import" else None
        timed(command, environments["compiled"](), before=before)
    compile_seconds = time.perf_counter() - started

    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for name, command in commands.items():
        runs = args.runs if name == "check" else args.import_runs
        for index in range(runs):
            for mode in ("compiled", "naive") if index % 2 == 0 else ("naive", "compiled"):
                before = empty_tables if name == "import" else None
                results.setdefault((name, mode), []).append(
                    timed(command, environments[mode](), before=before)
                )
                print(f"  {name} {mode} run {index + 1}/{runs}", file=sys.stderr)

    load = os.getloadavg()
    print(
        f"\nWhole processes, start-up included ({os.cpu_count()} cores, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} over 1 / 5 / 15 min)\n"
    )
    print("| Command | Bytecode | Runs | Median | Best | CPU (median) | Target |")
    print("| ------- | -------- | ---: | -----: | ---: | -----------: | ------ |")
    labels = {
        "check": "`manage.py check`",
        "import": f"`manage.py import_ledger`, {lines:,} lines",
    }
    missed = []
    for name in commands:
        for mode in ("compiled", "naive"):
            timings = results[name, mode]
            wall = statistics.median(wall for wall, _ in timings)
            cpu = statistics.median(cpu for _, cpu in timings)
            best = min(wall for wall, _ in timings)
            target = ""
            if mode == "compiled":
                met = wall <= TARGETS[name]
                target = f"≤ {TARGETS[name]:g} s: {'met' if met else 'MISSED'}"
                if not met:
                    missed.append(name)
            print(
                f"| {labels[name]} | {mode} | {len(timings)} | {wall:.2f} s | {best:.2f} s "
                f"| {cpu:.2f} s | {target} |"
            )
    for name in commands:
        naive = statistics.median(wall for wall, _ in results[name, "naive"])
        compiled = statistics.median(wall for wall, _ in results[name, "compiled"])
        print(f"\n{name}: {naive - compiled:.2f} s saved a start ({naive / compiled:.1f} times)")
    print(f"Compiling once (both commands' modules) took {compile_seconds:.1f} s.")
    return 1 if args.check and missed else 0


def environment(*, cache: Path, write: bool) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    if not write:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def timed(
    command: list[str], env: dict[str, str], *, before: Callable[[], None] | None
) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds) of one run of ``command``."""
    if before is not None:
        before()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    cache = env.get("PYTHONPYCACHEPREFIX")
    if env.get("PYTHONDONTWRITEBYTECODE") and cache:
        shutil.rmtree(cache, ignore_errors=True)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    return wall, cpu


def empty_tables() -> None:
    from django.db import connection

    from accounts.models import Client, ClientYearMetric, LedgerImport, LedgerLine

    models = (LedgerLine, ClientYearMetric, LedgerImport, Client)
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(m._meta.db_table for m in models)} CASCADE")


if __name__ == "__main__":
    sys.exit(main())
