"""Template filters for the weights pages."""

from babel.numbers import format_decimal
from django import template

from kam.templatetags.kam import EMPTY, current_locale

register = template.Library()


@register.filter
def weight(value: float | int | None) -> str:
    """A weight with up to two decimals, in the user's language: ``33.333`` → ``33,33``."""
    if value is None or value == "":
        return EMPTY
    return format_decimal(value, format="#,##0.##", locale=current_locale())
