"""The plans a user sees, opening a plan for a key account, and the plan page's frame. Which
plans a user sees is ``planning.selectors.plans``' business (a hidden plan is a 404); what their
role may do is ``kam.permissions``' (a 403 saying why)."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import selectors as account_selectors
from kam import permissions
from kam.types import AuthedRequest
from planning import forms
from planning.models import Plan
from planning.selectors import approval as approval_selectors
from planning.selectors import health
from planning.selectors import plans as selectors
from planning.services import plans as services
from planning.views import sections
from scoring.selectors import shortlist as shortlist_selectors

TEMPLATE = "planning/plan_detail.html"


@login_required
@require_http_methods(["GET"])
def plan_list(request: AuthedRequest) -> TemplateResponse:
    """Plans by account; for a director, the key accounts of the year still without a plan."""
    plans = list(selectors.plan_list(user=request.user).select_related("owner"))
    context: dict[str, object] = {"plans": plans, "form": None, "unplanned": []}
    if permissions.may_open_plan(request.user):
        programme = shortlist_selectors.programme_list().first()
        if programme is not None:
            planned = {plan.client_id for plan in plans if plan.programme_id == programme.pk}
            ids = selectors.key_account_ids(programme=programme) - planned
            unplanned = account_selectors.client_list(user=request.user).filter(pk__in=ids)
            context["unplanned"] = list(unplanned)
            context["programme"] = programme
            context["form"] = forms.PlanOpenForm(programme=programme, clients=unplanned)
    return TemplateResponse(request, "planning/plan_list.html", context)


@login_required
@permissions.capability_required(permissions.may_open_plan)
@require_http_methods(["POST"])
def plan_open(request: AuthedRequest) -> HttpResponse:
    programme = shortlist_selectors.programme_list().first()
    if programme is None:
        messages.error(request, _("Set a programme year and confirm its shortlist first."))
        return redirect("planning:plan_list")
    clients = account_selectors.client_list(user=request.user)
    form = forms.PlanOpenForm(request.POST, programme=programme, clients=clients)
    if form.is_valid():
        client = get_object_or_404(clients, pk=form.cleaned_data["client"].pk)
        try:
            plan = services.plan_open(
                user=request.user,
                client=client,
                programme=programme,
                period_start=form.cleaned_data["period_start"],
                period_end=form.cleaned_data["period_end"],
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The plan of %(client)s is open.") % {"client": client})
            return redirect(plan)
    context = {"plans": [], "form": form, "unplanned": [], "programme": programme}
    return TemplateResponse(request, "planning/plan_list.html", context, status=400)


def _approval_part(request: AuthedRequest, plan: Plan) -> TemplateResponse:
    """The header's status badge after a write changed the plan's status (an approved plan's
    first edit starts a draft), with the approval card (``?review=1``) swapped out of band."""
    context: dict[str, Any] = {"plan": plan, "oob": True}
    if request.GET.get("review"):
        context["review"] = review = approval_selectors.plan_review(user=request.user, plan=plan)
        if review.can_review:
            context["return_form"] = forms.PlanReturnForm(
                targets=approval_selectors.comment_targets(plan)
            )
    return TemplateResponse(request, "planning/plan_header.html#plan-approval", context)


@login_required
@require_http_methods(["GET"])
def plan_detail(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """The plan's sections, the Actions section showing its first page of objectives' actions
    (``?page=N``: its first N pages; ``?objective=ID``: up to that objective's actions); with
    htmx and ``?section=`` (vision, swot, work, offers), that section alone (a form's
    "cancel"), and with htmx and ``?page=N`` the Actions section's page N alone (the page
    scrolled to the end of the previous one), a 404 for a page the plan does not have."""
    plan = selectors.plan_get(user=request.user, plan_id=plan_id)
    section = request.GET.get("section", "")
    pages, through = sections.work_pages_asked(request)
    if request.htmx and request.GET.get("part") == "approval":
        return _approval_part(request, plan)
    if request.htmx and section == "work":
        context = sections.page_context(request, plan, work=False)
        return HttpResponse(sections.work_html(request, context, pages=pages, through=through))
    if request.htmx and section in sections.SECTIONS:
        context = sections.page_context(request, plan)
        return TemplateResponse(request, f"{TEMPLATE}#section-{section}", context)
    if request.htmx and "page" in request.GET:
        context = sections.page_context(request, plan, work=False)
        html = sections.work_page_html(request, context, pages)
        if html is None or str(pages) != request.GET["page"]:
            raise Http404(_("This plan has no such page of actions."))
        return HttpResponse(html)
    context = sections.page_context(request, plan, work=False)  # 500 actions: from the cache
    context["work_html"] = sections.work_html(request, context, pages=pages, through=through)
    # after the objectives and actions: when they were not cached, the health reuses their read
    context["health"] = health.plan_health(plan, today=context["today"], page=context["page"])
    context["review"] = review = approval_selectors.plan_review(user=request.user, plan=plan)
    if review.can_review:
        context["return_form"] = forms.PlanReturnForm(
            targets=approval_selectors.comment_targets(plan)
        )
    return TemplateResponse(request, TEMPLATE, context)
