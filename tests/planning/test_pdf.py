"""The PDF of an account plan and the shortlist report, read back with poppler (``pdftotext``,
``pdfinfo``, ``pdftoppm``): what they show, in which language, the draft mark, the table of
contents' page numbers, the same bytes for the same version, and pages that are not blank."""

import datetime as dt
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image

from planning import pdf
from planning.models import Action, Objective, Stakeholder
from planning.services import approval
from scoring.models import Programme, ShortlistEntry
from tests.factories import ClientFactory, ClientYearMetricFactory, ContactFactory
from tests.planning.factories import (
    ActionFactory,
    CadenceFactory,
    CounterpartPairFactory,
    KpiFactory,
    ObjectiveFactory,
    OfferFactory,
    PlanFactory,
    SponsorAskFactory,
    StakeholderFactory,
    SwotItemFactory,
    make_key_account,
)
from tests.scoring.conftest import recompute
from tests.scoring.factories import OverrideFactory, RatingFactory, small_model

HEADINGS = {
    "en": [
        "Contents",
        "Executive summary",
        "Shared vision",
        "Objectives and actions",
        "Offers and pricing",
        "Relationship map and counterparts",
        "Meeting cadences",
        "Investment projects and budget",
    ],
    "fr": [
        "Sommaire",
        "Synthèse",
        "Vision partagée",
        "Objectifs et actions",
        "Offres et prix",
        "Carte des relations et binômes",
        "Rythmes de réunions",
        "Projets d\N{RIGHT SINGLE QUOTATION MARK}investissement et budget",
    ],
}


# --- reading a PDF back ---------------------------------------------------------------------------


def pdf_pages(data: bytes, tmp_path: Path, *, layout: bool = True) -> list[str]:
    """The text of each page (``pdftotext`` ends each page with a form feed)."""
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    options = ["-layout"] if layout else []
    text = subprocess.run(
        ["pdftotext", *options, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return text.split("\f")[:-1]


def pdf_info(data: bytes, tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdfinfo", str(path)], check=True, capture_output=True, text=True, env={"TZ": "UTC"}
    )
    return {
        key.strip(): value.strip()
        for key, _, value in (line.partition(":") for line in out.stdout.splitlines())
    }


def page_images(data: bytes, tmp_path: Path) -> list[Image.Image]:
    path = tmp_path / "png.pdf"
    path.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(tmp_path / "page")], check=True)
    return [Image.open(png).convert("L") for png in sorted(tmp_path.glob("page-*.png"))]


def toc_entries(text: str) -> list[tuple[str, int]]:
    """(heading, page) of each line of a table of contents: "3   SWOT ........ 5"."""
    found = []
    for line in text.splitlines():
        match = re.match(r"^\s*\d+\s+(.+?)\s*\.{3,}\s*(\d+)\s*$", line)
        if match:
            found.append((match.group(1).strip(), int(match.group(2))))
    return found


# --- a plan -----------------------------------------------------------------------------------


@pytest.fixture
def account(alice, sam, dana):
    """A key account of alice's, sponsored by sam, with ledger figures and a score."""
    criteria = small_model()
    company = ClientFactory(name="Quercy Emballages", kam=alice, sponsor=sam)
    other = ClientFactory(name="Other Industries", kam=alice)
    for year, revenue in ((2024, "812000"), (2025, "905000")):
        ClientYearMetricFactory(client=company, year=year, revenue=Decimal(revenue))
    ClientYearMetricFactory(client=other, year=2025, revenue=Decimal("100000"))
    RatingFactory(client=company, criterion=criteria["fit"], author=alice, level=5)
    RatingFactory(client=company, criterion=criteria["relationship"], author=alice, level=4)
    OverrideFactory(
        client=company, author=dana, kind="adjust", points=3, rationale="Strategic for 2027."
    )
    recompute()
    make_key_account(company, by=dana)
    return company


