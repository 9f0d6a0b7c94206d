"""Plan health: how alive a plan is, computed from what it holds and what is overdue, and the
short list of what to do next. Shown on the plan and on the home pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from planning.models import Plan
from planning.selectors import cadences, objectives, people

TODO_LIMIT = 5
""""What to do next" stays short: the first five things, the most pressing first."""


@dataclass(frozen=True)
class PlanHealth:
    """What a plan holds and misses. ``score`` is the share (0-100) of the checks it passes:
    each section filled, no overdue action, no overdue meeting, no coverage gap, a margin KPI."""

    plan: Plan
    sections: dict[str, bool]
    progress: int | None
    overdue_actions: int
    overdue_meetings: int
    gaps: Sequence[people.Gap]
    has_margin_kpi: bool
    todo: list[str] = field(default_factory=list)

    @property
    def checks(self) -> list[bool]:
        return [
            *self.sections.values(),
            self.overdue_actions == 0,
            self.overdue_meetings == 0,
            not self.gaps,
            self.has_margin_kpi,
        ]

    @property
    def score(self) -> int:
        checks = self.checks
        return round(100 * sum(checks) / len(checks))

    @property
    def level(self) -> str:
        """``good`` (80 and more), ``fair`` (50 and more) or ``poor``: the badge's colour."""
        return "good" if self.score >= 80 else "fair" if self.score >= 50 else "poor"

    @property
    def sections_filled(self) -> int:
        return sum(self.sections.values())


def plan_health_list(
    plans: Sequence[Plan],
    *,
    today: dt.date,
    statuses: dict[int, list[cadences.CadenceStatus]] | None = None,
) -> list[PlanHealth]:
    """The health of each of ``plans`` (plans the caller may see), in their order, in a number of
    queries that does not grow with the plans' contents; ``statuses`` is the plans'
    ``cadences.cadence_status`` when the caller has it already."""
    sections = objectives.plans_sections_filled(plans)
    progress = objectives.plans_progress(plans)
    margin = objectives.plans_with_margin_kpi(plans)
    overdue_actions = objectives.overdue_action_count(plans, today)
    overdue_meetings = cadences.overdue_meeting_count(plans, today, statuses=statuses)
    gaps = people.coverage_gaps_by_plan(plans, today)  # pairs with their last contact
    return [
        _health(
            PlanHealth(
                plan=plan,
                sections=sections[plan.pk],
                progress=progress.get(plan.pk),
                overdue_actions=overdue_actions.get(plan.pk, 0),
                overdue_meetings=overdue_meetings.get(plan.pk, 0),
                gaps=gaps[plan.pk],
                has_margin_kpi=plan.pk in margin,
            )
        )
        for plan in plans
    ]


def plan_health(
    plan: Plan, *, today: dt.date, page: objectives.PlanPage | None = None
) -> PlanHealth:
    """The health of one plan. With the plan page's ``page`` once its objectives and actions
    were read (``page.work_read``: they were not in the cache), its filled sections, progress,
    overdue actions and margin KPI come from there rather than from four more queries."""
    if page is None or not page.work_read:
        return plan_health_list([plan], today=today)[0]
    return _health(
        PlanHealth(
            plan=plan,
            sections=page.filled,
            progress=page.progress,
            overdue_actions=page.overdue,
            overdue_meetings=cadences.overdue_meeting_count([plan], today).get(plan.pk, 0),
            gaps=people.coverage_gaps_by_plan([plan], today)[plan.pk],
            has_margin_kpi=page.has_margin_kpi,
        )
    )


def _health(health: PlanHealth) -> PlanHealth:
    health.todo.extend(_todo(health))
    return health


def _todo(health: PlanHealth) -> list[str]:
    """What to do next, the most pressing first: overdue work, then what the plan lacks."""
    todo = []
    if health.overdue_actions:
        count = health.overdue_actions
        todo.append(
            ngettext(
                "Bring %(count)s overdue action up to date.",
                "Bring %(count)s overdue actions up to date.",
                count,
            )
            % {"count": count}
        )
    if health.overdue_meetings:
        count = health.overdue_meetings
        todo.append(
            ngettext(
                "Hold or reschedule %(count)s overdue meeting agreed with the customer.",
                "Hold or reschedule %(count)s overdue meetings agreed with the customer.",
                count,
            )
            % {"count": count}
        )
    if not health.has_margin_kpi:
        todo.append(_("Add a margin or profit KPI: revenue alone does not make a plan."))
    missing = {
        "vision": _("Write the shared vision and the customer's strategy."),
        "swot": _("Fill in the SWOT of our position at this customer."),
        "objectives": _("Set objectives: the customer's goals and ours."),
        "actions": _("Give the objectives actions, each with an owner and a due date."),
        "offers": _("Map what we sell and could sell to the customer's units."),
    }
    todo += [missing[key] for key, filled in health.sections.items() if not filled]
    todo += [str(gap.message) for gap in health.gaps]
    return todo[:TODO_LIMIT]
