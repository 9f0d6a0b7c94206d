"""Reading a stored ledger and loading its lines: parsed chunk by chunk by pandas, loaded by
PostgreSQL on a thread of the job, all in one transaction."""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import fec, ledger, rates, selectors, signals
from accounts.models import Client, LedgerImport, LedgerLine
from accounts.services import client_metrics
from kam import lazy, spreadsheets

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy.module("pandas")


def read_table(
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


def read_upload(upload: File, *, limit: int | None = None) -> bytes:
    limit = limit or settings.KAM_IMPORT_MAX_BYTES
    upload.seek(0)
    raw = upload.read(limit + 1)
    if len(raw) > limit:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size or len(raw)), "limit": filesizeformat(limit)}
        )
    return bytes(raw)


def load_table(ledger_import: LedgerImport, *, nrows: int | None = None) -> ledger.Table:
    with ledger_import.file.open("rb") as handle:
        raw = handle.read()
    return read_table(
        raw=raw, filename=ledger_import.original_name, sheet=ledger_import.sheet, nrows=nrows
    )


def read_fec(raw: bytes) -> fec.FecFile:
    try:
        return fec.read(raw)
    except ledger.LedgerError as error:
        raise ValidationError(str(error)) from None


def load_fec(ledger_import: LedgerImport) -> tuple[fec.FecFile, fec.Reading]:
    with ledger_import.file.open("rb") as handle:
        fec_file = read_fec(handle.read())
    return fec_file, fec.parse(fec_file)


def _progress(import_id: int, progress: int, stage: str) -> None:
    LedgerImport.objects.filter(pk=import_id).update(progress=progress, stage=stage)


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
    head = read_table(
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
        _fec_file, reading = load_fec(ledger_import)
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
        lines, missing = convert(parsed.lines)
        yield parsed, len(table.frame), done, lines, missing


def load(ledger_import: LedgerImport) -> None:
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
        client_metrics.client_metrics_recompute()
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


def convert(lines: pd.DataFrame) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The lines with their amounts in the company's currency, each line's own amounts kept
    beside them; and, per currency and month, how many lines have no exchange rate (their
    converted amounts stay empty: they are not counted, never converted at 1)."""
    factors = line_rates(lines)
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
        return convert(lines.assign(currency=currency))
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


def _csv_text(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, header=False, na_rep="")
    return buffer.getvalue()


def _copy(
    cursor: Any, table: str, columns: Iterable[str], data: str, *, text: Iterable[str]
) -> None:
    """COPY CSV ``data`` into ``columns`` of a table on a psycopg cursor; empty ``text`` cells
    stay empty strings, not NULL."""
    sql = (
        f"COPY {table} ({', '.join(columns)}) FROM STDIN "
        f"WITH (FORMAT csv, FORCE_NOT_NULL ({', '.join(text)}))"
    )
    with cursor.copy(sql) as copy:
        copy.write(data)


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
            _copy(cursor, "client_staging", CLIENT_COLUMNS, clients, text=CLIENT_COLUMNS)
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
            _copy(cursor, "chunk_staging", LINE_COLUMNS, lines, text=LINE_TEXT_COLUMNS)
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
    data = _csv_text(clients)
    _copy(cursor.cursor, "client_staging", clients.columns, data, text=CLIENT_COLUMNS)
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


def line_rates(lines: pd.DataFrame) -> pd.Series:
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
