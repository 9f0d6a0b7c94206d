"""Executive sponsorship and good practices by API, from the outside: who may do what, bad input
refused with a translated message and nothing written, the search's ranked and highlighted
results, and lists whose query count does not grow."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import User
from planning.models import (
    AdvisoryMeeting,
    Practice,
    PracticeReuse,
    Recognition,
    SponsorAsk,
    YearEndNegotiation,
)
from tests.factories import ClientFactory, ContactFactory, UserFactory
from tests.planning.factories import (
    AdvisoryMemberFactory,
    MeetingFactory,
    PlanFactory,
    PracticeFactory,
    RecognitionFactory,
    SponsorAskFactory,
    make_key_account,
)


@pytest.fixture
def api(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def plan(alice, sam, dana):
    company = ClientFactory(name="Globex", kam=alice, sponsor=sam)
    make_key_account(company, year=2026, by=dana)
    return PlanFactory(client=company, created_by=dana)


def url(name, **kwargs):
    return reverse(f"api-planning:{name}", kwargs=kwargs)


def post(api, path, body):
    return api.post(path, body, "application/json")


# --- asks of the sponsor --------------------------------------------------------------------------


def test_the_kam_asks_and_the_sponsor_answers_by_api(api, alice, sam, plan):
    api.force_login(alice)
    response = post(
        api, url("asks", plan_id=plan.pk), {"request": "Call their CEO", "due_on": "2026-04-01"}
    )
    assert response.status_code == 201
    ask_id = response.json()["id"]
    api.force_login(sam)
    response = post(api, url("ask_answer", ask_id=ask_id), {"answer": "Called."})
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert response.json()["answered_by"] == sam.pk
    listed = api.get(url("asks", plan_id=plan.pk)).json()
    assert [(a["request"], a["answer"]) for a in listed] == [("Call their CEO", "Called.")]


def test_a_sponsor_answering_another_accounts_ask_gets_a_404(api, plan, bob, dana):
    other_sponsor = UserFactory(role=User.Role.SPONSOR)
    ask = SponsorAskFactory(plan=plan)
    api.force_login(other_sponsor)
    assert post(api, url("ask_answer", ask_id=ask.pk), {"answer": "Mine"}).status_code == 404
    ask.refresh_from_db()
    assert ask.answer == ""


def test_the_kam_may_not_answer_for_the_sponsor(api, alice, plan):
    ask = SponsorAskFactory(plan=plan)
    api.force_login(alice)
    response = post(api, url("ask_answer", ask_id=ask.pk), {"answer": "Done by me"})
    assert response.status_code == 403
    assert "executive sponsor" in response.json()["detail"]


def test_an_ask_out_of_the_period_is_refused_in_french(api, alice, plan):
    api.force_login(alice)
    api.cookies["django_language"] = "fr"
    response = post(
        api, url("asks", plan_id=plan.pk), {"request": "Trop tard", "due_on": "2027-03-01"}
    )
    assert response.status_code == 400
    assert "période du plan" in response.json()["due_on"][0]
    assert not SponsorAsk.objects.exists()


# --- year-end negotiations ------------------------------------------------------------------------


def test_a_negotiation_by_api_with_a_negative_margin_impact(api, alice, sam, dana, plan):
    api.force_login(alice)
    body = {
        "year": 2025,
        "status": "held",
        "held_on": "2025-12-12",
        "executives": [sam.pk, dana.pk],
        "terms_agreed": "Flat prices, rebate dropped.",
        "margin_impact": "-25000.00",
    }
    response = post(api, url("negotiations", client_id=plan.client_id), body)
    assert response.status_code == 201
    assert response.json()["margin_impact"] == "-25000.00"
    assert sorted(response.json()["executives"]) == sorted([sam.pk, dana.pk])
    api.force_login(sam)
    listed = api.get(url("negotiations", client_id=plan.client_id)).json()
    assert [n["year"] for n in listed] == [2025]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"year": 2026, "margin_impact": "a lot"}, "margin_impact"),
        ({"year": "next"}, "year"),
        ({"year": 2026, "status": "held"}, "held_on"),
        ({"year": 2026, "executives": [999999]}, "executives"),
    ],
)
def test_bad_negotiations_are_refused_and_nothing_written(api, alice, plan, body, field):
    api.force_login(alice)
    response = post(api, url("negotiations", client_id=plan.client_id), body)
    assert response.status_code == 400
    assert field in response.json()
    assert not YearEndNegotiation.objects.exists()


def test_the_sponsor_reads_but_may_not_record_a_negotiation(api, sam, plan):
    api.force_login(sam)
    assert api.get(url("negotiations", client_id=plan.client_id)).status_code == 200
    response = post(api, url("negotiations", client_id=plan.client_id), {"year": 2026})
    assert response.status_code == 403


def test_another_sponsor_does_not_see_the_accounts_negotiations(api, plan):
    api.force_login(UserFactory(role=User.Role.SPONSOR))
    assert api.get(url("negotiations", client_id=plan.client_id)).status_code == 404


# --- the advisory committee and recognitions ------------------------------------------------------


def test_the_sponsor_keeps_the_committee_by_api(api, sam, carl, plan):
    member = AdvisoryMemberFactory(contact=ContactFactory(client=plan.client))
    api.force_login(sam)
    body = {"held_on": "2026-03-02", "title": "Spring council", "attendees": [member.pk]}
    response = post(api, url("advisory_meetings"), body)
    assert response.status_code == 201
    meeting_id = response.json()["id"]
    topic = {"topic": "Lead times", "raised_by": member.pk, "action": "Second line"}
    response = post(api, url("advisory_topics", advisory_meeting_id=meeting_id), topic)
    assert response.status_code == 201
    response = api.patch(
        url("advisory_topic", topic_id=response.json()["id"]),
        {"status": "done"},
        "application/json",
    )
    assert response.status_code == 400  # no owner yet
    assert "owner" in response.json()
    meetings = api.get(url("advisory_meetings")).json()["results"]
    assert meetings[0]["attendees"] == [member.pk]
    assert [t["status"] for t in meetings[0]["topics"]] == ["open"]


def test_a_contributor_does_not_read_the_committee(api, carl):
    api.force_login(carl)
    assert api.get(url("advisory_members")).status_code == 403


def test_recognitions_by_year(api, alice, sam, carl):
    RecognitionFactory(recipient=carl, awarded_on=dt.date(2025, 5, 1), award="Old")
    api.force_login(sam)
    body = {"team": "Lyon team", "award": "Team award", "reason": "VMI", "awarded_on": "2026-02-02"}
    assert post(api, url("recognitions"), body).status_code == 201
    api.force_login(alice)
    listed = api.get(url("recognitions"), {"year": 2026}).json()["results"]
    assert [(r["award"], r["recipient_name"]) for r in listed] == [("Team award", "Lyon team")]
    assert post(api, url("recognitions"), body).status_code == 403
    assert Recognition.objects.count() == 2


# --- good practices -------------------------------------------------------------------------------


def test_a_practice_is_shared_searched_and_highlighted_by_api(api, alice, bob, plan):
    api.force_login(alice)
    body = {
        "title": "Négociation préparée avec le sponsor",
        "context": "Baisse de prix annoncée.",
        "what_worked": "Le sponsor ouvre la négociation.",
        "tags": ["Négociation", "sponsor"],
        "source_plan": plan.pk,
    }
    response = post(api, url("practices"), body)
    assert response.status_code == 201
    assert response.json()["tags"] == ["négociation", "sponsor"]
    api.force_login(bob)  # another KAM: finds it, but not the plan it comes from
    found = api.get(url("practices"), {"q": "negociation"}).json()["results"]
    assert [p["title"] for p in found] == [body["title"]]
    assert found[0]["source_plan"] is None
    assert "<mark>négociation</mark>" in found[0]["headline"]
    assert found[0]["rank"] > 0


def test_a_practice_from_a_plan_one_does_not_see_is_refused(api, bob, plan):
    api.force_login(bob)
    body = {"title": "T", "context": "c", "what_worked": "w", "source_plan": plan.pk}
    response = post(api, url("practices"), body)
    assert response.status_code == 400
    assert "source_plan" in response.json()
    assert not Practice.objects.exists()


def test_another_kam_may_not_edit_a_practice(api, alice, bob):
    practice = PracticeFactory(author=alice)
    api.force_login(bob)
    response = api.patch(
        url("practice", practice_id=practice.pk), {"title": "x"}, "application/json"
    )
    assert response.status_code == 403


def test_a_plan_records_a_reuse_by_api(api, alice, bob, plan):
    practice = PracticeFactory(author=bob)
    api.force_login(alice)
    response = post(api, url("practice_reuses", plan_id=plan.pk), {"practice": practice.pk})
    assert response.status_code == 201
    assert post(api, url("practice_reuses", plan_id=plan.pk), {"practice": 0}).status_code == 400
    api.force_login(bob)  # bob does not see alice's plan
    reuse = PracticeReuse.objects.get()
    assert api.delete(url("practice_reuse", reuse_id=reuse.pk)).status_code == 404


def test_the_practice_list_query_count_is_flat(api, alice, django_assert_max_num_queries):
    for n in range(30):
        PracticeFactory(author=alice, source_plan=None, title=f"Audit {n}")
    api.force_login(alice)
    with django_assert_max_num_queries(6):
        response = api.get(url("practices"), {"q": "audit"})
    assert response.json()["count"] == 30


def test_the_committee_meetings_query_count_is_flat(api, sam, django_assert_max_num_queries):
    for n in range(10):
        meeting = AdvisoryMeeting.objects.create(
            held_on=dt.date(2026, 1, n + 1), title=f"Council {n}", created_by=sam
        )
        meeting.attendees.add(AdvisoryMemberFactory())
        meeting.topics.create(topic=f"Topic {n}")
    api.force_login(sam)
    with django_assert_max_num_queries(8):
        assert api.get(url("advisory_meetings")).status_code == 200


def test_the_meetings_of_a_plan_name_the_source_meeting(api, alice, plan):
    meeting = MeetingFactory(plan=plan)
    api.force_login(alice)
    body = {"title": "From a meeting", "context": "c", "what_worked": "w"}
    response = post(api, url("practices"), {**body, "source_meeting": meeting.pk})
    assert response.status_code == 201
    assert (response.json()["source_plan"], response.json()["source_meeting"]) == (
        plan.pk,
        meeting.pk,
    )


def test_a_practice_names_the_investment_project_it_comes_from(api, alice, bob, plan):
    from tests.planning.factories import make_project

    project = make_project(plan)
    api.force_login(bob)  # another KAM does not see the project
    body = {"title": "Pilot first", "context": "c", "what_worked": "w"}
    refused = post(api, url("practices"), {**body, "source_project": project.pk})
    assert refused.status_code == 400
    assert "source_project" in refused.json()
    assert not Practice.objects.exists()
    api.force_login(alice)
    response = post(api, url("practices"), {**body, "source_project": project.pk})
    assert response.status_code == 201
    assert (response.json()["source_project"], response.json()["source_plan"]) == (
        project.pk,
        plan.pk,
    )
    api.force_login(bob)
    read = api.get(url("practice", practice_id=response.json()["id"])).json()
    assert read["source_project"] is None  # named only to who sees its plan
