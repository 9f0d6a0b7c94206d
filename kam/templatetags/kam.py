"""Template filters every page uses: figures, countries and lengths of time in the reader's
language. Each is ``kam.formats``'s function of the same name, which Python code calls."""

from django import template

from kam import formats

register = template.Library()

register.filter("money", formats.money)
register.filter("pct", formats.pct)
register.filter("number", formats.number)
register.filter("country_name", formats.country_name)
register.filter("duration", formats.duration)
