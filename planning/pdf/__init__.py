"""PDF reports: an account plan (an approved version, or the current draft) and a programme
year's shortlist report, rendered by WeasyPrint from ``templates/planning/pdf/*.html``.

``plan_pdf`` and ``shortlist_pdf`` take ids and a language and return the PDF's bytes; they
check no access (their callers serve only what the user may see) and write nothing. What a
report shows is read by ``planning.pdf.plan`` and ``planning.pdf.shortlist`` through the
selectors the pages use, and its charts are the pages' own SVG charts (``kam.charts``).

Rendering never reaches outside: ``StaticOnlyFetcher`` serves ``data:`` URLs and the files under
the project's ``static/`` folder, and refuses everything else (other files, the network, any
redirect), whatever a user typed; user text reaches the HTML through Django's templates, which
escape it.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import logging
import re
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import CSS, HTML
from weasyprint.css.counters import CounterStyle
from weasyprint.html import UA
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

for _name in ("weasyprint.progress", "fontTools"):  # a line per page and per font table
    logging.getLogger(_name).setLevel(logging.WARNING)


_NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)

# The templates' indentation between two tags: whitespace that holds a line break. WeasyPrint
# would parse each run as a text node, give it a style and lay it out, for nothing.
_INDENTATION = re.compile(r">\s*\n\s*<")


class StaticOnlyFetcher(URLFetcher):
    """A URL fetcher for WeasyPrint that serves ``data:`` URLs and the project's own static
    files (``file:`` URLs under ``BASE_DIR/static``, no host), and nothing else: no network, no
    other file, no redirect. ``asked`` lists every URL it was asked for, ``refused`` those it
    refused (WeasyPrint then renders without them)."""

    def __init__(self) -> None:
        super().__init__(
            timeout=1,
            ssl_context=_NO_TLS,  # never used: https is refused; saves loading certificates
            allowed_protocols={"data", "file"},
            allow_redirects=False,
        )
        self.static = Path(settings.BASE_DIR, "static").resolve()
        self.asked: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        self.asked.append(url)
        if self.allows(url):
            return super().fetch(url, headers)  # type: ignore[no-any-return]
        self.refused.append(url)
        raise ValueError(f"PDF asset refused: {url[:200]}")

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return True
        if scheme != "file" or parts.netloc not in ("", "localhost") or parts.query:
            return False
        path = Path(url2pathname(parts.path)).resolve()
        return path.is_relative_to(self.static) and path.is_file()


def static_base_url() -> str:
    """The base URL of a report's relative links: the project's ``static/`` folder."""
    return Path(settings.BASE_DIR, "static").resolve().as_uri() + "/"


def pdf_date(moment: dt.datetime) -> str:
    """A W3C date-time for the PDF's metadata, in UTC to the second."""
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def compact(html: str) -> str:
    """``html`` without the templates' indentation between tags (see ``_INDENTATION``). A
    space on the same line as its neighbours, between two words or inline elements, is kept,
    and so is every line break inside a text: user text is escaped, so it holds no tag."""
    return _INDENTATION.sub("><", html)


@functools.cache
def stylesheet() -> CSS:
    """The reports' stylesheet (``static/pdf/report.css``), parsed once per process."""
    path = Path(settings.BASE_DIR, "static", "pdf", "report.css")
    return CSS(string=path.read_text(encoding="utf-8"), base_url=static_base_url(),
               url_fetcher=StaticOnlyFetcher())  # fmt: skip


# WeasyPrint's user-agent stylesheet gives a style to pseudo-elements of every element: a
# ``::marker`` and five footnote and note pseudo-elements (``::footnote-call``…). Computing
# those six styles for each of a report's thousand-odd elements took about as long as the
# styles of the elements themselves. The reports use no footnotes or notes, and only list
# items have markers.
_EVERY_ELEMENT_MARKER = "\n::marker {"
_NOTES = re.compile(r"(?m)^::(?:footnote|note)-[a-z-]+ \{[^}\n]*\}$")


