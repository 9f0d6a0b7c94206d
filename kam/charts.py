"""Server-rendered SVG charts: plain values in, SVG markup out, for pages and PDFs alike.

This module works out the geometry (positions, sizes, the labels' text); the markup is written by
``templates/kam/charts/*.svg``, whose template engine escapes every text. Every ``<text>`` names
its font because PDF renderers do not let SVG text inherit the page's font. Figures are written
by ``kam.formats`` in the locale given.
"""

from __future__ import annotations

import functools
import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kam import formats

FONT = "DejaVu Sans, Segoe UI, Helvetica, Arial, sans-serif"
BAR_COLOUR = "#2f6db5"
LINE_COLOUR = "#d9822b"
GRID_COLOUR = "#e3e7ee"
INK = "#3b4558"
MUTED = "#6b7588"
COLOURS = {
    "font": FONT,
    "bar_colour": BAR_COLOUR,
    "line_colour": LINE_COLOUR,
    "grid_colour": GRID_COLOUR,
    "ink": INK,
    "muted": MUTED,
}

YearPoint = tuple[int, Decimal | float | int, float | None]
"""(year, revenue, margin % or None when the margin is unknown)."""


@dataclass(frozen=True)
class Text:
    """One ``<text>`` of a chart, its coordinates written with one decimal."""

    x: str
    y: str
    content: str
    anchor: str = "start"
    colour: str = INK
    size: int = 12


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    colour: str = INK,
    size: int = 12,
) -> Text:
    return Text(f"{x:.1f}", f"{y:.1f}", content, anchor, colour, size)


def revenue_margin_chart(
    points: Sequence[YearPoint],
    *,
    currency: str,
    locale: str = "en",
    title: str = "Revenue and margin by year",
    revenue_label: str = "Revenue",
    margin_label: str = "Margin %",
    empty_label: str = "No figures yet",
    width: int = 720,
    height: int = 300,
) -> SafeString:
    """Revenue as one bar per year, margin % as a line on its own right-hand axis.

    Years whose margin is unknown break the line instead of pretending to be zero.
    """
    left, right, top, bottom = 72, 56, 44, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    context: dict[str, object] = {
        **COLOURS,
        "width": width,
        "height": height,
        "title": title,
    }
    if not points:
        context["empty"] = _text(width / 2, height / 2, empty_label, anchor="middle", colour=MUTED)
        return render_to_string("kam/charts/revenue_margin.svg", context)

    revenues = [float(revenue) for _, revenue, _ in points]
    margins = [margin for _, _, margin in points]
    known_margins = [float(margin) for margin in margins if margin is not None]

    rev_low, rev_high, rev_step = _nice_range(min(0.0, *revenues), max(0.0, *revenues))

    def rev_y(value: float) -> float:
        return top + plot_h * (rev_high - value) / (rev_high - rev_low)

    context["legend_x"] = left
    context["revenue_legend"] = _text(left + 18, 22, revenue_label, colour=INK)
    if known_margins:
        legend_x = left + 36 + 8 * len(revenue_label)
        context["margin_legend"] = {
            "x1": legend_x,
            "x2": legend_x + 18,
            "cx": legend_x + 9,
            "label": _text(legend_x + 24, 22, margin_label, colour=INK),
        }

    grid = []
    for index in range(round((rev_high - rev_low) / rev_step) + 1):
        value = rev_low + index * rev_step
        y = rev_y(value)
        label = formats.compact_money(value, currency, locale=locale)
        grid.append(
            {
                "x2": left + plot_w,
                "y": f"{y:.1f}",
                "colour": INK if math.isclose(value, 0.0, abs_tol=rev_step / 1e6) else GRID_COLOUR,
                "label": _text(left - 8, y + 4, label, anchor="end", colour=MUTED, size=11),
            }
        )
    context["grid"] = grid

    slot = plot_w / len(points)
    bar_w = min(56.0, slot * 0.6)
    centres = []
    zero_y = rev_y(0.0)
    bars = []
    for index, (year, _, _) in enumerate(points):
        centre = left + slot * (index + 0.5)
        centres.append(centre)
        y = rev_y(revenues[index])
        bar_top, bar_h = min(y, zero_y), abs(zero_y - y)
        bars.append(
            {
                "x": f"{centre - bar_w / 2:.1f}",
                "y": f"{bar_top:.1f}",
                "width": f"{bar_w:.1f}",
                "height": f"{max(bar_h, 0.0):.1f}",
                "year": str(year),
                "label": _text(
                    centre, top + plot_h + 20, str(year), anchor="middle", colour=INK, size=12
                ),
            }
        )
    context["bars"] = bars

    if known_margins:
        m_low, m_high, m_step = _nice_range(min(0.0, *known_margins), max(0.0, *known_margins))

        def margin_y(value: float) -> float:
            return top + plot_h * (m_high - value) / (m_high - m_low)

        context["margin_labels"] = [
            _text(
                left + plot_w + 8,
                margin_y(value) + 4,
                formats.format_pct(value, digits=0, locale=locale),
                colour=LINE_COLOUR,
                size=11,
            )
            for value in (
                m_low + index * m_step for index in range(round((m_high - m_low) / m_step) + 1)
            )
        ]
        path: list[str] = []
        pen_down = False
        for centre, margin in zip(centres, margins, strict=True):
            if margin is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{centre:.1f},{margin_y(float(margin)):.1f}")
            pen_down = True
        context["margin_path"] = " ".join(path)
        context["margin_points"] = [
            {
                "cx": f"{centre:.1f}",
                "cy": f"{margin_y(float(margin)):.1f}",
                "label": formats.format_pct(float(margin), digits=1, locale=locale),
            }
            for centre, margin in zip(centres, margins, strict=True)
            if margin is not None
        ]
    return render_to_string("kam/charts/revenue_margin.svg", context)


