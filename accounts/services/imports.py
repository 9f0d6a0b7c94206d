"""A ledger import's life: the upload checked and stored, its layout detected, the preview and the
mapping, the confirmation that queues the job, the job's run and its outcome (``loading`` does
the reading and the load)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import fec, ledger
from accounts.models import DateOrderPreference, LedgerImport, User
from accounts.services import loading
from kam import lazy, permissions

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


def _check_currency(currency: str) -> str:
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise ValidationError(
            _("%(currency)s is not a currency code such as EUR or USD.") % {"currency": currency}
        )
    return code


@transaction.atomic
def ledger_import_create(
    *, user: User, upload: File, currency: str | None = None, max_bytes: int | None = None
) -> LedgerImport:
    """Check and store an uploaded ledger, detect its format and mapping (status PREVIEW).

    A file above ``max_bytes`` (default: ``KAM_IMPORT_MAX_BYTES``) is refused."""
    permissions.require(permissions.may_import_ledgers, user)
    currency = _check_currency(currency or settings.KAM_DEFAULT_CURRENCY)
    filename = Path(upload.name or "ledger.csv").name
    raw = loading.read_upload(upload, limit=max_bytes)
    if fec.looks_like_fec(raw):  # read natively: nothing to map
        fec_file = loading.read_fec(raw)
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
        table = loading.read_table(raw=raw, filename=filename, nrows=ledger.SAMPLE_ROWS)
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
    table = loading.read_table(raw=raw, filename=ledger_import.original_name, sheet=sheet)
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


def _fec_preview(*, ledger_import: LedgerImport, limit: int) -> ImportPreview:
    """A FEC is read whole (a sale's payment may be months of lines further), then summed up."""
    fec_file, reading = loading.load_fec(ledger_import)
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
    table = loading.load_table(ledger_import, nrows=ledger.SAMPLE_ROWS)
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
            _converted, missing = loading.convert(sample.lines)
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
        loading.load(ledger_import)
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
