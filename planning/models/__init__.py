"""Planning's models, one module per subject; Django finds them all here.

- ``plans``: the plan, its sections, the customer's people and the meeting cadences.

Code that uses a model imports it from here (``from planning.models import Plan``).
"""

from planning.models.plans import (
    Action,
    Cadence,
    CalendarFeed,
    CounterpartPair,
    DateRange,
    Kpi,
    Level,
    Meeting,
    MeetingDecision,
    MeetingReminder,
    Objective,
    Offer,
    Offering,
    Plan,
    PlanOwnership,
    Stakeholder,
    SwotItem,
    new_calendar_token,
)

__all__ = [
    "Action",
    "Cadence",
    "CalendarFeed",
    "CounterpartPair",
    "DateRange",
    "Kpi",
    "Level",
    "Meeting",
    "MeetingDecision",
    "MeetingReminder",
    "Objective",
    "Offer",
    "Offering",
    "Plan",
    "PlanOwnership",
    "Stakeholder",
    "SwotItem",
    "new_calendar_token",
]
