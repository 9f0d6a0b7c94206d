"""The programme's results page: the key accounts against the other clients from the ledger, the
plans and their health, the meetings kept per level, for one programme year; and its CSV export.
Who may read it is ``permissions.may_see_programme_results``; the plans listed one by one are
those the user sees (``plans.plan_list``), the figures are the whole programme's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kam import charts, formats, permissions
from kam.spreadsheets import Cell, csv_bytes
from kam.types import AuthedRequest
from planning import forms
from planning.selectors import results as selectors
from planning.views import projects
from scoring.models import Programme


@dataclass(frozen=True)
class FigureRow:
    """One line of the comparison table: a figure of both groups, last year and this year."""

    key: str
    label: str
    cells: list[str]  # key accounts last year, this year, other clients last year, this year


def _rows(ledger: selectors.LedgerResults, currency: str) -> list[FigureRow]:
    money = formats.figure_format("money", currency=currency)
    pct = formats.figure_format("pct", 1)
    days = formats.figure_format("number", 1)
    count = formats.figure_format("number", 0)

    def cells(read: Callable[[selectors.GroupYear], Any]) -> list[str]:
        values = []
        for group in ledger.groups:
            for figures in (group.previous, group.current):
                values.append(formats.EMPTY if figures is None else read(figures))
        return values

    growth = []
    for group in ledger.groups:
        growth += [formats.EMPTY, pct(group.growth_pct)]
    return [
        FigureRow("clients", _("Clients with figures"), cells(lambda f: count(f.clients))),
        FigureRow("revenue", _("Revenue"), cells(lambda f: money(f.revenue))),
        FigureRow("growth", _("Growth on the year before"), growth),
        FigureRow("margin", _("Gross margin"), cells(lambda f: money(f.gross_margin))),
        FigureRow("margin_pct", _("Margin %"), cells(lambda f: pct(f.margin_pct))),
        FigureRow(
            "days_late", _("Days late (weighted by revenue)"), cells(lambda f: days(f.days_late))
        ),
    ]


def _charts(ledger: selectors.LedgerResults, currency: str) -> list[Any]:
    locale = formats.current_locale()
    series = [str(ledger.previous_year), str(ledger.year)]
    labels = [_("Key accounts"), _("Other clients")]

    def groups(read: Callable[[selectors.GroupYear], Any]) -> list[charts.BarGroup]:
        return [
            charts.BarGroup(
                label=label,
                values=[
                    None if figures is None or read(figures) is None else float(read(figures))
                    for figures in (group.previous, group.current)
                ],
            )
            for label, group in zip(labels, ledger.groups, strict=True)
        ]

    def money(value: float) -> str:
        return formats.compact_money(value, currency, locale=locale)

    def pct(value: float) -> str:
        return formats.format_pct(value, digits=1, locale=locale)

    def pct_axis(value: float) -> str:
        return formats.format_pct(value, digits=0, locale=locale)

    def days(value: float) -> str:
        return formats.number(value, 1)

    empty = _("No figures for these years")
    specs = [
        (_("Revenue"), groups(lambda f: f.revenue), money, None),
        (_("Margin %"), groups(lambda f: f.margin_pct), pct, pct_axis),
        (_("Days late (weighted by revenue)"), groups(lambda f: f.days_late), days, None),
    ]
    return [
        {
            "title": title,
            "svg": charts.comparison_chart(
                bars,
                series=series,
                value_text=value_text,
                axis_text=axis_text,
                title=title,
                empty_label=empty,
            ),
        }
        for title, bars, value_text, axis_text in specs
    ]


def _programme(request: AuthedRequest) -> tuple[Programme | None, forms.ResultsYearForm]:
    """The programme year asked for (``?year=``), or the default one when none is asked or the
    one asked is not a programme year (the form then says so)."""
    today = timezone.localdate()
    programmes = {item.year: item for item in selectors.results_programme_list()}
    form = forms.ResultsYearForm(
        request.GET if "year" in request.GET else None, years=list(programmes)
    )
    if form.is_valid():
        return programmes[form.cleaned_data["year"]], form
    programme = selectors.results_default_programme(today=today, among=list(programmes.values()))
    if not form.is_bound and programme is not None:
        form = forms.ResultsYearForm(initial={"year": programme.year}, years=list(programmes))
    return programme, form


@login_required
@permissions.capability_required(permissions.may_see_programme_results)
@require_http_methods(["GET"])
def programme_results(request: AuthedRequest) -> TemplateResponse:
    programme, form = _programme(request)
    context: dict[str, Any] = {"form": form, "programme": programme, "tab": "results"}
    if programme is not None:
        results = selectors.programme_results(
            user=request.user, programme=programme, today=timezone.localdate()
        )
        latest = results.ledger.latest_ledger_year
        years = form.fields["year"].choices  # type: ignore[attr-defined]
        context.update(
            data_year=next(
                (year for year, _label in years if latest and year <= latest),
                None,
            ),
            results=results,
            ledger=results.ledger,
            rows=_rows(results.ledger, programme.currency),
            charts=_charts(results.ledger, programme.currency),
            investment_gauge=projects.gauges({programme.year: results.investment})[0],
        )
    partial = "#results-body" if request.htmx else ""
    return TemplateResponse(request, f"planning/programme_results.html{partial}", context)


@login_required
@permissions.capability_required(permissions.may_see_programme_results)
@require_http_methods(["GET"])
def programme_results_csv(request: AuthedRequest, year: int) -> HttpResponse:
    """The comparison table, one line per group, in the reader's CSV conventions."""
    programme = selectors.results_programme_list().filter(year=year).first()
    if programme is None:
        raise Http404
    ledger = selectors.ledger_results(programme=programme)
    response = HttpResponse(results_csv(ledger), content_type="text/csv; charset=utf-8")
    name = f"programme-results-{programme.year}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def results_csv(ledger: selectors.LedgerResults) -> bytes:
    """The comparison table in the reader's CSV conventions (``kam.spreadsheets.csv_bytes``):
    figures as numbers, empty where a figure cannot be known."""
    now, before = ledger.year, ledger.previous_year
    header: list[Cell] = [
        _("Group"),
        _("Clients with figures in %(year)s") % {"year": now},
        _("Revenue %(year)s") % {"year": before},
        _("Revenue %(year)s") % {"year": now},
        _("Growth %"),
        _("Gross margin %(year)s") % {"year": before},
        _("Gross margin %(year)s") % {"year": now},
        _("Margin %% %(year)s") % {"year": before},
        _("Margin %% %(year)s") % {"year": now},
        _("Days late %(year)s") % {"year": before},
        _("Days late %(year)s") % {"year": now},
    ]
    labels = {selectors.KEY: _("Key accounts"), selectors.OTHERS: _("Other clients")}

    def figure(value: Any, digits: int = 2) -> Decimal | None:
        return None if value is None else round(Decimal(repr(float(value))), digits)

    rows: list[list[Cell]] = [header]
    for group in ledger.groups:
        previous, current = group.previous, group.current
        rows.append(
            [
                labels[group.group],
                current.clients if current else 0,
                None if previous is None else previous.revenue,
                None if current is None else current.revenue,
                figure(group.growth_pct),
                None if previous is None else previous.gross_margin,
                None if current is None else current.gross_margin,
                figure(previous.margin_pct if previous else None),
                figure(current.margin_pct if current else None),
                figure(previous.days_late if previous else None),
                figure(current.days_late if current else None),
            ]
        )
    return csv_bytes(rows)
