"""Planning's models, one module per subject; Django finds them all here.

- ``plans``: the plan, its sections, the customer's people and the meeting cadences.
- ``sponsorship``: the asks of the sponsor, year-end negotiations, the advisory committee of key
  accounts and the recognitions.
- ``practices``: good practices, searchable, and the plans that reuse them.
- ``approval``: the plan's submissions for review, the director's comments, approved versions.
- ``projects``: investment projects of key accounts and the steering committee's sessions and
  decisions.
- ``branding``: the company's name, logo and colour on the PDF reports.
- ``reports``: stored PDF reports and zips (made by a Celery task), and their downloads.

Code that uses a model imports it from here (``from planning.models import Plan``).
"""

from planning.models.approval import PlanSubmission, PlanVersion, ReviewComment
from planning.models.branding import Branding
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
    MeetingOurParticipant,
    MeetingReminder,
    MeetingTheirParticipant,
    Objective,
    Offer,
    Offering,
    Plan,
    PlanOwnership,
    Stakeholder,
    SwotItem,
    new_calendar_token,
)
from planning.models.practices import Practice, PracticeReuse
from planning.models.projects import (
    InvestmentProject,
    ProjectObjective,
    ProjectYear,
    SteeringDecision,
    SteeringSession,
)
from planning.models.reports import Report, ReportDownload
from planning.models.sponsorship import (
    AdvisoryMeeting,
    AdvisoryMember,
    AdvisoryTopic,
    Recognition,
    SponsorAsk,
    YearEndNegotiation,
)

__all__ = [
    "Action",
    "AdvisoryMeeting",
    "AdvisoryMember",
    "AdvisoryTopic",
    "Branding",
    "Cadence",
    "CalendarFeed",
    "CounterpartPair",
    "DateRange",
    "InvestmentProject",
    "Kpi",
    "Level",
    "Meeting",
    "MeetingDecision",
    "MeetingOurParticipant",
    "MeetingReminder",
    "MeetingTheirParticipant",
    "Objective",
    "Offer",
    "Offering",
    "Plan",
    "PlanOwnership",
    "PlanSubmission",
    "PlanVersion",
    "Practice",
    "PracticeReuse",
    "ProjectObjective",
    "ProjectYear",
    "Recognition",
    "Report",
    "ReportDownload",
    "ReviewComment",
    "SponsorAsk",
    "Stakeholder",
    "SteeringDecision",
    "SteeringSession",
    "SwotItem",
    "YearEndNegotiation",
    "new_calendar_token",
]
