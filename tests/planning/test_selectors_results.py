"""The programme's results: the key accounts against the other clients, checked against sums
worked out here, independently, from the ledger lines the factories write."""

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import LedgerLine
from accounts.services import client_metrics as metric_services
from planning.models import Plan
from planning.selectors import results as selectors
from scoring.models import ShortlistDecision
from tests.factories import ClientFactory, LedgerLineFactory
from tests.planning.factories import (
    CadenceFactory,
    MeetingFactory,
    PlanFactory,
    make_key_account,
)
from tests.scoring.factories import ProgrammeFactory

D = dt.date
YEAR = 2026


def _ledger(company, year, rng, *, lines=6, with_cost=True, late=True):
    for _ in range(lines):
        amount = Decimal(rng.randrange(-2_000, 90_000)) / 100  # a few returns, in cents
        LedgerLineFactory(
            client=company,
            date=D(year, rng.randint(1, 12), rng.randint(1, 28)),
            amount=amount,
            profit=(amount * Decimal(rng.randint(5, 40)) / 100).quantize(Decimal("0.01"))
            if with_cost
            else None,
            days_late=rng.randint(0, 40) if late else None,
        )


def _expected():
    """Per (client, year) from the lines: revenue, profit if every line has one, mean days
    late; what the stored metrics must add up to."""
    lines: dict[tuple[int, int], list[LedgerLine]] = defaultdict(list)
    for line in LedgerLine.objects.all():
        lines[line.client_id, line.date.year].append(line)
    figures = {}
    for key, rows in lines.items():
        late = [row.days_late for row in rows if row.days_late is not None]
        figures[key] = {
            "revenue": sum((row.amount for row in rows), Decimal(0)),
            "profit": None
            if any(row.profit is None for row in rows)
            else sum((row.profit for row in rows), Decimal(0)),
            "late": sum(late) / len(late) if late else None,
        }
    return figures


def _group(figures, ids, year):
    rows = [value for (client, y), value in figures.items() if y == year and client in ids]
    revenue = sum((row["revenue"] for row in rows), Decimal(0))
    known = [row for row in rows if row["profit"] is not None]
    margin = sum((row["profit"] for row in known), Decimal(0)) if known else None
    margin_revenue = sum((row["revenue"] for row in known), Decimal(0))
    weighed = [row for row in rows if row["late"] is not None and row["revenue"] > 0]
    weight = sum(float(row["revenue"]) for row in weighed)
    late = sum(row["late"] * float(row["revenue"]) for row in weighed) / weight if weight else None
    return {
        "clients": len(rows),
        "revenue": revenue,
        "margin": margin,
        "margin_pct": float(margin / margin_revenue * 100) if known and margin_revenue else None,
        "late": late,
    }


@pytest.fixture
def programme_with_ledger(dana):
    """Three key accounts and five other clients, two years of a random ledger each (one other
    client only this year, one key account without costs last year); the shortlist of YEAR."""
    rng = random.Random(11)
    key = [ClientFactory(name=f"Key {index}") for index in range(3)]
    others = [ClientFactory(name=f"Other {index}") for index in range(5)]
    for company in key + others[:4]:
        _ledger(company, YEAR - 1, rng, with_cost=company != key[2])
        _ledger(company, YEAR, rng)
    _ledger(others[4], YEAR, rng, late=False)  # new this year, pays without a record
    _ledger(key[0], YEAR - 2, rng)  # an older year, only in the trend
    for company in key:
        programme = make_key_account(company, year=YEAR, by=dana)
    metric_services.client_metrics_recompute()
    return programme, {company.pk for company in key}, {company.pk for company in others}


def _assert_matches(figures, expected):
    assert figures.clients == expected["clients"]
    assert figures.revenue == expected["revenue"]  # exact: cents added up
    assert figures.gross_margin == expected["margin"]
    assert figures.margin_pct == pytest.approx(expected["margin_pct"])
    assert figures.days_late == pytest.approx(expected["late"])


def test_ledger_results_add_up_to_the_ledger_lines_per_group_and_year(programme_with_ledger):
    programme, key, others = programme_with_ledger
    figures = _expected()

    results = selectors.ledger_results(programme=programme)

    assert results.has_shortlist
    assert results.key_account_count == 3
    for group, ids in ((results.key, key), (results.others, others)):
        _assert_matches(group.current, _group(figures, ids, YEAR))
        _assert_matches(group.previous, _group(figures, ids, YEAR - 1))
        now, before = _group(figures, ids, YEAR), _group(figures, ids, YEAR - 1)
        growth = (now["revenue"] - before["revenue"]) / abs(before["revenue"]) * 100
        assert group.growth_pct == pytest.approx(float(growth))
    assert results.others.current.clients == 5
    assert results.others.previous.clients == 4
    assert [year.year for year in results.key.years] == [YEAR - 2, YEAR - 1, YEAR]
    assert results.latest_ledger_year == YEAR


