"""A plan's audit history: every recorded change of the plan and of what is in it, newest first,
with who made it and what changed (field by field, old → new, in the reader's language).

The events are django-pghistory's, one table per tracked model (``kam.history``). Each tracked
model says how its rows reach their plan (``plan="objective__plan"``); an event belongs to the
plan through the snapshot it holds, or through its parent's events when the parent is gone (a
KPI of a deleted objective still shows in the plan's history). A page of events costs two
queries per kind of row on it, whatever the history's length: one to list the page (a UNION of
the tracked tables, each filtered by an indexed column), then for each kind the events and the
ones before them (what the values were), and the rows their foreign keys name.

Who may read a plan's history is who may see the plan (``plans.plan_get``): a 404 otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import CharField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.utils.formats import date_format
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.models import Client, User
from kam import formats, history
from planning.models import Plan

PAGE_SIZE = 50
SKIPPED = {"id", "created_at", "created_by"}
"""Fields no change lists: the row's id, and when and by whom it was made (the insert says so)."""


@dataclass
class Change:
    """One field of a row that an event changed: its label, and its value before and after, as
    the reader reads them."""

    name: str
    label: str
    old: str
    new: str


@dataclass
class Entry:
    """One event of a plan's history."""

    key: str  # "<app.Model>-<event id>": unique across the tracked tables
    at: dt.datetime
    kind: str  # app.Model
    kind_label: str  # "Action"
    object_id: int
    name: str  # the row in words ("Launch pilot"); "" for the plan itself
    action: str  # insert, update, delete
    user: User | None
    task: str
    changes: list[Change] = field(default_factory=list)
    earlier_unknown: bool = False  # an update of a row made before the history was kept
    sentence: str = ""  # the event in one sentence, for a row that says it so (a participant)

    @property
    def subject(self) -> str:
        """ "Action “Launch pilot”", or "The plan"."""
        if not self.name:
            return capfirst(self.kind_label)
        return pgettext("history", "%(kind)s “%(name)s”") % {
            "kind": capfirst(self.kind_label),
            "name": self.name,
        }

    @property
    def action_label(self) -> str:
        tracked = history.tracked(self.kind)
        if tracked is not None and self.action in tracked.verbs:
            return str(tracked.verbs[self.action])  # a row recording an act: "downloaded"
        return {
            "insert": pgettext("history", "added"),
            "update": pgettext("history", "changed"),
            "delete": pgettext("history", "deleted"),
        }.get(self.action, self.action)

    @property
    def text(self) -> str:
        """The whole event in one line: "Action “Launch pilot”: status Planned → Done"."""
        if self.sentence:
            return self.sentence
        if self.action != "update" or not self.changes:
            return f"{self.subject} {self.action_label}"
        changes = "; ".join(
            f"{change.label} {change.old} → {change.new}" for change in self.changes
        )
        return f"{self.subject}: {changes}"


# --- which events are a plan's ----------------------------------------------------------------


def _ids_in_plan(model: type[models.Model], path: str, plan: Plan) -> list[QuerySet[Any]]:
    """Querysets of the ids of ``model``'s rows that are or were in ``plan`` (``path``: the
    lookup from ``model`` to the plan): the rows there now, and the tracked rows' events."""
    live = model._default_manager.filter(**{path: plan}).values("pk")
    tracked = history.TRACKED.get(model)
    if tracked is None:
        return [live]
    events = tracked.event_model.objects.filter(_scope(model, path, plan))
    return [live, events.values("pgh_obj_id")]


def _scope(model: type[models.Model], path: str, plan: Plan) -> Q:
    """The events of ``model`` (whose rows reach their plan by ``path``) that are ``plan``'s."""
    if not path:
        return Q(pgh_obj_id=plan.pk)
    head, _sep, rest = path.partition("__")
    related = model._meta.get_field(head).related_model
    if not rest:
        if related is Plan:
            return Q(**{f"{head}_id": plan.pk})
        if related is Client:
            return Q(**{f"{head}_id": plan.client_id})
        raise ValueError(f"{model.__name__}: {path!r} reaches neither a plan nor a client.")
    assert isinstance(related, type)
    scope = Q()
    for ids in _ids_in_plan(related, rest, plan):
        scope |= Q(**{f"{head}_id__in": ids})
    return scope


def _events(
    plan: Plan, *, kind: str = "", user_id: int | None = None
) -> list[tuple[str, QuerySet[Any]]]:
    """Per tracked model (of the kind ``app.Model``, if given): its label and the plan's events
    (made by ``user_id``, if given)."""
    parts = []
    for entry in history.TRACKED.values():
        if kind and entry.label != kind:
            continue
        events = entry.event_model.objects.filter(_scope(entry.model, entry.plan, plan))
        if user_id is not None:
            events = events.filter(pgh_context__metadata__user=user_id)
        parts.append((entry.label, events))
    return parts


