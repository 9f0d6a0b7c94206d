"""Server-rendered SVG charts: plain values in, SVG markup out, for pages and PDFs alike.

No Django here. Every piece of text is escaped, and every ``<text>`` names its font because
PDF renderers do not let SVG text inherit the page's font.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from kam import formats

FONT = "DejaVu Sans, Segoe UI, Helvetica, Arial, sans-serif"
BAR_COLOUR = "#2f6db5"
LINE_COLOUR = "#d9822b"
GRID_COLOUR = "#e3e7ee"
INK = "#3b4558"
MUTED = "#6b7588"

YearPoint = tuple[int, Decimal | float | int, float | None]
"""(year, revenue, margin % or None when the margin is unknown)."""


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
) -> str:
    """Revenue as one bar per year, margin % as a line on its own right-hand axis.

    Years whose margin is unknown break the line instead of pretending to be zero.
    """
    left, right, top, bottom = 72, 56, 44, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart" '
        f'preserveAspectRatio="xMidYMid meet" font-family="{FONT}">',
        f"<title>{escape(title)}</title>",
    ]
    if not points:
        parts.append(_text(width / 2, height / 2, empty_label, anchor="middle", colour=MUTED))
        parts.append("</svg>")
        return "".join(parts)

    revenues = [float(revenue) for _, revenue, _ in points]
    margins = [margin for _, _, margin in points]
    known_margins = [float(margin) for margin in margins if margin is not None]

    rev_low, rev_high, rev_step = _nice_range(min(0.0, *revenues), max(0.0, *revenues))

    def rev_y(value: float) -> float:
        return top + plot_h * (rev_high - value) / (rev_high - rev_low)

    # Legend
    parts.append(f'<rect x="{left}" y="12" width="12" height="12" rx="2" fill="{BAR_COLOUR}"/>')
    parts.append(_text(left + 18, 22, revenue_label, colour=INK))
    if known_margins:
        legend_x = left + 36 + 8 * len(revenue_label)
        parts.append(
            f'<line x1="{legend_x}" y1="18" x2="{legend_x + 18}" y2="18" '
            f'stroke="{LINE_COLOUR}" stroke-width="2.5"/>'
            f'<circle cx="{legend_x + 9}" cy="18" r="3.5" fill="{LINE_COLOUR}"/>'
        )
        parts.append(_text(legend_x + 24, 22, margin_label, colour=INK))

    # Revenue grid and left axis
    steps = round((rev_high - rev_low) / rev_step)
    for index in range(steps + 1):
        value = rev_low + index * rev_step
        y = rev_y(value)
        colour = INK if math.isclose(value, 0.0, abs_tol=rev_step / 1e6) else GRID_COLOUR
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
        label = formats.compact_money(value, currency, locale=locale)
        parts.append(_text(left - 8, y + 4, label, anchor="end", colour=MUTED, size=11))

    # Bars and year labels
    slot = plot_w / len(points)
    bar_w = min(56.0, slot * 0.6)
    centres = []
    zero_y = rev_y(0.0)
    for index, (year, _, _) in enumerate(points):
        centre = left + slot * (index + 0.5)
        centres.append(centre)
        y = rev_y(revenues[index])
        bar_top, bar_h = min(y, zero_y), abs(zero_y - y)
        parts.append(
            f'<rect x="{centre - bar_w / 2:.1f}" y="{bar_top:.1f}" width="{bar_w:.1f}" '
            f'height="{max(bar_h, 0.0):.1f}" rx="2" fill="{BAR_COLOUR}">'
            f"<title>{escape(str(year))}</title></rect>"
        )
        parts.append(
            _text(centre, top + plot_h + 20, str(year), anchor="middle", colour=INK, size=12)
        )

    # Margin axis and line
    if known_margins:
        m_low, m_high, m_step = _nice_range(min(0.0, *known_margins), max(0.0, *known_margins))

        def margin_y(value: float) -> float:
            return top + plot_h * (m_high - value) / (m_high - m_low)

        for index in range(round((m_high - m_low) / m_step) + 1):
            value = m_low + index * m_step
            label = formats.format_pct(value, digits=0, locale=locale)
            parts.append(
                _text(left + plot_w + 8, margin_y(value) + 4, label, colour=LINE_COLOUR, size=11)
            )
        path: list[str] = []
        pen_down = False
        for centre, margin in zip(centres, margins, strict=True):
            if margin is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{centre:.1f},{margin_y(float(margin)):.1f}")
            pen_down = True
        parts.append(
            f'<path d="{" ".join(path)}" fill="none" stroke="{LINE_COLOUR}" '
            f'stroke-width="2.5" stroke-linejoin="round"/>'
        )
        for centre, margin in zip(centres, margins, strict=True):
            if margin is not None:
                label = formats.format_pct(float(margin), digits=1, locale=locale)
                parts.append(
                    f'<circle cx="{centre:.1f}" cy="{margin_y(float(margin)):.1f}" r="4" '
                    f'fill="#fff" stroke="{LINE_COLOUR}" stroke-width="2">'
                    f"<title>{escape(label)}</title></circle>"
                )

    parts.append("</svg>")
    return "".join(parts)


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
) -> str:
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

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart matrix" '
        f'preserveAspectRatio="xMidYMid meet" font-family="{FONT}">',
        f"<title>{escape(title)}</title>",
    ]
    half_w, half_h = plot_w / 2, plot_h / 2
    corners = (
        (left, top + half_h),
        (left + half_w, top + half_h),
        (left, top),
        (left + half_w, top),
    )
    for (x, y), fill, label in zip(corners, QUADRANT_FILLS, quadrant_labels, strict=True):
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{half_w:.1f}" height="{half_h:.1f}" '
            f'fill="{fill}" stroke="{GRID_COLOUR}"/>'
        )
        parts.append(_text(x + half_w / 2, y + 18, label, anchor="middle", colour=MUTED, size=11))
    for value in (0, 25, 50, 75, 100):
        parts.append(_text(px(value), top + plot_h + 16, str(value), anchor="middle", size=10))
        parts.append(_text(left - 8, py(value) + 4, str(value), anchor="end", size=10))
    parts.append(_text(left + plot_w / 2, height - 26, x_label, anchor="middle", size=12))
    parts.append(
        f'<text x="16" y="{top + plot_h / 2:.1f}" text-anchor="middle" font-family="{FONT}" '
        f'font-size="12" fill="{INK}" transform="rotate(-90 16 {top + plot_h / 2:.1f})">'
        f"{escape(y_label)}</text>"
    )
    if not points:
        parts.append(_text(width / 2, top + plot_h / 2, empty_label, anchor="middle", colour=MUTED))
    placed: list[tuple[float, float, float]] = []  # (left, right, baseline) of each label
    for point in sorted(points, key=lambda point: (point.highlighted, -point.maturity)):
        x, y = px(point.attractiveness), py(point.maturity)
        hover = f"{point.label} · {point.detail}" if point.detail else point.label
        radius, colour, opacity = (
            (7, HIGHLIGHT_COLOUR, 0.95) if point.highlighted else (4.5, BAR_COLOUR, 0.55)
        )
        mark = (
            f'<g class="matrix-point{" matrix-point-highlighted" if point.highlighted else ""}">'
            f"<title>{escape(hover)}</title>"
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius}" fill="{colour}" '
            f'fill-opacity="{opacity}" stroke="#fff" stroke-width="1.5"/>'
        )
        if point.highlighted:
            label = point.label if len(point.label) <= 24 else point.label[:23] + "…"
            span = 6.2 * len(label)
            anchor, dx = ("end", -10) if x > left + plot_w * 0.7 else ("start", 10)
            start = x + dx - span if anchor == "end" else x + dx
            baseline = y + 4
            while any(
                start < right_ and start + span > left_ and abs(baseline - other) < 13
                for left_, right_, other in placed
            ):
                baseline += 13  # move below the labels it would cover
            placed.append((start, start + span, baseline))
            if abs(baseline - y - 4) > 1:
                mark += (
                    f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + dx * 0.6:.1f}" '
                    f'y2="{baseline - 4:.1f}" stroke="{MUTED}" stroke-width="0.8"/>'
                )
            mark += _text(x + dx, baseline, label, anchor=anchor, size=11)
        mark += "</g>"
        if point.href:
            mark = f'<a href="{escape(point.href)}">{mark}</a>'
        parts.append(mark)
    legend_y = height - 8
    parts.append(
        f'<circle cx="{left + 6}" cy="{legend_y - 4}" r="6" fill="{HIGHLIGHT_COLOUR}"/>'
        + _text(left + 16, legend_y, legend[0], size=11)
        + f'<circle cx="{left + 156}" cy="{legend_y - 4}" r="4.5" fill="{BAR_COLOUR}" '
        'fill-opacity="0.55"/>' + _text(left + 166, legend_y, legend[1], size=11)
    )
    parts.append("</svg>")
    return "".join(parts)


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    colour: str = INK,
    size: int = 12,
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-family="{FONT}" '
        f'font-size="{size}" fill="{colour}">{escape(content)}</text>'
    )


def _nice_range(low: float, high: float, ticks: int = 4) -> tuple[float, float, float]:
    """Round ``low`` and ``high`` outwards to a step of 1, 2, 2.5 or 5 times a power of ten."""
    if math.isclose(low, high):
        high = low + 1.0
    raw = (high - low) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(factor * magnitude for factor in (1, 2, 2.5, 5, 10) if factor * magnitude >= raw)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step
