"""Writing objectives, their KPIs and their actions.

Whoever may edit the plan (its KAM, directors) writes everything; the owner of an action
updates only its status, progress and comment (``action_progress_update``). An action marked
done is at 100 %. Dates are not before the plan's start; an action's owner is an active user
who may take part in the plan (``objectives.action_owner_choices``). A KPI the ledger measures
never keeps a typed "current" value: it reads the ledger.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from accounts.models import Department, User
from kam import permissions, versions
from planning.models import Action, Kpi, Objective, Plan
from planning.selectors import objectives as selectors
from planning.services import approval
from planning.services.sections import Direction, move, renumber

OBJECTIVE_FIELDS = ("side", "title", "description")
KPI_FIELDS = (
    "name", "unit", "measure", "is_margin", "baseline", "target", "current", "due_date"
)  # fmt: skip
ACTION_FIELDS = (
    "title", "owner", "department", "due_date", "status", "progress", "comment"
)  # fmt: skip
PROGRESS_FIELDS = ("status", "progress", "comment")


def _check_due_date(plan: Plan, due_date: dt.date | None) -> None:
    if due_date is not None and due_date < plan.period_start:
        raise ValidationError(
            {
                "due_date": _("The due date is before the plan starts (%(start)s).")
                % {"start": formats.date_format(plan.period_start, "SHORT_DATE_FORMAT")}
            }
        )


def _unknown(values: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")


# --- objectives -----------------------------------------------------------------------------------


def _side(plan_id: int, side: str) -> list[Objective]:
    return list(
        Objective.objects.select_for_update()
        .filter(plan_id=plan_id, side=side)
        .order_by("position", "pk")
    )


@transaction.atomic
def objective_add(
    *, user: User, plan: Plan, side: str, title: str, description: str = ""
) -> Objective:
    """Add an objective at the end of the customer's goals or of ours."""
    permissions.require(permissions.may_edit_plan, user, plan)
    approval.plan_writable(plan=plan)
    objective = Objective(
        plan=plan, side=side, title=title.strip(), description=description.strip()
    )
    objective.full_clean(exclude=["position"])
    objective.position = len(_side(plan.pk, side))
    objective.save()
    return objective


@transaction.atomic
def objective_update(
    *, user: User, objective: Objective, version: str | None = None, **values: Any
) -> Objective:
    """Change an objective's side, title or description; a new side puts it at its end.
    ``version``: the objective's as the editor read it (``kam.versions``); every update and
    delete below takes one the same way."""
    permissions.require(permissions.may_edit_plan, user, objective.plan)
    approval.plan_writable(plan=objective.plan)
    versions.check(objective, version)
    _unknown(values, OBJECTIVE_FIELDS)
    old_side = objective.side
    for name, value in values.items():
        setattr(objective, name, value.strip() if isinstance(value, str) else value)
    objective.full_clean()
    if objective.side != old_side:
        objective.position = len(_side(objective.plan_id, objective.side))
    objective.save()
    if objective.side != old_side:
        renumber(_side(objective.plan_id, old_side))
    return objective


@transaction.atomic
def objective_delete(*, user: User, objective: Objective, version: str | None = None) -> None:
    """Delete an objective with its KPIs and actions."""
    permissions.require(permissions.may_edit_plan, user, objective.plan)
    approval.plan_writable(plan=objective.plan)
    versions.check(objective, version)
    objective.delete()
    renumber(_side(objective.plan_id, objective.side))


@transaction.atomic
def objective_move(*, user: User, objective: Objective, direction: Direction) -> Objective:
    permissions.require(permissions.may_edit_plan, user, objective.plan)
    approval.plan_writable(plan=objective.plan)
    move(_side(objective.plan_id, objective.side), objective, direction)
    objective.refresh_from_db(fields=["position"])
    return objective


# --- KPIs -----------------------------------------------------------------------------------------


