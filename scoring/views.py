"""HTML pages for the selection of key accounts: the ranking and one client's explanation.
Who sees which client is the selectors' business: a hidden client is a 404."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts import selectors as client_selectors
from kam import charts, permissions
from kam.formats import number
from kam.forms import add_service_error
from kam.types import AuthedRequest
from scoring import export, forms, grid_cells, ranking, ranking_cells, selectors
from scoring.models import (
    LEVELS,
    SHORTLIST_CONFIRM_ABOVE,
    SHORTLIST_RECOMMENDED,
    Criterion,
    Programme,
    ScoringRun,
)
from scoring.services import criteria as criterion_services
from scoring.services import overrides, ratings, runs, selection
from scoring.services import weights as weight_services


@login_required
@require_http_methods(["GET"])
def scoring_ranking(request: AuthedRequest) -> HttpResponse:
    rows = selectors.ranking_rows(selectors.ranking_latest(user=request.user))
    context = {
        "rows": rows,
        "rows_html": ranking_cells.rows_html(rows, ranking_cells.RowContext.build()),
        "run": selectors.scoring_run_latest(),
        "latest": selectors.scoring_run_latest(any_status=True),
        "can_recompute": permissions.may_manage_programme(request.user),
    }
    return TemplateResponse(request, "scoring/ranking.html", context)


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["POST"])
def scoring_recompute(request: AuthedRequest) -> HttpResponse:
    runs.scores_recompute_request(trigger=ScoringRun.Trigger.MANUAL)
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
        "can_manage": permissions.may_manage_programme(request.user),
    }
    return TemplateResponse(request, "scoring/client_explanation.html", context)


# --- overrides ----------------------------------------------------------------------------------


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["GET", "POST"])
def override_edit(request: AuthedRequest, client_id: int) -> HttpResponse:
    explanation = selectors.client_explanation(user=request.user, client_id=client_id)
    if explanation is None:
        raise Http404
    company = explanation.score.client
    form = forms.OverrideForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            overrides.override_set(user=request.user, client=company, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Override of %(client)s saved.") % {"client": company})
            return redirect("scoring:client_explanation", company.pk)
    context = {"form": form, "company": company, "explanation": explanation}
    return TemplateResponse(request, "scoring/override_form.html", context)


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["POST"])
def override_clear(request: AuthedRequest, client_id: int) -> HttpResponse:
    company = get_object_or_404(client_selectors.client_list(user=request.user), pk=client_id)
    overrides.override_clear(user=request.user, client=company)
    messages.success(request, _("Override of %(client)s withdrawn.") % {"client": company})
    return redirect("scoring:client_explanation", company.pk)


# --- programme, cost to serve and shortlist --------------------------------------------------


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["GET"])
def shortlist_current(request: AuthedRequest) -> HttpResponse:
    programme = selectors.programme_list().first()
    year = programme.year if programme else timezone.localdate().year
    return redirect("scoring:shortlist_detail", year)


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["GET"])
def shortlist_detail(request: AuthedRequest, year: int) -> HttpResponse:
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
    programme = get_object_or_404(selectors.programme_list(), year=year)
    client_id = request.POST.get("client", "")
    if not client_id.isdigit():
        raise Http404
    company = get_object_or_404(client_selectors.client_list(user=request.user), pk=client_id)
    error = None
    try:
        if add:
            selection.shortlist_add(user=request.user, programme=programme, client=company)
        else:
            selection.shortlist_remove(user=request.user, programme=programme, client=company)
    except ValidationError as refused:
        error = refused
    if request.headers.get("HX-Request"):
        return _shortlist_page(request, programme, form=forms.ShortlistConfirmForm(), error=error)
    if error is not None:
        for message in error.messages:
            messages.error(request, message)
    return redirect("scoring:shortlist_detail", year)


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["POST"])
def shortlist_add(request: AuthedRequest, year: int) -> HttpResponse:
    return _shortlist_change(request, year, add=True)


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["POST"])
def shortlist_remove(request: AuthedRequest, year: int) -> HttpResponse:
    return _shortlist_change(request, year, add=False)


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["POST"])
def shortlist_confirm(request: AuthedRequest, year: int) -> HttpResponse:
    programme = get_object_or_404(selectors.programme_list(), year=year)
    form = forms.ShortlistConfirmForm(request.POST)
    if form.is_valid():
        try:
            decision = selection.shortlist_confirm(
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
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["GET", "POST"])
def programme_edit(request: AuthedRequest, year: int) -> HttpResponse:
    if not 2000 <= year <= 2100:
        raise Http404
    programme = selectors.programme_list().filter(year=year).first()
    form = forms.ProgrammeForm(
        request.POST if request.method == "POST" else None, programme=programme
    )
    if form.is_valid():
        try:
            selection.programme_save(user=request.user, year=year, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Programme %(year)s saved.") % {"year": year})
            return redirect("scoring:shortlist_detail", year)
    context = {"form": form, "programme": programme, "year": year}
    return TemplateResponse(request, "scoring/programme_form.html", context)


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["GET", "POST"])
def cost_to_serve_edit(request: AuthedRequest, client_id: int) -> HttpResponse:
    company = get_object_or_404(client_selectors.client_list(user=request.user), pk=client_id)
    cost = selectors.cost_to_serve_for(client=company)
    form = forms.CostToServeForm(request.POST if request.method == "POST" else None, cost=cost)
    back = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    if form.is_valid():
        try:
            selection.cost_to_serve_set(user=request.user, client=company, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Cost to serve of %(client)s saved.") % {"client": company})
            return redirect(back or reverse("scoring:client_explanation", args=[company.pk]))
    context = {"form": form, "company": company, "cost": cost, "next": back}
    return TemplateResponse(request, "scoring/cost_to_serve_form.html", context)


# --- selection grid -------------------------------------------------------------------------------


def _grid_cell_context(query: str = "") -> grid_cells.CellContext:
    """What every cell repeats, worked out once a page: its words, and its links split around
    the client id and criterion code."""
    client, code = "987654321", "criterion-code"
    before, after = reverse("scoring:client_explanation", args=[client]).split(client)
    rate_before, rate_after = reverse("scoring:grid_rating", args=[client, code]).split(client)
    rate_middle, rate_end = rate_after.split(code)
    labels = {
        "of": _("of"),
        "level": _("Level"),
        "met": _("met"),
        "unmet": _("not met"),
        "missing": _("missing"),
        "days": _("d"),
        "rate": _("Rate"),
        "note": _("note"),
        "pending": _("new: counts at the next computation"),
    }
    return grid_cells.CellContext(
        labels=labels,
        explanation_url=(before, after),
        rate_url=(rate_before, rate_middle, rate_end),
        query=query,
    )


def _grid_query(request: AuthedRequest) -> str:
    """The grid's sort as the request gives it, carried through an edit and back."""
    return urlencode(
        {key: request.GET[key][:60] for key in ("sort", "dir") if request.GET.get(key)}
    )


