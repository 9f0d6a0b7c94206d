"""Browser journeys of the selection of key accounts, in headless Chromium against the live server.

The book: five clients whose scores are easy to work out by hand under ``small_model()``. Atlas
Foods leads on revenue, Boreal Pharma on the rated strategic fit; moving 20 points of family
weight from financial to strategic swaps them at the top and moves no one else.

A recompute the app requests goes to Celery; here it is recorded instead, and the journey runs
the recompute itself, as the worker would.
"""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from playwright.sync_api import Page, expect

from accounts.models import Department, User
from scoring.models import Override, ScoringRun, ShortlistDecision, WeightSet
from scoring.services import runs
from tests.factories import ClientFactory, ClientYearMetricFactory, UserFactory
from tests.scoring.factories import (
    CostToServeFactory,
    ProgrammeFactory,
    RatingFactory,
    small_model,
)
from tests.test_journeys import log_in, snap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# name, KAM, revenue, fit level, relationship level
BOOK = [
    ("Atlas Foods", "alice", 900, 2, 3),
    ("Boreal Pharma", "alice", 300, 4, 3),
    ("Cobalt Mining", "bob", 600, 2, 3),
    ("Delta Textiles", "bob", 200, 3, 2),
    ("Equinox Retail", "bob", 100, 1, 2),
]
"""Under 50/30/20: Atlas 67.5, Boreal 63.75, Cobalt 58.125, Delta 41.875, Equinox 17.5.
Under 30/50/20: Boreal 66.25, Atlas 52.5, Cobalt 46.875, Delta 43.125, Equinox 12.5."""


class RecomputeRequests:
    """Stands in for the Celery task: records what the app asks for."""

    def __init__(self) -> None:
        self.calls: list[dict[str, object]] = []

    def apply_async(self, *, kwargs: dict[str, object], countdown: int) -> None:
        self.calls.append({**kwargs, "countdown": countdown})


@pytest.fixture(autouse=True)
def recompute_requests(monkeypatch):
    requests = RecomputeRequests()
    monkeypatch.setattr(runs, "scores_recompute_task", requests)
    cache.delete(runs.RECOMPUTE_PENDING_KEY)
    yield requests
    cache.delete(runs.RECOMPUTE_PENDING_KEY)


@pytest.fixture
def book():
    criteria = small_model()
    dana = UserFactory(
        username="dana",
        first_name="Dana",
        last_name="Durand",
        role=User.Role.DIRECTOR,
        department=Department.MANAGEMENT,
    )
    kams = {
        "alice": UserFactory(username="alice", first_name="Alice", last_name="Martin"),
        "bob": UserFactory(username="bob", first_name="Bob", last_name="Weber"),
    }
    clients = {}
    for name, kam, revenue, fit, relationship in BOOK:
        company = ClientFactory(name=name, kam=kams[kam])
        ClientYearMetricFactory(
            client=company, year=2025, revenue=Decimal(revenue), avg_days_late=2.0
        )
        RatingFactory(client=company, criterion=criteria["fit"], level=fit, author=dana)
        RatingFactory(
            client=company, criterion=criteria["relationship"], level=relationship, author=dana
        )
        clients[name] = company
    run = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)
    assert run is not None
    assert run.status == ScoringRun.Status.DONE, run.error
    return clients


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def ranking_names(page: Page) -> list[str]:
    return page.get_by_test_id("ranking-client").all_text_contents()


