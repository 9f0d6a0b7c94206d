"""A plan's approval in the browser: submit, approve, return with comments (buttons and forms
in the plan's header), the comments marked resolved, the versions and what changed between two
of them. Rules are ``planning.services.approval``'s; a refused role is a 403 saying why."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam import permissions
from kam.types import AuthedRequest
from planning import forms
from planning.models import ReviewComment
from planning.selectors import approval as selectors
from planning.selectors import plans as plan_selectors
from planning.selectors import reports as report_selectors
from planning.selectors import versions as version_selectors
from planning.services import approval as services


def _error(request: AuthedRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


@login_required
@require_POST
def plan_submit(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    permissions.require(permissions.may_submit_plan, request.user, plan)
    try:
        services.plan_submit(user=request.user, plan=plan)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("The plan is submitted: a director will review it."))
    return redirect(plan)


@login_required
@require_POST
def plan_approve(request: AuthedRequest, plan_id: int) -> HttpResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    permissions.require(permissions.may_review_plan, request.user, plan)
    try:
        version = services.plan_approve(user=request.user, plan=plan)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(
            request,
            _("The plan is approved: version %(number)s is frozen.") % {"number": version.number},
        )
    return redirect(plan)


@login_required
@require_http_methods(["GET", "POST"])
def plan_return(request: AuthedRequest, plan_id: int) -> HttpResponse:
    """The form of the director's comments (also in the plan's header), and returning the plan
    with them."""
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    permissions.require(permissions.may_review_plan, request.user, plan)
    data = request.POST if request.method == "POST" else None
    form = forms.PlanReturnForm(data, targets=selectors.comment_targets(plan))
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_return(
                user=request.user, plan=plan, comments=form.cleaned_data["comments"]
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The plan is returned to its key account manager."))
            return redirect(plan)
    context = {"plan": plan, "form": form, "tab": "plan"}
    return TemplateResponse(request, "planning/plan_return.html", context)


@login_required
@require_POST
def review_comment_resolve(request: AuthedRequest, comment_id: int) -> HttpResponse:
    visible = plan_selectors.plan_list(user=request.user).values("pk")
    comment = get_object_or_404(
        ReviewComment.objects.select_related("submission__plan__client"),
        submission__plan__in=visible,
        pk=comment_id,
    )
    plan = comment.submission.plan
    permissions.require(permissions.may_edit_plan, request.user, plan)
    try:
        services.review_comment_resolve(
            user=request.user, comment=comment, resolved=request.POST.get("resolved") != "0"
        )
    except ValidationError as error:
        _error(request, error)
    return redirect(f"{plan.get_absolute_url()}#plan-review")


@login_required
@require_http_methods(["GET"])
def plan_versions(request: AuthedRequest, plan_id: int) -> TemplateResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    versions = list(version_selectors.version_list(plan=plan))
    context = {
        "plan": plan,
        "versions": versions,
        "review": selectors.plan_review(user=request.user, plan=plan),
        "choices": _choices(versions),
        "old": str(versions[1].number) if len(versions) > 1 else "",
        "new": str(versions[0].number) if versions else version_selectors.DRAFT,
        "tab": "versions",
        "pdf_rows": report_selectors.plan_pdf_rows(
            plan=plan, versions=versions, branding=report_selectors.branding_revision()
        ),
        "languages": report_selectors.languages(get_language()),
        "poll_seconds": 1,
    }
    return TemplateResponse(request, "planning/plan_versions.html", context)


def _choices(versions: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(version_selectors.DRAFT, _("The plan as it is now"))] + [
        (str(version.number), _("Version %(number)s") % {"number": version.number})
        for version in versions
    ]


@login_required
@require_http_methods(["GET"])
def plan_version_diff(request: AuthedRequest, plan_id: int) -> TemplateResponse:
    """What changed between two versions (``old``, ``new``: numbers, or ``draft`` for the plan
    as it is now); by default the latest version and the plan now."""
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    versions = list(version_selectors.version_list(plan=plan))
    old = request.GET.get("old") or version_selectors.latest_ref(plan=plan)
    new = request.GET.get("new") or version_selectors.DRAFT
    sections = version_selectors.plan_diff(plan=plan, old=old, new=new)
    context = {
        "plan": plan,
        "versions": versions,
        "choices": _choices(versions),
        "old": old,
        "new": new,
        "sections": sections,
        "tab": "versions",
    }
    return TemplateResponse(request, "planning/plan_version_diff.html", context)
