"""Good practices: searched and browsed by everyone in the programme, captured from a plan, a
meeting or an investment project the author sees, changed by their author or a director; and a
plan's section listing the practices it reuses."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam import permissions
from kam.types import AuthedRequest
from planning import forms
from planning.models import Meeting, Practice, PracticeReuse
from planning.selectors import practices as selectors
from planning.selectors import projects as project_selectors
from planning.selectors.plans import plan_for_edit, plan_get, plan_list
from planning.services import practices as services
from planning.views import sections


@login_required
@require_http_methods(["GET"])
def practice_list(request: AuthedRequest) -> TemplateResponse:
    """Search and browse: ranked and highlighted results, ten a page; htmx asks for the results
    alone as the user types."""
    search = forms.PracticeSearchForm(request.GET)
    data = search.cleaned_data if search.is_valid() else {}
    results = selectors.practice_search_page(
        user=request.user,
        text=data.get("q", ""),
        tag=data.get("tag", ""),
        number=request.GET.get("page", 1),
    )
    context = {"search": search, "results": results, "tags": selectors.tag_counts()}
    partial = "#practice-results" if request.htmx else ""
    return TemplateResponse(request, f"planning/practice_list.html{partial}", context)


@login_required
@require_http_methods(["GET"])
def practice_detail(request: AuthedRequest, practice_id: int) -> TemplateResponse:
    practice = selectors.practice_get(user=request.user, practice_id=practice_id)
    visible = plan_list(user=request.user).values("pk")
    reuses = practice.reuses.filter(plan__in=visible).select_related("plan__client")
    context = {
        "practice": practice,
        "reuses": reuses,
        "hidden_reuses": practice.reuse_count - len(reuses),  # type: ignore[attr-defined]
        "can_edit": permissions.may_edit_practice(request.user, practice),
    }
    return TemplateResponse(request, "planning/practice_detail.html", context)


def _practice_form(request: AuthedRequest, **kwargs: Any) -> forms.PracticeForm:
    plans = plan_list(user=request.user).order_by("client__name", "-period_start")
    meetings = (
        Meeting.objects.filter(plan__in=plans.values("pk"))
        .select_related("plan__client")
        .order_by("-date", "-pk")[:200]
    )
    projects = (
        project_selectors.project_list(user=request.user)
        .prefetch_related(None)
        .order_by("plan__client__name", "title", "pk")
    )
    return forms.PracticeForm(
        request.POST if request.method == "POST" else None,
        plans=plans,
        projects=projects,
        meetings=Meeting.objects.filter(pk__in=[m.pk for m in meetings])
        .select_related("plan__client")
        .order_by("-date", "-pk"),
        **kwargs,
    )


def _save(request: AuthedRequest, form: forms.PracticeForm, save: Any, title: str) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            practice = save(form.cleaned_data)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            return redirect(practice)
    context = {"form": form, "form_title": title, "back": request.GET.get("back", "")}
    return TemplateResponse(request, "planning/practice_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def practice_add(request: AuthedRequest) -> HttpResponse:
    """Capture a practice; ``?plan=``, ``?meeting=`` or ``?project=`` names where it comes
    from."""
    initial: dict[str, Any] = {}
    if request.GET.get("project", "").isdigit():
        initial["source_project"] = request.GET["project"]
    if request.GET.get("plan", "").isdigit():
        initial["source_plan"] = request.GET["plan"]
    if request.GET.get("meeting", "").isdigit():
        initial["source_meeting"] = request.GET["meeting"]
    form = _practice_form(request, initial=initial)

    def save(data: dict[str, Any]) -> Practice:
        return services.practice_create(user=request.user, **data)

    return _save(request, form, save, _("Share a good practice"))


def _practice(request: AuthedRequest, practice_id: int) -> Practice:
    practice = selectors.practice_get(user=request.user, practice_id=practice_id)
    permissions.require(permissions.may_edit_practice, request.user, practice)
    return practice


@login_required
@require_http_methods(["GET", "POST"])
def practice_edit(request: AuthedRequest, practice_id: int) -> HttpResponse:
    practice = _practice(request, practice_id)
    fields = (
        "title", "context", "what_worked", "evidence", "source_plan", "source_meeting",
        "source_project",
    )  # fmt: skip
    initial: dict[str, Any] = {name: getattr(practice, name) for name in fields}
    initial["tags"] = ", ".join(practice.tags)
    form = _practice_form(request, initial=initial)

    def save(data: dict[str, Any]) -> Practice:
        if not practice.source_visible:  # type: ignore[attr-defined]
            sources = ("source_plan", "source_meeting", "source_project")
            data = {k: v for k, v in data.items() if k not in sources}
        return services.practice_update(user=request.user, practice=practice, **data)

    return _save(request, form, save, _("Change a good practice"))


@login_required
@require_POST
def practice_delete(request: AuthedRequest, practice_id: int) -> HttpResponse:
    practice = _practice(request, practice_id)
    services.practice_delete(user=request.user, practice=practice)
    return redirect("planning:practice_list")


# --- 7. practices the plan reuses (a plan section) ------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def practice_reuse_add(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = plan_for_edit(user=request.user, plan_id=plan_id)
    initial = (
        {"practice": request.GET["practice"]} if request.GET.get("practice", "").isdigit() else {}
    )
    form = forms.PracticeReuseForm(
        request.POST if request.method == "POST" else None,
        practices=selectors.reuse_choices(plan=plan),
        initial=initial,
    )

    def save(data: dict[str, Any]) -> object:
        return services.practice_reuse_add(user=request.user, plan=plan, **data)

    return sections._edit(
        request, plan, form, save,
        section="practices", form_id="practice-reuse-form", title=_("We reuse a good practice"),
    )  # fmt: skip


@login_required
@require_POST
def practice_reuse_remove(request: AuthedRequest, reuse_id: int) -> HttpResponse:
    visible = plan_list(user=request.user).values("pk")
    reuse = get_object_or_404(PracticeReuse.objects.filter(plan__in=visible), pk=reuse_id)
    reuse.plan = plan_get(user=request.user, plan_id=reuse.plan_id)
    permissions.require(permissions.may_edit_plan, request.user, reuse.plan)
    services.practice_reuse_remove(user=request.user, reuse=reuse)
    return sections.section_response(request, reuse.plan, "practices")
