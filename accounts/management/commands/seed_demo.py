import hashlib
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts import demo, services
from accounts.models import Client, Contact, Department, LedgerImport, LedgerLine, User

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
        contacts = self._contacts(programme)
        self.stdout.write(
            f"Demo users: {', '.join(DEMO_USERS)} (password: {demo.DEMO_PASSWORD})\n"
            f"Ledger: {ledger}\n"
            f"Clients: {Client.objects.count()} ({updated} updated), contacts: {contacts},"
            f" ledger lines: {LedgerLine.objects.count()}\n"
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
        """Set what the ledger does not carry: group, KAM and sponsor."""
        updated = 0
        for item in programme.clients:
            kam = users[item.kam] if item.kam else None
            sponsor = users["sponsor"] if item.sponsored else None
            updated += (
                Client.objects.filter(external_id=item.external_id)
                .exclude(group=item.group, kam=kam, sponsor=sponsor)
                .update(group=item.group, kam=kam, sponsor=sponsor)
            )
        return updated

    @transaction.atomic
    def _contacts(self, programme: demo.DemoProgramme) -> int:
        clients = dict(Client.objects.values_list("external_id", "pk"))
        for item in programme.contacts:
            if item.client_external_id not in clients:
                continue
            Contact.objects.update_or_create(
                client_id=clients[item.client_external_id],
                first_name=item.first_name,
                last_name=item.last_name,
                defaults={
                    "title": item.title,
                    "country": item.country,
                    "email": item.email,
                    "phone": item.phone,
                },
            )
        return Contact.objects.filter(client__external_id__in=clients).count()
