"""Template filters every page uses: locale-aware money and country names."""

from django import template

register = template.Library()
