"""A plan's approved versions and what changed between two of them.

``plan_snapshot`` reads what a plan says now into plain JSON (what an approval freezes in a
``PlanVersion``); ``snapshot_diff`` compares two snapshots, without the database: per section,
the items added, removed and changed, each change per field with its translated label and the
old and new values as a reader reads them (a choice's label, a date in the user's format).

Items are matched by their id, so a renamed objective is one change, not a removal and an
addition. KPIs and actions are listed under the objective they belong to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Model, QuerySet
from django.http import Http404
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from planning.models import (
    Action,
    Cadence,
    CounterpartPair,
    Kpi,
    Objective,
    Offer,
    Plan,
    PlanVersion,
    Stakeholder,
    SwotItem,
)

SNAPSHOT_SCHEMA = 1

VISION_FIELDS = ("customer_business", "customer_strategy", "shared_vision")
SWOT_FIELDS = ("quadrant", "text")
OBJECTIVE_FIELDS = ("side", "title", "description")
KPI_FIELDS = ("name", "unit", "measure", "is_margin", "baseline", "target", "due_date")
ACTION_FIELDS = ("title", "owner", "department", "due_date")
OFFER_FIELDS = (
    "offering", "business_unit", "status", "pricing", "value_drivers", "annual_value", "note"
)  # fmt: skip
STAKEHOLDER_FIELDS = (
    "contact", "buying_role", "attitude", "influence", "level", "reports_to", "note"
)  # fmt: skip
PAIR_FIELDS = ("user", "stakeholder", "level", "cadence")
CADENCE_FIELDS = (
    "kind", "name", "level", "every", "unit", "starts_on", "agreed_on", "our_department",
    "their_function",
)  # fmt: skip
"""What a version keeps of each item. An action's status, progress and comment are how its work
goes, not what the plan says: they change without starting a new draft and are not kept."""


# --- reads ----------------------------------------------------------------------------------------


def version_list(*, plan: Plan) -> QuerySet[PlanVersion]:
    """The approved versions of ``plan`` (one the caller sees), newest first."""
    return PlanVersion.objects.filter(plan=plan).select_related("approved_by", "submitted_by")


def version_get(*, plan: Plan, number: int) -> PlanVersion:
    try:
        return version_list(plan=plan).get(number=number)
    except PlanVersion.DoesNotExist:
        raise Http404 from None


# --- the snapshot ---------------------------------------------------------------------------------


def _value(value: Any) -> Any:
    """A field's value as JSON keeps it: dates in ISO, decimals as exact text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


OWNER = ("owner__first_name", "owner__last_name", "owner__username")


def _name(row: Mapping[str, Any], prefix: str) -> str:
    """A person's name from a row of ``values()``: "First Last", else their username (as
    ``User.get_full_name() or username``, and a contact's ``str()``)."""
    name = f"{row[prefix + 'first_name']} {row[prefix + 'last_name']}".strip()
    return name or row.get(prefix + "username", "")


def _row(obj: Model, names: Iterable[str]) -> dict[str, Any]:
    return {"id": obj.pk, **{name: _value(getattr(obj, name)) for name in names}}


def plan_snapshot(plan: Plan) -> dict[str, Any]:
    """What ``plan`` says now, as plain JSON: its vision, SWOT, objectives with their KPIs and
    actions, offers, stakeholders, counterpart pairs and cadences. People are kept by name, as
    the version's readers will read them. A fixed number of queries, whatever the plan holds."""
    objectives = list(Objective.objects.filter(plan=plan).order_by("side", "position", "pk"))
    kpis: dict[int, list[dict[str, Any]]] = {}
    for kpi in Kpi.objects.filter(objective__plan=plan).order_by("objective", "position", "pk"):
        kpis.setdefault(kpi.objective_id, []).append(_row(kpi, KPI_FIELDS))
    actions: dict[int, list[dict[str, Any]]] = {}
    for row in (
        Action.objects.filter(objective__plan=plan)
        .order_by("objective", "position", "pk")
        .values("id", "objective_id", "title", "department", "due_date", *OWNER)
    ):  # 500 actions: rows, not model instances
        actions.setdefault(row["objective_id"], []).append(
            {
                "id": row["id"],
                "title": row["title"],
                "owner": _name(row, "owner__"),
                "department": row["department"],
                "due_date": _value(row["due_date"]),
            }
        )
    stakeholders = list(
        Stakeholder.objects.filter(plan=plan).select_related("contact", "reports_to__contact")
    )
    cadences = list(Cadence.objects.filter(plan=plan))
    cadence_names = {cadence.pk: cadence.name for cadence in cadences}
    return {
        "schema": SNAPSHOT_SCHEMA,
        "plan": {
            "client": plan.client.name,
            "period_start": _value(plan.period_start),
            "period_end": _value(plan.period_end),
        },
        "vision": {name: getattr(plan, name) for name in VISION_FIELDS},
        "swot": [
            _row(item, SWOT_FIELDS)
            for item in SwotItem.objects.filter(plan=plan).order_by("quadrant", "position", "pk")
        ],
        "objectives": [
            {
                **_row(objective, OBJECTIVE_FIELDS),
                "kpis": kpis.get(objective.pk, []),
                "actions": actions.get(objective.pk, []),
            }
            for objective in objectives
        ],
        "offers": [
            {**_row(offer, OFFER_FIELDS[1:]), "offering": offer.offering.name}
            for offer in Offer.objects.filter(plan=plan).select_related("offering")
        ],
        "stakeholders": [
            {
                **_row(person, ("buying_role", "attitude", "influence", "level", "note")),
                "contact": str(person.contact),
                "reports_to": str(person.reports_to.contact) if person.reports_to else "",
            }
            for person in stakeholders
        ],
        "counterparts": [
            {
                "id": pair["id"],
                "user": _name(pair, "user__"),
                "stakeholder": _name(pair, "stakeholder__contact__"),
                "level": pair["level"],
                "cadence": cadence_names.get(pair["cadence_id"] or 0, ""),
            }
            for pair in CounterpartPair.objects.filter(plan=plan)
            .order_by("level", "pk")
            .values(
                "id",
                "level",
                "cadence_id",
                "user__first_name",
                "user__last_name",
                "user__username",
                "stakeholder__contact__first_name",
                "stakeholder__contact__last_name",
            )
        ],
        "cadences": [_row(cadence, CADENCE_FIELDS) for cadence in cadences],
    }


