"""Template filters every page uses: locale-aware money, percentages and country names."""

import datetime as dt
import functools
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_timedelta
from babel.numbers import NumberPattern, parse_pattern
from django import template
from django.conf import settings
from django.utils import translation

from kam.charts import format_pct

register = template.Library()

EMPTY = "—"


def current_locale() -> str:
    """The babel locale of the active language (``fr``, ``en``…)."""
    return translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)


@register.filter
def money(value: Decimal | float | int | None, currency: str = "") -> str:
    """``1234.5|money:"EUR"`` → ``1 234,50 €`` in French, ``€1,234.50`` in English."""
    if value is None or value == "":
        return EMPTY
    locale = _locale(current_locale())
    pattern = locale.currency_formats["standard"]
    return pattern.apply(value, locale, currency=currency or settings.KAM_DEFAULT_CURRENCY)


@register.filter
def pct(value: float | Decimal | None, digits: int = 1) -> str:
    """A figure already in percent: ``12.5|pct`` → ``12,5 %`` in French, ``12.5%`` in English."""
    if value is None or value == "":
        return EMPTY
    return format_pct(value, digits=int(digits), locale=current_locale())


@register.filter
def number(value: float | Decimal | int | None, digits: int = 0) -> str:
    """A plain figure with the locale's separators and ``digits`` decimals."""
    if value is None or value == "":
        return EMPTY
    return _number_pattern(int(digits)).apply(value, _locale(current_locale()))


@functools.lru_cache(maxsize=16)
def _number_pattern(digits: int) -> NumberPattern:
    return parse_pattern("#,##0" if digits <= 0 else "#,##0." + "0" * digits)


@functools.lru_cache(maxsize=32)
def _locale(code: str) -> Locale:
    """Parsing a locale takes longer than formatting a number with it: parse each one once."""
    return Locale.parse(code)


@register.filter
def country_name(code: str | None) -> str:
    """``"DE"`` → ``Allemagne`` in French, ``Germany`` in English; unknown codes stay as is."""
    if not code:
        return EMPTY
    try:
        territories = _locale(current_locale()).territories
    except (UnknownLocaleError, ValueError):
        return code
    return territories.get(code.upper(), code)


@register.filter
def duration(value: dt.timedelta | None) -> str:
    """A rounded length of time: ``42 seconds`` in English, ``42 secondes`` in French."""
    if value is None:
        return EMPTY
    return format_timedelta(value, threshold=1.5, locale=current_locale())
