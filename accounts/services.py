"""Writes for clients, ledger imports and client metrics."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import (
    DEFAULT_DB_ALIAS,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.db.models import ProtectedError
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import fec, ledger, metrics, rates, selectors, signals
from accounts.models import (
    Client,
    ClientYearMetric,
    Contact,
    DateOrderPreference,
    ExchangeRate,
    LedgerImport,
    LedgerLine,
    User,
)
from kam import lazy, permissions, spreadsheets

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy.module("pandas")

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 10


@dataclass(frozen=True)
class DateReading:
    """How one date column of the file is read: its day/month order and why."""

    code: str  # the ledger field (date, due_date, paid_date)
    column: str
    order: str  # ledger.DMY or ledger.MDY; "" when no date of the column depends on it
    how: str  # evidence, conflict, chosen, remembered, asked or unambiguous
    evidence: str  # the value that decided the order, if one did
    example: str  # a value of the column as written…
    example_date: str  # …and as KAM reads it (ISO), "" when it cannot
    impossible: list[tuple[int, str]]  # (file line, value) that the order cannot read
    description: str  # the above in a sentence, translated

    @property
    def undecided(self) -> bool:
        return self.how in {"asked", "remembered", "chosen"}


@dataclass(frozen=True)
class ImportPreview:
    """What the preview page shows before the director confirms an import."""

    columns: list[str]  # the file's header, in order
    mapping: dict[str, str]  # field code → column name (see accounts.ledger.FIELDS)
    rows: list[list[str]]  # the first lines of the file as raw text
    parsed: list[dict[str, str]]  # the same lines as KAM reads them, field code → shown value
    problems: list[str]  # translated messages about the mapping or the sample
    # A FEC: what it will import, as (label, figure, "number" or "money")
    facts: list[tuple[str, float, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # a FEC: what it leaves out, and why
    missing_rates: list[str] = field(default_factory=list)  # lines that will wait for a rate
    dates: list[DateReading] = field(default_factory=list)  # one per mapped date column
    warnings: list[str] = field(default_factory=list)  # worth knowing, not blocking


# --- clients and contacts ---------------------------------------------------------------------


@transaction.atomic
def client_update(
    *,
    user: User,
    client: Client,
    kam: User | None,
    sponsor: User | None,
    group: str = "",
    segment: str | None = None,
) -> Client:
    """Assign the key account manager and the executive sponsor, and set the group."""
    permissions.require(permissions.may_assign_clients, user)
    if kam is not None and (kam.role != User.Role.KAM or not kam.is_active):
        raise ValidationError(
            {"kam": _("%(user)s is not an active key account manager.") % {"user": kam}}
        )
    if sponsor is not None and (sponsor.role != User.Role.SPONSOR or not sponsor.is_active):
        raise ValidationError(
            {"sponsor": _("%(user)s is not an active executive sponsor.") % {"user": sponsor}}
        )
    old_kam_id = client.kam_id
    client.kam, client.sponsor, client.group = kam, sponsor, group.strip()
    if segment is not None:
        client.segment = segment.strip()
    client.full_clean()
    client.save()
    if client.kam_id != old_kam_id:
        signals.client_reassigned.send(
            sender=Client, client_id=client.pk, old_kam_id=old_kam_id, new_kam_id=client.kam_id
        )
    return client


@transaction.atomic
def contact_save(
    *,
    user: User,
    client: Client,
    contact: Contact | None = None,
    first_name: str = "",
    last_name: str,
    title: str = "",
    country: str = "",
    email: str = "",
    phone: str = "",
) -> Contact:
    """Add a contact to a client, or change one of its contacts."""
    permissions.require(permissions.may_edit_client, user, client)
    if contact is None:
        contact = Contact(client=client)
    elif contact.client_id != client.pk:
        raise ValidationError(_("This contact belongs to another client."))
    contact.first_name, contact.last_name = first_name.strip(), last_name.strip()
    contact.title, contact.email, contact.phone = title.strip(), email.strip(), phone.strip()
    contact.country = country.strip().upper()
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def contact_delete(*, user: User, contact: Contact) -> None:
    permissions.require(permissions.may_edit_client, user, contact.client)
    try:
        contact.delete()
    except ProtectedError:
        raise ValidationError(
            _(
                "%(contact)s cannot be deleted: an account plan names them among the customer's "
                "stakeholders. Take them out of the plan first."
            )
            % {"contact": contact}
        ) from None


# --- ledger imports ---------------------------------------------------------------------------


def _check_currency(currency: str) -> str:
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError(
            _("%(currency)s is not a currency code such as EUR or USD.") % {"currency": currency}
        )
    return code


def _read_table(
    *, raw: bytes, filename: str, sheet: str = "", nrows: int | None = None
) -> ledger.Table:
    try:
        return ledger.read_table(
            raw=raw,
            filename=filename,
            max_uncompressed=settings.KAM_XLSX_MAX_UNCOMPRESSED_BYTES,
            max_members=settings.KAM_XLSX_MAX_MEMBERS,
            sheet=sheet,
            nrows=nrows,
        )
    except ledger.LedgerError as error:
        raise ValidationError(str(error)) from None


def _read_upload(upload: File, *, limit: int | None = None) -> bytes:
    limit = limit or settings.KAM_IMPORT_MAX_BYTES
    upload.seek(0)
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size or len(raw)), "limit": filesizeformat(limit)}
        )
    return bytes(raw)


@transaction.atomic
def ledger_import_create(
    *, user: User, upload: File, currency: str | None = None, max_bytes: int | None = None
) -> LedgerImport:
    """Check and store an uploaded ledger, detect its format and mapping (status PREVIEW).

    A file above ``max_bytes`` (default: ``KAM_IMPORT_MAX_BYTES``) is refused."""
    permissions.require(permissions.may_import_ledgers, user)
    currency = _check_currency(currency or settings.KAM_DEFAULT_CURRENCY)
    filename = Path(upload.name or "ledger.csv").name
    raw = _read_upload(upload, limit=max_bytes)
    if fec.looks_like_fec(raw):  # read natively: nothing to map
        fec_file = _read_fec(raw)
        layout: dict[str, Any] = {
            "layout": LedgerImport.Layout.FEC,
            "file_format": "csv",
            "encoding": fec_file.encoding,
            "delimiter": fec_file.delimiter,
            "decimal": ",",
            "dayfirst": False,
            "columns": fec_file.header,
            "mapping": {},
        }
    else:
        table = _read_table(raw=raw, filename=filename, nrows=ledger.SAMPLE_ROWS)
        detected = ledger.detect(table)
        if table.file_format == "csv" and len(table.frame) >= ledger.SAMPLE_ROWS:
            # Dates the first lines do not decide may be decided further down: read them.
            undecided = [column for column, seen in detected.dates.items() if seen.undecided]
            if undecided:
                detected.dates.update(
                    ledger.scan_date_evidence(raw=raw, head=table, columns=undecided)
                )
        layout = {
            "file_format": table.file_format,
            "encoding": table.encoding,
            "delimiter": table.delimiter,
            "decimal": detected.decimal,
            "dayfirst": detected.dayfirst,
            "columns": table.columns,
            "mapping": detected.mapping,
            "date_orders": {
                column: _order_decision(column, evidence)
                for column, evidence in detected.dates.items()
            },
            "sheet": table.sheet[:100],
            "sheets": table.sheets,
            "header_line": table.header_line,
        }
    sha256 = hashlib.sha256(raw).hexdigest()
    if LedgerImport.objects.filter(sha256=sha256, status__in=LedgerImport.ACTIVE).exists():
        raise ValidationError(_("This file is already being imported. Wait for it to finish."))
    ledger_import = LedgerImport(
        original_name=filename[:255],
        sha256=sha256,
        size=len(raw),
        currency=currency,
        created_by=user,
        **layout,
    )
    ledger_import.file.save(filename, ContentFile(raw), save=False)
    ledger_import.full_clean()
    ledger_import.save()
    return ledger_import


def _column_key(column: str) -> str:
    return ledger.normalise_header(column)[:255] or column[:255]


def _order_decision(column: str, evidence: ledger.DateEvidence) -> dict[str, str]:
    """How a date column's day/month order is decided: by a value of the file, by an answer
    remembered for a column of that name, or still to be asked."""
    if evidence.order:
        how = "conflict" if evidence.conflicting else "evidence"
        return {"order": evidence.order, "how": how, "value": evidence.example}
    if evidence.undecided:
        remembered = DateOrderPreference.objects.filter(column_key=_column_key(column)).first()
        if remembered is not None:
            return {"order": remembered.order, "how": "remembered", "value": ""}
        return {"order": "", "how": "asked", "value": ""}
    return {"order": "", "how": "unambiguous", "value": ""}


def _clean_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    return {code: column for code, column in mapping.items() if column}


def _load_table(ledger_import: LedgerImport, *, nrows: int | None = None) -> ledger.Table:
    with ledger_import.file.open("rb") as handle:
        raw = handle.read()
    return _read_table(
        raw=raw, filename=ledger_import.original_name, sheet=ledger_import.sheet, nrows=nrows
    )


@transaction.atomic
def ledger_import_choose_sheet(*, ledger_import: LedgerImport, user: User, sheet: str) -> None:
    """Read another sheet of a workbook: its columns, mapping and date orders are detected
    again, and the import remembers the sheet."""
    permissions.require(permissions.may_import_ledgers, user)
    if ledger_import.status != LedgerImport.Status.PREVIEW:
        raise ValidationError(_("This import has already been confirmed."))
    if sheet not in ledger_import.sheets:
        raise ValidationError(
            _("The workbook has no sheet named %(sheet)s.") % {"sheet": repr(sheet)}
        )
    with ledger_import.file.open("rb") as handle:
        raw = handle.read()
    table = _read_table(raw=raw, filename=ledger_import.original_name, sheet=sheet)
    detected = ledger.detect(table)
    ledger_import.sheet = table.sheet[:100]
    ledger_import.header_line = table.header_line
    ledger_import.columns = table.columns
    ledger_import.mapping = detected.mapping
    ledger_import.decimal = detected.decimal
    ledger_import.dayfirst = detected.dayfirst
    ledger_import.date_orders = {
        column: _order_decision(column, evidence) for column, evidence in detected.dates.items()
    }
    ledger_import.full_clean()
    ledger_import.save()


def _read_fec(raw: bytes) -> fec.FecFile:
    try:
        return fec.read(raw)
    except ledger.LedgerError as error:
        raise ValidationError(str(error)) from None


def _load_fec(ledger_import: LedgerImport) -> tuple[fec.FecFile, fec.Reading]:
    with ledger_import.file.open("rb") as handle:
        fec_file = _read_fec(handle.read())
    return fec_file, fec.parse(fec_file)


def _fec_preview(*, ledger_import: LedgerImport, limit: int) -> ImportPreview:
    """A FEC is read whole (a sale's payment may be months of lines further), then summed up."""
    fec_file, reading = _load_fec(ledger_import)
    lines = reading.parsed.lines
    counts = [
        (_("Lines read"), reading.lines_read),
        (_("Entries"), reading.entries),
        (_("Sales entries"), reading.sales_entries),
        (_("of which credit notes"), reading.credit_notes),
        (_("Customers"), reading.customers),
        (_("Revenue lines to import"), len(lines)),
    ]
    facts = [(label, float(value), "number") for label, value in counts]
    facts.append((_("Net revenue"), reading.revenue, "money"))
    facts.append((_("Invoices still open"), float(reading.open_items), "number"))
    facts.append((_("Entries ignored"), float(reading.ignored), "number"))
    if len(reading.parsed.rejects):
        facts.append((_("Revenue lines rejected"), float(len(reading.parsed.rejects)), "number"))
    return ImportPreview(
        columns=fec_file.header,
        mapping={},
        rows=fec_file.raw_rows[:limit],
        parsed=ledger.shown_values(lines, limit=limit),
        problems=list(reading.parsed.problems),
        facts=facts,
        notes=reading.notes(),
    )


def ledger_import_preview(
    *,
    ledger_import: LedgerImport,
    mapping: Mapping[str, str] | None = None,
    date_orders: Mapping[str, str] | None = None,
    limit: int = 10,
) -> ImportPreview:
    """The first lines of the file, read with the detected (or the given) mapping and date orders
    (date column → ledger.DMY or ledger.MDY, for the columns the user chose an order for)."""
    if ledger_import.layout == LedgerImport.Layout.FEC:
        return _fec_preview(ledger_import=ledger_import, limit=limit)
    table = _load_table(ledger_import, nrows=ledger.SAMPLE_ROWS)
    chosen = _clean_mapping(ledger_import.mapping if mapping is None else mapping)
    head = ledger.Table(
        frame=table.frame.head(ledger.SAMPLE_ROWS),
        file_format=table.file_format,
        encoding=table.encoding,
        delimiter=table.delimiter,
        line_offset=table.line_offset,
    )
    problems = ledger.mapping_problems(chosen, table.columns)
    parsed: list[dict[str, str]] = []
    notes: list[str] = []
    dates: list[DateReading] = []
    warnings: list[str] = []
    if table.header_line > 1:
        warnings.append(
            _("The table starts on line %(line)s: the lines above it were left out.")
            % {"line": table.header_line}
        )
    if table.footer_rows:
        warnings.append(
            ngettext(
                "The last line of the table was left out: it is a totals line.",
                "The last %(count)s lines of the table were left out: a totals line, empty lines.",
                table.footer_rows,
            )
            % {"count": table.footer_rows}
        )
    if not problems:
        dates = _date_readings(
            ledger_import=ledger_import, head=head, mapping=chosen, chosen=date_orders or {}
        )
        problems, date_warnings = _date_problems(dates)
        warnings += date_warnings
        orders = {reading.column: reading.order for reading in dates if reading.order}
        sample = ledger.parse(
            head,
            mapping=chosen,
            decimal=ledger_import.decimal,
            date_orders=orders,
            dayfirst=ledger_import.dayfirst,
            currency=ledger_import.currency,
        )
        problems += _sample_problems(sample, size=len(head.frame))
        parsed = ledger.shown_values(sample.lines, limit=limit)
        if not sample.lines.empty:
            _converted, missing = _convert(sample.lines)
            notes = missing_rate_messages(missing)
    rows = head.frame.head(limit).astype(str).values.tolist()
    return ImportPreview(
        columns=table.columns,
        mapping=chosen,
        rows=rows,
        parsed=parsed,
        problems=problems,
        missing_rates=notes,
        dates=dates,
        warnings=warnings,
    )


def missing_rate_messages(missing: Iterable[Mapping[str, Any]]) -> list[str]:
    """ "12 lines in USD have no exchange rate for March 2024", per currency and month."""
    messages = []
    for row in missing:
        month = dt.date.fromisoformat(f"{row['month']}-01")
        messages.append(
            ngettext(
                "%(count)s line in %(currency)s has no exchange rate for %(month)s.",
                "%(count)s lines in %(currency)s have no exchange rate for %(month)s.",
                row["lines"],
            )
            % {
                "count": row["lines"],
                "currency": row["currency"],
                "month": date_format(month, "YEAR_MONTH_FORMAT"),
            }
        )
    return messages


def _date_readings(
    *,
    ledger_import: LedgerImport,
    head: ledger.Table,
    mapping: Mapping[str, str],
    chosen: Mapping[str, str],
) -> list[DateReading]:
    readings = []
    seen: set[str] = set()
    for code in ledger.DATE_FIELDS:
        column = mapping.get(code)
        if not column or column in seen:
            continue
        seen.add(column)
        values = head.frame[column].str.strip()
        evidence = ledger.date_evidence(values)
        decision = ledger_import.date_orders.get(column) or _order_decision(column, evidence)
        order, how, value = decision["order"], decision["how"], decision.get("value", "")
        if chosen.get(column) in ledger.DATE_ORDERS and chosen[column] != order:
            order, how, value = chosen[column], "chosen", ""
        read_as = order or (ledger.DMY if ledger_import.dayfirst else ledger.MDY)
        impossible = ledger.impossible_dates(values, order=read_as)
        lines = [
            (int(index) + head.line_offset, str(values[index]))
            for index in values.index[impossible][:5]
        ]
        example = value or _date_example(values)
        example_date = ""
        if example:
            parsed = ledger.parse_dates(pd.Series([example]), order=read_as).iloc[0]
            example_date = "" if pd.isna(parsed) else parsed.strftime("%Y-%m-%d")
        reading = DateReading(
            code=code,
            column=column,
            order=order,
            how=how,
            evidence=value,
            example=example,
            example_date=example_date,
            impossible=lines,
            description="",
        )
        readings.append(
            DateReading(**{**reading.__dict__, "description": _date_description(reading)})
        )
    return readings


def _date_example(values: pd.Series) -> str:
    """A value whose reading depends on the order if there is one, else the first date."""
    filled = values[values != ""]
    if filled.empty:
        return ""
    as_dmy = ledger.parse_dates(filled.head(200), order=ledger.DMY)
    as_mdy = ledger.parse_dates(filled.head(200), order=ledger.MDY)
    differs = as_dmy.notna() & as_mdy.notna() & (as_dmy != as_mdy)
    return str(filled.head(200)[differs].iloc[0] if differs.any() else filled.iloc[0])


def _date_description(reading: DateReading) -> str:
    order = ledger.ORDER_LABELS.get(reading.order, "")
    if reading.how == "evidence":
        return _("%(order)s, decided by %(value)s") % {"order": order, "value": reading.evidence}
    if reading.how == "conflict":
        return _("%(order)s, decided by most dates such as %(value)s; some read the other way") % {
            "order": order,
            "value": reading.evidence,
        }
    if reading.how == "chosen":
        return _("%(order)s, as you chose") % {"order": order}
    if reading.how == "remembered":
        return _("%(order)s, as read for this column name in an earlier import") % {"order": order}
    if reading.how == "asked":
        return _("asked: no date of the file says whether the day or the month comes first")
    return _("each date reads only one way (such as 2024-12-31)")


def _date_problems(readings: Iterable[DateReading]) -> tuple[list[str], list[str]]:
    """Blocking problems (an order to choose, an order the file contradicts) and warnings."""
    problems: list[str] = []
    warnings: list[str] = []
    for reading in readings:
        if reading.how == "asked":
            problems.append(
                _(
                    "KAM cannot tell whether the dates of the column %(column)s are written "
                    "day/month/year or month/day/year (%(example)s could be either): choose "
                    "the order of its dates."
                )
                % {"column": repr(reading.column), "example": reading.example}
            )
        if not reading.impossible:
            continue
        order = ledger.ORDER_LABELS[reading.order or ledger.DMY]
        listed = ", ".join(
            _("line %(line)s: %(value)s") % {"line": line, "value": value}
            for line, value in reading.impossible
        )
        message = _(
            "Read as %(order)s, the column %(column)s holds impossible dates, with a month "
            "above 12 (%(dates)s)."
        ) % {"order": order, "column": repr(reading.column), "dates": listed}
        if reading.how == "conflict":
            warnings.append(message + " " + _("Those lines will be rejected."))
        else:
            problems.append(message + " " + _("Choose the other order."))
    return problems, warnings


def _sample_problems(sample: ledger.Parsed, *, size: int) -> list[str]:
    """Refuse a mapping under which most lines of the sample cannot be read."""
    problems = list(sample.problems)
    if size and len(sample.rejects) > size / 2:
        reason, _count = sample.rejects["reason"].value_counts().items().__next__()
        problems.append(
            _(
                "%(count)s of the first %(size)s lines cannot be read (%(reason)s). "
                "Check the mapping and the date order."
            )
            % {"count": len(sample.rejects), "size": size, "reason": reason}
        )
    return problems


def ledger_import_confirm(
    *,
    ledger_import: LedgerImport,
    user: User,
    mapping: Mapping[str, str],
    date_orders: Mapping[str, str] | None = None,
    dayfirst: bool | None = None,
    currency: str | None = None,
) -> LedgerImport:
    """Validate the mapping and the date orders, and queue the import job (status QUEUED).

    ``date_orders`` maps date columns to ledger.DMY or ledger.MDY; ``dayfirst`` gives the order
    of the date columns that neither the file nor ``date_orders`` decides.
    """
    from accounts.tasks import ledger_import_run_task

    with transaction.atomic():
        _ledger_import_queue(
            ledger_import=ledger_import,
            user=user,
            mapping=mapping,
            date_orders=date_orders,
            dayfirst=dayfirst,
            currency=currency,
        )
        ledger_import_run_task.delay_on_commit(import_id=ledger_import.pk)
    return ledger_import


def _ledger_import_queue(
    *,
    ledger_import: LedgerImport,
    user: User,
    mapping: Mapping[str, str],
    date_orders: Mapping[str, str] | None = None,
    dayfirst: bool | None,
    currency: str | None,
) -> None:
    permissions.require(permissions.may_import_ledgers, user)
    if ledger_import.status != LedgerImport.Status.PREVIEW:
        raise ValidationError(_("This import has already been confirmed."))
    chosen = _clean_mapping(mapping) if ledger_import.layout != LedgerImport.Layout.FEC else {}
    orders = {
        column: order
        for column, order in (date_orders or {}).items()
        if order in ledger.DATE_ORDERS
    }
    if dayfirst is not None:
        ledger_import.dayfirst = dayfirst
        fallback = ledger.DMY if dayfirst else ledger.MDY
        for code in ledger.DATE_FIELDS:
            column = chosen.get(code)
            decision = ledger_import.date_orders.get(column or "", {})
            if column and column not in orders and decision.get("how") == "asked":
                orders[column] = fallback
    if currency:
        ledger_import.currency = _check_currency(currency)
    preview = ledger_import_preview(ledger_import=ledger_import, mapping=chosen, date_orders=orders)
    if preview.problems:
        raise ValidationError(preview.problems)
    ledger_import.mapping = chosen
    ledger_import.date_orders = {
        reading.column: {"order": reading.order, "how": reading.how, "value": reading.evidence}
        for reading in preview.dates
    }
    ledger_import.status = LedgerImport.Status.QUEUED
    ledger_import.stage = _("Waiting for a worker")
    ledger_import.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            ledger_import.save()
    except IntegrityError:
        ledger_import.status = LedgerImport.Status.PREVIEW
        raise ValidationError(
            _("This file is already being imported. Wait for it to finish.")
        ) from None
    for reading in preview.dates:  # remembered for later files with a column of that name
        if reading.order:
            DateOrderPreference.objects.update_or_create(
                column_key=_column_key(reading.column),
                defaults={
                    "column": reading.column[:255],
                    "order": reading.order,
                    "chosen_by": user,
                },
            )


def _progress(import_id: int, progress: int, stage: str) -> None:
    LedgerImport.objects.filter(pk=import_id).update(progress=progress, stage=stage)


def ledger_import_run(*, import_id: int) -> None:
    """The job: parse, COPY into staging, upsert clients and lines, write rejects, metrics.

    Safe to run twice: a finished import is left alone, and a rerun of an interrupted one
    loads nothing twice (lines are keyed).
    """
    with transaction.atomic():
        ledger_import = (
            LedgerImport.objects.select_for_update()
            .filter(pk=import_id, status__in=LedgerImport.ACTIVE)
            .first()
        )
        if ledger_import is None:
            return  # deleted, or an earlier run finished it
        ledger_import.status = LedgerImport.Status.RUNNING
        ledger_import.progress, ledger_import.stage = 5, _("Reading the file")
        ledger_import.started_at = timezone.now()
        ledger_import.save(update_fields=["status", "progress", "stage", "started_at"])
    try:
        _run(ledger_import)
    except (OperationalError, InterfaceError):
        # The database went away: the task tries again (kam.tasks), and the import, still
        # running, is taken up from the start. ledger_import_fail() ends it after the last try.
        logger.warning("Ledger import %s interrupted; it will be tried again", import_id)
        raise
    except SoftTimeLimitExceeded:
        logger.error("Ledger import %s stopped at its time limit", import_id)
        ledger_import_fail(
            import_id=import_id,
            error=_(
                "The import took longer than allowed and was stopped; nothing was imported. "
                "Try again with a smaller file, or ask an administrator."
            ),
        )
        raise
    except Exception as error:
        logger.exception("Ledger import %s failed", import_id)
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        ledger_import_fail(import_id=import_id, error=message)
        if not isinstance(error, ValidationError):
            raise


def ledger_import_fail(*, import_id: int, error: str) -> None:
    """Mark an import that is still queued or running as failed, with ``error`` as its reason."""
    LedgerImport.objects.filter(pk=import_id, status__in=LedgerImport.ACTIVE).update(
        status=LedgerImport.Status.FAILED,
        error=error or _("The import failed."),
        stage=_("Failed"),
        finished_at=timezone.now(),
    )


def _date_orders(ledger_import: LedgerImport) -> dict[str, str]:
    return {
        column: decision["order"]
        for column, decision in ledger_import.date_orders.items()
        if decision.get("order")
    }


def _table_chunks(ledger_import: LedgerImport) -> Iterator[tuple[ledger.Table, float]]:
    """The file in tables of ``ledger.CHUNK_ROWS`` lines, with the share read so far; a workbook
    comes whole."""
    with ledger_import.file.open("rb") as handle:
        raw = handle.read()
    head = _read_table(
        raw=raw,
        filename=ledger_import.original_name,
        sheet=ledger_import.sheet,
        nrows=ledger.SAMPLE_ROWS,
    )
    if head.file_format != "csv":
        yield head, 1.0
        return
    try:
        yield from ledger.read_csv_chunks(raw=raw, head=head)
    except ledger.LedgerError as error:
        raise ValidationError(str(error)) from None


def _progress_aside(import_id: int, progress: int, stage: str) -> None:
    """Progress written on a connection of its own, so that it shows while the load's
    transaction is still open."""
    aside = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with aside.cursor() as cursor:
            cursor.execute(
                f"UPDATE {LedgerImport._meta.db_table} SET progress = %s, stage = %s WHERE id = %s",
                [progress, stage, import_id],
            )
    finally:
        aside.close()


def _parsed_chunks(
    ledger_import: LedgerImport,
) -> Iterator[tuple[ledger.Parsed, int, float, pd.DataFrame, list[dict[str, Any]]]]:
    """Per chunk of the file: what parsing gives, the lines read, the share of the file read so
    far, the lines with their amounts converted and the lines without a rate. A FEC comes whole."""
    if ledger_import.layout == LedgerImport.Layout.FEC:
        _fec_file, reading = _load_fec(ledger_import)
        parsed = reading.parsed
        if parsed.problems:
            raise ValidationError(parsed.problems)
        ledger_import.entries_ignored = reading.ignored
        ledger_import.entries_unbalanced = len(reading.unbalanced)
        ledger_import.notes = reading.notes()
        lines, missing = _fec_convert(parsed.lines, currency=ledger_import.currency)
        yield parsed, reading.lines_read, 1.0, lines, missing
        return
    for table, done in _table_chunks(ledger_import):
        try:
            parsed = ledger.parse(
                table,
                mapping=ledger_import.mapping,
                decimal=ledger_import.decimal,
                date_orders=_date_orders(ledger_import),
                dayfirst=ledger_import.dayfirst,
                currency=ledger_import.currency,
            )
        except ledger.LedgerError as error:
            raise ValidationError(str(error)) from None
        lines, missing = _convert(parsed.lines)
        yield parsed, len(table.frame), done, lines, missing


def _run(ledger_import: LedgerImport) -> None:
    """Read, check and stage the file chunk by chunk, then merge it in one transaction: every
    line or none, whatever the file's size."""
    rows_read = accepted = 0
    rejected: list[pd.DataFrame] = []
    latest: list[pd.DataFrame] = []
    missing: Counter[tuple[str, str]] = Counter()
    _progress(ledger_import.pk, 10, _("Checking lines"))
    with transaction.atomic():
        with connection.cursor() as cursor:
            _stage_begin(cursor)
            with _LineStager(cursor, ledger_import) as stager:
                for parsed, read, done, lines, chunk_missing in _parsed_chunks(ledger_import):
                    chunk_latest = _latest_client_values(lines)
                    _stage_lines(stager, lines, _clients([chunk_latest]))
                    latest.append(chunk_latest)
                    for row in chunk_missing:
                        missing[str(row["currency"]), str(row["month"])] += int(row["lines"])
                    rows_read += read
                    accepted += len(parsed.lines)
                    if len(parsed.rejects):
                        rejected.append(parsed.rejects)
                    _progress_aside(
                        ledger_import.pk, 10 + round(60 * done), _("Checking and loading lines")
                    )
            _progress_aside(ledger_import.pk, 70, _("Loading lines"))
            counts, client_ids = _stage_merge(cursor, stager, _clients(latest))
        _progress_aside(ledger_import.pk, 85, _("Computing figures"))
        client_metrics_recompute()
        transaction.on_commit(
            functools.partial(
                signals.ledger_imported.send,
                sender=LedgerImport,
                ledger_import_id=ledger_import.pk,
                client_ids=client_ids,
            )
        )
        if rejected:
            name = f"{Path(ledger_import.original_name).stem}-rejected.csv"
            rejects = _rejects_csv(pd.concat(rejected))
            ledger_import.rejects.save(name, ContentFile(rejects), save=False)
        ledger_import.rows_read = rows_read
        ledger_import.rows_rejected = sum(len(rejects) for rejects in rejected)
        ledger_import.missing_rates = [
            {"currency": currency, "month": month, "lines": count}
            for (currency, month), count in sorted(missing.items())
        ]
        ledger_import.rows_unconverted = sum(missing.values())
        ledger_import.rows_imported = counts["imported"]
        ledger_import.rows_duplicate = accepted - counts["imported"]
        ledger_import.clients_created = counts["created"]
        ledger_import.clients_updated = counts["updated"]
        ledger_import.status = LedgerImport.Status.DONE
        ledger_import.progress, ledger_import.stage = 100, _("Done")
        ledger_import.error = ""
        ledger_import.finished_at = timezone.now()
        ledger_import.save()


def _convert(lines: pd.DataFrame) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The lines with their amounts in the company's currency, each line's own amounts kept
    beside them; and, per currency and month, how many lines have no exchange rate (their
    converted amounts stay empty: they are not counted, never converted at 1)."""
    factors = _line_rates(lines)
    converted = lines.copy()
    converted["original_amount"] = lines["amount"]
    converted["original_profit"] = lines["profit"]
    converted["exchange_rate"] = factors
    converted["amount"] = (lines["amount"] * factors).round(4)
    converted["profit"] = (lines["profit"] * factors).round(4)
    return converted, ledger.missing_rates(converted)


def _fec_convert(lines: pd.DataFrame, *, currency: str) -> tuple[pd.DataFrame, list[Any]]:
    """A FEC's debits and credits are in the import's currency (a French ledger is kept in
    euros); a line in a foreign currency (Idevise) keeps its own amount (Montantdevise), and the
    rate between the two is the one the accounts used."""
    if currency != settings.KAM_DEFAULT_CURRENCY:  # through the exchange rates, as any ledger
        return _convert(lines.assign(currency=currency))
    converted = lines.copy()
    original = lines["original_amount"]
    foreign = (lines["currency"] != "") & (lines["currency"] != currency) & (original != 0)
    foreign &= original.notna()
    converted["currency"] = lines["currency"].where(foreign, currency)
    converted["original_amount"] = original.where(foreign, lines["amount"])
    converted["original_profit"] = float("nan")
    rate = (lines["amount"] / original).round(12)
    converted["exchange_rate"] = rate.where(foreign, 1.0)
    return converted, []


LINE_COLUMNS = (
    "ordinal", "external_id", "order_ref", "date", "amount", "quantity", "profit", "due_date",
    "paid_date", "days_late", "disputed", "is_return", "country", "currency", "original_amount",
    "original_profit", "exchange_rate",
)  # fmt: skip
CLIENT_COLUMNS = ("external_id", "name", "country", "segment")


# A line's key: 128 bits of the hash of its canonical values; for the second and later
# repeats of the same values in one file, a hash of that and of the repeat's number. The same
# line in a re-import or an overlapping file gets the same key; identical lines in one file
# stay apart. Text forms are fixed: ISO dates (DateStyle is set for the load) and the staging
# table's fixed number of decimals. Amounts are the line's own (not converted, so a new rate
# changes no key); a currency other than the company's is part of the line, the company's is
# left out (a NULL), as it was before lines kept their currency.
CANONICAL_LINE = """concat_ws(E'\\x1f', external_id, date, COALESCE(original_amount::text, ''),
    COALESCE(quantity::text, ''), COALESCE(original_profit::text, ''), order_ref,
    COALESCE(due_date::text, ''), COALESCE(paid_date::text, ''), COALESCE(days_late::text, ''),
    COALESCE(disputed::text, ''), NULLIF(currency, %(company)s))"""
LOAD_LOCK = 4_610_001  # advisory lock: one ledger load at a time, so keys never race


def _copy_sql(table: str, columns: Iterable[str], *, text: Iterable[str]) -> str:
    """A COPY of CSV into a table; empty text cells stay empty strings, not NULL."""
    return (
        f"COPY {table} ({', '.join(columns)}) FROM STDIN "
        f"WITH (FORMAT csv, FORCE_NOT_NULL ({', '.join(text)}))"
    )


def _csv_text(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="")
    return buffer.getvalue()


def _copy(cursor: Any, table: str, frame: pd.DataFrame, *, text: Iterable[str]) -> None:
    """COPY a frame into a table as CSV; empty text cells stay empty strings, not NULL."""
    with cursor.cursor.copy(_copy_sql(table, frame.columns, text=text)) as copy:
        copy.write(_csv_text(frame))


LINE_TEXT_COLUMNS = ("external_id", "order_ref", "country", "currency")


class _LineStager:
    """Loads each chunk of lines on a thread of its own, in the load's transaction (the same
    connection; psycopg runs one command at a time on it): PostgreSQL copies, keys and inserts a
    chunk while this process reads the next one, so that little of the database's work is left
    when the file has been read.

    For a chunk: the clients it names that do not exist yet are created (with the chunk's
    latest values; ``_stage_merge`` settles every client's values once the whole file is read),
    then its lines are copied, hashed and numbered among the earlier lines with the same hash
    (``line_seen`` holds each chunk's count of lines per hash: appended to, never updated),
    and those not already known are inserted, their client checked then (the foreign key is
    made immediate for the load). One chunk at most waits to be loaded: ``stage`` first waits
    for the one before, and raises its error if it failed."""

    def __init__(self, cursor: Any, ledger_import: LedgerImport) -> None:
        self.connection = cursor.cursor.connection
        # Django's database errors (OperationalError… that the job retries), as on this thread
        self.errors = connection.wrap_database_errors
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ledger-stage")
        self.pending: Future[None] | None = None
        self.parameters = {
            "company": settings.KAM_DEFAULT_CURRENCY,
            "currency": ledger_import.currency,
            "import_id": ledger_import.pk,
        }
        self.created: set[int] = set()  # clients created by this load
        self.imported = 0  # lines inserted

    def __enter__(self) -> _LineStager:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_exc: object) -> None:
        try:
            if kind is None:
                self.wait()
            elif self.pending is not None:  # the load fails anyway: let the thread end first
                wait_futures([self.pending])
        finally:
            self.executor.shutdown(wait=True)

    def stage(self, lines: str, clients: str) -> None:
        self.wait()
        self.pending = self.executor.submit(self._load, lines, clients)

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def _load(self, lines: str, clients: str) -> None:
        client_table, line_table = Client._meta.db_table, LedgerLine._meta.db_table
        with self.errors, self.connection.cursor() as cursor:
            with cursor.copy(
                _copy_sql("client_staging", CLIENT_COLUMNS, text=CLIENT_COLUMNS)
            ) as copy:
                copy.write(clients)
            cursor.execute(
                f"""
                INSERT INTO {client_table}
                    (name, external_id, "group", country, segment, currency, created_at,
                     updated_at)
                SELECT name, external_id, '', country, segment, %(currency)s, now(), now()
                FROM client_staging
                ON CONFLICT (external_id) DO NOTHING
                RETURNING id
                """,
                self.parameters,
            )
            self.created.update(row[0] for row in cursor.fetchall())
            cursor.execute("TRUNCATE client_staging")
            with cursor.copy(
                _copy_sql("chunk_staging", LINE_COLUMNS, text=LINE_TEXT_COLUMNS)
            ) as copy:
                copy.write(lines)
            cursor.execute(
                f"""
                WITH hashed AS (
                    SELECT *, md5({CANONICAL_LINE})::uuid AS line_hash FROM chunk_staging
                ), earlier AS (
                    SELECT line_hash, sum(repeats) AS repeats FROM line_seen
                    WHERE line_hash IN (SELECT line_hash FROM hashed) GROUP BY line_hash
                ), counted AS (
                    INSERT INTO line_seen SELECT line_hash, count(*) FROM hashed GROUP BY line_hash
                ), numbered AS (
                    SELECT hashed.*, COALESCE(earlier.repeats, 0) + row_number() OVER (
                        PARTITION BY hashed.line_hash ORDER BY hashed.ordinal) AS repeat
                    FROM hashed LEFT JOIN earlier ON earlier.line_hash = hashed.line_hash
                ), keyed AS (
                    SELECT *, CASE WHEN repeat = 1 THEN line_hash
                        ELSE md5(line_hash::text || '#' || repeat)::uuid END AS line_key
                    FROM numbered
                )
                INSERT INTO {line_table} (
                    client_id, ledger_import_id, line_key, order_ref, date, amount, quantity,
                    profit, due_date, paid_date, days_late, disputed, is_return, country,
                    currency, original_amount, original_profit, exchange_rate
                )
                SELECT client.id, %(import_id)s, keyed.line_key, keyed.order_ref, keyed.date,
                    keyed.amount, keyed.quantity, keyed.profit, keyed.due_date, keyed.paid_date,
                    keyed.days_late, keyed.disputed, keyed.is_return, keyed.country,
                    keyed.currency, keyed.original_amount, keyed.original_profit,
                    keyed.exchange_rate
                FROM keyed JOIN {client_table} AS client ON client.external_id = keyed.external_id
                WHERE NOT EXISTS (
                    SELECT 1 FROM {line_table} AS known WHERE known.line_key = keyed.line_key
                )
                """,
                self.parameters,
            )
            self.imported += cursor.rowcount
            cursor.execute("TRUNCATE chunk_staging")


def _stage_begin(cursor: Any) -> None:
    """Take the load lock, check each line's client as it is inserted (on the staging thread)
    rather than all at the commit, and create the staging tables, for this transaction."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOAD_LOCK])
    cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")
    cursor.execute("SET LOCAL work_mem = '64MB'")  # number each chunk's lines in memory
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f' "
        "AND condeferrable",
        [LedgerLine._meta.db_table],
    )
    deferred = [row[0] for row in cursor.fetchall()]
    if deferred:
        names = ", ".join(connection.ops.quote_name(name) for name in deferred)
        cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
    cursor.execute(
        """
        CREATE TEMP TABLE client_staging (
            external_id text, name text, country text, segment text
        ) ON COMMIT DROP;
        CREATE TEMP TABLE chunk_staging (
            ordinal integer, external_id text, order_ref text, date date,
            amount numeric(18, 4), quantity numeric(14, 3), profit numeric(18, 4),
            due_date date, paid_date date, days_late integer, disputed boolean,
            is_return boolean, country text, currency text, original_amount numeric(18, 4),
            original_profit numeric(18, 4), exchange_rate numeric(24, 12)
        ) ON COMMIT DROP;
        CREATE TEMP TABLE line_seen (line_hash uuid, repeats bigint) ON COMMIT DROP
        """
    )


def _stage_lines(stager: _LineStager, lines: pd.DataFrame, clients: pd.DataFrame) -> None:
    """Write a chunk of lines, and the latest values of the clients it names, as CSV and hand
    them to the stager."""
    staged = lines.loc[:, list(LINE_COLUMNS)]
    for name in ("date", "due_date", "paid_date"):
        staged[name] = ledger.per_unique(staged[name], lambda days: days.dt.strftime("%Y-%m-%d"))
    stager.stage(_csv_text(staged), _csv_text(clients))


def _latest_client_values(lines: pd.DataFrame) -> pd.DataFrame:
    """Per client of a chunk, its latest line's name, and its latest non-empty country and
    segment, each with the date and ordinal of the line that gives it."""
    ordered = lines.sort_values(["date", "ordinal"], kind="stable")
    frames = []
    for name in ("name", "country", "segment"):
        given = ordered[ordered[name] != ""] if name != "name" else ordered
        last = given.drop_duplicates("external_id", keep="last")
        frames.append(
            last.loc[:, ["external_id", "date", "ordinal", name]]
            .rename(columns={name: "value"})
            .assign(field=name)
        )
    return pd.concat(frames, ignore_index=True)


def _clients(latest: list[pd.DataFrame]) -> pd.DataFrame:
    """A client's name, country and segment as its latest line gives them, where it gives them."""
    if not latest:
        return pd.DataFrame(columns=list(CLIENT_COLUMNS))
    values = pd.concat(latest, ignore_index=True).sort_values(["date", "ordinal"], kind="stable")
    values = values.drop_duplicates(["external_id", "field"], keep="last")
    clients = values.pivot(index="external_id", columns="field", values="value")
    clients = clients.reindex(columns=["name", "country", "segment"]).astype(object).fillna("")
    return clients.reset_index().loc[:, list(CLIENT_COLUMNS)]


def _stage_merge(
    cursor: Any, stager: _LineStager, clients: pd.DataFrame
) -> tuple[dict[str, int], list[int]]:
    """Once every chunk is loaded: give the clients the values of their latest lines in the
    file. Returns the counts and the ids of the clients the lines name."""
    client_table = Client._meta.db_table
    _copy(cursor, "client_staging", clients, text=CLIENT_COLUMNS)
    cursor.execute(
        f"""
        UPDATE {client_table} AS client SET
            name = staged.name,
            country = COALESCE(NULLIF(staged.country, ''), client.country),
            segment = COALESCE(NULLIF(staged.segment, ''), client.segment),
            updated_at = now()
        FROM client_staging AS staged
        WHERE staged.external_id = client.external_id
        AND (client.name, client.country, client.segment) IS DISTINCT FROM (
            staged.name,
            COALESCE(NULLIF(staged.country, ''), client.country),
            COALESCE(NULLIF(staged.segment, ''), client.segment))
        RETURNING client.id
        """
    )
    changed = {row[0] for row in cursor.fetchall()}
    cursor.execute(
        f"""
        SELECT client.id FROM {client_table} AS client
        JOIN client_staging AS staged ON staged.external_id = client.external_id
        ORDER BY client.id
        """
    )
    client_ids = [row[0] for row in cursor.fetchall()]
    cursor.execute("DROP TABLE client_staging, chunk_staging, line_seen")
    counts = {
        "imported": stager.imported,
        "created": len(stager.created),
        "updated": len(changed - stager.created),
    }
    return counts, client_ids


def _rejects_csv(rejects: pd.DataFrame) -> bytes:
    """The rejected lines in the CSV conventions of the language the import runs in, the one
    its reasons are written in (``kam.spreadsheets``)."""

    def cell(value: object) -> spreadsheets.Cell:
        if isinstance(value, str | int | float):
            return None if isinstance(value, float) and math.isnan(value) else value
        if value is None or value is pd.NaT:
            return None
        item = getattr(value, "item", None)  # a numpy number
        return cell(item()) if callable(item) else str(value)

    header: list[spreadsheets.Cell] = [str(name) for name in rejects.columns]
    rows = ([cell(value) for value in row] for row in rejects.itertuples(index=False))
    return spreadsheets.csv_bytes([header, *rows])


def ledger_import_from_path(
    *,
    path: Path,
    user: User,
    mapping: Mapping[str, str] | None = None,
    currency: str | None = None,
    date_orders: Mapping[str, str] | None = None,
    dayfirst: bool | None = None,
) -> LedgerImport:
    """Create, confirm and run an import in this process (command line and demo seeding)."""
    with path.open("rb") as handle:  # a file on the server: no upload limit
        ledger_import = ledger_import_create(
            user=user,
            upload=File(handle, name=path.name),
            currency=currency,
            max_bytes=max(path.stat().st_size, settings.KAM_IMPORT_MAX_BYTES),
        )
    overrides = dict(mapping or {})
    chosen = {
        code: column
        for code, column in ledger_import.mapping.items()
        if column not in overrides.values()
    }
    chosen.update(overrides)
    _ledger_import_queue(
        ledger_import=ledger_import,
        user=user,
        mapping=chosen,
        date_orders=date_orders,
        dayfirst=dayfirst,
        currency=None,
    )
    ledger_import_run(import_id=ledger_import.pk)
    ledger_import.refresh_from_db()
    return ledger_import


# --- exchange rates -----------------------------------------------------------------------------


def _line_rates(lines: pd.DataFrame) -> pd.Series:
    """Company currency per unit of each line's currency (NaN: no rate), from the rates stored
    for the currencies and dates the lines name (``accounts.rates`` says which rate applies)."""
    company = settings.KAM_DEFAULT_CURRENCY
    foreign = lines["currency"] != company
    if not foreign.any():
        return pd.Series(1.0, index=lines.index)
    dates = lines.loc[foreign, "date"]
    table = selectors.exchange_rate_table(
        currencies={*lines.loc[foreign, "currency"].unique(), company},
        start=dates.min().date() - dt.timedelta(days=rates.LOOKBACK_DAYS),
        end=dates.max().date(),
    )
    return rates.line_rates(lines, table, company=company)


def _rates_changed(*, currencies: Iterable[str], start: dt.date, end: dt.date) -> None:
    """Convert again, once committed, the lines a rate change may concern: those in the changed
    currencies from ``start`` (a month's first day for a monthly rate) to ``end`` plus the days
    that may fall back on a daily rate of ``end``."""
    from accounts.tasks import ledger_lines_convert_task

    ledger_lines_convert_task.delay_on_commit(
        currencies=sorted(set(currencies)),
        start=start.isoformat(),
        end=(end + dt.timedelta(days=rates.LOOKBACK_DAYS)).isoformat(),
    )


def _rate_span(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The days whose lines a rate may apply to (before the fallback on earlier days)."""
    if period == ExchangeRate.Period.MONTH:
        following = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return day, following - dt.timedelta(days=1)
    return day, day


def _clean_rate_currency(currency: str) -> str:
    code = ledger.currency_code(currency)
    if not code:
        raise ValidationError(
            {
                "currency": _("%(currency)s is not a currency code such as USD or GBP.")
                % {"currency": repr(currency)}
            }
        )
    if code == rates.EURO:
        raise ValidationError(
            {"currency": _("Rates are for 1 EUR: the euro has no rate of its own.")}
        )
    return code


@transaction.atomic
def exchange_rate_save(
    *,
    user: User,
    exchange_rate: ExchangeRate | None = None,
    currency: str,
    period: str,
    date: dt.date,
    rate: Decimal,
) -> ExchangeRate:
    """Add a rate (1 EUR = ``rate`` ``currency``), or change one; a monthly rate is dated on the
    first day of its month. The lines it concerns are converted again once committed."""
    permissions.require(permissions.may_manage_exchange_rates, user)
    if rate is None or not rate > 0:
        raise ValidationError({"rate": _("A rate must be above zero.")})
    code = _clean_rate_currency(currency)
    if period == ExchangeRate.Period.MONTH:
        date = date.replace(day=1)
    spans = []
    if exchange_rate is None:
        exchange_rate = ExchangeRate()
    else:
        spans.append(
            (exchange_rate.currency, *_rate_span(exchange_rate.period, exchange_rate.date))
        )
    exchange_rate.currency, exchange_rate.period, exchange_rate.date = code, period, date
    exchange_rate.rate, exchange_rate.updated_by = rate, user
    exchange_rate.source = ExchangeRate.Source.MANUAL
    exchange_rate.full_clean()
    exchange_rate.save()
    spans.append((code, *_rate_span(period, date)))
    _rates_changed(
        currencies=[span[0] for span in spans],
        start=min(span[1] for span in spans),
        end=max(span[2] for span in spans),
    )
    return exchange_rate


@transaction.atomic
def exchange_rate_delete(*, user: User, exchange_rate: ExchangeRate) -> None:
    """Delete a rate; the lines that used it take another one, or wait for one."""
    permissions.require(permissions.may_manage_exchange_rates, user)
    start, end = _rate_span(exchange_rate.period, exchange_rate.date)
    currency = exchange_rate.currency
    exchange_rate.delete()
    _rates_changed(currencies=[currency], start=start, end=end)


@dataclass(frozen=True)
class RatesUpload:
    """What an ECB file brought."""

    layout: str  # daily or history
    days: int
    currencies: list[str]
    added: int
    changed: int


@transaction.atomic
def exchange_rates_upload(*, user: User, upload: File) -> RatesUpload:
    """Store the daily rates of an ECB reference-rate file (eurofxref.csv, eurofxref-hist.csv, or
    their ZIP), all or nothing: a file KAM cannot read, or a single bad rate in it, writes
    nothing. A rate already stored for the same currency and day is replaced."""
    permissions.require(permissions.may_manage_exchange_rates, user)
    raw = _read_upload(upload)
    try:
        read = rates.read_ecb_csv(raw)
    except rates.RatesError as error:
        raise ValidationError(error.messages) from None
    frame = read.rates
    currencies = sorted(frame["currency"].unique())
    start, end = frame["date"].min(), frame["date"].max()
    known = {
        (day, code): value
        for day, code, value in ExchangeRate.objects.filter(
            period=ExchangeRate.Period.DAY, currency__in=currencies, date__range=(start, end)
        ).values_list("date", "currency", "rate")
    }
    rows = []
    added = changed = 0
    for day, code, value in frame.itertuples(index=False):
        number = Decimal(str(value)).quantize(Decimal("0.00000001"))
        before = known.get((day, code))
        if before == number:
            continue
        added, changed = (added + 1, changed) if before is None else (added, changed + 1)
        rows.append(
            ExchangeRate(
                currency=code,
                period=ExchangeRate.Period.DAY,
                date=day,
                rate=number,
                source=ExchangeRate.Source.ECB,
                updated_by=user,
            )
        )
    ExchangeRate.objects.bulk_create(
        rows,
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["currency", "period", "date"],
        update_fields=["rate", "source", "updated_by", "updated_at"],
    )
    if rows:
        _rates_changed(currencies=currencies, start=start, end=end)
    return RatesUpload(
        layout=read.layout, days=read.days, currencies=currencies, added=added, changed=changed
    )


# The lines a rate change may concern. A FEC kept in the company's currency gives each line's
# amount in that currency itself (its foreign-currency lines carry the rate the accounts used):
# the reference rates never replace it.
LINE_CONVERT_SQL = """
    COPY (
        SELECT id, client_id, date, currency, original_amount, original_profit, exchange_rate
        FROM {table} AS line WHERE date BETWEEN %s AND %s {currencies}
        AND NOT EXISTS (
            SELECT 1 FROM {imports} AS source WHERE source.id = line.ledger_import_id
            AND source.layout = 'fec' AND source.currency = %s
        )
    ) TO STDOUT WITH (FORMAT csv, HEADER true)
"""


def ledger_lines_convert(*, currencies: Iterable[str], start: dt.date, end: dt.date) -> int:
    """Convert again the lines of ``currencies`` dated from ``start`` to ``end`` (every line in
    another currency than the company's, when the company's own rate changed) with the rates
    stored now, then recompute the figures and announce it. Returns the lines whose rate
    changed; a second run changes nothing."""
    company = settings.KAM_DEFAULT_CURRENCY
    codes = sorted(set(currencies))
    table = LedgerLine._meta.db_table
    params: list[Any]
    if company in codes:
        where, params = "AND currency <> %s", [company]
    else:
        where, params = "AND currency = ANY(%s)", [codes]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOAD_LOCK])
        buffer = io.BytesIO()
        sql = LINE_CONVERT_SQL.format(
            table=table, imports=LedgerImport._meta.db_table, currencies=where
        )
        with cursor.cursor.copy(
            cursor.cursor.mogrify(sql, [start, end, *params, company])  # COPY takes no parameters
        ) as copy:
            for chunk in copy:
                buffer.write(chunk)
        buffer.seek(0)
        lines = pd.read_csv(buffer, parse_dates=["date"], keep_default_na=False, na_values=[""])
        if lines.empty:
            return 0
        factors = _line_rates(lines)
        new = factors.round(12)
        old = lines["exchange_rate"].astype(float).round(12)
        changed = lines[~((new == old) | (new.isna() & old.isna()))].copy()
        if changed.empty:
            return 0
        rate = new[changed.index]
        changed["exchange_rate"] = rate
        changed["amount"] = (changed["original_amount"] * rate).round(4)
        changed["profit"] = (changed["original_profit"] * rate).round(4)
        cursor.execute(
            "CREATE TEMP TABLE line_rates (id bigint, exchange_rate numeric(24, 12), "
            "amount numeric(18, 4), profit numeric(18, 4)) ON COMMIT DROP"
        )
        rows = io.StringIO()
        changed[["id", "exchange_rate", "amount", "profit"]].to_csv(rows, index=False, header=False)
        with cursor.cursor.copy("COPY line_rates FROM STDIN WITH (FORMAT csv)") as copy:
            copy.write(rows.getvalue())
        cursor.execute(
            f"""
            UPDATE {table} AS line SET exchange_rate = new.exchange_rate, amount = new.amount,
                profit = new.profit
            FROM line_rates AS new WHERE new.id = line.id
            """
        )
        cursor.execute("DROP TABLE line_rates")
        client_metrics_recompute()
        client_ids = sorted({int(client_id) for client_id in changed["client_id"]})
        transaction.on_commit(
            functools.partial(
                signals.ledger_converted.send, sender=LedgerLine, client_ids=client_ids
            )
        )
    return len(changed)


# --- client metrics -----------------------------------------------------------------------------


# Per client and calendar year, what ``accounts.metrics.metric_rows`` needs (``AGGREGATES``),
# summed up where the lines are: the lines themselves never leave PostgreSQL. As
# ``metrics.yearly_metrics`` does with pandas: a line without an order reference is an order of
# its own day; days late are those the ledger states, else those paid after the due date (none
# when paid on time); a mean leaves out the lines that do not give its value.
METRIC_SQL = """
    SELECT client_id, EXTRACT(YEAR FROM date)::int AS year, SUM(amount)::float8,
        COALESCE(SUM(quantity), 0)::float8, COUNT(quantity), COALESCE(SUM(profit), 0)::float8,
        COUNT(profit), COUNT(*), COUNT(*) FILTER (WHERE is_return),
        COUNT(DISTINCT CASE WHEN order_ref = '' THEN 'date:' || date::text ELSE order_ref END),
        AVG(paid_date - date)::float8,
        AVG(COALESCE(
            days_late,
            CASE WHEN paid_date - due_date < 0 THEN 0 ELSE paid_date - due_date END
        ))::float8,
        AVG(disputed::int)::float8
    FROM {table} {where}
    GROUP BY client_id, year
    ORDER BY client_id, year
"""


def client_metrics_recompute(*, client_ids: Iterable[int] | None = None) -> int:
    """Recompute per client and year figures from the ledger; returns rows written."""
    ids = None if client_ids is None else sorted(set(client_ids))
    # A line without an exchange rate has no amount in the company's currency: not counted.
    where = "WHERE amount IS NOT NULL"
    if ids is not None:
        where += f" AND client_id IN ({','.join(str(int(i)) for i in ids)})"
    if ids == []:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL DateStyle = 'ISO, YMD'")  # date::text of the order keys
        cursor.execute(METRIC_SQL.format(table=LedgerLine._meta.db_table, where=where))
        records = [dict(zip(metrics.AGGREGATES, row, strict=True)) for row in cursor.fetchall()]
        if ids is None:
            year_totals: dict[int, float] = defaultdict(float)
            for record in records:
                year_totals[record["year"]] += record["revenue"]
        else:
            cursor.execute(
                f"SELECT EXTRACT(YEAR FROM date)::int, SUM(amount)::float8 "
                f"FROM {LedgerLine._meta.db_table} WHERE amount IS NOT NULL GROUP BY 1"
            )
            year_totals = {int(year): float(total) for year, total in cursor.fetchall()}
        rows = metrics.metric_rows(records, year_totals=year_totals)
        stale = ClientYearMetric.objects.all()
        if ids is not None:
            stale = stale.filter(client_id__in=ids)
        stale.delete()
        ClientYearMetric.objects.bulk_create(
            (ClientYearMetric(**row) for row in rows), batch_size=2000
        )
    return len(rows)
