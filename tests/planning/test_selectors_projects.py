"""Reads of investment projects: the payback year, who sees which project, the budget standing
of a programme year (the shortlist's cost, approved budgets, stopped projects' spending), the
board's order by the account's rank, and the next decisions on a sponsor's accounts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from planning.models import InvestmentProject
from planning.selectors import projects as selectors
from scoring.models import ShortlistDecision
from tests.factories import ClientFactory, ClientYearMetricFactory
from tests.planning.factories import PlanFactory, SteeringSessionFactory, make_project
from tests.scoring.conftest import recompute
from tests.scoring.factories import ProgrammeFactory, small_model

D = Decimal


@pytest.mark.parametrize(
    ("lines", "year"),
    [
        ([(2026, D(100), D(50)), (2027, D(100), D(200))], 2027),  # 250 >= 200 in 2027
        ([(2027, D(100), D(200)), (2026, D(100), D(50))], 2027),  # order does not matter
        ([(2026, D(0), D(0))], 2026),  # nothing spent: paid back at once
        ([(2026, D(100), D(10)), (2027, D(100), D(10))], None),  # never within its years
        ([(2026, D(100), D(100))], 2026),  # reached exactly
        ([], None),
    ],
)
def test_payback_year(lines, year):
    assert selectors.payback_year(lines) == year


@pytest.fixture
def programme(dana):
    programme = ProgrammeFactory(year=2026, budget=D("300000"), updated_by=dana)
    ShortlistDecision.objects.create(
        programme=programme, client_ids=[], client_names=[], cost=D("200000"),
        budget=programme.budget, kam_needed=0, kam_headcount=4, decided_by=dana,
    )  # fmt: skip
    return programme


@pytest.mark.django_db
def test_a_kam_sees_only_their_accounts_projects(alice, bob, sam, programme):
    mine = make_project(PlanFactory(client=ClientFactory(kam=alice, sponsor=sam)))
    theirs = make_project(PlanFactory(client=ClientFactory(kam=bob)))
    assert list(selectors.project_list(user=alice)) == [mine]
    assert list(selectors.project_list(user=sam)) == [mine]
    with pytest.raises(Http404):
        selectors.project_get(user=alice, project_id=theirs.pk)


@pytest.mark.django_db
def test_the_budget_counts_approved_budgets_and_what_stopped_projects_spent(alice, programme):
    plan = PlanFactory(client=ClientFactory(kam=alice), programme=programme)
    status = InvestmentProject.Status
    make_project(plan, status=status.APPROVED, years=((2026, "30000", "0"),))
    stopped = make_project(plan, status=status.STOPPED, years=((2026, "50000", "0"),))
    stopped.years.update(spent=D("12000"))
    make_project(plan, status=status.PROPOSED, years=((2026, "90000", "0"),))
    make_project(plan, status=status.REJECTED, years=((2026, "90000", "0"),))
    standing = selectors.investment_by_year(programme)
    assert standing.budget == D("300000")
    assert standing.shortlist_cost == D("200000")
    assert standing.approved == D("42000")
    assert standing.spent == D("12000")
    assert standing.committed == D("242000")
    assert standing.remaining == D("58000")
    assert not standing.over_budget
    assert selectors.budget_standing([2026, 2027]).keys() == {2026}  # 2027 has no budget


@pytest.mark.django_db
def test_the_board_orders_accounts_by_rank_with_their_score(alice, dana, programme):
    small_model()
    first = ClientFactory(name="Zeta", kam=alice)
    second = ClientFactory(name="Alpha", kam=alice)
    ClientYearMetricFactory(client=first, year=2025, revenue=D(900))
    ClientYearMetricFactory(client=second, year=2025, revenue=D(100))
    recompute()
    low = make_project(PlanFactory(client=second, programme=programme), title="Low")
    high = make_project(PlanFactory(client=first, programme=programme), title="High")
    session = SteeringSessionFactory(created_by=dana)
    board = selectors.session_board(user=dana, session=session)
    assert [row.project for row in board.rows] == [high, low]
    assert board.rows[0].rank < board.rows[1].rank
    assert board.rows[0].score is not None
    assert board.years == [2026, 2027]
    assert [cell.year if cell else None for cell in board.rows[0].figures.cells] == [2026, 2027]


@pytest.mark.django_db
def test_the_next_decisions_are_the_proposals_on_the_sponsors_accounts(sam, bob, dana):
    today = dt.date(2026, 5, 1)
    mine = make_project(PlanFactory(client=ClientFactory(kam=bob, sponsor=sam)), title="Mine")
    make_project(PlanFactory(client=ClientFactory(kam=bob)), title="Not sponsored")
    make_project(
        PlanFactory(client=ClientFactory(kam=bob, sponsor=sam)),
        title="Decided",
        status=InvestmentProject.Status.APPROVED,
    )
    assert selectors.steering_next_decisions(user=sam, today=today) is None  # no session yet
    SteeringSessionFactory(created_by=dana, date=dt.date(2026, 4, 1))
    SteeringSessionFactory(created_by=dana, date=dt.date(2026, 9, 1))
    soon = SteeringSessionFactory(created_by=dana, date=dt.date(2026, 6, 1))
    next_ = selectors.steering_next_decisions(user=sam, today=today)
    assert next_ is not None
    assert next_.session == soon
    assert [item.project for item in next_.projects] == [mine]
