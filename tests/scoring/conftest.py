"""What the scoring tests share: a small criteria model and a book of three clients."""

from decimal import Decimal

import pytest

from scoring.models import ScoringRun
from scoring.services import runs
from tests.factories import ClientFactory, ClientYearMetricFactory
from tests.scoring.factories import CostToServeFactory, ProgrammeFactory, small_model


@pytest.fixture
def criteria(db):
    return small_model()


@pytest.fixture
def book(criteria, alice, bob, sam):
    """Two clients of alice (one sponsored by sam) and one of bob, with revenue 300, 200, 100."""
    mine = ClientFactory(name="Mine", kam=alice, sponsor=sam)
    also_mine = ClientFactory(name="Also mine", kam=alice)
    theirs = ClientFactory(name="Theirs", kam=bob)
    for company, revenue in ((mine, 300), (also_mine, 200), (theirs, 100)):
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(revenue))
    return mine, also_mine, theirs


def recompute() -> ScoringRun:
    run = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)
    assert run is not None
    return run


@pytest.fixture
def programme(dana):
    """2026: a budget of 300,000 and four KAMs at 100,000 a year each."""
    return ProgrammeFactory(updated_by=dana)


@pytest.fixture
def ranked(book, dana):
    """The book's three clients, ranked, each costing 60,000 a year to serve."""
    for company in book:
        CostToServeFactory(client=company, updated_by=dana)
    recompute()
    return book
