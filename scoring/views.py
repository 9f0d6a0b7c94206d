"""HTML pages for the selection of key accounts: the ranking and one client's explanation.
Who sees which client is the selectors' business: a hidden client is a 404."""

import functools
import hashlib
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, NamedTuple, TypedDict
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import selectors as client_selectors
from kam import charts, formats, links, permissions
from kam.forms import add_service_error
from kam.types import AuthedRequest
from scoring import export, forms, ranking
from scoring.models import (
    LEVELS,
    SHORTLIST_CONFIRM_ABOVE,
    SHORTLIST_RECOMMENDED,
    Criterion,
    Programme,
    ScoringRun,
)
from scoring.selectors import grid as grid_selectors
from scoring.selectors import runs as run_selectors
from scoring.selectors import scores as score_selectors
from scoring.selectors import shortlist as shortlist_selectors
from scoring.selectors import weights as weight_selectors
from scoring.services import criteria as criterion_services
from scoring.services import overrides, ratings, runs, selection
from scoring.services import weights as weight_services

PAGE_ROWS = 50
"""Rows the ranking and the grid show at first; each further page of rows loads as the last
row scrolls into view."""

"""The best-ranked clients the shortlist's portfolio matrix places, besides the shortlist: a
thousand points would neither read nor render quickly."""

CACHED_TEMPLATES = (
    "scoring/ranking.html",
    "scoring/grid.html",
    "scoring/shortlist.html",
    "kam/charts/portfolio_matrix.svg",
)
"""The templates of the blocks kept in the cache (``_rows_block``)."""

CSRF_MARK = "csrf0token0mark0987654321"
"""Written in place of the CSRF token in a cached block; each request puts its own back."""

ROWS_CACHE_SECONDS = 24 * 60 * 60
"""How long a rendered block of rows stays cached. Its key changes with anything the block
shows, so this only bounds how long blocks nobody asks for again take up room."""


def _page_number(request: AuthedRequest) -> int:
    page = request.GET.get("page", "")
    return int(page) if page.isdigit() and 0 < int(page) <= 100_000 else 1


class RowsBlock(NamedTuple):
    """A page of rendered rows, and how many rows all the pages have."""

    html: str
    total: int


def _rows_block(
    *, name: str, version: str, page: int, render: Callable[[], RowsBlock]
) -> RowsBlock:
    """A page of rows from the cache when the same rows were rendered before for the same
    version of what they show (``version``), language, time zone and templates; else rendered
    and kept."""
    parts = (
        name,
        version,
        get_language(),
        timezone.get_current_timezone_name(),
        str(page),
        _templates_version(),
    )
    key = "rows:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()
    cached = cache.get(key)  # a plain tuple: what the cache keeps outlives this module's classes
    if cached is not None:
        return RowsBlock(*cached)
    block = render()
    cache.set(key, tuple(block), ROWS_CACHE_SECONDS)
    return block


@functools.cache
def _templates_version() -> str:
    """A digest of the templates cached blocks come from: a new version of them renders anew."""
    digest = hashlib.sha256()
    for name in CACHED_TEMPLATES:
        digest.update(Path(settings.BASE_DIR, "templates", name).read_bytes())
    return digest.hexdigest()


class RankingRowView(TypedDict):
    """A ranking row as its partial writes it: figures formatted by ``kam.formats`` and the
    link reversed once a page, so that the partial only writes them."""

    row: score_selectors.RankingRow  # its override, written by the template (a few rows have one)
    href: str
    name: str
    kam: str
    rank: str
    move: str  # "new", "up", "down" or "same"
    moved: str  # places moved, for "up" and "down"
    move_title: str
    total: str
    width: str  # the score bar's width, in percent, with a dot
    financial: str
    strategic: str
    maturity: str
    coverage: str
    stability_label: str  # "stable" or "fragile"
    stability: str


TENTH = Decimal("0.1")


