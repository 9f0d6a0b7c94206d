"""Each language, and no word of the other: every page of the route table, read in French and in
English by a director, a KAM and a contributor, shows no interface text of the other language.

A page's visible text (text nodes, and the ``title``, ``placeholder``, ``aria-label`` and ``alt``
a user reads) is split at tags; in French, a piece that is an English message of the catalogue
with a different French translation is a leak; in English, a piece that is a French translation
(different from its English message) is one. User data is written so as not to collide.
"""

from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.db.models import Value
from django.db.models.functions import Concat
from django.test import Client as HttpClient

from scoring.models import Criterion
from tests.test_access_matrix import ACCESS, GROUPS, _make_cast, url_for

CATALOGUE = settings.BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
SKIPPED = {"script", "style", "template", "code"}
"""Not read as text of the interface: scripts, styles, and identifiers written as code."""

PAGES = sorted(
    name
    for name, method in ACCESS
    if method == "GET"
    and not name.startswith("api-")
    and name.split(":")[0] not in GROUPS
    and name not in {"api_schema", "api_docs"}  # Swagger's own interface is in English
    and name not in {"scoring:grid_export", "accounts:ledger_import_rejects"}  # files
    and name != "planning:report_download"  # a file
    and name != "planning:programme_results_csv"  # a file
    and name not in {"planning:plan_calendar", "planning:calendar_feed_ics"}  # iCalendar
    and name not in {"logout", "set_language"}
)


def _messages() -> tuple[set[str], set[str]]:
    """(English messages, French translations) that would give the other language away: a
    message translated differently, and written by neither language's other messages."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    sources: set[str] = set()
    translations: set[str] = set()
    english: set[str] = set()
    french: set[str] = set()
    for message in catalogue:
        if not message.id:
            continue
        ids: list[str] = list(message.id) if isinstance(message.id, tuple | list) else [message.id]
        strings: list[str] = (
            list(message.string)
            if isinstance(message.string, tuple | list)
            else [message.string or ""]
        )
        for source in ids:
            sources.add(source.strip())
            for translation in strings:
                translations.add(translation.strip())
                if source != translation and "%(" not in source and "{" not in source:
                    english.add(source.strip())
                    french.add(translation.strip())
    return english - translations, french - sources


ENGLISH, FRENCH = _messages()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.pieces: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED:
            self._skip += 1
        self.pieces += [
            value.strip() for name, value in attrs if name in SHOWN_ATTRIBUTES and value
        ]

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.pieces.append(" ".join(data.split()))


NAMES = {"English", "Français", "Réunion"}
"""Proper names: the language switch names each language in itself; Réunion is a country."""


def leaks(page: str, language: str) -> set[str]:
    parser = _Text()
    parser.feed(page)
    other = ENGLISH if language == "fr" else FRENCH
    return {piece for piece in parser.pieces if piece in other and piece not in NAMES}


@pytest.fixture(scope="module")
def cast(django_db_setup, django_db_blocker):
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _make_cast()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("persona", ["director", "KAM, own client", "contributor"])
def test_every_page_speaks_one_language(cast, db, persona, language):
    Criterion.objects.update(  # data in neither language
        name_en=Concat(Value("K-"), "code"), name_fr=Concat(Value("K-"), "code")
    )
    http = HttpClient()
    seen = cast[persona]
    http.cookies[settings.SESSION_COOKIE_NAME] = seen["session"]
    http.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    found: dict[str, set[str]] = {}
    read = 0
    for name in PAGES:
        response = http.get(url_for(name, seen["ids"]))
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        read += 1
        leaked = leaks(response.content.decode(), language)
        if leaked:
            found[name] = leaked
    assert read >= 10
    assert not found
