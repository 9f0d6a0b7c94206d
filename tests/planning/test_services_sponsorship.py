"""Executive sponsorship's services: the asks of the sponsor (written by the plan's editors,
answered by the account's sponsor only), year-end negotiations, the advisory committee and the
recognitions; bad input is refused with a clear message and writes nothing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import User
from planning.models import (
    AdvisoryMember,
    AdvisoryTopic,
    Recognition,
    SponsorAsk,
    YearEndNegotiation,
)
from planning.selectors import sponsorship as selectors
from planning.services import sponsorship as services
from tests.factories import ClientFactory, ContactFactory, UserFactory
from tests.planning.factories import (
    AdvisoryMeetingFactory,
    PlanFactory,
    SponsorAskFactory,
    make_key_account,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(alice, sam, dana):
    """Alice's key account, sponsored by Sam, with this year's plan."""
    company = ClientFactory(name="Globex", kam=alice, sponsor=sam)
    make_key_account(company, year=2026, by=dana)
    return PlanFactory(client=company, created_by=dana)


# --- asks of the sponsor --------------------------------------------------------------------------


def test_the_kam_asks_and_the_sponsor_answers(plan, alice, sam):
    ask = services.ask_add(
        user=alice, plan=plan, request="  Call their CEO  ", due_on=dt.date(2026, 5, 1)
    )
    assert (ask.request, ask.status, ask.created_by) == ("Call their CEO", "open", alice)
    answered = services.ask_answer(user=sam, ask=ask, answer="Called on Monday.")
    answered.refresh_from_db()
    assert answered.status == SponsorAsk.Status.DONE
    assert answered.answer == "Called on Monday."
    assert answered.answered_by == sam
    assert answered.answered_at is not None


def test_the_sponsor_may_answer_and_leave_the_ask_open(plan, sam):
    ask = SponsorAskFactory(plan=plan)
    services.ask_answer(user=sam, ask=ask, answer="Meeting set for June.", done=False)
    ask.refresh_from_db()
    assert (ask.status, ask.answer) == (SponsorAsk.Status.OPEN, "Meeting set for June.")


def test_an_empty_answer_is_refused(plan, sam):
    ask = SponsorAskFactory(plan=plan)
    with pytest.raises(ValidationError) as error:
        services.ask_answer(user=sam, ask=ask, answer="   ")
    assert error.value.message_dict == {"answer": ["Write your answer."]}
    ask.refresh_from_db()
    assert (ask.answered_by, ask.status) == (None, "open")


@pytest.mark.parametrize("who", ["alice", "dana", "carl", "other sponsor"])
def test_only_the_accounts_sponsor_answers(plan, who, request):
    ask = SponsorAskFactory(plan=plan)
    user = (
        UserFactory(role=User.Role.SPONSOR)
        if who == "other sponsor"
        else request.getfixturevalue(who)
    )
    with pytest.raises(PermissionDenied, match="executive sponsor"):
        services.ask_answer(user=user, ask=ask, answer="Me too")
    ask.refresh_from_db()
    assert ask.answer == ""


def test_the_sponsor_may_not_write_the_asks(plan, sam):
    with pytest.raises(PermissionDenied, match="key account manager"):
        services.ask_add(user=sam, plan=plan, request="Self-ask", due_on=dt.date(2026, 5, 1))
    assert not SponsorAsk.objects.exists()


@pytest.mark.parametrize("due_on", [dt.date(2025, 12, 31), dt.date(2027, 1, 1)])
def test_an_ask_is_due_within_the_plans_period(plan, alice, due_on):
    with pytest.raises(ValidationError) as error:
        services.ask_add(user=alice, plan=plan, request="Too late", due_on=due_on)
    assert "within the plan's period" in error.value.message_dict["due_on"][0]
    assert not SponsorAsk.objects.exists()


def test_no_ask_of_an_account_without_a_sponsor(alice, dana):
    company = ClientFactory(kam=alice, sponsor=None)
    plan = PlanFactory(client=company, created_by=dana)
    with pytest.raises(ValidationError, match="no executive sponsor"):
        services.ask_add(user=alice, plan=plan, request="Help", due_on=dt.date(2026, 3, 1))


def test_the_kam_closes_and_reopens_an_ask_keeping_the_answer(plan, alice, sam):
    ask = SponsorAskFactory(plan=plan)
    services.ask_answer(user=sam, ask=ask, answer="Done.")
    services.ask_update(user=alice, ask=ask, status=SponsorAsk.Status.OPEN)
    ask.refresh_from_db()
    assert (ask.status, ask.answer) == ("open", "Done.")


def test_the_sponsors_home_lists_only_what_is_asked_of_them(plan, sam, bob, dana):
    theirs = PlanFactory(
        client=ClientFactory(kam=bob, sponsor=UserFactory(role=User.Role.SPONSOR)),
        created_by=dana,
    )
    mine = SponsorAskFactory(plan=plan, request="Mine")
    SponsorAskFactory(plan=theirs, request="Theirs")
    closed = SponsorAskFactory(plan=plan, request="Closed")
    services.ask_answer(user=sam, ask=closed, answer="ok")
    home = selectors.sponsorship_home(user=sam, today=dt.date(2026, 3, 1))
    assert home.asked_of_me == [mine]
    assert home.asked_of_me_total == 1


# --- year-end negotiations ------------------------------------------------------------------------


def test_a_negotiation_is_recorded_with_its_executives_and_outcome(plan, alice, sam, dana):
    negotiation = services.negotiation_create(
        user=alice,
        client=plan.client,
        year=2025,
        status=YearEndNegotiation.Status.HELD,
        held_on=dt.date(2025, 12, 10),
        executives=[sam, dana],
        terms_agreed="Prices indexed on resin.",
        margin_impact=Decimal("-12500.50"),
    )
    assert set(negotiation.executives.all()) == {sam, dana}
    assert negotiation.margin_impact == Decimal("-12500.50")  # a cost is allowed
    assert list(selectors.negotiation_list(user=sam, client=plan.client)) == [negotiation]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"status": "held"}, "held_on", "A negotiation that was held has a date."),
        ({"status": "held", "held_on": "tomorrow"}, "held_on", "held in the future"),
        ({"held_on": dt.date(2030, 1, 5)}, "held_on", "that year or early the next"),
        ({"year": 1999}, "year", "between 2000 and 2100"),
    ],
)
def test_a_wrong_negotiation_is_refused_and_nothing_written(plan, alice, values, field, message):
    if values.get("held_on") == "tomorrow":
        values = {**values, "held_on": timezone.localdate() + dt.timedelta(days=1)}
        values.setdefault("year", timezone.localdate().year)
    values = {"year": 2026, **values}
    with pytest.raises(ValidationError) as error:
        services.negotiation_create(user=alice, client=plan.client, **values)
    assert message in " ".join(error.value.message_dict[field])
    assert not YearEndNegotiation.objects.exists()


def test_a_contributor_cannot_sit_at_a_negotiation(plan, alice, carl):
    with pytest.raises(ValidationError, match="Only our sponsors"):
        services.negotiation_create(user=alice, client=plan.client, year=2026, executives=[carl])
    assert not YearEndNegotiation.objects.exists()


def test_one_negotiation_per_account_and_year(plan, alice):
    services.negotiation_create(user=alice, client=plan.client, year=2026)
    with pytest.raises(ValidationError, match="already has a negotiation"):
        services.negotiation_create(user=alice, client=plan.client, year=2026)


def test_a_negotiation_is_for_a_key_account(alice):
    company = ClientFactory(kam=alice)
    with pytest.raises(ValidationError, match="not a key account"):
        services.negotiation_create(user=alice, client=company, year=2026)


@pytest.mark.parametrize("who", ["sam", "bob", "carl"])
def test_only_the_kam_or_a_director_records_a_negotiation(plan, who, request):
    with pytest.raises(PermissionDenied):
        services.negotiation_create(
            user=request.getfixturevalue(who), client=plan.client, year=2026
        )


def test_a_sponsor_sees_only_the_negotiations_of_their_accounts(plan, alice, bob, dana, sam):
    other = ClientFactory(kam=bob)
    make_key_account(other, year=2026, by=dana)
    services.negotiation_create(user=alice, client=plan.client, year=2026, executives=[sam])
    services.negotiation_create(user=bob, client=other, year=2026, executives=[sam])
    assert [n.client for n in selectors.negotiation_list(user=sam)] == [plan.client]
    assert selectors.negotiation_list(user=UserFactory(role=User.Role.CONTRIBUTOR)).count() == 0


# --- the advisory committee -----------------------------------------------------------------------


def test_only_a_key_accounts_contact_joins_the_committee(plan, sam, alice):
    outsider = ContactFactory(client=ClientFactory(kam=alice))
    with pytest.raises(ValidationError, match="not a contact of a key account"):
        services.advisory_member_add(user=sam, contact=outsider, since=dt.date(2026, 1, 1))
    executive = ContactFactory(client=plan.client, title="CEO")
    member = services.advisory_member_add(user=sam, contact=executive, since=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError, match="already sits"):
        services.advisory_member_add(user=sam, contact=executive, since=dt.date(2026, 2, 1))
    assert list(AdvisoryMember.objects.all()) == [member]


def test_kams_and_contributors_may_not_keep_the_committee(alice, carl):
    for user in (alice, carl):
        with pytest.raises(PermissionDenied, match="advisory committee"):
            services.advisory_meeting_create(user=user, held_on=dt.date(2026, 1, 1), title="x")


def test_a_topic_taken_on_says_what_we_do_and_who_owns_it(sam, carl):
    meeting = AdvisoryMeetingFactory(created_by=sam)
    with pytest.raises(ValidationError) as error:
        services.advisory_topic_add(user=sam, meeting=meeting, topic="Lead times", status="done")
    assert "action" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.advisory_topic_add(
            user=sam, meeting=meeting, topic="Lead times", action="Second line", status="done"
        )
    assert "owner" in error.value.message_dict
    assert not AdvisoryTopic.objects.exists()
    topic = services.advisory_topic_add(
        user=sam,
        meeting=meeting,
        topic="Lead times",
        action="Second line",
        owner=carl,
        status="in_progress",
    )
    assert selectors.advisory_topic_open_count() == 1
    services.advisory_topic_update(user=sam, topic=topic, status="done")
    assert selectors.advisory_topic_open_count() == 0


# --- recognitions ---------------------------------------------------------------------------------


def test_a_recognition_goes_to_a_person_or_a_team(sam, carl):
    person = services.recognition_create(
        user=sam,
        recipient=carl,
        award="Logistics award",
        reason="VMI",
        awarded_on=dt.date(2026, 1, 5),
    )
    team = services.recognition_create(
        user=sam, team="Lyon team", award="Team award", reason="VMI", awarded_on=dt.date(2025, 6, 1)
    )
    assert (person.recipient_name, team.recipient_name) == (str(carl), "Lyon team")
    assert list(selectors.recognitions_for_year(2026)) == [person]
    assert list(selectors.recognitions_for_year(2025)) == [team]
    assert selectors.recognition_years() == [2026, 2025]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"recipient": "carl", "team": "Both"}, "not both"),
        ({}, "a person or a team"),
        ({"recipient": "sam"}, "cannot recognise yourself"),
        ({"team": "Lyon", "awarded_on": "tomorrow"}, "once given"),
    ],
)
def test_a_wrong_recognition_is_refused(sam, carl, values, message):
    people = {"carl": carl, "sam": sam}
    if "recipient" in values:
        values = {**values, "recipient": people[values["recipient"]]}
    if values.get("awarded_on") == "tomorrow":
        values = {**values, "awarded_on": timezone.localdate() + dt.timedelta(days=1)}
    values = {"award": "Award", "reason": "Why", "awarded_on": dt.date(2026, 1, 1), **values}
    with pytest.raises(ValidationError, match=message):
        services.recognition_create(user=sam, **values)
    assert not Recognition.objects.exists()


def test_a_kam_may_not_give_recognitions(alice, carl):
    with pytest.raises(PermissionDenied, match="recognitions"):
        services.recognition_create(
            user=alice, recipient=carl, award="A", reason="B", awarded_on=dt.date(2026, 1, 1)
        )


def test_a_contact_deleted_leaves_the_committee_and_their_topics_stay(plan, alice, sam):
    from accounts.services import clients as client_services

    executive = ContactFactory(client=plan.client, title="CEO")
    member = services.advisory_member_add(user=sam, contact=executive, since=dt.date(2026, 1, 1))
    meeting = AdvisoryMeetingFactory(created_by=sam)
    topic = services.advisory_topic_add(
        user=sam, meeting=meeting, topic="Lead times", raised_by=member
    )
    client_services.contact_delete(user=alice, contact=executive)
    assert not AdvisoryMember.objects.exists()
    topic.refresh_from_db()
    assert topic.raised_by is None
