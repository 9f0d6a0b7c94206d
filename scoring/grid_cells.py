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

from kam.formats import figure_format
from scoring.models import Criterion
from scoring.selectors import GRID_UNITS, GridCell, GridRow


class Column(NamedTuple):
    """What a criterion's cells repeat, escaped."""

    code: str
    unit: str  # "level" for a rated criterion, else how its raw value reads
    levels: dict[int, str]  # rated criteria: each level as the cell writes it
    rate_url: tuple[str, str]  # the rating form's link, before and after the client id
    rate_attributes: str  # the rest of the edit link's attributes
    plain: dict[bool | None, tuple[str, str]]  # met → a cell without rating, around its value


@dataclass
class CellContext:
    """What every cell of a page repeats: its words, links, number formats and the grid's
    sort."""

    labels: dict[str, str]
    explanation_url: tuple[str, str]  # before and after the client id
    rate_url: tuple[str, str, str]  # around the client id and the criterion code
    query: str = ""
    _days: dict[dt.date, str] = field(default_factory=dict)
    _columns: dict[int, Column] = field(default_factory=dict)  # by id() of the criterion
    _authors: dict[str, str] = field(default_factory=dict)
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

    def day(self, day: dt.date) -> str:
        """A rating's day in the reader's short date format, escaped (once per distinct day)."""
        if day not in self._days:
            self._days[day] = escape(formats.date_format(day, "SHORT_DATE_FORMAT"))
        return self._days[day]

    def column(self, criterion: Criterion) -> Column:
        """What a criterion's cells repeat (once per criterion)."""
        column = self._columns.get(id(criterion))  # the page's criteria: one object each
        if column is None:
            code = escape(criterion.code)
            before, middle, after = self.rate_url
            query = f"?{self.query}" if self.query else ""
            flags = {True: self.met_flag, False: self.unmet_flag, None: ""}
            column = self._columns[id(criterion)] = Column(
                code,
                "level" if criterion.is_rated else GRID_UNITS.get(criterion.source, ""),
                {
                    level: f'<span class="grid-level" data-testid="grid-level">{level}</span>'
                    '<span class="muted small">/5</span>'
                    for level in range(1, 6)
                },
                (escape(before), escape(f"{middle}{criterion.code}{after}{query}")),
                f'hx-target="closest td" hx-swap="outerHTML" aria-label="'
                f'{self.html_labels["rate"]} {escape(criterion.name)}" data-testid="grid-edit"',
                {
                    met: (
                        f'-{code}" class="grid-cell{" grid-met" if met else ""}" '
                        f'data-testid="grid-cell" data-criterion="{code}">'
                        '<div class="grid-value">',
                        f"{flag}</div></td>",
                    )
                    for met, flag in flags.items()
                },
            )
        return column

    def author(self, name: str) -> str:
        """A rating author's name, escaped (once per author)."""
        if name not in self._authors:
            self._authors[name] = escape(name)
        return self._authors[name]

    def figure(self, value: float, unit: str, currency: str) -> str:
        """A raw value as the grid writes it, escaped."""
        key = (unit, currency if unit == "money" else "")
        if key not in self._formats:
            match unit:
                case "money":
                    write = figure_format("money", currency=currency)
                case "pct":
                    write = figure_format("pct", 1)
                case "days":
                    days, word = figure_format("number", 1), self.labels["days"]
                    write = lambda value: f"{days(value)} {word}"  # noqa: E731
                case _:
                    write = figure_format("number", 0)
            sample = write(-1234567.5)  # digits, separators, signs and symbols
            self._formats[key] = write if escape(sample) == sample else _escaped(write)
        return self._formats[key](value)


def _escaped(write: Callable[[object], str]) -> Callable[[object], str]:
    return lambda value: escape(write(value))


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
    if column.unit == "level":
        value = column.levels.get(cell.level, context.missing)  # type: ignore[arg-type]
        if row.editable:
            before, after = column.rate_url
            url = f"{before}{client_id}{after}"
            value = (
                f'<a class="grid-edit" href="{url}" hx-get="{url}" {column.rate_attributes}>'
                f'{value}<span class="grid-edit-mark" aria-hidden="true">✎</span></a>'
            )
    elif cell.raw is None:
        value = context.missing
    else:
        figure = context.figure(cell.raw, column.unit, row.currency)
        value = f'<span data-testid="grid-raw">{figure}</span>'
    if rating is None and not saved and not cell.pending:  # most cells
        head, tail = column.plain[met]
        return f'<td id="cell-{client_id}{head}{value}{tail}'
    classes = " grid-met" if met else ""
    if saved:
        classes += " grid-saved"
    title = foot = ""
    if rating is not None:
        note = f" · {escape(rating.note)}" if rating.note else ""
        day, author = context.day(rating.day), context.author(rating.author)
        title = f' title="{context.level_word} {rating.level} · {author} · {day}{note}"'
        if not cell.pending:
            note = context.note if rating.note else ""
            foot = f'<div class="muted small grid-rated">{day}{note}</div>'
    if cell.pending:
        foot = context.pending
    flag = context.met_flag if met else context.unmet_flag if met is False else ""
    return (
        f'<td id="cell-{client_id}-{column.code}" class="grid-cell{classes}" '
        f'data-testid="grid-cell" data-criterion="{column.code}"{title}>'
        f'<div class="grid-value">{value}{flag}</div>{foot}</td>'
    )