def plan_history(*, plan: Plan, kind: str = "", user_id: int | None = None) -> QuerySet[Any]:
    """The plan's events, newest first, as rows ``(at, event id, kind)``: of the kind
    ``app.Model`` only, or made by ``user_id`` only, if given. Paginate it, then read a page's
    rows with ``plan_history_entries``."""
    parts = [
        events.annotate(tracked=Value(label, output_field=CharField())).values_list(
            "pgh_created_at", "pgh_id", "tracked"
        )
        for label, events in _events(plan, kind=kind, user_id=user_id)
    ]
    if not parts:  # no such kind
        return Plan.objects.none().values_list("created_at", "pk", "status")
    first, *others = parts
    return first.union(*others, all=True).order_by("-pgh_created_at", "-pgh_id", "tracked")


def plan_history_people(*, plan: Plan) -> list[User]:
    """Everyone who changed something in the plan, by name."""
    parts = [
        events.annotate(actor=KeyTextTransform("user", "pgh_context__metadata")).values_list(
            "actor", flat=True
        )
        for _label, events in _events(plan)
    ]
    first, *others = parts
    ids = {int(pk) for pk in first.union(*others) if pk and str(pk).isdigit()}
    return list(User.objects.filter(pk__in=ids).order_by("first_name", "last_name", "username"))


def plan_history_kinds() -> list[tuple[str, str]]:
    """The kinds of rows a plan's history holds: ``(app.Model, its name in the plural)``."""
    return [
        (entry.label, capfirst(str(entry.model._meta.verbose_name_plural)))
        for entry in history.TRACKED.values()
    ]


# --- what each event says -----------------------------------------------------------------------


def plan_history_entries(rows: Iterable[Sequence[Any]]) -> list[Entry]:
    """The entries of ``rows`` (a page of ``plan_history``), in their order."""
    rows = list(rows)
    by_kind: dict[str, list[int]] = defaultdict(list)
    for _at, pk, kind in rows:
        by_kind[kind].append(pk)
    found: dict[tuple[str, int], tuple[Any, Any]] = {}
    for kind, ids in by_kind.items():
        tracked = history.tracked(kind)
        if tracked is None:
            continue
        model = tracked.event_model
        before = (
            model.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
            .order_by("-pgh_id")
            .values("pgh_id")[:1]
        )
        events = list(
            model.objects.filter(pgh_id__in=ids)
            .select_related("pgh_context")
            .annotate(previous_id=Subquery(before))
        )
        previous = model.objects.in_bulk([e.previous_id for e in events if e.previous_id])
        for event in events:
            found[(kind, event.pgh_id)] = (event, previous.get(event.previous_id))
    reader = _Reader([pair for pair in found.values()])
    return [reader.entry(kind, *found[(kind, pk)]) for _at, pk, kind in rows if (kind, pk) in found]