def _ranking_views(rows: list[score_selectors.RankingRow]) -> list[RankingRowView]:
    explanation = links.row_link("scoring:client_explanation")
    rank, one, whole_pct = (
        formats.figure_format("number"),
        formats.figure_format("number", 1),
        formats.figure_format("pct", 0),
    )
    same = _("Same rank as in the previous run")
    views: list[RankingRowView] = []
    for row in rows:
        change = row.rank_change
        if row.previous_rank is None:
            move, title = "new", ""
        elif change:
            move = "up" if change > 0 else "down"
            title = _("Rank %(rank)s in the previous run") % {"rank": rank(row.previous_rank)}
        else:
            move, title = "same", same
        kam = row.client.kam
        views.append(
            {
                "row": row,
                "href": explanation(row.client_id),
                "name": row.client.name,
                "kam": str(kam) if kam is not None else formats.EMPTY,
                "rank": rank(row.rank),
                "move": move,
                "moved": str(row.places_moved),
                "move_title": title,
                "total": one(row.total),
                "width": str(Decimal(repr(row.total)).quantize(TENTH, ROUND_HALF_UP)),
                "financial": one(row.financial),
                "strategic": one(row.strategic),
                "maturity": one(row.maturity),
                "coverage": whole_pct(row.coverage),
                "stability_label": row.stability_label,
                "stability": whole_pct(row.stability_pct),
            }
        )
    return views


@login_required
@require_http_methods(["GET"])
def scoring_ranking(request: AuthedRequest) -> HttpResponse:
    page = _page_number(request)

    def render() -> RowsBlock:
        scores = score_selectors.ranking_latest(user=request.user)
        count = scores.count()
        start = (page - 1) * PAGE_ROWS
        rows = score_selectors.ranking_rows(scores[start : start + PAGE_ROWS])
        more = start + PAGE_ROWS < count
        context = {
            "rows": _ranking_views(rows),
            "labels": {"new": _("new"), "stable": _("stable"), "fragile": _("fragile")},
            "next_url": f"{reverse('scoring:ranking')}?page={page + 1}" if more else "",
        }
        html = render_to_string("scoring/ranking.html#ranking-rows", context, request=request)
        return RowsBlock(html, count)

    version = score_selectors.ranking_version(user=request.user)
    block = _rows_block(name="ranking", version=version, page=page, render=render)
    if request.htmx and "page" in request.GET:  # the next rows
        return HttpResponse(block.html)
    context = {
        "rows_html": mark_safe(block.html),  # rendered by the template, escaped there
        "count": block.total,
        "run": score_selectors.scoring_run_latest(),
        "latest": score_selectors.scoring_run_latest(any_status=True),
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
    explanation = score_selectors.client_explanation(user=request.user, client_id=client_id)
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
        "history": score_selectors.client_rank_history(user=request.user, client_id=client_id),
        "stability_pct": 100 * explanation.score.stability,
        "can_manage": permissions.may_manage_programme(request.user),
    }
    return TemplateResponse(request, "scoring/client_explanation.html", context)


# --- overrides ----------------------------------------------------------------------------------


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["GET", "POST"])
def override_edit(request: AuthedRequest, client_id: int) -> HttpResponse:
    explanation = score_selectors.client_explanation(user=request.user, client_id=client_id)
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
    programme = shortlist_selectors.programme_list().first()
    year = programme.year if programme else timezone.localdate().year
    return redirect("scoring:shortlist_detail", year)


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["GET"])
def shortlist_detail(request: AuthedRequest, year: int) -> HttpResponse:
    programme = shortlist_selectors.programme_list().filter(year=year).first()
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
) -> HttpResponse:
    """The shortlist page, the next page of its candidates (htmx, ``?page=``) or its board
    (htmx, after a change). The page and the candidates a director reads are kept rendered in
    the cache under ``shortlist_version``, each request writing its own CSRF token in the
    forms; a page with an error or a form sent back is rendered anew."""
    page = _page_number(request)
    if request.htmx and "page" in request.GET:  # the next candidates

        def rows() -> RowsBlock:
            context = _shortlist_context(request, programme, page, candidates_only=True)
            context["csrf_token"] = CSRF_MARK  # each request writes its own
            html = render_to_string(
                "scoring/shortlist.html#candidate-rows", context, request=request
            )
            return RowsBlock(html, context["board"].candidate_count)

        version = shortlist_selectors.shortlist_version(user=request.user, programme=programme)
        block = _rows_block(name="shortlist-candidates", version=version, page=page, render=rows)
        return HttpResponse(block.html.replace(CSRF_MARK, get_token(request)))
    if request.htmx or error is not None or form.is_bound:  # after a change: never cached
        context = _shortlist_context(request, programme, page, form=form, error=error)
        partial = "#shortlist-board" if request.htmx else ""
        return TemplateResponse(request, f"scoring/shortlist.html{partial}", context, status=status)

    parts = shortlist_selectors.shortlist_version_parts(user=request.user, programme=programme)

    def content() -> RowsBlock:
        context = _shortlist_context(request, programme, page, form=form, matrix=parts.matrix)
        context["csrf_token"] = CSRF_MARK  # each request writes its own
        html = render_to_string(
            "scoring/shortlist.html#shortlist-content", context, request=request
        )
        return RowsBlock(html, context["board"].candidate_count)

    version = shortlist_selectors.shortlist_version(
        user=request.user, programme=programme, parts=parts
    )
    block = _rows_block(name="shortlist", version=version, page=page, render=content)
    context = {
        "programme": programme,  # the title
        "content_html": mark_safe(block.html.replace(CSRF_MARK, get_token(request))),  # escaped
    }
    return TemplateResponse(request, "scoring/shortlist.html", context, status=status)


