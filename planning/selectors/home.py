"""What each role finds on its home page: a KAM their key accounts with plan health, overdue
work and next meetings; a director every plan by account and the portfolio's overdue cadences;
a sponsor the plans of the accounts they sponsor; a contributor their actions by due date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from accounts import selectors as account_selectors
from accounts.models import Client, User
from kam import permissions
from planning.models import Action, Plan
from planning.selectors import approval, cadences, health, objectives
from planning.selectors import plans as plan_selectors
from planning.selectors import projects as project_selectors
from scoring.selectors import shortlist as shortlist_selectors

OVERDUE_LIMIT = 8
"""Lists of overdue things on a home page stop here, with the count of the rest."""


@dataclass
class Home:
    """The home page of one user on one day."""

    user: User
    today: dt.date
    healths: list[health.PlanHealth] = field(default_factory=list)
    unplanned: list[Client] = field(default_factory=list)
    overdue_actions: list[Action] = field(default_factory=list)
    overdue_action_total: int = 0
    overdue_meetings: list[Any] = field(default_factory=list)
    upcoming: list[Any] = field(default_factory=list)
    my_actions: list[Action] = field(default_factory=list)
    awaiting_review: list[Plan] = field(default_factory=list)
    year: int | None = None
    steering: project_selectors.NextDecisions | None = None

    @property
    def directs(self) -> bool:
        return permissions.may_manage_programme(self.user)


def home_for(*, user: User, today: dt.date) -> Home:
    """The home page of ``user``: only plans they may see, and only their own actions."""
    plans = list(
        plan_selectors.plan_list(user=user)
        .filter(period_end__gte=today - dt.timedelta(days=92))  # running, or just over
        .select_related("owner")
        .order_by("client__name", "-period_start")
    )
    home = Home(user=user, today=today)
    statuses = cadences.cadence_status(plans, today)  # for health and the meetings due, once
    home.healths = health.plan_health_list(plans, today=today, statuses=statuses)
    programme = shortlist_selectors.programme_list().filter(year__lte=today.year).first()
    if programme is not None and user.role in {User.Role.KAM, User.Role.DIRECTOR, User.Role.ADMIN}:
        home.year = programme.year
        planned = {plan.client_id for plan in plans if plan.programme_id == programme.pk}
        key_accounts = plan_selectors.key_account_ids(programme=programme) - planned
        visible = account_selectors.client_list(user=user)
        home.unplanned = list(visible.filter(pk__in=key_accounts).order_by("name"))
    overdue = (
        Action.objects.filter(
            objective__plan__in=[plan.pk for plan in plans],
            status__in=Action.OPEN,
            due_date__lt=today,
        )
        .select_related("owner", "objective__plan__client")
        .order_by("due_date", "pk")
    )
    if user.role == User.Role.CONTRIBUTOR or user.role == User.Role.SPONSOR:
        overdue = overdue.filter(owner=user)
    home.overdue_action_total = overdue.count()
    home.overdue_actions = list(overdue[:OVERDUE_LIMIT])
    due = cadences.upcoming_meetings(plans, today, days=30, statuses=statuses)
    home.overdue_meetings = [meeting for meeting in due if meeting.overdue][:OVERDUE_LIMIT]
    home.upcoming = [meeting for meeting in due if not meeting.overdue]
    home.my_actions = list(objectives.action_list_for_owner(user, today))
    if user.role == User.Role.DIRECTOR:
        home.awaiting_review = approval.plan_list_awaiting_review(user=user)
    if user.role == User.Role.SPONSOR:  # the next steering decisions on the accounts they sponsor
        home.steering = project_selectors.steering_next_decisions(user=user, today=today)
    return home
