"""Ratings of clients on the strategic and maturity criteria."""

from __future__ import annotations

from django.db import transaction

from accounts.models import Client, User
from kam import permissions
from scoring.models import Criterion, Rating, ScoringRun
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
    rating = Rating(client=client, criterion=criterion, level=level, note=note.strip(), author=user)
    rating.full_clean()
    rating.save()
    runs.scores_recompute_request(trigger=ScoringRun.Trigger.RATINGS)
    return rating
