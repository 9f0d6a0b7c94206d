"""kam/charts.py: the charts are valid SVG, escaped by their templates and honest about gaps."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.utils import translation

from kam import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]


def test_revenue_margin_chart_is_valid_scalable_svg_with_one_bar_per_year():
    markup = charts.revenue_margin_chart(
        [(2022, Decimal("1000"), 10.0), (2023, Decimal("1500"), 12.5), (2024, 800, 8.0)],
        currency="EUR",
    )
    root = parse(markup)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 720 300"
    assert "width" not in root.attrib  # sized by its container
    assert [bar.find(f"{SVG}title").text for bar in bars(root)] == ["2022", "2023", "2024"]
    heights = [float(bar.get("height")) for bar in bars(root)]
    assert heights[1] > heights[0] > heights[2] > 0
    assert heights[0] / heights[1] == pytest.approx(1000 / 1500, rel=0.01)
    line = root.find(f"{SVG}path")
    assert line is not None
    assert line.get("d").count("M") == 1
    assert line.get("d").count("L") == 2


def test_revenue_margin_chart_names_the_font_on_every_text():
    root = parse(charts.revenue_margin_chart([(2024, 10, 5.0)], currency="EUR"))
    texts = list(root.iter(f"{SVG}text"))
    assert texts
    assert all(text.get("font-family") for text in texts)


def test_revenue_margin_chart_escapes_every_label():
    hostile = '<script>alert("x")</script> & Co'
    markup = charts.revenue_margin_chart(
        [(2024, 10, 5.0)],
        currency="EUR",
        title=hostile,
        revenue_label=hostile,
        margin_label=hostile,
    )
    root = parse(markup)  # would fail on raw markup
    assert "<script>" not in markup
    assert root.find(f"{SVG}title").text == hostile
    assert root.get("aria-label") == hostile
    assert [text.text for text in root.iter(f"{SVG}text")].count(hostile) == 2


def test_revenue_margin_chart_breaks_the_margin_line_where_the_margin_is_unknown():
    markup = charts.revenue_margin_chart(
        [(2021, 100, 10.0), (2022, 120, None), (2023, 130, 12.0), (2024, 150, 14.0)],
        currency="EUR",
    )
    root = parse(markup)
    path = root.find(f"{SVG}path").get("d")
    assert re.findall(r"[ML]", path) == ["M", "M", "L"]
    assert len(list(root.iter(f"{SVG}circle"))) == 1 + 3  # legend + three known margins


def test_revenue_margin_chart_without_any_margin_draws_no_line_and_no_margin_axis():
    root = parse(charts.revenue_margin_chart([(2023, 5, None), (2024, 7, None)], currency="EUR"))
    assert root.find(f"{SVG}path") is None
    assert not [text for text in root.iter(f"{SVG}text") if "%" in (text.text or "")]


def test_revenue_margin_chart_handles_a_single_year_of_zero_revenue():
    root = parse(charts.revenue_margin_chart([(2024, Decimal("0"), 0.0)], currency="EUR"))
    (bar,) = bars(root)
    assert float(bar.get("height")) == 0
    path = root.find(f"{SVG}path").get("d")
    assert path.startswith("M")
    assert "L" not in path


def test_revenue_margin_chart_draws_negative_revenue_below_the_zero_line():
    root = parse(charts.revenue_margin_chart([(2023, 100, 5.0), (2024, -50, -3.0)], currency="EUR"))
    positive, negative = bars(root)
    assert float(negative.get("y")) == float(positive.get("y")) + float(positive.get("height"))


def test_revenue_margin_chart_formats_axes_in_the_given_locale():
    french = charts.revenue_margin_chart([(2024, 1_500_000, 12.5)], currency="EUR", locale="fr")
    english = charts.revenue_margin_chart([(2024, 1_500_000, 12.5)], currency="EUR", locale="en")
    assert "1,5\xa0M\xa0€" in french
    assert "€1.5M" in english
    assert "12,5\xa0%" in french
    assert "12.5%" in english


def test_revenue_margin_chart_without_years_says_so():
    root = parse(charts.revenue_margin_chart([], currency="EUR", empty_label="Nothing yet"))
    assert [text.text for text in root.iter(f"{SVG}text")] == ["Nothing yet"]
    assert not bars(root)


HOSTILE = '<script>alert("x")</script> &amp; Fils & Cie'


def matrix_points(count: int = 6) -> list[charts.MatrixPoint]:
    return [
        charts.MatrixPoint(
            label=f"Client {index}",
            attractiveness=index * 15.0,
            maturity=100 - index * 12.0,
            highlighted=index % 2 == 0,
            detail=f"rank {index + 1}",
            href=f"/scoring/clients/{index}/",
        )
        for index in range(count)
    ]


def marks(root: ET.Element) -> list[ET.Element]:
    return [group for group in root.iter(f"{SVG}g") if "matrix-point" in group.get("class", "")]


def test_portfolio_matrix_is_valid_svg_with_one_linked_mark_per_client():
    root = parse(charts.portfolio_matrix(matrix_points()))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 640 460"
    assert len(marks(root)) == 6
    highlighted = [mark for mark in marks(root) if "matrix-point-highlighted" in mark.get("class")]
    assert len(highlighted) == 3
    assert marks(root)[-3:] == highlighted  # drawn last, on top
    links = [link.get("href") for link in root.iter(f"{SVG}a")]
    assert sorted(links) == [f"/scoring/clients/{index}/" for index in range(6)]
    labels = [text.text for mark in highlighted for text in mark.iter(f"{SVG}text")]
    assert sorted(labels) == ["Client 0", "Client 2", "Client 4"]
    titles = {mark.find(f"{SVG}title").text for mark in marks(root)}
    assert "Client 1 · rank 2" in titles
    assert all(text.get("font-family") for text in root.iter(f"{SVG}text"))


def test_portfolio_matrix_places_points_by_their_scores_within_the_plot():
    points = [
        charts.MatrixPoint(label="Low", attractiveness=0, maturity=0),
        charts.MatrixPoint(label="High", attractiveness=100, maturity=100),
        charts.MatrixPoint(label="Beyond", attractiveness=130, maturity=-20),
    ]
    root = parse(charts.portfolio_matrix(points))
    circles = {mark.find(f"{SVG}title").text: mark.find(f"{SVG}circle") for mark in marks(root)}
    low, high, beyond = (circles[name] for name in ("Low", "High", "Beyond"))
    assert float(low.get("cx")) < float(high.get("cx"))
    assert float(low.get("cy")) > float(high.get("cy"))  # more mature is higher up
    assert beyond.get("cx") == high.get("cx")  # clamped to 100
    assert beyond.get("cy") == low.get("cy")  # clamped to 0


def test_portfolio_matrix_moves_a_label_that_would_cover_another_and_draws_a_leader():
    points = [
        charts.MatrixPoint(label="First", attractiveness=20, maturity=60, highlighted=True),
        charts.MatrixPoint(label="Second", attractiveness=21, maturity=60, highlighted=True),
    ]
    root = parse(charts.portfolio_matrix(points))
    baselines = sorted(
        float(text.get("y")) for mark in marks(root) for text in mark.iter(f"{SVG}text")
    )
    assert baselines[1] - baselines[0] >= 13
    assert len([line for mark in marks(root) for line in mark.iter(f"{SVG}line")]) == 1


def test_portfolio_matrix_without_points_says_so():
    root = parse(charts.portfolio_matrix([], empty_label="Nothing scored"))
    assert not marks(root)
    assert "Nothing scored" in [text.text for text in root.iter(f"{SVG}text")]


def test_portfolio_matrix_escapes_client_names_details_links_and_labels():
    point = charts.MatrixPoint(
        label=HOSTILE,
        attractiveness=80,
        maturity=80,
        highlighted=True,
        detail=HOSTILE,
        href='/clients/1/?a=1&b="2"',
    )
    other = charts.MatrixPoint(label=HOSTILE, attractiveness=10, maturity=10, href="/x/?a&b")
    markup = charts.portfolio_matrix(
        [point, other], title=HOSTILE, x_label=HOSTILE, y_label=HOSTILE, legend=(HOSTILE, HOSTILE)
    )
    root = parse(markup)  # raw markup would not parse
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
    assert "&amp;amp; Fils &amp; Cie" in markup  # the entity is text, written escaped
    assert root.find(f"{SVG}title").text == HOSTILE
    assert root.get("aria-label") == HOSTILE
    titles = [mark.find(f"{SVG}title").text for mark in marks(root)]
    assert titles == [HOSTILE, f"{HOSTILE} · {HOSTILE}"]
    assert [link.get("href") for link in root.iter(f"{SVG}a")] == [
        "/x/?a&b",
        '/clients/1/?a=1&b="2"',
    ]
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert texts.count(HOSTILE) == 4  # both axis labels and both legend entries
    assert HOSTILE[:23] + "…" in texts  # the highlighted client's label, cut short


def test_revenue_margin_chart_escapes_an_entity_in_a_client_name():
    markup = charts.revenue_margin_chart([(2024, 10, 5.0)], currency="EUR", title=HOSTILE)
    assert parse(markup).find(f"{SVG}title").text == HOSTILE
    assert "&amp;amp;" in markup
    assert "<script>" not in markup


def test_charts_write_coordinates_with_a_dot_in_every_language():
    with translation.override("fr"):
        matrix = charts.portfolio_matrix(matrix_points())
        chart = charts.revenue_margin_chart(
            [(2023, 1_234_567, 12.5), (2024, 2_345_678, 8.25)], currency="EUR", locale="fr"
        )
    for markup in (matrix, chart):
        root = parse(markup)
        for element in root.iter():
            for name in ("x", "y", "cx", "cy", "width", "height"):
                if element.get(name) is not None:
                    float(element.get(name))  # "12,5" would raise


# --- comparison chart ---------------------------------------------------------------------------


def _comparison(groups, **options):
    return parse(
        charts.comparison_chart(
            groups,
            series=["2025", "2026"],
            value_text=lambda value: f"{value:.1f}",
            title="Margin %",
            **options,
        )
    )


def test_comparison_chart_draws_one_labelled_bar_per_known_value_in_proportion():
    root = _comparison(
        [charts.BarGroup("Key accounts", [10.0, 20.0]), charts.BarGroup("Others", [5.0, None])]
    )
    assert root.get("viewBox") == "0 0 420 250"
    drawn = bars(root)
    assert [bar.find(f"{SVG}title").text for bar in drawn] == [
        "Key accounts · 2025 · 10.0",
        "Key accounts · 2026 · 20.0",
        "Others · 2025 · 5.0",
    ]
    heights = [float(bar.get("height")) for bar in drawn]
    assert heights[1] / heights[0] == pytest.approx(2.0, rel=0.01)
    assert heights[2] / heights[0] == pytest.approx(0.5, rel=0.01)
    texts = [text.text for text in root.iter(f"{SVG}text")]
    assert "—" in texts  # the unknown value: said, not drawn as zero
    assert {"10.0", "20.0", "5.0", "Key accounts", "Others", "2025", "2026"} <= set(texts)


def test_comparison_chart_draws_negative_values_below_zero():
    root = _comparison([charts.BarGroup("Key accounts", [-10.0, 10.0])])
    below, above = bars(root)
    assert float(below.get("y")) == pytest.approx(
        float(above.get("y")) + float(above.get("height"))
    )


def test_comparison_chart_without_any_value_says_so_and_escapes_labels():
    root = _comparison([charts.BarGroup("<b>Key</b>", [None, None])], empty_label="Nothing & none")
    assert not bars(root)
    assert [text.text for text in root.iter(f"{SVG}text")] == ["Nothing & none"]
    markup = charts.comparison_chart(
        [charts.BarGroup("<script>", [1.0, 2.0])], series=["a", "b"], value_text=str
    )
    assert "<script>" not in markup
    assert "&lt;script&gt;" in markup