def _shortlist_context(
    request: AuthedRequest,
    programme: Programme,
    page: int,
    *,
    form: forms.ShortlistConfirmForm | None = None,
    error: ValidationError | None = None,
    candidates_only: bool = False,
    matrix: str | None = None,
) -> dict[str, Any]:
    """What the shortlist page shows, with the ``page`` of its candidates; with
    ``candidates_only``, what the candidates' rows need. ``matrix``: the version of what the
    portfolio matrix shows (``ShortlistVersionParts.matrix``), under which its drawing is
    cached apart from the page, as most changes to the page (costs, budget, decisions,
    overrides) leave it as it is."""
    start = (page - 1) * PAGE_ROWS
    board = shortlist_selectors.shortlist_board(
        user=request.user, programme=programme, candidates=slice(start, start + PAGE_ROWS)
    )
    more = start + PAGE_ROWS < board.candidate_count
    next_url = (
        f"{reverse('scoring:shortlist_detail', args=[programme.year])}?page={page + 1}"
        if more
        else ""
    )
    explanation = links.row_link("scoring:client_explanation")
    cost_edit = links.row_link("scoring:cost_to_serve_edit")
    for row in (*board.chosen, *board.candidates):  # reversed once a page, not once a row
        row.href = explanation(row.client.pk)
        row.cost_href = cost_edit(row.client.pk)
    if candidates_only:
        return {"board": board, "programme": programme, "next_url": next_url}
    chosen = {row.client.pk for row in board.chosen}

    def draw() -> tuple[str, int]:
        points = shortlist_selectors.portfolio_matrix_points(
            user=request.user, families=board.family_weights, chosen=chosen, href=explanation
        )
        return portfolio_matrix_svg(points), len(points)

    svg, shown = draw() if matrix is None else _matrix_block(matrix, draw)
    ranked = board.candidate_count + sum(1 for row in board.chosen if row.score is not None)
    return {
        "board": board,
        "next_url": next_url,
        "programme": programme,
        "form": form,
        "error": error,
        "matrix": mark_safe(svg),  # the chart escapes what it writes
        "matrix_shown": shown,
        "matrix_best": shortlist_selectors.MATRIX_BEST,
        "ranked": ranked,
        "years": shortlist_selectors.programme_list().values_list("year", flat=True),
        "decisions": board.decisions,
        "recommended": SHORTLIST_RECOMMENDED,
        "confirm_above": SHORTLIST_CONFIRM_ABOVE,
    }


def _matrix_block(version: str, draw: Callable[[], tuple[str, int]]) -> tuple[str, int]:
    """The portfolio matrix drawn by ``draw`` (its SVG and how many clients it places), from the
    cache when drawn before for the same ``version`` of what it shows (which clients the user
    sees included), language and template; else drawn and kept."""
    parts = (
        version,  # the clients the user sees are in it
        get_language(),
        str(shortlist_selectors.MATRIX_BEST),
        _templates_version(),
    )
    key = "matrix:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()
    cached = cache.get(key)
    if cached is not None:
        return cached[0], cached[1]
    svg, shown = draw()
    cache.set(key, (svg, shown), ROWS_CACHE_SECONDS)
    return svg, shown


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
    programme = get_object_or_404(shortlist_selectors.programme_list(), year=year)
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
    if request.htmx:
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
    programme = get_object_or_404(shortlist_selectors.programme_list(), year=year)
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
    programme = shortlist_selectors.programme_list().filter(year=year).first()
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
    cost = shortlist_selectors.cost_to_serve_for(client=company)
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


