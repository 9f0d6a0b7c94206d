"""Edit forms that carry the version they started from, and what a stale save shows.

An edit form gets a hidden ``version`` field (``kam.versions``: the item's version when the form
was opened), which the view passes to the service with the rest. When someone else saved the
item meanwhile, the service writes nothing and raises ``StaleEdit``; the form comes back with the
user's input as they typed it, a message saying who changed what and when (their values against
the user's), and the version of the item as it is now, so that saving again applies the user's
changes over theirs, knowingly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.db import models
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kam import formats, versions


def versioned(
    form: forms.Form,
    row: models.Model,
    fields: Iterable[str] | None = None,
    *,
    version: str | None = None,
) -> None:
    """Give ``form`` (an edit form of ``row``) the hidden field with the version it starts
    from (``version`` when the item's version covers more than the row, as a project's does).
    A form posted without it is not checked, as before versions existed."""
    field = forms.CharField(widget=forms.HiddenInput, required=False, empty_value=None)
    field.initial = version if version is not None else versions.version_of(row, fields)
    form.fields["version"] = field


@dataclass
class Difference:
    label: str
    theirs: str
    yours: str


@dataclass
class Conflict:
    """What a stale save shows above the form."""

    message: str
    by: str  # "Diane Marchal, 04/12/2026 14:02", or "" when the history does not say
    differences: list[Difference]


ALIASES = {"user": "person"}
"""Model fields a form names otherwise (a counterpart pair's ``user`` is the form's person)."""


def show(form: forms.Form, stale: versions.StaleEdit) -> None:
    """Put ``stale``'s conflict on ``form`` (``form.conflict``) and its hidden version to the
    item's current one; the user's input stays as they sent it."""
    since = stale.changes()
    current = stale.current
    differences = []
    for name in since.fields:
        form_name = name if name in form.fields else ALIASES.get(name, name)
        if form_name not in form.fields:
            continue
        field = form.fields[form_name]
        theirs = _model_value(current, name)
        yours = _form_value(field, form.cleaned_data.get(form_name))
        differences.append(Difference(capfirst(str(field.label or name)), theirs, yours))
    who = ", ".join(str(user) for user in since.users)
    when = date_format(dt_local(since.at), "SHORT_DATETIME_FORMAT") if since.at else ""
    form.conflict = Conflict(  # type: ignore[attr-defined]
        message=stale.message,
        by=", ".join(part for part in (who, when) if part),
        differences=differences,
    )
    data = form.data.copy()  # type: ignore[attr-defined]
    data["version"] = stale.version
    form.data = data


def dt_local(moment: dt.datetime) -> dt.datetime:
    from django.utils import timezone

    return timezone.localtime(moment)


def _model_value(row: models.Model, name: str) -> str:
    field = row._meta.get_field(name)
    value = getattr(row, name)
    if field.many_to_many:
        return ", ".join(str(item) for item in value.all()) or formats.EMPTY
    if getattr(field, "choices", None):
        return str(dict(field.flatchoices).get(value, value)) if value else formats.EMPTY  # type: ignore[union-attr]
    return text(value)


def _form_value(field: forms.Field, value: Any) -> str:
    choices = getattr(field, "choices", None)
    if choices is not None and not isinstance(field, forms.ModelChoiceField):
        return str(dict(_flat(choices)).get(value, value)) if value else formats.EMPTY
    return text(value)


def _flat(choices: Any) -> list[tuple[Any, Any]]:
    flat: list[tuple[Any, Any]] = []
    for key, label in choices:
        if isinstance(label, list | tuple):
            flat.extend(label)
        else:
            flat.append((key, label))
    return flat


def text(value: Any) -> str:
    if value is None or value == "":
        return formats.EMPTY
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return date_format(dt_local(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, dt.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal):
        exponent = value.normalize().as_tuple().exponent
        return formats.number(value, max(-exponent, 0) if isinstance(exponent, int) else 0)
    if isinstance(value, list | tuple | models.QuerySet):
        return ", ".join(str(item) for item in value) or formats.EMPTY
    return str(value)