class _Reader:
    """Writes events in words, looking up the users and the rows their foreign keys name once
    for all of them."""

    def __init__(self, pairs: list[tuple[Any, Any]]) -> None:
        wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        user_ids: set[int] = set()
        for event, previous in pairs:
            for row in (event, previous):
                if row is None:
                    continue
                for model_field in _fields(type(row)):
                    value = getattr(row, model_field.attname)
                    if model_field.is_relation and value is not None:
                        wanted[model_field.related_model].add(value)  # type: ignore[index]
            actor = (event.pgh_context.metadata or {}).get("user") if event.pgh_context else None
            if isinstance(actor, int):
                user_ids.add(actor)
        wanted[User] |= user_ids
        self.rows: dict[type[models.Model], dict[Any, models.Model]] = {
            model: _with_names(model._base_manager.all()).in_bulk(ids)
            for model, ids in wanted.items()
        }
        self.users: dict[Any, User] = self.rows[User]  # type: ignore[assignment]
        self.choices: dict[Any, dict[Any, str]] = {}
        self.snapshots: dict[type[models.Model], dict[Any, Any]] = {}
        for model, ids in wanted.items():  # rows gone since: their last snapshot names them
            tracked = history.TRACKED.get(model)
            missing = ids - set(self.rows[model])
            if tracked is not None and missing:
                last = (
                    tracked.event_model.objects.filter(pgh_obj_id__in=missing)
                    .order_by("pgh_obj_id", "-pgh_id")
                    .distinct("pgh_obj_id")
                )
                self.snapshots[model] = {event.pgh_obj_id: event for event in last}

    def entry(self, kind: str, event: Any, previous: Any) -> Entry:
        tracked = history.tracked(kind)
        assert tracked is not None
        metadata = (event.pgh_context.metadata or {}) if event.pgh_context else {}
        actor = metadata.get("user")
        entry = Entry(
            key=f"{kind}-{event.pgh_id}",
            at=event.pgh_created_at,
            kind=kind,
            kind_label=str(tracked.model._meta.verbose_name),
            object_id=event.pgh_obj_id,
            name=self.name(tracked, event),
            action=event.pgh_label,
            user=self.users.get(actor) if isinstance(actor, int) else None,
            task=str(metadata.get("task") or ""),
        )
        if event.pgh_label in tracked.phrases:
            entry.sentence = str(tracked.phrases[event.pgh_label]) % {
                "name": entry.name,
                "parent": self.parent(tracked, event),
            }
        if event.pgh_label == "update":
            parent = tracked.plan.partition("__")[0]
            for model_field in _fields(type(event)):
                if model_field.name == parent:
                    continue
                new = getattr(event, model_field.attname)
                if previous is None:
                    entry.earlier_unknown = True
                    old: Any = None
                else:
                    old = getattr(previous, model_field.attname)
                    if old == new:
                        continue
                if isinstance(old, str) and isinstance(new, str):
                    old, new = _around_difference(old, new)
                entry.changes.append(
                    Change(
                        name=model_field.name,
                        label=str(model_field.verbose_name),
                        old=self.value(model_field, old) if previous is not None else "?",
                        new=self.value(model_field, new),
                    )
                )
        return entry

    def name(self, tracked: history.Tracked, event: Any) -> str:
        parts = []
        for name in tracked.name:
            model_field = type(event)._meta.get_field(name)
            parts.append(self.value(model_field, getattr(event, model_field.attname)))
        return " · ".join(part for part in parts if part != formats.EMPTY)

    def parent(self, tracked: history.Tracked, event: Any) -> str:
        """The row ``event``'s row belongs to (the first step of its way to the plan), named
        by its model's ``label`` (or its name): from the row, or its last snapshot if gone."""
        model_field = type(event)._meta.get_field(tracked.plan.partition("__")[0])
        model = model_field.related_model
        value = getattr(event, model_field.attname)
        row = self.rows.get(model, {}).get(value) or self.snapshots.get(model, {}).get(value)
        parent = history.TRACKED.get(model)
        if row is None or parent is None:
            return self.value(model_field, value)
        if parent.label_of is not None:
            return parent.label_of(row)
        return self.name(parent, row)

    def value(self, model_field: Any, value: Any) -> str:
        """``value`` of ``model_field`` as the reader reads it."""
        if value is None or value == "":
            return formats.EMPTY
        if model_field.is_relation:
            model = model_field.related_model
            row = self.rows.get(model, {}).get(value)
            if row is not None:
                return str(row)
            snapshot = self.snapshots.get(model, {}).get(value)  # a row gone since
            return (snapshot and self.name(history.TRACKED[model], snapshot)) or f"#{value}"
        if model_field.choices:
            if model_field not in self.choices:  # translated once a page
                self.choices[model_field] = {k: str(v) for k, v in model_field.flatchoices}
            return self.choices[model_field].get(value, str(value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, dt.datetime):
            return date_format(value, "SHORT_DATETIME_FORMAT")
        if isinstance(value, dt.date):
            return date_format(value, "SHORT_DATE_FORMAT")
        if isinstance(value, Decimal):
            return formats.number(value, _decimals(value))
        text = str(value)
        return Truncator(text).chars(LONG) if len(text) > LONG else text


LONG = 160
"""A text longer than this is cut (``…``) where a change shows it."""


def _around_difference(old: str, new: str) -> tuple[str, str]:
    """Two versions of a long text, both cut to start a little before where they first differ
    (``…`` for what is left out), so that a change far into a long text shows, rather than the
    same first ``LONG`` characters twice."""
    if len(old) <= LONG and len(new) <= LONG:
        return old, new
    same = 0
    for a, b in zip(old, new, strict=False):
        if a != b:
            break
        same += 1
    start = same - 40
    if start <= 0:
        return old, new
    space = old.rfind(" ", 0, start)  # from a word's start
    start = space + 1 if space > start - 20 else start
    return "…" + old[start:], "…" + new[start:]


def _with_names(rows: QuerySet[Any]) -> QuerySet[Any]:
    """``rows`` with the rows they may name themselves by (their required foreign keys: a
    stakeholder's contact)."""
    named_by = [f.name for f in rows.model._meta.fields if f.is_relation and not f.null]
    return rows.select_related(*named_by) if named_by else rows


def _decimals(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def _fields(event_model: type[models.Model]) -> list[Any]:
    """The fields of an event model that copy the tracked row's and that a change may list."""
    return [
        model_field
        for model_field in event_model._meta.fields
        if not model_field.name.startswith("pgh_") and model_field.name not in SKIPPED
    ]
