"""The ranking table's rows as HTML, written in Python.

Like the selection grid's cells (``scoring/grid_cells.py``): a ranking of a few hundred clients
is too many rows for the template engine within the page's time budget, so the rows are written
here, every text escaped, and the page template keeps everything else. Words and links come in
``RowContext``, worked out once a page in the active language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape  # Django's escape is this, behind a check for lazy text

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from kam.formats import figure_format
from scoring.models import ClientScore, Override

_PLACEHOLDER = "987654321"


@dataclass
class RowContext:
    """What every row repeats: its words, in the active language, and the explanation link."""

    explanation_url: tuple[str, str]  # before and after the client id
    words: dict[str, str]
    kinds: dict[str, str]  # an override's kind → its label
    _days: dict[dt.date, str] = field(default_factory=dict)
    previous: str = field(init=False)  # "Rank %(rank)s in the previous run"
    integer: Callable[[object], str] = field(init=False)
    decimal: Callable[[object], str] = field(init=False)
    percent: Callable[[object], str] = field(init=False)

    def __post_init__(self) -> None:
        self.previous = gettext("Rank %(rank)s in the previous run")
        self.integer = figure_format("number")
        self.decimal = figure_format("number", 1)
        self.percent = figure_format("pct", 0)

    @classmethod
    def build(cls) -> RowContext:
        before, after = reverse("scoring:client_explanation", args=[_PLACEHOLDER]).split(
            _PLACEHOLDER
        )
        words = {
            "new": gettext("new"),
            "same": gettext("Same rank as in the previous run"),
            "pts": gettext("pts"),
            "stable": gettext("stable"),
            "fragile": gettext("fragile"),
            "none": "—",
        }
        kinds = {kind: str(label) for kind, label in Override.Kind.choices}
        return cls((before, after), {key: escape(text) for key, text in words.items()}, kinds)

    def day(self, moment: dt.datetime) -> str:
        """A day in the reader's short date format (once per distinct day)."""
        day = timezone.localdate(moment)
        if day not in self._days:
            self._days[day] = formats.date_format(day, "SHORT_DATE_FORMAT")
        return self._days[day]


def rows_html(rows: list[ClientScore], context: RowContext) -> SafeString:
    """Every ``<tr>`` of a ranking (rows as ``selectors.ranking_rows`` gives them)."""
    return mark_safe("".join(row_html(row, context) for row in rows))


def row_html(row: ClientScore, context: RowContext) -> str:
    words = context.words
    previous = row.previous_rank  # type: ignore[attr-defined]
    change = row.rank_change  # type: ignore[attr-defined]
    if previous is None:
        move = f'<span class="move move-new">{words["new"]}</span>'
    elif change:
        title = escape(context.previous % {"rank": context.integer(previous)})
        arrow, kind = ("▲", "up") if change > 0 else ("▼", "down")
        move = f'<span class="move move-{kind}" title="{title}">{arrow}{abs(change)}</span>'
    else:
        move = f'<span class="move" title="{words["same"]}">=</span>'
    client = row.client
    kam = escape(str(client.kam)) if client.kam_id else words["none"]
    label = row.stability_label  # type: ignore[attr-defined]
    return (
        '<tr data-testid="ranking-row">'
        f'<th scope="row" class="num" data-testid="ranking-rank">{context.integer(row.rank)}</th>'
        f'<td class="nowrap" data-testid="ranking-move">{move}</td>'
        '<td class="ranking-client">'
        f'<a class="strong" href="{context.explanation_url[0]}{row.client_id}'
        f'{context.explanation_url[1]}" data-testid="ranking-client">{escape(client.name)}</a>'
        f'<div class="muted small">{kam}</div></td>'
        '<td class="score-cell"><div class="score">'
        f'<span class="score-value" data-testid="ranking-total">{context.decimal(row.total)}</span>'
        '<span class="score-bar" aria-hidden="true">'
        f'<span style="width: {row.total:.1f}%"></span></span></div>'
        f"{_override_html(row.active_override, context)}</td>"  # type: ignore[attr-defined]
        f'<td class="num">{context.decimal(row.financial)}</td>'
        f'<td class="num">{context.decimal(row.strategic)}</td>'
        f'<td class="num">{context.decimal(row.maturity)}</td>'
        f'<td class="num">{context.percent(row.coverage)}</td>'
        '<td class="nowrap" data-testid="ranking-stability">'
        f'<span class="badge badge-{label}">{words[label]}</span> '
        f'<span class="muted small">{context.percent(row.stability_pct)}</span></td>'  # type: ignore[attr-defined]
        "</tr>"
    )


def _override_html(override: Override | None, context: RowContext) -> str:
    if override is None:
        return ""
    if override.kind == Override.Kind.ADJUST:
        sign = "+" if override.points > 0 else ""
        badge = f"{sign}{context.decimal(override.points)} {context.words['pts']}"
    else:
        badge = escape(context.kinds[override.kind])
    by = gettext("by %(author)s, %(date)s") % {
        "author": str(override.author),
        "date": context.day(override.created_at),
    }
    return (
        '<div class="override small" data-testid="ranking-override">'
        f'<span class="badge badge-override">{badge}</span> '
        f'<span class="muted">{escape(by)}</span></div>'
    )
