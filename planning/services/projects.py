"""Investment projects and the steering committee, written.

A key account's KAM (or a director) proposes a project in the account's plan: its type, title,
owner, the plan's objectives it serves and, by year within the programme's investment horizon,
its budget and expected margin impact. It changes while it waits for the committee (proposed or
deferred). Directors plan the committee's sessions and record each decision with its reason:
approve, reject or defer a proposal, stop an approved project (which keeps what it spent). An
approval that takes a programme year over its budget (the confirmed shortlist's cost plus the
investment approved that year) needs a recorded exception. The project's KAM is emailed each
decision, after the commit, once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from kam import formats, history, permissions, versions
from planning.models import (
    InvestmentProject,
    Objective,
    Plan,
    ProjectYear,
    SteeringDecision,
    SteeringSession,
)
from planning.selectors import projects as selectors
from planning.services import approval
from planning.tasks import steering_decision_notify_task
from scoring.models import Programme

logger = logging.getLogger(__name__)

PROJECT_FIELDS = ("kind", "title", "description", "owner")
MONEY_LIMIT = Decimal("1e12")
"""A yearly amount stays below a thousand billion (the columns hold 14 digits, 2 decimals)."""


def _strip(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: v.strip() if isinstance(v, str) else v for name, v in values.items()}


def _unknown(values: Mapping[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"Unknown fields: {sorted(unknown)}")


def _amount(value: Any, *, year: int, what: str, signed: bool = False) -> Decimal:
    """``value`` as money, or a translated error naming the year and the figure."""
    names = {
        "budget": _("budget"),
        "margin_impact": _("expected margin impact"),
        "spent": _("amount spent"),
    }
    values = {"what": names[what], "year": year}
    if isinstance(value, bool):
        raise ValidationError(_("The %(what)s of %(year)s is not a number.") % values)
    try:
        amount = Decimal(str(value).strip().replace(" ", "").replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError(_("The %(what)s of %(year)s is not a number.") % values) from None
    if not amount.is_finite():
        raise ValidationError(_("The %(what)s of %(year)s is not a number.") % values)
    if not signed and amount < 0:
        raise ValidationError(_("The %(what)s of %(year)s cannot be negative.") % values)
    if abs(amount) >= MONEY_LIMIT:
        raise ValidationError(_("The %(what)s of %(year)s is too large.") % values)
    return amount.quantize(Decimal("0.01"))


def _year_lines(
    programme: Programme, years: Sequence[Mapping[str, Any]]
) -> list[tuple[int, Decimal, Decimal]]:
    """(year, budget, margin impact) of each line, checked: at least one, each year once and
    within the programme's investment horizon, budgets not negative. All errors at once."""
    horizon = programme.investment_years
    errors: list[str] = []
    lines: list[tuple[int, Decimal, Decimal]] = []
    seen: set[int] = set()
    if not years:
        raise ValidationError({"years": _("Give the project's budget for at least one year.")})
    for values in years:
        raw = values.get("year")
        try:
            year = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            errors.append(_("“%(year)s” is not a year.") % {"year": raw})
            continue
        if year not in horizon:
            errors.append(
                _(
                    "%(year)s is outside the programme's horizon: a project of the %(programme)s "
                    "programme runs from %(first)s to %(last)s."
                )
                % {
                    "year": year,
                    "programme": programme.year,
                    "first": horizon[0],
                    "last": horizon[-1],
                }
            )
            continue
        if year in seen:
            errors.append(_("%(year)s is given twice.") % {"year": year})
            continue
        seen.add(year)
        try:
            budget = _amount(values.get("budget"), year=year, what="budget")
            impact = _amount(
                values.get("margin_impact") or 0, year=year, what="margin_impact", signed=True
            )
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        lines.append((year, budget, impact))
    if errors:
        raise ValidationError({"years": errors})
    return sorted(lines)


def _check_objectives(plan: Plan, objectives: Iterable[Objective]) -> list[Objective]:
    objectives = list(objectives)
    foreign = [objective for objective in objectives if objective.plan_id != plan.pk]
    if foreign:
        raise ValidationError(
            {
                "objectives": _(
                    "A project serves objectives of its own plan only: %(titles)s belong to "
                    "another plan."
                )
                % {"titles": ", ".join(f"“{objective.title}”" for objective in foreign)}
            }
        )
    return objectives


def _check_owner(owner: Any) -> None:
    if not isinstance(owner, User) or not owner.is_active:
        raise ValidationError({"owner": _("Choose an active user to own the project.")})


def _save_lines(project: InvestmentProject, lines: list[tuple[int, Decimal, Decimal]]) -> None:
    project.years.all().delete()
    for year, budget, impact in lines:
        line = ProjectYear(project=project, year=year, budget=budget, margin_impact=impact)
        line.full_clean()
        line.save()


