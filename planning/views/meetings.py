"""The meetings of a plan: the cadences agreed with the customer, their compliance, the meeting
log and its decisions, the portfolio's compliance, and the calendar.

The Meetings tab is one page whose body (``#meetings-body``: compliance, cadences, meeting log)
is one partial. A form opens in its slot (htmx GET); a form with errors comes back in place; a
successful write sends back the whole body, so the compliance figures follow. Without htmx the
same routes answer with the full page, and a successful write redirects to it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kam import links, permissions, versions
from kam.types import AuthedRequest
from planning import forms
from planning.models import Cadence, Level, Meeting, Objective, Plan
from planning.selectors import approval as approval_selectors
from planning.selectors import cadences as cadence_selectors
from planning.selectors import meetings as selectors
from planning.selectors import plans as plan_selectors
from planning.services import calendar as calendar_services
from planning.services import meetings as services
from planning.views import conflicts, sections

TEMPLATE = "planning/plan_meetings.html"
CALENDAR_DAYS = 183
"""How far ahead the calendars list due meetings."""
LOG_PAGE = 20
"""Meetings of the log a page shows at first, and a scroll (or a click) adds."""


def _log_pages(request: AuthedRequest) -> int:
    """How many pages of the log ``?page=`` asks for (1 by default)."""
    page = request.GET.get("page", "")
    return int(page) if page.isdigit() and 0 < int(page) <= 10_000 else 1


def _context(request: AuthedRequest, plan: Plan, *, pages: int = 1, **extra: Any) -> dict[str, Any]:
    """The Meetings tab with the first ``pages`` pages of its log (newest first); a decision
    error's meeting is shown wherever it sits in the log."""
    today = timezone.localdate()
    by_plan = cadence_selectors.cadence_status([plan], today, with_pairs=True)
    (summary,) = cadence_selectors.plan_compliance([plan], today, statuses=by_plan)
    shown = pages * LOG_PAGE
    if "decision_error" in extra:  # the decision's meeting, if it sits further down the log
        failed = Meeting.objects.filter(decisions__pk=extra["decision_error"][0]).first()
        if failed is not None:
            newer = selectors.meeting_list(user=request.user).filter(
                Q(date__gt=failed.date) | Q(date=failed.date, pk__gt=failed.pk), plan=plan
            )
            shown = max(shown, newer.count() + 1)
    return {
        "tab": "meetings",
        "today": today,
        "statuses": by_plan.get(plan.pk, []),
        "summary": summary,
        "item_comments": approval_selectors.item_comments(plan=plan),  # beside the cadences
        **_log_context(request, plan, start=0, stop=shown),
        **extra,
    }


