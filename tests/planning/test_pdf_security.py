"""Rendering never reaches outside: a plan whose text tries to pull a local file or an external
URL (an ``<img>``, a stylesheet, CSS ``url()`` and ``@import``) renders without it, its text
shown as text; the fetcher refuses every URL that is not ``data:`` or one of the project's own
static files, including what an SVG logo links to."""

import subprocess

import pytest
from django.conf import settings

from planning import pdf
from planning.services import branding as branding_services
from tests.factories import ClientFactory
from tests.planning.factories import (
    ActionFactory,
    ObjectiveFactory,
    PlanFactory,
    StakeholderFactory,
    SwotItemFactory,
)

HOSTILE = [
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="http://127.0.0.1:9/evil.css">',
    "<style>@import url(file:///etc/passwd); body { background: url(http://127.0.0.1:9/x.png) }"
    "</style>",
    '<div style="background: url(file:///etc/shadow)">x</div>',
    '<svg><image href="file:///etc/hostname"/></svg>',
    '<iframe src="http://example.com/"></iframe>',
]


class Recorder(pdf.StaticOnlyFetcher):
    """The project's fetcher, keeping every URL it was asked for across renders."""

    seen: list[str] = []
    refused: list[str] = []

    def fetch(self, url, headers=None):
        Recorder.seen.append(url)
        try:
            return super().fetch(url, headers)
        except ValueError:
            Recorder.refused.append(url)
            raise


@pytest.fixture
def recorded(monkeypatch):
    Recorder.seen, Recorder.refused = [], []
    monkeypatch.setattr(pdf, "StaticOnlyFetcher", Recorder)
    return Recorder.seen


@pytest.fixture
def hostile_plan(alice):
    plan = PlanFactory(
        client=ClientFactory(name="Hostile <b>Corp</b>", kam=alice),
        owner=alice,
        customer_business=HOSTILE[0],
        customer_strategy=HOSTILE[1],
        shared_vision=HOSTILE[2],
    )
    SwotItemFactory(plan=plan, quadrant="threat", text=HOSTILE[3])
    objective = ObjectiveFactory(plan=plan, title=HOSTILE[4], description=HOSTILE[5])
    ActionFactory(objective=objective, title='<a href="file:///etc/passwd">click</a>')
    StakeholderFactory(plan=plan, note=HOSTILE[0])
    return plan


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "hostile.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_hostile_plan_text_is_shown_as_text_and_fetches_nothing(hostile_plan, recorded, tmp_path):
    data = pdf.plan_pdf(plan_id=hostile_plan.pk, version_id=None, language="en")

    text = pdf_text(data, tmp_path)
    joined = " ".join(text.split())
    for attempt in HOSTILE[:3]:
        assert " ".join(attempt.split()) in joined  # escaped: written out, not obeyed
    assert "Hostile <b>Corp</b>" in joined
    assert "root:" not in text  # nothing of /etc/passwd
    static = (settings.BASE_DIR / "static").resolve().as_uri()
    for url in recorded:
        assert url.startswith(("data:", static + "/")), url
    assert not any("etc/" in url or "127.0.0.1" in url or "example" in url for url in recorded)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "file://localhost/etc/passwd",
        "file://evil.example/static/pdf/report.css",
        "http://127.0.0.1:9/x.png",
        "https://example.com/logo.png",
        "ftp://example.com/x",
        "javascript:alert(1)",
        "{static}/../kam/settings.py",
        "{static}/pdf/../../kam/settings.py",
        "{static}/pdf/missing.css",
        "{static}/pdf/report.css?x=1",
    ],
)
def test_the_fetcher_refuses_what_is_not_data_or_a_static_file(url):
    static = (settings.BASE_DIR / "static").resolve().as_uri()
    fetcher = pdf.StaticOnlyFetcher()

    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url.replace("{static}", static))

    assert fetcher.refused


def test_the_fetcher_serves_data_urls_and_static_files():
    fetcher = pdf.StaticOnlyFetcher()
    static = (settings.BASE_DIR / "static").resolve().as_uri()

    css = fetcher.fetch(f"{static}/pdf/report.css")
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")

    assert b"@page" in css.read()
    assert data.read() == b"hello"
    assert not fetcher.refused


def test_a_symlink_out_of_static_is_refused(tmp_path):
    link = settings.BASE_DIR / "static" / "pdf" / "test-link-out.txt"
    link.symlink_to("/etc/passwd")
    try:
        with pytest.raises(ValueError, match="refused"):
            pdf.StaticOnlyFetcher().fetch(link.as_uri())
    finally:
        link.unlink()


def test_an_svg_logo_that_links_a_file_renders_without_it(hostile_plan, recorded, tmp_path):
    logo = (
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        b' width="40" height="20"><rect width="40" height="20" fill="#123456"/>'
        b'<image xlink:href="file:///etc/passwd" width="10" height="10"/>'
        b'<image href="http://127.0.0.1:9/track.png" width="10" height="10"/></svg>'
    )
    branding_services.branding_update(name="Acme", accent="#123456", logo=logo)

    data = pdf.plan_pdf(plan_id=hostile_plan.pk, version_id=None, language="en")

    assert data.startswith(b"%PDF")
    assert "root:" not in pdf_text(data, tmp_path)
    assert any(url.startswith("data:image/svg+xml;base64,") for url in recorded)  # the logo
    outside = [url for url in recorded if "etc/passwd" in url or "127.0.0.1" in url]
    assert outside == Recorder.refused  # whatever the logo links to is asked for and refused
