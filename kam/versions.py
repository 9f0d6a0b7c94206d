"""Optimistic concurrency: two people editing the same item never overwrite each other unseen.

**The version token** of a row is a digest of its content: every concrete field that an edit can
change (not its id, its position in a list, nor the ``auto_now`` timestamps), or the fields of
one part of it (a plan's vision texts). It needs no column and no migration, it is the same
whichever way the row was written (page, API, task, shell), and a row changed then changed back
is the same version again, which is right: nothing of it would be lost. The version is what the
API sends as the item's ``ETag`` and expects in ``If-Match``, and what a page's edit form carries
in a hidden field.

**The check** is the services': an update or a delete given ``version=`` locks the row, computes
its current version and raises ``StaleEdit`` when it differs, writing nothing. Pages and the API
share it; the API also refuses a write that names no version (428, ``kam.api``).

``StaleEdit`` says what the other person changed: the history (``kam.history``) holds a
snapshot of every state of a tracked row, so the state the editor started from is found by its
version, and the fields that changed since, who changed them and when, are read from there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from kam import history

SKIPPED = {"position"}
"""Fields whose change is not an edit of the item (its place in a list)."""


def content_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The fields a version covers by default: what an edit can change."""
    return tuple(
        field.name
        for field in model._meta.concrete_fields
        if not field.primary_key
        and field.name not in SKIPPED
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
    )


def _plain(field: Any, value: Any) -> Any:
    """``value`` as one spelling whatever wrote it: ``Decimal("3")`` and ``Decimal("3.0000")``,
    a date and its ISO text, are the same."""
    if value is None or value == "":
        return None
    try:
        value = field.to_python(value)
    except ValidationError:
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def version_of(row: Any, fields: Iterable[str] | None = None) -> str:
    """The version of ``row`` (a model instance, or an event snapshot of one): a digest of the
    values of ``fields`` (by default ``content_fields``)."""
    model = getattr(row, "pgh_tracked_model", None) or type(row)
    names = tuple(fields) if fields is not None else content_fields(model)
    values = {}
    for name in names:
        field = model._meta.get_field(name)
        values[name] = _plain(field, getattr(row, field.attname))
    encoded = json.dumps(values, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:20]


@dataclass
class Since:
    """What changed in a row since a version: the fields, and who changed it, when."""

    fields: list[str]
    users: list[Any]
    at: dt.datetime | None


class StaleEdit(Exception):
    """The row changed since the version the editor started from: nothing was written.
    ``current`` is the row as it is now, and ``version`` its version."""

    def __init__(self, *, current: models.Model, since: str, fields: tuple[str, ...]) -> None:
        self.current = current
        self.fields = fields
        self.version = version_of(current, fields)
        self.since_version = since
        super().__init__(self.message)

    def current_values(self) -> dict[str, Any]:
        """The item as it is now, as JSON writes it (what the API's 412 answers)."""
        return {name: plain_value(self.current, name) for name in self.fields}

    @property
    def message(self) -> str:
        return _(
            "Someone else changed this since you opened it, so your changes were not saved. "
            "Look at their changes below, then save again to apply yours over theirs."
        )

    def changes(self) -> Since:
        """The fields changed since the editor's version, and who changed them, when (from the
        history; all the fields that differ from nothing known, if that version is not in it)."""
        tracked = history.TRACKED.get(type(self.current))
        if tracked is None:
            return Since(list(self.fields), [], None)
        events = list(
            tracked.event_model.objects.filter(pgh_obj_id=self.current.pk)
            .select_related("pgh_context")
            .order_by("-pgh_id")[:100]
        )
        base_index = next(
            (
                index
                for index, event in enumerate(events)
                if version_of(event, self.fields) == self.since_version
            ),
            None,
        )
        if base_index is None:
            return Since(list(self.fields), [], None)
        base, later = events[base_index], events[:base_index]
        changed = [
            name
            for name in self.fields
            if _plain(self.current._meta.get_field(name), _value(base, name))
            != _plain(self.current._meta.get_field(name), _value(self.current, name))
        ]
        user_ids = []
        for event in later:
            metadata = event.pgh_context.metadata if event.pgh_context else {}
            user = (metadata or {}).get("user")
            if isinstance(user, int) and user not in user_ids:
                user_ids.append(user)
        from django.contrib.auth import get_user_model

        users = get_user_model()._default_manager.in_bulk(user_ids)
        return Since(
            changed,
            [users[pk] for pk in user_ids if pk in users],
            later[0].pgh_created_at if later else None,
        )


def plain_value(row: Any, name: str) -> Any:
    """Field ``name`` of ``row`` as JSON writes it (a foreign key as the id it names)."""
    model = getattr(row, "pgh_tracked_model", None) or type(row)
    return _plain(model._meta.get_field(name), _value(row, name))


def _value(row: Any, name: str) -> Any:
    model = getattr(row, "pgh_tracked_model", None) or type(row)
    return getattr(row, model._meta.get_field(name).attname)


def check[M: models.Model](
    row: M, version: str | None, *, fields: Iterable[str] | None = None
) -> M:
    """Inside a service's transaction, before it writes ``row``: lock the row and raise
    ``StaleEdit`` if its version is no longer ``version``. The row's fields are refreshed from
    the locked row, so the write starts from what is there. Without a version (a service called
    by code that read the row itself), nothing is checked."""
    if version is None:
        return row
    names = tuple(fields) if fields is not None else content_fields(type(row))
    current = type(row)._base_manager.select_for_update().filter(pk=row.pk).first()
    if current is None:
        raise ValidationError(_("Someone else deleted this while you were editing it."))
    if version_of(current, names) != version:
        raise StaleEdit(current=current, since=version, fields=names)
    for field in type(row)._meta.concrete_fields:
        setattr(row, field.attname, getattr(current, field.attname))
    return row
