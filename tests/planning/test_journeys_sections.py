"""Browser journeys through the plan page's sections, in headless Chromium against the live
server: a KAM writes an objective with a margin KPI and an action for logistics owned by a
contributor; the contributor updates that action and sees nothing else. The plan page is
photographed at 1366 and 390 pixels wide, in French and English, and is never wider than the
window."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import Department, User
from planning.models import Action, Kpi, Objective, Offer, SwotItem
from tests.factories import ClientFactory, ClientYearMetricFactory, UserFactory
from tests.planning.factories import (
    ActionFactory,
    KpiFactory,
    ObjectiveFactory,
    OfferFactory,
    OfferingFactory,
    PlanFactory,
    SwotItemFactory,
    make_key_account,
)
from tests.test_journeys import PASSWORD, SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = SCREENSHOTS / "sections"
WIDTHS = (1366, 390)


@pytest.fixture
def accounts():
    """Alice's key account with an empty plan, Bob's with a plan of its own, and Carl of
    logistics, who takes part in neither yet."""
    dana = UserFactory(username="dana", role=User.Role.DIRECTOR)
    alice = UserFactory(username="alice", first_name="Alice", last_name="Martin")
    bob = UserFactory(username="bob", first_name="Bob", last_name="Weber")
    carl = UserFactory(
        username="carl",
        first_name="Carl",
        last_name="Lopez",
        role=User.Role.CONTRIBUTOR,
        department=Department.LOGISTICS,
    )
    acme = ClientFactory(name="Acme Packaging", kam=alice)
    globex = ClientFactory(name="Globex Industries", kam=bob)
    for company in (acme, globex):
        make_key_account(company, year=2026, by=dana)
        ClientYearMetricFactory(client=company, year=2025, gross_margin=Decimal("123456"))
    mine = PlanFactory(client=acme, created_by=dana)
    theirs = PlanFactory(client=globex, created_by=dana)
    ActionFactory(objective=ObjectiveFactory(plan=theirs, title="Globex secret objective"))
    return {"alice": alice, "carl": carl, "mine": mine, "theirs": theirs}


def english(browser: Browser, base_url: str, width: int = 1366) -> Page:
    context = browser.new_context(locale="en-GB", viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "django_language", "value": "en", "url": base_url}])
    return context.new_page()


def test_kam_plans_an_action_the_contributor_updates(live_server, browser, accounts):
    base, plan = live_server.url, accounts["mine"]
    page = english(browser, base)
    log_in(page, base, "alice")
    page.goto(f"{base}/plans/{plan.pk}/")
    expect(page.get_by_test_id("margin-kpi-missing")).to_be_visible()

    page.get_by_test_id("objective-add-ours").click()
    form = page.locator("#objective-add-ours-form")
    expect(form.get_by_label("Objective")).to_be_focused()  # the form takes the focus
    page.keyboard.press("Escape")  # and Escape closes it
    expect(form).to_have_count(0)
    page.get_by_test_id("objective-add-ours").click()
    form.get_by_label("Objective").fill("Grow our margin on films")
    form.get_by_test_id("plan-form-save").click()
    objective = page.get_by_test_id("objective").filter(has_text="Grow our margin on films")
    expect(objective).to_be_visible()

    objective.get_by_test_id("kpi-add").click()
    form = page.locator("form[id^=kpi-add-]")
    form.get_by_label("KPI").fill("Gross margin")
    form.get_by_label("Measured by").select_option("gross_margin")
    form.get_by_label("Target").fill("150000")
    form.get_by_test_id("plan-form-save").click()
    expect(page.get_by_test_id("kpi-current")).to_contain_text("from the ledger, 2025")
    expect(page.get_by_test_id("margin-kpi-missing")).to_have_count(0)

    group = page.get_by_test_id("action-group").filter(has_text="Grow our margin on films")
    group.get_by_test_id("action-add").click()
    form = page.locator("form[id^=action-add-]")
    form.get_by_label("What to do").fill("Consolidate deliveries to the Lyon plant")
    form.get_by_label("Owner").select_option(label="Carl Lopez")
    form.get_by_label("Department").select_option("logistics")
    form.get_by_label("Due date").fill("2026-12-20")
    form.get_by_test_id("plan-form-save").click()
    expect(page.get_by_test_id("action")).to_contain_text("Consolidate deliveries")
    action = Action.objects.get(objective__plan=plan)
    assert (action.owner, action.department) == (accounts["carl"], "logistics")
    page.context.close()

    page = english(browser, base)
    log_in(page, base, "carl")
    page.goto(f"{base}/plans/")
    expect(page.locator("main")).to_contain_text("Acme Packaging")
    expect(page.locator("main")).not_to_contain_text("Globex")
    page.goto(f"{base}/plans/{plan.pk}/")
    expect(page.get_by_test_id("objective-add-ours")).to_have_count(0)
    expect(page.get_by_test_id("vision-edit")).to_have_count(0)
    page.get_by_test_id("action-update").click()
    form = page.locator(f"#action-{action.pk}-progress-form")
    form.get_by_label("Status").select_option("in_progress")
    form.get_by_label("Progress %").fill("60")
    form.get_by_label("Comment").fill("Two depots merged")
    form.get_by_test_id("plan-form-save").click()
    expect(page.get_by_test_id("action-progress")).to_have_text("60 %")
    expect(page.get_by_test_id("plan-progress")).to_contain_text("60 %")
    action.refresh_from_db()
    assert (action.status, action.progress, action.comment) == (
        "in_progress",
        60,
        "Two depots merged",
    )

    response = page.goto(f"{base}/plans/{accounts['theirs'].pk}/")
    assert response is not None
    assert response.status == 404
    page.goto(f"{base}/ranking/")
    expect(page.locator("main")).not_to_contain_text("Globex")
    expect(page.locator("main")).not_to_contain_text("Acme")
    page.context.close()


def _full_plan(accounts) -> None:
    """A plan with every section written, long names included, to photograph."""
    plan, carl = accounts["mine"], accounts["carl"]
    plan.customer_business = "Builds packaging lines for food makers across Europe."
    plan.customer_strategy = "Expand into Eastern Europe; halve plastic use by 2028."
    plan.shared_vision = "Co-develop a recyclable film for their new Wrocław line."
    plan.save()
    for quadrant, texts in {
        SwotItem.Quadrant.STRENGTH: ["Twelve years of supply without a stoppage", "Local plant"],
        SwotItem.Quadrant.WEAKNESS: ["Prices above the market on labels"],
        SwotItem.Quadrant.OPPORTUNITY: ["Their recyclable packaging programme"],
        SwotItem.Quadrant.THREAT: ["A competitor bidding on the Polish sites"],
    }.items():
        for position, text in enumerate(texts):
            SwotItemFactory(plan=plan, quadrant=quadrant, text=text, position=position)
    theirs = ObjectiveFactory(
        plan=plan, side=Objective.Side.CUSTOMER, title="Cut packaging costs by 8 %"
    )
    ours = ObjectiveFactory(plan=plan, title="Grow our gross margin on films to 32 %")
    KpiFactory(objective=theirs, name="Packaging cost per unit", unit="EUR", target=Decimal("0.42"))
    KpiFactory(objective=ours, name="Gross margin", measure=Kpi.Measure.GROSS_MARGIN)
    KpiFactory(objective=ours, name="Revenue", measure=Kpi.Measure.REVENUE, unit="EUR")
    ActionFactory(
        objective=ours,
        owner=carl,
        title="Consolidate deliveries to the Lyon plant",
        due_date=dt.date(2026, 3, 1),
        progress=40,
        status=Action.Status.IN_PROGRESS,
    )
    ActionFactory(
        objective=ours,
        owner=accounts["alice"],
        title="Price review with their buyer",
        department=Department.SALES,
        status=Action.Status.DONE,
        progress=100,
    )
    ActionFactory(
        objective=theirs,
        owner=carl,
        title="Joint value-stream mapping workshop",
        due_date=dt.date(2026, 12, 30),
        comment="Dates agreed with their supply chain head",
    )
    films, labels, audit = (
        OfferingFactory(name="Recyclable films"),
        OfferingFactory(name="Labels"),
        OfferingFactory(name="Packaging audit", kind="service"),
    )
    OfferFactory(plan=plan, offering=films, business_unit="Lyon plant", status=Offer.Status.CURRENT)
    OfferFactory(
        plan=plan,
        offering=labels,
        business_unit="Wrocław site",
        status=Offer.Status.POTENTIAL,
        pricing=Offer.Pricing.VALUE_BASED,
        value_drivers="Fewer line stops; less scrap",
    )
    OfferFactory(
        plan=plan,
        offering=audit,
        business_unit="Head office",
        status=Offer.Status.WON,
        pricing=Offer.Pricing.COST_PLUS,
        annual_value=Decimal("48000"),
    )


@pytest.mark.parametrize("language", ["fr", "en"])
def test_plan_page_fits_the_window_in_both_languages(live_server, browser, accounts, language):
    _full_plan(accounts)
    SHOTS.mkdir(parents=True, exist_ok=True)
    base, plan = live_server.url, accounts["mine"]
    too_wide = []
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "django_language", "value": language, "url": base}])
        page = context.new_page()
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(lambda url: "/login/" not in url)
        page.goto(f"{base}/plans/{plan.pk}/")
        page.screenshot(path=SHOTS / f"plan-{language}-{width}.png", full_page=True)
        page.get_by_test_id("action-add").first.click()
        expect(page.locator("form[id^=action-add-]")).to_be_visible()
        page.locator("form[id^=action-add-]").screenshot(
            path=SHOTS / f"action-form-{language}-{width}.png"
        )
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            too_wide.append(f"{width}: {scroll}")
        context.close()
    assert not too_wide
    assert re.match(r"^(fr|en)$", language)


def test_director_keeps_the_catalogue_and_it_fits_the_window(live_server, browser, accounts):
    OfferingFactory(
        name="Recyclable films for high-speed form-fill-seal lines", description="x" * 80
    )
    base = live_server.url
    page = english(browser, base, width=390)
    log_in(page, base, "dana")
    page.goto(f"{base}/plans/")
    page.get_by_test_id("offerings-link").click()
    form = page.get_by_test_id("offering-form")
    form.get_by_label("Name").fill("Packaging audit")
    form.get_by_label("Kind").select_option("service")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("offering-row").filter(has_text="Packaging audit")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "offerings-en-390.png", full_page=True)
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner
    page.context.close()
