"""The audit history's tracking (``kam.history``): every write of a plan's rows is recorded by the
database, with who made it, whether it came from a page, the API (session or Basic), a Celery
task or the shell; events cannot be changed or deleted."""

import base64

import pytest
from celery import shared_task
from django.contrib import admin
from django.db import ProgrammingError, transaction
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from kam import history
from planning.models import (
    Action,
    Cadence,
    CounterpartPair,
    Kpi,
    Meeting,
    MeetingDecision,
    Objective,
    Offer,
    Plan,
    PracticeReuse,
    SponsorAsk,
    Stakeholder,
    SwotItem,
    YearEndNegotiation,
)
from planning.services import objectives as services
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import ObjectiveFactory, PlanFactory

PLAN_MODELS = [
    Plan, SwotItem, Objective, Kpi, Action, Offer, Stakeholder, Cadence, CounterpartPair,
    Meeting, MeetingDecision, SponsorAsk, YearEndNegotiation, PracticeReuse,
]  # fmt: skip


@pytest.fixture
def objective(alice, dana):
    plan = PlanFactory(client=ClientFactory(kam=alice), created_by=dana)
    return ObjectiveFactory(plan=plan, title="Grow margin", side=Objective.Side.OURS)


def events(model, **filters):
    return history.TRACKED[model].event_model.objects.filter(**filters).order_by("pgh_id")


def user_of(event):
    return event.pgh_context.metadata.get("user") if event.pgh_context else None


@pytest.mark.parametrize("model", PLAN_MODELS, ids=lambda model: model.__name__)
def test_every_plan_model_is_tracked_with_a_plan_and_read_only_in_the_admin(model, db):
    entry = history.TRACKED[model]
    event_model = entry.event_model
    labels = {trigger.name for trigger in model._meta.triggers}
    assert {"insert_insert", "update_update", "delete_delete"} <= labels
    assert "position" not in {field.name for field in event_model._meta.fields}
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(username="root", is_staff=True, is_superuser=True)
    model_admin = admin.site.get_model_admin(event_model)
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.has_add_permission(request)


def test_a_page_write_records_the_user_and_the_new_values(client, alice, objective):
    client.force_login(alice)
    response = client.post(
        reverse("planning:objective_edit", args=[objective.pk]),
        {"side": "ours", "title": "Grow margin in Poland", "description": ""},
    )
    assert response.status_code in (200, 302)
    update = events(Objective, pgh_obj_id=objective.pk, pgh_label="update").get()
    assert update.title == "Grow margin in Poland"
    assert user_of(update) == alice.pk
    assert update.pgh_context.metadata["url"].endswith(f"/objectives/{objective.pk}/edit/")


def test_an_api_write_by_basic_authentication_records_the_user(client, alice, objective):
    auth = {"authorization": "Basic " + base64.b64encode(b"alice:correct-horse-battery").decode()}
    url = reverse("api-planning:objective", args=[objective.pk])
    etag = client.get(url, headers=auth).headers.get("ETag", "")
    response = client.patch(
        url, {"title": "By the API"}, "application/json", headers={**auth, "if-match": etag}
    )
    assert response.status_code == 200, response.content
    update = events(Objective, pgh_obj_id=objective.pk, pgh_label="update").get()
    assert update.title == "By the API"
    assert user_of(update) == alice.pk


def test_a_shell_write_records_the_user_it_acts_as(alice, objective):
    services.objective_update(user=alice, objective=objective, title="Unattributed")
    with history.acting(alice):
        services.objective_update(user=alice, objective=objective, title="From the shell")
    bare, shell = events(Objective, pgh_obj_id=objective.pk, pgh_label="update")
    assert (shell.title, user_of(shell)) == ("From the shell", alice.pk)
    assert (bare.title, user_of(bare)) == ("Unattributed", None)  # still recorded


@shared_task
def objective_rename_task(*, objective_id: int, user_id: int, title: str) -> None:
    """A task as the app writes them: ids in, one service call."""
    services.objective_update(
        user=User.objects.get(pk=user_id),
        objective=Objective.objects.select_related("plan__client").get(pk=objective_id),
        title=title,
    )


def test_a_task_write_records_the_task_and_the_user_it_acts_for(alice, objective):
    objective_rename_task.apply(
        kwargs={"objective_id": objective.pk, "user_id": alice.pk, "title": "By a task"}
    ).get()
    update = events(Objective, pgh_obj_id=objective.pk, pgh_label="update").get()
    assert update.title == "By a task"
    assert update.pgh_context.metadata == {
        "task": f"{__name__}.objective_rename_task",
        "user": alice.pk,
    }


def test_a_delete_is_recorded_and_a_save_that_changes_nothing_is_not(alice, objective):
    objective.save()  # updated_at only: nothing a reader would see
    objective.position = 7
    objective.save()  # a move: not an edit
    assert not events(Objective, pgh_obj_id=objective.pk, pgh_label="update").exists()
    pk = objective.pk
    services.objective_delete(user=alice, objective=objective)
    deleted = events(Objective, pgh_obj_id=pk, pgh_label="delete").get()
    assert deleted.title == "Grow margin"


def test_events_cannot_be_changed_or_deleted(objective):
    event = events(Objective, pgh_obj_id=objective.pk).get()
    for write in (
        lambda: type(event).objects.filter(pk=event.pk).update(title="Forged"),
        lambda: type(event).objects.filter(pk=event.pk).delete(),
    ):
        with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
            write()
    assert events(Objective, pgh_obj_id=objective.pk).get().title == "Grow margin"