def _log_context(request: AuthedRequest, plan: Plan, *, start: int, stop: int) -> dict[str, Any]:
    """What the meetings ``start`` to ``stop`` of a plan's log (newest first) write, with the
    link to the next ones when there are more."""
    can_edit = permissions.may_edit_plan(request.user, plan)
    log = selectors.meeting_list(user=request.user).filter(plan=plan)
    meetings = list(log[start : stop + 1])  # one more: is there an older page?
    objectives = list(selectors.objective_choices(plan=plan)) if can_edit else []
    more = len(meetings) > stop - start
    return {
        "plan": plan,
        "can_edit": can_edit,
        "meeting_rows": _meeting_rows(meetings[: stop - start]),
        "older_url": _older_url(plan, -(-stop // LOG_PAGE) + 1) if more else "",
        "objectives": objectives,
        "objective_options": _objective_options(objectives),
        "labels": {
            "edit": _("Edit"),
            "delete": _("Delete"),
            "done": _("Turned into an action"),
            "objective": _("Objective"),
            "make_action": _("Make it an action"),
            "delete_meeting": _("Delete this meeting and its decisions?"),
            "older": _("Older meetings"),
        },
        "csrf_input": format_html(
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request)
        ),
    }


def _older_url(plan: Plan, page: int) -> str:
    return f"{reverse('planning:plan_meetings', args=[plan.pk])}?page={page}"


MEETING_LINKS = {"edit": "planning:meeting_edit", "delete": "planning:meeting_delete"}


def _meeting_rows(meetings: list[Meeting]) -> list[dict[str, Any]]:
    """What each meeting of the log writes, worked out here so that its part of the page only
    writes values: its links reversed once a page, its labels looked up once, its participants
    named in a line."""
    urls = links.row_links(MEETING_LINKS)
    decision_url = links.row_link("planning:decision_action")
    levels = {code: str(label) for code, label in Level.choices}
    untitled = _("Meeting")
    done = _("under “%(objective)s”, due %(date)s")
    rows = []
    for meeting in meetings:
        decisions = []
        for decision in meeting.decisions.all():
            action = getattr(decision, "action", None)  # made into an action, or not yet
            decisions.append(
                {
                    "pk": str(decision.pk),  # in ids: never written with a thousands separator
                    "text": decision.text,
                    "done": action is not None
                    and done
                    % {
                        "objective": action.objective.title,
                        "date": date_format(action.due_date, "SHORT_DATE_FORMAT"),
                    },
                    "url": decision_url(decision.pk),
                }
            )
        cadence = meeting.cadence.name if meeting.cadence else ""
        rows.append(
            {
                "pk": str(meeting.pk),
                "iso": meeting.date.isoformat(),
                "date": date_format(meeting.date, "DATE_FORMAT"),
                "heading": meeting.title or cadence or untitled,
                "cadence": cadence if meeting.title else "",
                "level": levels.get(meeting.level, meeting.level),
                "ours": ", ".join(str(person) for person in meeting.our_participants.all()),
                "theirs": ", ".join(str(person) for person in meeting.their_participants.all()),
                "summary": meeting.summary,
                "decisions": decisions,
                "name": str(meeting),
                "urls": urls(meeting.pk),
            }
        )
    return rows


def _objective_options(objectives: list[Objective]) -> str:
    """The ``<option>``s of the objective a decision becomes an action under: the same for
    every decision, so written once a page (each text escaped)."""
    sides = {code: str(label) for code, label in Objective.Side.choices}
    return format_html_join(
        "",
        '<option value="{}">{} · {}</option>',
        (
            (objective.pk, sides.get(objective.side, objective.side), objective.title)
            for objective in objectives
        ),
    )


def _body(request: AuthedRequest, plan: Plan, **extra: Any) -> HttpResponse:
    """After a write: the page's body for htmx (which replaces its own), else the page again."""
    if not request.htmx:
        return redirect("planning:plan_meetings", plan.pk)
    response = TemplateResponse(
        request, f"{TEMPLATE}#meetings-body", _context(request, plan, **extra)
    )
    response["HX-Retarget"] = "#meetings-body"
    response["HX-Reswap"] = "outerHTML"
    return sections.status_event(response, plan)


def _form(request: AuthedRequest, plan: Plan, partial: str, **extra: Any) -> TemplateResponse:
    """A form: alone for htmx (into its slot, or in place of itself), else in the full page."""
    if request.htmx:
        return TemplateResponse(request, f"{TEMPLATE}#{partial}", {"plan": plan, **extra})
    return TemplateResponse(request, TEMPLATE, _context(request, plan, **extra))


@login_required
@require_http_methods(["GET"])
def plan_meetings(request: AuthedRequest, plan_id: int) -> TemplateResponse:
    """The Meetings tab; ``?page=N`` shows the log's first N pages, or, for htmx (the log
    scrolled to its end), only the Nth page, which takes the place of the "older" link."""
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    pages = _log_pages(request)
    if request.htmx and "page" in request.GET:
        start = (pages - 1) * LOG_PAGE
        context = _log_context(request, plan, start=start, stop=start + LOG_PAGE)
        return TemplateResponse(request, f"{TEMPLATE}#meeting-log-page", context)
    return TemplateResponse(request, TEMPLATE, _context(request, plan, pages=pages))


# --- cadences -------------------------------------------------------------------------------------


def _cadence_form(request: AuthedRequest, plan: Plan, **kwargs: Any) -> forms.CadenceForm:
    return forms.CadenceForm(
        request.POST if request.method == "POST" else None,
        users=selectors.active_users(),
        stakeholders=selectors.stakeholder_choices(plan=plan),
        pairs=selectors.pair_choices(plan=plan),
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cadence_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_for_edit(user=request.user, plan_id=plan_id)
    form = _cadence_form(request, plan, initial={"starts_on": timezone.localdate(), "every": 3})
    if form.is_valid():
        try:
            services.cadence_create(user=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return _body(request, plan)
    return _form(request, plan, "cadence-form", cadence_form=form, cadence=None)


def _cadence_for_edit(request: AuthedRequest, cadence_id: int) -> Cadence:
    cadence = get_object_or_404(selectors.cadence_list(user=request.user), pk=cadence_id)
    permissions.require(permissions.may_edit_plan, request.user, cadence.plan)
    return cadence


@login_required
@require_http_methods(["GET", "POST"])
def cadence_edit(request: AuthedRequest, cadence_id: int) -> HttpResponse:
    cadence = _cadence_for_edit(request, cadence_id)
    plan = cadence.plan
    initial = {name: getattr(cadence, name) for name in services.CADENCE_FIELDS}
    initial["pairs"] = list(cadence.pairs.all())
    form = _cadence_form(request, plan, initial=initial)
    conflicts.versioned(form, cadence)
    if form.is_valid():
        try:
            services.cadence_update(user=request.user, cadence=cadence, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        except versions.StaleEdit as stale:
            conflicts.show(form, stale)
        else:
            return _body(request, plan)
    return _form(request, plan, "cadence-form", cadence_form=form, cadence=cadence)


@login_required
@require_http_methods(["POST"])
def cadence_delete(request: AuthedRequest, cadence_id: int) -> HttpResponse:
    cadence = _cadence_for_edit(request, cadence_id)
    services.cadence_delete(user=request.user, cadence=cadence)
    return _body(request, cadence.plan)


# --- meetings -------------------------------------------------------------------------------------


def _meeting_form(request: AuthedRequest, plan: Plan, **kwargs: Any) -> forms.MeetingForm:
    return forms.MeetingForm(
        request.POST if request.method == "POST" else None,
        cadences=plan.cadences.order_by("level", "name", "pk"),
        users=selectors.active_users(),
        stakeholders=selectors.stakeholder_choices(plan=plan),
        **kwargs,
    )


@login_required
@require_http_methods(["GET", "POST"])
def meeting_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_for_edit(user=request.user, plan_id=plan_id)
    initial: dict[str, Any] = {"date": timezone.localdate(), "our_participants": [request.user]}
    cadence_id = request.GET.get("cadence", "")
    if cadence_id.isdigit():
        initial["cadence"] = plan.cadences.filter(pk=cadence_id).first()
    form = _meeting_form(request, plan, initial=initial)
    if form.is_valid():
        try:
            services.meeting_log(user=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return _body(request, plan)
    return _form(request, plan, "meeting-form", meeting_form=form, meeting=None)


def _meeting_for_edit(request: AuthedRequest, meeting_id: int) -> Meeting:
    meeting = get_object_or_404(selectors.meeting_list(user=request.user), pk=meeting_id)
    permissions.require(permissions.may_edit_plan, request.user, meeting.plan)
    return meeting


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting_for_edit(request, meeting_id)
    plan = meeting.plan
    initial = {
        "date": meeting.date,
        "cadence": meeting.cadence,
        "level": meeting.level,
        "title": meeting.title,
        "summary": meeting.summary,
        "our_participants": list(meeting.our_participants.all()),
        "their_participants": list(meeting.their_participants.all()),
        "decisions": [decision.text for decision in meeting.decisions.all()],
    }
    form = _meeting_form(request, plan, initial=initial)
    conflicts.versioned(form, meeting)
    if form.is_valid():
        try:
            services.meeting_update(user=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        except versions.StaleEdit as stale:
            conflicts.show(form, stale)
        else:
            return _body(request, plan)
    return _form(request, plan, "meeting-form", meeting_form=form, meeting=meeting)


@login_required
@require_http_methods(["POST"])
def meeting_delete(request: AuthedRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting_for_edit(request, meeting_id)
    services.meeting_delete(user=request.user, meeting=meeting)
    return _body(request, meeting.plan)


@login_required
@require_http_methods(["POST"])
def decision_action(request: AuthedRequest, decision_id: int) -> HttpResponse:
    """Turn a meeting decision into a plan action, under the objective chosen (by default the
    plan's first objective of ours)."""
    decision = get_object_or_404(selectors.decision_list(user=request.user), pk=decision_id)
    plan = decision.meeting.plan
    permissions.require(permissions.may_edit_plan, request.user, plan)
    form = forms.DecisionActionForm(request.POST, objectives=selectors.objective_choices(plan=plan))
    objective = form.cleaned_data["objective"] if form.is_valid() else None
    try:
        services.decision_to_action(user=request.user, decision=decision, objective=objective)
    except ValidationError as error:
        if not request.htmx:
            context = _context(request, plan, decision_error=(str(decision.pk), error.messages))
            return TemplateResponse(request, TEMPLATE, context, status=400)
        return _body(request, plan, decision_error=(str(decision.pk), error.messages))
    return _body(request, plan)


# --- the portfolio's compliance -------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def cadence_compliance(request: AuthedRequest) -> TemplateResponse:
    """How the cadences of every plan the user sees are kept: directors see all the plans, a KAM
    their own (and a sponsor or contributor those they see)."""
    today = timezone.localdate()
    plans = list(plan_selectors.plan_list(user=request.user).select_related("owner"))
    rows = cadence_selectors.plan_compliance(plans, today)
    levels = cadence_selectors.level_totals({row.plan.pk: row.levels for row in rows})
    due = cadence_selectors.upcoming_meetings(plans, today, days=30)
    overdue = [meeting for meeting in due if meeting.overdue]
    due_count = sum(row.due for row in rows)
    on_time = sum(row.on_time for row in rows)
    context = {
        "rows": rows,
        "levels": levels,
        "overdue": overdue,
        "upcoming": [meeting for meeting in due if not meeting.overdue],
        "today": today,
        "on_time_pct": on_time * 100 / due_count if due_count else None,
        "overdue_count": len(overdue),
    }
    return TemplateResponse(request, "planning/cadence_compliance.html", context)


# --- calendars ------------------------------------------------------------------------------------


def _ics(request: AuthedRequest | Any, plans: list[Plan], name: str, filename: str) -> HttpResponse:
    from planning import ics  # icalendar loads when a calendar is asked for, not at each start

    today = timezone.localdate()
    body = ics.due_meetings_calendar(
        plans=plans,
        today=today,
        until=today + dt.timedelta(days=CALENDAR_DAYS),
        name=name,
        link=lambda plan: request.build_absolute_uri(
            reverse("planning:plan_meetings", args=[plan.pk])
        ),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET"])
def plan_calendar(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """The plan's meetings due in the next six months, as an iCalendar file."""
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    return _ics(request, [plan], f"KAM · {plan.client.name}", f"kam-plan-{plan.pk}.ics")


@login_required
@require_http_methods(["GET"])
def calendar_feed(request: AuthedRequest) -> TemplateResponse:
    """The user's personal calendar subscription: its secret address, to copy, renew or revoke."""
    feed = selectors.calendar_feed_get(user=request.user)
    url = (
        request.build_absolute_uri(reverse("planning:calendar_feed_ics", args=[feed.token]))
        if feed
        else ""
    )
    context = {"feed": feed, "feed_url": url}
    return TemplateResponse(request, "planning/calendar_feed.html", context)


@login_required
@require_http_methods(["POST"])
def calendar_feed_renew(request: AuthedRequest) -> HttpResponse:
    """Create the user's feed, or give it a new secret address (the old one stops working)."""
    calendar_services.calendar_feed_renew(user=request.user)
    return redirect("planning:calendar_feed")


@login_required
@require_http_methods(["POST"])
def calendar_feed_revoke(request: AuthedRequest) -> HttpResponse:
    calendar_services.calendar_feed_revoke(user=request.user)
    return redirect("planning:calendar_feed")


@require_http_methods(["GET"])
def calendar_feed_ics(request: Any, token: str) -> HttpResponse:
    """The personal feed, for calendar applications: no session, the secret token is the key.
    An unknown or revoked token is a 404; the feed lists the plans its owner sees now."""
    feed = selectors.calendar_feed_by_token(token=token)
    if feed is None:
        raise Http404
    plans = list(plan_selectors.plan_list(user=feed.user))
    return _ics(request, plans, f"KAM · {feed.user}", "kam.ics")
