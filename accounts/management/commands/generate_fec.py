from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.fec_generator import FecOptions, generate

SEPARATORS = {"pipe": "|", "tab": "\t"}


class Command(BaseCommand):
    help = (
        "Write a generated French FEC (Fichier des écritures comptables) of a small company, the"
        " same for the same options, to try the FEC import: manage.py import_ledger FILE."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", type=Path, nargs="?", help="File to write (default: the official name)."
        )
        parser.add_argument("--seed", type=int, default=FecOptions.seed)
        parser.add_argument("--year", type=int, default=FecOptions.year)
        parser.add_argument(
            "--invoices", type=int, default=FecOptions.invoices, help="Sales invoices."
        )
        parser.add_argument(
            "--layout",
            choices=["auxiliary", "general"],
            default="auxiliary",
            help="Customers as auxiliary accounts of 411000, or as general accounts 411XXXXX.",
        )
        parser.add_argument("--separator", choices=sorted(SEPARATORS), default="pipe")
        parser.add_argument("--encoding", choices=["utf-8", "iso-8859-15"], default="utf-8")
        parser.add_argument(
            "--header",
            choices=["official", "variant"],
            default="official",
            help="Official column names, or names as some packages write them.",
        )
        parser.add_argument(
            "--amounts", choices=["plain", "padded", "spaces", "signed"], default="plain"
        )
        parser.add_argument("--due-dates", action="store_true", help="Add a DateEcheance column.")

    def handle(self, *args: Any, path: Path | None, **options: Any) -> None:
        if options["invoices"] < 1:
            raise CommandError("--invoices must be at least 1.")
        fec_options = FecOptions(
            seed=options["seed"],
            year=options["year"],
            invoices=options["invoices"],
            layout=options["layout"],
            separator=SEPARATORS[options["separator"]],
            encoding=options["encoding"],
            header=options["header"],
            amounts=options["amounts"],
            due_dates=options["due_dates"],
        )
        target = path or Path(fec_options.filename)
        raw = generate(fec_options)
        target.write_bytes(raw)
        lines = raw.count(b"\n") - 1
        self.stdout.write(f"Wrote {target}: {lines} accounting lines.")
