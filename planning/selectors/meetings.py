"""Reads of a plan's Meetings tab: cadences, meetings with their participants and decisions, the
objectives a decision can become an action under, and calendar feeds. Every one starts from the
plans the user sees (``plan_list(user=)``): anything else is a 404."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import User
from planning.models import (
    Cadence,
    CalendarFeed,
    CounterpartPair,
    Meeting,
    MeetingDecision,
    Objective,
    Plan,
    Stakeholder,
)
from planning.selectors.plans import plan_list


def cadence_list(*, user: User) -> QuerySet[Cadence]:
    """The cadences of the plans ``user`` sees."""
    return Cadence.objects.filter(plan__in=plan_list(user=user)).select_related(
        "plan", "plan__client", "agreed_by_us", "agreed_by_them__contact"
    )


def meeting_list(*, user: User) -> QuerySet[Meeting]:
    """The meetings of the plans ``user`` sees, newest first, with their participants, their
    decisions and the actions made from them (a fixed number of queries for any number)."""
    return (
        Meeting.objects.filter(plan__in=plan_list(user=user))
        .select_related("plan", "plan__client", "cadence", "created_by")
        .prefetch_related(
            "our_participants",
            Prefetch("their_participants", queryset=Stakeholder.objects.select_related("contact")),
            Prefetch(
                "decisions",
                queryset=MeetingDecision.objects.select_related("action", "action__objective"),
            ),
        )
        .order_by("-date", "-pk")
    )


def decision_list(*, user: User) -> QuerySet[MeetingDecision]:
    return MeetingDecision.objects.filter(meeting__plan__in=plan_list(user=user)).select_related(
        "meeting", "meeting__plan", "meeting__plan__client", "meeting__plan__owner"
    )


def objective_choices(*, plan: Plan) -> QuerySet[Objective]:
    """The objectives a decision can become an action under: ours first, then the customer's."""
    return plan.objectives.order_by("-side", "position", "pk")  # "ours" > "customer"


def stakeholder_choices(*, plan: Plan) -> QuerySet[Stakeholder]:
    return plan.stakeholders.select_related("contact").order_by(
        "contact__last_name", "contact__first_name", "pk"
    )


def pair_choices(*, plan: Plan) -> QuerySet[CounterpartPair]:
    return plan.counterparts.select_related("user", "stakeholder__contact").order_by("level", "pk")


def active_users() -> QuerySet[User]:
    """Our people who can take part in a meeting or agree a cadence."""
    return User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")


def calendar_feed_get(*, user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def calendar_feed_by_token(*, token: str) -> CalendarFeed | None:
    """The feed behind a secret address, if it is still valid (its owner still active)."""
    if not token:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True)
        .first()
    )
