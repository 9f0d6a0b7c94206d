"""The budget gauge (``kam.charts.budget_gauge``): the parts committed against a budget, one
after the other, the budget as a marker, what goes past it in red; escaped and localised."""

from decimal import Decimal

from kam import charts
from tests.test_charts import parse

NS = "{http://www.w3.org/2000/svg}"


def parts(root):
    return [
        (float(rect.get("x")), float(rect.get("width")), rect.get("fill"))
        for rect in root.iter(f"{NS}rect")
        if rect.get("class") == "gauge-part"
    ]


def test_parts_follow_each_other_within_the_budget():
    root = parse(
        charts.budget_gauge(
            budget=Decimal("300000"),
            parts=[("Shortlist", Decimal("240000")), ("Investment", Decimal("30000"))],
            currency="EUR",
            width=420,
        )
    )
    (shortlist_x, shortlist_w, grey), (invest_x, invest_w, blue) = parts(root)
    assert (grey, blue) == (charts.SHORTLIST_COLOUR, charts.BAR_COLOUR)
    assert invest_x == shortlist_x + shortlist_w
    assert invest_w / shortlist_w == 30000 / 240000
    assert root.get("data-over") == "false"
    marker = next(line for line in root.iter(f"{NS}line") if line.get("class") == "gauge-budget")
    assert float(marker.get("x1")) > invest_x + invest_w


def test_what_goes_past_the_budget_is_red():
    root = parse(
        charts.budget_gauge(
            budget=Decimal("100"),
            parts=[("Shortlist", Decimal("80")), ("Investment", Decimal("40"))],
            currency="EUR",
        )
    )
    drawn = parts(root)
    assert [fill for _, _, fill in drawn] == [
        charts.SHORTLIST_COLOUR,
        charts.BAR_COLOUR,
        charts.OVER_COLOUR,
    ]
    assert drawn[2][1] / drawn[1][1] == 20 / 20  # 20 within the budget, 20 past it
    assert root.get("data-over") == "true"


def test_nothing_committed_draws_no_part_and_texts_are_escaped():
    markup = charts.budget_gauge(
        budget=Decimal("0"), parts=[], currency="EUR", title="<b>Budget</b>", caption="a & b"
    )
    root = parse(markup)
    assert parts(root) == []
    assert "<b>" not in markup
    assert "&lt;b&gt;Budget&lt;/b&gt;" in markup


def test_amounts_are_written_in_the_language_given():
    french = charts.budget_gauge(
        budget=Decimal("450000"), parts=[], currency="EUR", locale="fr", budget_label="Budget"
    )
    english = charts.budget_gauge(
        budget=Decimal("450000"), parts=[], currency="EUR", locale="en", budget_label="Budget"
    )
    assert "450" in french
    assert french != english
