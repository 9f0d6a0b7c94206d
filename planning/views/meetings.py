"""The meetings of a plan: the cadences agreed with the customer, their compliance, the meeting
log and its decisions, and the calendar."""

from django.contrib.auth.decorators import login_required
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from kam import permissions
from kam.types import AuthedRequest
from planning.selectors import plans as plan_selectors


@login_required
@require_http_methods(["GET"])
def plan_meetings(request: AuthedRequest, plan_id: int) -> TemplateResponse:
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    context = {
        "plan": plan,
        "can_edit": permissions.may_edit_plan(request.user, plan),
        "tab": "meetings",
    }
    return TemplateResponse(request, "planning/plan_meetings.html", context)
