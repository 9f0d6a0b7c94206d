"""The sponsorship and good practice pages: the asks section of the plan page (written in place
by the KAM, answered by the account's sponsor), the home page's blocks, the negotiations, the
committee and recognitions pages, and the practices' search page; forbidden paths, bad input
written nowhere, and lists whose query count does not grow."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import User
from planning.models import Practice, SponsorAsk, YearEndNegotiation
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import (
    AdvisoryMeetingFactory,
    AdvisoryMemberFactory,
    AdvisoryTopicFactory,
    PlanFactory,
    PracticeFactory,
    RecognitionFactory,
    SponsorAskFactory,
    YearEndNegotiationFactory,
    make_key_account,
)

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def plan(alice, sam, dana):
    company = ClientFactory(name="Globex", kam=alice, sponsor=sam)
    make_key_account(company, year=2026, by=dana)
    return PlanFactory(client=company, created_by=dana)


@pytest.fixture
def en(client):
    client.cookies["django_language"] = "en"
    return client


def test_the_plan_page_shows_the_asks_after_the_offers(en, alice, plan):
    SponsorAskFactory(plan=plan, request="Call their CEO")
    en.force_login(alice)
    page = en.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
    assert page.index('id="plan-offers"') < page.index('id="plan-asks"')
    assert page.index('id="plan-asks"') < page.index('id="plan-practices"')
    assert "Call their CEO" in page
    assert 'data-testid="ask-add"' in page
    assert 'data-testid="ask-answer-open"' not in page  # the KAM does not answer


def test_the_sponsor_sees_the_answer_link_not_the_editing_tools(en, sam, plan):
    ask = SponsorAskFactory(plan=plan)
    en.force_login(sam)
    page = en.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
    assert reverse("planning:ask_answer", args=[ask.pk]) in page
    assert reverse("planning:ask_edit", args=[ask.pk]) not in page
    assert 'data-testid="ask-add"' not in page


def test_an_ask_added_in_place_answers_with_the_section(en, alice, plan):
    en.force_login(alice)
    response = en.post(
        reverse("planning:ask_add", args=[plan.pk]),
        {"request": "Open their steering committee", "due_on": "2026-09-01"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert 'id="plan-asks"' in response.content.decode()
    assert SponsorAsk.objects.get().request == "Open their steering committee"


def test_a_bad_ask_shows_the_form_again_and_writes_nothing(en, alice, plan):
    en.force_login(alice)
    response = en.post(
        reverse("planning:ask_add", args=[plan.pk]),
        {"request": "Too late", "due_on": "2031-01-01"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#ask-add-form"
    assert "within the plan&#x27;s period" in response.content.decode()
    assert not SponsorAsk.objects.exists()


def test_the_sponsor_answers_from_the_home_page_and_goes_back_there(en, sam, plan):
    ask = SponsorAskFactory(plan=plan)
    en.force_login(sam)
    home = en.get(reverse("home")).content.decode()
    assert f"{reverse('planning:ask_answer', args=[ask.pk])}?from=home" in home
    response = en.post(
        f"{reverse('planning:ask_answer', args=[ask.pk])}?from=home",
        {"answer": "Done on Monday.", "done": "on"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    ask.refresh_from_db()
    assert (ask.status, ask.answer) == ("done", "Done on Monday.")


def test_another_sponsor_gets_a_404_for_the_ask(en, plan):
    ask = SponsorAskFactory(plan=plan)
    en.force_login(UserFactory(role=User.Role.SPONSOR))
    assert en.get(reverse("planning:ask_answer", args=[ask.pk])).status_code == 404
    assert (
        en.post(reverse("planning:ask_answer", args=[ask.pk]), {"answer": "x"}).status_code == 404
    )


def test_the_kam_is_told_why_they_may_not_answer(en, alice, plan):
    ask = SponsorAskFactory(plan=plan)
    en.force_login(alice)
    response = en.get(reverse("planning:ask_answer", args=[ask.pk]))
    assert response.status_code == 403
    assert "Only the account&#x27;s executive sponsor" in response.content.decode()


def test_the_sponsors_home_shows_only_their_accounts_and_asks(en, sam, plan, bob, dana):
    other = PlanFactory(
        client=ClientFactory(name="Initech", kam=bob, sponsor=UserFactory(role="sponsor")),
        created_by=dana,
    )
    SponsorAskFactory(plan=plan, request="Mine to answer")
    SponsorAskFactory(plan=other, request="Not mine")
    YearEndNegotiationFactory(client=plan.client, year=2026).executives.add(sam)
    en.force_login(sam)
    page = en.get(reverse("home")).content.decode()
    assert "Globex" in page
    assert "Initech" not in page
    assert "Mine to answer" in page
    assert "Not mine" not in page
    assert 'data-testid="home-negotiations"' in page


def test_the_kams_home_lists_what_they_wait_for(en, alice, plan):
    SponsorAskFactory(plan=plan, request="Waiting for it")
    en.force_login(alice)
    page = en.get(reverse("home")).content.decode()
    assert 'data-testid="home-waiting-asks"' in page
    assert "Waiting for it" in page


def test_the_home_page_query_count_does_not_grow_with_the_asks(
    client, sam, plan, django_assert_max_num_queries
):
    client.force_login(sam)
    SponsorAskFactory(plan=plan)
    with django_assert_max_num_queries(60) as one:
        client.get(reverse("home"))
    SponsorAskFactory.create_batch(7, plan=plan)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("home"))


# --- year-end negotiations ------------------------------------------------------------------------


def test_a_negotiation_recorded_by_the_kam(en, alice, sam, plan):
    en.force_login(alice)
    response = en.post(
        reverse("planning:negotiation_add", args=[plan.client_id]),
        {
            "year": "2025",
            "status": "held",
            "held_on": "2025-12-10",
            "executives": [sam.pk],
            "terms_agreed": "Indexed prices",
            "margin_impact": "-1500",
        },
    )
    assert response.status_code == 302
    page = en.get(response["Location"]).content.decode()
    assert "Indexed prices" in page
    assert YearEndNegotiation.objects.get().margin_impact == -1500


def test_a_non_numeric_margin_impact_is_refused(en, alice, plan):
    en.force_login(alice)
    response = en.post(
        reverse("planning:negotiation_add", args=[plan.client_id]),
        {"year": "2026", "status": "planned", "margin_impact": "lots"},
    )
    assert response.status_code == 200
    assert "Enter a number." in response.content.decode()
    assert not YearEndNegotiation.objects.exists()


def test_the_sponsor_reads_the_negotiations_without_the_tools(en, sam, plan):
    YearEndNegotiationFactory(client=plan.client, year=2025, terms_agreed="Rebate dropped")
    en.force_login(sam)
    page = en.get(reverse("planning:negotiation_list", args=[plan.client_id])).content.decode()
    assert "Rebate dropped" in page
    assert 'data-testid="negotiation-add"' not in page
    assert en.get(reverse("planning:negotiation_add", args=[plan.client_id])).status_code == 403


# --- committee, recognitions ----------------------------------------------------------------------


def test_the_committee_page_query_count_is_flat(client, sam, django_assert_max_num_queries):
    def add_meeting():
        meeting = AdvisoryMeetingFactory()
        member = AdvisoryMemberFactory()
        meeting.attendees.add(member)
        AdvisoryTopicFactory(meeting=meeting, raised_by=member, owner=sam)

    client.force_login(sam)
    add_meeting()
    with django_assert_max_num_queries(30) as one:
        client.get(reverse("planning:advisory_committee"))
    for _ in range(5):
        add_meeting()
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("planning:advisory_committee"))


def test_a_contributor_is_told_the_committee_is_not_for_them(en, carl):
    en.force_login(carl)
    response = en.get(reverse("planning:advisory_committee"))
    assert response.status_code == 403
    assert "advisory committee is for" in response.content.decode()


def test_recognitions_are_filtered_by_year(en, alice, carl):
    RecognitionFactory(recipient=carl, award="Old award", awarded_on=dt.date(2024, 3, 1))
    RecognitionFactory(team="Lyon team", recipient=None, award="New award")
    en.force_login(alice)
    page = en.get(reverse("planning:recognition_list"), {"year": "2026"}).content.decode()
    assert "New award" in page
    assert "Old award" not in page
    assert 'data-testid="recognition-add"' not in page  # a KAM reads them


def test_a_recognition_to_both_a_person_and_a_team_is_refused(en, sam, carl):
    en.force_login(sam)
    response = en.post(
        reverse("planning:recognition_add"),
        {
            "recipient": carl.pk,
            "team": "Lyon",
            "award": "A",
            "reason": "B",
            "awarded_on": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert "not both" in response.content.decode()


# --- good practices -------------------------------------------------------------------------------


def test_the_search_page_answers_htmx_with_its_results_only(en, alice):
    PracticeFactory(title="Négociation préparée", context="Prix", what_worked="Valeur")
    en.force_login(alice)
    response = en.get(reverse("planning:practice_list"), {"q": "negociation"}, headers=HTMX)
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="practice-results"')
    assert "<mark>Négociation</mark>" in page


def test_the_search_page_query_count_is_flat(client, alice, django_assert_max_num_queries):
    client.force_login(alice)
    PracticeFactory(title="Audit 0")
    with django_assert_max_num_queries(20) as one:
        client.get(reverse("planning:practice_list"), {"q": "audit"})
    for n in range(1, 10):
        PracticeFactory(title=f"Audit {n}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(reverse("planning:practice_list"), {"q": "audit"})


def test_a_practice_shared_from_a_plan(en, alice, plan):
    en.force_login(alice)
    response = en.post(
        f"{reverse('planning:practice_add')}?plan={plan.pk}",
        {
            "title": "Stock at their plant",
            "context": "Stock-outs",
            "what_worked": "VMI",
            "tags": "logistique, VMI",
            "source_plan": plan.pk,
        },
    )
    practice = Practice.objects.get()
    assert response["Location"] == practice.get_absolute_url()
    assert practice.tags == ["logistique", "vmi"]
    assert practice.source_plan == plan


def test_a_practice_cannot_come_from_a_plan_one_does_not_see(en, bob, plan):
    en.force_login(bob)
    response = en.post(
        reverse("planning:practice_add"),
        {"title": "T", "context": "c", "what_worked": "w", "source_plan": plan.pk},
    )
    assert response.status_code == 200
    assert not Practice.objects.exists()


def test_another_kam_reads_a_practice_but_not_its_plan(en, bob, plan):
    practice = PracticeFactory(source_plan=plan, title="From Globex")
    en.force_login(bob)
    page = en.get(practice.get_absolute_url()).content.decode()
    assert "From Globex" in page
    assert plan.get_absolute_url() not in page
    assert "from an account plan" in page
    assert en.get(reverse("planning:practice_edit", args=[practice.pk])).status_code == 403


def test_a_practice_shared_from_an_investment_project(en, alice, bob, plan):
    from tests.planning.factories import make_project

    project = make_project(plan, title="Barrier coating")
    en.force_login(alice)
    project_page = en.get(project.get_absolute_url()).content.decode()
    add = f"{reverse('planning:practice_add')}?project={project.pk}"
    assert add in project_page
    form = en.get(add).content.decode()
    assert f'<option value="{project.pk}" selected>' in form
    response = en.post(
        add,
        {"title": "Pilot first", "context": "c", "what_worked": "w", "source_project": project.pk},
    )
    practice = Practice.objects.get()
    assert response["Location"] == practice.get_absolute_url()
    assert (practice.source_project, practice.source_plan) == (project, plan)
    page = en.get(practice.get_absolute_url()).content.decode()
    assert 'data-testid="practice-source-project"' in page
    assert project.get_absolute_url() in page
    assert "Pilot first" in en.get(project.get_absolute_url()).content.decode()
    en.force_login(bob)  # another KAM reads the practice, not the project
    page = en.get(practice.get_absolute_url()).content.decode()
    assert project.get_absolute_url() not in page