def _number(value: Any, name: str, *, required: bool = False) -> Decimal | None:
    if value is None or value == "":
        if required:
            raise ValidationError({name: _("Enter a number.")})
        return None
    try:
        return Decimal(str(value).replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise ValidationError({name: _("Enter a number.")}) from None


def _kpi_save(kpi: Kpi) -> Kpi:
    kpi.target = _number(kpi.target, "target", required=True)  # type: ignore[assignment]
    kpi.baseline = _number(kpi.baseline, "baseline")
    kpi.current = None if kpi.from_ledger else _number(kpi.current, "current")
    if kpi.measure in Kpi.LEDGER_MARGIN:
        kpi.is_margin = True
    _check_due_date(kpi.objective.plan, kpi.due_date)
    kpi.full_clean()
    kpi.save()
    return kpi


@transaction.atomic
def kpi_add(*, user: User, objective: Objective, **values: Any) -> Kpi:
    """Add a KPI to an objective (``name``, ``unit``, ``measure``, ``is_margin``, ``baseline``,
    ``target``, ``current``, ``due_date``). A ledger KPI's ``current`` is ignored: it is read
    from the ledger; a ledger margin measure counts as a margin KPI."""
    permissions.require(permissions.may_edit_plan, user, objective.plan)
    approval.plan_writable(plan=objective.plan)
    _unknown(values, KPI_FIELDS)
    position = objective.kpis.count()
    return _kpi_save(Kpi(objective=objective, position=position, **values))


@transaction.atomic
def kpi_update(*, user: User, kpi: Kpi, version: str | None = None, **values: Any) -> Kpi:
    permissions.require(permissions.may_edit_plan, user, kpi.objective.plan)
    approval.plan_writable(plan=kpi.objective.plan)
    versions.check(kpi, version)
    _unknown(values, KPI_FIELDS)
    for name, value in values.items():
        setattr(kpi, name, value)
    return _kpi_save(kpi)


@transaction.atomic
def kpi_delete(*, user: User, kpi: Kpi, version: str | None = None) -> None:
    permissions.require(permissions.may_edit_plan, user, kpi.objective.plan)
    approval.plan_writable(plan=kpi.objective.plan)
    versions.check(kpi, version)
    objective = kpi.objective
    kpi.delete()
    renumber(list(objective.kpis.order_by("position", "pk")))


# --- actions --------------------------------------------------------------------------------------


def _check_progress(action: Action) -> None:
    progress = action.progress
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is between 0 and 100.")})
    if action.status == Action.Status.DONE:
        action.progress = 100


def _check_owner(plan: Plan, owner: User | None) -> None:
    if owner is None:
        raise ValidationError({"owner": _("Choose who owns this action.")})
    if not owner.is_active:
        raise ValidationError(
            {"owner": _("%(user)s is no longer an active user.") % {"user": owner}}
        )
    if not selectors.action_owner_choices(plan=plan).filter(pk=owner.pk).exists():
        raise ValidationError(
            {
                "owner": _(
                    "%(user)s cannot take part in this plan: choose a contributor, a director, "
                    "the account's key account manager or its sponsor."
                )
                % {"user": owner}
            }
        )


def _action_save(action: Action, plan: Plan) -> Action:
    _check_owner(plan, action.owner if action.owner_id else None)
    if not action.department:
        action.department = action.owner.department  # by default, the owner's
    _check_due_date(plan, action.due_date)
    _check_progress(action)
    if action.department not in Department.values:
        raise ValidationError({"department": _("Choose a department.")})
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def action_add(*, user: User, objective: Objective, **values: Any) -> Action:
    """Add an action to an objective (``title``, ``owner``, ``department``, ``due_date``,
    ``status``, ``progress``, ``comment``); without a department, the owner's."""
    plan = objective.plan
    permissions.require(permissions.may_edit_plan, user, plan)
    approval.plan_writable(plan=plan)
    _unknown(values, ACTION_FIELDS)
    values.setdefault("progress", 0)
    position = objective.actions.count()
    action = Action(objective=objective, position=position, **values)
    return _action_save(action, plan)


@transaction.atomic
def action_update(
    *, user: User, action: Action, version: str | None = None, **values: Any
) -> Action:
    """Change anything of an action (whoever may edit the plan)."""
    plan = action.objective.plan
    permissions.require(permissions.may_edit_plan, user, plan)
    approval.plan_writable(plan=plan)
    versions.check(action, version)
    _unknown(values, ACTION_FIELDS)
    for name, value in values.items():
        setattr(action, name, value)
    return _action_save(action, plan)


@transaction.atomic
def action_progress_update(
    *, user: User, action: Action, version: str | None = None, **values: Any
) -> Action:
    """Update an action's status, progress or comment: its owner (a contributor) may, as may
    whoever edits the plan; nothing else of the action changes here."""
    permissions.require(permissions.may_update_action, user, action)
    versions.check(action, version)
    _unknown(values, PROGRESS_FIELDS)
    for name, value in values.items():
        setattr(action, name, value.strip() if name == "comment" else value)
    _check_progress(action)
    action.full_clean()
    action.save(update_fields=[*values, "progress", "updated_at"])
    return action


@transaction.atomic
def action_delete(*, user: User, action: Action, version: str | None = None) -> None:
    permissions.require(permissions.may_edit_plan, user, action.objective.plan)
    approval.plan_writable(plan=action.objective.plan)
    versions.check(action, version)
    objective = action.objective
    action.delete()
    renumber(list(objective.actions.order_by("position", "pk")))
