"""The company's branding on the PDF reports: its name, its logo and its accent colour.

One row, edited by an administrator in the Django admin (``planning/admin.py``) through
``planning.services.branding.branding_update``, which raises ``revision`` on every change: stored
report files are keyed by it, so a new logo or colour gives new files.
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

LOGO_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/svg+xml": "SVG"}
LOGO_MAX_BYTES = 512 * 1024
DEFAULT_ACCENT = "#2f6db5"

colour_validator = RegexValidator(
    r"^#[0-9a-fA-F]{6}\Z", _("Give the colour as # and six hexadecimal digits, e.g. #2f6db5.")
)


class Branding(models.Model):
    """The one row of branding (its id is 1). ``logo`` holds the image's bytes, checked by the
    service (PNG, JPEG or SVG, at most ``LOGO_MAX_BYTES``) and embedded in reports as a
    ``data:`` URL: a report never fetches its logo from anywhere."""

    name = models.CharField(_("company name"), max_length=150)
    accent = models.CharField(
        _("accent colour"), max_length=7, default=DEFAULT_ACCENT, validators=[colour_validator]
    )
    logo = models.BinaryField(_("logo"), blank=True, default=b"", editable=False)
    logo_type = models.CharField(
        _("logo type"),
        max_length=20,
        blank=True,
        choices=[(mime, label) for mime, label in LOGO_TYPES.items()],
        editable=False,
    )
    revision = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("branding")
        verbose_name_plural = _("branding")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="one_branding_row"),
            models.CheckConstraint(
                condition=Q(accent__regex=r"^#[0-9a-fA-F]{6}$"), name="branding_accent_is_hex"
            ),
        ]

    def __str__(self) -> str:
        return self.name
