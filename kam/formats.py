"""Figures, countries and lengths of time as the reader's language writes them.

One module for every writer: template filters (``kam/templatetags/kam.py`` wraps these), Python
code that writes rows or spreadsheets, charts and PDFs. Functions without a ``locale`` argument
use the active language; ``None`` (or an empty string) gives ``EMPTY``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import format_timedelta
from babel.numbers import (
    NumberPattern,
    format_compact_currency,
    get_currency_precision,
    parse_pattern,
)
from django.conf import settings
from django.utils import formats as django_formats
from django.utils import translation

EMPTY = "—"

Figure = Decimal | float | int


def current_locale() -> str:
    """The babel locale of the active language (``fr``, ``en``…)."""
    return translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)


def money(value: Figure | None, currency: str = "") -> str:
    """``1234.5`` in ``EUR`` → ``1 234,50 €`` in French, ``€1,234.50`` in English."""
    if value is None or value == "":
        return EMPTY
    code = currency or settings.KAM_DEFAULT_CURRENCY
    return _shape(current_locale(), "money", get_currency_precision(code), code).format(value)


def pct(value: float | Decimal | None, digits: int = 1) -> str:
    """A figure already in percent: ``12.5`` → ``12,5 %`` in French, ``12.5%`` in English."""
    if value is None or value == "":
        return EMPTY
    return _shape(current_locale(), "pct", int(digits), "").format(value)


def number(value: Figure | None, digits: int = 0) -> str:
    """A plain figure with the locale's separators and ``digits`` decimals."""
    if value is None or value == "":
        return EMPTY
    return _shape(current_locale(), "number", max(int(digits), 0), "").format(value)


def weight(value: Figure | None) -> str:
    """A weight with up to two decimals: ``33.333`` → ``33,33`` in French, ``33.33`` in English."""
    if value is None or value == "":
        return EMPTY
    return _shape(current_locale(), "number", 2, "").format(value, trim=True)


def figure_format(kind: str, digits: int = 0, currency: str = "") -> Callable[[Any], str]:
    """The formatting ``money``, ``pct`` or ``number`` applies, in the active language, as one
    function: for code that writes thousands of figures a page (``None`` gives ``EMPTY``)."""
    if kind == "money":
        code = currency or settings.KAM_DEFAULT_CURRENCY
        shape = _shape(current_locale(), kind, get_currency_precision(code), code)
    else:
        shape = _shape(current_locale(), kind, max(int(digits), 0), "")

    def apply(value: Any) -> str:
        return EMPTY if value is None or value == "" else shape.format(value)

    return apply


def format_pct(value: float | Decimal, *, digits: int, locale: str) -> str:
    """A figure already in percent, in the locale's own pattern: ``12,5 %`` or ``12.5%``.

    Babel's own formatting, figure by figure: ``pct`` and ``figure_format`` write the same text
    faster."""
    return _percent_pattern(locale, digits).apply(float(value) / 100, _locale(locale))


def compact_money(value: Figure, currency: str, *, locale: str) -> str:
    """An amount rounded to thousands or millions with one decimal: ``1,5 M €``, ``€1.5M``."""
    return format_compact_currency(value, currency, locale=locale, fraction_digits=1)


def short_date(value: dt.date | None) -> str:
    """A day in the active language's short form: ``31/12/2024`` in French and in English, day
    first for European readers (``SHORT_DATE_FORMAT``, as ``{{ day|date:"SHORT_DATE_FORMAT" }}``;
    English formats are in ``kam/locale_formats/en``)."""
    return EMPTY if value is None else django_formats.date_format(value, "SHORT_DATE_FORMAT")


def long_date(value: dt.date | None) -> str:
    """A day with its month in words: ``12 Mar 2026``, ``12 mars 2026`` (``DATE_FORMAT``)."""
    return EMPTY if value is None else django_formats.date_format(value, "DATE_FORMAT")