def _grid_page(
    request: AuthedRequest, *, form: tuple[int, int, str] | None = None
) -> dict[str, object]:
    """The whole grid, sorted as asked, and its header links: a click on a column sorts on it,
    a second click reverses the order. ``form`` (client id, criterion id, HTML) opens a rating
    form in that client's cell."""
    grid = selectors.grid_latest(
        user=request.user, sort=request.GET.get("sort", ""), direction=request.GET.get("dir", "")
    )

    def column(key: str, label: str, **extra: object) -> dict[str, object]:
        if key == grid.sort:
            current = "desc" if grid.descending else "asc"
            direction = "asc" if grid.descending else "desc"
        else:
            current, descending = "", selectors.grid_sort(key, "", criteria=grid.criteria)[1]
            direction = "desc" if descending else "asc"
        query = urlencode({"sort": key, "dir": direction})
        return {"key": key, "label": label, "query": query, "current": current, **extra}

    labels = {"rank": _("Rank"), "client": _("Client"), "total": _("Score /100")}
    fixed = [column(key, str(label), num=key != "client") for key, label in labels.items()]
    fixed.append(column("met", _("Criteria met"), num=True))
    criteria = [
        column(criterion.code, criterion.name, criterion=criterion) for criterion in grid.criteria
    ]
    query = urlencode({"sort": grid.sort, "dir": "desc" if grid.descending else "asc"})
    cells = _grid_cell_context(query)
    return {
        "grid": grid,
        "grid_rows_html": mark_safe(
            "".join(
                [
                    grid_cells.row_html(
                        row,
                        cells,
                        form=form[1:] if form is not None and form[0] == row.client_id else None,
                    )
                    for row in grid.rows
                ]
            )
        ),
        "fixed_columns": fixed,
        "criterion_columns": criteria,
        "query": query,
        "labels": cells.labels,
        "urls": {"explanation": cells.explanation_url},
    }


