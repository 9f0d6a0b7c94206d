"""The customer's people in a plan (stakeholders: contacts of the client with their buying role,
attitude, influence, level and who they report to) and the counterpart pairs that put one of our
people in front of one of theirs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Contact, User
from accounts.services import clients as client_services
from kam import permissions, versions
from planning.models import Cadence, CounterpartPair, Plan, Stakeholder
from planning.services import approval

# --- stakeholders ----------------------------------------------------------------------------


@transaction.atomic
def stakeholder_add(
    *,
    user: User,
    plan: Plan,
    contact: Contact,
    buying_role: str,
    attitude: str = Stakeholder.Attitude.NEUTRAL,
    influence: int = 3,
    level: str = "management",
    reports_to: Stakeholder | None = None,
    note: str = "",
) -> Stakeholder:
    """Name one of the client's contacts among the plan's stakeholders."""
    permissions.require(permissions.may_edit_plan, user, plan)
    approval.plan_writable(plan=plan)
    if contact.client_id != plan.client_id:
        raise ValidationError(
            {
                "contact": _("%(contact)s is not a contact of %(client)s.")
                % {"contact": contact, "client": plan.client.name}
            }
        )
    stakeholder = Stakeholder(plan=plan, contact=contact)
    return _stakeholder_save(
        stakeholder,
        buying_role=buying_role,
        attitude=attitude,
        influence=influence,
        level=level,
        reports_to=reports_to,
        note=note,
    )


@transaction.atomic
def stakeholder_contact_add(
    *,
    user: User,
    plan: Plan,
    first_name: str = "",
    last_name: str,
    title: str = "",
    country: str = "",
    email: str = "",
    buying_role: str,
    attitude: str = Stakeholder.Attitude.NEUTRAL,
    influence: int = 3,
    level: str = "management",
    reports_to: Stakeholder | None = None,
    note: str = "",
) -> Stakeholder:
    """Add a new contact to the plan's client and name them a stakeholder, in one go: nothing is
    written if either is refused."""
    permissions.require(permissions.may_edit_plan, user, plan)
    approval.plan_writable(plan=plan)
    contact = client_services.contact_save(
        user=user,
        client=plan.client,
        first_name=first_name,
        last_name=last_name,
        title=title,
        country=country,
        email=email,
    )
    return stakeholder_add(
        user=user,
        plan=plan,
        contact=contact,
        buying_role=buying_role,
        attitude=attitude,
        influence=influence,
        level=level,
        reports_to=reports_to,
        note=note,
    )


@transaction.atomic
def stakeholder_update(
    *,
    user: User,
    stakeholder: Stakeholder,
    buying_role: str,
    attitude: str,
    influence: int,
    level: str,
    reports_to: Stakeholder | None,
    note: str = "",
    version: str | None = None,
) -> Stakeholder:
    """Change how the plan sees one of the customer's people (not the contact itself)."""
    permissions.require(permissions.may_edit_plan, user, stakeholder.plan)
    approval.plan_writable(plan=stakeholder.plan)
    versions.check(stakeholder, version)
    return _stakeholder_save(
        stakeholder,
        buying_role=buying_role,
        attitude=attitude,
        influence=influence,
        level=level,
        reports_to=reports_to,
        note=note,
    )


@transaction.atomic
def stakeholder_remove(*, user: User, stakeholder: Stakeholder, version: str | None = None) -> None:
    """Take a person out of the plan, with their counterpart pairs; the people who reported to
    them report to no one. Refused for someone who took part in a logged meeting, which would
    lose the record of who attended."""
    permissions.require(permissions.may_edit_plan, user, stakeholder.plan)
    approval.plan_writable(plan=stakeholder.plan)
    versions.check(stakeholder, version)
    if stakeholder.meetings.exists():
        raise ValidationError(
            _(
                "%(person)s took part in logged meetings: they stay in the plan so that the "
                "meeting log keeps who attended."
            )
            % {"person": stakeholder}
        )
    stakeholder.delete()


