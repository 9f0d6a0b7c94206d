"""Executive sponsorship pages: the asks of the sponsor (a section of the plan page, edited in
place like the others, answered by the account's sponsor), a key account's year-end
negotiations, and the programme's advisory committee and recognitions.

Rows are looked up through the selectors (a hidden row is a 404); what a role may not do is a
403 saying why (``kam.permissions``), checked again by the services.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors as account_selectors
from accounts.models import User
from kam import permissions
from kam.types import AuthedRequest
from planning import forms
from planning.models import (
    AdvisoryMeeting,
    AdvisoryMember,
    AdvisoryTopic,
    Recognition,
    SponsorAsk,
    YearEndNegotiation,
)
from planning.selectors import sponsorship as selectors
from planning.selectors.plans import plan_for_edit, plan_get
from planning.services import sponsorship as services
from planning.views import sections


def _post(request: AuthedRequest) -> dict[str, Any] | None:
    return request.POST if request.method == "POST" else None  # type: ignore[return-value]


# --- 6. asks of the sponsor (a plan section) ------------------------------------------------------


def _ask(request: AuthedRequest, ask_id: int) -> SponsorAsk:
    """An ask of a plan the user sees (404 otherwise), its plan loaded for the capabilities."""
    ask = selectors.ask_get(user=request.user, ask_id=ask_id)
    ask.plan = plan_get(user=request.user, plan_id=ask.plan_id)
    return ask


@login_required
@require_http_methods(["GET", "POST"])
def ask_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = plan_for_edit(user=request.user, plan_id=plan_id)
    form = forms.AskForm(_post(request))

    def save(data: dict[str, Any]) -> object:
        return services.ask_add(user=request.user, plan=plan, **data)

    return sections._edit(
        request, plan, form, save,
        section="asks", form_id="ask-add-form", title=_("Ask something of the sponsor"),
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def ask_edit(request: AuthedRequest, ask_id: int) -> HttpResponse:
    ask = _ask(request, ask_id)
    permissions.require(permissions.may_edit_plan, request.user, ask.plan)
    initial = {name: getattr(ask, name) for name in services.ASK_FIELDS}
    form = forms.AskEditForm(_post(request), initial=initial)

    def save(data: dict[str, Any]) -> object:
        return services.ask_update(user=request.user, ask=ask, **data)

    return sections._edit(
        request, ask.plan, form, save,
        section="asks", form_id=f"ask-{ask.pk}-form", title=_("Change an ask of the sponsor"),
    )  # fmt: skip


@login_required
@require_POST
def ask_delete(request: AuthedRequest, ask_id: int) -> HttpResponse:
    ask = _ask(request, ask_id)
    permissions.require(permissions.may_edit_plan, request.user, ask.plan)
    services.ask_delete(user=request.user, ask=ask)
    return sections.section_response(request, ask.plan, "asks")


@login_required
@require_http_methods(["GET", "POST"])
def ask_answer(request: AuthedRequest, ask_id: int) -> HttpResponse:
    """The sponsor's answer: in the plan page's section (htmx), or a small page that goes back
    to the home page (``?from=home``) or to the plan."""
    ask = _ask(request, ask_id)
    permissions.require(permissions.may_answer_ask, request.user, ask.plan)
    form = forms.AskAnswerForm(_post(request), initial={"answer": ask.answer, "done": True})
    from_home = request.GET.get("from") == "home"
    if request.method == "POST" and form.is_valid():
        try:
            services.ask_answer(user=request.user, ask=ask, **form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if from_home:  # the small page opened from the home page goes back there
                if not request.htmx:
                    return redirect("home")
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("home")
                return response
            return sections.section_response(request, ask.plan, "asks")
    title = _("Answer “%(ask)s”") % {"ask": ask.request}
    return sections._form_response(
        request, ask.plan, form, section="asks", form_id=f"ask-{ask.pk}-answer-form", title=title
    )


# --- year-end negotiations of a key account -------------------------------------------------------


def _client(request: AuthedRequest, client_id: int) -> Any:
    return get_object_or_404(account_selectors.client_list(user=request.user), pk=client_id)


@login_required
@require_http_methods(["GET"])
def negotiation_list(request: AuthedRequest, client_id: int) -> TemplateResponse:
    """A key account's year-end negotiations: who of our executives takes part, the outcome."""
    client = _client(request, client_id)
    context = {
        "client": client,
        "negotiations": selectors.negotiation_list(user=request.user, client=client),
        "can_edit": permissions.may_edit_client(request.user, client),
        "plan": client.plans.order_by("-period_start").first(),
    }
    return TemplateResponse(request, "planning/negotiation_list.html", context)