# --- the diff -------------------------------------------------------------------------------------


@dataclass
class FieldChange:
    label: str
    old: str
    new: str


@dataclass
class Change:
    """One item added, removed or changed; ``context`` names the objective of a KPI or action."""

    kind: str  # "added", "removed", "changed"
    entity: str
    name: str
    context: str = ""
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class SectionDiff:
    key: str
    title: str
    changes: list[Change] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"added": 0, "removed": 0, "changed": 0}
        for change in self.changes:
            counts[change.kind] += 1
        return counts


class _Entity:
    """How one kind of item reads in a diff: its model's field labels and choices, its name."""

    def __init__(self, model: type[Model], names: Sequence[str], title: str) -> None:
        self.names = names
        self.title = title
        self.label = capfirst(str(model._meta.verbose_name))
        self.labels: dict[str, str] = {}
        self.choices: dict[str, dict[Any, str]] = {}
        self.numbers: set[str] = set()
        for name in names:
            model_field = model._meta.get_field(name)
            self.labels[name] = capfirst(str(getattr(model_field, "verbose_name", name)))
            if isinstance(model_field, DecimalField):
                self.numbers.add(name)
            if getattr(model_field, "choices", None):
                self.choices[name] = {
                    value: str(label)
                    for value, label in model_field.choices  # type: ignore[union-attr]
                }

    def show(self, name: str, value: Any, yes: str, no: str) -> str:
        if value is None or value == "":
            return "—"
        if name in self.choices:
            return self.choices[name].get(value, str(value))
        if isinstance(value, bool):
            return yes if value else no
        if name in self.numbers:
            try:
                return formats.number_format(Decimal(value), force_grouping=True)
            except ArithmeticError:
                return str(value)
        if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return formats.date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
            except ValueError:
                return value
        return str(value)


def _entities() -> dict[str, _Entity]:
    """The kinds of items, their labels in the current language."""
    return {
        "vision": _Entity(Plan, VISION_FIELDS, ""),
        "swot": _Entity(SwotItem, SWOT_FIELDS, "text"),
        "objective": _Entity(Objective, OBJECTIVE_FIELDS, "title"),
        "kpi": _Entity(Kpi, KPI_FIELDS, "name"),
        "action": _Entity(Action, ACTION_FIELDS, "title"),
        "offer": _Entity(Offer, OFFER_FIELDS, "business_unit"),
        "stakeholder": _Entity(Stakeholder, STAKEHOLDER_FIELDS, "contact"),
        "pair": _Entity(CounterpartPair, PAIR_FIELDS, "stakeholder"),
        "cadence": _Entity(Cadence, CADENCE_FIELDS, "name"),
    }


