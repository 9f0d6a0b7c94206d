"""Reading ledger files: format detection, column mapping and row parsing. No Django models."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _
from django.utils.functional import Promise


@dataclass(frozen=True)
class Field:
    code: str
    label: Promise
    kind: str  # text, date, number, bool


FIELDS: tuple[Field, ...] = (
    Field("customer_id", _("Customer id"), "text"),
    Field("customer_name", _("Customer name"), "text"),
    Field("date", _("Date"), "date"),
    Field("amount", _("Amount"), "number"),
    Field("quantity", _("Quantity"), "number"),
    Field("unit_price", _("Unit price"), "number"),
    Field("profit", _("Profit"), "number"),
    Field("cost", _("Cost"), "number"),
    Field("due_date", _("Due date"), "date"),
    Field("paid_date", _("Paid date"), "date"),
    Field("days_late", _("Days late"), "number"),
    Field("disputed", _("Disputed"), "bool"),
    Field("country", _("Country"), "text"),
    Field("segment", _("Segment"), "text"),
    Field("order_ref", _("Order"), "text"),
)
FIELD_CODES = tuple(field.code for field in FIELDS)
