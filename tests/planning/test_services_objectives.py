"""Writing the plan's sections: who may, what is refused (a translated message, nothing
written), and positions that stay dense."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from planning.models import Action, Kpi, Objective, Offer, SwotItem
from planning.services import objectives as services
from planning.services import offers as offer_services
from planning.services import sections as section_services
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import (
    ActionFactory,
    KpiFactory,
    ObjectiveFactory,
    OfferingFactory,
    PlanFactory,
)


@pytest.fixture
def plan(alice, sam, dana):
    return PlanFactory(client=ClientFactory(kam=alice, sponsor=sam), created_by=dana)


@pytest.fixture
def objective(plan):
    return ObjectiveFactory(plan=plan)


def action_values(owner, **values):
    return {
        "title": "Audit the depots", "owner": owner, "department": "logistics",
        "due_date": dt.date(2026, 3, 1), "status": "planned", "progress": 0, **values,
    }  # fmt: skip


def test_vision_update_by_kam_and_refused_to_the_sponsor(plan, alice, sam):
    section_services.plan_vision_update(user=alice, plan=plan, shared_vision=" A film ")
    plan.refresh_from_db()
    assert plan.shared_vision == "A film"
    with pytest.raises(PermissionDenied):
        section_services.plan_vision_update(user=sam, plan=plan, shared_vision="No")


def test_swot_positions_stay_dense_across_quadrant_changes(plan, alice):
    one = section_services.swot_item_add(user=alice, plan=plan, quadrant="strength", text="One")
    section_services.swot_item_add(user=alice, plan=plan, quadrant="strength", text="Two")
    section_services.swot_item_add(user=alice, plan=plan, quadrant="threat", text="Three")
    section_services.swot_item_update(user=alice, item=one, text="One", quadrant="threat")
    rows = SwotItem.objects.filter(plan=plan).order_by("quadrant", "position")
    assert list(rows.values_list("quadrant", "text", "position")) == [
        ("strength", "Two", 0), ("threat", "Three", 0), ("threat", "One", 1),
    ]  # fmt: skip
    section_services.swot_item_move(user=alice, item=one, direction="down")  # already last
    section_services.swot_item_move(user=alice, item=one, direction="up")
    assert list(rows.filter(quadrant="threat").values_list("text", flat=True)) == ["One", "Three"]


def test_objectives_move_and_delete_keep_positions_dense(plan, alice):
    a, _, c = (
        services.objective_add(user=alice, plan=plan, side="ours", title=title) for title in "ABC"
    )
    services.objective_move(user=alice, objective=c, direction="up")
    services.objective_delete(user=alice, objective=a)
    rows = Objective.objects.filter(plan=plan).order_by("position")
    assert list(rows.values_list("title", "position")) == [("C", 0), ("B", 1)]


def test_kpi_non_numeric_target_is_refused(objective, alice):
    with pytest.raises(ValidationError) as error:
        services.kpi_add(user=alice, objective=objective, name="Margin", target="lots")
    assert error.value.message_dict == {"target": ["Enter a number."]}
    assert not Kpi.objects.exists()


def test_ledger_kpi_never_keeps_a_typed_current_and_margin_counts(objective, alice):
    kpi = services.kpi_add(
        user=alice, objective=objective, name="Margin", measure="gross_margin",
        target=Decimal(10), current=Decimal(5),
    )  # fmt: skip
    assert kpi.current is None
    assert kpi.is_margin


def test_kpi_due_before_the_plan_starts_is_refused(objective, alice):
    with pytest.raises(ValidationError) as error:
        services.kpi_add(
            user=alice, objective=objective, name="X", target=1, due_date=dt.date(2025, 1, 1)
        )
    assert "before the plan starts" in str(error.value)


def test_action_add_checks_owner_date_and_progress(objective, alice, bob, carl):
    inactive = UserFactory(role=User.Role.CONTRIBUTOR, is_active=False)
    refusals = [
        action_values(bob),  # another KAM
        action_values(inactive),
        action_values(carl, due_date=dt.date(2025, 12, 31)),
        action_values(carl, progress=101),
        action_values(carl, progress=-1),
    ]
    for values in refusals:
        with pytest.raises(ValidationError):
            services.action_add(user=alice, objective=objective, **values)
    assert not Action.objects.exists()
    action = services.action_add(user=alice, objective=objective, **action_values(carl))
    assert action.owner == carl


def test_done_action_is_at_100(objective, alice, carl):
    action = ActionFactory(objective=objective, owner=carl, progress=30)
    services.action_progress_update(user=carl, action=action, status="done")
    action.refresh_from_db()
    assert action.progress == 100


def test_contributor_updates_only_their_own_actions(objective, carl):
    theirs = ActionFactory(objective=objective)
    with pytest.raises(PermissionDenied):
        services.action_progress_update(user=carl, action=theirs, progress=50)
    mine = ActionFactory(objective=objective, owner=carl)
    with pytest.raises(PermissionDenied):
        services.action_update(user=carl, action=mine, title="Renamed")
    services.action_progress_update(user=carl, action=mine, progress=50, comment=" ok ")
    mine.refresh_from_db()
    assert (mine.progress, mine.comment) == (50, "ok")


def test_kam_of_another_account_may_not_write(objective, bob):
    with pytest.raises(PermissionDenied):
        services.objective_add(user=bob, plan=objective.plan, side="ours", title="X")


def test_value_based_offer_needs_drivers(plan, alice):
    offering = OfferingFactory()
    values = {"offering": offering, "business_unit": "Lyon", "status": "potential"}
    with pytest.raises(ValidationError) as error:
        offer_services.offer_add(user=alice, plan=plan, pricing="value_based", **values)
    assert "value_drivers" in error.value.message_dict
    assert not Offer.objects.exists()
    offer = offer_services.offer_add(
        user=alice, plan=plan, pricing="value_based", value_drivers="Less scrap", **values
    )
    assert offer.pk


def test_offering_catalogue_is_kept_by_directors(alice, dana):
    with pytest.raises(PermissionDenied):
        offer_services.offering_create(user=alice, name="Films")
    offering = offer_services.offering_create(user=dana, name="Films")
    offer_services.offering_update(user=dana, offering=offering, active=False)
    offering.refresh_from_db()
    assert not offering.active


def test_kpi_delete_renumbers(objective, alice):
    first, second = (
        KpiFactory(objective=objective, position=0),
        KpiFactory(objective=objective, position=1),
    )
    services.kpi_delete(user=alice, kpi=first)
    second.refresh_from_db()
    assert second.position == 0


def test_action_department_is_the_owners_by_default(objective, alice, carl):
    action = services.action_add(
        user=alice, objective=objective, **action_values(carl, department="")
    )
    assert action.department == carl.department == "logistics"
