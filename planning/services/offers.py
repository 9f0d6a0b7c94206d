"""Writing the catalogue of offerings (directors) and a plan's offers: an offering for one of
the customer's business units or sites, its status and its pricing approach. Value-based pricing
names its value drivers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from kam import permissions, versions
from planning.models import Offer, Offering, Plan
from planning.services import approval

OFFERING_FIELDS = ("name", "kind", "description", "active", "position")
OFFER_FIELDS = (
    "offering", "business_unit", "status", "pricing", "value_drivers", "annual_value", "note"
)  # fmt: skip


def _strip(values: dict[str, Any]) -> dict[str, Any]:
    return {name: v.strip() if isinstance(v, str) else v for name, v in values.items()}


def _unknown(values: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")


@transaction.atomic
def offering_create(*, user: User, **values: Any) -> Offering:
    """Add an offering to the catalogue (at its end unless a position is given)."""
    permissions.require(permissions.may_open_plan, user)
    _unknown(values, OFFERING_FIELDS)
    values = _strip(values)
    values.setdefault("position", Offering.objects.count())
    offering = Offering(**values)
    offering.full_clean()
    offering.save()
    return offering


@transaction.atomic
def offering_update(*, user: User, offering: Offering, **values: Any) -> Offering:
    """Change an offering; one that is no longer offered stays on the plans that have it."""
    permissions.require(permissions.may_open_plan, user)
    _unknown(values, OFFERING_FIELDS)
    for name, value in _strip(values).items():
        setattr(offering, name, value)
    offering.full_clean()
    offering.save()
    return offering


def _offer_save(offer: Offer) -> Offer:
    if offer.pricing == Offer.Pricing.VALUE_BASED and not offer.value_drivers:
        raise ValidationError({"value_drivers": _("Value-based pricing names its value drivers.")})
    offer.full_clean()
    offer.save()
    return offer


@transaction.atomic
def offer_add(*, user: User, plan: Plan, **values: Any) -> Offer:
    """Put an offering in the plan for one of the customer's business units or sites."""
    permissions.require(permissions.may_edit_plan, user, plan)
    approval.plan_writable(plan=plan)
    _unknown(values, OFFER_FIELDS)
    values = _strip(values)
    offering = values.get("offering")
    if offering is not None and not offering.active:
        raise ValidationError(
            {"offering": _("%(name)s is no longer offered.") % {"name": offering}}
        )
    return _offer_save(Offer(plan=plan, **values))


@transaction.atomic
def offer_update(*, user: User, offer: Offer, version: str | None = None, **values: Any) -> Offer:
    permissions.require(permissions.may_edit_plan, user, offer.plan)
    approval.plan_writable(plan=offer.plan)
    versions.check(offer, version)
    _unknown(values, OFFER_FIELDS)
    for name, value in _strip(values).items():
        setattr(offer, name, value)
    return _offer_save(offer)


@transaction.atomic
def offer_delete(*, user: User, offer: Offer, version: str | None = None) -> None:
    permissions.require(permissions.may_edit_plan, user, offer.plan)
    approval.plan_writable(plan=offer.plan)
    versions.check(offer, version)
    offer.delete()
