"""Benchmark reading a French FEC against a naive pure-Python reading of the same file.

    uv run python scripts/bench_fec.py [--invoices 12600] [--seed 2025] [--check]

No database: the script generates a FEC with ``accounts.fec_generator`` (about 100,000
accounting lines for the default 12,600 invoices), then times ``accounts.fec.read`` and
``accounts.fec.parse`` (best of 3: split, checks, amounts, dates, entries, matching, the
revenue lines of every customer) against a naive reading (best of 1): the ``csv`` module, then
loops over rows and dictionaries per entry and per matching letter computing the same revenue
per customer and paid dates. It checks that both give the same revenue per customer (to the
cent) and exits with status 1 when they do not; ``--check`` also exits with status 1 when the
target (``TARGET_SECONDS`` for 100,000 lines) is missed.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import platform
import sys
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
os.environ.setdefault("DJANGO_DEBUG", "true")

import django  # noqa: E402  (the repository root is on the path only now)

django.setup()

from accounts import fec  # noqa: E402
from accounts.fec_generator import FecOptions, generate  # noqa: E402

TARGET_SECONDS = 3.0


def naive(raw: bytes) -> dict[str, Decimal]:
    """Revenue per customer the straightforward way: a dictionary per row, loops per entry."""
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8")), delimiter="|"))

    def money(text: str) -> Decimal:
        text = text.strip()
        return Decimal(text.replace(",", ".")) if text else Decimal(0)

    def day(text: str) -> dt.date | None:
        return dt.datetime.strptime(text, "%Y%m%d").date() if text else None  # noqa: DTZ007

    entries: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    dates: dict[int, tuple[dt.date | None, dt.date | None, dt.date | None]] = {}
    for row in rows:
        dates[id(row)] = (day(row["EcritureDate"]), day(row["PieceDate"]), day(row["DateLet"]))
        entries[row["JournalCode"], row["EcritureNum"]].append(row)
        if row["CompteNum"].startswith("411") and row["EcritureLet"]:
            groups[row["CompAuxNum"] or row["CompteNum"], row["EcritureLet"]].append(row)
    paid: dict[int, str] = {}
    for lines in groups.values():
        total = sum(money(row["Debit"]) - money(row["Credit"]) for row in lines)
        if total == 0:
            latest = max(row["EcritureDate"] for row in lines)
            for row in lines:
                paid[id(row)] = row["DateLet"] or latest
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    unbalanced = 0
    for lines in entries.values():
        if sum(money(row["Debit"]) - money(row["Credit"]) for row in lines) != 0:
            unbalanced += 1
        customers = [row for row in lines if row["CompteNum"].startswith("411")]
        if not customers:
            continue
        customer = customers[0]["CompAuxNum"] or customers[0]["CompteNum"]
        for row in lines:
            if row["CompteNum"].startswith("70"):
                revenue[customer] += money(row["Credit"]) - money(row["Debit"])
    return dict(revenue)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=12_600)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    raw = generate(FecOptions(seed=args.seed, invoices=args.invoices))
    size = raw.count(b"\n") - 1

    best = float("inf")
    reading = None
    for _ in range(3):
        started = time.perf_counter()
        reading = fec.parse(fec.read(raw))
        best = min(best, time.perf_counter() - started)
    assert reading is not None
    started = time.perf_counter()
    expected = naive(raw)
    naive_seconds = time.perf_counter() - started

    lines = reading.parsed.lines
    engine = {
        str(key): Decimal(str(round(value, 2)))
        for key, value in lines.groupby("external_id")["amount"].sum().items()
    }
    agree = engine == {key: value.quantize(Decimal("0.01")) for key, value in expected.items()}
    target = TARGET_SECONDS * size / 100_000
    load = os.getloadavg()[0]
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPU, load average {load:.1f}")
    print(f"FEC lines: {size:,}; entries: {reading.entries:,}; sales: {reading.sales_entries:,}")
    print(f"Revenue lines: {len(lines):,}; customers: {reading.customers}")
    print(f"accounts.fec read + parse (best of 3): {best:.2f} s (target {target:.1f} s)")
    print(f"Naive csv + loops: {naive_seconds:.2f} s ({naive_seconds / best:.1f}x slower)")
    print(f"Same revenue per customer: {'yes' if agree else 'NO'}")
    if not agree:
        return 1
    if args.check and best > target:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
