"""What users type comes back as text, never as markup: a client, a contact and a criterion named
with a ``<script>`` tag and an ``&amp;`` entity, and notes written the same way, go through every
page (and its htmx parts) and every export.

In HTML the tag must be escaped (``&lt;script&gt;``) and the entity too (``&amp;amp;``: the user
typed the five characters ``&amp;``, not an ampersand). In CSV and XLSX files the text comes back
exactly as typed (no HTML escaping there: a spreadsheet shows it verbatim), and the files are sent
as attachments the browser does not render. The API's JSON carries it as data.

The pages are those of the route table (``tests/test_access_matrix.py``): a new page is tried
here as soon as it says who may open it.
"""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Client, Contact, ExchangeRate, LedgerImport
from accounts.services import clients as client_services
from accounts.services import imports as import_services
from planning.models import (
    Action,
    AdvisoryMeeting,
    AdvisoryMember,
    AdvisoryTopic,
    Cadence,
    CalendarFeed,
    Kpi,
    MeetingDecision,
    Objective,
    Offer,
    Offering,
    Plan,
    Practice,
    PracticeReuse,
    Recognition,
    SponsorAsk,
    SwotItem,
    YearEndNegotiation,
)
from scoring.models import Criterion
from scoring.services import overrides, ratings, selection
from tests.scoring.conftest import recompute
from tests.scoring.factories import CostToServeFactory, ProgrammeFactory, small_model
from tests.test_access_matrix import ACCESS, GROUPS, _plan, _programme_rows, url_for

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script> R&amp;D"
CLIENT, CONTACT, CRITERION = f"{HOSTILE} client", f"{HOSTILE} contact", f"{HOSTILE} criterion"
NOTE = f"{HOSTILE} note"
LEFT_AS_IS = f"{escape('<script>alert(1)</script>')} R&amp;D"
"""The hostile text with its tag escaped but its entity not."""

LEDGER = (
    "Customer ID,Customer Name,Order Date,Sales\n"
    f"C1,{CLIENT},2025-01-15,100.00\n"
    f"C2,{HOSTILE} rejected,not a date,50.00\n"
)
"""A ledger whose first line makes the hostile client and whose second is rejected."""

SHOWN = {
    "accounts:client_list": {CLIENT},
    "accounts:client_detail": {CLIENT, CONTACT},
    "accounts:contact_update": {CLIENT, CONTACT},
    "scoring:ranking": {CLIENT},
    "scoring:client_explanation": {CLIENT, CRITERION},
    "scoring:grid": {CLIENT, CRITERION},
    "scoring:override_edit": {CLIENT},
    "scoring:shortlist_detail": {CLIENT},
    "scoring:criterion_list": {CRITERION},
    "scoring:criterion_update": {CRITERION},
    "scoring:weights": {CRITERION},
    "planning:plan_meetings": {CLIENT, f"{HOSTILE} cadence"},
    "planning:cadence_compliance": {CLIENT},
    "planning:programme_results": {CLIENT},
}
"""Pages that show the names, so the test is seen to send them through (a page dropping a name
it should show fails here)."""

EXTRA_QUERIES = {
    "scoring:ranking": ["page=1"],
    "scoring:grid": ["page=1", "sort=fit&dir=desc&page=1"],
    "scoring:grid_cell": ["about=1"],
    "planning:practice_list": ["q=alert", "q=script+note&page=1", "tag=zephyr"],
    "scoring:shortlist_detail": ["page=1"],
}
"""Parts of pages that htmx asks for with a query, beyond the page itself (rows loaded as the
user scrolls, a rating's details)."""

ROWS = {("scoring:ranking", "page=1"), ("scoring:grid", "page=1")}
"""htmx parts that are rows of the hostile client: checked to show its name."""


