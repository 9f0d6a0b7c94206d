"""Ratings of clients on the strategic and maturity criteria."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Client, User
from kam import permissions
from scoring.models import RATED_FAMILIES, Criterion, Rating, ScoringRun
from scoring.services import runs


@transaction.atomic
def rating_set(
    *, user: User, client: Client, criterion: Criterion, level: int, note: str = ""
) -> Rating:
    """Rate a client on a strategic or maturity criterion; the new rating becomes the current one.

    The client's key account manager rates their own clients; directors and administrators rate
    any client. Earlier ratings are kept as the history.
    """
    permissions.require(permissions.may_rate_client, user, client)
    if criterion.family not in RATED_FAMILIES:
        raise ValidationError(
            {"criterion": _("%(criterion)s is read from the ledger, not rated.")
             % {"criterion": criterion.name}}
        )  # fmt: skip
    if not criterion.is_active:
        raise ValidationError(
            {"criterion": _("%(criterion)s is no longer used.") % {"criterion": criterion.name}}
        )
    if not 1 <= level <= 5:
        raise ValidationError({"level": _("A level is 1 to 5.")})
    rating = Rating(client=client, criterion=criterion, level=level, note=note.strip(), author=user)
    rating.full_clean()
    rating.save()
    runs.scores_recompute_request(trigger=ScoringRun.Trigger.RATINGS)
    return rating
