"""Directors' overrides of a client's place in the selection.

Overrides never change the stored totals of a run: the engine's result stays reproducible from
its inputs, and overrides are shown next to it (see ``scoring.selectors``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import selectors as client_selectors
from accounts.models import Client, User
from kam import permissions
from scoring.models import Override


@transaction.atomic
def override_set(
    *, user: User, client: Client, kind: str, points: float = 0, rationale: str
) -> Override:
    """Record a director's override of a client; it replaces the client's active override."""
    permissions.require(permissions.may_manage_programme, user)
    if not client_selectors.client_ids_with_history(client_ids=[client.pk]):
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
        client=client,
        kind=kind,
        points=points,
        rationale=rationale.strip(),
        author=user,
        is_active=True,
    )
    override.full_clean()
    override.save()
    return override


@transaction.atomic
def override_clear(*, user: User, client: Client) -> None:
    """Withdraw a client's active override; it stays in the history, inactive."""
    permissions.require(permissions.may_manage_programme, user)
    Override.objects.filter(client=client, is_active=True).update(is_active=False)