SERIES_COLOURS = ("#9db4d3", BAR_COLOUR, LINE_COLOUR)
"""The bars of a comparison chart, in the order of its series: last year pale, this year full."""


@dataclass(frozen=True)
class BarGroup:
    """One group of bars of a comparison chart: its label and one value per series (``None``:
    unknown, drawn as no bar with a dash, never as zero)."""

    label: str
    values: Sequence[float | None]


def comparison_chart(
    groups: Sequence[BarGroup],
    *,
    series: Sequence[str],
    value_text: Callable[[float], str],
    axis_text: Callable[[float], str] | None = None,
    title: str = "Comparison",
    empty_label: str = "No figures yet",
    width: int = 420,
    height: int = 250,
) -> SafeString:
    """Groups of bars side by side (one bar per series in each group), each bar labelled with
    its value, on a shared axis through zero; for figures to compare across groups and years.
    Small enough to read on a phone: a few groups of a few bars, and large labels."""
    left, right, top, bottom = 58, 10, 48, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    axis_text = axis_text or value_text
    context: dict[str, object] = {**COLOURS, "width": width, "height": height, "title": title}
    known = [float(value) for group in groups for value in group.values if value is not None]
    if not known:
        context["empty"] = _text(width / 2, height / 2, empty_label, anchor="middle", colour=MUTED)
        return render_to_string("kam/charts/comparison.svg", context)
    low, high, step = _nice_range(min(0.0, *known), max(0.0, *known))

    def y_of(value: float) -> float:
        return top + plot_h * (high - value) / (high - low)

    x = float(left)
    legend = []
    for index, name in enumerate(series):
        legend.append(
            {
                "x": f"{x:.1f}",
                "colour": SERIES_COLOURS[index % len(SERIES_COLOURS)],
                "label": _text(x + 16, 22, name, size=13),
            }
        )
        x += 34 + 7.5 * len(name)
    context["legend"] = legend
    grid = []
    for index in range(round((high - low) / step) + 1):
        value = low + index * step
        y = y_of(value)
        grid.append(
            {
                "y": f"{y:.1f}",
                "x2": left + plot_w,
                "colour": INK if math.isclose(value, 0.0, abs_tol=step / 1e6) else GRID_COLOUR,
                "label": _text(
                    left - 6, y + 4, axis_text(value), anchor="end", colour=MUTED, size=11
                ),
            }
        )
    context["grid"] = grid
    context["left"] = left
    zero_y = y_of(0.0)
    slot = plot_w / len(groups)
    bar_w = min(64.0, slot * 0.8 / max(len(series), 1))
    bars: list[dict[str, object]] = []
    labels: list[Text] = []
    for index, group in enumerate(groups):
        centre = left + slot * (index + 0.5)
        labels.append(_text(centre, top + plot_h + 20, group.label, anchor="middle", size=13))
        first = centre - bar_w * len(group.values) / 2
        for position, figure in enumerate(group.values):
            bar_x = first + bar_w * position
            colour = SERIES_COLOURS[position % len(SERIES_COLOURS)]
            middle = bar_x + bar_w / 2
            if figure is None:
                bars.append(
                    {"label": _text(middle, zero_y - 6, "—", anchor="middle", colour=MUTED)}
                )
                continue
            y = y_of(float(figure))
            bar_top, bar_h = min(y, zero_y), abs(zero_y - y)
            text = value_text(float(figure))
            label_y = bar_top - 6 if figure >= 0 else bar_top + bar_h + 15
            bars.append(
                {
                    "x": f"{bar_x + 2:.1f}",
                    "y": f"{bar_top:.1f}",
                    "width": f"{bar_w - 4:.1f}",
                    "height": f"{bar_h:.1f}",
                    "colour": colour,
                    "hover": f"{group.label} · {series[position]} · {text}",
                    "label": _text(middle, label_y, text, anchor="middle", size=12),
                }
            )
    context["bars"] = bars
    context["group_labels"] = labels
    return render_to_string("kam/charts/comparison.svg", context)