def _grid_labels() -> dict[str, str]:
    """The words every cell of the grid may repeat, translated once a page."""
    return {
        "rate": _("Rate"),
        "missing": _("missing"),
        "days": _("d"),
        "of": _("of"),
        "pending": _("new: counts at the next computation"),
        "about": _("Who rated it, when and why"),
    }


class GridCellView(TypedDict):
    """A grid cell as its partial writes it, worked out in Python: a page has hundreds, and
    each template tag, filter or ``{% url %}`` in a cell costs microseconds hundreds of times
    over. A dict: the template engine reads a key quicker than an attribute."""

    id: str  # the element id, which the cell's endpoints swap
    css: str
    code: str  # the criterion's code
    kind: str  # "level", "missing" or "figure": how ``text`` reads
    text: str  # the level or the figure, formatted in the active language
    href: str  # the rating form's URL (with the sort) when the user may rate, else ""
    about: str  # who rated it, on demand, when the user may not rate; else ""
    label: str  # the rating link's accessible name
    pending: bool
    form: str  # the rating form, already rendered, open in this cell; else ""


class GridRowView(TypedDict):
    client_id: str
    name: str
    kam: str
    href: str  # the client's explanation
    rank: str
    total: str
    met: str
    cells: list[GridCellView]


class _GridColumn(NamedTuple):
    """What every cell of a criterion's column repeats, escaped for an HTML attribute once a
    page (see ``_GridWriter``)."""

    criterion: Criterion
    code: SafeString
    label: SafeString  # the rating link's accessible name
    rate: tuple[SafeString, SafeString]  # the rating form's URL around a client id
    about: tuple[SafeString, SafeString]  # the rated cell's URL around a client id
    unit: str


class _GridWriter:
    """Turns grid rows into what their partials write, in the active language: the URLs are
    reversed once a page and the figures formatted by ``kam.formats``.

    A page has 800 cells, and the template would escape the same URLs, codes and labels in each
    of them: a cell's attributes (its id, CSS class, links, column's code and label) are put
    together from parts escaped once a page (``escape``) and client ids (integers), so that the
    template writes them as they are; its text (a client's figure) is escaped by the template.
    """

    MARK = 987654321  # a client id, to reverse each URL once a page
    CSS = {
        (met, saved): SafeString(
            "grid-cell"
            + {True: " grid-met", False: " grid-unmet", None: ""}[met]
            + (" grid-saved" if saved else "")
        )
        for met in (True, False, None)
        for saved in (True, False)
    }

    def __init__(self, criteria: list[Criterion], *, sort_query: str) -> None:
        self.labels = _grid_labels()
        self.sort_query = escape(sort_query)

        def split(name: str, *code: str) -> tuple[SafeString, SafeString]:
            before, after = reverse(name, args=[self.MARK, *code]).split(str(self.MARK))
            return escape(before), escape(after)

        self.explanation = split("scoring:client_explanation")
        self.columns = {
            criterion.pk: _GridColumn(
                criterion,
                escape(criterion.code),
                escape(f"{self.labels['rate']} {criterion.name}"),
                split("scoring:grid_rating", criterion.code),
                split("scoring:grid_cell", criterion.code),
                "level"
                if criterion.is_rated
                else grid_selectors.GRID_UNITS.get(criterion.source, ""),
            )
            for criterion in criteria
        }
        self.rank, self.total = formats.figure_format("number"), formats.figure_format("number", 1)
        self.figures = {
            "pct": formats.figure_format("pct", 1),
            "number": formats.figure_format("number"),
            "days": formats.figure_format("number", 1),
        }
        self.money: dict[str, Callable[[object], str]] = {}

    def row(
        self, row: grid_selectors.GridRow, *, form: tuple[int, int, str] | None = None
    ) -> GridRowView:
        before, after = self.explanation
        return {
            "client_id": str(row.client_id),
            "name": row.client_name,
            "kam": row.kam or formats.EMPTY,
            "href": SafeString(f"{before}{row.client_id}{after}"),
            "rank": self.rank(row.rank),
            "total": self.total(row.total),
            "met": f"{row.met_count} {self.labels['of']} {len(row.cells)}",
            "cells": [self.cell(row, cell, form=form) for cell in row.cells],
        }

    def cell(
        self,
        row: grid_selectors.GridRow,
        cell: grid_selectors.GridCell,
        *,
        saved: bool = False,
        form: tuple[int, int, str] | None = None,
    ) -> GridCellView:
        column = self.columns[cell.criterion.pk]
        client_id = row.client_id  # an int: nothing to escape
        href = about = ""
        if column.unit == "level":
            kind, text = ("level", str(cell.level)) if cell.level else ("missing", "")
            if row.editable:
                before, after = column.rate
                href = SafeString(f"{before}{client_id}{after}{self.sort_query}")
            elif cell.level:  # who rated it, on demand
                before, after = column.about
                about = SafeString(f"{before}{client_id}{after}?about=1")
        elif cell.raw is None:
            kind, text = "missing", ""
        else:
            kind, unit = "figure", column.unit
            if unit == "money":
                writer = self.money.get(row.currency)
                if writer is None:
                    writer = self.money[row.currency] = formats.figure_format(
                        "money", currency=row.currency
                    )
                text = writer(cell.raw)
            elif unit == "days":
                text = f"{self.figures['days'](cell.raw)} {self.labels['days']}"
            else:
                text = self.figures.get(unit, self.figures["number"])(cell.raw)
        opened = form is not None and form[0] == client_id and form[1] == cell.criterion.pk
        return {
            "id": SafeString(f"cell-{client_id}-{column.code}"),
            "css": self.CSS[cell.met, saved],
            "code": column.code,
            "kind": kind,
            "text": text,
            "href": href,
            "about": about,
            "label": column.label,
            "pending": cell.pending,
            "form": form[2] if opened and form is not None else "",
        }


