"""HTML pages for the selection of key accounts: the ranking and one client's explanation.
Who sees which client is the selectors' business: a hidden client is a 404."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import forms as client_forms
from kam.types import AuthedRequest
from scoring import export, forms, selectors, services
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


# --- selection grid -------------------------------------------------------------------------------


def _grid_cell_context() -> dict[str, object]:
    """What every cell repeats, worked out once a page: its words, and its links split around
    the client id and criterion code (hundreds of cells make ``{% url %}`` and
    ``{% translate %}`` in each cell the slowest part of the page)."""
    client, code = "987654321", "criterion-code"
    explanation = reverse("scoring:client_explanation", args=[client]).split(client)
    before, after = reverse("scoring:grid_rating", args=[client, code]).split(client)
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
    return {
        "labels": labels,
        "urls": {"explanation": explanation, "rate": [before, *after.split(code)]},
    }


def _grid_query(request: AuthedRequest) -> str:
    """The grid's sort as the request gives it, carried through an edit and back."""
    return urlencode(
        {key: request.GET[key][:60] for key in ("sort", "dir") if request.GET.get(key)}
    )


def _grid_page(request: AuthedRequest) -> dict[str, object]:
    """The whole grid, sorted as asked, and its header links: a click on a column sorts on it,
    a second click reverses the order."""
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
    return {
        "grid": grid,
        "fixed_columns": fixed,
        "criterion_columns": criteria,
        "query": query,
        **_grid_cell_context(),
    }


@login_required
@require_http_methods(["GET"])
def scoring_grid(request: AuthedRequest) -> HttpResponse:
    partial = "#grid-table" if request.headers.get("HX-Request") else ""
    return TemplateResponse(request, f"scoring/grid.html{partial}", _grid_page(request))


def _grid_cell(
    request: AuthedRequest, client_id: int, code: str
) -> tuple[selectors.GridRow, selectors.GridCell]:
    """A rated cell of a ranked client the user may rate; anything else is a 404."""
    grid = selectors.grid_latest(user=request.user, client_id=client_id)
    if not grid.rows:
        raise Http404
    row = grid.rows[0]
    cell = next((cell for cell in row.cells if cell.criterion.code == code), None)
    if cell is None or not cell.criterion.is_rated or not row.editable:
        raise Http404
    return row, cell


@login_required
@require_http_methods(["GET"])
def scoring_grid_cell(request: AuthedRequest, client_id: int, code: str) -> HttpResponse:
    row, cell = _grid_cell(request, client_id, code)
    context = {"row": row, "cell": cell, "query": _grid_query(request), **_grid_cell_context()}
    return TemplateResponse(request, "scoring/grid.html#grid-cell", context)


@login_required
@require_http_methods(["GET", "POST"])
def scoring_grid_rating(request: AuthedRequest, client_id: int, code: str) -> HttpResponse:
    row, cell = _grid_cell(request, client_id, code)
    form = forms.RatingForm(
        request.POST if request.method == "POST" else None,
        criterion=cell.criterion,
        initial={"level": cell.level} if cell.level else None,
    )
    query = _grid_query(request)
    htmx = bool(request.headers.get("HX-Request"))
    if form.is_valid():
        try:
            services.rating_set(
                user=request.user,
                client=row.client,
                criterion=cell.criterion,
                level=form.cleaned_data["level"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            client_forms.add_service_error(form, error)
        else:
            if not htmx:
                messages.success(
                    request,
                    _("Rating of %(client)s on %(criterion)s saved.")
                    % {"client": row.client, "criterion": cell.criterion},
                )
                return redirect(f"{reverse('scoring:grid')}?{query}" if query else "scoring:grid")
            row, cell = _grid_cell(request, client_id, code)
            context = {"row": row, "cell": cell, "query": query, "saved": True}
            context |= _grid_cell_context()
            return TemplateResponse(request, "scoring/grid.html#grid-cell", context)
    editing = {"form": form, "editing_client": row.client.pk, "editing_code": cell.criterion.code}
    if htmx:
        context = {"row": row, "cell": cell, "query": query, **editing, **_grid_cell_context()}
        return TemplateResponse(request, "scoring/grid.html#grid-cell", context)
    # without htmx, the whole grid with this cell's form open
    return TemplateResponse(request, "scoring/grid.html", {**_grid_page(request), **editing})


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
