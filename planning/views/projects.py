"""Investment projects and the steering committee, as pages: the plan's "Investment projects"
tab (its projects and the proposal form), a project (its years, the committee's decisions, its
changes while it waits and its spending once approved), the committee's sessions, a session's
board (the proposals side by side, each decided with a reason, the budget gauges moving with
each approval) and the multi-year view of approved projects.

A project the user may not see is a 404 (``planning.selectors.projects``); a role that may not
act gets a 403 saying why (``kam.permissions``). A form sent by htmx gets its part of the page
back; without htmx, a successful write redirects to the page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from kam import charts, formats, permissions, versions
from kam.types import AuthedRequest
from planning import forms
from planning.models import InvestmentProject, Plan, SteeringDecision, SteeringSession
from planning.selectors import plans as plan_selectors
from planning.selectors import projects as selectors
from planning.services import projects as services
from planning.views import conflicts


def _owners() -> Any:
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")


def _project_form(plan: Plan, data: Any = None, **kwargs: Any) -> forms.ProjectForm:
    return forms.ProjectForm(
        data, plan=plan, years=plan.programme.investment_years, owners=_owners(), **kwargs
    )


def gauges(standing: dict[int, selectors.InvestmentYear]) -> list[SafeString]:
    """One budget gauge per programme year: the shortlist's cost, then the approved
    investment, against the budget."""
    locale = formats.current_locale()
    drawn = []
    for year in standing.values():
        caption = _("Committed %(committed)s of %(budget)s") % {
            "committed": formats.money(year.committed, year.currency),
            "budget": formats.money(year.budget, year.currency),
        }
        if year.over_budget:
            caption += " · " + _("over budget")
        drawn.append(
            charts.budget_gauge(
                budget=year.budget,
                parts=[
                    (_("Key accounts' cost to serve"), year.shortlist_cost),
                    (_("Approved investment"), year.approved),
                ],
                currency=year.currency,
                locale=locale,
                title=_("Programme budget %(year)s") % {"year": year.year},
                caption=caption,
                budget_label=_("Budget"),
            )
        )
    return drawn


# --- the plan's tab and a project -----------------------------------------------------------------


def _plan_context(request: AuthedRequest, plan: Plan, **extra: Any) -> dict[str, Any]:
    can_propose = permissions.may_propose_project(request.user, plan)
    projects = selectors.project_list(user=request.user).filter(plan=plan)
    horizon = plan.programme.investment_years
    figures = [selectors.project_figures(project).with_cells(horizon) for project in projects]
    return {
        "plan": plan,
        "tab": "projects",
        "can_propose": can_propose,
        "projects": figures,
        "horizon": horizon,
        "form": _project_form(plan) if can_propose else None,
        **extra,
    }


@login_required
@require_http_methods(["GET"])
def plan_projects(request: AuthedRequest, plan_id: int) -> TemplateResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    return TemplateResponse(request, "planning/plan_projects.html", _plan_context(request, plan))


@login_required
@require_http_methods(["POST"])
def project_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    permissions.require(permissions.may_propose_project, request.user, plan)
    form = _project_form(plan, request.POST)
    if form.is_valid():
        try:
            project = services.project_propose(user=request.user, plan=plan, **form.values())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            notice = _("“%(title)s” is proposed to the steering committee.") % {"title": project}
            if request.htmx:
                context = _plan_context(request, plan, notice=notice)
                return TemplateResponse(
                    request, "planning/plan_projects.html#projects-body", context
                )
            messages.success(request, notice)
            return redirect("planning:plan_projects", plan.pk)
    context = _plan_context(request, plan, form=form)
    if request.htmx:  # htmx swaps a 200 only: the form comes back in place, with its errors
        return TemplateResponse(request, "planning/plan_projects.html#projects-body", context)
    return TemplateResponse(request, "planning/plan_projects.html", context, status=400)


def _project_context(
    request: AuthedRequest, project: InvestmentProject, **extra: Any
) -> dict[str, Any]:
    plan = project.plan
    can_change = permissions.may_propose_project(request.user, plan)
    figures = selectors.project_figures(project)
    initial: dict[str, Any] = {
        "kind": project.kind,
        "title": project.title,
        "description": project.description,
        "owner": project.owner_id,
        "objectives": [objective.pk for objective in project.objectives.all()],
    }
    for line in figures.lines:
        initial[f"budget_{line.year}"] = line.budget
        initial[f"margin_{line.year}"] = line.margin_impact
    years = [line.year for line in figures.lines]
    edit_form = spent_form = None
    if can_change and project.is_open:
        edit_form = _project_form(plan, initial=initial)
        conflicts.versioned(edit_form, project, version=services.project_version(project))
    if can_change and project.status == InvestmentProject.Status.APPROVED:
        spent_form = forms.ProjectSpentForm(
            years=years, initial={f"spent_{line.year}": line.spent for line in figures.lines}
        )
        conflicts.versioned(spent_form, project, version=services.project_version(project))
    return {
        "plan": plan,
        "project": project,
        "figures": figures,
        "tab": "projects",
        "objectives": list(project.objectives.order_by("position", "pk")),
        "decisions": list(
            project.decisions.select_related("session", "decided_by").order_by("decided_at")
        ),
        "practices": list(
            project.practices_captured.select_related("author").order_by("-created_at", "-pk")
        ),
        "edit_form": edit_form,
        "spent_form": spent_form,
        **extra,
    }


def _show_conflict(form: Any, stale: versions.StaleEdit) -> None:
    """The conflict above a project's form: its fields as for any item, and each year whose
    figures differ from what the user typed (their values against the user's)."""
    conflicts.show(form, stale)
    lines = {line.year: line for line in stale.current.years.all()}  # type: ignore[attr-defined]
    figures = (("budget", "budget"), ("margin", "margin_impact"), ("spent", "spent"))
    for prefix, attribute in figures:
        for year in sorted(lines.keys() | set(getattr(form, "horizon", []))):
            name = f"{prefix}_{year}"
            if name not in form.fields:
                continue
            line = lines.get(year)
            theirs = getattr(line, attribute) if line else None
            yours = form.cleaned_data.get(name)
            if (theirs is None) != (yours is None) or (
                theirs is not None and yours is not None and theirs != yours
            ):
                form.conflict.differences.append(
                    conflicts.Difference(
                        str(form.fields[name].label),
                        conflicts.text(theirs),
                        conflicts.text(yours),
                    )
                )


@login_required
@require_http_methods(["GET"])
def project_detail(request: AuthedRequest, project_id: int) -> TemplateResponse:
    project = selectors.project_get(user=request.user, project_id=project_id)
    context = _project_context(request, project)
    return TemplateResponse(request, "planning/project_detail.html", context)


@login_required
@require_http_methods(["POST"])
def project_edit(request: AuthedRequest, project_id: int) -> HttpResponse:
    project = selectors.project_for_edit(user=request.user, project_id=project_id)
    form = _project_form(project.plan, request.POST)
    conflicts.versioned(form, project, version=services.project_version(project))
    if form.is_valid():
        try:
            services.project_update(
                user=request.user,
                project=project,
                version=form.cleaned_data.get("version"),
                **form.values(),
            )
        except ValidationError as error:
            form.add_service_error(error)
        except versions.StaleEdit as stale:  # someone saved it meanwhile: nothing written
            _show_conflict(form, stale)
        else:
            messages.success(request, _("The project is saved."))
            return redirect(project)
    context = _project_context(request, project, edit_form=form)
    return TemplateResponse(request, "planning/project_detail.html", context, status=400)


@login_required
@require_http_methods(["POST"])
def project_spent(request: AuthedRequest, project_id: int) -> HttpResponse:
    project = selectors.project_for_edit(user=request.user, project_id=project_id)
    years = [line.year for line in project.years.all()]
    form = forms.ProjectSpentForm(request.POST, years=years)
    conflicts.versioned(form, project, version=services.project_version(project))
    if form.is_valid():
        try:
            services.project_spent_set(
                user=request.user,
                project=project,
                spent=form.spent(),
                version=form.cleaned_data.get("version"),
            )
        except ValidationError as error:
            form.add_service_error(error)
        except versions.StaleEdit as stale:
            _show_conflict(form, stale)
        else:
            messages.success(request, _("What the project spent is recorded."))
            return redirect(project)
    context = _project_context(request, project, spent_form=form)
    return TemplateResponse(request, "planning/project_detail.html", context, status=400)


# --- the steering committee -----------------------------------------------------------------------


def _members() -> Any:
    return _owners().filter(role__in=[User.Role.DIRECTOR, User.Role.SPONSOR, User.Role.ADMIN])


@login_required
@require_http_methods(["GET"])
def steering_list(request: AuthedRequest) -> TemplateResponse:
    today = timezone.localdate()
    sessions = list(selectors.session_list())
    context = {
        "upcoming": sorted(
            (s for s in sessions if s.status == SteeringSession.Status.PLANNED),
            key=lambda s: (s.date, s.pk),
        ),
        "held": [s for s in sessions if s.status == SteeringSession.Status.HELD],
        "today": today,
        "form": forms.SessionForm(members=_members(), initial={"date": today})
        if permissions.may_run_steering(request.user)
        else None,
    }
    return TemplateResponse(request, "planning/steering_list.html", context)


@login_required
@permissions.capability_required(permissions.may_run_steering)
@require_http_methods(["POST"])
def steering_add(request: AuthedRequest) -> HttpResponse:
    form = forms.SessionForm(request.POST, members=_members())
    if form.is_valid():
        try:
            session = services.session_plan(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return redirect(session)
    sessions = list(selectors.session_list())
    context = {
        "upcoming": [s for s in sessions if s.status == SteeringSession.Status.PLANNED],
        "held": [s for s in sessions if s.status == SteeringSession.Status.HELD],
        "form": form,
    }
    return TemplateResponse(request, "planning/steering_list.html", context, status=400)


def _board_context(
    request: AuthedRequest, session: SteeringSession, **extra: Any
) -> dict[str, Any]:
    board = selectors.session_board(user=request.user, session=session)
    return {
        "session": session,
        "board": board,
        "gauges": gauges(board.standing),
        "can_run": permissions.may_run_steering(request.user),
        "outcomes": SteeringDecision.Outcome.choices,
        "failed": None,
        "failed_form": None,
        **extra,
    }


@login_required
@require_http_methods(["GET"])
def steering_detail(request: AuthedRequest, session_id: int) -> TemplateResponse:
    session = selectors.session_get(session_id=session_id)
    return TemplateResponse(
        request, "planning/steering_detail.html", _board_context(request, session)
    )


@login_required
@permissions.capability_required(permissions.may_run_steering)
@require_http_methods(["POST"])
def steering_decide(request: AuthedRequest, session_id: int, project_id: int) -> HttpResponse:
    """A decision on one project of the board. With htmx, the board comes back with the
    gauges; a refused decision comes back with its error next to the project, nothing written."""
    session = selectors.session_get(session_id=session_id)
    project = selectors.project_get(user=request.user, project_id=project_id)
    form = forms.DecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = services.project_decide(
                user=request.user, session=session, project=project, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            notice = _("“%(project)s”: %(status)s. Its KAM is told by email.") % {
                "project": project,
                "status": decision.project.get_status_display().lower(),
            }
            if not request.htmx:
                messages.success(request, notice)
                return redirect(session)
            return TemplateResponse(
                request,
                "planning/steering_detail.html#steering-board",
                _board_context(request, session, notice=notice),
            )
    context = _board_context(request, session, failed=project.pk, failed_form=form)
    if request.htmx:  # htmx swaps a 200 only: the board comes back with the error in place
        return TemplateResponse(request, "planning/steering_detail.html#steering-board", context)
    return TemplateResponse(request, "planning/steering_detail.html", context, status=400)


@login_required
@permissions.capability_required(permissions.may_run_steering)
@require_http_methods(["POST"])
def steering_hold(request: AuthedRequest, session_id: int) -> HttpResponse:
    session = get_object_or_404(SteeringSession, pk=session_id)
    services.session_hold(user=request.user, session=session)
    messages.success(request, _("The session is recorded as held."))
    return redirect(session)


# --- the multi-year view --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def investment_years(request: AuthedRequest) -> TemplateResponse:
    view = selectors.investment_view(user=request.user)
    context = {"view": view, "gauges": gauges(view.standing)}
    return TemplateResponse(request, "planning/investment_years.html", context)