@transaction.atomic
def project_propose(
    *,
    user: User,
    plan: Plan,
    kind: str,
    title: str,
    owner: User,
    years: Sequence[Mapping[str, Any]],
    description: str = "",
    objectives: Iterable[Objective] = (),
) -> InvestmentProject:
    """Propose an investment project in ``plan`` (its KAM or a director), waiting for the
    steering committee. ``years``: ``{"year", "budget", "margin_impact"}`` by year."""
    permissions.require(permissions.may_propose_project, user, plan)
    approval.plan_not_in_review(plan=plan)
    lines = _year_lines(plan.programme, years)
    linked = _check_objectives(plan, objectives)
    _check_owner(owner)
    project = InvestmentProject(
        plan=plan,
        kind=kind,
        title=(title or "").strip(),
        description=(description or "").strip(),
        owner=owner,
        proposed_by=user,
    )
    project.full_clean()
    project.save()
    project.objectives.set(linked)
    _save_lines(project, lines)
    return project


@transaction.atomic
def project_update(
    *,
    user: User,
    project: InvestmentProject,
    years: Sequence[Mapping[str, Any]] | None = None,
    objectives: Iterable[Objective] | None = None,
    version: str | None = None,
    **values: Any,
) -> InvestmentProject:
    """Change a project while it waits for the committee (proposed or deferred): any of its
    fields, its objectives, its years (all of them, replacing the old). ``version``: the
    project's as the editor read it (``project_version``); a stale one writes nothing."""
    permissions.require(permissions.may_propose_project, user, project.plan)
    _unknown(values, PROJECT_FIELDS)
    approval.plan_not_in_review(plan=project.plan)
    project = InvestmentProject.objects.select_for_update().get(pk=project.pk)
    if not project.is_open:
        raise ValidationError(
            _(
                "The committee has decided on this project (%(status)s): it no longer changes; "
                "only what was spent is recorded."
            )
            % {"status": project.get_status_display().lower()}
        )
    _check_version(project, version)
    lines = _year_lines(project.plan.programme, years) if years is not None else None
    linked = _check_objectives(project.plan, objectives) if objectives is not None else None
    if "owner" in values:
        _check_owner(values["owner"])
    for name, value in _strip(values).items():
        setattr(project, name, value)
    project.full_clean()
    project.save()
    if linked is not None:
        project.objectives.set(linked)
    if lines is not None:
        _save_lines(project, lines)
    return project


@transaction.atomic
def project_spent_set(
    *,
    user: User,
    project: InvestmentProject,
    spent: Mapping[int, Any],
    version: str | None = None,
) -> InvestmentProject:
    """Record what an approved project has spent to date, by year (only its own years).
    ``version``: the project's as the editor read it; a stale one writes nothing."""
    permissions.require(permissions.may_propose_project, user, project.plan)
    project = InvestmentProject.objects.select_for_update().get(pk=project.pk)
    if project.status == InvestmentProject.Status.STOPPED:
        raise ValidationError(
            _(
                "The steering committee stopped this project: no more spending is recorded on "
                "it; what it spent before stays."
            )
        )
    if project.status != InvestmentProject.Status.APPROVED:
        raise ValidationError(
            _("Spending is recorded on approved projects only; this one is %(status)s.")
            % {"status": project.get_status_display().lower()}
        )
    _check_version(project, version)
    lines = {line.year: line for line in project.years.all()}
    errors: list[str] = []
    amounts: dict[int, Decimal] = {}
    for raw_year, value in spent.items():
        year = int(raw_year)
        if year not in lines:
            errors.append(_("The project has no budget in %(year)s.") % {"year": year})
            continue
        try:
            amounts[year] = _amount(value, year=year, what="spent")
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError({"spent": errors})
    for year, amount in amounts.items():
        lines[year].spent = amount
        lines[year].full_clean()
        lines[year].save(update_fields=["spent"])
    return project


# --- versions: optimistic concurrency (``kam.versions``) ------------------------------------------


def _digest(values: Any) -> str:
    return hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()[:8]


def _parts(project: InvestmentProject) -> tuple[str, str, str]:
    lines = [
        [line.year, str(line.budget), str(line.margin_impact), str(line.spent)]
        for line in ProjectYear.objects.filter(project_id=project.pk).order_by("year")
    ]
    objectives = sorted(project.objectives.values_list("pk", flat=True))
    return versions.version_of(project), _digest(lines), _digest(objectives)


def project_version(project: InvestmentProject) -> str:
    """A project's version: its own fields, its years (budget, margin impact, spent) and the
    objectives it serves, so that a change to any of them makes an older version stale. It is
    the project's ``ETag`` and its edit forms' hidden version."""
    return "-".join(_parts(project))


