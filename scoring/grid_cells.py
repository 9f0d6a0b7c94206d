"""The selection grid's cells as HTML, written in Python.

A grid of 200 clients on 16 criteria is 3,200 cells: too many for the template engine to render
within the page's time budget (each ``{{ }}`` costs microseconds, each cell needs dozens). So,
as ``kam/charts.py`` does for charts, the cells are written here, every text escaped; the page
template keeps everything else, and the inline rating form stays a template partial. Words and
links come in ``CellContext``, worked out once a page in the active language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import formats, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kam.templatetags.kam import money, number, pct
from scoring.selectors import GridCell, GridRow


@dataclass
class CellContext:
    """What every cell of a page repeats: its words, links and the grid's sort."""

    labels: dict[str, str]
    explanation_url: tuple[str, str]  # before and after the client id
    rate_url: tuple[str, str, str]  # around the client id and the criterion code
    query: str = ""
    _days: dict[dt.date, str] = field(default_factory=dict)
    html_labels: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.html_labels = {key: escape(text) for key, text in self.labels.items()}

    def rate(self, client_id: int, code: str) -> str:
        before, middle, after = self.rate_url
        url = f"{before}{client_id}{middle}{code}{after}"
        return f"{url}?{self.query}" if self.query else url

    def day(self, moment: dt.datetime) -> str:
        """A rating's day in the reader's short date format (once per distinct day)."""
        day = timezone.localdate(moment)
        if day not in self._days:
            self._days[day] = formats.date_format(day, "SHORT_DATE_FORMAT")
        return self._days[day]


def row_cells_html(row: GridRow, context: CellContext) -> SafeString:
    """Every criterion cell of one grid row."""
    return mark_safe("".join(cell_html(row, cell, context) for cell in row.cells))


def cell_html(
    row: GridRow, cell: GridCell, context: CellContext, *, saved: bool = False
) -> SafeString:
    """One ``<td>`` of the grid: the level or raw value, whether it is met, who rated it."""
    labels = context.html_labels
    code = escape(cell.criterion.code)
    classes = "grid-cell" + (" grid-met" if cell.met else "") + (" grid-saved" if saved else "")
    rating = cell.rating
    title = ""
    if rating is not None:
        parts = [
            f"{context.labels['level']} {rating.level}",
            str(rating.author),
            context.day(rating.created_at),
        ]
        if rating.note:
            parts.append(rating.note)
        title = f' title="{escape(" · ".join(parts))}"'
    html = [
        f'<td id="cell-{row.client.pk}-{code}" class="{classes}" data-testid="grid-cell" '
        f'data-criterion="{code}"{title}><div class="grid-value">'
    ]
    unit = cell.unit
    editable = row.editable and unit == "level"
    if editable:
        url = escape(context.rate(row.client.pk, cell.criterion.code))
        html.append(
            f'<a class="grid-edit" href="{url}" hx-get="{url}" hx-target="closest td" '
            f'hx-swap="outerHTML" aria-label="{labels["rate"]} '
            f'{escape(cell.criterion.name)}" data-testid="grid-edit">'
        )
    if cell.missing:
        html.append(f'<span class="unknown" data-testid="grid-missing">{labels["missing"]}</span>')
    elif unit == "level":
        html.append(
            f'<span class="grid-level" data-testid="grid-level">{cell.level}</span>'
            '<span class="muted small">/5</span>'
        )
    else:
        figure = escape(_figure(cell, row, context.labels))
        html.append(f'<span data-testid="grid-raw">{figure}</span>')
    if editable:
        html.append('<span class="grid-edit-mark" aria-hidden="true">✎</span></a>')
    if cell.met:
        html.append(
            f'<span class="grid-flag grid-flag-met" title="{labels["met"]}" '
            f'data-testid="grid-met">✓<span class="visually-hidden"> {labels["met"]}</span></span>'
        )
    elif cell.met is False:
        html.append(
            f'<span class="grid-flag grid-flag-unmet" title="{labels["unmet"]}" '
            f'data-testid="grid-unmet">✗<span class="visually-hidden"> {labels["unmet"]}'
            "</span></span>"
        )
    html.append("</div>")
    if cell.pending:
        html.append(
            f'<div class="small grid-pending" data-testid="grid-pending">{labels["pending"]}</div>'
        )
    elif rating is not None:
        note = f" · {labels['note']}" if rating.note else ""
        day = escape(context.day(rating.created_at))
        html.append(f'<div class="muted small grid-rated">{day}{note}</div>')
    html.append("</td>")
    return mark_safe("".join(html))


def _figure(cell: GridCell, row: GridRow, labels: dict[str, str]) -> str:
    match cell.unit:
        case "money":
            return money(cell.raw, row.client.currency)
        case "pct":
            return pct(cell.raw, 1)
        case "days":
            return f"{number(cell.raw, 1)} {labels['days']}"
    return number(cell.raw, 0)