def _simple_form(
    request: AuthedRequest,
    form: Form,
    save: Callable[[dict[str, Any]], object],
    *,
    title: str,
    back: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """A form on its own page; a valid POST calls ``save`` (a service) and goes ``back``."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)  # type: ignore[attr-defined]
        else:
            return redirect(back)
    context = {"form": form, "form_title": title, "back": back, **(extra or {})}
    return TemplateResponse(request, "planning/sponsorship_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def negotiation_add(request: AuthedRequest, client_id: int) -> HttpResponse:
    client = _client(request, client_id)
    permissions.require(permissions.may_edit_client, request.user, client)
    initial = {"year": timezone.localdate().year, "status": YearEndNegotiation.Status.PLANNED}
    form = forms.NegotiationForm(
        _post(request), executives=selectors.executive_choices(), initial=initial
    )

    def save(data: dict[str, Any]) -> object:
        return services.negotiation_create(user=request.user, client=client, **data)

    title = _("Year-end negotiation with %(client)s") % {"client": client}
    back = reverse("planning:negotiation_list", args=[client.pk])
    return _simple_form(request, form, save, title=title, back=back)


def _negotiation(request: AuthedRequest, negotiation_id: int) -> YearEndNegotiation:
    negotiation = selectors.negotiation_get(user=request.user, negotiation_id=negotiation_id)
    permissions.require(permissions.may_edit_client, request.user, negotiation.client)
    return negotiation


@login_required
@require_http_methods(["GET", "POST"])
def negotiation_edit(request: AuthedRequest, negotiation_id: int) -> HttpResponse:
    negotiation = _negotiation(request, negotiation_id)
    initial = {name: getattr(negotiation, name) for name in services.NEGOTIATION_FIELDS[:-1]}
    initial["executives"] = list(negotiation.executives.all())
    form = forms.NegotiationForm(
        _post(request), executives=selectors.executive_choices(), initial=initial
    )

    def save(data: dict[str, Any]) -> object:
        return services.negotiation_update(user=request.user, negotiation=negotiation, **data)

    title = _("Year-end negotiation with %(client)s") % {"client": negotiation.client}
    back = reverse("planning:negotiation_list", args=[negotiation.client_id])
    return _simple_form(request, form, save, title=title, back=back)


@login_required
@require_POST
def negotiation_delete(request: AuthedRequest, negotiation_id: int) -> HttpResponse:
    negotiation = _negotiation(request, negotiation_id)
    services.negotiation_delete(user=request.user, negotiation=negotiation)
    return redirect("planning:negotiation_list", negotiation.client_id)


# --- the advisory committee of key accounts -------------------------------------------------------


@login_required
@permissions.capability_required(permissions.may_see_advisory_committee)
@require_http_methods(["GET"])
def advisory_committee(request: AuthedRequest) -> TemplateResponse:
    """The customers' executives on the committee, its meetings, the topics raised and what we
    did about them."""
    context = {
        "members": selectors.advisory_member_list(),
        "meetings": selectors.advisory_meeting_list(),
        "open_topics": selectors.advisory_topic_open_count(),
        "can_run": permissions.may_run_sponsorship(request.user),
        "tab": "committee",
    }
    return TemplateResponse(request, "planning/advisory_committee.html", context)


COMMITTEE = "planning:advisory_committee"


@login_required
@permissions.capability_required(permissions.may_run_sponsorship)
@require_http_methods(["GET", "POST"])
def advisory_member_add(request: AuthedRequest) -> HttpResponse:
    initial = {"since": timezone.localdate()}
    form = forms.AdvisoryMemberForm(
        _post(request), contacts=selectors.advisory_candidate_list(), initial=initial
    )

    def save(data: dict[str, Any]) -> object:
        return services.advisory_member_add(user=request.user, **data)

    title = _("Seat an executive on the advisory committee")
    return _simple_form(request, form, save, title=title, back=reverse(COMMITTEE))


@login_required
@permissions.capability_required(permissions.may_run_sponsorship)
@require_POST
def advisory_member_remove(request: AuthedRequest, member_id: int) -> HttpResponse:
    member = get_object_or_404(AdvisoryMember, pk=member_id)
    services.advisory_member_remove(user=request.user, member=member)
    return redirect(COMMITTEE)


@login_required
@permissions.capability_required(permissions.may_run_sponsorship)
@require_http_methods(["GET", "POST"])
def advisory_meeting_add(request: AuthedRequest) -> HttpResponse:
    form = forms.AdvisoryMeetingForm(
        _post(request),
        members=selectors.advisory_member_list(),
        initial={"held_on": timezone.localdate()},
    )

    def save(data: dict[str, Any]) -> object:
        return services.advisory_meeting_create(user=request.user, **data)

    title = _("Record a meeting of the advisory committee")
    return _simple_form(request, form, save, title=title, back=reverse(COMMITTEE))


@login_required
@permissions.capability_required(permissions.may_run_sponsorship)
@require_http_methods(["GET", "POST"])
def advisory_meeting_edit(request: AuthedRequest, advisory_meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(AdvisoryMeeting, pk=advisory_meeting_id)
    initial = {name: getattr(meeting, name) for name in ("held_on", "title", "summary")}
    initial["attendees"] = list(meeting.attendees.all())
    form = forms.AdvisoryMeetingForm(
        _post(request), members=selectors.advisory_member_list(), initial=initial
    )

    def save(data: dict[str, Any]) -> object:
        return services.advisory_meeting_update(user=request.user, meeting=meeting, **data)

    title = _("Change a meeting of the advisory committee")
    return _simple_form(request, form, save, title=title, back=reverse(COMMITTEE))


@login_required
@permissions.capability_required(permissions.may_run_sponsorship)
@require_POST
def advisory_meeting_delete(request: AuthedRequest, advisory_meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(AdvisoryMeeting, pk=advisory_meeting_id)
    services.advisory_meeting_delete(user=request.user, meeting=meeting)
    return redirect(COMMITTEE)


def _topic_owners() -> Any:
    return User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")


@login_required
@permissions.capability_required(permissions.may_run_sponsorship)
@require_http_methods(["GET", "POST"])
def advisory_topic_add(request: AuthedRequest, advisory_meeting_id: int) -> HttpResponse:
    meeting = get_object_or_404(AdvisoryMeeting, pk=advisory_meeting_id)
    form = forms.AdvisoryTopicForm(
        _post(request),
        members=selectors.advisory_member_list(),
        owners=_topic_owners(),
        initial={"status": AdvisoryTopic.Status.OPEN},
    )

    def save(data: dict[str, Any]) -> object:
        return services.advisory_topic_add(user=request.user, meeting=meeting, **data)

    title = _("A topic raised on %(date)s") % {"date": meeting.held_on}
    return _simple_form(request, form, save, title=title, back=reverse(COMMITTEE))


@login_required
@permissions.capability_required(permissions.may_run_sponsorship)
@require_http_methods(["GET", "POST"])
def advisory_topic_edit(request: AuthedRequest, topic_id: int) -> HttpResponse:
    topic = get_object_or_404(AdvisoryTopic, pk=topic_id)
    initial = {name: getattr(topic, name) for name in services.TOPIC_FIELDS}
    form = forms.AdvisoryTopicForm(
        _post(request),
        members=selectors.advisory_member_list(),
        owners=_topic_owners(),
        initial=initial,
    )

    def save(data: dict[str, Any]) -> object:
        return services.advisory_topic_update(user=request.user, topic=topic, **data)

    title = _("What we do about “%(topic)s”") % {"topic": topic.topic}
    return _simple_form(request, form, save, title=title, back=reverse(COMMITTEE))


@login_required
@permissions.capability_required(permissions.may_run_sponsorship)
@require_POST
def advisory_topic_delete(request: AuthedRequest, topic_id: int) -> HttpResponse:
    topic = get_object_or_404(AdvisoryTopic, pk=topic_id)
    services.advisory_topic_delete(user=request.user, topic=topic)
    return redirect(COMMITTEE)


# --- recognitions ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def recognition_list(request: AuthedRequest) -> TemplateResponse:
    """The awards and recognitions given to the programme's people and teams, by year."""
    years = selectors.recognition_years()
    year_text = request.GET.get("year", "")
    year = int(year_text) if year_text.isdigit() and int(year_text) in years else None
    recognitions = selectors.recognitions_for_year(year) if year else selectors.recognition_list()
    context = {
        "recognitions": recognitions,
        "years": years,
        "year": year,
        "can_run": permissions.may_run_sponsorship(request.user),
        "tab": "recognitions",
    }
    return TemplateResponse(request, "planning/recognition_list.html", context)


RECOGNITIONS = "planning:recognition_list"


def _people() -> Any:
    return User.objects.filter(is_active=True).order_by("last_name", "first_name", "username")


@login_required
@permissions.capability_required(permissions.may_run_sponsorship)
@require_http_methods(["GET", "POST"])
def recognition_add(request: AuthedRequest) -> HttpResponse:
    form = forms.RecognitionForm(
        _post(request), people=_people(), initial={"awarded_on": timezone.localdate()}
    )

    def save(data: dict[str, Any]) -> object:
        return services.recognition_create(user=request.user, **data)

    title = _("Recognise a person or a team")
    return _simple_form(request, form, save, title=title, back=reverse(RECOGNITIONS))


@login_required
@permissions.capability_required(permissions.may_run_sponsorship)
@require_http_methods(["GET", "POST"])
def recognition_edit(request: AuthedRequest, recognition_id: int) -> HttpResponse:
    recognition = get_object_or_404(Recognition, pk=recognition_id)
    initial = {name: getattr(recognition, name) for name in services.RECOGNITION_FIELDS}
    form = forms.RecognitionForm(_post(request), people=_people(), initial=initial)

    def save(data: dict[str, Any]) -> object:
        return services.recognition_update(user=request.user, recognition=recognition, **data)

    title = _("Change a recognition")
    return _simple_form(request, form, save, title=title, back=reverse(RECOGNITIONS))


@login_required
@permissions.capability_required(permissions.may_run_sponsorship)
@require_POST
def recognition_delete(request: AuthedRequest, recognition_id: int) -> HttpResponse:
    recognition = get_object_or_404(Recognition, pk=recognition_id)
    services.recognition_delete(user=request.user, recognition=recognition)
    return redirect(RECOGNITIONS)
