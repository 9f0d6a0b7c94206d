"""HTML pages for the selection of key accounts: the ranking and one client's explanation.
Who sees which client is the selectors' business: a hidden client is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kam.types import AuthedRequest
from scoring import ranking, selectors, services
from scoring.models import ClientScore, Override, ScoringRun


def ranking_rows(scores: QuerySet[ClientScore]) -> list[ClientScore]:
    """The rows of a ranking, each with ``stability_label``, ``stability_pct`` and its active
    override (with its author) as ``active_override``: one query for the scores, one for the
    overrides, whatever the number of rows."""
    rows = list(
        scores.prefetch_related(
            Prefetch(
                "client__overrides",
                queryset=Override.objects.filter(is_active=True).select_related("author"),
                to_attr="active_overrides",
            )
        )
    )
    for row in rows:
        row.stability_label = ranking.stability_label(row.stability)  # type: ignore[attr-defined]
        row.stability_pct = 100 * row.stability  # type: ignore[attr-defined]
        overrides = row.client.active_overrides  # type: ignore[attr-defined]
        row.active_override = overrides[0] if overrides else None  # type: ignore[attr-defined]
    return rows


def rank_history(*, client_id: int) -> QuerySet[ClientScore]:
    """A client's rank in every successful run, latest first. Call it only for a client the user
    may see (``selectors.client_explanation`` says so)."""
    return (
        ClientScore.objects.filter(client_id=client_id, run__status=ScoringRun.Status.DONE)
        .select_related("run")
        .order_by("-run__started_at", "-run__pk")
    )


@login_required
@require_http_methods(["GET"])
def scoring_ranking(request: AuthedRequest) -> HttpResponse:
    context = {
        "rows": ranking_rows(selectors.ranking_latest(user=request.user)),
        "run": selectors.scoring_run_latest(),
        "latest": ScoringRun.objects.select_related("weight_set").first(),
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
        "history": rank_history(client_id=client_id),
        "stability_pct": 100 * explanation.score.stability,
    }
    return TemplateResponse(request, "scoring/client_explanation.html", context)
