"""Stored reports by page and API: the PDF buttons of a plan's versions, the status fragment in
each of its states (polling while queued or rendering, and only then), downloads by whoever sees
the plan and by nobody else (a sponsor never gets another account's PDF), the shortlist report
and the year's zip for directors only (403 saying why), bad input refused with nothing written,
and each download in the plan's history."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from kam import permissions
from planning.models import PlanVersion, Report, ReportDownload
from planning.selectors.versions import plan_snapshot
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import ActionFactory, ObjectiveFactory, PlanFactory
from tests.refusals import assert_refused, assert_refused_in_both_languages
from tests.scoring.factories import ProgrammeFactory

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def plan(alice, sam, dana):
    plan = PlanFactory(client=ClientFactory(name="Acme Packaging", kam=alice, sponsor=sam))
    ObjectiveFactory(plan=plan, title="Grow the margin")
    return plan


@pytest.fixture
def version(plan, dana):
    return PlanVersion.objects.create(
        plan=plan,
        number=1,
        approved_by=dana,
        approved_at=timezone.now(),
        submitted_by=plan.client.kam,
        snapshot=plan_snapshot(plan),
    )


def make_report(plan, version, by, **values) -> Report:
    fields = {
        "kind": Report.Kind.PLAN_VERSION,
        "plan": plan,
        "version": version,
        "language": "fr",
        "branding_revision": 1,
        "requested_by": by,
        "requested_at": timezone.now(),
        **values,
    }
    if fields.get("status") == Report.Status.READY:
        fields |= {"file": ContentFile(b"%PDF-1.7 test", name="t.pdf"), "size": 13}
    return Report.objects.create(**fields)


@pytest.fixture
def ready(plan, version, alice):
    return make_report(plan, version, alice, status=Report.Status.READY)


def body(response) -> str:
    return response.content.decode()


def got(response) -> int:
    """The status of a download, read to its end (which closes the file)."""
    if response.streaming:
        b"".join(response.streaming_content)
    return response.status_code


# --- the buttons and the status ---------------------------------------------------------------


def test_the_versions_tab_offers_a_pdf_per_language_the_readers_first(client, alice, plan, version):
    client.force_login(alice)
    client.cookies["django_language"] = "fr"
    html = body(client.get(reverse("planning:plan_versions", args=[plan.pk])))
    rows = re.findall(r'data-testid="pdf-row" data-ref="(\w+)"', html)
    assert rows == ["draft", "1"]
    languages = re.findall(r'data-testid="pdf-request" data-language="(\w+)"', html)
    assert languages == ["fr", "en", "fr", "en"]  # the reader's language first, in each row


def test_asking_by_page_answers_the_polling_fragment(client, alice, plan, version):
    client.force_login(alice)
    url = reverse("planning:plan_pdf_request", args=[plan.pk])
    response = client.post(url, {"version": "1", "language": "en"}, headers=HX)
    assert response.status_code == 200
    report = Report.objects.get()
    assert (report.kind, report.version, report.language) == ("plan_version", version, "en")
    html = body(response)
    assert 'data-status="queued"' in html
    assert f'hx-get="{reverse("planning:report_status", args=[report.pk])}"' in html
    assert 'hx-trigger="every 1s"' in html

    # without htmx: to the report's own page
    response = client.post(url, {"version": "draft", "language": "fr"})
    draft = Report.objects.get(kind=Report.Kind.PLAN_DRAFT)
    assert response.status_code == 302
    assert response["Location"] == reverse("planning:report_status", args=[draft.pk])


@pytest.mark.parametrize(
    ("status", "values", "shows", "polls"),
    [
        ("queued", {}, "Waiting for its turn", True),
        ("rendering", {}, "Making the document", True),
        ("failed", {"failure": "timed_out"}, "Making the document took too long", False),
        ("ready", {}, "Download", False),
    ],
)
def test_the_status_fragment_in_each_state(
    client, alice, plan, version, status, values, shows, polls
):
    report = make_report(plan, version, alice, status=status, **values)
    client.force_login(alice)
    response = client.get(reverse("planning:report_status", args=[report.pk]), headers=HX)
    html = body(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div class="report-status')  # the fragment, not the page
    assert f'data-status="{status}"' in html
    assert shows in html
    assert ("hx-trigger" in html) is polls  # polling stops once ready or failed
    assert (reverse("planning:report_download", args=[report.pk]) in html) is (status == "ready")


def test_a_zip_being_made_shows_its_progress(client, dana, plan, version):
    report = Report.objects.create(
        kind=Report.Kind.PLANS_ZIP, programme=plan.programme, language="en", branding_revision=1,
        status=Report.Status.RENDERING, done=2, total=5, parts=[version.pk],
        requested_by=dana, requested_at=timezone.now(),
    )  # fmt: skip
    client.force_login(dana)
    html = body(client.get(reverse("planning:report_status", args=[report.pk]), headers=HX))
    assert "2 of 5 plans" in html
    assert '<progress max="5" value="2"' in html


def test_a_failure_reads_in_french(client, alice, plan, version):
    report = make_report(plan, version, alice, status="failed", failure="render_error")
    client.force_login(alice)
    client.cookies["django_language"] = "fr"
    html = body(client.get(reverse("planning:report_status", args=[report.pk])))
    assert "The document could not be made" not in html
    assert "Le document n\u2019a pas pu être produit à partir de ce contenu." in html


# --- downloads and who may have them ----------------------------------------------------------


def test_the_plans_people_download_its_pdf_recorded_in_its_history(
    client, alice, sam, dana, plan, ready
):
    for user in (alice, sam, dana):
        client.force_login(user)
        response = client.get(reverse("planning:report_download", args=[ready.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert 'filename="acme-packaging-2026-v1-fr.pdf"' in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == b"%PDF-1.7 test"
    assert ReportDownload.objects.filter(plan=plan).count() == 3

    client.force_login(alice)
    html = body(client.get(reverse("planning:plan_history", args=[plan.pk])))
    entries = re.findall(r'data-kind="planning.ReportDownload".*?</li>', html, re.S)
    assert len(entries) == 3
    assert "downloaded" in entries[0]
    assert "v1" in entries[0]
    assert "French" in entries[0]
    for entry, user in zip(entries, (dana, sam, alice), strict=True):  # newest first
        assert str(user) in entry


def test_a_sponsor_cannot_download_another_accounts_pdf_by_page_or_api(
    client, sam, bob, dana, ready
):
    theirs = PlanFactory(client=ClientFactory(name="Theirs", kam=bob))
    other_version = PlanVersion.objects.create(
        plan=theirs, number=1, approved_by=dana, approved_at=timezone.now(), submitted_by=bob,
        snapshot=plan_snapshot(theirs),
    )  # fmt: skip
    other = make_report(theirs, other_version, bob, status=Report.Status.READY)
    client.force_login(sam)
    for name in ("planning:report_download", "planning:report_status"):
        assert got(client.get(reverse(name, args=[other.pk]))) == 404
    for name in ("api-planning:report_file", "api-planning:report"):
        assert got(client.get(reverse(name, args=[other.pk]))) == 404
    asked = client.post(
        reverse("api-planning:plan_pdf_request", args=[theirs.pk]),
        {"language": "en", "version": 1},
        content_type="application/json",
    )
    assert asked.status_code == 404
    assert client.post(reverse("planning:plan_pdf_request", args=[theirs.pk])).status_code == 404
    assert not ReportDownload.objects.exists()
    assert Report.objects.filter(plan=theirs).count() == 1
    # their own account's, they do get
    assert got(client.get(reverse("api-planning:report_file", args=[ready.pk]))) == 200


def test_a_contributor_gets_a_plans_pdf_only_when_taking_part(client, carl, plan, ready):
    client.force_login(carl)
    assert got(client.get(reverse("planning:report_download", args=[ready.pk]))) == 404
    assert got(client.get(reverse("api-planning:report_file", args=[ready.pk]))) == 404
    ActionFactory(objective=plan.objectives.get(), owner=carl)
    assert got(client.get(reverse("planning:report_download", args=[ready.pk]))) == 200
    assert got(client.get(reverse("api-planning:report_file", args=[ready.pk]))) == 200


def test_the_shortlist_report_and_zip_are_the_directors(client, alice, sam, dana, plan, version):
    shortlist = Report.objects.create(
        kind=Report.Kind.SHORTLIST, programme=plan.programme, language="en", branding_revision=1,
        status=Report.Status.READY, file=ContentFile(b"%PDF-1.7 list", name="s.pdf"), size=13,
        requested_by=dana, requested_at=timezone.now(),
    )  # fmt: skip
    year = plan.programme.year
    for user in (alice, sam):
        client.force_login(user)
        for name, args in (
            ("planning:report_download", [shortlist.pk]),
            ("planning:report_status", [shortlist.pk]),
            ("planning:programme_reports", [year]),
        ):
            assert_refused(client.get(reverse(name, args=args)), permissions.may_export_programme)
        assert_refused_in_both_languages(
            client, "get", reverse("api-planning:report_file", args=[shortlist.pk]),
            permissions.may_export_programme,
        )  # fmt: skip
        assert_refused_in_both_languages(
            client, "post", reverse("api-planning:plans_zip_request", args=[year]),
            permissions.may_export_programme, data={"language": "en"},
        )  # fmt: skip
    client.force_login(dana)
    response = client.get(reverse("api-planning:report_file", args=[shortlist.pk]))
    assert response.status_code == 200
    assert 'filename="shortlist-2026-en.pdf"' in response["Content-Disposition"]
    b"".join(response.streaming_content)
    assert ReportDownload.objects.get().plan is None


def test_the_shortlist_page_loads_the_directors_reports_panel(client, dana, plan, version):
    client.force_login(dana)
    year = plan.programme.year
    html = body(client.get(reverse("scoring:shortlist_detail", args=[year])))
    panel = reverse("planning:programme_reports", args=[year])
    assert f'hx-get="{panel}"' in html
    panel_html = body(client.get(panel, headers=HX))
    assert 'data-testid="programme-reports"' in panel_html
    assert "1 approved plan, its latest version" in panel_html
    assert reverse("planning:plans_zip_request", args=[year]) in panel_html
    assert reverse("planning:shortlist_report_request", args=[year]) in panel_html

    response = client.post(
        reverse("planning:plans_zip_request", args=[year]), {"language": "fr"}, headers=HX
    )
    report = Report.objects.get(kind=Report.Kind.PLANS_ZIP)
    assert (report.total, report.parts) == (1, [version.pk])
    assert "0 of 1 plans" not in body(response)  # queued: waiting, not counting yet
    assert 'data-status="queued"' in body(response)


# --- the API --------------------------------------------------------------------------------------


def test_the_api_asks_polls_and_downloads(client, alice, plan, version):
    client.force_login(alice)
    url = reverse("api-planning:plan_pdf_request", args=[plan.pk])
    asked = client.post(url, {"language": "fr", "version": 1}, content_type="application/json")
    assert asked.status_code == 202
    data = asked.json()
    assert (data["status"], data["version"], data["language"], data["download"]) == (
        "queued", 1, "fr", None
    )  # fmt: skip
    report = Report.objects.get(pk=data["id"])
    report.status, report.size = Report.Status.READY, 13
    report.file = ContentFile(b"%PDF-1.7 test", name="t.pdf")
    report.save()

    again = client.post(url, {"language": "fr", "version": 1}, content_type="application/json")
    assert again.status_code == 200
    assert again.json()["id"] == report.pk
    status = client.get(reverse("api-planning:report", args=[report.pk])).json()
    assert status["status"] == "ready"
    assert status["download"].endswith(reverse("api-planning:report_file", args=[report.pk]))
    response = client.get(status["download"])
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"
    assert ReportDownload.objects.get().user == alice


def test_the_api_refuses_bad_input_writing_nothing(client, alice, dana, plan, version):
    client.force_login(alice)
    url = reverse("api-planning:plan_pdf_request", args=[plan.pk])
    for data in ({"language": "de"}, {"language": "en", "version": 7}, {}, {"version": "x"}):
        response = client.post(url, data, content_type="application/json")
        assert response.status_code == 400, data
    client.force_login(dana)
    ProgrammeFactory(year=2027, updated_by=dana)  # no plan approved in it
    zip_url = reverse("api-planning:plans_zip_request", args=[2027])
    response = client.post(zip_url, {"language": "en"}, content_type="application/json")
    assert response.status_code == 400
    assert "nothing to export" in response.content.decode()
    response = client.post(
        reverse("api-planning:plans_zip_request", args=[1999]),
        {"language": "en"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Report.objects.exists()


def test_not_ready_is_not_downloaded(client, alice, plan, version):
    report = make_report(plan, version, alice, status=Report.Status.RENDERING)
    client.force_login(alice)
    response = client.get(reverse("planning:report_download", args=[report.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("planning:report_status", args=[report.pk])
    assert got(client.get(reverse("api-planning:report_file", args=[report.pk]))) == 400
    assert not ReportDownload.objects.exists()


def test_a_director_may_ask_for_any_plans_pdf(client, dana, plan, version):
    other_director = UserFactory(username="dora", role=User.Role.DIRECTOR)
    client.force_login(other_director)
    url = reverse("api-planning:plan_pdf_request", args=[plan.pk])
    response = client.post(url, {"language": "en"}, content_type="application/json")
    assert response.status_code == 202
    assert response.json()["kind"] == "plan_draft"


def test_a_refused_request_shows_its_error_in_the_slot_it_targets(client, alice, plan, version):
    client.force_login(alice)
    url = reverse("planning:plan_pdf_request", args=[plan.pk])
    response = client.post(url, {"version": "7", "language": "en"}, headers=HX)
    assert response.status_code == 200  # htmx swaps no 4xx answer: the reader would see nothing
    html = body(response)
    assert 'data-testid="report-error"' in html
    assert "This plan has no such version." in html
    response = client.post(url, {"version": "1", "language": "de"}, headers=HX)
    assert "Choose French or English." in body(response)

    response = client.post(url, {"version": "7", "language": "en"})  # without htmx: its page
    assert response.status_code == 400
    assert "This plan has no such version." in body(response)
    assert not Report.objects.exists()
