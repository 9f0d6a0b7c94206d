"""The company's branding on the PDF reports: set by an administrator in the Django admin, the
logo checked (PNG, JPEG or SVG by its bytes, a size limit, no script), the colour checked
(#rrggbb), a revision that goes up on every change, and the logo embedded as a data: URL."""

import io
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from planning import pdf
from planning.models import Branding
from planning.models.branding import LOGO_MAX_BYTES
from planning.selectors.branding import branding_current
from planning.services import branding as services
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import PlanFactory


def png(colour: str = "#c0392b", size: tuple[int, int] = (120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_without_branding_reports_show_kam_and_no_logo(db):
    current = branding_current()

    assert (current.name, current.logo, current.accent, current.revision) == (
        "KAM",
        "",
        "#2f6db5",
        0,
    )


def test_every_change_raises_the_revision(db):
    first = services.branding_update(name="Acme Packaging", accent="#C0392B")
    second = services.branding_update(name="Acme Packaging", accent="#c0392b", logo=png())
    third = services.branding_update(name="Acme", accent="#c0392b", remove_logo=True)

    assert (first.revision, second.revision, third.revision) == (1, 2, 3)
    assert branding_current().revision == 3
    assert branding_current().accent == "#c0392b"
    assert branding_current().logo == ""
    assert Branding.objects.count() == 1


def test_the_logo_is_a_data_url(db):
    services.branding_update(name="Acme", accent="#123456", logo=png())

    logo = branding_current().logo

    assert logo.startswith("data:image/png;base64,")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a" + b"\0" * 20, "PNG, JPEG or SVG"),
        (b"%PDF-1.7 not an image", "PNG, JPEG or SVG"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * LOGO_MAX_BYTES, "too big"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "script"),
        (
            b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b"<svg>&x;</svg>",
            "script",
        ),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "script"),
        (b"<svg><unclosed></svg>", "cannot be read"),
        (b'<?xml version="1.0"?><html/>', "PNG, JPEG or SVG"),
    ],
)
def test_a_bad_logo_is_refused_and_nothing_changes(db, data, message):
    services.branding_update(name="Acme", accent="#123456")

    with pytest.raises(ValidationError, match=message):
        services.branding_update(name="Other", accent="#654321", logo=data)

    current = branding_current()
    assert (current.name, current.accent, current.revision) == ("Acme", "#123456", 1)


@pytest.mark.parametrize("accent", ["red", "#12345", "#1234567", "#gggggg", "123456", ""])
def test_a_bad_colour_is_refused(db, accent):
    with pytest.raises(ValidationError):
        services.branding_update(name="Acme", accent=accent)

    assert not Branding.objects.exists()


def test_an_administrator_sets_the_branding_in_the_admin(client, db):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    url = reverse("admin:planning_branding_add")

    bad = client.post(url, {"name": "Acme", "accent": "blue"})
    assert bad.status_code == 200
    assert not Branding.objects.exists()
    fake = SimpleUploadedFile("logo.png", b"not a png", content_type="image/png")
    refused = client.post(url, {"name": "Acme", "accent": "#123456", "logo_file": fake})
    assert b"PNG, JPEG or SVG" in refused.content
    assert not Branding.objects.exists()

    logo = SimpleUploadedFile("logo.png", png(), content_type="image/png")
    saved = client.post(url, {"name": "Acme", "accent": "#123456", "logo_file": logo})
    assert saved.status_code == 302
    current = branding_current()
    assert (current.name, current.accent, current.revision) == ("Acme", "#123456", 1)
    assert current.logo.startswith("data:image/png;base64,")
    change = reverse("admin:planning_branding_change", args=[1])
    client.post(change, {"name": "Acme SA", "accent": "#654321"})
    assert branding_current().revision == 2
    assert branding_current().logo  # kept when no new file is sent
    assert client.get(reverse("admin:planning_branding_add")).status_code == 403  # one row


def test_the_admin_is_for_superusers_only(client, dana):
    client.force_login(dana)

    response = client.get(reverse("admin:planning_branding_changelist"))

    assert response.status_code == 302  # to the admin's login


def test_the_plan_pdf_shows_the_company_name_and_logo(alice, tmp_path):
    services.branding_update(name="Acme Packaging", accent="#c0392b", logo=png(size=(300, 90)))
    plan = PlanFactory(client=ClientFactory(kam=alice), owner=alice)

    data = pdf.plan_pdf(plan_id=plan.pk, version_id=None, language="en")

    path = tmp_path / "branded.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True)
    assert "Acme Packaging" in text
    assert " 300    90 " in images.stdout  # the logo, embedded
