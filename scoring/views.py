"""HTML pages for the selection of key accounts: the ranking and one client's explanation.
Who sees which client is the selectors' business: a hidden client is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts import selectors as client_selectors
from accounts.forms import add_service_error
from kam import charts
from kam.templatetags.kam import number
from kam.types import AuthedRequest
from scoring import forms, selectors, services
from scoring.models import SHORTLIST_CONFIRM_ABOVE, SHORTLIST_RECOMMENDED, Programme, ScoringRun


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


# --- overrides ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def override_edit(request: AuthedRequest, client_id: int) -> HttpResponse:
    if not request.user.sees_all_clients:
        raise Http404
    explanation = selectors.client_explanation(user=request.user, client_id=client_id)
    if explanation is None:
        raise Http404
    company = explanation.score.client
    form = forms.OverrideForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            services.override_set(user=request.user, client=company, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Override of %(client)s saved.") % {"client": company})
            return redirect("scoring:client_explanation", company.pk)
    context = {"form": form, "company": company, "explanation": explanation}
    return TemplateResponse(request, "scoring/override_form.html", context)


@login_required
@require_http_methods(["POST"])
def override_clear(request: AuthedRequest, client_id: int) -> HttpResponse:
    if not request.user.sees_all_clients:
        raise Http404
    company = get_object_or_404(client_selectors.client_list(user=request.user), pk=client_id)
    services.override_clear(user=request.user, client=company)
    messages.success(request, _("Override of %(client)s withdrawn.") % {"client": company})
    return redirect("scoring:client_explanation", company.pk)


# --- programme, cost to serve and shortlist --------------------------------------------------


def _director(request: AuthedRequest) -> None:
    if not request.user.sees_all_clients:
        raise Http404


@login_required
@require_http_methods(["GET"])
def shortlist_current(request: AuthedRequest) -> HttpResponse:
    _director(request)
    programme = selectors.programme_list().first()
    year = programme.year if programme else timezone.localdate().year
    return redirect("scoring:shortlist_detail", year)


@login_required
@require_http_methods(["GET"])
def shortlist_detail(request: AuthedRequest, year: int) -> HttpResponse:
    _director(request)
    programme = selectors.programme_list().filter(year=year).first()
    if programme is None:
        message = _("Set the budget of %(year)s before choosing its key accounts.")
        messages.info(request, message % {"year": year})
        return redirect("scoring:programme_edit", year)
    return _shortlist_page(request, programme, form=forms.ShortlistConfirmForm())


def _shortlist_page(
    request: AuthedRequest,
    programme: Programme,
    *,
    form: forms.ShortlistConfirmForm,
    error: ValidationError | None = None,
    status: int = 200,
) -> TemplateResponse:
    board = selectors.shortlist_board(user=request.user, programme=programme)
    chosen = {row.client.pk for row in board.chosen}
    points = [
        charts.MatrixPoint(
            label=row.client.name,
            attractiveness=row.attractiveness,
            maturity=row.maturity,
            highlighted=row.client.pk in chosen,
            detail=_("rank %(rank)s, score %(score)s")
            % {"rank": row.score.rank, "score": number(row.score.total, 1)},
            href=reverse("scoring:client_explanation", args=[row.client.pk]),
        )
        for row in [*board.chosen, *board.candidates]
        if row.score is not None and row.attractiveness is not None and row.maturity is not None
    ]
    context = {
        "board": board,
        "programme": programme,
        "form": form,
        "error": error,
        "matrix": mark_safe(portfolio_matrix_svg(points)),  # the chart escapes what it writes
        "years": selectors.programme_list().values_list("year", flat=True),
        "decisions": selectors.shortlist_decision_list(programme=programme)[:10],
        "recommended": SHORTLIST_RECOMMENDED,
        "confirm_above": SHORTLIST_CONFIRM_ABOVE,
    }
    partial = "#shortlist-board" if request.headers.get("HX-Request") else ""
    return TemplateResponse(request, f"scoring/shortlist.html{partial}", context, status=status)


def portfolio_matrix_svg(points: list[charts.MatrixPoint]) -> str:
    """The portfolio matrix with its labels in the active language."""
    return charts.portfolio_matrix(
        points,
        title=_("Portfolio matrix"),
        x_label=_("Attractiveness (financial + strategic), out of 100"),
        y_label=_("Maturity of the relationship, out of 100"),
        quadrant_labels=(
            _("Serve efficiently"),
            _("Develop the relationship"),
            _("Maintain"),
            _("Key account potential"),
        ),
        legend=(_("Shortlisted"), _("Other clients")),
        empty_label=_("No scores yet"),
    )


def _shortlist_change(request: AuthedRequest, year: int, *, add: bool) -> HttpResponse:
    _director(request)
    programme = get_object_or_404(selectors.programme_list(), year=year)
    client_id = request.POST.get("client", "")
    if not client_id.isdigit():
        raise Http404
    company = get_object_or_404(client_selectors.client_list(user=request.user), pk=client_id)
    error = None
    try:
        if add:
            services.shortlist_add(user=request.user, programme=programme, client=company)
        else:
            services.shortlist_remove(user=request.user, programme=programme, client=company)
    except ValidationError as refused:
        error = refused
    if request.headers.get("HX-Request"):
        return _shortlist_page(request, programme, form=forms.ShortlistConfirmForm(), error=error)
    if error is not None:
        for message in error.messages:
            messages.error(request, message)
    return redirect("scoring:shortlist_detail", year)


@login_required
@require_http_methods(["POST"])
def shortlist_add(request: AuthedRequest, year: int) -> HttpResponse:
    return _shortlist_change(request, year, add=True)


@login_required
@require_http_methods(["POST"])
def shortlist_remove(request: AuthedRequest, year: int) -> HttpResponse:
    return _shortlist_change(request, year, add=False)


@login_required
@require_http_methods(["POST"])
def shortlist_confirm(request: AuthedRequest, year: int) -> HttpResponse:
    _director(request)
    programme = get_object_or_404(selectors.programme_list(), year=year)
    form = forms.ShortlistConfirmForm(request.POST)
    if form.is_valid():
        try:
            decision = services.shortlist_confirm(
                user=request.user, programme=programme, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Shortlist of %(year)s confirmed: %(count)s key account.",
                    "Shortlist of %(year)s confirmed: %(count)s key accounts.",
                    len(decision.client_ids),
                )
                % {"year": year, "count": len(decision.client_ids)},
            )
            return redirect("scoring:shortlist_detail", year)
    return _shortlist_page(request, programme, form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: AuthedRequest, year: int) -> HttpResponse:
    _director(request)
    if not 2000 <= year <= 2100:
        raise Http404
    programme = selectors.programme_list().filter(year=year).first()
    form = forms.ProgrammeForm(
        request.POST if request.method == "POST" else None, programme=programme
    )
    if form.is_valid():
        try:
            services.programme_save(user=request.user, year=year, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Programme %(year)s saved.") % {"year": year})
            return redirect("scoring:shortlist_detail", year)
    context = {"form": form, "programme": programme, "year": year}
    return TemplateResponse(request, "scoring/programme_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def cost_to_serve_edit(request: AuthedRequest, client_id: int) -> HttpResponse:
    _director(request)
    company = get_object_or_404(client_selectors.client_list(user=request.user), pk=client_id)
    cost = selectors.cost_to_serve_for(client=company)
    form = forms.CostToServeForm(request.POST if request.method == "POST" else None, cost=cost)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if form.is_valid():
        try:
            services.cost_to_serve_set(user=request.user, client=company, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Cost to serve of %(client)s saved.") % {"client": company})
            return redirect(back or reverse("scoring:client_explanation", args=[company.pk]))
    context = {"form": form, "company": company, "cost": cost, "next": back}
    return TemplateResponse(request, "scoring/cost_to_serve_form.html", context)
