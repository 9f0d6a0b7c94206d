"""Which plans a user sees, and the key accounts plans are opened for. Every read of a plan, or
of anything in one, starts from ``plan_list(user=)``: a plan the user may not see is a 404."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts.models import Client, User
from kam import permissions
from planning.models import Action, CounterpartPair, Plan
from scoring.models import Programme
from scoring.selectors import shortlist as shortlist_selectors


def plan_list(*, user: User) -> QuerySet[Plan]:
    """The plans ``user`` may see, with their client, KAM and programme year.

    Directors and administrators see every plan; a KAM the plans of the clients they manage; a
    sponsor those of the clients they sponsor; anyone else (a contributor) the plans they take
    part in: they own one of its actions, or are our side of one of its counterpart pairs.
    """
    plans = Plan.objects.select_related("client", "client__kam", "client__sponsor", "programme")
    if not user.is_authenticated:
        return plans.none()
    if user.sees_all_clients:
        return plans
    if user.role == User.Role.KAM:
        return plans.filter(client__kam=user)
    if user.role == User.Role.SPONSOR:
        return plans.filter(client__sponsor=user)
    return plans.filter(taking_part(user))


def taking_part(user: User) -> Q:
    """Plans in which ``user`` owns an action or is paired with one of the customer's people."""
    owns_action = Action.objects.filter(objective__plan=OuterRef("pk"), owner=user)
    paired = CounterpartPair.objects.filter(plan=OuterRef("pk"), user=user)
    return Q(Exists(owns_action)) | Q(Exists(paired))


def plan_get(*, user: User, plan_id: int) -> Plan:
    """The plan ``plan_id`` if ``user`` may see it; otherwise ``Http404``."""
    try:
        return plan_list(user=user).get(pk=plan_id)
    except Plan.DoesNotExist:
        raise Http404 from None


def plan_for_edit(*, user: User, plan_id: int) -> Plan:
    """The plan ``plan_id`` for a write: a 404 if ``user`` may not see it, a 403 (with the reason)
    if they see it but may not change it."""
    plan = plan_get(user=user, plan_id=plan_id)
    permissions.require(permissions.may_edit_plan, user, plan)
    return plan


def key_account_ids(*, programme: Programme) -> set[int]:
    """The clients of ``programme``'s confirmed shortlist (its latest decision)."""
    decision = shortlist_selectors.shortlist_decision_list(programme=programme).first()
    return set(decision.client_ids) if decision else set()


def is_key_account(*, client: Client, programme: Programme) -> bool:
    return client.pk in key_account_ids(programme=programme)
