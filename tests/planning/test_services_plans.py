import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.services import clients as client_services
from planning.models import Plan, PlanOwnership
from planning.services import plans as services
from tests.factories import ClientFactory
from tests.planning.factories import PlanFactory, make_key_account


@pytest.fixture
def key_account(alice, dana):
    company = ClientFactory(name="Acme", kam=alice)
    programme = make_key_account(company, year=2026, by=dana)
    return company, programme


def test_plan_open_gives_the_key_account_a_plan_of_its_year_owned_by_its_kam(key_account, dana):
    company, programme = key_account
    plan = services.plan_open(user=dana, client=company, programme=programme)
    assert (plan.period_start, plan.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert plan.owner == company.kam
    assert plan.status == Plan.Status.DRAFT
    assert PlanOwnership.objects.get(plan=plan, until=None).kam == company.kam


def test_plan_open_refuses_a_client_that_is_not_a_key_account(dana, key_account):
    _, programme = key_account
    other = ClientFactory(name="Not chosen")
    with pytest.raises(ValidationError, match="Not chosen is not a key account of 2026"):
        services.plan_open(user=dana, client=other, programme=programme)
    assert not Plan.objects.exists()


def test_plan_open_refuses_a_period_overlapping_another_plan_of_the_client(key_account, dana):
    company, programme = key_account
    services.plan_open(user=dana, client=company, programme=programme)
    with pytest.raises(ValidationError, match="already has a plan for part of this period"):
        services.plan_open(
            user=dana,
            client=company,
            programme=programme,
            period_start=dt.date(2026, 12, 31),
            period_end=dt.date(2027, 6, 30),
        )
    assert Plan.objects.count() == 1


def test_plan_open_refuses_a_period_ending_before_it_starts(key_account, dana):
    company, programme = key_account
    with pytest.raises(ValidationError) as refusal:
        services.plan_open(
            user=dana,
            client=company,
            programme=programme,
            period_start=dt.date(2026, 6, 1),
            period_end=dt.date(2026, 1, 1),
        )
    assert refusal.value.message_dict == {"period_end": ["The plan ends after it starts."]}
    assert not Plan.objects.exists()


@pytest.mark.parametrize("who", ["alice", "sam", "carl"])
def test_plan_open_is_for_directors_only(key_account, who, request):
    company, programme = key_account
    with pytest.raises(PermissionDenied):
        services.plan_open(user=request.getfixturevalue(who), client=company, programme=programme)
    assert not Plan.objects.exists()


def test_a_new_kam_takes_the_running_plan_and_the_previous_holder_is_recorded(
    key_account, dana, bob
):
    company, programme = key_account
    plan = services.plan_open(user=dana, client=company, programme=programme)
    past = PlanFactory(
        client=company, period_start=dt.date(2020, 1, 1), period_end=dt.date(2020, 12, 31)
    )
    client_services.client_update(user=dana, client=company, kam=bob, sponsor=None)
    plan.refresh_from_db()
    past.refresh_from_db()
    assert plan.owner == bob
    assert past.owner != bob  # a plan that is over keeps the KAM who held it
    holders = list(PlanOwnership.objects.filter(plan=plan).order_by("since"))
    assert [holder.kam.username for holder in holders] == ["alice", "bob"]
    assert holders[0].until is not None
    assert holders[1].until is None


def test_reassigning_only_the_sponsor_leaves_the_plan_holder_alone(key_account, dana, sam):
    company, programme = key_account
    plan = services.plan_open(user=dana, client=company, programme=programme)
    client_services.client_update(user=dana, client=company, kam=company.kam, sponsor=sam)
    assert PlanOwnership.objects.filter(plan=plan).count() == 1


def test_the_plan_page_names_who_held_the_plan_before(key_account, dana, bob, client):
    company, programme = key_account
    plan = services.plan_open(user=dana, client=company, programme=programme)
    client_services.client_update(user=dana, client=company, kam=bob, sponsor=None)
    client.force_login(bob)
    client.cookies["django_language"] = "en"
    page = client.get(plan.get_absolute_url()).content.decode()
    assert 'data-testid="plan-holders"' in page
    assert "Held before by" in page
    holders = page.split('data-testid="plan-holders"')[1].split("</p>")[0]
    assert str(PlanOwnership.objects.get(plan=plan, until__isnull=False).kam) in holders