@login_required
@require_http_methods(["GET"])
def scoring_grid(request: AuthedRequest) -> HttpResponse:
    partial = "#grid-table" if request.headers.get("HX-Request") else ""
    return _grid_response(request, f"scoring/grid.html{partial}", _grid_page(request))


GRID_ROWS_MARK = "<!-- grid rows -->"  # the template's rows; client data cannot forge it: escaped


def _grid_response(
    request: AuthedRequest, template_name: str, page: dict[str, object]
) -> TemplateResponse:
    """The grid page, its rows put in once the rest is rendered.

    A few hundred clients make megabytes of rows. Passed through the template, each enclosing
    tag (block, if, partial, …) would copy them twice on its way out; put in place of a mark
    after rendering, they are copied once.
    """
    rows = str(page["grid_rows_html"]).encode()
    response = TemplateResponse(
        request, template_name, {**page, "grid_rows_html": mark_safe(GRID_ROWS_MARK)}
    )

    def put_rows(response: HttpResponse) -> None:
        response.content = response.content.replace(GRID_ROWS_MARK.encode(), rows, 1)

    response.add_post_render_callback(put_rows)
    return response


def _grid_cell(
    request: AuthedRequest, client_id: int, code: str
) -> tuple[selectors.GridRow, selectors.GridCell]:
    """A rated cell of a ranked client the user sees; anything else is a 404."""
    grid = selectors.grid_latest(user=request.user, client_id=client_id)
    if not grid.rows:
        raise Http404
    row = grid.rows[0]
    cell = next((cell for cell in row.cells if cell.criterion.code == code), None)
    if cell is None or not cell.criterion.is_rated:
        raise Http404
    return row, cell


@login_required
@require_http_methods(["GET"])
def scoring_grid_cell(request: AuthedRequest, client_id: int, code: str) -> HttpResponse:
    row, cell = _grid_cell(request, client_id, code)
    cell_html = grid_cells.cell_html(row, cell, _grid_cell_context(_grid_query(request)))
    return TemplateResponse(request, "scoring/grid.html#grid-cell", {"cell_html": cell_html})


