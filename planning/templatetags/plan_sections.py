"""Filters of the plan page's sections."""

from django import template
from django.template.loader import render_to_string

from kam import formats

register = template.Library()

register.filter("figure", formats.weight)  # a KPI's figure: up to two decimals, the locale's marks


@register.simple_tag(takes_context=True)
def review_notes(context: template.Context, kind: str, pk: object) -> str:
    """The director's comments on item ``kind`` ``pk`` (the context's ``item_comments``, from
    ``approval.item_comments``), shown beside the item; nothing when there are none."""
    notes = (context.get("item_comments") or {}).get(f"{kind}:{pk}")
    if not notes:
        return ""
    return render_to_string("planning/plan_header.html#review-notes", {"notes": notes})
