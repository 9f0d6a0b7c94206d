"""The stakeholders and counterpart pairs API from outside: per role, bad input as 400s with
nothing written, and the schema."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import User
from planning.models import CounterpartPair, Stakeholder
from tests.factories import ClientFactory, ContactFactory, UserFactory
from tests.planning.factories import (
    CadenceFactory,
    CounterpartPairFactory,
    MeetingFactory,
    PlanFactory,
    StakeholderFactory,
    if_match,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(alice, sam):
    return PlanFactory(client=ClientFactory(name="Mine", kam=alice, sponsor=sam))


def stakeholders_url(plan):
    return reverse("api-planning:stakeholders", args=[plan.pk])


def pairs_url(plan):
    return reverse("api-planning:counterparts", args=[plan.pk])


def test_kam_adds_lists_changes_and_removes_a_stakeholder(client, alice, plan):
    boss = StakeholderFactory(plan=plan)
    contact = ContactFactory(client=plan.client, country="IT", title="COO")
    client.force_login(alice)
    response = client.post(
        stakeholders_url(plan),
        {"contact": contact.pk, "buying_role": "champion", "influence": 4,
         "reports_to": boss.pk},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["country"], body["title"], body["reports_to"], body["attitude"]) == (
        "IT", "COO", boss.pk, "neutral"
    )  # fmt: skip
    listed = client.get(stakeholders_url(plan)).json()["results"]
    assert [row["id"] for row in listed] == [boss.pk, body["id"]]
    url = reverse("api-planning:stakeholder", args=[body["id"]])
    changed = client.patch(
        url, {"attitude": "advocate"}, content_type="application/json",
        headers=if_match(client, url),
    )  # fmt: skip
    assert changed.json()["attitude"] == "advocate"
    assert changed.json()["reports_to"] == boss.pk  # untouched
    assert client.delete(url, headers=if_match(client, url)).status_code == 204
    assert Stakeholder.objects.count() == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"influence": 0}, "influence"),
        ({"influence": 6}, "influence"),
        ({"contact": "other"}, "contact"),
        ({"contact": 999999}, "contact"),
        ({"reports_to": "other"}, "reports_to"),
        ({"buying_role": "king"}, "buying_role"),
    ],
)
def test_bad_stakeholders_are_400_and_nothing_is_written(client, alice, plan, values, field):
    stranger = ContactFactory(client=ClientFactory(name="Elsewhere"))
    body = {"contact": ContactFactory(client=plan.client).pk, "buying_role": "champion", **values}
    if body["contact"] == "other":
        body["contact"] = stranger.pk
    if body.get("reports_to") == "other":
        body["reports_to"] = StakeholderFactory().pk
    client.force_login(alice)
    before = Stakeholder.objects.count()
    response = client.post(stakeholders_url(plan), body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert Stakeholder.objects.count() == before


def test_a_reports_to_loop_is_400(client, alice, plan):
    top = StakeholderFactory(plan=plan)
    middle = StakeholderFactory(plan=plan, reports_to=top)
    bottom = StakeholderFactory(plan=plan, reports_to=middle)
    client.force_login(alice)
    url = reverse("api-planning:stakeholder", args=[top.pk])
    response = client.patch(url, {"reports_to": bottom.pk}, content_type="application/json",
                            headers={"Accept-Language": "en", **if_match(client, url)})  # fmt: skip
    assert response.status_code == 400
    assert "loop" in response.json()["reports_to"][0]
    top.refresh_from_db()
    assert top.reports_to is None


def test_another_kam_gets_404_and_the_sponsor_403(client, bob, sam, plan):
    person = StakeholderFactory(plan=plan)
    url = reverse("api-planning:stakeholder", args=[person.pk])
    client.force_login(bob)
    assert client.get(stakeholders_url(plan)).status_code == 404
    assert client.patch(url, {"influence": 5}, content_type="application/json").status_code == 404
    assert client.delete(url).status_code == 404
    client.force_login(sam)
    assert client.get(stakeholders_url(plan)).status_code == 200
    response = client.patch(url, {"influence": 5}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"]
    assert Stakeholder.objects.get().influence == 3


def test_kam_pairs_people_and_reads_the_last_contact(client, alice, carl, plan):
    person = StakeholderFactory(plan=plan)
    cadence = CadenceFactory(plan=plan, every=3, starts_on=dt.date(2026, 1, 15))
    client.force_login(alice)
    response = client.post(
        pairs_url(plan),
        {"user": carl.pk, "stakeholder": person.pk, "level": "management", "cadence": cadence.pk},
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["last_contact"] is None
    meeting = MeetingFactory(plan=plan, date=dt.date(2026, 4, 1))
    meeting.our_participants.add(carl)
    meeting.their_participants.add(person)
    (row,) = client.get(pairs_url(plan)).json()["results"]
    assert (row["user"], row["stakeholder"], row["last_contact"], row["next_due"]) == (
        carl.pk, person.pk, "2026-04-01", "2026-07-01"
    )  # fmt: skip
    url = reverse("api-planning:counterpart", args=[row["id"]])
    changed = client.patch(
        url, {"level": "executive"}, content_type="application/json",
        headers=if_match(client, url),
    )  # fmt: skip
    assert changed.status_code == 200
    assert changed.json()["level"] == "executive"
    assert client.delete(url, headers=if_match(client, url)).status_code == 204
    assert not CounterpartPair.objects.exists()


@pytest.mark.parametrize("case", ["other_kam", "inactive", "other_plan", "other_cadence"])
def test_bad_pairs_are_400_and_nothing_is_written(client, alice, bob, carl, plan, case):
    body = {"user": carl.pk, "stakeholder": StakeholderFactory(plan=plan).pk,
            "level": "management"}  # fmt: skip
    field = {"other_kam": "user", "inactive": "user", "other_plan": "stakeholder",
             "other_cadence": "cadence"}[case]  # fmt: skip
    if case == "other_kam":
        body["user"] = bob.pk
    elif case == "inactive":
        body["user"] = UserFactory(role=User.Role.CONTRIBUTOR, is_active=False).pk
    elif case == "other_plan":
        body["stakeholder"] = StakeholderFactory().pk
    else:
        body["cadence"] = CadenceFactory().pk
    client.force_login(alice)
    response = client.post(pairs_url(plan), body, content_type="application/json")
    assert response.status_code == 400
    assert field in response.json()
    assert not CounterpartPair.objects.exists()


def test_contributor_reads_the_plan_they_take_part_in_but_writes_nothing(client, carl, plan):
    pair = CounterpartPairFactory(plan=plan, user=carl)
    client.force_login(carl)
    assert client.get(pairs_url(plan)).status_code == 200
    url = reverse("api-planning:counterpart", args=[pair.pk])
    assert client.delete(url).status_code == 403
    assert CounterpartPair.objects.exists()


def test_the_lists_query_count_is_flat(client, alice, django_assert_max_num_queries):
    from tests.planning.test_selectors_people import big_plan

    plan = big_plan(100, 300, 200)
    plan.client.kam = alice
    plan.client.save()
    client.force_login(alice)
    with django_assert_max_num_queries(6):
        rows = client.get(stakeholders_url(plan), {"page_size": 500}).json()["results"]
    assert len(rows) == 100
    with django_assert_max_num_queries(6):
        rows = client.get(pairs_url(plan), {"page_size": 500}).json()["results"]
    assert len(rows) == 300


def test_the_operations_are_in_the_schema(client):
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    operations = {
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert {
        "planning_stakeholders", "planning_stakeholder_create", "planning_stakeholder_update",
        "planning_stakeholder_delete", "planning_counterparts", "planning_counterpart_create",
        "planning_counterpart_update", "planning_counterpart_delete",
    } <= operations  # fmt: skip
