"""Template filters for the weights pages."""

from django import template

from kam import formats

register = template.Library()

register.filter("weight", formats.weight)
