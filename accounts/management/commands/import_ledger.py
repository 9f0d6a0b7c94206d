from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts import ledger
from accounts.models import User
from accounts.services import imports as import_services


class Command(BaseCommand):
    requires_system_checks: list[str] = []  # a data command: start fast, as the worker does
    help = (
        "Import a ledger (CSV or XLSX of invoice or order lines, or a French FEC) and print a"
        " summary."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help="Map a column of the file to a field ("
            + ", ".join(ledger.FIELD_CODES)
            + "); repeat as needed. Other columns are detected.",
        )
        parser.add_argument("--currency", help="Currency of the amounts (default: settings).")
        parser.add_argument(
            "--date-order",
            choices=ledger.DATE_ORDERS,
            help="dmy (day/month/year) or mdy (month/day/year): the order of the date columns "
            "whose values do not decide it (a column holding 25/11/2011 is read day first).",
        )
        parser.add_argument(
            "--user", default=None, help="Username of the director recorded as importer."
        )

    def handle(self, *args: Any, path: Path, map: list[str], **options: Any) -> None:
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        mapping: dict[str, str] = {}
        for item in map:
            column, sep, code = item.rpartition("=")
            if not sep or not column or code not in ledger.FIELD_CODES:
                raise CommandError(
                    f"--map takes COLUMN=FIELD with FIELD one of {', '.join(ledger.FIELD_CODES)};"
                    f" got {item!r}."
                )
            mapping[code] = column
        user = self._importer(options["user"])
        try:
            order = options["date_order"]
            result = import_services.ledger_import_from_path(
                path=path,
                user=user,
                mapping=mapping,
                currency=options["currency"],
                dayfirst=None if order is None else order == ledger.DMY,
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if result.status != result.Status.DONE:
            raise CommandError(result.error or "The import failed.")
        self.stdout.write(
            f"Lines read: {result.rows_read}\n"
            f"Imported: {result.rows_imported}\n"
            f"Already known: {result.rows_duplicate}\n"
            f"Rejected: {result.rows_rejected}\n"
            f"Clients created: {result.clients_created}\n"
            f"Clients updated: {result.clients_updated}"
        )
        if result.layout == result.Layout.FEC:
            self.stdout.write(f"Entries ignored (not sales): {result.entries_ignored}")
            self.stdout.write(f"Unbalanced entries: {result.entries_unbalanced}")
        for note in result.notes:
            self.stdout.write(note)
        if result.rejects:
            self.stdout.write(f"Rejected lines with reasons: {result.rejects.path}")

    def _importer(self, username: str | None) -> User:
        users = User.objects.filter(is_active=True)
        if username:
            user = users.filter(username=username).first()
            if user is None:
                raise CommandError(f"No active user named {username!r}.")
            return user
        importer = (
            users.filter(role__in=[User.Role.DIRECTOR, User.Role.ADMIN]).order_by("pk").first()
            or users.filter(is_superuser=True).order_by("pk").first()
        )
        if importer is None:
            raise CommandError("Create a director or admin first, or pass --user.")
        return importer
