"""Opening a plan for a key account, and who holds it when the client changes hands."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Client, User
from kam import permissions
from planning.models import Plan, PlanOwnership
from planning.selectors import plans as plan_selectors
from scoring.models import Programme


@transaction.atomic
def plan_open(
    *,
    user: User,
    client: Client,
    programme: Programme,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
) -> Plan:
    """Open the plan of key account ``client`` for a period (by default ``programme``'s year).

    Refused (``ValidationError``) for a client that is not on ``programme``'s confirmed
    shortlist, for a period that ends before it starts, and for one that overlaps another plan of
    the same client; the client's KAM owns the plan.
    """
    permissions.require(permissions.may_open_plan, user)
    Client.objects.select_for_update().filter(pk=client.pk).first()  # one opening at a time
    if not plan_selectors.is_key_account(client=client, programme=programme):
        raise ValidationError(
            _(
                "%(client)s is not a key account of %(year)s: only the clients of the confirmed "
                "shortlist get a plan."
            )
            % {"client": client.name, "year": programme.year}
        )
    plan = Plan(
        client=client,
        programme=programme,
        period_start=period_start or dt.date(programme.year, 1, 1),
        period_end=period_end or dt.date(programme.year, 12, 31),
        owner=client.kam,
        created_by=user,
    )
    plan.full_clean()
    plan.save()
    if client.kam is not None:
        PlanOwnership.objects.create(plan=plan, kam=client.kam, since=timezone.now())
    return plan


@transaction.atomic
def plan_owner_follow_client(*, client_id: int) -> int:
    """Give the plans of ``client_id`` that are not over yet to its current KAM, recording when
    the previous one stopped holding them. Returns how many plans changed hands."""
    client = Client.objects.get(pk=client_id)
    now = timezone.now()
    changed = 0
    plans = Plan.objects.select_for_update().filter(
        client=client, period_end__gte=timezone.localdate()
    )
    for plan in plans.exclude(owner_id=client.kam_id):
        PlanOwnership.objects.filter(plan=plan, until=None).update(until=now)
        plan.owner = client.kam
        plan.save(update_fields=["owner", "updated_at"])
        if client.kam is not None:
            PlanOwnership.objects.create(plan=plan, kam=client.kam, since=now)
        changed += 1
    return changed
