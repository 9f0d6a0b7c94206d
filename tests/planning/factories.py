"""Factories of the planning app. They write rows directly: the rules (a plan only for a key
account, no overlap) are the services' to enforce and their tests' to prove."""

import datetime as dt
from decimal import Decimal
from typing import Any

import factory

from accounts.models import Client, Department, User
from planning.models import (
    Action,
    AdvisoryMeeting,
    AdvisoryMember,
    AdvisoryTopic,
    Cadence,
    CounterpartPair,
    InvestmentProject,
    Kpi,
    Meeting,
    MeetingDecision,
    Objective,
    Offer,
    Offering,
    Plan,
    Practice,
    PracticeReuse,
    ProjectYear,
    Recognition,
    SponsorAsk,
    Stakeholder,
    SteeringSession,
    SwotItem,
    YearEndNegotiation,
)
from scoring.models import Programme, ShortlistDecision
from tests.factories import ClientFactory, ContactFactory, UserFactory
from tests.scoring.factories import ProgrammeFactory


def make_key_account(client: Client, *, year: int = 2026, by: User | None = None) -> Programme:
    """Put ``client`` on the confirmed shortlist of ``year`` (with the clients already on it)."""
    director: User = by or UserFactory(role=User.Role.DIRECTOR)  # type: ignore[assignment]
    programme: Programme = Programme.objects.filter(year=year).first() or ProgrammeFactory(
        year=year, updated_by=director
    )  # type: ignore[assignment]
    latest = programme.decisions.first()
    ids = sorted({*(latest.client_ids if latest else []), client.pk})
    ShortlistDecision.objects.create(
        programme=programme,
        client_ids=ids,
        client_names=[str(pk) for pk in ids],
        cost=Decimal(0),
        budget=programme.budget,
        kam_needed=len(ids),
        kam_headcount=max(programme.kam_headcount, len(ids)),
        decided_by=director,
    )
    return programme


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan

    client = factory.SubFactory(ClientFactory)
    programme = factory.LazyFunction(
        lambda: Programme.objects.filter(year=2026).first() or ProgrammeFactory(year=2026)
    )
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 12, 31)
    owner = factory.LazyAttribute(lambda plan: plan.client.kam)
    customer_business = "Builds packaging lines for food makers."
    customer_strategy = "Expand into Eastern Europe."
    shared_vision = "Co-develop a recyclable film."
    created_by = factory.SubFactory(UserFactory, role=User.Role.DIRECTOR)


class SwotItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SwotItem

    plan = factory.SubFactory(PlanFactory)
    quadrant = SwotItem.Quadrant.STRENGTH
    text = factory.Sequence(lambda n: f"Point {n}")
    position = factory.Sequence(lambda n: n)


class ObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objective

    plan = factory.SubFactory(PlanFactory)
    side = Objective.Side.OURS
    title = factory.Sequence(lambda n: f"Objective {n}")
    position = factory.Sequence(lambda n: n)


class KpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kpi

    objective = factory.SubFactory(ObjectiveFactory)
    name = "Margin of the account"
    unit = "EUR"
    measure = Kpi.Measure.MANUAL
    baseline = Decimal("100000")
    target = Decimal("150000")
    current = Decimal("120000")
    due_date = dt.date(2026, 12, 31)


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action

    objective = factory.SubFactory(ObjectiveFactory)
    title = factory.Sequence(lambda n: f"Action {n}")
    owner = factory.SubFactory(UserFactory, role=User.Role.CONTRIBUTOR)
    department = Department.LOGISTICS
    due_date = dt.date(2026, 6, 30)
    status = Action.Status.PLANNED
    progress = 0
    position = factory.Sequence(lambda n: n)


class OfferingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offering
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Offering {n}")
    kind = Offering.Kind.PRODUCT


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    plan = factory.SubFactory(PlanFactory)
    offering = factory.SubFactory(OfferingFactory)
    business_unit = "Lyon plant"
    status = Offer.Status.CURRENT
    pricing = Offer.Pricing.MARKET


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stakeholder

    plan = factory.SubFactory(PlanFactory)
    contact = factory.LazyAttribute(lambda s: ContactFactory(client=s.plan.client))
    buying_role = Stakeholder.BuyingRole.INFLUENCER
    attitude = Stakeholder.Attitude.NEUTRAL
    influence = 3


class CadenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadence

    plan = factory.SubFactory(PlanFactory)
    kind = Cadence.Kind.STRATEGIC_REVIEW
    name = "Quarterly business review"
    level = "executive"
    every = 3
    unit = Cadence.Unit.MONTH
    starts_on = dt.date(2026, 1, 15)


class CounterpartPairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CounterpartPair

    plan = factory.SubFactory(PlanFactory)
    user = factory.SubFactory(UserFactory, role=User.Role.CONTRIBUTOR)
    stakeholder = factory.LazyAttribute(lambda pair: StakeholderFactory(plan=pair.plan))
    level = "management"


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    plan = factory.SubFactory(PlanFactory)
    date = dt.date(2026, 3, 10)
    level = "executive"
    title = "Quarterly review"
    summary = "Reviewed the year."
    created_by = factory.LazyAttribute(lambda meeting: meeting.plan.owner or UserFactory())


class MeetingDecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingDecision

    meeting = factory.SubFactory(MeetingFactory)
    text = factory.Sequence(lambda n: f"Decision {n}")


# --- executive sponsorship and good practices ----------------------------------------------------


class SponsorAskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SponsorAsk

    plan = factory.SubFactory(PlanFactory)
    request = factory.Sequence(lambda n: f"Zephyr call {n} with their CFO")
    due_on = dt.date(2026, 6, 30)
    created_by = factory.LazyAttribute(lambda ask: ask.plan.owner or UserFactory())


class YearEndNegotiationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = YearEndNegotiation

    client = factory.SubFactory(ClientFactory)
    year = 2026
    created_by = factory.SubFactory(UserFactory, role=User.Role.DIRECTOR)


class AdvisoryMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdvisoryMember

    contact = factory.SubFactory(ContactFactory)
    since = dt.date(2025, 9, 1)


class AdvisoryMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdvisoryMeeting

    held_on = dt.date(2026, 3, 12)
    title = factory.Sequence(lambda n: f"Zephyr council {n}")
    created_by = factory.SubFactory(UserFactory, role=User.Role.DIRECTOR)


class AdvisoryTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdvisoryTopic

    meeting = factory.SubFactory(AdvisoryMeetingFactory)
    topic = factory.Sequence(lambda n: f"Zephyr lead times {n}")


class RecognitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recognition

    recipient = factory.SubFactory(UserFactory)
    award = factory.Sequence(lambda n: f"Zephyr trophy {n}")
    reason = "Kept the Zephyr account growing."
    awarded_on = dt.date(2026, 1, 20)
    created_by = factory.SubFactory(UserFactory, role=User.Role.SPONSOR)


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Practice

    title = factory.Sequence(lambda n: f"Zephyr practice {n}")
    context = "The Zephyr buyer wanted lower prices."
    what_worked = "Pricing on the savings we bring."
    evidence = "Zephyr margin up two points."
    tags = factory.LazyFunction(lambda: ["zephyr"])
    author = factory.SubFactory(UserFactory)


class PracticeReuseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeReuse

    plan = factory.SubFactory(PlanFactory)
    practice = factory.SubFactory(PracticeFactory)
    created_by = factory.LazyAttribute(lambda reuse: reuse.plan.owner or UserFactory())


def if_match(http, url: str) -> dict[str, str]:
    """The ``If-Match`` header an API client sends to change the item at ``url``: the ETag it
    reads there first (a write without one is refused, 428)."""
    return {"If-Match": http.get(url)["ETag"]}


def make_project(
    plan: Any,  # a Plan, or what PlanFactory() gives
    *,
    years: tuple[tuple[int, str, str], ...] = ((2026, "10000", "4000"), (2027, "20000", "30000")),
    status: str = InvestmentProject.Status.PROPOSED,
    title: str = "Recyclable film",
    owner: User | None = None,
) -> InvestmentProject:
    """A project of ``plan`` with its yearly lines (year, budget, margin impact), written
    directly: the rules are the services' to prove."""
    author: Any = owner or plan.client.kam or UserFactory(role=User.Role.KAM)
    project = InvestmentProject.objects.create(
        plan=plan,
        kind=InvestmentProject.Kind.CO_INNOVATION,
        title=title,
        owner=author,
        proposed_by=author,
        status=status,
    )
    for year, budget, impact in years:
        ProjectYear.objects.create(
            project=project, year=year, budget=Decimal(budget), margin_impact=Decimal(impact)
        )
    return project


class SteeringSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SteeringSession

    date = dt.date(2026, 6, 15)
    agenda = "Investment proposals."
    created_by = factory.SubFactory(UserFactory, role=User.Role.DIRECTOR)
