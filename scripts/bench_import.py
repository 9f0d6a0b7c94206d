"""Benchmark the ledger import against a naive per-row ORM load.

    uv run python scripts/bench_import.py [--lines 100000] [--sample 2000] [--check]

Creates a throwaway database (kam_bench_import_<pid>) on the server of DATABASE_URL, migrates it,
generates a demo ledger, then times:

1. the real import through ``accounts.services.imports.ledger_import_from_path``: the import
   job as the Celery worker runs it (read the stored file, parse with pandas, COPY into staging
   tables, set-based upserts, client metrics; its own start and finish times), and the whole
   path from upload to done (size and format checks, detection, preview, then the job);
2. a naive load of a sample of the same lines: ``Client.objects.get_or_create`` and
   ``LedgerLine(...).save()`` per line, extrapolated to the whole file (no metrics, which
   flatters the naive load).

The database is dropped at the end, also on error. ``--check`` exits with status 1 when the
targets (at most 3 s for the import job, at least 20 times faster) are missed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

import benchdb

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 3.0
TARGET_RATIO = 20.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=100_000, help="ledger lines to import")
    parser.add_argument("--sample", type=int, default=2_000, help="lines loaded the naive way")
    parser.add_argument("--check", action="store_true", help="fail when a target is missed")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_DEBUG", "true")
    with (
        benchdb.throwaway_database("import", production=False) as name,
        tempfile.TemporaryDirectory(prefix="kam-bench-") as folder,
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
    from accounts.services import imports as import_services

    print(f"Database {database}: migrating…", file=sys.stderr)
    call_command("migrate", verbosity=0)
    director = User.objects.create(username="bench", role=User.Role.DIRECTOR)

    started = time.perf_counter()
    path = folder / "ledger.csv"
    with path.open("w", encoding="utf-8", newline="") as stream:
        lines = demo.write_ledger_csv(demo.demo_programme(lines=args.lines), stream)
    generated = time.perf_counter() - started
    size = path.stat().st_size / 1_000_000
    print(f"Generated {lines:,} lines ({size:.1f} MB) in {generated:.1f} s.", file=sys.stderr)

    started = time.perf_counter()
    result = import_services.ledger_import_from_path(path=path, user=director)
    whole = time.perf_counter() - started
    if result.status != result.Status.DONE or result.rows_imported != lines:
        print(f"The import did not load every line: {result.status} {result.error}")
        return 1
    assert result.duration is not None
    real = result.duration.total_seconds()  # the job: parse, load, metrics

    empty_tables()
    sample = min(args.sample, lines)
    naive_sample = naive_load(path, limit=sample)
    naive = naive_sample * lines / sample
    ratio = naive / real

    rows = [
        ("Import job (read, parse, COPY, upserts, metrics)", lines, real),
        ("Upload to done (checks, detection, preview, job)", lines, whole),
        (f"Naive per-row ORM load, measured on {sample:,} lines", sample, naive_sample),
        (f"Naive per-row ORM load, extrapolated to {lines:,} lines", lines, naive),
    ]
    print(f"\nLedger import of {lines:,} demo lines ({size:.1f} MB CSV), PostgreSQL {version()}\n")
    print(f"| {'What':<58} | {'Lines':>9} | {'Seconds':>8} | {'Lines/s':>9} |")
    print(f"|{'-' * 60}|{'-' * 10}:|{'-' * 9}:|{'-' * 10}:|")
    for label, count, seconds in rows:
        print(f"| {label:<58} | {count:>9,} | {seconds:>8.2f} | {count / seconds:>9,.0f} |")
    print(f"\nSpeed-up: {ratio:,.0f} times")
    met_time, met_ratio = real <= TARGET_SECONDS, ratio >= TARGET_RATIO
    print(f"Target ≤ {TARGET_SECONDS:g} s for the import job: {'met' if met_time else 'MISSED'}")
    print(f"Target ≥ {TARGET_RATIO:g} times the naive load: {'met' if met_ratio else 'MISSED'}")
    return 1 if args.check and not (met_time and met_ratio) else 0


def empty_tables() -> None:
    from django.db import connection

    from accounts.models import Client, ClientYearMetric, LedgerLine

    tables = [model._meta.db_table for model in (LedgerLine, ClientYearMetric, Client)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def naive_load(path: Path, *, limit: int) -> float:
    """Seconds to read ``limit`` lines and save them one ORM call at a time."""
    from accounts.models import Client, LedgerLine

    def number(text: str) -> Decimal:
        return Decimal(text.replace(",", "."))

    def day(text: str) -> dt.date | None:
        return dt.datetime.strptime(text, "%d/%m/%Y").date() if text else None  # noqa: DTZ007

    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as stream:
        for index, row in enumerate(csv.DictReader(stream, delimiter=";")):
            if index == limit:
                break
            client, _ = Client.objects.get_or_create(
                external_id=row["N° client"],
                defaults={"name": row["Client"], "country": row["Pays"], "segment": row["Segment"]},
            )
            amount, due, paid = (
                number(row["Montant HT"]),
                day(row["Échéance"]),
                day(row["Date de règlement"]),
            )
            LedgerLine(
                client=client,
                line_key=uuid.uuid5(uuid.NAMESPACE_URL, f"{index};{';'.join(row.values())}"),
                order_ref=row["N° commande"],
                date=dt.datetime.strptime(row["Date facture"], "%d/%m/%Y").date(),  # noqa: DTZ007
                amount=amount,
                quantity=number(row["Quantité"]),
                profit=amount - number(row["Coût"]),
                currency="EUR",
                original_amount=amount,
                original_profit=amount - number(row["Coût"]),
                exchange_rate=1,
                due_date=due,
                paid_date=paid,
                days_late=(paid - due).days if paid and due else None,
                disputed=row["Litige"] == "Oui",
                is_return=amount < 0,
                country=row["Pays"],
            ).save()
    return time.perf_counter() - started


def version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0]).split()[0]


if __name__ == "__main__":
    sys.exit(main())
