"""A plan's PDF in headless Chromium, made by the live Celery worker: the KAM clicks "PDF · EN"
on an approved version, the status shows without a reload and changes until the download is
offered, and the file arrives; at 390 px the buttons and the status fit the window; the
director's shortlist page loads its reports panel, and the year's zip is made with its progress.
Screenshots in ``test-artifacts/reports``."""

import os
import zipfile
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from planning.models import PlanVersion, Report, ReportDownload
from planning.selectors.versions import plan_snapshot
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import KpiFactory, ObjectiveFactory, PlanFactory
from tests.test_journeys import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("KAM_REPORTS_SHOTS", SCREENSHOTS / "reports"))


@pytest.fixture
def version():
    alice = UserFactory(username="alice", first_name="Alice", last_name="Martin",
                        role=User.Role.KAM)  # fmt: skip
    dana = UserFactory(username="dana", first_name="Dana", last_name="Durand",
                       role=User.Role.DIRECTOR)  # fmt: skip
    plan = PlanFactory(client=ClientFactory(name="Acme Packaging", kam=alice), created_by=dana)
    objective = ObjectiveFactory(plan=plan, title="Grow the margin on films")
    KpiFactory(objective=objective, name="Gross margin", is_margin=True)
    return PlanVersion.objects.create(
        plan=plan, number=1, approved_by=dana, approved_at=timezone.now(), submitted_by=alice,
        snapshot=plan_snapshot(plan),
    )  # fmt: skip


def person(browser: Browser, base_url: str, username: str, width: int = 1366) -> Page:
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    context.add_cookies([{"name": "django_language", "value": "en", "url": base_url}])
    page = context.new_page()
    log_in(page, base_url, username)
    return page


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def fits(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [1366, 390])
def test_click_pdf_watch_the_status_and_download_without_a_reload(
    live_server, live_worker, browser, version, tmp_path, width
):
    page = person(browser, live_server.url, "alice", width)
    page.goto(f"{live_server.url}/plans/{version.plan_id}/versions/")
    page.evaluate("window.notReloaded = true")
    row = page.locator('[data-testid="pdf-row"][data-ref="1"]')
    row.locator('[data-testid="pdf-request"][data-language="en"]').click()

    status = row.locator('[data-testid="report-status"]')
    expect(status).to_have_count(1)
    assert status.get_attribute("data-status") in {"queued", "rendering", "ready"}
    expect(status).to_have_attribute("data-status", "ready", timeout=60_000)  # by polling
    assert page.evaluate("window.notReloaded") is True  # the same page all along
    assert fits(page)
    shot(page, f"versions-ready-{width}")

    with page.expect_download() as caught:
        row.get_by_test_id("report-download").click()
    download = caught.value
    assert download.suggested_filename == "acme-packaging-2026-v1-en.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    assert ReportDownload.objects.filter(user__username="alice").count() == 1
    page.context.close()


def test_the_director_makes_the_years_zip_from_the_shortlist_page(
    live_server, live_worker, browser, version, tmp_path
):
    page = person(browser, live_server.url, "dana", 390)
    page.goto(f"{live_server.url}/scoring/shortlist/2026/")
    panel = page.get_by_test_id("programme-reports")
    expect(panel).to_be_visible()  # loaded into the page by htmx
    expect(panel).to_contain_text("1 approved plan, its latest version")
    page.evaluate("window.notReloaded = true")
    panel.locator('[data-testid="plans-zip-request"][data-language="fr"]').click()
    status = panel.locator('[data-testid="report-status"]')
    expect(status).to_have_attribute("data-status", "ready", timeout=60_000)
    assert page.evaluate("window.notReloaded") is True
    assert fits(page)
    shot(page, "shortlist-zip-ready-390")
    with page.expect_download() as caught:
        status.get_by_test_id("report-download").click()
    path = tmp_path / caught.value.suggested_filename
    caught.value.save_as(path)
    assert path.name == "approved-plans-2026-fr.zip"
    assert zipfile.ZipFile(path).namelist() == ["acme-packaging-2026-v1-fr.pdf"]
    zipped = Report.objects.get(kind=Report.Kind.PLANS_ZIP)
    assert (zipped.done, zipped.total) == (1, 1)
    page.context.close()
