"""The programme results page, its CSV export and its API, from the outside: the figures shown
are the ledger's, worked out here from the lines; who may read them; the gaps said in words."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from accounts.services import client_metrics as metric_services
from kam import formats
from planning.models import InvestmentProject, Plan
from scoring.models import ShortlistDecision
from tests.factories import ClientFactory, LedgerLineFactory
from tests.planning.factories import (
    PlanFactory,
    RecognitionFactory,
    make_key_account,
    make_project,
)
from tests.scoring.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

YEAR = 2026
HTMX = {"HX-Request": "true"}


def _line(company, year, amount, profit=None, late=None):
    LedgerLineFactory(
        client=company,
        date=dt.date(year, 5, 2),
        amount=Decimal(amount),
        profit=None if profit is None else Decimal(profit),
        days_late=late,
    )


@pytest.fixture
def ledger(alice, bob, dana):
    """Two key accounts (alice's and bob's, each with a plan) and two other clients; revenue,
    margin and days late chosen so the sums are easy to check by hand."""
    acme = ClientFactory(name="Acme", kam=alice)
    bolt = ClientFactory(name="Bolt", kam=bob)
    corex = ClientFactory(name="Corex")
    dune = ClientFactory(name="Dune")
    for company, before, now in ((acme, 1000, 1500), (bolt, 3000, 3300)):
        _line(company, YEAR - 1, before, profit=before // 5, late=10)
        _line(company, YEAR, now, profit=now // 4, late=4)
    _line(corex, YEAR - 1, 2000, profit=200, late=20)
    _line(corex, YEAR, 2100, profit=210, late=30)
    _line(dune, YEAR, 900)  # no cost: its margin is unknown
    for company in (acme, bolt):
        programme = make_key_account(company, year=YEAR, by=dana)
    PlanFactory(client=acme, programme=programme, status=Plan.Status.APPROVED)
    PlanFactory(client=bolt, programme=programme)
    metric_services.client_metrics_recompute()
    return programme


def _get(http, user, url, **headers):
    http.force_login(user)
    http.cookies["django_language"] = "en"
    return http.get(url, headers=headers)


def _cells(page: str, key: str) -> list[str]:
    row = re.search(rf'data-testid="results-row-{key}">(.*?)</tr>', page, re.S)
    assert row, key
    return [cell.strip() for cell in re.findall(r'<td class="num"[^>]*>(.*?)</td>', row.group(1))]


def test_results_page_shows_the_ledgers_sums_for_both_groups_and_years(client, dana, ledger):
    response = _get(client, dana, reverse("planning:programme_results") + f"?year={YEAR}")
    page = response.content.decode()
    assert response.status_code == 200
    with translation.override("en"):
        money = [formats.money(Decimal(value), "EUR") for value in (4000, 4800, 2000, 3000)]
        assert _cells(page, "revenue") == [money[0], money[1], money[2], money[3]]
        # key: 1500/4 + 3300/4 = 375 + 825 = 1,200 on 4,800; others: corex only (dune unknown)
        assert _cells(page, "margin") == [
            formats.money(Decimal(800), "EUR"),
            formats.money(Decimal(1200), "EUR"),
            formats.money(Decimal(200), "EUR"),
            formats.money(Decimal(210), "EUR"),
        ]
        assert _cells(page, "margin_pct") == ["20.0%", "25.0%", "10.0%", "10.0%"]
        assert _cells(page, "growth") == ["—", "20.0%", "—", "50.0%"]
        assert _cells(page, "days_late") == ["10.0", "4.0", "20.0", "30.0"]
        assert _cells(page, "clients") == ["2", "2", "1", "2"]
    assert 'data-testid="results-margin-partial"' in page  # dune's margin is unknown
    assert "1 of 2" in re.search(r'results-approved">(.*?)<', page).group(1)
    assert page.count("<svg") >= 3  # the charts
    assert "Acme" in page
    assert "Bolt" in page


def test_the_recognitions_of_the_programme_year_are_listed(client, sam, ledger):
    RecognitionFactory(award="Key account of the year", awarded_on=dt.date(YEAR, 3, 1))
    RecognitionFactory(award="Best newcomer", awarded_on=dt.date(YEAR - 1, 11, 5))
    RecognitionFactory(award="Team spirit", recipient=None, team="Logistics Lyon",
                       awarded_on=dt.date(YEAR, 9, 9))  # fmt: skip
    page = _get(client, sam, reverse("planning:programme_results")).content.decode()
    listed = re.findall(r'data-testid="results-recognition">.*?<strong>(.*?)</strong>', page, re.S)
    assert listed == ["Team spirit", "Key account of the year"]  # the latest first
    assert "Logistics Lyon" in page
    ProgrammeFactory(year=YEAR + 1)
    page = _get(
        client, sam, reverse("planning:programme_results") + f"?year={YEAR + 1}"
    ).content.decode()
    assert 'data-testid="results-no-recognitions"' in page


def test_a_kam_reads_the_programme_totals_but_only_their_own_plans(client, alice, ledger):
    page = _get(client, alice, reverse("planning:programme_results")).content.decode()
    assert 'data-testid="results-row-revenue"' in page
    assert "Acme" in page
    assert "Bolt" not in page  # bob's account: counted, not shown
    assert 'data-testid="results-unlisted"' in page


def test_a_sponsor_reads_the_results(client, sam, ledger):
    assert _get(client, sam, reverse("planning:programme_results")).status_code == 200


def test_a_contributor_is_refused_with_the_reason(client, carl, ledger):
    response = _get(client, carl, reverse("planning:programme_results"))
    assert response.status_code == 403
    assert "can see the programme" in response.content.decode()


def test_an_unknown_year_is_said_and_the_default_year_shown(client, dana, ledger):
    for year in ("1999", "abc"):
        response = _get(client, dana, reverse("planning:programme_results") + f"?year={year}")
        page = response.content.decode()
        assert response.status_code == 200
        assert 'data-testid="results-year-error"' in page
        assert f"There is no programme year {year}" in page
        assert 'data-testid="results-row-revenue"' in page  # the default year, shown


def test_the_gaps_are_said_in_words(client, dana, ledger):
    ProgrammeFactory(year=YEAR + 1)  # a year with no shortlist, no ledger, not begun
    page = _get(
        client, dana, reverse("planning:programme_results") + f"?year={YEAR + 1}"
    ).content.decode()
    assert 'data-testid="results-no-shortlist"' in page
    assert 'data-testid="results-no-current"' in page
    assert f'href="?year={YEAR}"' in page  # the latest year with figures, one click away
    assert 'data-testid="results-no-plans"' in page


def test_no_programme_year_at_all(client, dana):
    page = _get(client, dana, reverse("planning:programme_results")).content.decode()
    assert 'data-testid="results-no-programme"' in page


def test_the_year_switch_answers_htmx_with_the_body_only(client, dana, ledger):
    response = _get(client, dana, reverse("planning:programme_results") + f"?year={YEAR}", **HTMX)
    page = response.content.decode()
    assert page.lstrip().startswith('<div id="results-body"')
    assert "<html" not in page


def test_results_page_query_count_does_not_grow_with_clients_and_plans(
    client, dana, ledger, django_assert_max_num_queries
):
    url = reverse("planning:programme_results") + f"?year={YEAR}"
    _get(client, dana, url)
    cache.clear()  # both times: the groups' sums and the plans' coverage gaps not from the cache
    with django_assert_max_num_queries(40) as before:
        _get(client, dana, url)
    for index in range(6):
        company = ClientFactory(name=f"More {index}")
        _line(company, YEAR, 100 + index, profit=10, late=2)
        make_key_account(company, year=YEAR)
        PlanFactory(client=company, programme=ledger)
    metric_services.client_metrics_recompute()
    cache.clear()
    with django_assert_max_num_queries(len(before.captured_queries)):
        _get(client, dana, url)


def test_csv_export_has_the_same_figures(client, dana, ledger):
    response = _get(client, dana, reverse("planning:programme_results_csv", args=[YEAR]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "Group"
    assert len(rows) == 3
    key, others = rows[1], rows[2]
    assert key[:5] == ["Key accounts", "2", "4000.00", "4800.00", "20.00"]
    assert key[5:9] == ["800.00", "1200.00", "20.00", "25.00"]
    assert others[:5] == ["Other clients", "2", "2000.00", "3000.00", "50.00"]
    assert others[9:] == ["20.00", "30.00"]


def test_csv_export_in_french_has_semicolons_and_decimal_commas(client, dana, ledger):
    client.force_login(dana)
    client.cookies["django_language"] = "fr"
    response = client.get(reverse("planning:programme_results_csv", args=[YEAR]))
    content = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content, newline=""), delimiter=";"))
    assert rows[0][0] == "Groupe"
    key = rows[1]
    assert key[:5] == ["Grands comptes", "2", "4000,00", "4800,00", "20,00"]
    assert key[5:9] == ["800,00", "1200,00", "20,00", "25,00"]


def test_csv_export_of_an_unknown_year_is_404(client, dana, ledger):
    response = _get(client, dana, reverse("planning:programme_results_csv", args=[1999]))
    assert response.status_code == 404


# --- API --------------------------------------------------------------------------------------


def test_api_gives_the_same_figures(client, dana, ledger):
    response = _get(client, dana, reverse("api-planning:programme_results", args=[YEAR]))
    assert response.status_code == 200
    data = response.json()
    key, others = data["groups"]
    assert (key["group"], others["group"]) == ("key", "others")
    assert key["current"]["revenue"] == "4800.00"
    assert key["previous"]["revenue"] == "4000.00"
    assert key["current"]["gross_margin"] == "1200.00"
    assert key["current"]["margin_pct"] == pytest.approx(25.0)
    assert key["growth_pct"] == pytest.approx(20.0)
    assert key["margin_change"] == pytest.approx(5.0)
    assert others["current"]["margin_clients"] == 1
    assert others["current"]["clients"] == 2
    assert others["current"]["days_late"] == pytest.approx(30.0)
    assert data["key_accounts"] == 2
    assert data["has_shortlist"] is True
    assert data["plans"] == 2
    assert data["plans_approved"] == 1
    assert data["recognitions"] == []
    assert [level["level"] for level in data["meetings"]] == [
        "executive",
        "management",
        "operational",
    ]


def test_api_gives_the_recognitions_of_the_year(client, sam, ledger):
    RecognitionFactory(award="Team spirit", recipient=None, team="Logistics Lyon",
                       awarded_on=dt.date(YEAR, 9, 9), reason="Two sites in a week.")  # fmt: skip
    RecognitionFactory(awarded_on=dt.date(YEAR - 1, 9, 9))
    data = _get(client, sam, reverse("api-planning:programme_results", args=[YEAR])).json()
    assert data["recognitions"] == [
        {
            "award": "Team spirit",
            "recipient": "Logistics Lyon",
            "is_team": True,
            "awarded_on": f"{YEAR}-09-09",
            "reason": "Two sites in a week.",
        }
    ]


def test_api_lists_a_kams_own_plans_only(client, alice, ledger):
    data = _get(client, alice, reverse("api-planning:programme_results", args=[YEAR])).json()
    assert data["plans"] == 2
    assert [plan["client_name"] for plan in data["plans_listed"]] == ["Acme"]


def test_api_refuses_a_contributor_and_does_not_know_an_unknown_year(client, carl, dana, ledger):
    response = _get(client, carl, reverse("api-planning:programme_results", args=[YEAR]))
    assert response.status_code == 403
    assert "programme's results" in response.json()["detail"]
    response = _get(client, dana, reverse("api-planning:programme_results", args=[1999]))
    assert response.status_code == 404


def test_api_asks_an_anonymous_caller_to_authenticate(client, ledger):
    response = client.get(reverse("api-planning:programme_results", args=[YEAR]))
    assert response.status_code == 401


def _investment(programme):
    """An approved project of 25,000 in the year (and 5,000 the next), and a proposal of 9,000
    that the committee has not approved: only the approved budget of the year counts."""
    plan = Plan.objects.get(client__name="Acme")
    make_project(plan, years=((YEAR, "25000", "8000"), (YEAR + 1, "5000", "30000")),
                 status=InvestmentProject.Status.APPROVED)  # fmt: skip
    make_project(plan, years=((YEAR, "9000", "1000"),), title="Proposal")
    decision = ShortlistDecision.objects.filter(programme=programme).latest("decided_at")
    return programme.budget - decision.cost - Decimal("25000")


def test_the_investment_committed_against_the_budget_is_shown(client, sam, ledger):
    remaining = _investment(ledger)
    page = _get(client, sam, reverse("planning:programme_results")).content.decode()
    currency = ledger.currency
    approved = re.search(r'data-testid="results-investment-approved">(.*?)</td>', page, re.S)
    left = re.search(r'data-testid="results-investment-remaining">(.*?)</', page, re.S)
    assert approved
    assert left
    with translation.override("en"):
        assert approved.group(1).strip() == formats.money(Decimal("25000"), currency)
        assert left.group(1).strip() == formats.money(remaining, currency)
    assert 'data-testid="results-investment-gauge"><svg' in page


def test_api_gives_the_investment_committed(client, sam, ledger):
    remaining = _investment(ledger)
    data = _get(client, sam, reverse("api-planning:programme_results", args=[YEAR])).json()
    assert Decimal(data["investment"]["approved"]) == Decimal("25000")
    assert Decimal(data["investment"]["remaining"]) == remaining
    assert data["investment"]["over_budget"] is (remaining < 0)
