"""The selection grid's rows as HTML, written in Python.

A grid of 200 clients on 16 criteria is 3,200 cells: too many for the template engine to render
within the page's time budget (each ``{{ }}`` costs microseconds, each cell needs dozens). So,
as ``kam/charts.py`` does for charts, the rows are written here, every text escaped; the page
template keeps everything else, and the inline rating form stays a template partial. Words,
links and number formats come in ``CellContext``, worked out once a page in the active
language; what a criterion's cells repeat is worked out once a criterion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape  # Django's escape is this, behind a check for lazy text
from typing import NamedTuple

from django.utils import formats
from django.utils.safestring import SafeString, mark_safe

from kam.templatetags.kam import figure_format
from scoring.models import Criterion
from scoring.selectors import GRID_UNITS, GridCell, GridRow


class Column(NamedTuple):
    """What a criterion's cells repeat."""

    code: str  # escaped
    criterion_code: str
    rate_label: str  # the edit link's label, escaped
    unit: str  # "level" for a rated criterion, else how its raw value reads
    levels: dict[int, str]  # rated criteria: each level as the cell writes it


@dataclass
class CellContext:
    """What every cell of a page repeats: its words, links, number formats and the grid's
    sort."""

    labels: dict[str, str]
    explanation_url: tuple[str, str]  # before and after the client id
    rate_url: tuple[str, str, str]  # around the client id and the criterion code
    query: str = ""
    _days: dict[dt.date, str] = field(default_factory=dict)
    _columns: dict[int, Column] = field(default_factory=dict)
    _formats: dict[tuple[str, str], Callable[[object], str]] = field(default_factory=dict)
    html_labels: dict[str, str] = field(init=False)
    rank: Callable[[object], str] = field(init=False)
    total: Callable[[object], str] = field(init=False)
    met_flag: str = field(init=False)
    unmet_flag: str = field(init=False)
    missing: str = field(init=False)
    pending: str = field(init=False)
    note: str = field(init=False)
    level_word: str = field(init=False)

    def __post_init__(self) -> None:
        self.html_labels = {key: escape(text) for key, text in self.labels.items()}
        self.rank = figure_format("number")
        self.total = figure_format("number", 1)
        labels = self.html_labels
        self.missing = (
            f'<span class="unknown" data-testid="grid-missing">{labels["missing"]}</span>'
        )
        self.pending = (
            f'<div class="small grid-pending" data-testid="grid-pending">{labels["pending"]}</div>'
        )
        self.note = f" · {labels['note']}"
        self.level_word = labels["level"]
        met, unmet = labels["met"], labels["unmet"]
        self.met_flag = (
            f'<span class="grid-flag grid-flag-met" title="{met}" data-testid="grid-met">'
            f'✓<span class="visually-hidden"> {met}</span></span>'
        )
        self.unmet_flag = (
            f'<span class="grid-flag grid-flag-unmet" title="{unmet}" data-testid="grid-unmet">'
            f'✗<span class="visually-hidden"> {unmet}</span></span>'
        )

    def rate(self, client_id: int, code: str) -> str:
        before, middle, after = self.rate_url
        url = f"{before}{client_id}{middle}{code}{after}"
        return f"{url}?{self.query}" if self.query else url

    def day(self, day: dt.date) -> str:
        """A rating's day in the reader's short date format, escaped (once per distinct day)."""
        if day not in self._days:
            self._days[day] = escape(formats.date_format(day, "SHORT_DATE_FORMAT"))
        return self._days[day]

    def column(self, criterion: Criterion) -> Column:
        """What a criterion's cells repeat (once per criterion)."""
        if criterion.pk not in self._columns:
            self._columns[criterion.pk] = Column(
                escape(criterion.code),
                criterion.code,
                f"{self.html_labels['rate']} {escape(criterion.name)}",
                "level" if criterion.is_rated else GRID_UNITS.get(criterion.source, ""),
                {
                    level: f'<span class="grid-level" data-testid="grid-level">{level}</span>'
                    '<span class="muted small">/5</span>'
                    for level in range(1, 6)
                },
            )
        return self._columns[criterion.pk]

    def figure(self, value: float, unit: str, currency: str) -> str:
        """A raw value as the grid writes it, escaped."""
        key = (unit, currency if unit == "money" else "")
        if key not in self._formats:
            match unit:
                case "money":
                    self._formats[key] = figure_format("money", currency=currency)
                case "pct":
                    self._formats[key] = figure_format("pct", 1)
                case "days":
                    days = figure_format("number", 1)
                    self._formats[key] = lambda value: f"{days(value)} {self.labels['days']}"
                case _:
                    self._formats[key] = figure_format("number", 0)
        return escape(self._formats[key](value))