def _stakeholder_save(
    stakeholder: Stakeholder,
    *,
    buying_role: str,
    attitude: str,
    influence: int,
    level: str,
    reports_to: Stakeholder | None,
    note: str,
) -> Stakeholder:
    if reports_to is not None:
        Plan.objects.select_for_update().filter(pk=stakeholder.plan_id).first()  # one at a time
        if reports_to.plan_id != stakeholder.plan_id:
            raise ValidationError(
                {"reports_to": _("They can only report to another stakeholder of this plan.")}
            )
        if stakeholder.pk is not None and _reports_up_to(reports_to, stakeholder):
            raise ValidationError(
                {
                    "reports_to": _(
                        "%(manager)s already reports, directly or not, to %(person)s: this "
                        "would make a loop in the relationship map."
                    )
                    % {"manager": reports_to, "person": stakeholder}
                }
            )
    if not 1 <= influence <= 5:
        raise ValidationError({"influence": _("Influence is between 1 and 5.")})
    stakeholder.buying_role = buying_role
    stakeholder.attitude = attitude
    stakeholder.influence = influence
    stakeholder.level = level
    stakeholder.reports_to = reports_to
    stakeholder.note = note.strip()
    stakeholder.full_clean()
    stakeholder.save()
    return stakeholder


def _reports_up_to(start: Stakeholder, target: Stakeholder) -> bool:
    """Whether ``start`` is ``target`` or reports, through any chain, to ``target``."""
    managers = dict(
        Stakeholder.objects.filter(plan_id=target.plan_id).values_list("pk", "reports_to_id")
    )
    seen: set[int] = set()
    current: int | None = start.pk
    while current is not None and current not in seen:
        if current == target.pk:
            return True
        seen.add(current)
        current = managers.get(current)
    return False


# --- counterpart pairs ---------------------------------------------------------------------------


@transaction.atomic
def counterpart_add(
    *,
    user: User,
    plan: Plan,
    person: User,
    stakeholder: Stakeholder,
    level: str,
    cadence: Cadence | None = None,
) -> CounterpartPair:
    """Pair one of our people (``person``) with one of the customer's (``stakeholder``)."""
    permissions.require(permissions.may_edit_plan, user, plan)
    approval.plan_writable(plan=plan)
    pair = CounterpartPair(plan=plan)
    return _counterpart_save(pair, person=person, stakeholder=stakeholder, level=level,
                             cadence=cadence)  # fmt: skip


@transaction.atomic
def counterpart_update(
    *,
    user: User,
    pair: CounterpartPair,
    person: User,
    stakeholder: Stakeholder,
    level: str,
    cadence: Cadence | None = None,
    version: str | None = None,
) -> CounterpartPair:
    permissions.require(permissions.may_edit_plan, user, pair.plan)
    approval.plan_writable(plan=pair.plan)
    versions.check(pair, version)
    return _counterpart_save(pair, person=person, stakeholder=stakeholder, level=level,
                             cadence=cadence)  # fmt: skip


@transaction.atomic
def counterpart_remove(*, user: User, pair: CounterpartPair, version: str | None = None) -> None:
    permissions.require(permissions.may_edit_plan, user, pair.plan)
    approval.plan_writable(plan=pair.plan)
    versions.check(pair, version)
    pair.delete()


def _counterpart_save(
    pair: CounterpartPair,
    *,
    person: User,
    stakeholder: Stakeholder,
    level: str,
    cadence: Cadence | None,
) -> CounterpartPair:
    plan = pair.plan
    errors: dict[str, str] = {}
    if not person.is_active:
        errors["user"] = _("%(user)s is not an active user.") % {"user": person}
    elif person.role == User.Role.KAM and person.pk != plan.owner_id:
        errors["user"] = _(
            "%(user)s is the key account manager of other accounts: only this plan's key "
            "account manager can be paired here."
        ) % {"user": person}
    if stakeholder.plan_id != plan.pk:
        errors["stakeholder"] = _("%(person)s is not a stakeholder of this plan.") % {
            "person": stakeholder
        }
    if cadence is not None and cadence.plan_id != plan.pk:
        errors["cadence"] = _("This cadence belongs to another plan.")
    if errors:
        raise ValidationError(errors)
    pair.user, pair.stakeholder, pair.level, pair.cadence = person, stakeholder, level, cadence
    pair.full_clean()
    pair.save()
    return pair