class _Differ:
    def __init__(self) -> None:
        self.entities = _entities()
        self.yes, self.no = _("yes"), _("no")

    def name(self, entity: _Entity, row: Mapping[str, Any]) -> str:
        if entity is self.entities["offer"]:
            return f"{row.get('offering', '')} · {row.get('business_unit', '')}"
        if entity is self.entities["pair"]:
            return f"{row.get('user', '')} ↔ {row.get('stakeholder', '')}"
        return str(row.get(entity.title, ""))

    def fields(
        self, entity: _Entity, old: Mapping[str, Any], new: Mapping[str, Any]
    ) -> list[FieldChange]:
        changes = []
        for name in entity.names:
            before, after = old.get(name), new.get(name)
            if before != after and not (before in (None, "") and after in (None, "")):
                changes.append(
                    FieldChange(
                        entity.labels[name],
                        entity.show(name, before, self.yes, self.no),
                        entity.show(name, after, self.yes, self.no),
                    )
                )
        return changes

    def items(
        self,
        kind: str,
        old: Sequence[Mapping[str, Any]],
        new: Sequence[Mapping[str, Any]],
        out: list[Change],
        context: str = "",
    ) -> None:
        entity = self.entities[kind]
        before = {row["id"]: row for row in old}
        after_ids = set()
        for row in new:
            after_ids.add(row["id"])
            previous = before.get(row["id"])
            if previous is None:
                shown = [
                    FieldChange(
                        entity.labels[name],
                        "",
                        entity.show(name, row.get(name), self.yes, self.no),
                    )
                    for name in entity.names
                    if name != entity.title and row.get(name) not in (None, "", False)
                ]
                out.append(Change("added", entity.label, self.name(entity, row), context, shown))
            else:
                changed = self.fields(entity, previous, row)
                if changed:
                    out.append(
                        Change("changed", entity.label, self.name(entity, row), context, changed)
                    )
        for row in old:
            if row["id"] not in after_ids:
                out.append(Change("removed", entity.label, self.name(entity, row), context))


def snapshot_diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[SectionDiff]:
    """What changed from snapshot ``old`` to snapshot ``new``, section by section (only the
    sections with a change): vision, SWOT, objectives, KPIs, actions, offers, stakeholders,
    counterpart pairs, cadences. Pure: no database."""
    differ = _Differ()
    sections = {
        "vision": SectionDiff("vision", _("Shared vision and the customer's strategy")),
        "swot": SectionDiff("swot", _("SWOT")),
        "objectives": SectionDiff("objectives", _("Objectives")),
        "kpis": SectionDiff("kpis", _("KPIs")),
        "actions": SectionDiff("actions", _("Actions")),
        "offers": SectionDiff("offers", _("Offers")),
        "stakeholders": SectionDiff("stakeholders", _("Stakeholders")),
        "counterparts": SectionDiff("counterparts", _("Counterpart pairs")),
        "cadences": SectionDiff("cadences", _("Meeting cadences")),
    }
    vision = differ.entities["vision"]
    changed = differ.fields(vision, old.get("vision", {}), new.get("vision", {}))
    if changed:
        sections["vision"].changes.append(Change("changed", vision.label, "", "", changed))
    differ.items("swot", old.get("swot", []), new.get("swot", []), sections["swot"].changes)
    old_objectives = {row["id"]: row for row in old.get("objectives", [])}
    new_objectives = {row["id"]: row for row in new.get("objectives", [])}
    differ.items(
        "objective",
        old.get("objectives", []),
        new.get("objectives", []),
        sections["objectives"].changes,
    )
    for key in [*new_objectives, *(pk for pk in old_objectives if pk not in new_objectives)]:
        before, after = old_objectives.get(key, {}), new_objectives.get(key, {})
        context = str((after or before).get("title", ""))
        for kind, name in (("kpi", "kpis"), ("action", "actions")):
            differ.items(
                kind, before.get(name, []), after.get(name, []), sections[name].changes, context
            )
    for kind, name in (
        ("offer", "offers"),
        ("stakeholder", "stakeholders"),
        ("pair", "counterparts"),
        ("cadence", "cadences"),
    ):
        differ.items(kind, old.get(name, []), new.get(name, []), sections[name].changes)
    return [section for section in sections.values() if section.changes]


DRAFT = "draft"
"""In a comparison, the plan as it is now rather than one of its versions."""


def snapshot_for(*, plan: Plan, ref: str) -> dict[str, Any]:
    """The snapshot of version ``ref`` (its number) of ``plan``, or of the plan as it is now
    (``"draft"``); an unknown version is a 404."""
    if ref == DRAFT:
        return plan_snapshot(plan)
    if not ref.isdigit():
        raise Http404
    return version_get(plan=plan, number=int(ref)).snapshot  # type: ignore[no-any-return]


def latest_ref(*, plan: Plan) -> str:
    """The latest version's number, or "draft" for a plan never approved."""
    number = version_list(plan=plan).values_list("number", flat=True).first()
    return str(number) if number else DRAFT


def plan_diff(*, plan: Plan, old: str, new: str) -> list[SectionDiff]:
    """What changed in ``plan`` from version ``old`` to version ``new`` (numbers, or "draft")."""
    return snapshot_diff(snapshot_for(plan=plan, ref=old), snapshot_for(plan=plan, ref=new))