def user_agent_css() -> str:
    """WeasyPrint's HTML user-agent stylesheet with ``::marker`` on list items only and
    without its footnote and note rules (see ``_NOTES``). Should a WeasyPrint release word
    those rules differently, they are left as they are."""
    text = _NOTES.sub("", UA)
    if text.count(_EVERY_ELEMENT_MARKER) == 1:
        text = text.replace(_EVERY_ELEMENT_MARKER, "\nli::marker {")
    return text


@functools.cache
def user_agent_stylesheet() -> CSS:
    """``user_agent_css`` parsed once per process."""
    # Its @counter-style rules are in every document's counter styles already (WeasyPrint's
    # own ``UA_COUNTER_STYLE``): a throwaway set takes them here.
    return CSS(string=user_agent_css(), counter_style=CounterStyle())


_FONTS = threading.local()


def font_config() -> FontConfiguration:
    """This thread's WeasyPrint font configuration, made for its first report and kept for the
    next ones. A new one for each render (WeasyPrint's default) loads Fontconfig's configuration
    again and starts a Pango font map whose fonts, font matches and line-height measures are
    all still to find. A Pango font map is not shared between threads: one per thread."""
    fonts: FontConfiguration | None = getattr(_FONTS, "config", None)
    if fonts is None:
        fonts = _FONTS.config = FontConfiguration()
    return fonts


class ReportHTML(HTML):  # type: ignore[misc]
    """A report's HTML document, laid out with ``user_agent_stylesheet``."""

    def _ua_stylesheets(self, forms: bool = False) -> list[CSS]:
        return [user_agent_stylesheet()]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block. Laying a report out allocates
    hundreds of thousands of small objects, and each of the collections they would trigger walks
    the worker's whole heap (Django, WeasyPrint): about a quarter of a render's CPU time. The
    render's objects are freed by reference counting when it ends; the few cycles it leaves wait
    for the next collection."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def render(
    template: str,
    context: dict[str, Any],
    *,
    language: str,
    made_at: dt.datetime,
    fetcher: StaticOnlyFetcher | None = None,
) -> bytes:
    """``template`` rendered with ``context`` in ``language``, as PDF bytes. ``made_at`` is
    the file's creation and modification date (the same date gives the same bytes)."""
    with translation.override(language):
        html = render_to_string(
            template,
            {
                **context,
                "language": language,
                "made_at": pdf_date(made_at),
            },
        )
    with collector_paused():
        document = ReportHTML(
            string=compact(html),
            base_url=static_base_url(),
            url_fetcher=fetcher or StaticOnlyFetcher(),
        )
        data = document.write_pdf(stylesheets=[stylesheet()], font_config=font_config())
        return data  # type: ignore[no-any-return]


def plan_pdf(*, plan_id: int, version_id: int | None, language: str) -> bytes:
    """The account plan ``plan_id`` as a PDF in ``language`` ("fr" or "en").

    With ``version_id`` (a ``PlanVersion`` of that plan), the approved version as it was frozen:
    the same version, language and branding always give the same bytes (dated by the approval).
    Without it, the plan as it is now, marked "draft" on every page.
    """
    from planning.pdf import plan

    with translation.override(language):
        report = plan.plan_report(plan_id=plan_id, version_id=version_id)
    made_at = report.approved_at or timezone.now()
    context = {"report": report, "branding": report.branding}
    return render("planning/pdf/plan.html", context, language=language, made_at=made_at)


def shortlist_pdf(*, year_id: int, language: str) -> bytes:
    """The director's shortlist report of a programme year as a PDF in ``language``.

    ``year_id`` is the programme year itself (``scoring.models.Programme.year``, e.g. 2026), as
    in the shortlist page's address ``/scoring/shortlist/<year>/``; an unknown year raises
    ``Programme.DoesNotExist``. The ranked shortlist with each client's explanation and
    stability, the budget and KAM headcount used, and the portfolio matrix, as of now.
    """
    from planning.pdf import shortlist

    with translation.override(language):
        report = shortlist.shortlist_report(year=year_id)
    context = {"report": report, "branding": report.branding}
    return render("planning/pdf/shortlist.html", context, language=language, made_at=timezone.now())