@pytest.fixture
def plan(account, alice, carl):
    plan = PlanFactory(
        client=account,
        owner=alice,
        customer_business="Makes cardboard trays for the dairy industry.",
        shared_vision="A recyclable tray line built together by 2027.",
    )
    SwotItemFactory(plan=plan, quadrant="strength", text="Twelve years of punctual deliveries")
    SwotItemFactory(plan=plan, quadrant="threat", text="A new buyer from Lyon")
    grow = ObjectiveFactory(plan=plan, side=Objective.Side.OURS, title="Grow the tray margin")
    KpiFactory(
        objective=grow,
        name="Gross margin on trays",
        unit="EUR",
        is_margin=True,
        baseline=Decimal("100000"),
        target=Decimal("158320"),
        current=Decimal("120500"),
    )
    ActionFactory(
        objective=grow,
        title="Renegotiate the freight contract",
        owner=carl,
        status=Action.Status.IN_PROGRESS,
        progress=40,
        due_date=dt.date(2026, 6, 30),
    )
    ActionFactory(
        objective=grow,
        title="Visit the Rodez plant",
        owner=carl,
        status=Action.Status.DONE,
        progress=100,
    )
    OfferFactory(plan=plan, business_unit="Rodez plant", annual_value=Decimal("275000"))
    buyer = StakeholderFactory(
        plan=plan,
        contact=ContactFactory(client=account, first_name="Hélène", last_name="Vidal"),
        buying_role=Stakeholder.BuyingRole.DECISION_MAKER,
        influence=5,
    )
    cadence = CadenceFactory(plan=plan, name="Quarterly business review")
    CounterpartPairFactory(plan=plan, user=alice, stakeholder=buyer, cadence=cadence)
    SponsorAskFactory(plan=plan, request="Meet their CEO before the tender")
    return plan


def approve(plan, alice, dana):
    approval.plan_submit(user=alice, plan=plan)
    plan.refresh_from_db()
    return approval.plan_approve(user=dana, plan=plan)


# --- the plan -------------------------------------------------------------------------------


def test_plan_pdf_shows_the_plans_sections_names_and_figures(plan, tmp_path):
    data = pdf.plan_pdf(plan_id=plan.pk, version_id=None, language="en")

    pages = pdf_pages(data, tmp_path)
    text = "\n".join(pages)
    assert int(pdf_info(data, tmp_path)["Pages"]) == len(pages) >= 9
    for heading in HEADINGS["en"]:
        assert heading in text
    for words in (
        "Quercy Emballages",
        "Grow the tray margin",
        "Gross margin on trays",
        "€158,320" if "€158,320" in text else "158,320 EUR",
        "Renegotiate the freight contract",
        "Twelve years of punctual deliveries",
        "Makes cardboard trays for the dairy industry.",
        "Hélène Vidal",
        "Quarterly business review",
        "Meet their CEO before the tender",
        "Strategic for 2027.",
        "Rodez plant",
    ):
        assert words in text, words
    assert "158,320 EUR" in text  # the KPI's target with its unit, in English separators
    summary = next(page for page in pages if "Why this account" in page)
    assert "70%" in summary  # the plan's progress: (40 + 100) / 2


def test_plan_pdf_table_of_contents_points_at_the_right_pages(plan, tmp_path):
    data = pdf.plan_pdf(plan_id=plan.pk, version_id=None, language="en")

    pages = pdf_pages(data, tmp_path)
    contents = next(index for index, page in enumerate(pages) if "Contents" in page)
    entries = toc_entries(pages[contents])
    sections = [*HEADINGS["en"][1:3], "SWOT", *HEADINGS["en"][3:], "The director's override"]
    assert [heading for heading, _ in entries] == sections
    for heading, number in entries:
        page = pages[number - 1]
        body = page.split("\n", 2)[2]  # below the running header
        assert re.search(rf"^\s*{re.escape(heading)}\s*$", body, re.M), (heading, number)
        if number - 2 != contents:
            assert heading not in pages[number - 2].split("\n", 2)[2], heading


def test_plan_pdf_in_french_and_english_keeps_to_its_language(plan, tmp_path):
    texts = {
        language: "\n".join(pdf_pages(pdf.plan_pdf(plan_id=plan.pk, version_id=None,
                                                   language=language), tmp_path))
        for language in ("fr", "en")
    }  # fmt: skip

    for language, other in (("fr", "en"), ("en", "fr")):
        for heading in HEADINGS[language]:
            assert heading in texts[language], (language, heading)
        for heading in HEADINGS[other]:
            if heading not in ("SWOT",):
                assert heading not in texts[language], (language, heading)
    assert "158 320" in texts["fr"]  # French separators
    assert "158,320" in texts["en"]


def test_draft_is_marked_on_every_page_and_a_version_on_none(plan, alice, dana, tmp_path):
    draft = pdf_pages(pdf.plan_pdf(plan_id=plan.pk, version_id=None, language="fr"), tmp_path)
    version = approve(plan, alice, dana)
    approved = pdf_pages(
        pdf.plan_pdf(plan_id=plan.pk, version_id=version.pk, language="fr"), tmp_path
    )

    assert all("BROUILLON" in page or "Brouillon" in page for page in draft)
    assert not any("BROUILLON" in page or "rouillon" in page for page in approved)
    assert re.search(r"Version\s+1, approuvée\s+le\s+\d\d/\d\d/\d{4}", approved[0])


