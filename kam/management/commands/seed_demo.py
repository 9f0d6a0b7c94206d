"""The demo: each app seeds its own data through its own services, from the lowest app up."""

import time
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import demo as accounts_demo
from planning import demo as planning_demo
from scoring import demo as scoring_demo


class Command(BaseCommand):
    help = (
        "Create the demo users, import three years of a generated ledger, set the clients'"
        " groups, KAMs, sponsors and contacts, then rate them, estimate their costs to serve, set"
        " the programme budget, score them and confirm a shortlist of four key accounts, then open"
        " and fill their plans. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=accounts_demo.DEMO_SEED)
        parser.add_argument(
            "--lines", type=int, default=accounts_demo.DEMO_LINES, help="Ledger lines to generate."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even with DJANGO_DEBUG=false (the demo users share a public password).",
        )

    def handle(self, *args: Any, seed: int, lines: int, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "The demo users have a published password: seed only a demo instance"
                " (DJANGO_DEBUG=true), or pass --force."
            )
        started = time.perf_counter()
        try:
            accounts = accounts_demo.seed_demo(seed=seed, lines=lines)
            selection = scoring_demo.seed_demo(accounts=accounts)
            planning = planning_demo.seed_demo(accounts=accounts)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            f"{accounts.summary}\n{selection}\n{planning}\n"
            f"Done in {time.perf_counter() - started:.1f} s."
        )