def test_director_changes_a_weight_sees_ranks_move_and_reads_an_explanation(
    live_server, book, page, recompute_requests
):
    log_in(page, live_server.url, "dana")
    page.goto(f"{live_server.url}/scoring/")
    assert ranking_names(page) == [name for name, *_ in BOOK]
    expect(page.get_by_test_id("ranking-total").first).to_have_text("67,5")

    page.get_by_test_id("scoring-weights").click()
    expect(page.locator("input[name=family_financial]")).to_have_value("50")
    page.fill("input[name=family_financial]", "30")
    page.fill("input[name=family_strategic]", "50")
    expect(page.locator("[data-sum=families] [data-sum-value]")).to_have_text("100")
    page.get_by_test_id("weights-preview").click()

    rows = page.get_by_test_id("what-if-row")
    expect(rows).to_have_count(5)
    expect(page.get_by_test_id("what-if-count")).to_contain_text("2")
    expect(rows.nth(0)).to_contain_text("Boreal Pharma")
    expect(rows.nth(0)).to_contain_text("▲1")
    expect(rows.nth(1)).to_contain_text("Atlas Foods")
    expect(rows.nth(1)).to_contain_text("▼1")
    for index in (2, 3, 4):
        expect(rows.nth(index).locator("td").nth(1)).to_have_text("=")
    expect(rows.nth(1).locator("td").last).to_have_text("52,5")
    snap(page, "scoring-weights-what-if")
    assert WeightSet.objects.get(is_active=True).version == 1  # a preview saves nothing
    assert recompute_requests.calls == []

    page.fill("textarea[name=reason]", "Strategic fit matters more than size this year")
    page.get_by_test_id("weights-save").click()
    expect(page.get_by_test_id("weights-in-force")).to_contain_text("2")
    expect(page.locator("input[name=family_strategic]")).to_have_value("50")
    active = WeightSet.objects.get(is_active=True)
    assert (active.version, active.family_weights["strategic"]) == (2, 50.0)
    assert active.created_by is not None
    assert active.created_by.username == "dana"
    assert recompute_requests.calls == [{"trigger": "weights", "countdown": 5}]

    run = runs.scores_recompute(trigger=ScoringRun.Trigger.WEIGHTS)
    assert run is not None
    assert run.weight_set == active

    page.goto(f"{live_server.url}/scoring/")
    expect(page.get_by_test_id("ranking-run")).to_contain_text("version 2")
    assert ranking_names(page) == [
        "Boreal Pharma",
        "Atlas Foods",
        "Cobalt Mining",
        "Delta Textiles",
        "Equinox Retail",
    ]
    moves = page.get_by_test_id("ranking-move")
    expect(moves).to_have_text(["▲1", "▼1", "=", "=", "="])
    expect(moves.nth(0).locator(".move-up")).to_have_attribute("title", re.compile(r"2"))
    expect(page.get_by_test_id("ranking-total")).to_have_text(
        [re.compile(r"^66,[23]$"), "52,5", "46,9", "43,1", "12,5"]  # 66.25, however rounded
    )
    snap(page, "scoring-ranking-after-weights")

    page.get_by_test_id("ranking-client").filter(has_text="Boreal Pharma").click()
    expect(page.get_by_test_id("explanation-client")).to_have_text("Boreal Pharma")
    expect(page.get_by_test_id("explanation-rank")).to_have_text("1")
    criteria = page.get_by_test_id("criterion-row")
    expect(criteria).to_have_count(4)
    fit = criteria.and_(page.locator("[data-criterion=fit]"))
    expect(fit.get_by_test_id("criterion-points")).to_have_text("37,50")
    expect(fit.get_by_test_id("criterion-weight")).to_have_text("50,00")
    expect(fit.get_by_test_id("criterion-normalised")).to_have_text("0,75")
    revenue = criteria.and_(page.locator("[data-criterion=revenue]"))
    expect(revenue.get_by_test_id("criterion-points")).to_have_text("11,25")
    points = sum(
        Decimal(text.replace(",", "."))
        for text in page.get_by_test_id("criterion-points").all_text_contents()
    )
    assert points == Decimal("66.25")
    history = page.get_by_test_id("history-row")
    expect(history).to_have_count(2)
    expect(history.locator("td.num:nth-child(2)")).to_have_text(["1", "2"])  # latest first
    snap(page, "scoring-explanation")