class ProjectStaleEdit(versions.StaleEdit):
    """A project changed since the version its editor read: its fields as for any item, plus
    ``years`` and ``objectives`` when those changed."""

    def __init__(self, *, current: InvestmentProject, since: str) -> None:
        row_since = since.partition("-")[0]
        super().__init__(
            current=current, since=row_since, fields=versions.content_fields(InvestmentProject)
        )
        self.project_since = since
        self.version = project_version(current)

    def changes(self) -> versions.Since:
        since = super().changes()
        _row, years, objectives = _parts(self.current)  # type: ignore[arg-type]
        old = self.project_since.split("-")
        if len(old) != 3:
            return versions.Since([*since.fields, "years", "objectives"], since.users, since.at)
        parts = (("years", years, old[1]), ("objectives", objectives, old[2]))
        extra = [name for name, now, then in parts if now != then]
        if extra and not since.users:
            since.users, since.at = _last_changed_by(self.current)  # type: ignore[arg-type]
        return versions.Since([*since.fields, *extra], since.users, since.at)

    def current_values(self) -> dict[str, Any]:
        values = super().current_values()
        values["years"] = [
            {
                "year": line.year,
                "budget": str(line.budget),
                "margin_impact": str(line.margin_impact),
                "spent": str(line.spent),
            }
            for line in self.current.years.order_by("year")  # type: ignore[attr-defined]
        ]
        values["objectives"] = sorted(self.current.objectives.values_list("pk", flat=True))  # type: ignore[attr-defined]
        return values


def _last_changed_by(project: InvestmentProject) -> tuple[list[User], Any]:
    """Who last changed one of the project's years, and when (from the history)."""
    events = history.TRACKED[ProjectYear].event_model.objects.filter(project_id=project.pk)
    event = events.select_related("pgh_context").order_by("-pgh_id").first()
    if event is None:
        return [], None
    metadata = (event.pgh_context.metadata if event.pgh_context else None) or {}
    user_id = metadata.get("user")
    user = User.objects.filter(pk=user_id).first() if isinstance(user_id, int) else None
    return ([user] if user else []), event.pgh_created_at


def _check_version(project: InvestmentProject, version: str | None) -> None:
    """Inside the write's transaction, the project locked: refuse a stale ``version``."""
    if version is not None and project_version(project) != version:
        raise ProjectStaleEdit(current=project, since=version)


# --- the steering committee -----------------------------------------------------------------------


@transaction.atomic
def session_plan(
    *,
    user: User,
    date: date,
    agenda: str = "",
    members: Iterable[User] = (),
    year: int | None = None,
) -> SteeringSession:
    """Plan a session of the steering committee (directors), for programme year ``year`` if
    given: a year without a programme is refused."""
    permissions.require(permissions.may_run_steering, user)
    programme = None
    if year is not None:
        programme = Programme.objects.filter(year=year).first()
        if programme is None:
            raise ValidationError(
                {
                    "year": _(
                        "There is no programme for %(year)s: a director sets up that programme "
                        "year first (budget, key account managers), or leave the year empty."
                    )
                    % {"year": year}
                }
            )
    session = SteeringSession(
        date=date, agenda=(agenda or "").strip(), created_by=user, programme=programme
    )
    session.full_clean()
    session.save()
    session.members.set(list(members))
    return session


@transaction.atomic
def session_hold(*, user: User, session: SteeringSession) -> SteeringSession:
    """Mark a session as held: it has met; its board keeps the decisions it took."""
    permissions.require(permissions.may_run_steering, user)
    session = SteeringSession.objects.select_for_update().get(pk=session.pk)
    if session.status != SteeringSession.Status.HELD:
        session.status = SteeringSession.Status.HELD
        session.save(update_fields=["status"])
    return session


OUTCOME_STATUS: dict[str, str] = {
    SteeringDecision.Outcome.APPROVE: InvestmentProject.Status.APPROVED,
    SteeringDecision.Outcome.REJECT: InvestmentProject.Status.REJECTED,
    SteeringDecision.Outcome.DEFER: InvestmentProject.Status.DEFERRED,
    SteeringDecision.Outcome.STOP: InvestmentProject.Status.STOPPED,
}


def over_budget(project: InvestmentProject) -> list[selectors.InvestmentYear]:
    """The programme years that approving ``project`` would take over their budget, as they
    would stand after it."""
    lines = {line.year: line.budget for line in project.years.all()}
    standing = selectors.budget_standing(lines)
    over = []
    for year, now in standing.items():
        after = selectors.InvestmentYear(
            year=year,
            currency=now.currency,
            budget=now.budget,
            shortlist_cost=now.shortlist_cost,
            approved=now.approved + lines[year],
            spent=now.spent,
        )
        if after.over_budget and lines[year] > 0:
            over.append(after)
    return over


