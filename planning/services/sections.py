"""Writing a plan's first sections: the shared vision and the SWOT. Positions within a SWOT
quadrant stay dense (0, 1, 2…) after every add, move, change of quadrant and delete."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from kam import permissions, versions
from planning.models import Plan, SwotItem
from planning.services import approval

Direction = Literal["up", "down"]

VISION_FIELDS = ("customer_business", "customer_strategy", "shared_vision")


@transaction.atomic
def plan_vision_update(*, user: User, plan: Plan, version: str | None = None, **texts: str) -> Plan:
    """Change any of the vision's three texts (``customer_business``, ``customer_strategy``,
    ``shared_vision``); the others stay as they are. ``version``: of the three texts, as the
    editor read them (``kam.versions``)."""
    permissions.require(permissions.may_edit_plan, user, plan)
    approval.plan_writable(plan=plan)
    versions.check(plan, version, fields=VISION_FIELDS)
    unknown = set(texts) - set(VISION_FIELDS)
    if unknown:
        raise ValueError(f"Not a vision field: {sorted(unknown)}")
    for name, text in texts.items():
        setattr(plan, name, (text or "").strip())
    plan.full_clean()
    plan.save(update_fields=[*texts, "updated_at"])
    return plan


def renumber(items: Sequence[Any]) -> None:
    """Give ordered ``items`` the positions 0, 1, 2…, writing only those that change."""
    changed = []
    for index, item in enumerate(items):
        if item.position != index:
            item.position = index
            changed.append(item)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["position"])


def move(items: list[Any], item: Any, direction: Direction) -> None:
    """Swap ``item`` with its neighbour in ordered ``items`` (nothing at an end), then renumber."""
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    renumber(items)


def _quadrant(plan_id: int, quadrant: str) -> list[SwotItem]:
    return list(
        SwotItem.objects.select_for_update()
        .filter(plan_id=plan_id, quadrant=quadrant)
        .order_by("position", "pk")
    )


def _check_quadrant(quadrant: str) -> None:
    if quadrant not in SwotItem.Quadrant.values:
        raise ValidationError(
            {"quadrant": _("Choose strengths, weaknesses, opportunities or threats.")}
        )


@transaction.atomic
def swot_item_add(*, user: User, plan: Plan, quadrant: str, text: str) -> SwotItem:
    """Add a point at the end of a quadrant."""
    permissions.require(permissions.may_edit_plan, user, plan)
    approval.plan_writable(plan=plan)
    _check_quadrant(quadrant)
    position = len(_quadrant(plan.pk, quadrant))
    item = SwotItem(plan=plan, quadrant=quadrant, text=text.strip(), position=position)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def swot_item_update(
    *,
    user: User,
    item: SwotItem,
    text: str,
    quadrant: str | None = None,
    version: str | None = None,
) -> SwotItem:
    """Change a point's text; a new quadrant puts it at the end of that one."""
    permissions.require(permissions.may_edit_plan, user, item.plan)
    approval.plan_writable(plan=item.plan)
    versions.check(item, version)
    item.text = text.strip()
    if quadrant and quadrant != item.quadrant:
        _check_quadrant(quadrant)
        old = item.quadrant
        item.quadrant = quadrant
        item.position = len(_quadrant(item.plan_id, quadrant))
        item.full_clean()
        item.save()
        renumber(_quadrant(item.plan_id, old))
        return item
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def swot_item_delete(*, user: User, item: SwotItem, version: str | None = None) -> None:
    permissions.require(permissions.may_edit_plan, user, item.plan)
    approval.plan_writable(plan=item.plan)
    versions.check(item, version)
    item.delete()
    renumber(_quadrant(item.plan_id, item.quadrant))


@transaction.atomic
def swot_item_move(*, user: User, item: SwotItem, direction: Direction) -> SwotItem:
    """Move a point one place up or down in its quadrant."""
    permissions.require(permissions.may_edit_plan, user, item.plan)
    approval.plan_writable(plan=item.plan)
    move(_quadrant(item.plan_id, item.quadrant), item, direction)
    item.refresh_from_db(fields=["position"])
    return item
