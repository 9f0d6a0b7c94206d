"""HTML pages for the selection of key accounts: the ranking and one client's explanation.
Who sees which client is the selectors' business: a hidden client is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kam.types import AuthedRequest
from scoring import selectors, services
from scoring.models import ScoringRun


@login_required
@require_http_methods(["GET"])
def scoring_ranking(request: AuthedRequest) -> HttpResponse:
    context = {
        "rows": selectors.ranking_rows(selectors.ranking_latest(user=request.user)),
        "run": selectors.scoring_run_latest(),
        "latest": selectors.scoring_run_latest(any_status=True),
        "can_recompute": request.user.sees_all_clients,
    }
    return TemplateResponse(request, "scoring/ranking.html", context)


@login_required
@require_http_methods(["POST"])
def scoring_recompute(request: AuthedRequest) -> HttpResponse:
    if not request.user.sees_all_clients:
        raise Http404
    services.scores_recompute_request(trigger=ScoringRun.Trigger.MANUAL)
    messages.success(request, _("Recompute requested."))
    return redirect("scoring:ranking")


@login_required
@require_http_methods(["GET"])
def client_explanation(request: AuthedRequest, client_id: int) -> HttpResponse:
    explanation = selectors.client_explanation(user=request.user, client_id=client_id)
    if explanation is None:
        raise Http404
    most = max((abs(score.points) for score in explanation.criteria), default=0.0)
    bars = [
        {"score": score, "width": 100 * abs(score.points) / most if most else 0}
        for score in explanation.criteria
    ]
    context = {
        "explanation": explanation,
        "score": explanation.score,
        "company": explanation.score.client,
        "bars": bars,
        "history": selectors.client_rank_history(client_id=client_id),
        "stability_pct": 100 * explanation.score.stability,
    }
    return TemplateResponse(request, "scoring/client_explanation.html", context)
