"""Text people write in both of KAM's languages (a criterion's name, its rubric), read in the
reader's.

The reader sees the text of the active language. When only the other language's text was
given, they see that one with a marker saying which language it is in, so an untranslated text
shows as such rather than passing for a translation.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _


def reader_language() -> str:
    """``"fr"`` or ``"en"``: the active language, or the installation's."""
    language = (translation.get_language() or settings.LANGUAGE_CODE).lower()
    return "fr" if language.startswith("fr") else "en"


def pick(*, en: str, fr: str) -> str:
    """The text in the reader's language; else the other one, marked; else ``""``."""
    if reader_language() == "fr":
        own, other = fr, en
        marker = _("%(text)s (in English)")
    else:
        own, other = en, fr
        marker = _("%(text)s (in French)")
    own, other = (own or "").strip(), (other or "").strip()
    if own:
        return own
    return marker % {"text": other} if other else ""


def is_translated(*, en: str, fr: str) -> bool:
    """Whether the reader's language has its own text."""
    return bool(((fr if reader_language() == "fr" else en) or "").strip())
