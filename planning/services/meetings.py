"""Writes of a plan's Meetings tab: the cadences agreed with the customer, the meetings held,
their decisions, and a decision turned into a plan action.

Whoever may edit the plan (its KAM, directors) writes here; anyone else is refused with a 403
saying why. Bad input is a ``ValidationError`` with a translated message, and nothing is
written: the participants and the people who agreed a cadence on the customer's side are
stakeholders of *this* plan, our people are active users, a cadence repeats at least every 1
week or month, and a meeting is logged once held: its date is no later than tomorrow (a day of
slack for time zones) and no earlier than ``EARLIEST_MEETING``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User
from kam import permissions, versions
from planning.models import (
    Action,
    Cadence,
    CounterpartPair,
    Meeting,
    MeetingDecision,
    Objective,
    Plan,
    Stakeholder,
)
from planning.services import approval

EARLIEST_MEETING = dt.date(2000, 1, 1)
ACTION_DUE_AFTER_MEETING = dt.timedelta(days=30)
CADENCE_FIELDS = (
    "kind",
    "name",
    "level",
    "every",
    "unit",
    "starts_on",
    "agreed_on",
    "agreed_by_us",
    "agreed_by_them",
    "our_department",
    "their_function",
)


def _check_stakeholders(plan: Plan, stakeholders: Iterable[Stakeholder], field: str) -> None:
    strangers = [str(person) for person in stakeholders if person.plan_id != plan.pk]
    if strangers:
        raise ValidationError(
            {
                field: _("%(names)s: not a stakeholder of this plan.")
                % {"names": ", ".join(strangers)}
            }
        )


def _check_users(users: Iterable[User], field: str) -> None:
    inactive = [str(user) for user in users if not user.is_active]
    if inactive:
        raise ValidationError(
            {field: _("%(names)s: not an active user.") % {"names": ", ".join(inactive)}}
        )


def _check_pairs(plan: Plan, pairs: Iterable[CounterpartPair]) -> None:
    if any(pair.plan_id != plan.pk for pair in pairs):
        raise ValidationError({"pairs": _("A cadence covers only pairs of its own plan.")})


def _check_every(every: object) -> None:
    if not isinstance(every, int) or every < 1:
        raise ValidationError({"every": _("A cadence repeats at least every 1 week or month.")})


def _save_cadence(
    cadence: Cadence, values: dict[str, object], pairs: Sequence[CounterpartPair] | None
) -> Cadence:
    plan = cadence.plan
    _check_every(values.get("every", cadence.every))
    for name, value in values.items():
        setattr(cadence, name, value)
    if cadence.agreed_by_them is not None:
        _check_stakeholders(plan, [cadence.agreed_by_them], "agreed_by_them")
    if cadence.agreed_by_us is not None:
        _check_users([cadence.agreed_by_us], "agreed_by_us")
    if pairs is not None:
        _check_pairs(plan, pairs)
    cadence.full_clean()
    cadence.save()
    if pairs is not None:
        CounterpartPair.objects.filter(cadence=cadence).exclude(
            pk__in=[pair.pk for pair in pairs]
        ).update(cadence=None)
        CounterpartPair.objects.filter(pk__in=[pair.pk for pair in pairs]).update(cadence=cadence)
    return cadence


@transaction.atomic
def cadence_create(
    *,
    user: User,
    plan: Plan,
    pairs: Sequence[CounterpartPair] | None = None,
    **values: object,
) -> Cadence:
    """Add a cadence agreed with the customer to ``plan``; ``values`` are ``CADENCE_FIELDS``,
    ``pairs`` the counterpart pairs of the plan it covers."""
    permissions.require(permissions.may_edit_plan, user, plan)
    approval.plan_writable(plan=plan)
    unknown = set(values) - set(CADENCE_FIELDS)
    if unknown:
        raise TypeError(f"cadence_create() got unexpected fields {sorted(unknown)}")
    return _save_cadence(Cadence(plan=plan), values, pairs)


@transaction.atomic
def cadence_update(
    *,
    user: User,
    cadence: Cadence,
    pairs: Sequence[CounterpartPair] | None = None,
    version: str | None = None,
    **values: object,
) -> Cadence:
    """Change a cadence; ``pairs``, when given, replace the pairs it covers."""
    permissions.require(permissions.may_edit_plan, user, cadence.plan)
    approval.plan_writable(plan=cadence.plan)
    versions.check(cadence, version)
    unknown = set(values) - set(CADENCE_FIELDS)
    if unknown:
        raise TypeError(f"cadence_update() got unexpected fields {sorted(unknown)}")
    locked = Cadence.objects.select_for_update().select_related("plan__client")
    return _save_cadence(locked.get(pk=cadence.pk), values, pairs)


@transaction.atomic
def cadence_delete(*, user: User, cadence: Cadence, version: str | None = None) -> None:
    """Remove a cadence: its meetings stay in the log, without a cadence; its pairs stay too."""
    permissions.require(permissions.may_edit_plan, user, cadence.plan)
    approval.plan_writable(plan=cadence.plan)
    versions.check(cadence, version)
    cadence.delete()


def _check_meeting(
    *,
    plan: Plan,
    day: dt.date,
    cadence: Cadence | None,
    ours: Sequence[User],
    theirs: Sequence[Stakeholder],
) -> None:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    if day > tomorrow:
        raise ValidationError(
            {"date": _("A meeting is logged once held: its date cannot be later than tomorrow.")}
        )
    if day < EARLIEST_MEETING:
        raise ValidationError(
            {
                "date": _("This date is too far in the past: %(date)s or later.")
                % {"date": EARLIEST_MEETING.isoformat()}
            }
        )
    if cadence is not None and cadence.plan_id != plan.pk:
        raise ValidationError({"cadence": _("This cadence is not one of this plan's.")})
    _check_users(ours, "our_participants")
    _check_stakeholders(plan, theirs, "their_participants")


@transaction.atomic
def meeting_log(
    *,
    user: User,
    plan: Plan,
    date: dt.date,
    level: str = "",
    cadence: Cadence | None = None,
    title: str = "",
    summary: str = "",
    our_participants: Sequence[User] = (),
    their_participants: Sequence[Stakeholder] = (),
    decisions: Sequence[str] = (),
) -> Meeting:
    """Log a meeting held with the customer (its level is its cadence's when not given), with
    who took part on both sides and what was decided (one decision a line)."""
    permissions.require(permissions.may_edit_plan, user, plan)
    _check_meeting(
        plan=plan, day=date, cadence=cadence, ours=our_participants, theirs=their_participants
    )
    meeting = Meeting(
        plan=plan,
        cadence=cadence,
        date=date,
        level=level or (cadence.level if cadence else ""),
        title=title,
        summary=summary,
        created_by=user,
    )
    meeting.full_clean()
    meeting.save()
    meeting.our_participants.set(our_participants)
    meeting.their_participants.set(their_participants)
    texts = [text.strip() for text in decisions if text.strip()]
    for position, text in enumerate(texts):
        decision = MeetingDecision(meeting=meeting, text=text, position=position)
        decision.full_clean()
        decision.save()
    return meeting


@transaction.atomic
def meeting_update(
    *,
    user: User,
    meeting: Meeting,
    date: dt.date,
    level: str = "",
    cadence: Cadence | None = None,
    title: str = "",
    summary: str = "",
    our_participants: Sequence[User] = (),
    their_participants: Sequence[Stakeholder] = (),
    decisions: Sequence[str] | None = None,
    version: str | None = None,
) -> Meeting:
    """Change a logged meeting. ``decisions``, when given, are its decisions after the change:
    a decision already turned into an action is kept whatever the list says."""
    plan = meeting.plan
    permissions.require(permissions.may_edit_plan, user, plan)
    versions.check(meeting, version)
    _check_meeting(
        plan=plan, day=date, cadence=cadence, ours=our_participants, theirs=their_participants
    )
    meeting.date, meeting.cadence, meeting.title, meeting.summary = date, cadence, title, summary
    meeting.level = level or (cadence.level if cadence else meeting.level)
    meeting.full_clean()
    meeting.save()
    meeting.our_participants.set(our_participants)
    meeting.their_participants.set(their_participants)
    if decisions is not None:
        texts = [text.strip() for text in decisions if text.strip()]
        kept = {d.text: d for d in meeting.decisions.all()}
        for text in set(kept) - set(texts):
            if not Action.objects.filter(decision=kept[text]).exists():
                kept[text].delete()
        for position, text in enumerate(texts):
            if text in kept:
                MeetingDecision.objects.filter(pk=kept[text].pk).update(position=position)
            else:
                decision = MeetingDecision(meeting=meeting, text=text, position=position)
                decision.full_clean()
                decision.save()
    return meeting


@transaction.atomic
def meeting_delete(*, user: User, meeting: Meeting, version: str | None = None) -> None:
    """Remove a logged meeting and its decisions (actions made from them stay in the plan)."""
    permissions.require(permissions.may_edit_plan, user, meeting.plan)
    versions.check(meeting, version)
    meeting.delete()


@transaction.atomic
def decision_add(*, user: User, meeting: Meeting, text: str) -> MeetingDecision:
    permissions.require(permissions.may_edit_plan, user, meeting.plan)
    position = meeting.decisions.count()
    decision = MeetingDecision(meeting=meeting, text=text.strip(), position=position)
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def decision_to_action(
    *, user: User, decision: MeetingDecision, objective: Objective | None = None
) -> Action:
    """Turn a meeting decision into an action of the plan, in one click: its title is the
    decision, under ``objective`` (by default the plan's first objective of ours, else its first
    one), owned by the plan's KAM (the user, if the plan has none) in their department, due 30
    days after the meeting. Refused when the plan has no objective to put it under, and for a
    decision already turned into an action."""
    plan = decision.meeting.plan
    permissions.require(permissions.may_edit_plan, user, plan)
    approval.plan_writable(plan=plan)
    locked = MeetingDecision.objects.select_for_update().get(pk=decision.pk)
    if Action.objects.filter(decision=locked).exists():
        raise ValidationError(_("This decision is already an action of the plan."))
    if objective is None:
        objectives = plan.objectives.order_by("position", "pk")
        objective = objectives.filter(side=Objective.Side.OURS).first() or objectives.first()
    if objective is None:
        raise ValidationError(
            _(
                "This plan has no objective yet: add one to the plan, then turn the decision "
                "into an action under it."
            )
        )
    if objective.plan_id != plan.pk:
        raise ValidationError({"objective": _("This objective is not one of this plan's.")})
    owner = plan.owner if plan.owner is not None and plan.owner.is_active else user
    position = Action.objects.filter(objective=objective).count()
    action = Action(
        objective=objective,
        title=locked.text[: Action._meta.get_field("title").max_length],
        owner=owner,
        department=owner.department or Department.SALES,
        due_date=decision.meeting.date + ACTION_DUE_AFTER_MEETING,
        decision=locked,
        position=position,
    )
    action.full_clean()
    action.save()
    return action