def row_html(row: GridRow, context: CellContext, *, form: tuple[int, str] | None = None) -> str:
    """One client's ``<tr>``; ``form`` puts an open rating form (criterion id, its HTML) in place
    of that criterion's cell."""
    before, after = context.explanation_url
    cells = "".join(
        [
            form[1]
            if form is not None and cell.criterion.pk == form[0]
            else _cell(row, cell, context)
            for cell in row.cells
        ]
    )
    return (
        f'<tr data-testid="grid-row" data-client="{row.client_id}">'
        f'<td class="num" data-testid="grid-rank">{context.rank(row.rank)}</td>'
        '<th scope="row" class="grid-client">'
        f'<a class="strong" href="{before}{row.client_id}{after}" data-testid="grid-client">'
        f'{escape(row.client_name)}</a><div class="muted small">{escape(row.kam) or "—"}</div></th>'
        f'<td class="num strong" data-testid="grid-total">{context.total(row.total)}</td>'
        f'<td class="num" data-testid="grid-met-count">{row.met_count} '
        f"{context.html_labels['of']} {len(row.cells)}</td>{cells}</tr>"
    )


def cell_html(
    row: GridRow, cell: GridCell, context: CellContext, *, saved: bool = False
) -> SafeString:
    """One ``<td>`` of the grid: the level or raw value, whether it is met, who rated it."""
    return mark_safe(_cell(row, cell, context, saved=saved))


def _cell(row: GridRow, cell: GridCell, context: CellContext, *, saved: bool = False) -> str:
    column = context.column(cell.criterion)
    client_id = row.client_id
    met = cell.met
    rating = cell.rating
    classes = " grid-met" if met else ""
    if saved:
        classes += " grid-saved"
    title = ""
    if rating is not None:
        note = f" · {escape(rating.note)}" if rating.note else ""
        title = (
            f' title="{context.level_word} {rating.level} · {escape(rating.author)} · '
            f'{context.day(rating.day)}{note}"'
        )
    if column.unit == "level":
        value = column.levels.get(cell.level, context.missing)  # type: ignore[arg-type]
        if row.editable:
            url = escape(context.rate(client_id, column.criterion_code))
            value = (
                f'<a class="grid-edit" href="{url}" hx-get="{url}" hx-target="closest td" '
                f'hx-swap="outerHTML" aria-label="{column.rate_label}" data-testid="grid-edit">'
                f'{value}<span class="grid-edit-mark" aria-hidden="true">✎</span></a>'
            )
    elif cell.raw is None:
        value = context.missing
    else:
        figure = context.figure(cell.raw, column.unit, row.currency)
        value = f'<span data-testid="grid-raw">{figure}</span>'
    flag = context.met_flag if met else context.unmet_flag if met is False else ""
    foot = ""
    if cell.pending:
        foot = context.pending
    elif rating is not None:
        note = context.note if rating.note else ""
        foot = f'<div class="muted small grid-rated">{context.day(rating.day)}{note}</div>'
    return (
        f'<td id="cell-{client_id}-{column.code}" class="grid-cell{classes}" '
        f'data-testid="grid-cell" data-criterion="{column.code}"{title}>'
        f'<div class="grid-value">{value}{flag}</div>{foot}</td>'
    )