def test_a_version_always_gives_the_same_bytes(plan, alice, dana, tmp_path):
    version = approve(plan, alice, dana)

    first = pdf.plan_pdf(plan_id=plan.pk, version_id=version.pk, language="en")
    again = pdf.plan_pdf(plan_id=plan.pk, version_id=version.pk, language="en")

    assert first == again
    info = pdf_info(first, tmp_path)
    stamp = version.approved_at.astimezone(dt.UTC)
    assert info["CreationDate"].endswith(f"{stamp:%H:%M:%S %Y} UTC")


def test_a_version_shows_what_was_approved_not_what_changed_since(plan, alice, dana, tmp_path):
    version = approve(plan, alice, dana)
    objective = plan.objectives.get()
    objective.title = "A title written after the approval"
    objective.save()

    frozen = "\n".join(pdf_pages(
        pdf.plan_pdf(plan_id=plan.pk, version_id=version.pk, language="en"), tmp_path
    ))  # fmt: skip
    now = "\n".join(pdf_pages(pdf.plan_pdf(plan_id=plan.pk, version_id=None, language="en"),
                              tmp_path))  # fmt: skip

    assert "Grow the tray margin" in frozen
    assert "A title written after the approval" not in frozen
    assert "A title written after the approval" in now


def test_another_plans_version_is_refused(plan, alice, dana):
    version = approve(plan, alice, dana)
    other = PlanFactory(client=ClientFactory(kam=alice), period_start=dt.date(2026, 1, 1))

    with pytest.raises(version.DoesNotExist):
        pdf.plan_pdf(plan_id=other.pk, version_id=version.pk, language="en")


def test_plan_pdf_pages_are_not_blank(plan, tmp_path):
    data = pdf.plan_pdf(plan_id=plan.pk, version_id=None, language="en")

    images = page_images(data, tmp_path)
    assert len(images) == int(pdf_info(data, tmp_path)["Pages"])
    for image in images:
        histogram = image.histogram()
        dark = sum(histogram[:200])  # pixels clearly darker than the paper
        assert dark > 0.004 * image.width * image.height


# --- the shortlist report -------------------------------------------------------------------


def test_shortlist_pdf_ranks_the_shortlist_with_budget_and_matrix(account, dana, tmp_path):
    ShortlistEntry.objects.create(
        programme=Programme.objects.get(year=2026), client=account, added_by=dana
    )

    data = pdf.shortlist_pdf(year_id=2026, language="en")

    text = "\n".join(pdf_pages(data, tmp_path))
    for words in ("Key accounts shortlist 2026", "Quercy Emballages", "Budget used",
                  "KAM capacity used", "Portfolio matrix", "stable"):  # fmt: skip
        assert words.casefold() in text.casefold(), words  # labels are in capitals
    french = "\n".join(pdf_pages(pdf.shortlist_pdf(year_id=2026, language="fr"), tmp_path))
    assert "Matrice du portefeuille" in french
    assert "Sélection classée" in french
    for english in ("Portfolio matrix", "Ranked shortlist", "Budget used"):
        assert english.casefold() not in french.casefold()
    for image in page_images(data, tmp_path):
        assert sum(image.histogram()[:200]) > 0.004 * image.width * image.height


def test_an_unknown_programme_year_is_refused(db):
    with pytest.raises(Programme.DoesNotExist):
        pdf.shortlist_pdf(year_id=1999, language="en")


def test_compact_drops_the_templates_indentation_and_keeps_spaces_in_a_line():
    html = '<td>\n  <b>Total</b> <i>12 %</i>\n</td>\n<p class="text">one\ntwo</p>'

    assert pdf.compact(html) == '<td><b>Total</b> <i>12 %</i></td><p class="text">one\ntwo</p>'


def test_report_user_agent_stylesheet_styles_list_markers_and_no_notes():
    css = pdf.user_agent_css()

    assert "::footnote" not in css
    assert "::note" not in css
    assert "\n::marker {" not in css
    assert "\nli::marker {" in css
    document = pdf.ReportHTML(string="<ul><li>first</li></ul><p>text</p>").render(
        stylesheets=[pdf.stylesheet()]
    )
    texts = [
        box.text
        for page in document.pages
        for box in page._page_box.descendants(placeholders=True)
        if getattr(box, "text", None)
    ]
    assert "first" in texts
    assert "text" in texts
    assert any(text.strip() == "•" for text in texts)  # the list item keeps its bullet


def test_font_config_is_kept_for_the_next_render_of_the_same_thread_only():
    with ThreadPoolExecutor(max_workers=1) as pool:
        other = pool.submit(pdf.font_config).result()

    assert pdf.font_config() is pdf.font_config()
    assert other is not pdf.font_config()
