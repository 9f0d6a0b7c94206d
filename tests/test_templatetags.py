"""kam/templatetags/kam.py: figures in the reader's language."""

from decimal import Decimal

import pytest
from django.utils import translation

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
