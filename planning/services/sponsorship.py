"""Writing executive sponsorship: the asks of the sponsor (a plan section the plan's editors
write and the account's sponsor answers), the year-end negotiations of a key account, the
advisory committee of key accounts and the programme's recognitions.

Who may write is ``kam.permissions``' (a 403 saying why); which rows a user sees is the
selectors' (callers pass rows they looked up there: a hidden row is a 404 before this).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Client, Contact, User
from kam import permissions
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
from planning.selectors import sponsorship as selectors
from planning.services import approval
from scoring.models import Programme

ASK_FIELDS = ("request", "due_on", "status")
NEGOTIATION_FIELDS = ("year", "held_on", "status", "terms_agreed", "margin_impact", "executives")
MEMBER_FIELDS = ("contact", "since", "note")
MEETING_FIELDS = ("held_on", "title", "summary", "attendees")
TOPIC_FIELDS = ("topic", "raised_by", "action", "owner", "status")
RECOGNITION_FIELDS = ("recipient", "team", "award", "reason", "awarded_on")


def _clean(values: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")
    return {name: v.strip() if isinstance(v, str) else v for name, v in values.items()}


def _today() -> dt.date:
    return timezone.localdate()


# --- asks of the sponsor --------------------------------------------------------------------------


def _ask_checked(ask: SponsorAsk) -> SponsorAsk:
    plan = ask.plan
    if ask.due_on and not plan.period_start <= ask.due_on <= plan.period_end:
        raise ValidationError(
            {
                "due_on": _("Ask for a date within the plan's period, from %(start)s to %(end)s.")
                % {
                    "start": date_format(plan.period_start, "SHORT_DATE_FORMAT"),
                    "end": date_format(plan.period_end, "SHORT_DATE_FORMAT"),
                }
            }
        )
    ask.full_clean()
    ask.save()
    return ask


@transaction.atomic
def ask_add(*, user: User, plan: Plan, **values: Any) -> SponsorAsk:
    """Ask something of the account's executive sponsor, by a date within the plan's period."""
    permissions.require(permissions.may_edit_plan, user, plan)
    approval.plan_writable(plan=plan)  # a section of the plan
    values = _clean(values, ASK_FIELDS)
    values.pop("status", None)  # a new ask is open
    if plan.client.sponsor_id is None:
        raise ValidationError(
            _("This account has no executive sponsor yet: a director assigns one first.")
        )
    return _ask_checked(SponsorAsk(plan=plan, created_by=user, **values))


@transaction.atomic
def ask_update(*, user: User, ask: SponsorAsk, **values: Any) -> SponsorAsk:
    """Change what is asked, its date, or close or reopen it (the sponsor's answer stays)."""
    permissions.require(permissions.may_edit_plan, user, ask.plan)
    approval.plan_writable(plan=ask.plan)  # a section of the plan
    for name, value in _clean(values, ASK_FIELDS).items():
        setattr(ask, name, value)
    return _ask_checked(ask)


@transaction.atomic
def ask_delete(*, user: User, ask: SponsorAsk) -> None:
    permissions.require(permissions.may_edit_plan, user, ask.plan)
    approval.plan_writable(plan=ask.plan)  # a section of the plan
    ask.delete()


@transaction.atomic
def ask_answer(*, user: User, ask: SponsorAsk, answer: str, done: bool = True) -> SponsorAsk:
    """The sponsor answers an ask of one of the accounts they sponsor, and closes it (``done``)
    or leaves it open for more."""
    permissions.require(permissions.may_answer_ask, user, ask.plan)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write your answer.")})
    ask.answer = answer
    ask.answered_by = user
    ask.answered_at = timezone.now()
    ask.status = SponsorAsk.Status.DONE if done else SponsorAsk.Status.OPEN
    ask.full_clean()
    ask.save()
    return ask


# --- year-end negotiations ------------------------------------------------------------------------


def is_key_account(client: Client) -> bool:
    """On the confirmed shortlist of some programme year (its latest decision)."""
    return any(
        client.pk in plan_selectors.key_account_ids(programme=programme)
        for programme in Programme.objects.all()
    )


def _executives_checked(executives: Iterable[User]) -> list[User]:
    people = list(executives)
    allowed = {User.Role.SPONSOR, User.Role.DIRECTOR, User.Role.KAM, User.Role.ADMIN}
    wrong = [str(person) for person in people if person.role not in allowed]
    if wrong:
        raise ValidationError(
            {
                "executives": _(
                    "Only our sponsors, directors and key account managers take part: %(names)s."
                )
                % {"names": ", ".join(wrong)}
            }
        )
    return people


def _negotiation_save(
    negotiation: YearEndNegotiation, executives: Iterable[User] | None
) -> YearEndNegotiation:
    if negotiation.status == YearEndNegotiation.Status.HELD:
        if negotiation.held_on is None:
            raise ValidationError({"held_on": _("A negotiation that was held has a date.")})
        if negotiation.held_on > _today():
            raise ValidationError(
                {"held_on": _("A negotiation held in the future: mark it planned instead.")}
            )
    if negotiation.held_on and not (
        negotiation.year <= negotiation.held_on.year <= negotiation.year + 1
    ):
        raise ValidationError(
            {"held_on": _("The negotiation of a year is held that year or early the next.")}
        )
    if negotiation.margin_impact is not None and not isinstance(negotiation.margin_impact, Decimal):
        raise ValidationError({"margin_impact": _("The margin impact is an amount.")})
    people = _executives_checked(executives) if executives is not None else None
    negotiation.full_clean()
    negotiation.save()
    if people is not None:
        negotiation.executives.set(people)
    return negotiation


@transaction.atomic
def negotiation_create(*, user: User, client: Client, **values: Any) -> YearEndNegotiation:
    """Record the year-end negotiation of a key account: who of our executives takes part, when,
    and once held, the terms agreed and their margin impact."""
    permissions.require(permissions.may_edit_client, user, client)
    if not is_key_account(client):
        raise ValidationError(_("%(client)s is not a key account.") % {"client": client})
    values = _clean(values, NEGOTIATION_FIELDS)
    executives = values.pop("executives", [])
    negotiation = YearEndNegotiation(client=client, created_by=user, **values)
    return _negotiation_save(negotiation, executives)


@transaction.atomic
def negotiation_update(
    *, user: User, negotiation: YearEndNegotiation, **values: Any
) -> YearEndNegotiation:
    permissions.require(permissions.may_edit_client, user, negotiation.client)
    values = _clean(values, NEGOTIATION_FIELDS)
    executives = values.pop("executives", None)
    for name, value in values.items():
        setattr(negotiation, name, value)
    return _negotiation_save(negotiation, executives)


@transaction.atomic
def negotiation_delete(*, user: User, negotiation: YearEndNegotiation) -> None:
    permissions.require(permissions.may_edit_client, user, negotiation.client)
    negotiation.delete()


# --- the advisory committee -----------------------------------------------------------------------


@transaction.atomic
def advisory_member_add(*, user: User, **values: Any) -> AdvisoryMember:
    """Seat one of a key account's executives on the committee."""
    permissions.require(permissions.may_run_sponsorship, user)
    values = _clean(values, MEMBER_FIELDS)
    contact: Contact | None = values.get("contact")
    if (
        contact is not None
        and not selectors.advisory_candidate_list().filter(pk=contact.pk).exists()
    ):
        if AdvisoryMember.objects.filter(contact=contact).exists():
            raise ValidationError(
                {"contact": _("%(name)s already sits on the committee.") % {"name": contact}}
            )
        raise ValidationError(
            {
                "contact": _(
                    "%(name)s is not a contact of a key account of the current programme year."
                )
                % {"name": contact}
            }
        )
    member = AdvisoryMember(**values)
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def advisory_member_remove(*, user: User, member: AdvisoryMember) -> None:
    """A member leaves the committee; the topics they raised stay, unattributed."""
    permissions.require(permissions.may_run_sponsorship, user)
    member.delete()


def _meeting_save(
    meeting: AdvisoryMeeting, attendees: Iterable[AdvisoryMember] | None
) -> AdvisoryMeeting:
    meeting.full_clean()
    meeting.save()
    if attendees is not None:
        meeting.attendees.set(list(attendees))
    return meeting


@transaction.atomic
def advisory_meeting_create(*, user: User, **values: Any) -> AdvisoryMeeting:
    permissions.require(permissions.may_run_sponsorship, user)
    values = _clean(values, MEETING_FIELDS)
    attendees = values.pop("attendees", [])
    return _meeting_save(AdvisoryMeeting(created_by=user, **values), attendees)


@transaction.atomic
def advisory_meeting_update(
    *, user: User, meeting: AdvisoryMeeting, **values: Any
) -> AdvisoryMeeting:
    permissions.require(permissions.may_run_sponsorship, user)
    values = _clean(values, MEETING_FIELDS)
    attendees = values.pop("attendees", None)
    for name, value in values.items():
        setattr(meeting, name, value)
    return _meeting_save(meeting, attendees)


@transaction.atomic
def advisory_meeting_delete(*, user: User, meeting: AdvisoryMeeting) -> None:
    permissions.require(permissions.may_run_sponsorship, user)
    meeting.delete()


def _topic_save(topic: AdvisoryTopic) -> AdvisoryTopic:
    if topic.status != AdvisoryTopic.Status.OPEN and not topic.action:
        raise ValidationError({"action": _("Say what we do about it before taking it on.")})
    if topic.status != AdvisoryTopic.Status.OPEN and topic.owner_id is None:
        raise ValidationError({"owner": _("Give what we do about it an owner.")})
    topic.full_clean()
    topic.save()
    return topic


@transaction.atomic
def advisory_topic_add(*, user: User, meeting: AdvisoryMeeting, **values: Any) -> AdvisoryTopic:
    """A topic the customers' executives raised at ``meeting``, and what we do about it."""
    permissions.require(permissions.may_run_sponsorship, user)
    return _topic_save(AdvisoryTopic(meeting=meeting, **_clean(values, TOPIC_FIELDS)))


@transaction.atomic
def advisory_topic_update(*, user: User, topic: AdvisoryTopic, **values: Any) -> AdvisoryTopic:
    permissions.require(permissions.may_run_sponsorship, user)
    for name, value in _clean(values, TOPIC_FIELDS).items():
        setattr(topic, name, value)
    return _topic_save(topic)


@transaction.atomic
def advisory_topic_delete(*, user: User, topic: AdvisoryTopic) -> None:
    permissions.require(permissions.may_run_sponsorship, user)
    topic.delete()


# --- recognitions ---------------------------------------------------------------------------------


def _recognition_save(user: User, recognition: Recognition) -> Recognition:
    if recognition.recipient_id and recognition.team:
        raise ValidationError(_("A recognition goes to one person or to one team, not both."))
    if not recognition.recipient_id and not recognition.team:
        raise ValidationError(_("Say who is recognised: a person or a team."))
    if recognition.recipient_id == user.pk:
        raise ValidationError({"recipient": _("You cannot recognise yourself.")})
    if recognition.awarded_on and recognition.awarded_on > _today():
        raise ValidationError({"awarded_on": _("A recognition is recorded once given.")})
    recognition.full_clean()
    recognition.save()
    return recognition


@transaction.atomic
def recognition_create(*, user: User, **values: Any) -> Recognition:
    """Record an award or a recognition given to one of the programme's people or a team."""
    permissions.require(permissions.may_run_sponsorship, user)
    values = _clean(values, RECOGNITION_FIELDS)
    values["team"] = values.get("team") or ""
    return _recognition_save(user, Recognition(created_by=user, **values))


@transaction.atomic
def recognition_update(*, user: User, recognition: Recognition, **values: Any) -> Recognition:
    permissions.require(permissions.may_run_sponsorship, user)
    for name, value in _clean(values, RECOGNITION_FIELDS).items():
        setattr(recognition, name, value if name != "team" else value or "")
    return _recognition_save(user, recognition)


@transaction.atomic
def recognition_delete(*, user: User, recognition: Recognition) -> None:
    permissions.require(permissions.may_run_sponsorship, user)
    recognition.delete()
