"""A plan's audit history: who changed what in it, and when. Whoever sees the plan reads it
(``plan_get``: a 404 otherwise)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.template.response import TemplateResponse
from django.views.decorators.http import require_http_methods

from kam.types import AuthedRequest
from planning import forms
from planning.selectors import history as selectors
from planning.selectors import plans as plan_selectors


@login_required
@require_http_methods(["GET"])
def plan_history(request: AuthedRequest, plan_id: int) -> TemplateResponse:
    """Newest first, 50 a page; ``?kind=planning.Action`` and ``?person=<user id>`` filter it.
    With htmx, the rows alone."""
    plan = plan_selectors.plan_get(user=request.user, plan_id=plan_id)
    form = forms.HistoryFilterForm(
        request.GET,
        kinds=selectors.plan_history_kinds(),
        people=selectors.plan_history_people(plan=plan),
    )
    filters = form.filters()
    events = selectors.plan_history(plan=plan, **filters)
    page = Paginator(events, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "plan": plan,
        "tab": "history",
        "form": form,
        "page": page,
        "entries": selectors.plan_history_entries(page.object_list),
        "filtered": bool(filters["kind"] or filters["user_id"]),
    }
    partial = "#history-rows" if request.htmx else ""
    return TemplateResponse(request, f"planning/plan_history.html{partial}", context)
