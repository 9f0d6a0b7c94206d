"""kam/formats.py: figures, countries and lengths of time in the reader's language."""

import datetime as dt
from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import format_currency, format_decimal
from django.template import Context, Template
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.formats import (
    EMPTY,
    compact_money,
    country_name,
    duration,
    figure_format,
    format_pct,
    money,
    number,
    pct,
    short_date,
    weight,
)

NBSP, NNBSP = "\u00a0", "\u202f"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "€1,234,567.50"), ("fr", f"1{NNBSP}234{NNBSP}567,50{NBSP}€")],
)
def test_money_follows_the_language(language, expected):
    with translation.override(language):
        assert money(Decimal("1234567.5"), "EUR") == expected


def test_money_uses_the_currency_given_and_a_dash_for_nothing():
    with translation.override("en"):
        assert money(12, "CHF") == "CHF12.00"
        assert money(None) == "—"


@pytest.mark.parametrize(
    ("language", "value", "digits", "expected"),
    [
        ("en", 12.345, 1, "12.3%"),
        ("fr", 12.345, 1, f"12,3{NBSP}%"),
        ("en", -4, 0, "-4%"),
    ],
)
def test_pct_follows_the_language(language, value, digits, expected):
    with translation.override(language):
        assert pct(value, digits) == expected


@pytest.mark.parametrize(
    ("language", "value", "digits", "expected"),
    [("en", 9876.54, 1, "9,876.5"), ("fr", 9876.54, 0, f"9{NNBSP}877"), ("en", None, 0, "—")],
)
def test_number_follows_the_language(language, value, digits, expected):
    with translation.override(language):
        assert number(value, digits) == expected


def test_figure_format_writes_what_the_single_figure_functions_write():
    with translation.override("fr"):
        assert figure_format("money", currency="CHF")(Decimal("-12.5")) == money(-12.5, "CHF")
        assert figure_format("pct", 2)(3.14159) == pct(3.14159, 2)
        assert figure_format("number", 1)(None) == EMPTY


@pytest.mark.parametrize(("language", "expected"), [("en", "€1.5M"), ("fr", f"1,5{NBSP}M{NBSP}€")])
def test_compact_money_rounds_to_millions_in_the_given_locale(language, expected):
    assert compact_money(1_500_000, "EUR", locale=language) == expected


@pytest.mark.parametrize(
    ("language", "code", "expected"),
    [("en", "DE", "Germany"), ("fr", "de", "Allemagne"), ("fr", "Q9", "Q9"), ("en", "", EMPTY)],
)
def test_country_name_follows_the_language(language, code, expected):
    with translation.override(language):
        assert country_name(code) == expected


def test_duration_weight_and_short_date_follow_the_language():
    english, french = {}, {}
    for language, found in (("en", english), ("fr", french)):
        with translation.override(language):
            found["duration"] = duration(dt.timedelta(seconds=42))
            found["weight"] = weight(33.333)
            found["date"] = short_date(dt.date(2024, 12, 31))
    assert english == {"duration": "42 seconds", "weight": "33.33", "date": "31/12/2024"}
    assert french == {"duration": f"42{NBSP}secondes", "weight": "33,33", "date": "31/12/2024"}
    assert (duration(None), weight(None), short_date(None)) == (EMPTY, EMPTY, EMPTY)


def test_template_filters_are_the_functions_of_the_same_name():
    template = Template(
        '{{ amount|money:"EUR" }} {{ share|pct }} {{ count|number }} {{ code|country_name }}'
        " {{ nothing|money }}"
    )
    context = {"amount": Decimal("1234.5"), "share": 12.5, "count": 9876, "code": "DE"}
    with translation.override("fr"):
        written = template.render(Context({**context, "nothing": None}))
        expected = " ".join(
            [money(Decimal("1234.5"), "EUR"), pct(12.5), number(9876), country_name("DE"), EMPTY]
        )
    assert written == expected
    assert "Allemagne" in written


money_values = st.decimals(
    min_value=-(10**9), max_value=10**9, places=3, allow_nan=False, allow_infinity=False
)
float_values = st.floats(min_value=-1e7, max_value=1e7, allow_nan=False, allow_infinity=False)


@given(
    value=st.one_of(money_values, float_values, st.integers(-(10**9), 10**9)),
    language=st.sampled_from(["en", "fr", "de"]),
    currency=st.sampled_from(["EUR", "USD", "CHF", "JPY", "GBP"]),
    digits=st.integers(0, 3),
)
@settings(max_examples=300, deadline=None)
def test_figures_read_exactly_as_babel_writes_them(value, language, currency, digits):
    locale = Locale.parse(language)
    with translation.override(language):
        assert money(value, currency) == format_currency(value, currency, locale=locale)
        pattern = "#,##0" if digits == 0 else "#,##0." + "0" * digits
        assert number(value, digits) == format_decimal(value, format=pattern, locale=locale)
        assert weight(value) == format_decimal(value, format="#,##0.##", locale=locale)
        if not isinstance(value, Decimal):
            assert pct(value, digits) == format_pct(value, digits=digits, locale=language)


# --- dates: day first in both languages ---------------------------------------------------------

CHRISTMAS = dt.datetime(2026, 12, 25, 14, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("language", "short", "long", "short_datetime"),
    [
        ("en", "25/12/2026", "25 Dec 2026", "25/12/2026 15:30"),
        ("fr", "25/12/2026", "25 décembre 2026", "25/12/2026 15:30"),
    ],
)
def test_dates_are_day_first_in_both_languages(language, short, long, short_datetime):
    template = Template(
        '{{ day|date:"SHORT_DATE_FORMAT" }}|{{ day|date:"DATE_FORMAT" }}|'
        '{{ moment|date:"SHORT_DATETIME_FORMAT" }}'
    )
    with translation.override(language):
        written = template.render(Context({"day": CHRISTMAS.date(), "moment": CHRISTMAS}))
    assert written.split("|") == [short, long, short_datetime]  # Paris time, 24-hour clock


@pytest.mark.django_db
def test_english_pages_write_dates_day_first(client, alice):
    from django.urls import reverse

    from tests.factories import ClientFactory
    from tests.planning.factories import PlanFactory

    plan = PlanFactory(
        client=ClientFactory(kam=alice),
        period_start=dt.date(2026, 2, 13),
        period_end=dt.date(2026, 12, 31),
    )
    client.force_login(alice)
    for url in (reverse("planning:plan_list"), reverse("planning:plan_detail", args=[plan.pk])):
        page = client.get(url, headers={"Accept-Language": "en"}).content.decode()
        assert "13/02/2026" in page, url
        assert "31/12/2026" in page, url
        assert "02/13/2026" not in page, url
        assert "12/31/2026" not in page, url