def country_name(code: str | None) -> str:
    """``"DE"`` → ``Allemagne`` in French, ``Germany`` in English; unknown codes stay as is."""
    if not code:
        return EMPTY
    try:
        territories = _locale(current_locale()).territories
    except (UnknownLocaleError, ValueError):
        return code
    return territories.get(code.upper(), code)


def duration(value: dt.timedelta | None) -> str:
    """A rounded length of time: ``42 seconds`` in English, ``42 secondes`` in French."""
    if value is None:
        return EMPTY
    return format_timedelta(value, threshold=1.5, locale=current_locale())


@dataclass(frozen=True)
class _Shape:
    """How one locale writes one kind of figure: babel's rules, learnt once, applied fast.

    A page of a few hundred rows formats thousands of figures; babel parses and quantises each
    one (tens of microseconds). Here babel formats two sample figures once per locale, kind,
    number of decimals and currency, which gives the signs and symbols around the digits and
    the separators; after that a figure is Python's own formatting of the same decimal, rounded
    the same way (half to even, from the figure's shortest text). ``tests/test_formats.py``
    checks the two agree.
    """

    digits: int
    group: str
    decimal: str
    affixes: tuple[tuple[str, str], tuple[str, str]]  # (prefix, suffix) positive, negative
    percent: bool  # a figure already in percent, taken through a fraction as babel does

    def format(self, value: Figure, *, trim: bool = False) -> str:
        """``value`` written with ``digits`` decimals; with ``trim``, up to ``digits``: without
        trailing zeros, nor the decimal mark when none is left (babel's ``#,##0.##``)."""
        if self.percent:
            figure = Decimal(repr(float(value) / 100)) * 100
        else:
            figure = value if isinstance(value, Decimal) else Decimal(repr(value))
        negative = figure.is_signed()
        text = f"{abs(figure):,.{self.digits}f}"
        if trim and self.digits:
            text = text.rstrip("0").rstrip(".")
        if self.group != "," or self.decimal != ".":
            text = text.replace(",", "\0").replace(".", self.decimal).replace("\0", self.group)
        prefix, suffix = self.affixes[negative]
        return f"{prefix}{text}{suffix}"


SAMPLE = Decimal("1234567.125")


@functools.lru_cache(maxsize=32)
def _locale(code: str) -> Locale:
    """Parsing a locale takes longer than formatting a number with it: parse each one once."""
    return Locale.parse(code)


@functools.lru_cache(maxsize=64)
def _percent_pattern(locale: str, digits: int) -> NumberPattern:
    pattern = _locale(locale).percent_formats[None].pattern
    if digits > 0:
        pattern = re.sub(r"0(?!.*0)", "0." + "0" * digits, pattern, count=1)
    return parse_pattern(pattern)


@functools.lru_cache(maxsize=128)
def _shape(locale_code: str, kind: str, digits: int, currency: str) -> _Shape:
    locale = _locale(locale_code)
    symbols = locale.number_symbols["latn"]
    group, decimal = symbols["group"], symbols["decimal"]
    if kind == "money":
        pattern = locale.currency_formats["standard"]
        babel = functools.partial(pattern.apply, locale=locale, currency=currency)
    elif kind == "pct":
        babel = functools.partial(format_pct, digits=digits, locale=locale_code)
    else:
        pattern = parse_pattern("#,##0" if digits <= 0 else "#,##0." + "0" * digits)
        babel = functools.partial(pattern.apply, locale=locale)
    digits_text = f"{SAMPLE:,.{digits}f}".replace(",", "\0").replace(".", decimal)
    digits_text = digits_text.replace("\0", group)
    affixes = []
    for sample in (SAMPLE, -SAMPLE):
        written = babel(sample)
        prefix, found, suffix = written.partition(digits_text)
        if not found:
            raise ValueError(f"Unexpected {kind} format in {locale_code}: {written!r}")
        affixes.append((prefix, suffix))
    return _Shape(digits, group, decimal, (affixes[0], affixes[1]), kind == "pct")
