"""The admin is not a back door: a superuser may manage users there, and only look at the rest.
What the rules govern (ratings, weights, criteria, overrides, the programme, costs, the shortlist
and its decisions, runs and scores, clients, contacts, imports) changes through the services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import DateOrderPreference, ExchangeRate, LedgerImport, User
from scoring.models import ShortlistDecision, ShortlistEntry
from tests.factories import (
    ClientFactory,
    ClientYearMetricFactory,
    ContactFactory,
    LedgerLineFactory,
    UserFactory,
)
from tests.scoring.conftest import recompute
from tests.scoring.factories import (
    CostToServeFactory,
    OverrideFactory,
    ProgrammeFactory,
    RatingFactory,
    small_model,
)

EDITABLE = {User}
"""The models the admin may write: users (who may log in, with which role)."""

MODELS = [
    model for app in ("accounts", "scoring") for model in apps.get_app_config(app).get_models()
]


@pytest.fixture
def root(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def rows(root, alice, dana):
    """A row of every model, named "Searchable" where it has a name."""
    criteria = small_model()
    company = ClientFactory(name="Searchable", kam=alice)
    ContactFactory(client=company)
    ClientYearMetricFactory(client=company, year=2025)
    CostToServeFactory(client=company, updated_by=dana)
    RatingFactory(client=company, criterion=criteria["fit"], author=alice)
    OverrideFactory(client=company, author=dana)
    programme = ProgrammeFactory(updated_by=dana)
    recompute()
    LedgerLineFactory(client=company)
    ExchangeRate.objects.create(
        currency="USD",
        period="day",
        date=dt.date(2024, 3, 1),
        rate=Decimal("1.08"),
        updated_by=dana,
    )
    LedgerImport.objects.create(
        original_name="searchable.csv", sha256="0" * 64, size=1, file_format="csv", created_by=dana
    )
    DateOrderPreference.objects.create(
        column_key="searchable", column="Searchable", order="dmy", chosen_by=dana
    )
    ShortlistEntry.objects.create(programme=programme, client=company, added_by=dana)
    ShortlistDecision.objects.create(
        programme=programme,
        client_ids=[company.pk],
        client_names=[company.name],
        cost=Decimal(60000),
        budget=programme.budget,
        kam_needed=1,
        kam_headcount=programme.kam_headcount,
        reason="Searchable",
        decided_by=dana,
    )
    return company


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_model_is_in_the_admin_with_a_list_and_a_search(model):
    model_admin = admin.site.get_model_admin(model)  # raises NotRegistered otherwise
    assert model_admin.list_display != ("__str__",)
    assert model_admin.search_fields


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_a_superuser_may_write_only_users_in_the_admin(model, root):
    request = RequestFactory().get("/admin/")
    request.user = root
    model_admin = admin.site.get_model_admin(model)
    writable = model in EDITABLE
    assert model_admin.has_view_permission(request)
    assert model_admin.has_add_permission(request) is writable
    assert model_admin.has_change_permission(request) is writable
    assert model_admin.has_delete_permission(request) is writable
    for inline in model_admin.get_inline_instances(request):
        assert not inline.has_add_permission(request, None)
        assert not inline.has_change_permission(request)
        assert not inline.has_delete_permission(request)


def test_the_admin_shows_governed_rows_and_refuses_to_write_them(client, root, rows):
    client.force_login(root)
    for model in MODELS:
        if model in EDITABLE:
            continue
        row = model.objects.first()
        assert row is not None, model.__name__
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        assert client.get(reverse(f"{name}_changelist"), {"q": "searchable"}).status_code == 200
        change = reverse(f"{name}_change", args=[row.pk])
        page = client.get(change)
        assert page.status_code == 200, model.__name__  # shown, read-only
        assert 'name="_save"' not in page.content.decode(), model.__name__
        assert client.get(reverse(f"{name}_add")).status_code == 403, model.__name__
        assert client.post(change, {}).status_code == 403, model.__name__
        assert client.post(reverse(f"{name}_delete", args=[row.pk])).status_code == 403
        assert model.objects.filter(pk=row.pk).exists(), model.__name__


def test_the_admin_still_adds_users(client, root):
    client.force_login(root)
    assert client.get(reverse("admin:accounts_user_add")).status_code == 200