def test_director_overrides_a_score_with_a_rationale(live_server, book, page):
    log_in(page, live_server.url, "dana")
    page.goto(f"{live_server.url}/scoring/clients/{book['Cobalt Mining'].pk}/")
    page.get_by_test_id("lang-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("explanation-client")).to_have_text("Cobalt Mining")
    expect(page.get_by_test_id("explanation-override")).to_have_count(0)

    page.get_by_test_id("override-edit").click()
    form = page.get_by_test_id("override-form")
    form.locator("select[name=kind]").select_option("adjust")
    form.locator("input[name=points]").fill("15")
    form.locator("textarea[name=rationale]").fill("Signed a three-year framework deal")
    page.get_by_test_id("override-save").click()
    expect(form).to_contain_text("An adjustment is between -10 and +10 points.")
    expect(form.locator("textarea[name=rationale]")).to_have_value(
        "Signed a three-year framework deal"
    )
    snap(page, "scoring-override-error")
    assert not Override.objects.exists()

    form.locator("input[name=points]").fill("5")
    page.get_by_test_id("override-save").click()
    expect(page.get_by_test_id("explanation-client")).to_have_text("Cobalt Mining")
    expect(page.locator(".messages")).to_contain_text("Override of Cobalt Mining saved.")
    card = page.get_by_test_id("explanation-override")
    expect(card).to_contain_text("+5.0 pts")
    expect(card).to_contain_text("Signed a three-year framework deal")
    expect(card).to_contain_text("by Dana Durand")
    expect(page.get_by_test_id("explanation-total")).to_have_text("58.1")  # the total stays
    expect(page.get_by_test_id("override-edit")).to_have_text("Change the override")
    snap(page, "scoring-override-card")

    page.goto(f"{live_server.url}/scoring/")
    badges = page.get_by_test_id("ranking-override")
    expect(badges).to_have_count(1)
    cobalt = page.get_by_test_id("ranking-row").filter(has_text="Cobalt Mining")
    expect(cobalt.get_by_test_id("ranking-override")).to_contain_text("+5.0 pts")
    expect(cobalt.get_by_test_id("ranking-override")).to_contain_text("by Dana Durand")
    override = Override.objects.get(is_active=True)
    assert (override.client, override.points) == (book["Cobalt Mining"], 5.0)


def test_director_builds_a_shortlist_of_four_within_budget_and_confirms_it(live_server, book, page):
    dana = User.objects.get(username="dana")
    ProgrammeFactory(
        year=2026,
        budget=Decimal("250000.00"),
        kam_headcount=4,
        kam_cost=Decimal("100000.00"),
        updated_by=dana,
    )
    for company in book.values():  # half a KAM and 10,000 of travel: 60,000 a year each
        CostToServeFactory(client=company, updated_by=dana)
    chosen = ["Atlas Foods", "Boreal Pharma", "Cobalt Mining", "Delta Textiles"]

    log_in(page, live_server.url, "dana")
    page.goto(f"{live_server.url}/scoring/shortlist/2026/")
    expect(page.get_by_test_id("shortlist-count")).to_have_text("0")
    expect(page.get_by_test_id("candidate-row")).to_have_count(5)
    for count, name in enumerate(chosen, start=1):
        candidate = page.get_by_test_id("candidate-row").filter(has_text=name)
        candidate.get_by_test_id("shortlist-add").click()
        expect(page.get_by_test_id("shortlist-count")).to_have_text(str(count))

    expect(page.get_by_test_id("shortlist-row")).to_have_count(4)
    expect(page.get_by_test_id("candidate-row")).to_have_count(1)
    expect(page.get_by_test_id("shortlist-cost")).to_have_text(re.compile(r"^240\D?000,00\D*€$"))
    expect(page.get_by_test_id("shortlist-kams")).to_have_text("4 / 4")
    expect(page.get_by_test_id("shortlist-over-budget")).to_have_count(0)
    matrix = page.get_by_test_id("portfolio-matrix")
    expect(matrix.locator(".matrix-point")).to_have_count(5)
    expect(matrix.locator(".matrix-point-highlighted")).to_have_count(4)
    snap(page, "scoring-shortlist-four")

    page.get_by_test_id("candidate-row").filter(has_text="Equinox Retail").get_by_test_id(
        "shortlist-add"
    ).click()
    expect(page.get_by_test_id("shortlist-count")).to_have_text("5")
    alert = page.get_by_test_id("shortlist-over-budget")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("300")
    expect(page.get_by_test_id("shortlist-kams")).to_have_text("5 / 4")
    expect(page.locator("textarea[name=budget_exception]")).to_be_visible()
    snap(page, "scoring-shortlist-over-budget")
    page.get_by_test_id("shortlist-row").filter(has_text="Equinox Retail").get_by_test_id(
        "shortlist-remove"
    ).click()
    expect(page.get_by_test_id("shortlist-count")).to_have_text("4")
    expect(page.get_by_test_id("shortlist-over-budget")).to_have_count(0)
    expect(matrix.locator(".matrix-point-highlighted")).to_have_count(4)
    expect(page.get_by_test_id("shortlist-status")).to_have_text("Brouillon")
    assert not ShortlistDecision.objects.exists()

    page.get_by_test_id("shortlist-confirm").click()
    expect(page.locator(".messages")).to_contain_text(
        re.compile(r"Sélection 2026 confirmée\s*:\s*4 grands comptes")
    )
    expect(page.get_by_test_id("shortlist-status")).to_have_text("Confirmée")
    expect(page.get_by_test_id("shortlist-confirm")).to_be_disabled()
    expect(page.get_by_test_id("shortlist-decisions")).to_contain_text("Dana Durand")
    snap(page, "scoring-shortlist-confirmed")
    decision = ShortlistDecision.objects.get()
    assert sorted(decision.client_names) == chosen
    assert sorted(decision.client_ids) == sorted(book[name].pk for name in chosen)
    assert (decision.cost, decision.budget_exception) == (Decimal("240000.00"), "")


def test_kam_sees_only_their_clients_scores(live_server, book, page):
    log_in(page, live_server.url, "alice")
    page.goto(f"{live_server.url}/scoring/")
    assert ranking_names(page) == ["Atlas Foods", "Boreal Pharma"]
    expect(page.get_by_test_id("ranking-rank")).to_have_text(["1", "2"])
    expect(page.get_by_test_id("scoring-weights")).to_have_count(0)
    expect(page.get_by_test_id("scoring-shortlist")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Cobalt Mining")
    snap(page, "scoring-ranking-kam")

    page.get_by_test_id("ranking-grid-link").click()
    expect(page.get_by_test_id("grid-client")).to_have_text(["Atlas Foods", "Boreal Pharma"])
    expect(page.locator("main")).not_to_contain_text("Delta Textiles")
    snap(page, "scoring-grid-kam")

    page.get_by_test_id("grid-client").filter(has_text="Boreal Pharma").click()
    expect(page.get_by_test_id("explanation-client")).to_have_text("Boreal Pharma")
    expect(page.get_by_test_id("override-edit")).to_have_count(0)

    for path in (
        "/scoring/shortlist/",
        "/scoring/shortlist/2026/",
        f"/scoring/clients/{book['Atlas Foods'].pk}/override/",
    ):  # pages of the directors: refused, saying why
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None
        assert response.status == 403, path
        expect(page.locator("main h1")).to_have_text("Accès refusé")
        expect(page.locator("main")).to_contain_text("Seuls les directeurs")
    # another KAM's client: as if it did not exist
    response = page.goto(f"{live_server.url}/scoring/clients/{book['Cobalt Mining'].pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("main h1")).to_have_text("Page introuvable")
    expect(page.locator("main")).not_to_contain_text("Cobalt Mining")

    page.get_by_test_id("lang-en").click()
    expect(page.locator("main h1")).to_have_text("Page not found")
    expect(page.locator("main")).to_contain_text("it is not one you may see")
