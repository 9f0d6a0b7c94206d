"""scoring/services/selection.py and selectors/shortlist.py: programme, cost to serve and
shortlist."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from scoring.models import CostToServe, Override, Programme, ShortlistDecision, ShortlistEntry
from scoring.selectors import shortlist as shortlist_selectors
from scoring.services import overrides, selection
from tests.factories import ClientFactory, ClientYearMetricFactory
from tests.scoring.conftest import recompute
from tests.scoring.factories import CostToServeFactory, OverrideFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def firms(criteria, alice, dana):
    """Twelve clients with history, each costing 60,000 a year (half a KAM plus 10,000)."""
    companies = []
    for number in range(12):
        company = ClientFactory(name=f"Firm {number:02d}", kam=alice)
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(1000 + number))
        CostToServeFactory(client=company, updated_by=dana)
        companies.append(company)
    return companies


# --- programme and cost to serve -----------------------------------------------------------------


def test_programme_save_creates_then_updates_a_year(dana):
    created = selection.programme_save(
        user=dana, year=2027, budget=Decimal(1000), kam_headcount=2, kam_cost=Decimal(90000)
    )
    assert (created.currency, created.updated_by) == ("EUR", dana)
    updated = selection.programme_save(
        user=dana,
        year=2027,
        budget=Decimal(2000),
        kam_headcount=3,
        kam_cost=Decimal(90000),
        currency="chf",
    )
    assert updated.pk == created.pk
    assert (updated.budget, updated.kam_headcount, updated.currency) == (Decimal(2000), 3, "CHF")


@pytest.mark.parametrize(
    ("year", "budget", "kam_cost", "message"),
    [
        (2026, Decimal(-1), Decimal(1), "budget cannot be negative"),
        (2026, Decimal(1), Decimal(-5), "cost of a KAM cannot be negative"),
        (1999, Decimal(1), Decimal(1), "between 2000 and 2100"),
    ],
)
def test_programme_save_refuses_bad_input(dana, year, budget, kam_cost, message):
    with pytest.raises(ValidationError, match=message):
        selection.programme_save(
            user=dana, year=year, budget=budget, kam_headcount=1, kam_cost=kam_cost
        )
    assert not Programme.objects.exists()


def test_programme_save_is_for_directors(alice):
    with pytest.raises(PermissionDenied, match="Only directors"):
        selection.programme_save(
            user=alice, year=2026, budget=Decimal(1), kam_headcount=1, kam_cost=Decimal(1)
        )
    assert not Programme.objects.exists()


def test_cost_to_serve_total_prices_the_kam_share(dana):
    company = ClientFactory()
    cost = selection.cost_to_serve_set(
        user=dana,
        client=company,
        kam_share=Decimal("0.25"),
        travel=Decimal(8000),
        dedicated=Decimal(1500),
        note=" Quarterly visits ",
    )
    assert cost.note == "Quarterly visits"
    assert cost.total(kam_cost=Decimal(100000)) == Decimal("34500.00")
    again = selection.cost_to_serve_set(user=dana, client=company, kam_share=Decimal(1))
    assert again.pk == cost.pk
    assert again.total(kam_cost=Decimal(100000)) == Decimal("100000.00")


@pytest.mark.parametrize(
    ("share", "travel", "message"),
    [
        (Decimal(0), Decimal(0), "more than 0 and at most 1"),
        (Decimal("1.5"), Decimal(0), "more than 0 and at most 1"),
        (Decimal("0.5"), Decimal(-1), "cannot be negative"),
    ],
)
def test_cost_to_serve_set_refuses_bad_input(dana, share, travel, message):
    with pytest.raises(ValidationError, match=message):
        selection.cost_to_serve_set(
            user=dana, client=ClientFactory(), kam_share=share, travel=travel
        )
    assert not CostToServe.objects.exists()


def test_cost_to_serve_set_is_for_directors(alice):
    with pytest.raises(PermissionDenied, match="Only directors"):
        selection.cost_to_serve_set(
            user=alice, client=ClientFactory(kam=alice), kam_share=Decimal("0.5")
        )
    assert not CostToServe.objects.exists()


# --- choosing ------------------------------------------------------------------------------------


def test_shortlist_add_is_idempotent_and_remove_takes_off(programme, firms, dana):
    first = firms[0]
    entry = selection.shortlist_add(user=dana, programme=programme, client=first)
    assert selection.shortlist_add(user=dana, programme=programme, client=first) == entry
    assert ShortlistEntry.objects.count() == 1
    selection.shortlist_remove(user=dana, programme=programme, client=first)
    assert not ShortlistEntry.objects.exists()


def test_shortlist_add_refuses_a_prospect(programme, criteria, dana):
    prospect = ClientFactory(name="Prospect")
    with pytest.raises(ValidationError, match="no history in the ledger"):
        selection.shortlist_add(user=dana, programme=programme, client=prospect)
    assert not ShortlistEntry.objects.exists()


def test_shortlist_add_refuses_a_client_forced_out(programme, firms, dana):
    OverrideFactory(client=firms[0], kind=Override.Kind.FORCE_OUT, points=0, author=dana)
    with pytest.raises(ValidationError, match="forced out"):
        selection.shortlist_add(user=dana, programme=programme, client=firms[0])
    assert not ShortlistEntry.objects.exists()


def test_shortlist_changes_are_for_directors(programme, firms, alice):
    with pytest.raises(PermissionDenied, match="Only directors"):
        selection.shortlist_add(user=alice, programme=programme, client=firms[0])
    with pytest.raises(PermissionDenied, match="Only directors"):
        selection.shortlist_set(user=alice, programme=programme, clients=firms[:2])
    with pytest.raises(PermissionDenied, match="Only directors"):
        selection.shortlist_confirm(user=alice, programme=programme)
    assert not ShortlistEntry.objects.exists()


def test_shortlist_set_replaces_the_shortlist(programme, firms, dana):
    selection.shortlist_set(user=dana, programme=programme, clients=firms[:3])
    selection.shortlist_set(user=dana, programme=programme, clients=[firms[2], firms[4]])
    assert set(programme.entries.values_list("client_id", flat=True)) == {
        firms[2].pk,
        firms[4].pk,
    }


def test_shortlist_set_with_one_refused_client_changes_nothing(programme, firms, dana):
    selection.shortlist_set(user=dana, programme=programme, clients=firms[:2])
    prospect = ClientFactory(name="Prospect")
    with pytest.raises(ValidationError, match="Prospect has no history"):
        selection.shortlist_set(user=dana, programme=programme, clients=[firms[5], prospect])
    assert set(programme.entries.values_list("client_id", flat=True)) == {
        firms[0].pk,
        firms[1].pk,
    }


# --- confirming ----------------------------------------------------------------------------------


def test_shortlist_confirm_records_the_decision_within_budget(programme, firms, dana):
    selection.shortlist_set(user=dana, programme=programme, clients=firms[:4])
    decision = selection.shortlist_confirm(user=dana, programme=programme)

    assert decision.client_ids == [company.pk for company in firms[:4]]
    assert decision.client_names == ["Firm 00", "Firm 01", "Firm 02", "Firm 03"]
    assert (decision.cost, decision.budget) == (Decimal("240000.00"), Decimal("300000.00"))
    assert (decision.kam_needed, decision.kam_headcount) == (4, 4)
    assert (decision.reason, decision.budget_exception, decision.decided_by) == ("", "", dana)


def test_shortlist_confirm_refuses_an_empty_shortlist(programme, dana):
    with pytest.raises(ValidationError, match="at least one key account"):
        selection.shortlist_confirm(user=dana, programme=programme)
    assert not ShortlistDecision.objects.exists()


def test_shortlist_confirm_needs_every_cost_to_serve(programme, firms, dana):
    selection.shortlist_set(user=dana, programme=programme, clients=firms[:2])
    CostToServe.objects.filter(client=firms[1]).delete()
    with pytest.raises(ValidationError, match="Estimate the cost to serve of Firm 01"):
        selection.shortlist_confirm(user=dana, programme=programme)
    assert not ShortlistDecision.objects.exists()


def test_shortlist_confirm_over_budget_needs_an_exception(programme, firms, dana):
    programme.kam_headcount = 10
    programme.save()
    selection.shortlist_set(user=dana, programme=programme, clients=firms[:6])  # 360,000
    with pytest.raises(ValidationError, match="over budget: record the exception") as caught:
        selection.shortlist_confirm(user=dana, programme=programme, budget_exception="  ")
    assert list(caught.value.message_dict) == ["budget_exception"]
    assert not ShortlistDecision.objects.exists()

    decision = selection.shortlist_confirm(
        user=dana, programme=programme, budget_exception="Board allowed 60k more on 3 Nov"
    )
    assert decision.cost > decision.budget
    assert decision.budget_exception == "Board allowed 60k more on 3 Nov"


def test_shortlist_confirm_over_kam_headcount_needs_an_exception(programme, firms, dana):
    programme.budget = Decimal(10**7)
    programme.save()
    selection.shortlist_set(user=dana, programme=programme, clients=firms[:5])  # 5 KAMs for 4
    with pytest.raises(ValidationError, match="over budget"):
        selection.shortlist_confirm(user=dana, programme=programme)
    assert not ShortlistDecision.objects.exists()
    decision = selection.shortlist_confirm(
        user=dana, programme=programme, budget_exception="A fifth KAM is hired in March"
    )
    assert (decision.kam_needed, decision.kam_headcount) == (5, 4)


def test_shortlist_confirm_above_ten_needs_a_reason(programme, firms, dana):
    programme.budget, programme.kam_headcount = Decimal(10**7), 20
    programme.save()
    selection.shortlist_set(user=dana, programme=programme, clients=firms[:11])
    with pytest.raises(ValidationError, match="11 key accounts is more than 10"):
        selection.shortlist_confirm(user=dana, programme=programme)
    assert not ShortlistDecision.objects.exists()
    decision = selection.shortlist_confirm(
        user=dana, programme=programme, reason="Two groups split into subsidiaries"
    )
    assert decision.reason == "Two groups split into subsidiaries"


def test_shortlist_confirm_keeps_no_exception_when_within_budget(programme, firms, dana):
    selection.shortlist_set(user=dana, programme=programme, clients=firms[:1])
    decision = selection.shortlist_confirm(
        user=dana, programme=programme, budget_exception="Not needed"
    )
    assert decision.budget_exception == ""


# --- the board -----------------------------------------------------------------------------------


def test_shortlist_board_adds_up_costs_and_capacity(programme, firms, dana):
    recompute()
    selection.shortlist_set(user=dana, programme=programme, clients=firms[:5])
    board = shortlist_selectors.shortlist_board(user=dana, programme=programme)

    assert [row.client for row in board.chosen] == sorted(
        firms[:5], key=lambda company: -company.pk
    )  # best revenue first: the later firms have more
    assert len(board.candidates) == 7
    assert board.cost == Decimal("300000.00")
    assert (board.over_money, board.over_kams, board.guardrail) == (False, True, "ok")
    assert board.budget_used_pct == pytest.approx(100)
    assert board.kams_used_pct == pytest.approx(125)


@pytest.mark.parametrize(
    ("count", "guardrail"), [(0, "empty"), (1, "ok"), (5, "ok"), (6, "warning"), (11, "confirm")]
)
def test_shortlist_board_guardrail(programme, firms, dana, count, guardrail):
    selection.shortlist_set(user=dana, programme=programme, clients=firms[:count])
    assert (
        shortlist_selectors.shortlist_board(user=dana, programme=programme).guardrail == guardrail
    )


def test_shortlist_board_is_confirmed_until_the_shortlist_changes(programme, firms, dana):
    recompute()
    selection.shortlist_set(user=dana, programme=programme, clients=firms[:2])
    assert not shortlist_selectors.shortlist_board(user=dana, programme=programme).is_confirmed
    selection.shortlist_confirm(user=dana, programme=programme)
    assert shortlist_selectors.shortlist_board(user=dana, programme=programme).is_confirmed
    selection.shortlist_add(user=dana, programme=programme, client=firms[3])
    assert not shortlist_selectors.shortlist_board(user=dana, programme=programme).is_confirmed


def test_shortlist_board_places_clients_on_the_matrix(programme, firms, dana):
    recompute()
    board = shortlist_selectors.shortlist_board(user=dana, programme=programme)
    for row in board.candidates:
        attractiveness = 100 * (row.score.financial + row.score.strategic) / 80
        assert row.attractiveness == pytest.approx(attractiveness)
        assert row.maturity == pytest.approx(100 * row.score.maturity / 20)
        assert 0 <= row.attractiveness <= 100


# --- overrides -----------------------------------------------------------------------------------


def test_override_bound_follows_the_setting(firms, dana, settings):
    settings.KAM_OVERRIDE_BOUND = 20
    override = overrides.override_set(
        user=dana, client=firms[0], kind=Override.Kind.ADJUST, points=15, rationale="Big deal"
    )
    assert override.points == 15
    settings.KAM_OVERRIDE_BOUND = 5
    with pytest.raises(ValidationError, match="between -5 and \\+5"):
        overrides.override_set(
            user=dana, client=firms[0], kind=Override.Kind.ADJUST, points=6, rationale="Too much"
        )
    assert Override.objects.get(is_active=True) == override


def test_override_clear_withdraws_the_active_override(firms, dana, alice):
    override = OverrideFactory(client=firms[0], author=dana)
    with pytest.raises(PermissionDenied, match="Only directors"):
        overrides.override_clear(user=alice, client=firms[0])
    overrides.override_clear(user=dana, client=firms[0])
    override.refresh_from_db()
    assert not override.is_active


# --- where a shortlist stands, and query counts ---------------------------------------------------


@pytest.mark.parametrize(
    ("costs", "over_money", "over_kams", "guardrail"),
    [
        ([], False, False, "empty"),
        ([Decimal(100)] * 2, False, False, "ok"),
        ([Decimal(100), None, Decimal(101)], True, False, "ok"),  # no estimate counts nothing
        ([Decimal(1)] * 4, False, True, "ok"),
        ([Decimal(1)] * 6, False, True, "warning"),
        ([Decimal(0)] * 11, False, True, "confirm"),
    ],
)
def test_shortlist_standing_is_the_one_measure_of_budget_and_guardrail(
    costs, over_money, over_kams, guardrail
):
    programme = Programme(year=2026, budget=Decimal(200), kam_headcount=3, kam_cost=Decimal(1))
    standing = shortlist_selectors.shortlist_standing(programme=programme, costs=costs)
    assert (standing.over_money, standing.over_kams, standing.guardrail) == (
        over_money,
        over_kams,
        guardrail,
    )
    assert standing.is_over_budget == (over_money or over_kams)
    assert standing.count == len(costs)


def test_the_board_and_the_confirmation_agree_on_the_budget(programme, firms, dana):
    recompute()
    selection.shortlist_set(user=dana, programme=programme, clients=firms[:6])
    board = shortlist_selectors.shortlist_board(user=dana, programme=programme)
    assert board.is_over_budget
    with pytest.raises(ValidationError, match="over budget"):
        selection.shortlist_confirm(user=dana, programme=programme)
    decision = selection.shortlist_confirm(user=dana, programme=programme, budget_exception="Ok")
    assert (decision.cost, decision.kam_needed) == (board.cost, board.count)


@pytest.mark.parametrize("size", [1, 12])
def test_shortlist_set_query_count_is_flat(programme, firms, dana, size, django_assert_num_queries):
    selection.shortlist_set(user=dana, programme=programme, clients=firms[-1:])
    # savepoint, eligibility, delete, present, insert, release
    with django_assert_num_queries(6):
        selection.shortlist_set(user=dana, programme=programme, clients=firms[:size])
    assert programme.entries.count() == size


@pytest.mark.parametrize("size", [1, 10])
def test_shortlist_confirm_query_count_is_flat(
    programme, firms, dana, size, django_assert_num_queries
):
    programme.budget, programme.kam_headcount = Decimal(10**7), 20
    programme.save()
    selection.shortlist_set(user=dana, programme=programme, clients=firms[:size])
    # savepoint, programme, entries, eligibility, full_clean's (programme, author, savepoint,
    # constraint, release), insert, release
    with django_assert_num_queries(11):
        selection.shortlist_confirm(user=dana, programme=programme)


def test_shortlist_set_refuses_a_forced_out_client_among_many(programme, firms, dana):
    OverrideFactory(client=firms[7], author=dana, kind=Override.Kind.FORCE_OUT, points=0)
    with pytest.raises(ValidationError, match="Firm 07 is forced out"):
        selection.shortlist_set(user=dana, programme=programme, clients=firms)
    assert not programme.entries.exists()
