"""HTML pages for the selection of key accounts: the ranking and one client's explanation.
Who sees which client is the selectors' business: a hidden client is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import forms as client_forms
from kam.types import AuthedRequest
from scoring import forms, ranking, selectors, services
from scoring.models import LEVELS, Criterion, ScoringRun


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


# --- weights and criteria catalogue (directors) -------------------------------------------------


def _directors_only(request: AuthedRequest) -> None:
    """Weights and criteria are the directors' pages: anyone else gets a 404."""
    if not request.user.sees_all_clients:
        raise Http404


@login_required
@require_http_methods(["GET", "POST"])
def weights(request: AuthedRequest) -> HttpResponse:
    _directors_only(request)
    in_force = selectors.weights_in_force()
    form = forms.WeightsForm(request.POST or None, in_force=in_force)
    # A form sent back keeps the version it was based on, so a stale edit is still caught.
    base_version = form["base_version"].value() if form.is_bound else in_force.version
    stale = False
    if form.is_valid():
        try:
            weight_set = services.weight_set_update(user=request.user, **form.service_data())
        except ValidationError as error:
            stale = not hasattr(error, "error_dict") and any(
                item.code == services.STALE_WEIGHTS for item in error.error_list
            )
            client_forms.add_service_error(form, error)
            if stale:  # the values stay; saving them again replaces the newer version knowingly
                base_version = in_force.version
        else:
            messages.success(
                request,
                _("Version %(version)s of the weights is saved; the scores are being recomputed.")
                % {"version": weight_set.version},
            )
            return redirect("scoring:weights")
    context = {
        "form": form,
        "in_force": in_force,
        "weight_set": in_force.weight_set,
        "base_version": base_version,
        "stale": stale,
    }
    return TemplateResponse(request, "scoring/weights.html", context)


@login_required
@require_http_methods(["POST"])
def weights_what_if(request: AuthedRequest) -> HttpResponse:
    _directors_only(request)
    form = forms.WeightsPreviewForm(request.POST, in_force=selectors.weights_in_force())
    moves: list[services.WhatIfMove] = []
    if form.is_valid():
        try:
            moves = services.weights_what_if(user=request.user, **form.weights())
        except ValidationError as error:
            client_forms.add_service_error(form, error)
    context = {
        "preview_form": form,
        "moves": moves,
        "movers": sum(1 for move in moves if move.move),
    }
    return TemplateResponse(request, "scoring/weights.html#what-if", context)


@login_required
@require_http_methods(["GET"])
def weight_set_list(request: AuthedRequest) -> HttpResponse:
    _directors_only(request)
    context = {"changes": selectors.weight_set_changes()}
    return TemplateResponse(request, "scoring/weight_set_list.html", context)


@login_required
@require_http_methods(["GET"])
def criterion_list(request: AuthedRequest) -> HttpResponse:
    _directors_only(request)
    in_force = selectors.weights_in_force()
    criteria = list(selectors.criterion_list(include_inactive=True))
    labels = dict(Criterion.Family.choices)
    families = [
        {
            "family": family,
            "label": labels[family],
            "weight": in_force.family_weights[family],
            "criteria": [
                {
                    "criterion": criterion,
                    "weight": in_force.criterion_weights.get(criterion.code),
                    "thresholds": forms.thresholds_text(criterion.thresholds),
                    "met_pct": 100 * criterion.met_threshold,
                    "rubric": [(level, criterion.rubric.get(level, "")) for level in LEVELS],
                }
                for criterion in criteria
                if criterion.family == family
            ],
        }
        for family in ranking.FAMILIES
    ]
    context = {"families": families, "weight_set": in_force.weight_set}
    return TemplateResponse(request, "scoring/criterion_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def criterion_create(request: AuthedRequest) -> HttpResponse:
    _directors_only(request)
    form = forms.CriterionForm(request.POST or None, family=request.GET.get("family", ""))
    if form.is_valid():
        try:
            criterion = services.criterion_create(user=request.user, **form.service_data())
        except ValidationError as error:
            client_forms.add_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(criterion)s is added. It weighs 0 until you give it a weight in the weights.")
                % {"criterion": criterion.name},
            )
            return redirect("scoring:criterion_list")
    return TemplateResponse(request, "scoring/criterion_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def criterion_update(request: AuthedRequest, criterion_id: int) -> HttpResponse:
    _directors_only(request)
    criterion = get_object_or_404(selectors.criterion_list(include_inactive=True), pk=criterion_id)
    form = forms.CriterionForm(request.POST or None, criterion=criterion)
    if form.is_valid():
        try:
            criterion = services.criterion_update(
                user=request.user, criterion=criterion, **form.service_data()
            )
        except ValidationError as error:
            client_forms.add_service_error(form, error)
        else:
            messages.success(request, _("%(criterion)s is saved.") % {"criterion": criterion.name})
            return redirect("scoring:criterion_list")
    context = {"form": form, "criterion": criterion}
    return TemplateResponse(request, "scoring/criterion_form.html", context)