def test_a_client_without_costs_leaves_the_margin_to_the_others_and_says_how_many(
    programme_with_ledger,
):
    programme, key, _ = programme_with_ledger
    previous = selectors.ledger_results(programme=programme).key.previous
    assert (previous.clients, previous.margin_clients) == (3, 2)
    assert not previous.margin_complete
    expected = _group(_expected(), key, YEAR - 1)
    assert previous.gross_margin == expected["margin"]
    assert previous.margin_revenue < previous.revenue


def test_the_latest_decision_of_the_year_says_who_the_key_accounts_are(programme_with_ledger):
    programme, key, _ = programme_with_ledger
    assert selectors.ledger_results(programme=programme).key_account_count == 3  # cached
    dropped = min(key)
    latest = ShortlistDecision.objects.filter(programme=programme).first()
    ShortlistDecision.objects.create(
        programme=programme,
        client_ids=sorted(key - {dropped}),
        client_names=["a", "b"],
        cost=Decimal(0),
        budget=programme.budget,
        kam_needed=2,
        kam_headcount=2,
        decided_by=latest.decided_by,
    )
    results = selectors.ledger_results(programme=programme)
    assert results.key_account_count == 2
    assert results.key.current.clients == 2
    assert results.others.current.clients == 6


def test_a_year_without_shortlist_counts_every_client_among_the_others(programme_with_ledger):
    _, key, others = programme_with_ledger
    bare = ProgrammeFactory(year=YEAR - 1)
    results = selectors.ledger_results(programme=bare)
    assert not results.has_shortlist
    assert results.key_account_count == 0
    assert results.key.current is None
    assert results.key.growth_pct is None
    assert results.others.current.clients == 7  # last year's clients: all of them
    assert results.others.current.revenue == _group(_expected(), key | others, YEAR - 1)["revenue"]


def test_no_ledger_for_last_year_leaves_growth_unknown_not_zero(dana):
    company = ClientFactory()
    LedgerLineFactory(client=company, date=D(YEAR, 2, 1), amount=Decimal("100.00"))
    programme = make_key_account(company, year=YEAR, by=dana)
    metric_services.client_metrics_recompute()
    results = selectors.ledger_results(programme=programme)
    assert results.key.current.revenue == Decimal("100.00")
    assert results.key.previous is None
    assert results.key.growth_pct is None
    assert results.key.margin_change is None
    assert results.has_current
    assert not results.has_previous


def test_zero_revenue_gives_no_margin_percentage_and_no_growth(dana):
    company = ClientFactory()
    for year in (YEAR - 1, YEAR):  # an invoice and its credit note: zero revenue
        LedgerLineFactory(client=company, date=D(year, 3, 1), amount=Decimal(50), profit=10)
        LedgerLineFactory(client=company, date=D(year, 3, 2), amount=Decimal(-50), profit=-10)
    programme = make_key_account(company, year=YEAR, by=dana)
    metric_services.client_metrics_recompute()
    key = selectors.ledger_results(programme=programme).key
    assert key.current.revenue == 0
    assert key.current.gross_margin == 0
    assert key.current.margin_pct is None
    assert key.growth_pct is None
    assert key.current.days_late is None  # no positive revenue to weigh by


def test_a_programme_year_without_any_ledger(dana):
    programme = ProgrammeFactory(year=YEAR)
    results = selectors.ledger_results(programme=programme)
    assert results.latest_ledger_year is None
    assert not results.has_current
    assert not results.has_previous


def test_ledger_results_read_in_three_queries_whatever_the_clients_two_when_cached(
    programme_with_ledger, django_assert_num_queries
):
    programme, _, _ = programme_with_ledger
    with django_assert_num_queries(3):
        first = selectors.ledger_results(programme=programme)
    with django_assert_num_queries(2):
        assert selectors.ledger_results(programme=programme) == first


def test_a_recompute_of_the_figures_is_read_at_once(programme_with_ledger):
    programme, key, _ = programme_with_ledger
    before = selectors.ledger_results(programme=programme).key.current.revenue
    LedgerLineFactory(client_id=min(key), date=D(YEAR, 6, 1), amount=Decimal("12.34"))
    metric_services.client_metrics_recompute(client_ids=[min(key)])
    after = selectors.ledger_results(programme=programme).key.current.revenue
    assert after == before + Decimal("12.34")


def test_plan_results_count_the_programme_and_list_the_users_own(alice, bob, dana):
    mine = PlanFactory(client=ClientFactory(kam=alice), status=Plan.Status.APPROVED)
    theirs = PlanFactory(client=ClientFactory(kam=bob), programme=mine.programme)
    PlanFactory(client=ClientFactory(kam=bob), programme=ProgrammeFactory(year=YEAR - 1))
    today = D(YEAR, 6, 1)

    for_alice = selectors.plan_results(user=alice, programme=mine.programme, today=today)
    for_dana = selectors.plan_results(user=dana, programme=mine.programme, today=today)

    assert for_alice.count == for_dana.count == 2
    assert for_alice.approved == 1
    assert for_alice.by_status == {"approved": 1, "draft": 1}
    assert sum(for_alice.by_level.values()) == 2
    assert [item.plan for item in for_alice.listed] == [mine]
    assert for_alice.unlisted == 1
    assert {item.plan for item in for_dana.listed} == {mine, theirs}


