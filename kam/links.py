"""Links of many rows of one kind, reversed once a page rather than once a row.

``reverse()`` walks the URL patterns each time it is called: a page of 500 rows with three links
each would call it 1,500 times. ``row_link`` reverses a route once, for a marker id, and writes
each row's link by putting the row's id in the marker's place.
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

MARK = 987654321
"""An id no row has, to find where a link writes its row's id."""


def row_link(viewname: str) -> Callable[[int], str]:
    """A function giving the link of route ``viewname`` for a row's id (its only argument)."""
    before, after = reverse(viewname, args=[MARK]).split(str(MARK), 1)
    return lambda pk: f"{before}{pk}{after}"


def row_links(viewnames: dict[str, str]) -> Callable[[int], dict[str, str]]:
    """A function giving, for a row's id, its links by name (``{"edit": "planning:x_edit"}``)."""
    makers = {name: row_link(viewname) for name, viewname in viewnames.items()}
    return lambda pk: {name: make(pk) for name, make in makers.items()}
