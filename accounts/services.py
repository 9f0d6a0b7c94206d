"""Writes for clients, contacts, ledger imports and client metrics."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import File

from accounts.models import LedgerImport, User


@dataclass(frozen=True)
class ImportPreview:
    """What the preview page shows before the director confirms an import."""

    columns: list[str]  # the file's header, in order
    mapping: dict[str, str]  # field code → column name (see accounts.ledger.FIELDS)
    rows: list[list[str]]  # the first lines of the file as raw text
    parsed: list[dict[str, str]]  # the same lines as KAM reads them, field code → shown value
    problems: list[str]  # translated messages about the mapping or the sample


def ledger_import_create(
    *, user: User, upload: File, currency: str | None = None
) -> LedgerImport:
    """Check and store an uploaded ledger, detect its format and mapping (status PREVIEW)."""
    raise NotImplementedError


def ledger_import_preview(
    *, ledger_import: LedgerImport, mapping: Mapping[str, str] | None = None, limit: int = 10
) -> ImportPreview:
    raise NotImplementedError


def ledger_import_confirm(
    *,
    ledger_import: LedgerImport,
    user: User,
    mapping: Mapping[str, str],
    dayfirst: bool | None = None,
    currency: str | None = None,
) -> LedgerImport:
    """Validate the mapping and queue the import job (status QUEUED)."""
    raise NotImplementedError


def ledger_import_run(*, import_id: int) -> None:
    """The job: parse, COPY into staging, upsert clients and lines, write rejects, metrics."""
    raise NotImplementedError


def ledger_import_from_path(
    *,
    path: Path,
    user: User,
    mapping: Mapping[str, str] | None = None,
    currency: str | None = None,
) -> LedgerImport:
    """Create, confirm and run an import in this process (command line and demo seeding)."""
    raise NotImplementedError


def client_metrics_recompute(*, client_ids: Iterable[int] | None = None) -> int:
    """Recompute per client and year figures from the ledger; returns rows written."""
    raise NotImplementedError
