import pytest
from django.http import Http404

from planning.selectors import plans as selectors
from tests.factories import ClientFactory
from tests.planning.factories import (
    ActionFactory,
    CounterpartPairFactory,
    ObjectiveFactory,
    PlanFactory,
)


@pytest.fixture
def plans(alice, bob, sam):
    mine = PlanFactory(client=ClientFactory(name="Mine", kam=alice, sponsor=sam))
    theirs = PlanFactory(client=ClientFactory(name="Theirs", kam=bob))
    return mine, theirs


def visible(user):
    return {plan.client.name for plan in selectors.plan_list(user=user)}


def test_each_role_sees_its_plans(plans, alice, bob, dana, sam, carl, ada):
    assert visible(alice) == {"Mine"}
    assert visible(bob) == {"Theirs"}
    assert visible(dana) == visible(ada) == {"Mine", "Theirs"}
    assert visible(sam) == {"Mine"}
    assert visible(carl) == set()  # a contributor sees no plan they take no part in


def test_a_contributor_sees_the_plans_where_they_own_an_action_or_are_paired(plans, carl):
    mine, theirs = plans
    ActionFactory(objective=ObjectiveFactory(plan=mine), owner=carl)
    assert visible(carl) == {"Mine"}
    CounterpartPairFactory(plan=theirs, user=carl)
    assert visible(carl) == {"Mine", "Theirs"}


def test_plan_get_is_404_for_a_plan_the_user_does_not_see(plans, alice):
    _, theirs = plans
    with pytest.raises(Http404):
        selectors.plan_get(user=alice, plan_id=theirs.pk)