@dataclass(frozen=True)
class MatrixPoint:
    """One client on the portfolio matrix; both axes run from 0 to 100."""

    label: str
    attractiveness: float
    maturity: float
    highlighted: bool = False
    detail: str = ""  # shown on hover, after the label
    href: str = ""


HIGHLIGHT_COLOUR = "#d9822b"
QUADRANT_FILLS = ("#f7f9fc", "#eef3fa", "#f7f9fc", "#fdf3e8")
"""Bottom-left, bottom-right, top-left, top-right: the top-right quadrant is warmest."""


def portfolio_matrix(
    points: Sequence[MatrixPoint],
    *,
    title: str = "Portfolio matrix",
    x_label: str = "Attractiveness (financial + strategic)",
    y_label: str = "Maturity of the relationship",
    quadrant_labels: tuple[str, str, str, str] = (
        "Serve efficiently",
        "Develop the relationship",
        "Maintain",
        "Key accounts",
    ),
    legend: tuple[str, str] = ("Shortlisted", "Other clients"),
    empty_label: str = "No scores yet",
    width: int = 640,
    height: int = 460,
) -> SafeString:
    """Clients placed by attractiveness (x) and maturity (y), split into four quadrants at 50.

    Shortlisted clients are drawn last (on top), larger and labelled; every point carries its
    label and detail as a hover title, and links to ``href`` when given. Quadrant labels are in
    the order bottom-left, bottom-right, top-left, top-right.
    """
    left, right, top, bottom = 56, 20, 40, 64
    plot_w, plot_h = width - left - right, height - top - bottom

    def px(value: float) -> float:
        return left + plot_w * min(max(value, 0.0), 100.0) / 100

    def py(value: float) -> float:
        return top + plot_h * (1 - min(max(value, 0.0), 100.0) / 100)

    half_w, half_h = plot_w / 2, plot_h / 2
    corners = (
        (left, top + half_h),
        (left + half_w, top + half_h),
        (left, top),
        (left + half_w, top),
    )
    quadrants = [
        {
            "x": f"{x:.1f}",
            "y": f"{y:.1f}",
            "width": f"{half_w:.1f}",
            "height": f"{half_h:.1f}",
            "fill": fill,
            "label": _text(x + half_w / 2, y + 18, label, anchor="middle", colour=MUTED, size=11),
        }
        for (x, y), fill, label in zip(corners, QUADRANT_FILLS, quadrant_labels, strict=True)
    ]
    ticks = []
    for value in (0, 25, 50, 75, 100):
        ticks.append(_text(px(value), top + plot_h + 16, str(value), anchor="middle", size=10))
        ticks.append(_text(left - 8, py(value) + 4, str(value), anchor="end", size=10))
    # Plain dicts, the quickest rows for the template engine: a page may place 1,000 clients.
    others: list[dict[str, str]] = []  # drawn first, small and unlabelled
    highlighted: list[dict[str, object]] = []  # on top, larger, labelled
    placed: list[tuple[float, float, float]] = []  # (left, right, baseline) of each label
    for point in sorted(points, key=lambda point: (point.highlighted, -point.maturity)):
        x, y = px(point.attractiveness), py(point.maturity)
        mark: dict[str, object] = {
            "x": f"{x:.1f}",
            "y": f"{y:.1f}",
            "hover": f"{point.label} · {point.detail}" if point.detail else point.label,
            "href": point.href,
        }
        if not point.highlighted:
            others.append(mark)  # type: ignore[arg-type]  # every value is a str
            continue
        text = point.label if len(point.label) <= 24 else point.label[:23] + "…"
        span = 6.2 * len(text)
        anchor, dx = ("end", -10) if x > left + plot_w * 0.7 else ("start", 10)
        start = x + dx - span if anchor == "end" else x + dx
        baseline = y + 4
        while any(
            start < right_ and start + span > left_ and abs(baseline - other) < 13
            for left_, right_, other in placed
        ):
            baseline += 13  # move below the labels it would cover
        placed.append((start, start + span, baseline))
        if abs(baseline - y - 4) > 1:  # a leader line from the point to its moved label
            mark["leader"] = {"x": f"{x + dx * 0.6:.1f}", "y": f"{baseline - 4:.1f}"}
        mark["label"] = _text(x + dx, baseline, text, anchor=anchor, size=11)
        highlighted.append(mark)
    legend_y = height - 8
    context = {
        **COLOURS,
        "highlight_colour": HIGHLIGHT_COLOUR,
        "width": width,
        "height": height,
        "title": title,
        "quadrants": quadrants,
        "ticks": ticks,
        "x_label": _text(left + plot_w / 2, height - 26, x_label, anchor="middle", size=12),
        "y_label": y_label,
        "y_label_y": f"{top + plot_h / 2:.1f}",
        "empty": None
        if points
        else _text(width / 2, top + plot_h / 2, empty_label, anchor="middle", colour=MUTED),
        "others": others,
        "highlighted": highlighted,
        "legend": {
            "x": left + 6,
            "y": legend_y - 4,
            "other_x": left + 156,
            "shortlisted": _text(left + 16, legend_y, legend[0], size=11),
            "other": _text(left + 166, legend_y, legend[1], size=11),
        },
    }
    return render_to_string("kam/charts/portfolio_matrix.svg", context)