@transaction.atomic
def project_decide(
    *,
    user: User,
    session: SteeringSession,
    project: InvestmentProject,
    outcome: str,
    reason: str,
    budget_exception: str = "",
    notify: bool = True,
) -> SteeringDecision:
    """Record the committee's decision on ``project`` in ``session`` (directors), with its
    reason: approve, reject or defer a proposal, or stop an approved project. Approving over a
    programme year's budget needs ``budget_exception``. The project's KAM is emailed after the
    commit (unless ``notify`` is false: decisions recorded as history, such as the demo's)."""
    permissions.require(permissions.may_run_steering, user)
    if outcome not in OUTCOME_STATUS:
        raise ValidationError({"outcome": _("Choose approve, reject, defer or stop.")})
    reason, budget_exception = (reason or "").strip(), (budget_exception or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Record the reason for this decision.")})
    # one decision at a time: the project, and the programme years whose budget it counts against
    project = (
        InvestmentProject.objects.select_for_update()
        .select_related("plan__client")
        .get(pk=project.pk)
    )
    if outcome == SteeringDecision.Outcome.STOP:
        if project.status != InvestmentProject.Status.APPROVED:
            raise ValidationError(
                {"outcome": _("Only an approved project can be stopped; this one is %(status)s.")
                 % {"status": project.get_status_display().lower()}}
            )  # fmt: skip
    elif not project.is_open:
        raise ValidationError(
            {"outcome": _("The committee already decided on this project: it is %(status)s.")
             % {"status": project.get_status_display().lower()}}
        )  # fmt: skip
    if outcome == SteeringDecision.Outcome.APPROVE:
        years = list(project.years.values_list("year", flat=True))
        list(Programme.objects.select_for_update().filter(year__in=years))
        over = over_budget(project)
        if over and not budget_exception:
            raise ValidationError(
                {
                    "budget_exception": _(
                        "Approving this project takes %(years)s over budget: record the "
                        "exception that allows it."
                    )
                    % {
                        "years": ", ".join(
                            _("%(year)s by %(amount)s")
                            % {
                                "year": standing.year,
                                "amount": formats.money(-standing.remaining, standing.currency),
                            }
                            for standing in over
                        )
                    }
                }
            )
    else:
        budget_exception = ""  # only an approval spends the budget
    decision = SteeringDecision(
        session=session,
        project=project,
        outcome=outcome,
        reason=reason,
        budget_exception=budget_exception,
        decided_by=user,
    )
    decision.full_clean()
    decision.save()
    project.status = OUTCOME_STATUS[outcome]
    project.save(update_fields=["status", "updated_at"])
    if notify:
        steering_decision_notify_task.delay_on_commit(decision_id=decision.pk)
    return decision


@transaction.atomic
def steering_decision_notify(*, decision_id: int) -> int:
    """Email a decision to its project's KAM, once: a second run (or a run after the decision
    was deleted) sends nothing. Returns how many were sent."""
    decision = (
        SteeringDecision.objects.select_for_update(of=("self",))
        .select_related("project__plan__client__kam", "project__plan__owner", "session")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None or decision.notified_at is not None:
        return 0
    decision.notified_at = timezone.now()
    decision.save(update_fields=["notified_at"])
    plan = decision.project.plan
    kam = plan.owner or plan.client.kam
    if kam is None or not kam.is_active or not kam.email:
        return 0
    project = decision.project
    link = settings.KAM_BASE_URL.rstrip("/") + reverse("planning:project_detail", args=[project.pk])
    with translation.override(settings.LANGUAGE_CODE):
        values = {
            "project": project.title,
            "client": plan.client.name,
            "status": project.get_status_display().lower(),
            "date": formats.short_date(decision.session.date),
        }
        subject = _("“%(project)s” (%(client)s) %(status)s by the steering committee") % values
        lines = [
            _("Hello %(name)s,") % {"name": kam.get_full_name() or kam.username},
            _(
                "The steering committee of %(date)s decided on the investment project "
                "“%(project)s” of %(client)s: %(status)s."
            )
            % values,
            _("Reason: %(reason)s") % {"reason": decision.reason},
        ]
        if decision.budget_exception:
            lines.append(
                _("Budget exception: %(exception)s") % {"exception": decision.budget_exception}
            )
        lines += [_("The project:") + "\n" + link, _("KAM, key account plans")]
    send_mail(subject, "\n\n".join(lines) + "\n", settings.DEFAULT_FROM_EMAIL, [kam.email])
    logger.info("Steering decision %s sent to user %s", decision.pk, kam.pk)
    return 1
