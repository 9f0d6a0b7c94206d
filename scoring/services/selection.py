"""The programme year (budget, KAM headcount), clients' cost to serve, and the shortlist of key
accounts with the director's decision on it."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Client, User
from kam import permissions
from scoring.models import (
    SHORTLIST_CONFIRM_ABOVE,
    CostToServe,
    Programme,
    ShortlistDecision,
    ShortlistEntry,
)
from scoring.selectors import shortlist as shortlist_selectors


@transaction.atomic
def programme_save(
    *,
    user: User,
    year: int,
    budget: Decimal,
    kam_headcount: int,
    kam_cost: Decimal,
    currency: str = "",
) -> Programme:
    """Create or change the budget and KAM headcount of a programme year."""
    permissions.require(permissions.may_manage_programme, user)
    programme = Programme.objects.select_for_update().filter(year=year).first() or Programme(
        year=year, currency=settings.KAM_DEFAULT_CURRENCY
    )
    programme.budget = budget
    programme.kam_headcount = kam_headcount
    programme.kam_cost = kam_cost
    programme.currency = (currency or programme.currency).strip().upper()
    programme.updated_by = user
    programme.full_clean()
    programme.save()
    return programme


@transaction.atomic
def cost_to_serve_set(
    *,
    user: User,
    client: Client,
    kam_share: Decimal,
    travel: Decimal = Decimal(0),
    dedicated: Decimal = Decimal(0),
    note: str = "",
) -> CostToServe:
    """Set the yearly cost-to-serve estimate of a client (directors and administrators)."""
    permissions.require(permissions.may_manage_programme, user)
    cost = CostToServe.objects.select_for_update().filter(client=client).first() or CostToServe(
        client=client
    )
    cost.kam_share, cost.travel, cost.dedicated = kam_share, travel, dedicated
    cost.note = note.strip()
    cost.updated_by = user
    cost.full_clean()
    cost.save()
    return cost


def _shortlist_check_candidates(clients: Sequence[Client]) -> None:
    """A key account is an existing client with ledger history that no override forces out;
    refuse the first client that is not, asking for all of them in one query."""
    eligibility = shortlist_selectors.shortlist_eligibility(
        client_ids={client.pk for client in clients}
    )
    for client in clients:
        eligible = eligibility.get(client.pk)
        if eligible is None or not eligible.has_history:
            raise ValidationError(
                _(
                    "%(client)s has no history in the ledger: a prospect or a client without "
                    "history cannot be a key account."
                )
                % {"client": client}
            )
        if eligible.forced_out:
            raise ValidationError(
                _(
                    "%(client)s is forced out of the selection by an override; withdraw the "
                    "override first."
                )
                % {"client": client}
            )


@transaction.atomic
def shortlist_add(*, user: User, programme: Programme, client: Client) -> ShortlistEntry:
    """Add a client to a programme year's shortlist; adding it twice changes nothing."""
    permissions.require(permissions.may_manage_programme, user)
    _shortlist_check_candidates([client])
    entry, _created = ShortlistEntry.objects.get_or_create(
        programme=programme, client=client, defaults={"added_by": user}
    )
    return entry


@transaction.atomic
def shortlist_remove(*, user: User, programme: Programme, client: Client) -> None:
    """Take a client off a programme year's shortlist."""
    permissions.require(permissions.may_manage_programme, user)
    ShortlistEntry.objects.filter(programme=programme, client=client).delete()


@transaction.atomic
def shortlist_set(*, user: User, programme: Programme, clients: list[Client]) -> Programme:
    """Make the shortlist exactly ``clients``; one refused client and nothing changes. Four
    queries whatever the number of clients."""
    permissions.require(permissions.may_manage_programme, user)
    _shortlist_check_candidates(clients)
    wanted = {client.pk for client in clients}
    programme.entries.exclude(client_id__in=wanted).delete()
    present = set(programme.entries.values_list("client_id", flat=True))
    ShortlistEntry.objects.bulk_create(
        ShortlistEntry(programme=programme, client=client, added_by=user)
        for client in {client.pk: client for client in clients}.values()
        if client.pk not in present
    )
    return programme


@transaction.atomic
def shortlist_confirm(
    *, user: User, programme: Programme, reason: str = "", budget_exception: str = ""
) -> ShortlistDecision:
    """Record the director's decision on a programme year's shortlist, as it stands.

    Refused when the shortlist is empty, when a shortlisted client has no cost-to-serve estimate
    (the budget could not be judged), above ten key accounts without a reason, and over budget
    (money or KAM headcount) without a recorded exception (``ShortlistDecision``'s rule). Where
    the shortlist stands is ``shortlist_selectors.shortlist_standing``, as on the page.
    """
    permissions.require(permissions.may_manage_programme, user)
    programme = Programme.objects.select_for_update().get(pk=programme.pk)
    entries = list(
        programme.entries.select_related("client", "client__cost_to_serve").order_by(
            "client__name", "client_id"
        )
    )
    if not entries:
        raise ValidationError(_("Choose at least one key account before confirming."))
    _shortlist_check_candidates([entry.client for entry in entries])
    costs = [shortlist_selectors.client_cost(entry.client, programme) for entry in entries]
    unpriced = [
        entry.client.name for entry, cost in zip(entries, costs, strict=True) if cost is None
    ]
    if unpriced:
        raise ValidationError(
            _("Estimate the cost to serve of %(clients)s before confirming.")
            % {"clients": ", ".join(unpriced)}
        )
    standing = shortlist_selectors.shortlist_standing(programme=programme, costs=costs)
    reason, budget_exception = reason.strip(), budget_exception.strip()
    if standing.guardrail == "confirm" and not reason:
        raise ValidationError(
            {
                "reason": _(
                    "%(count)s key accounts is more than %(limit)s: say why each deserves it."
                )
                % {"count": standing.count, "limit": SHORTLIST_CONFIRM_ABOVE}
            }
        )
    decision = ShortlistDecision(
        programme=programme,
        client_ids=[entry.client_id for entry in entries],
        client_names=[entry.client.name for entry in entries],
        cost=standing.cost,
        budget=programme.budget,
        kam_needed=standing.count,
        kam_headcount=programme.kam_headcount,
        reason=reason,
        budget_exception=budget_exception if standing.is_over_budget else "",
        decided_by=user,
    )
    decision.full_clean()
    decision.save()
    return decision
