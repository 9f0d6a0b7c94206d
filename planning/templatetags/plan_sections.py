"""Filters of the plan page's sections."""

from django import template

from kam import formats

register = template.Library()

register.filter("figure", formats.weight)  # a KPI's figure: up to two decimals, the locale's marks