@pytest.fixture
def hostile(alice, sam, dana):
    """The hostile client (from a ledger), its contact, a criterion, and notes everywhere."""
    criteria = small_model()
    upload = ContentFile(LEDGER.encode(), name="ledger.csv")
    ledger_import = import_services.ledger_import_create(user=dana, upload=upload)
    import_services.ledger_import_confirm(
        ledger_import=ledger_import, user=dana, mapping=ledger_import.mapping
    )
    import_services.ledger_import_run(import_id=ledger_import.pk)
    ledger_import.refresh_from_db()
    assert ledger_import.status == LedgerImport.Status.DONE
    assert ledger_import.rows_rejected == 1
    company = Client.objects.get(external_id="C1")
    assert company.name == CLIENT
    Client.objects.filter(pk=company.pk).update(kam=alice, sponsor=sam)
    company.refresh_from_db()
    contact = client_services.contact_save(user=alice, client=company, last_name=CONTACT)
    fit = criteria["fit"]
    Criterion.objects.filter(pk=fit.pk).update(
        name_en=CRITERION, name_fr=CRITERION, rubric_en={"3": NOTE}, rubric_fr={"3": NOTE}
    )
    ratings.rating_set(user=alice, client=company, criterion=fit, level=3, note=NOTE)
    CostToServeFactory(client=company, updated_by=dana, note=NOTE)
    recompute()
    overrides.override_set(user=dana, client=company, kind="adjust", points=5, rationale=NOTE)
    programme = ProgrammeFactory(updated_by=dana)
    selection.shortlist_add(user=dana, programme=programme, client=company)
    plan = _plan(company, dana)  # a plan with one of everything, written the same way
    Plan.objects.filter(pk=plan["plan_id"]).update(customer_business=NOTE, shared_vision=NOTE)
    SwotItem.objects.filter(pk=plan["swot_id"]).update(text=NOTE)
    Objective.objects.filter(pk=plan["objective_id"]).update(title=NOTE, description=NOTE)
    Kpi.objects.filter(pk=plan["kpi_id"]).update(name=NOTE)
    Action.objects.filter(pk=plan["action_id"]).update(title=NOTE, comment=NOTE)
    Offer.objects.filter(pk=plan["offer_id"]).update(business_unit=NOTE, value_drivers=NOTE)
    Offering.objects.filter(pk=plan["offering_id"]).update(name=NOTE)
    Cadence.objects.filter(pk=plan["cadence_id"]).update(name=f"{HOSTILE} cadence")
    MeetingDecision.objects.filter(pk=plan["decision_id"]).update(text=NOTE)
    SponsorAsk.objects.filter(pk=plan["ask_id"]).update(request=NOTE, answer=NOTE)
    YearEndNegotiation.objects.filter(pk=plan["negotiation_id"]).update(terms_agreed=NOTE)
    Practice.objects.filter(pk=plan["practice_id"]).update(
        title=NOTE, context=NOTE, what_worked=NOTE, evidence=NOTE, tags=[NOTE[:40]]
    )
    PracticeReuse.objects.filter(pk=plan["reuse_id"]).update(note=NOTE)
    programme_rows = _programme_rows(company, alice, dana, sam)
    AdvisoryMember.objects.filter(pk=programme_rows["member_id"]).update(note=NOTE)
    AdvisoryMeeting.objects.filter(pk=programme_rows["advisory_meeting_id"]).update(
        title=NOTE, summary=NOTE
    )
    AdvisoryTopic.objects.filter(pk=programme_rows["topic_id"]).update(topic=NOTE, action=NOTE)
    Recognition.objects.filter(pk=programme_rows["recognition_id"]).update(award=NOTE, reason=NOTE)
    return {
        **plan,
        **programme_rows,
        "token": CalendarFeed.objects.create(user=alice).token,
        "client_id": company.pk,
        "contact_id": contact.pk,
        "import_id": ledger_import.pk,
        "rate_id": ExchangeRate.objects.create(
            currency="USD", period="day", date=dt.date(2026, 3, 2), rate=Decimal("1.08")
        ).pk,
        "year": programme.year,
        "code": fit.code,
        "criterion_id": fit.pk,
    }