def test_meeting_results_count_the_programme_year_up_to_today(dana):
    plan = PlanFactory()
    monthly = CadenceFactory(plan=plan, every=1, starts_on=D(YEAR, 1, 1), level="management")
    # due 1 Jan: met; due 1 Feb: missed (nothing before 1 Mar); due 1 Mar: met on the day
    for day in (D(YEAR, 1, 1), D(YEAR, 3, 1)):
        MeetingFactory(plan=plan, cadence=monthly, date=day, level="management")
    MeetingFactory(plan=plan, date=D(YEAR - 1, 12, 1), level="management")  # the year before
    MeetingFactory(plan=plan, date=D(YEAR, 4, 1), level="management")  # today: held
    MeetingFactory(plan=plan, date=D(YEAR, 4, 2), level="management")  # logged ahead: not yet
    MeetingFactory(plan=plan, date=D(YEAR, 2, 20), level="executive")  # no cadence: held only
    MeetingFactory(plan=PlanFactory(programme=ProgrammeFactory(year=YEAR - 1)), date=D(YEAR, 1, 5))

    results = selectors.meeting_results(programme=plan.programme, today=D(YEAR, 4, 1))

    levels = {level.level: (level.agreed, level.held, level.on_time) for level in results.levels}
    assert levels == {"executive": (0, 1, 0), "management": (3, 3, 2), "operational": (0, 0, 0)}
    assert results.on_time_pct == pytest.approx(200 / 3)
    assert (results.since, results.until) == (D(YEAR, 1, 1), D(YEAR, 4, 1))


def test_meeting_results_of_a_year_to_come_have_not_started(dana):
    programme = ProgrammeFactory(year=YEAR + 1)
    results = selectors.meeting_results(programme=programme, today=D(YEAR, 6, 1))
    assert not results.started
    assert results.agreed == results.held == 0
    assert results.on_time_pct is None


def test_the_page_reads_the_plans_cadences_and_meetings_once_for_the_same_figures(
    dana, django_assert_num_queries
):
    """``programme_results`` reads the shortlist, the plans, their cadences and the meetings
    held once for the plans' health, the meetings kept and the investment: the same figures as
    each part read on its own, in three queries less (the decision and the programme read
    again, and the cadences with their last meeting read apart for the plans' overdue meetings,
    in one query, when they are read with every meeting for the meetings kept)."""
    plan = PlanFactory(status=Plan.Status.APPROVED)
    make_key_account(plan.client, year=YEAR, by=dana)
    monthly = CadenceFactory(plan=plan, every=1, starts_on=D(YEAR, 1, 1), level="management")
    for day in (D(YEAR, 1, 1), D(YEAR, 3, 1), D(YEAR, 4, 1)):  # 1 Apr: today, held, not late
        MeetingFactory(plan=plan, cadence=monthly, date=day, level="management")
    other = PlanFactory(programme=plan.programme)
    CadenceFactory(plan=other, every=2, starts_on=D(YEAR, 2, 1), level="executive")
    today = D(YEAR, 4, 1)
    programme = plan.programme

    together = selectors.programme_results(user=dana, programme=programme, today=today)
    meetings = selectors.meeting_results(programme=programme, today=today)
    plans = selectors.plan_results(user=dana, programme=programme, today=today)

    assert together.meetings == meetings
    assert [level.agreed for level in meetings.levels] == [1, 3, 0]  # executive, management, op.
    assert [(h.plan, h.overdue_meetings, h.score) for h in together.plans.listed] == [
        (h.plan, h.overdue_meetings, h.score) for h in plans.listed
    ]
    assert together.plans.by_level == plans.by_level
    assert together.investment == selectors.projects.budget_standing([YEAR])[YEAR]
    assert together.ledger.key_account_count == 1

    cache.clear()  # both times: the groups' sums and the plans' coverage gaps not from the cache
    separate = CaptureQueriesContext(connection)
    with separate:
        selectors.ledger_results(programme=programme)
        selectors.plan_results(user=dana, programme=programme, today=today)
        selectors.meeting_results(programme=programme, today=today)
        selectors.projects.investment_by_year(programme)
    cache.clear()
    with django_assert_num_queries(len(separate.captured_queries) + 1 - 3):  # + recognitions
        selectors.programme_results(user=dana, programme=programme, today=today)


def test_a_director_who_sees_every_plan_costs_one_query_less_than_a_kam(alice, dana):
    mine = PlanFactory(client=ClientFactory(kam=alice))
    PlanFactory(client=ClientFactory(), programme=mine.programme)
    today = D(YEAR, 6, 1)
    counts = {}
    for user in (alice, dana):
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            listed = selectors.plan_results(user=user, programme=mine.programme, today=today)
        counts[user.username] = (len(queries.captured_queries), len(listed.listed))
    assert counts["dana"] == (counts["alice"][0] - 1, 2)
    assert counts["alice"][1] == 1
