"""kam/charts.py: the revenue and margin chart is valid, escaped and honest about gaps."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

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