PAGES = sorted(
    name
    for name, method in ACCESS
    if method == "GET"
    and not name.startswith("api-")
    and name.split(":")[0] not in GROUPS
    and name not in {"api_schema", "api_docs"}  # no user data
    and name not in {"scoring:grid_export", "accounts:ledger_import_rejects"}  # files: below
    and name != "planning:programme_results_csv"  # figures and translated labels, no user text
    and name != "planning:report_download"  # a PDF or a zip: the PDF tests read what it writes
    and name not in {"planning:plan_calendar", "planning:calendar_feed_ics"}  # iCalendar: below
)
"""Every page a route table row lets someone GET, but the admin's (which escapes with Django's
own templates)."""


@pytest.mark.parametrize("persona", ["dana", "alice"])
def test_every_page_shows_what_users_typed_as_text(request, hostile, persona):
    http = HttpClient()
    http.force_login(request.getfixturevalue(persona))
    shown: dict[str, set[str]] = {}
    for name in PAGES:
        url = url_for(name, hostile)
        for query in ["", *EXTRA_QUERIES.get(name, [])]:
            for headers in ({}, {"HX-Request": "true"}):
                response = http.get(f"{url}?{query}" if query else url, headers=headers)
                if response.status_code in {302, 403}:  # not this persona's page
                    continue
                assert response.status_code == 200, (name, query, headers)
                page = response.content.decode()
                shown.setdefault(name, set())
                assert "<script>alert(1)" not in page, (name, query, headers)
                # an entity left as is (the department "R&D" is rightly written R&amp;D)
                assert LEFT_AS_IS not in page, (name, query, headers)
                shown[name].update(
                    text
                    for text in (CLIENT, CONTACT, CRITERION, f"{HOSTILE} cadence")
                    if escape(text) in page
                )
                if headers and (name, query) in ROWS:
                    assert escape(CLIENT) in page, (name, query)
    if persona == "dana":  # a director opens every page
        assert set(SHOWN) <= set(shown)
    for name, texts in SHOWN.items():
        if name in shown:
            assert texts <= shown[name], name


def test_the_grid_exports_give_the_names_as_typed(client, hostile, dana):
    client.force_login(dana)
    response = client.get(reverse("scoring:grid_export"), {"format": "csv"})
    assert response["Content-Disposition"].startswith("attachment")
    text = response.content.decode("utf-8-sig")  # the reader's conventions: ";" in French
    rows = list(csv.reader(io.StringIO(text), delimiter=csv.Sniffer().sniff(text, ",;").delimiter))
    cells = {cell for row in rows for cell in row}
    assert CLIENT in cells
    assert any(CRITERION in cell for cell in rows[0])
    assert not any("&lt;" in cell or "&amp;amp;" in cell for cell in cells)

    response = client.get(reverse("scoring:grid_export"), {"format": "xlsx"})
    assert response["Content-Disposition"].startswith("attachment")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = {str(cell) for row in sheet.iter_rows(values_only=True) for cell in row}
    assert CLIENT in values
    assert any(CRITERION in value for value in values)
    assert not any("&lt;" in value for value in values)


def test_the_rejects_file_gives_the_line_as_typed_and_is_not_rendered(client, hostile, dana):
    client.force_login(dana)
    response = client.get(reverse("accounts:ledger_import_rejects", args=[hostile["import_id"]]))
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert f"{HOSTILE} rejected" in content


def test_the_api_gives_the_names_as_data(client, hostile, alice):
    client.force_login(alice)
    detail = client.get(reverse("api-accounts:client_detail", args=[hostile["client_id"]]))
    assert detail.json()["name"] == CLIENT
    assert Contact.objects.get(pk=hostile["contact_id"]).last_name == CONTACT


def test_the_calendars_give_the_names_as_typed(client, hostile, alice):
    """iCalendar is text, not markup: the names come back as typed, in a calendar file."""
    from icalendar import Calendar

    client.force_login(alice)
    response = client.get(reverse("planning:plan_calendar", args=[hostile["plan_id"]]))
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    summaries = [str(event["SUMMARY"]) for event in events]
    assert summaries
    assert all(summary.endswith(f"{HOSTILE} cadence · {CLIENT}") for summary in summaries)