def _nice_range(low: float, high: float, ticks: int = 4) -> tuple[float, float, float]:
    """Round ``low`` and ``high`` outwards to a step of 1, 2, 2.5 or 5 times a power of ten."""
    if math.isclose(low, high):
        high = low + 1.0
    raw = (high - low) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(factor * magnitude for factor in (1, 2, 2.5, 5, 10) if factor * magnitude >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


@dataclass(frozen=True)
class MapNode:
    """One of the customer's people on the relationship map; ``parent`` is the ``key`` of the
    person they report to (``None``, or a key not on the map: a root)."""

    key: int
    parent: int | None
    name: str
    title: str
    role: str
    country: str
    attitude: str  # a key of ATTITUDE_COLOURS
    influence: int  # 1 to 5
    detail: str = ""  # shown on hover


ATTITUDE_COLOURS = {
    "advocate": ("#1f7a4d", "#e3f3ea"),
    "supportive": ("#4f9d69", "#eef7f0"),
    "neutral": ("#6b7588", "#f2f4f7"),
    "sceptical": ("#b7791f", "#fdf3dc"),
    "hostile": ("#b42318", "#fdecea"),
}
"""Attitude → (stroke and marker, box fill): green for our friends, red for our opponents."""

MAP_WIDTH, MAP_BOX_W, MAP_BOX_H, MAP_GAP_X, MAP_GAP_Y, MAP_MARGIN = 960, 176, 66, 12, 34, 12
MAP_GUTTER = 22
"""Room on the left of a team that wraps into several rows, for the line that joins them."""
MAP_COLUMNS = (MAP_WIDTH - 2 * MAP_MARGIN + MAP_GAP_X) // (MAP_BOX_W + MAP_GAP_X)


def _clip(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


@dataclass
class _Block:
    """A person and everyone below them, laid out from (0, 0): the boxes' top-left corners and
    the links (SVG path data) from each manager to each report."""

    width: float
    height: float
    anchor: float  # the centre x of the person's box
    boxes: list[tuple[MapNode, float, float]]
    links: list[list[tuple[str, float, float]]]  # per report: ("M" | "L", x, y) points

    def moved(self, dx: float, dy: float) -> _Block:
        return _Block(
            self.width,
            self.height,
            self.anchor + dx,
            [(node, x + dx, y + dy) for node, x, y in self.boxes],
            [[(op, x + dx, y + dy) for op, x, y in link] for link in self.links],
        )


def _rows(blocks: list[_Block], room: float) -> list[list[_Block]]:
    """Blocks in rows of at most ``room`` wide (a row holds at least one)."""
    rows: list[list[_Block]] = []
    width = 0.0
    for block in blocks:
        if rows and width + MAP_GAP_X + block.width <= room:
            rows[-1].append(block)
            width += MAP_GAP_X + block.width
        else:
            rows.append([block])
            width = block.width
    return rows


def _team(
    node: MapNode, children: dict[int | None, list[MapNode]], room: float, seen: set[int]
) -> _Block:
    """``node`` above their reports, the reports side by side in rows no wider than ``room``.
    A line drops from the manager to a bus over each row; rows after the first hang from a line
    in the left gutter, so that no link crosses a box."""
    seen.add(node.key)
    reports = [child for child in children.get(node.key, []) if child.key not in seen]
    inner = max(room - MAP_GUTTER, float(MAP_BOX_W))
    blocks = [_team(child, children, inner, seen) for child in reports]
    if not blocks:
        return _Block(MAP_BOX_W, MAP_BOX_H, MAP_BOX_W / 2, [(node, 0.0, 0.0)], [])
    rows = _rows(blocks, room)
    if len(rows) > 1:
        rows = _rows(blocks, inner)
    gutter = MAP_GUTTER if len(rows) > 1 else 0
    content = max(sum(b.width for b in row) + MAP_GAP_X * (len(row) - 1) for row in rows)
    left = max(gutter + (content - MAP_BOX_W) / 2, 0.0)
    anchor = left + MAP_BOX_W / 2
    boxes: list[tuple[MapNode, float, float]] = [(node, left, 0.0)]
    links: list[list[tuple[str, float, float]]] = []
    top = float(MAP_BOX_H + MAP_GAP_Y)
    first_bus = top - MAP_GAP_Y / 2
    trunk = gutter / 2
    for index, row in enumerate(rows):
        bus = top - MAP_GAP_Y / 2
        x = float(gutter)
        for block in row:
            placed = block.moved(x, top)
            boxes += placed.boxes
            links += placed.links
            path = [("M", anchor, float(MAP_BOX_H)), ("L", anchor, first_bus)]
            if index:
                path += [("L", trunk, first_bus), ("L", trunk, bus)]
            path += [("L", placed.anchor, bus), ("L", placed.anchor, top)]
            links.append(path)
            x += block.width + MAP_GAP_X
        top += max(block.height for block in row) + MAP_GAP_Y
    width = max(gutter + content, left + MAP_BOX_W)
    return _Block(width, top - MAP_GAP_Y, anchor, boxes, links)


def relationship_map(
    nodes: Sequence[MapNode],
    *,
    title: str = "Relationship map",
    legend: Sequence[tuple[str, str]] = (),
    influence_label: str = "Circle size: influence 1 to 5",
    empty_label: str = "No stakeholders yet",
) -> SafeString:
    """The customer's people as an org chart: each person above the people who report to them,
    joined by lines; boxes coloured by attitude, their marker sized by influence. Several roots
    (and people reporting to no one) sit side by side at the top.

    A team wider than the chart wraps into rows, hanging from a line on their left, so that the
    chart is never wider than ``MAP_WIDTH`` (``MAP_COLUMNS`` boxes) and no link crosses a box: a
    hundred people make a taller chart, not a wider one. ``legend`` is (attitude, label) in the
    order to show.
    """
    keys = {node.key for node in nodes}
    children: dict[int | None, list[MapNode]] = {}
    for node in nodes:
        parent = node.parent if node.parent in keys and node.parent != node.key else None
        children.setdefault(parent, []).append(node)
    for siblings in children.values():
        siblings.sort(key=lambda node: (-node.influence, node.name.casefold(), node.key))

    room = MAP_WIDTH - 2 * MAP_MARGIN
    seen: set[int] = set()
    blocks = [_team(node, children, room, seen) for node in children.get(None, [])]
    for node in nodes:  # people in a loop (never from the services) are still shown
        if node.key not in seen:
            blocks.append(_team(node, children, room, seen))

    legend_h = 58 if legend else 0
    legend_items = []
    x = float(MAP_MARGIN)
    for attitude, label in legend:
        stroke, fill = ATTITUDE_COLOURS.get(attitude, ATTITUDE_COLOURS["neutral"])
        legend_items.append(
            {
                "x": f"{x:.1f}",
                "cx": f"{x + 7:.1f}",
                "stroke": stroke,
                "fill": fill,
                "label": _text(x + 20, MAP_MARGIN + 16, label, size=12),
            }
        )
        x += 34 + 7 * len(label)
    rows = _rows(blocks, room)
    widths = [sum(b.width for b in row) + MAP_GAP_X * (len(row) - 1) for row in rows]
    width = int(
        max(
            max(widths, default=0) + 2 * MAP_MARGIN,
            x if legend else 0,
            MAP_MARGIN + 172 + 7 * len(influence_label) if legend else 0,
            2 * MAP_MARGIN + MAP_BOX_W,
        )
    )
    top = float(MAP_MARGIN + legend_h)
    boxes: list[dict[str, object]] = []
    links: list[str] = []
    for row, row_w in zip(rows, widths, strict=True):
        x = (width - row_w) / 2
        for block in row:
            placed = block.moved(x, top)
            boxes += [_map_box(node, bx, by) for node, bx, by in placed.boxes]
            links += [
                SafeString(" ".join(f"{op}{px:.1f},{py:.1f}" for op, px, py in link))
                for link in placed.links
            ]  # digits, written as they are
            x += block.width + MAP_GAP_X
        top += max(block.height for block in row) + MAP_GAP_Y
    height = int(max(top - MAP_GAP_Y + MAP_MARGIN, MAP_MARGIN + legend_h + 60))
    sizes = [
        {"cx": f"{MAP_MARGIN + 8 + 30 * index:.1f}", "r": f"{_influence_radius(level):.1f}"}
        for index, level in enumerate(range(1, 6))
    ]
    context = {
        **COLOURS,
        "width": width,
        "height": height,
        "title": title,
        "boxes": boxes,
        "links": links,
        "legend": legend_items,
        "sizes": sizes,
        "sizes_y": MAP_MARGIN + 40,
        "influence_label": _text(MAP_MARGIN + 160, MAP_MARGIN + 44, influence_label, size=12),
        "box_w": MAP_BOX_W,
        "box_h": MAP_BOX_H,
        "empty": None
        if nodes
        else _text(
            width / 2, MAP_MARGIN + legend_h + 34, empty_label, anchor="middle", colour=MUTED
        ),
    }
    return render_to_string("kam/charts/relationship_map.svg", context)


MAP_CACHE_SECONDS = 24 * 60 * 60
"""How long a drawn relationship map stays cached; its key is a digest of all it shows."""


def relationship_map_cached(nodes: Sequence[MapNode], **words: Any) -> SafeString:
    """``relationship_map(nodes, **words)`` from the cache when the same people were drawn with
    the same words before: the key is a digest of everything the map is drawn from, and of this
    module and the map's template (a new version draws anew)."""
    digest = hashlib.sha256(_map_version().encode())
    digest.update(repr((list(nodes), sorted(words.items()))).encode())
    key = f"relationship-map:{digest.hexdigest()}"
    markup = cache.get(key)
    if markup is None:
        markup = relationship_map(nodes, **words)
        cache.set(key, str(markup), MAP_CACHE_SECONDS)
    return mark_safe(markup)  # drawn by the template above, which escaped every text


@functools.cache
def _map_version() -> str:
    template = Path(settings.BASE_DIR, "templates", "kam", "charts", "relationship_map.svg")
    return hashlib.sha256(Path(__file__).read_bytes() + template.read_bytes()).hexdigest()


def _influence_radius(influence: int) -> float:
    return 4.0 + 2.2 * min(max(influence, 1), 5)


def _map_box(node: MapNode, x: float, y: float) -> dict[str, object]:
    """What a person's box writes, ready for the map's template: a hundred boxes of some thirty
    values each, so the coordinates this module writes and its colours go as they are (they
    need no escaping, and escaping 3,000 of them took a third of the map's time) and the
    person's texts are escaped once here."""
    stroke, fill = ATTITUDE_COLOURS.get(node.attitude, ATTITUDE_COLOURS["neutral"])
    stroke, fill = SafeString(stroke), SafeString(fill)
    marker_x = x + 18
    text_x = _coordinate(x + 36)
    facts = " · ".join(part for part in (node.role, node.country) if part)
    return {
        "key": node.key,
        "x": _coordinate(x),
        "y": _coordinate(y),
        "stroke": stroke,
        "fill": fill,
        "attitude": escape(node.attitude),
        "influence": SafeString(int(node.influence)),
        "cx": _coordinate(marker_x),
        "cy": _coordinate(y + MAP_BOX_H / 2),
        "r": _coordinate(_influence_radius(node.influence)),
        "hover": escape(
            " · ".join(
                part
                for part in (node.name, node.title, node.role, node.country, node.detail)
                if part
            )
        ),
        "lines": [
            _map_line(text_x, y + 19, node.name, 20, size=12, colour=_SAFE_INK),
            _map_line(text_x, y + 36, node.title, 23, size=11, colour=_SAFE_MUTED),
            _map_line(text_x, y + 53, facts, 23, size=11, colour=stroke),
        ],
    }


_SAFE_INK, _SAFE_MUTED, _START = SafeString(INK), SafeString(MUTED), SafeString("start")


def _coordinate(value: float) -> SafeString:
    """A coordinate as ``_text`` writes it (one decimal): digits, safe to write as they are."""
    return SafeString(f"{value:.1f}")


def _map_line(
    x: SafeString, y: float, text: str, length: int, *, size: int, colour: SafeString
) -> dict[str, object]:
    """A line of a person's box, as the map's ``text`` partial reads a ``Text``: clipped to
    ``length`` characters, then escaped."""
    return {
        "x": x,
        "y": _coordinate(y),
        "content": escape(_clip(text, length)),
        "anchor": _START,
        "colour": colour,
        "size": SafeString(size),
    }


# --- budget gauge ---------------------------------------------------------------------------------

SHORTLIST_COLOUR = "#9aa9c2"
OVER_COLOUR = "#c0392b"
TRACK_COLOUR = "#eef1f6"


def budget_gauge(
    *,
    budget: Decimal | float,
    parts: Sequence[tuple[str, Decimal | float]],
    currency: str,
    locale: str = "en",
    title: str = "Budget",
    caption: str = "",
    budget_label: str = "Budget",
    width: int = 420,
    height: int = 96,
) -> SafeString:
    """A horizontal gauge of a budget: the ``parts`` committed against it (label, amount), one
    after the other (the first in grey, the next in blue), the budget as a marker, and whatever
    goes past the budget in red."""
    left, right, bar_y, bar_h = 12, 12, 40, 22
    plot_w = width - left - right
    amounts = [max(float(amount), 0.0) for _, amount in parts]
    total = sum(amounts)
    budget_f = max(float(budget), 0.0)
    scale = max(budget_f, total) or 1.0

    def x_of(value: float) -> float:
        return left + plot_w * value / scale

    segments = []
    start = 0.0
    for index, ((label, _), amount) in enumerate(zip(parts, amounts, strict=True)):
        if amount <= 0:
            continue
        end = start + amount
        within_end = min(end, budget_f) if budget_f else start
        colour = SHORTLIST_COLOUR if index == 0 else BAR_COLOUR
        if within_end > start:
            segments.append(
                {
                    "x": f"{x_of(start):.1f}",
                    "width": f"{x_of(within_end) - x_of(start):.1f}",
                    "colour": colour,
                    "label": f"{label}: {formats.compact_money(amount, currency, locale=locale)}",
                }
            )
        over_start = max(start, budget_f)
        if end > over_start:
            segments.append(
                {
                    "x": f"{x_of(over_start):.1f}",
                    "width": f"{x_of(end) - x_of(over_start):.1f}",
                    "colour": OVER_COLOUR,
                    "label": f"{label}: {formats.compact_money(amount, currency, locale=locale)}",
                }
            )
        start = end
    marker_x = x_of(budget_f)
    context = {
        **COLOURS,
        "width": width,
        "height": height,
        "title": title,
        "track": {"x": left, "y": bar_y, "width": plot_w, "height": bar_h},
        "track_colour": TRACK_COLOUR,
        "over_colour": OVER_COLOUR,
        "segments": segments,
        "over": total > budget_f,
        "marker": {"x": f"{marker_x:.1f}", "y1": bar_y - 6, "y2": bar_y + bar_h + 6},
        "heading": _text(left, 18, title, size=13),
        "caption": _text(
            left, 32, caption, colour=OVER_COLOUR if total > budget_f else MUTED, size=11
        ),
        "budget_text": _text(
            min(max(marker_x, left + 60), width - right),
            bar_y + bar_h + 20,
            f"{budget_label} {formats.compact_money(budget_f, currency, locale=locale)}",
            anchor="end" if marker_x > width / 2 else "start",
            colour=INK,
            size=11,
        ),
    }
    return render_to_string("kam/charts/budget_gauge.svg", context)
