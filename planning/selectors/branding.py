"""The company's branding as the PDF reports read it."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from planning.models import Branding
from planning.models.branding import DEFAULT_ACCENT


@dataclass(frozen=True)
class CurrentBranding:
    """What a report shows of the company: ``logo`` is a ``data:`` URL (empty: no logo) and
    ``revision`` goes up on every change an administrator makes (0: never set)."""

    name: str
    logo: str
    accent: str
    revision: int


def branding_current() -> CurrentBranding:
    """The branding an administrator set in the admin, or the defaults (KAM, blue, no logo)."""
    row = Branding.objects.filter(pk=1).first()
    if row is None:
        return CurrentBranding(name="KAM", logo="", accent=DEFAULT_ACCENT, revision=0)
    logo = ""
    if row.logo and row.logo_type:
        logo = f"data:{row.logo_type};base64,{base64.b64encode(bytes(row.logo)).decode('ascii')}"
    return CurrentBranding(name=row.name, logo=logo, accent=row.accent, revision=row.revision)