@login_required
@require_http_methods(["GET", "POST"])
def scoring_grid_rating(request: AuthedRequest, client_id: int, code: str) -> HttpResponse:
    company = get_object_or_404(client_selectors.client_list(user=request.user), pk=client_id)
    row, cell = _grid_cell(request, client_id, code)
    permissions.require(permissions.may_rate_client, request.user, company)
    form = forms.RatingForm(
        request.POST if request.method == "POST" else None,
        criterion=cell.criterion,
        initial={"level": cell.level} if cell.level else None,
    )
    query = _grid_query(request)
    htmx = bool(request.headers.get("HX-Request"))
    if form.is_valid():
        try:
            ratings.rating_set(
                user=request.user,
                client=company,
                criterion=cell.criterion,
                level=form.cleaned_data["level"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            if not htmx:
                messages.success(
                    request,
                    _("Rating of %(client)s on %(criterion)s saved.")
                    % {"client": company, "criterion": cell.criterion},
                )
                return redirect(f"{reverse('scoring:grid')}?{query}" if query else "scoring:grid")
            row, cell = _grid_cell(request, client_id, code)
            cells = _grid_cell_context(query)
            cell_html = grid_cells.cell_html(row, cell, cells, saved=True)
            return TemplateResponse(
                request, "scoring/grid.html#grid-cell", {"cell_html": cell_html}
            )
    labels = _grid_cell_context(query).labels
    context = {"row": row, "cell": cell, "query": query, "form": form, "labels": labels}
    if htmx:
        return TemplateResponse(request, "scoring/grid.html#grid-cell", context)
    # without htmx, the whole grid with this cell's form open
    form_html = render_to_string("scoring/grid.html#grid-cell", context, request=request)
    page = _grid_page(request, form=(row.client_id, cell.criterion.pk, form_html))
    return _grid_response(request, "scoring/grid.html", page)


@login_required
@require_http_methods(["GET"])
def scoring_grid_export(request: AuthedRequest) -> HttpResponse:
    kind = request.GET.get("format", "csv")
    if kind not in export.FORMATS:
        return HttpResponseBadRequest(
            _("Choose the export format: csv or xlsx."), content_type="text/plain; charset=utf-8"
        )
    grid = selectors.grid_latest(
        user=request.user, sort=request.GET.get("sort", ""), direction=request.GET.get("dir", "")
    )
    content = export.grid_export(grid=grid, kind=kind)
    response = HttpResponse(content, content_type=export.FORMATS[kind])
    name = f"key-accounts-grid-{timezone.localdate():%Y-%m-%d}.{kind}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- weights and criteria catalogue (directors) -------------------------------------------------


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["GET", "POST"])
def weights(request: AuthedRequest) -> HttpResponse:
    in_force = selectors.weights_in_force()
    form = forms.WeightsForm(request.POST or None, in_force=in_force)
    # A form sent back keeps the version it was based on, so a stale edit is still caught.
    base_version = form["base_version"].value() if form.is_bound else in_force.version
    stale = False
    if form.is_valid():
        try:
            weight_set = weight_services.weight_set_update(user=request.user, **form.service_data())
        except ValidationError as error:
            stale = isinstance(error, weight_services.StaleEdit)
            add_service_error(form, error)
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
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["POST"])
def weights_what_if(request: AuthedRequest) -> HttpResponse:
    form = forms.WeightsPreviewForm(request.POST, in_force=selectors.weights_in_force())
    moves: list[selectors.WhatIfMove] = []
    if form.is_valid():
        try:
            moves = selectors.weights_what_if(user=request.user, **form.weights())
        except ValidationError as error:
            add_service_error(form, error)
    context = {
        "preview_form": form,
        "moves": moves,
        "movers": sum(1 for move in moves if move.move),
    }
    return TemplateResponse(request, "scoring/weights.html#what-if", context)


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["GET"])
def weight_set_list(request: AuthedRequest) -> HttpResponse:
    context = {"changes": selectors.weight_set_changes()}
    return TemplateResponse(request, "scoring/weight_set_list.html", context)


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["GET"])
def criterion_list(request: AuthedRequest) -> HttpResponse:
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
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["GET", "POST"])
def criterion_create(request: AuthedRequest) -> HttpResponse:
    form = forms.CriterionForm(request.POST or None, family=request.GET.get("family", ""))
    if form.is_valid():
        try:
            criterion = criterion_services.criterion_create(
                user=request.user, **form.service_data()
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("%(criterion)s is added. It weighs 0 until you give it a weight in the weights.")
                % {"criterion": criterion.name},
            )
            return redirect("scoring:criterion_list")
    return TemplateResponse(request, "scoring/criterion_form.html", {"form": form})


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["GET", "POST"])
def criterion_update(request: AuthedRequest, criterion_id: int) -> HttpResponse:
    criterion = get_object_or_404(selectors.criterion_list(include_inactive=True), pk=criterion_id)
    form = forms.CriterionForm(request.POST or None, criterion=criterion)
    if form.is_valid():
        try:
            criterion = criterion_services.criterion_update(
                user=request.user, criterion=criterion, **form.service_data()
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("%(criterion)s is saved.") % {"criterion": criterion.name})
            return redirect("scoring:criterion_list")
    context = {"form": form, "criterion": criterion}
    return TemplateResponse(request, "scoring/criterion_form.html", context)
