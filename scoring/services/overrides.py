"""Directors' overrides of a client's place in the selection.

Overrides never change the stored totals of a run: the engine's result stays reproducible from
its inputs, and overrides are shown next to it (see ``scoring.selectors``).
"""

from __future__ import annotations

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Client, ClientYearMetric, User
from kam import permissions
from scoring.models import Override


@transaction.atomic
def override_set(
    *, user: User, client: Client, kind: str, points: float = 0, rationale: str
) -> Override:
    """Record a director's override of a client; it replaces the client's active override."""
    permissions.require(permissions.may_manage_programme, user)
    if kind not in Override.Kind.values:
        raise ValidationError({"kind": _("Choose adjust, force in or force out.")})
    bound = settings.KAM_OVERRIDE_BOUND
    if not math.isfinite(points) or abs(points) > bound:
        raise ValidationError(
            {
                "points": _("An adjustment is between -%(bound)s and +%(bound)s points.")
                % {"bound": bound}
            }
        )
    if kind != Override.Kind.ADJUST and points:
        raise ValidationError({"points": _("Forcing a client in or out carries no points.")})
    rationale = rationale.strip()
    if not rationale:
        raise ValidationError({"rationale": _("Give the rationale for the override.")})
    if not ClientYearMetric.objects.filter(client=client).exists():
        raise ValidationError(
            _(
                "%(client)s has no history in the ledger: a prospect or a client without "
                "history cannot be overridden."
            )
            % {"client": client}
        )
    Override.objects.select_for_update().filter(client=client, is_active=True).update(
        is_active=False
    )
    override = Override(
        client=client, kind=kind, points=points, rationale=rationale, author=user, is_active=True
    )
    override.full_clean()
    override.save()
    return override


@transaction.atomic
def override_clear(*, user: User, client: Client) -> None:
    """Withdraw a client's active override; it stays in the history, inactive."""
    permissions.require(permissions.may_manage_programme, user)
    Override.objects.filter(client=client, is_active=True).update(is_active=False)