def _grid_query(request: AuthedRequest) -> str:
    """The grid's sort as the request gives it, carried through an edit and back: ``?sort=…``
    or nothing."""
    query = urlencode(
        {key: request.GET[key][:60] for key in ("sort", "dir") if request.GET.get(key)}
    )
    return f"?{query}" if query else ""


def _grid_page(
    request: AuthedRequest,
    *,
    client_id: int | None = None,
    form: tuple[int, int, str] | None = None,
) -> dict[str, object]:
    """The grid's header, sorted as asked, and a page of its rows: a click on a column sorts on
    it, a second click reverses the order. ``client_id`` and ``form`` (client id, criterion id,
    the rendered rating form) show that one client's row with the form open in its cell."""
    sort, direction = request.GET.get("sort", ""), request.GET.get("dir", "")
    page = _page_number(request)
    grid = grid_selectors.grid_header(sort=sort, direction=direction)  # the run, criteria and sort
    query = urlencode({"sort": grid.sort, "dir": "desc" if grid.descending else "asc"})

    def render() -> RowsBlock:
        start = (page - 1) * PAGE_ROWS
        rows = grid_selectors.grid_rows(
            user=request.user,
            grid=grid,
            client_id=client_id,
            rows=slice(start, start + PAGE_ROWS),
        )
        more = start + PAGE_ROWS < rows.count
        writer = _GridWriter(rows.criteria, sort_query=f"?{query}")
        context = {
            "rows": [writer.row(row, form=form) for row in rows.rows],
            "labels": writer.labels,
            "next_url": f"{reverse('scoring:grid')}?{query}&page={page + 1}" if more else "",
        }
        html = render_to_string("scoring/grid.html#grid-rows", context, request=request)
        return RowsBlock(html, rows.count)

    if form is not None or grid.run is None:
        block = render()  # one client's row with a form: never cached
    else:
        version = grid_selectors.grid_version(user=request.user, grid=grid)
        block = _rows_block(name=f"grid:{query}", version=version, page=page, render=render)

    def column(key: str, label: str, **extra: object) -> dict[str, object]:
        if key == grid.sort:
            current = "desc" if grid.descending else "asc"
            direction = "asc" if grid.descending else "desc"
        else:
            current, descending = "", grid_selectors.grid_sort(key, "", criteria=grid.criteria)[1]
            direction = "desc" if descending else "asc"
        query = urlencode({"sort": key, "dir": direction})
        return {"key": key, "label": label, "query": query, "current": current, **extra}

    labels = {"rank": _("Rank"), "client": _("Client"), "total": _("Score /100")}
    fixed = [column(key, str(label), num=key != "client") for key, label in labels.items()]
    fixed.append(column("met", _("Criteria met"), num=True))
    criteria = [
        column(criterion.code, criterion.name, criterion=criterion) for criterion in grid.criteria
    ]
    return {
        "grid": grid,
        "rows_html": mark_safe(block.html),  # rendered by the template, escaped there
        "count": block.total,
        "fixed_columns": fixed,
        "criterion_columns": criteria,
        "query": query,
    }


