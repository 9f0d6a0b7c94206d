"""Writing the company's branding (``planning.models.Branding``): what an administrator sets in
the Django admin. Every change raises its ``revision``, which keys the stored report files."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from planning.models import Branding
from planning.models.branding import LOGO_MAX_BYTES
from planning.services import reports

SVG_FORBIDDEN = re.compile(rb"<!DOCTYPE|<!ENTITY|<script|<foreignObject|\bon\w+\s*=", re.I)


def logo_type(data: bytes) -> str:
    """The type of a logo's bytes, ``image/png``, ``image/jpeg`` or ``image/svg+xml``, read from
    the bytes themselves (never from the file's name); a ``ValidationError`` for anything else,
    a file too big, or an SVG with a document type, entities, scripts or event handlers."""
    if len(data) > LOGO_MAX_BYTES:
        raise ValidationError(
            _("The logo is too big: %(size)s KB at most.") % {"size": LOGO_MAX_BYTES // 1024}
        )
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<svg")):
        if SVG_FORBIDDEN.search(data):
            raise ValidationError(
                _("This SVG logo holds a document type, a script or an event handler: remove them.")
            )
        try:
            root = ET.fromstring(data)
        except ET.ParseError:
            raise ValidationError(_("This SVG logo cannot be read.")) from None
        if root.tag.rpartition("}")[2] == "svg":
            return "image/svg+xml"
    raise ValidationError(_("The logo must be a PNG, JPEG or SVG image."))


@transaction.atomic
def branding_update(
    *, name: str, accent: str, logo: bytes | None = None, remove_logo: bool = False
) -> Branding:
    """Set the branding: the company's name, its accent colour (``#rrggbb``) and, when given,
    a new logo (``logo_type`` checks it); ``remove_logo`` goes back to no logo. The revision
    goes up by one on every change, and the reports made under the older ones are dropped
    (``reports.reports_outdated_drop``)."""
    branding = Branding.objects.select_for_update().filter(pk=1).first() or Branding(pk=1)
    branding.name = name.strip()
    branding.accent = accent.strip().lower()
    if logo is not None:
        branding.logo_type = logo_type(logo)
        branding.logo = logo
    elif remove_logo:
        branding.logo, branding.logo_type = b"", ""
    branding.full_clean()
    branding.revision = F("revision") + 1 if branding.revision else 1  # type: ignore[assignment]
    branding.save()
    branding.refresh_from_db()
    reports.reports_outdated_drop(revision=branding.revision)
    return branding
