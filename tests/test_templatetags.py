"""kam/templatetags/kam.py: figures in the reader's language."""

from decimal import Decimal

import pytest
from babel import Locale
from babel.numbers import format_currency, format_decimal
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from kam.charts import format_pct
from kam.templatetags.kam import money, number, pct

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
        if not isinstance(value, Decimal):
            assert pct(value, digits) == format_pct(value, digits=digits, locale=language)
