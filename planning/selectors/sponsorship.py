"""Reads of executive sponsorship, and who sees what of it.

- The asks of the sponsor belong to a plan: whoever sees the plan (``plan_list``) sees them.
- Year-end negotiations belong to a client: whoever sees the client (``client_list``: its KAM,
  its sponsor, directors) sees them.
- The advisory committee of key accounts is programme-wide: ``may_see_advisory_committee``.
- Recognitions are shown to everyone in the programme; ``recognitions_for_year`` is what the
  programme results page lists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from accounts import selectors as account_selectors
from accounts.models import Client, Contact, User
from planning.models import (
    AdvisoryMeeting,
    AdvisoryMember,
    AdvisoryTopic,
    Plan,
    Recognition,
    SponsorAsk,
    YearEndNegotiation,
)
from planning.selectors import plans as plan_selectors
from scoring.selectors import shortlist as shortlist_selectors

# --- asks of the sponsor --------------------------------------------------------------------------


def ask_list(*, user: User) -> QuerySet[SponsorAsk]:
    """The asks of the plans ``user`` sees, with their plan and client."""
    return SponsorAsk.objects.filter(
        plan__in=plan_selectors.plan_list(user=user).values("pk")
    ).select_related("plan__client__sponsor", "plan__client__kam", "answered_by", "created_by")


def ask_get(*, user: User, ask_id: int) -> SponsorAsk:
    """Ask ``ask_id`` of a plan ``user`` sees, else ``Http404``."""
    try:
        return ask_list(user=user).get(pk=ask_id)
    except SponsorAsk.DoesNotExist:
        raise Http404 from None


def ask_list_for_plan(*, plan: Plan) -> list[SponsorAsk]:
    """A plan's asks (a plan the caller sees): the open ones first, by due date."""
    asks = plan.sponsor_asks.select_related("answered_by", "created_by")
    return list(asks.order_by("-status", "due_on", "pk"))  # "open" after "done": reversed


def ask_list_for_sponsor(*, user: User) -> QuerySet[SponsorAsk]:
    """What is asked of ``user`` as the sponsor of accounts: the open asks of the plans of the
    clients they sponsor, the earliest due first."""
    return (
        ask_list(user=user)
        .filter(plan__client__sponsor=user, status=SponsorAsk.Status.OPEN)
        .order_by("due_on", "pk")
    )


def ask_list_asked_by(*, user: User) -> QuerySet[SponsorAsk]:
    """The open asks of the plans of the clients ``user`` manages as a KAM: what they wait for
    from the sponsors, the earliest due first."""
    return (
        ask_list(user=user)
        .filter(plan__client__kam=user, status=SponsorAsk.Status.OPEN)
        .order_by("due_on", "pk")
    )


# --- year-end negotiations ------------------------------------------------------------------------


def negotiation_list(*, user: User, client: Client | None = None) -> QuerySet[YearEndNegotiation]:
    """The year-end negotiations of the clients ``user`` sees (of ``client`` only, if given),
    the latest year first, with our executives taking part."""
    visible = account_selectors.client_list(user=user).values("pk")
    negotiations = (
        YearEndNegotiation.objects.filter(client__in=visible)
        .select_related("client")
        .prefetch_related("executives")
        .order_by("client__name", "-year", "pk")
    )
    if client is not None:
        negotiations = negotiations.filter(client=client).order_by("-year", "pk")
    return negotiations


def negotiation_get(*, user: User, negotiation_id: int) -> YearEndNegotiation:
    try:
        return negotiation_list(user=user).get(pk=negotiation_id)
    except YearEndNegotiation.DoesNotExist:
        raise Http404 from None


def executive_choices() -> QuerySet[User]:
    """Who of our people may sit at a year-end negotiation: sponsors, directors and KAMs."""
    roles = [User.Role.SPONSOR, User.Role.DIRECTOR, User.Role.KAM]
    return User.objects.filter(is_active=True, role__in=roles).order_by(
        "last_name", "first_name", "username"
    )


def negotiation_list_for_executive(*, user: User, today: dt.date) -> QuerySet[YearEndNegotiation]:
    """The planned year-end negotiations ``user`` takes part in, of clients they see."""
    return (
        negotiation_list(user=user)
        .filter(executives=user, status=YearEndNegotiation.Status.PLANNED)
        .order_by("held_on", "client__name")
    )


# --- the advisory committee -----------------------------------------------------------------------


def advisory_member_list() -> QuerySet[AdvisoryMember]:
    """The committee's members with their company (the caller may see the committee)."""
    return AdvisoryMember.objects.select_related("contact__client").order_by(
        "contact__client__name", "contact__last_name", "pk"
    )


def advisory_candidate_list() -> QuerySet[Contact]:
    """The contacts who may join the committee: executives of a key account (a client on the
    confirmed shortlist of the latest programme year), not sitting on it yet."""
    programme = shortlist_selectors.programme_list().first()
    ids = plan_selectors.key_account_ids(programme=programme) if programme else set()
    return (
        Contact.objects.filter(client__in=ids, advisory_seat__isnull=True)
        .select_related("client")
        .order_by("client__name", "last_name", "first_name")
    )


def advisory_meeting_list() -> QuerySet[AdvisoryMeeting]:
    """The committee's meetings, the latest first, with who came and the topics raised."""
    topics = AdvisoryTopic.objects.select_related("owner", "raised_by__contact__client")
    return AdvisoryMeeting.objects.prefetch_related(
        Prefetch("attendees", AdvisoryMember.objects.select_related("contact__client")),
        Prefetch("topics", topics.order_by("pk")),
    ).order_by("-held_on", "-pk")


def advisory_topic_open_count() -> int:
    return AdvisoryTopic.objects.exclude(status=AdvisoryTopic.Status.DONE).count()


# --- recognitions ---------------------------------------------------------------------------------


def recognition_list() -> QuerySet[Recognition]:
    """Every recognition, the latest first, with its recipient."""
    return Recognition.objects.select_related("recipient").order_by("-awarded_on", "-pk")


def recognitions_for_year(year: int) -> QuerySet[Recognition]:
    """The recognitions given in calendar year ``year``, the latest first: what the programme
    results page lists (recognitions are public within the programme)."""
    return recognition_list().filter(awarded_on__year=year)


def recognition_years() -> list[int]:
    """The years in which recognitions were given, the latest first."""
    return sorted({day.year for day in Recognition.objects.values_list("awarded_on", flat=True)})[
        ::-1
    ]


# --- the home page's sponsorship blocks ----------------------------------------------------------

HOME_LIMIT = 8


@dataclass
class SponsorshipHome:
    """What the home page shows of sponsorship: to a sponsor, what is asked of them and the
    negotiations they take part in; to a KAM, what they wait for from the sponsors."""

    asked_of_me: list[SponsorAsk] = field(default_factory=list)
    asked_of_me_total: int = 0
    waiting: list[SponsorAsk] = field(default_factory=list)
    negotiations: list[YearEndNegotiation] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return bool(self.asked_of_me or self.waiting or self.negotiations)


def sponsorship_home(*, user: User, today: dt.date) -> SponsorshipHome:
    home = SponsorshipHome()
    if user.role == User.Role.SPONSOR:
        asks = ask_list_for_sponsor(user=user)
        home.asked_of_me_total = asks.count()
        home.asked_of_me = list(asks[:HOME_LIMIT])
    if user.role == User.Role.KAM:
        home.waiting = list(ask_list_asked_by(user=user)[:HOME_LIMIT])
    home.negotiations = list(negotiation_list_for_executive(user=user, today=today)[:HOME_LIMIT])
    return home