@login_required
@require_http_methods(["GET"])
def scoring_grid(request: AuthedRequest) -> HttpResponse:
    page = _grid_page(request)
    if request.htmx:
        if "page" in request.GET:  # the next rows
            return HttpResponse(page["rows_html"])
        return TemplateResponse(request, "scoring/grid.html#grid-table", page)  # a new sort
    return TemplateResponse(request, "scoring/grid.html", page)


def _grid_cell(
    request: AuthedRequest, client_id: int, code: str
) -> tuple[grid_selectors.GridRow, grid_selectors.GridCell]:
    """A rated cell of a ranked client the user sees; anything else is a 404."""
    grid = grid_selectors.grid_latest(user=request.user, client_id=client_id)
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
    """A rated cell as the grid shows it (to put back after an edit) or, with ``?about=1``, who
    gave its rating, when and why."""
    about = request.GET.get("about") == "1"
    row, cell = _grid_cell(request, client_id, code)
    writer = _GridWriter([cell.criterion], sort_query=_grid_query(request))
    context = {"row": row, "cell": cell, "c": writer.cell(row, cell), "labels": writer.labels}
    partial = "grid-cell-about" if about else "grid-cell"
    return TemplateResponse(request, f"scoring/grid.html#{partial}", context)


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
    htmx = bool(request.htmx)
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
                return redirect(f"{reverse('scoring:grid')}{query}")
            row, cell = _grid_cell(request, client_id, code)
            writer = _GridWriter([cell.criterion], sort_query=query)
            saved = {"c": writer.cell(row, cell, saved=True), "labels": writer.labels}
            return TemplateResponse(request, "scoring/grid.html#grid-cell", saved)
    context = {"row": row, "cell": cell, "sort_query": query, "form": form}
    if htmx:
        return TemplateResponse(request, "scoring/grid.html#grid-cell-form", context)
    # without htmx, the grid with this client's row only, the form open in the cell
    form_html = render_to_string("scoring/grid.html#grid-cell-form", context, request=request)
    opened = (row.client_id, cell.criterion.pk, form_html)
    page = _grid_page(request, client_id=client_id, form=opened)
    return TemplateResponse(request, "scoring/grid.html", page)


@login_required
@require_http_methods(["GET"])
def scoring_grid_export(request: AuthedRequest) -> HttpResponse:
    kind = request.GET.get("format", "csv")
    if kind not in export.FORMATS:
        return HttpResponseBadRequest(
            _("Choose the export format: csv or xlsx."), content_type="text/plain; charset=utf-8"
        )
    grid = grid_selectors.grid_latest(
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
    in_force = weight_selectors.weights_in_force()
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
    form = forms.WeightsPreviewForm(request.POST, in_force=weight_selectors.weights_in_force())
    moves: list[run_selectors.WhatIfMove] = []
    if form.is_valid():
        try:
            moves = run_selectors.weights_what_if(user=request.user, **form.weights())
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
    context = {"changes": weight_selectors.weight_set_changes()}
    return TemplateResponse(request, "scoring/weight_set_list.html", context)


@login_required
@permissions.capability_required(permissions.may_manage_programme)
@require_http_methods(["GET"])
def criterion_list(request: AuthedRequest) -> HttpResponse:
    in_force = weight_selectors.weights_in_force()
    criteria = list(weight_selectors.criterion_list(include_inactive=True))
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
    criterion = get_object_or_404(
        weight_selectors.criterion_list(include_inactive=True), pk=criterion_id
    )
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
