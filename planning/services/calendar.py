"""Personal calendar subscriptions: a secret address per user, which they renew or revoke."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from planning.models import CalendarFeed, new_calendar_token


@transaction.atomic
def calendar_feed_renew(*, user: User) -> CalendarFeed:
    """Give ``user`` a calendar feed at a new secret address: the previous one, if any, stops
    working at once."""
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
    if not created:
        feed.token = new_calendar_token()
        feed.save(update_fields=["token", "created_at"])
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user: User) -> None:
    """Close ``user``'s feed: its address answers 404 from now on."""
    CalendarFeed.objects.filter(user=user).delete()
