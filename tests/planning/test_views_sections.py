"""The plan page's sections from the outside: what each role sees and may change, in place with
htmx or as plain forms, and a flat number of queries."""

import datetime as dt
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from planning.models import Action, Kpi, Objective, Offer, SwotItem
from planning.views import sections
from planning.views.sections import CSRF_MARK
from tests.factories import ClientFactory, ClientYearMetricFactory, UserFactory
from tests.planning.factories import (
    ActionFactory,
    KpiFactory,
    ObjectiveFactory,
    OfferFactory,
    OfferingFactory,
    PlanFactory,
    SwotItemFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"


@pytest.fixture
def plan(alice, sam, dana):
    company = ClientFactory(name="Acme", kam=alice, sponsor=sam)
    return PlanFactory(client=company, created_by=dana)


@pytest.fixture
def their_plan(bob, dana):
    return PlanFactory(client=ClientFactory(name="Globex", kam=bob), created_by=dana)


def page(client, plan):
    return client.get(reverse("planning:plan_detail", args=[plan.pk]))


def test_plan_page_shows_the_five_sections_in_order(client, alice, plan):
    client.force_login(alice)
    html = page(client, plan).content.decode()
    ids = [
        "section-vision",
        "section-swot",
        "section-objectives",
        "section-actions",
        "section-offers",
    ]
    positions = [html.index(f'data-testid="{name}"') for name in ids]
    assert positions == sorted(positions)
    assert 'data-testid="margin-kpi-missing"' in html


def test_plan_page_stops_asking_for_a_margin_kpi_once_there_is_one(client, alice, plan):
    KpiFactory(objective=ObjectiveFactory(plan=plan), is_margin=True)
    client.force_login(alice)
    assert 'data-testid="margin-kpi-missing"' not in page(client, plan).content.decode()


def test_kam_edits_the_vision_in_place(client, alice, plan):
    client.force_login(alice)
    url = reverse("planning:plan_vision_edit", args=[plan.pk])
    assert 'id="vision-form"' in client.get(url, **HTMX).content.decode()
    data = {"customer_business": "Boxes", "customer_strategy": "Grow", "shared_vision": "Together"}
    response = client.post(url, data, **HTMX)
    assert response.status_code == 200
    assert 'id="plan-vision"' in response.content.decode()
    plan.refresh_from_db()
    assert plan.shared_vision == "Together"


def test_swot_add_move_delete_keep_positions_dense(client, alice, plan):
    client.force_login(alice)
    add = reverse("planning:swot_item_add", args=[plan.pk])
    for text in ("One", "Two", "Three"):
        client.post(add, {"quadrant": "threat", "text": text}, **HTMX)
    items = SwotItem.objects.filter(plan=plan, quadrant="threat")
    assert list(items.values_list("text", "position")) == [("One", 0), ("Two", 1), ("Three", 2)]
    two = items.get(text="Two")
    client.post(reverse("planning:swot_item_move", args=[two.pk]), {"direction": "up"}, **HTMX)
    assert list(items.values_list("text", flat=True)) == ["Two", "One", "Three"]
    client.post(reverse("planning:swot_item_delete", args=[two.pk]), **HTMX)
    assert list(items.values_list("text", "position")) == [("One", 0), ("Three", 1)]


def test_an_invalid_form_comes_back_on_itself_with_the_message(client, alice, plan):
    client.force_login(alice)
    objective = ObjectiveFactory(plan=plan)
    url = reverse("planning:kpi_add", args=[objective.pk])
    response = client.post(url, {"name": "Margin", "measure": "manual", "target": "lots"}, **HTMX)
    assert response["HX-Retarget"] == f"#kpi-add-{objective.pk}-form"
    assert "Enter a number." in response.content.decode()
    assert not Kpi.objects.exists()


def test_action_due_before_the_plan_starts_is_refused(client, alice, carl, plan):
    client.force_login(alice)
    objective = ObjectiveFactory(plan=plan)
    data = {
        "title": "Audit the depots", "owner": carl.pk, "department": "logistics",
        "due_date": "2025-12-01", "status": "planned", "progress": "0",
    }  # fmt: skip
    response = client.post(reverse("planning:action_add", args=[objective.pk]), data, **HTMX)
    assert "before the plan starts" in response.content.decode()
    assert not Action.objects.exists()


def test_another_kam_is_not_offered_as_an_action_owner(client, alice, bob, carl, plan):
    client.force_login(alice)
    objective = ObjectiveFactory(plan=plan)
    form = client.get(reverse("planning:action_add", args=[objective.pk]), **HTMX)
    owners = form.context["form"].fields["owner"].queryset
    assert carl in owners
    assert alice in owners
    assert bob not in owners


def test_contributor_updates_only_their_own_action(client, carl, plan):
    objective = ObjectiveFactory(plan=plan)
    mine = ActionFactory(objective=objective, owner=carl)
    other = ActionFactory(objective=objective)
    client.force_login(carl)
    html = page(client, plan).content.decode()
    assert reverse("planning:action_progress", args=[mine.pk]) in html
    assert reverse("planning:action_progress", args=[other.pk]) not in html
    assert reverse("planning:objective_add", args=[plan.pk]) not in html
    data = {"status": "in_progress", "progress": "40", "comment": "Half the depots"}
    response = client.post(reverse("planning:action_progress", args=[mine.pk]), data, **HTMX)
    assert response.status_code == 200
    mine.refresh_from_db()
    assert (mine.status, mine.progress) == ("in_progress", 40)
    assert (
        client.post(reverse("planning:action_progress", args=[other.pk]), data).status_code == 403
    )
    assert client.get(reverse("planning:action_edit", args=[mine.pk])).status_code == 403


def test_progress_outside_0_100_is_refused(client, alice, plan):
    action = ActionFactory(objective=ObjectiveFactory(plan=plan))
    client.force_login(alice)
    data = {"status": "in_progress", "progress": "120"}
    response = client.post(reverse("planning:action_progress", args=[action.pk]), data, **HTMX)
    assert response.status_code == 200
    assert "HX-Retarget" in response
    action.refresh_from_db()
    assert action.progress == 0


def test_kam_writing_to_another_kams_plan_gets_a_404(client, alice, their_plan):
    client.force_login(alice)
    url = reverse("planning:objective_add", args=[their_plan.pk])
    assert client.post(url, {"side": "ours", "title": "Steal"}).status_code == 404
    assert not Objective.objects.exists()


def test_ledger_kpi_shows_its_year(client, alice, plan):
    ClientYearMetricFactory(client=plan.client, year=2025, gross_margin=Decimal("42000"))
    KpiFactory(objective=ObjectiveFactory(plan=plan), measure=Kpi.Measure.GROSS_MARGIN)
    client.force_login(alice)
    html = page(client, plan).content.decode()
    assert "from the ledger, 2025" in html
    assert "42,000" in html


def test_overdue_actions_are_flagged(client, alice, plan, monkeypatch):
    objective = ObjectiveFactory(plan=plan)
    ActionFactory(objective=objective, due_date=dt.date(2026, 1, 10))
    monkeypatch.setattr("django.utils.timezone.localdate", lambda: dt.date(2026, 2, 1))
    client.force_login(alice)
    html = page(client, plan).content.decode()
    assert 'data-testid="action-overdue"' in html


def test_value_based_offer_without_drivers_is_refused(client, alice, plan):
    offering = OfferingFactory()
    client.force_login(alice)
    data = {"offering": offering.pk, "business_unit": "Lyon", "status": "potential",
            "pricing": "value_based"}  # fmt: skip
    response = client.post(reverse("planning:offer_add", args=[plan.pk]), data, **HTMX)
    assert "names its value drivers" in response.content.decode()
    assert not Offer.objects.exists()


def test_offer_grid_shows_whitespace(client, alice, plan):
    films, labels = OfferingFactory(name="Films"), OfferingFactory(name="Labels")
    OfferFactory(plan=plan, offering=films, business_unit="Lyon")
    OfferFactory(plan=plan, offering=labels, business_unit="Lille")
    client.force_login(alice)
    html = page(client, plan).content.decode()
    assert html.count('data-testid="offer-whitespace"') == 2


def test_sponsor_reads_the_plan_without_controls(client, sam, plan):
    ObjectiveFactory(plan=plan)
    client.force_login(sam)
    html = page(client, plan).content.decode()
    assert 'data-testid="objective"' in html
    assert "hx-post" not in html


def test_offering_catalogue_is_for_directors(client, alice, dana):
    client.force_login(alice)
    assert client.get(reverse("planning:offering_list")).status_code == 403
    client.force_login(dana)
    response = client.post(
        reverse("planning:offering_list"), {"name": "Films", "kind": "product", "active": "on"}
    )
    assert response.status_code == 302


def test_plan_page_query_count_is_flat(client, alice, carl, plan, django_assert_max_num_queries):
    def grow(count):
        for _ in range(count):
            objective = ObjectiveFactory(plan=plan)
            KpiFactory(objective=objective, measure=Kpi.Measure.REVENUE)
            KpiFactory(objective=objective)
            ActionFactory.create_batch(10, objective=objective, owner=carl)
        SwotItemFactory.create_batch(3, plan=plan)
        OfferFactory(plan=plan, business_unit=f"Unit {Objective.objects.count()}")

    client.force_login(alice)
    grow(1)
    with django_assert_max_num_queries(100) as few:
        page(client, plan)
    grow(49)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = page(client, plan)
    html = response.content.decode()
    assert html.count('data-testid="objective"') == 50  # every objective with its KPIs
    assert html.count('data-testid="kpi"') == 100
    assert html.count('data-testid="action"') == 50  # the first page of actions: 5 objectives'
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(plan.get_absolute_url(), {"page": "10"})
    assert response.content.decode().count('data-testid="action"') == 500


def test_contributor_page_query_count_is_flat(client, carl, plan, django_assert_max_num_queries):
    objective = ObjectiveFactory(plan=plan)
    ActionFactory(objective=objective, owner=carl)
    client.force_login(carl)
    with django_assert_max_num_queries(100) as few:
        page(client, plan)
    for _ in range(20):
        ActionFactory.create_batch(
            5, objective=ObjectiveFactory(plan=plan), owner=UserFactory(role=User.Role.CONTRIBUTOR)
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page(client, plan)


def test_without_htmx_a_form_is_a_page_and_a_write_goes_back_to_the_plan(client, alice, plan):
    client.force_login(alice)
    url = reverse("planning:objective_add", args=[plan.pk])
    response = client.get(url)
    assert "<html" in response.content.decode()
    assert 'data-testid="plan-form"' in response.content.decode()
    response = client.post(url, {"side": "customer", "title": "Cut costs"})
    objective = Objective.objects.get()
    assert objective.side == "customer"
    # the page shows the new objective's actions, wherever they are in the Actions section
    assert response["Location"] == f"{plan.get_absolute_url()}?objective={objective.pk}#plan-work"


def _csrf_tokens(html):
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


def test_plan_page_objectives_and_actions_come_from_the_cache_until_a_row_changes(
    client, alice, plan
):
    cache.clear()
    action = ActionFactory(objective=ObjectiveFactory(plan=plan, title="Grow"), progress=20)
    client.force_login(alice)
    first = page(client, plan).content.decode()
    with mock.patch.object(sections, "render_to_string", side_effect=AssertionError("rendered")):
        again = page(client, plan).content.decode()  # from the cache: not rendered
    tokenless = re.compile(r"[A-Za-z0-9]{64}")  # each request's own masked CSRF token
    assert tokenless.sub("", again) == tokenless.sub("", first)
    Action.objects.filter(pk=action.pk).update(progress=80)
    html = page(client, plan).content.decode()
    assert '<span data-testid="action-progress">80 %</span>' in html


def test_plan_page_cached_rows_follow_each_users_rights(client, alice, carl, plan):
    cache.clear()
    objective = ObjectiveFactory(plan=plan)
    ActionFactory(objective=objective, owner=carl)
    ActionFactory(objective=objective, owner=alice)
    client.force_login(alice)
    assert page(client, plan).content.decode().count('data-testid="action-update"') == 2
    client.force_login(carl)
    html = page(client, plan).content.decode()
    assert html.count('data-testid="action-update"') == 1
    assert 'data-testid="action-add"' not in html


def test_plan_page_forms_carry_the_requests_own_csrf_token(alice, dana, plan):
    cache.clear()
    ObjectiveFactory.create_batch(2, plan=plan)
    for user in (alice, dana):  # dana's page comes from the block cached for alice
        browser = Client(enforce_csrf_checks=True)
        browser.cookies["django_language"] = "en"
        browser.force_login(user)
        html = page(browser, plan).content.decode()
        tokens = _csrf_tokens(html)
        assert tokens
        assert CSRF_MARK not in html
        objective = Objective.objects.filter(plan=plan).order_by("position", "pk").last()
        response = browser.post(
            reverse("planning:objective_move", args=[objective.pk]),
            {"direction": "up", "csrfmiddlewaretoken": tokens[-1]},
        )
        assert response.status_code == 302, user


def test_a_write_answers_with_the_objectives_and_actions_the_next_page_finds_cached(
    client, alice, plan
):
    cache.clear()
    objective = ObjectiveFactory(plan=plan, title="Grow")
    client.force_login(alice)
    response = client.post(
        reverse("planning:action_add", args=[objective.pk]),
        {"title": "Visit the plant", "owner": alice.pk, "department": "logistics",
         "due_date": plan.period_start, "status": "planned", "progress": "0"},
        **HTMX,
    )  # fmt: skip
    assert response.status_code == 200, response.content.decode()
    assert "Visit the plant" in response.content.decode()
    assert CSRF_MARK not in response.content.decode()
    with mock.patch.object(sections, "render_to_string", side_effect=AssertionError("rendered")):
        assert "Visit the plant" in page(client, plan).content.decode()


def _rename_owner(action, kpi, metric):
    User.objects.filter(pk=action.owner_id).update(first_name="Renamed", last_name="Owner")
    return "Renamed Owner"


def _new_ledger_year(action, kpi, metric):
    ClientYearMetricFactory(client=kpi.objective.plan.client, year=2026, gross_margin=99000)
    return "from the ledger, 2026"


def _ledger_figure(action, kpi, metric):
    type(metric).objects.filter(pk=metric.pk).update(gross_margin=Decimal("77000"))
    return "77,000"


def _kpi_target(action, kpi, metric):
    Kpi.objects.filter(pk=kpi.pk).update(target=Decimal("123456"))
    return "123,456"


def _objective_title(action, kpi, metric):
    Objective.objects.filter(pk=action.objective_id).update(title="Win the tender")
    return "Win the tender"


def _action_added(action, kpi, metric):
    ActionFactory(objective=action.objective, title="Audit the warehouse")
    return "Audit the warehouse"


def _action_deleted(action, kpi, metric):
    Action.objects.filter(pk=action.pk).delete()
    return "1 action deleted"


CACHED_WORK_WRITES = {
    "the action's owner renamed": _rename_owner,
    "a ledger year added": _new_ledger_year,
    "a ledger figure changed": _ledger_figure,
    "a KPI's target changed": _kpi_target,
    "an objective renamed": _objective_title,
    "an action added": _action_added,
    "an action deleted": _action_deleted,
}


@pytest.mark.parametrize("write", list(CACHED_WORK_WRITES))
def test_the_cached_objectives_and_actions_show_a_write_on_the_next_page_load(
    client, alice, plan, write
):
    """A cached block is served without reading the objectives' and actions' rows, until any
    row it shows changes, however it changed (here behind the services' back)."""
    cache.clear()
    metric = ClientYearMetricFactory(client=plan.client, year=2025, gross_margin=Decimal("42000"))
    objective = ObjectiveFactory(plan=plan, title="Grow")
    kpi = KpiFactory(objective=objective, measure=Kpi.Measure.GROSS_MARGIN)
    KpiFactory(objective=objective, name="Sites")
    action = ActionFactory(objective=objective, title="Visit the plant", owner__first_name="Ann")
    client.force_login(alice)
    first = page(client, plan).content.decode()
    assert "Visit the plant" in first
    unread = mock.patch.object(sections.selectors, "read_work", side_effect=AssertionError("read"))
    with unread, mock.patch.object(sections, "render_to_string", side_effect=AssertionError):
        assert "Visit the plant" in page(client, plan).content.decode()
    shown = CACHED_WORK_WRITES[write](action=action, kpi=kpi, metric=metric)
    html = page(client, plan).content.decode()
    if shown == "1 action deleted":
        assert "Visit the plant" not in html
    else:
        assert shown not in first
        assert shown in html


def test_the_cached_objectives_and_actions_follow_the_day(client, alice, plan, monkeypatch):
    cache.clear()
    ActionFactory(objective=ObjectiveFactory(plan=plan), due_date=dt.date(2026, 6, 30))
    client.force_login(alice)
    monkeypatch.setattr(sections.timezone, "localdate", lambda: dt.date(2026, 6, 30))
    assert 'data-testid="action-overdue"' not in page(client, plan).content.decode()
    monkeypatch.setattr(sections.timezone, "localdate", lambda: dt.date(2026, 7, 1))
    assert 'data-testid="action-overdue"' in page(client, plan).content.decode()
