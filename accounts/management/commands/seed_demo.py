import hashlib
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import demo, services
from accounts.models import (
    Client,
    ClientYearMetric,
    Contact,
    Department,
    LedgerImport,
    LedgerLine,
    User,
)
from scoring import selectors as scoring_selectors
from scoring.models import CostToServe, Programme, Rating, ScoringRun
from scoring.services import runs as scoring_runs
from scoring.services import selection as scoring_selection

# username → (first name, last name, role, department, country)
DEMO_USERS = {
    "director": ("Diane", "Marchal", User.Role.DIRECTOR, Department.MANAGEMENT, "FR"),
    "kam": ("Karim", "Benali", User.Role.KAM, Department.SALES, "FR"),
    "kam2": ("Katja", "Neumann", User.Role.KAM, Department.SALES, "DE"),
    "sponsor": ("Serge", "Aubert", User.Role.SPONSOR, Department.MANAGEMENT, "FR"),
    "contributor": ("Carmen", "Ruiz", User.Role.CONTRIBUTOR, Department.LOGISTICS, "ES"),
    "admin": ("Adèle", "Morin", User.Role.ADMIN, Department.OTHER, "FR"),
}


class Command(BaseCommand):
    help = (
        "Create the demo users, import three years of a generated ledger and set the clients'"
        " groups, KAMs, sponsors and contacts. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=demo.DEMO_SEED)
        parser.add_argument(
            "--lines", type=int, default=demo.DEMO_LINES, help="Ledger lines to generate."
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
        programme = demo.demo_programme(seed=seed, lines=lines)
        users = self._users()
        ledger = self._ledger(programme, importer=users["director"])
        updated = self._clients(programme, users)
        contacts = self._contacts(programme, users["director"])
        selection = self._selection(programme, users)
        self.stdout.write(
            f"Demo users: {', '.join(DEMO_USERS)} (password: {demo.DEMO_PASSWORD})\n"
            f"Ledger: {ledger}\n"
            f"Clients: {Client.objects.count()} ({updated} updated), contacts: {contacts},"
            f" ledger lines: {LedgerLine.objects.count()}\n"
            f"Selection: {selection}\n"
            f"Done in {time.perf_counter() - started:.1f} s."
        )

    def _users(self) -> dict[str, User]:
        users = {}
        for username, (first, last, role, department, country) in DEMO_USERS.items():
            user, created = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@kam.example",
                    "role": role,
                    "department": department,
                    "country": country,
                    "is_staff": role == User.Role.ADMIN,
                    "is_superuser": role == User.Role.ADMIN,
                },
            )
            if created:
                user.set_password(demo.DEMO_PASSWORD)
                user.save(update_fields=["password"])
            users[username] = user
        return users

    def _ledger(self, programme: demo.DemoProgramme, *, importer: User) -> str:
        with tempfile.TemporaryDirectory(prefix="kam-demo-") as folder:
            path = Path(folder) / f"demo-ledger-{programme.seed}.csv"
            with path.open("w", encoding="utf-8", newline="") as stream:
                demo.write_ledger_csv(programme, stream)
            sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
            done = LedgerImport.objects.filter(sha256=sha256, status=LedgerImport.Status.DONE)
            if done.exists():
                return f"already imported ({done.first()})"
            try:
                result = services.ledger_import_from_path(path=path, user=importer)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        if result.status != LedgerImport.Status.DONE:
            raise CommandError(f"The demo ledger import failed: {result.error}")
        return (
            f"{result.rows_imported} lines imported, {result.rows_rejected} rejected,"
            f" {result.clients_created} clients created"
        )

    @transaction.atomic
    def _clients(self, programme: demo.DemoProgramme, users: dict[str, User]) -> int:
        """Set what the ledger does not carry (group, KAM, sponsor) where it differs."""
        clients = Client.objects.in_bulk(
            [item.external_id for item in programme.clients], field_name="external_id"
        )
        updated = 0
        for item in programme.clients:
            client = clients.get(item.external_id)
            kam = users[item.kam] if item.kam else None
            sponsor = users["sponsor"] if item.sponsored else None
            if client is None:
                continue
            wanted = (item.group, kam.pk if kam else None, sponsor.pk if sponsor else None)
            if (client.group, client.kam_id, client.sponsor_id) == wanted:
                continue
            services.client_update(
                user=users["director"], client=client, kam=kam, sponsor=sponsor, group=item.group
            )
            updated += 1
        return updated

    @transaction.atomic
    def _contacts(self, programme: demo.DemoProgramme, director: User) -> int:
        clients = Client.objects.in_bulk(
            [item.external_id for item in programme.clients], field_name="external_id"
        )
        existing = {
            (contact.client_id, contact.first_name, contact.last_name): contact
            for contact in Contact.objects.filter(client__in=clients.values())
        }
        for item in programme.contacts:
            client = clients.get(item.client_external_id)
            if client is None:
                continue
            contact = existing.get((client.pk, item.first_name, item.last_name))
            wanted = (item.title, item.country, item.email, item.phone)
            if contact and (contact.title, contact.country, contact.email, contact.phone) == wanted:
                continue
            services.contact_save(
                user=director,
                client=client,
                contact=contact,
                first_name=item.first_name,
                last_name=item.last_name,
                title=item.title,
                country=item.country,
                email=item.email,
                phone=item.phone,
            )
        return Contact.objects.filter(client__in=clients.values()).count()

    @transaction.atomic
    def _selection(self, programme: demo.DemoProgramme, users: dict[str, User]) -> str:
        """Ratings, costs to serve and a programme budget, then the scores they give."""
        clients = Client.objects.in_bulk(
            [item.external_id for item in programme.clients], field_name="external_id"
        )
        with_history = set(
            ClientYearMetric.objects.filter(client__in=clients.values()).values_list(
                "client_id", flat=True
            )
        )
        rated = {
            (rating.client_id, rating.criterion_id)
            for rating in Rating.objects.filter(client__in=clients.values())
        }
        criteria = list(scoring_selectors.criterion_list().exclude(family="financial"))
        ratings, costs = [], 0
        for item in programme.clients:
            client = clients.get(item.external_id)
            if client is None or client.pk not in with_history:
                continue
            author = users[item.kam] if item.kam else users["director"]
            for criterion in criteria:
                if (client.pk, criterion.pk) in rated:
                    continue
                level = demo.demo_rating(programme.seed, item, criterion.code)
                ratings.append(
                    Rating(
                        client=client,
                        criterion=criterion,
                        level=level,
                        note=criterion.rubric.get(str(level), ""),
                        author=author,
                    )
                )
            if not CostToServe.objects.filter(client=client).exists():
                share, travel, dedicated = demo.demo_cost_to_serve(programme.seed, item)
                scoring_selection.cost_to_serve_set(
                    user=users["director"],
                    client=client,
                    kam_share=Decimal(str(share)),
                    travel=Decimal(travel),
                    dedicated=Decimal(dedicated),
                )
                costs += 1
        Rating.objects.bulk_create(ratings)
        if not Programme.objects.filter(year=demo.PROGRAMME_YEAR).exists():
            scoring_selection.programme_save(
                user=users["director"],
                year=demo.PROGRAMME_YEAR,
                budget=Decimal(demo.PROGRAMME_BUDGET),
                kam_headcount=demo.PROGRAMME_KAMS,
                kam_cost=Decimal(demo.PROGRAMME_KAM_COST),
            )
        run = scoring_runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)
        scored = f"{run.client_count} clients scored" if run else "no active weights"
        return f"{len(ratings)} ratings, {costs} costs to serve, {scored}"
