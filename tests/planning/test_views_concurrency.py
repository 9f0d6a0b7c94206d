"""Optimistic concurrency in the pages' edit forms: a form carries the version it was opened
from; a save after someone else's writes nothing, shows who changed what (their values against
the user's), keeps the user's input, and a second save applies it knowingly."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from kam import versions
from planning.models import Action, Cadence, Objective, Plan, Stakeholder
from tests.factories import ClientFactory
from tests.planning.factories import (
    ActionFactory,
    CadenceFactory,
    ObjectiveFactory,
    PlanFactory,
    StakeholderFactory,
)


@pytest.fixture
def plan(alice, dana):
    return PlanFactory(client=ClientFactory(kam=alice), created_by=dana)


@pytest.fixture
def objective(plan):
    return ObjectiveFactory(plan=plan, title="Grow margin", side=Objective.Side.OURS)


def browser(user, language="en"):
    http = Client()
    http.force_login(user)
    http.cookies["django_language"] = language
    return http


def version_in(response) -> str:
    match = re.search(r'name="version" value="([0-9a-f-]+)"', response.content.decode())
    assert match, "the form carries no version"
    return match.group(1)


def text(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_second_save_gets_the_conflict_and_loses_nothing(alice, dana, objective):
    kam, director = browser(alice), browser(dana)
    url = reverse("planning:objective_edit", args=[objective.pk])
    kam_version = version_in(kam.get(url, HTTP_HX_REQUEST="true"))
    director_version = version_in(director.get(url))
    assert kam_version == director_version == versions.version_of(objective)

    saved = director.post(
        url, {"side": "ours", "title": "Grow margin by 2 points", "description": "",
              "version": director_version},
    )  # fmt: skip
    assert saved.status_code == 302

    mine = {"side": "ours", "title": "Grow margin in Poland", "description": "Their plants",
            "version": kam_version}  # fmt: skip
    stale = kam.post(url, mine, HTTP_HX_REQUEST="true")
    assert stale.status_code == 200
    page = text(stale)
    assert "Someone else changed this since you opened it" in page
    assert f"Changed by {dana}" in page
    assert "Objective Grow margin by 2 points Grow margin in Poland" in page  # theirs, yours
    html = stale.content.decode()
    assert 'value="Grow margin in Poland"' in html  # the input is still there
    assert "Their plants</textarea>" in html
    objective.refresh_from_db()
    assert (objective.title, objective.description) == ("Grow margin by 2 points", "")  # kept

    again = kam.post(url, {**mine, "version": version_in(stale)}, HTTP_HX_REQUEST="true")
    assert again.status_code == 200
    assert "Someone else changed this" not in text(again)
    objective.refresh_from_db()
    assert (objective.title, objective.description) == ("Grow margin in Poland", "Their plants")


def test_the_conflict_is_told_in_french(alice, dana, objective):
    kam = browser(alice, "fr")
    url = reverse("planning:objective_edit", args=[objective.pk])
    old = version_in(kam.get(url))
    Objective.objects.filter(pk=objective.pk).update(title="Autre")
    page = text(kam.post(url, {"side": "ours", "title": "Le mien", "version": old}))
    assert "Quelqu\u2019un d\u2019autre a modifié" in page
    assert "Autre Le mien" in page


def test_an_unchanged_item_saves_with_its_version(alice, objective):
    kam = browser(alice)
    url = reverse("planning:objective_edit", args=[objective.pk])
    version = version_in(kam.get(url))
    kam.post(url, {"side": "ours", "title": "Renamed", "version": version})
    assert Objective.objects.get().title == "Renamed"


def test_a_stale_vision_keeps_both_texts(alice, dana, plan):
    kam, director = browser(alice), browser(dana)
    url = reverse("planning:plan_vision_edit", args=[plan.pk])
    old = version_in(kam.get(url))
    director.post(url, {"shared_vision": "Theirs", "version": version_in(director.get(url))})
    response = kam.post(url, {"shared_vision": "Mine", "version": old})
    assert "Theirs Mine" in text(response)
    assert Plan.objects.get().shared_vision == "Theirs"


def test_the_action_owner_and_the_kam_on_one_action(alice, carl, objective):
    action = ActionFactory(objective=objective, owner=carl, due_date=dt.date(2026, 9, 1))
    owner, kam = browser(carl), browser(alice)
    progress = reverse("planning:action_progress", args=[action.pk])
    edit = reverse("planning:action_edit", args=[action.pk])
    old = version_in(owner.get(progress))
    form = kam.get(edit)
    kam.post(edit, {"title": action.title, "owner": carl.pk, "department": action.department,
                    "due_date": "2026-09-01", "status": "blocked", "progress": 10,
                    "comment": "Waiting for the samples", "version": version_in(form)})  # fmt: skip
    stale = owner.post(progress, {"status": "done", "progress": 100, "comment": "", "version": old})
    page = text(stale)
    assert "Status Blocked Done" in page
    assert Action.objects.get().status == Action.Status.BLOCKED


@pytest.mark.parametrize(
    ("route", "make", "post", "change"),
    [
        (
            "planning:stakeholder_edit",
            lambda plan: StakeholderFactory(plan=plan),
            {"buying_role": "champion", "attitude": "neutral", "influence": 3,
             "level": "management", "note": "Mine"},
            {"note": "Theirs"},
        ),
        (
            "planning:cadence_edit",
            lambda plan: CadenceFactory(plan=plan),
            {"kind": "strategic_review", "name": "Mine", "level": "executive", "every": 3,
             "unit": "month", "starts_on": "2026-01-15"},
            {"name": "Theirs"},
        ),
    ],
    ids=["stakeholder", "cadence"],
)  # fmt: skip
def test_the_people_and_meetings_forms_refuse_a_stale_save(alice, plan, route, make, post, change):
    row = make(plan)
    kam = browser(alice)
    url = reverse(route, args=[row.pk])
    old = version_in(kam.get(url))
    type(row).objects.filter(pk=row.pk).update(**change)
    response = kam.post(url, {**post, "version": old}, HTTP_HX_REQUEST="true")
    assert "Someone else changed this" in text(response)
    assert "Theirs Mine" in text(response)
    assert type(row).objects.get(pk=row.pk).__dict__[next(iter(change))] == "Theirs"
    assert {Stakeholder: 1, Cadence: 1}[type(row)] == type(row).objects.count()


def test_the_second_save_of_a_project_gets_the_conflict_and_keeps_the_input(alice, dana, plan):
    from decimal import Decimal

    from tests.planning.factories import make_project

    project = make_project(plan)  # the plan's programme is 2026's
    kam, director = browser(alice), browser(dana)
    page = reverse("planning:project_detail", args=[project.pk])
    url = reverse("planning:project_edit", args=[project.pk])
    kam_version, director_version = version_in(kam.get(page)), version_in(director.get(page))
    assert kam_version == director_version

    def form(title, budget_2026, version):
        return {
            "kind": "co_innovation", "title": title, "description": "", "owner": alice.pk,
            "budget_2026": budget_2026, "margin_2026": "4000", "budget_2027": "20000",
            "margin_2027": "30000", "budget_2028": "", "margin_2028": "", "version": version,
        }  # fmt: skip

    assert director.post(url, form("Recyclable film", "15000", director_version)).status_code == 302
    stale = kam.post(url, form("Compostable film", "10000", kam_version))
    assert stale.status_code == 400
    page_text = text(stale)
    assert "Someone else changed this" in page_text
    assert f"Changed by {dana}" in page_text
    assert "Budget 2026 15,000 10,000" in page_text  # theirs, then the user's
    assert 'value="Compostable film"' in stale.content.decode()  # the input is kept
    project.refresh_from_db()
    assert project.title == "Recyclable film"
    assert project.years.get(year=2026).budget == Decimal("15000")

    again = kam.post(url, form("Compostable film", "10000", version_in(stale)))
    assert again.status_code == 302
    project.refresh_from_db()
    assert project.title == "Compostable film"
    assert project.years.get(year=2026).budget == Decimal("10000")
