"""The People tab from outside: who sees and edits what, the htmx parts, refusals on the form,
and a query count that does not grow with the people, pairs and meetings."""

import datetime as dt
import html
import re
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, translation

from kam import permissions
from planning.models import CounterpartPair, Stakeholder
from planning.views import people as people_views
from planning.views.sections import CSRF_MARK
from tests.factories import ClientFactory, ContactFactory, UserFactory
from tests.planning.factories import (
    CadenceFactory,
    CounterpartPairFactory,
    MeetingFactory,
    PlanFactory,
    StakeholderFactory,
)
from tests.planning.test_selectors_people import big_plan

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def plan(alice, sam):
    return PlanFactory(client=ClientFactory(name="Mine", kam=alice, sponsor=sam))


def people_url(plan):
    return reverse("planning:plan_people", args=[plan.pk])


def stakeholder_values(**values):
    return {"buying_role": "champion", "attitude": "supportive", "influence": "4",
            "level": "management", "reports_to": "", "note": "", **values}  # fmt: skip


def test_the_people_page_shows_map_gaps_and_both_tables(client, alice, plan):
    boss = StakeholderFactory(plan=plan, buying_role="decision_maker", level="executive")
    StakeholderFactory(plan=plan, reports_to=boss, attitude="hostile", influence=5)
    CounterpartPairFactory(plan=plan, stakeholder=boss)
    client.force_login(alice)
    page = client.get(people_url(plan)).content.decode()
    assert 'data-testid="relationship-map"' in page
    assert page.count('class="map-node"') == 2
    assert 'data-gap="no_champion"' in page
    assert 'data-gap="hostile_uncovered"' in page
    assert page.count('data-testid="stakeholder-row"') == 2
    assert page.count('data-testid="counterpart-row"') == 1
    assert 'data-testid="stakeholder-add"' in page


@pytest.mark.parametrize("who", ["sam", "dana"])
def test_sponsor_and_director_read_it(client, request, plan, who):
    StakeholderFactory(plan=plan)
    client.force_login(request.getfixturevalue(who))
    page = client.get(people_url(plan)).content.decode()
    assert 'data-testid="stakeholder-row"' in page
    assert ('data-testid="stakeholder-add"' in page) == (who == "dana")


def test_another_kam_gets_404_reading_and_writing(client, bob, plan):
    person = StakeholderFactory(plan=plan)
    client.force_login(bob)
    assert client.get(people_url(plan)).status_code == 404
    url = reverse("planning:stakeholder_edit", args=[person.pk])
    assert client.post(url, stakeholder_values(influence="5")).status_code == 404
    assert Stakeholder.objects.get().influence == 3


@pytest.mark.parametrize("who", ["sam", "carl"])
def test_sponsor_and_contributor_may_not_write(client, request, plan, who):
    user = request.getfixturevalue(who)
    pair = CounterpartPairFactory(plan=plan, user=user)  # carl takes part: he sees the plan
    client.force_login(user)
    url = reverse("planning:stakeholder_edit", args=[pair.stakeholder.pk])
    response = client.post(url, stakeholder_values(influence="5"))
    assert response.status_code == 403
    with translation.override("fr"):  # the default language
        reason = permissions.refusal(permissions.may_edit_plan)
    assert reason in html.unescape(response.content.decode())
    remove = reverse("planning:counterpart_remove", args=[pair.pk])
    assert client.post(remove).status_code == 403
    assert CounterpartPair.objects.count() == 1


def test_kam_adds_a_stakeholder_with_htmx_and_gets_the_people_part(client, alice, plan):
    contact = ContactFactory(client=plan.client, last_name="Moreau")
    client.force_login(alice)
    url = reverse("planning:stakeholder_add", args=[plan.pk])
    form = client.get(url, headers=HTMX).content.decode()
    assert 'data-testid="stakeholder-form"' in form
    assert "<html" not in form
    response = client.post(url, stakeholder_values(contact=contact.pk), headers=HTMX)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.startswith('\n    <div id="people"') or '<div id="people"' in page[:200]
    assert "Moreau" in page
    assert Stakeholder.objects.get().contact == contact


def test_another_clients_contact_is_not_offered_nor_accepted(client, alice, plan):
    stranger = ContactFactory(client=ClientFactory(name="Elsewhere"), last_name="Stranger")
    client.force_login(alice)
    url = reverse("planning:stakeholder_add", args=[plan.pk])
    assert "Stranger" not in client.get(url).content.decode()
    response = client.post(url, stakeholder_values(contact=stranger.pk), headers=HTMX)
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#stakeholder-editor"
    assert "errorlist" in response.content.decode()
    assert not Stakeholder.objects.exists()


def test_a_reports_to_loop_comes_back_on_the_form(client, alice, plan):
    top = StakeholderFactory(plan=plan)
    below = StakeholderFactory(plan=plan, reports_to=top)
    client.force_login(alice)
    url = reverse("planning:stakeholder_edit", args=[top.pk])
    response = client.post(url, stakeholder_values(reports_to=below.pk), headers=HTMX)
    assert "créerait une boucle" in html.unescape(response.content.decode())  # French by default
    top.refresh_from_db()
    assert top.reports_to is None


def test_without_htmx_a_write_redirects_and_a_form_is_a_page(client, alice, plan):
    person = StakeholderFactory(plan=plan)
    client.force_login(alice)
    url = reverse("planning:stakeholder_edit", args=[person.pk])
    page = client.get(url).content.decode()
    assert "<html" in page
    assert 'data-testid="stakeholder-form"' in page
    response = client.post(url, stakeholder_values(influence="5"))
    assert response.status_code == 302
    assert response["Location"] == people_url(plan)


def test_kam_adds_a_new_contact_as_stakeholder(client, alice, plan):
    client.force_login(alice)
    url = reverse("planning:stakeholder_contact_add", args=[plan.pk])
    values = stakeholder_values(first_name="Ines", last_name="Moreau", country="es", title="CFO")
    response = client.post(url, values, headers=HTMX)
    assert response.status_code == 200
    person = Stakeholder.objects.get()
    assert (person.contact.client, person.contact.country) == (plan.client, "ES")


def test_removing_someone_who_attended_a_meeting_says_why(client, alice, plan):
    person = StakeholderFactory(plan=plan)
    MeetingFactory(plan=plan).their_participants.add(person)
    client.force_login(alice)
    url = reverse("planning:stakeholder_remove", args=[person.pk])
    page = client.post(url, headers=HTMX).content.decode()
    assert 'data-testid="people-error"' in page
    assert Stakeholder.objects.filter(pk=person.pk).exists()


def test_kam_pairs_edits_and_removes_a_counterpart(client, alice, carl, bob, plan):
    person = StakeholderFactory(plan=plan)
    cadence = CadenceFactory(plan=plan)
    client.force_login(alice)
    url = reverse("planning:counterpart_add", args=[plan.pk])
    form = client.get(url, headers=HTMX).content.decode()
    assert str(carl) in form
    assert str(bob) not in form  # another KAM is not offered
    values = {"user": carl.pk, "stakeholder": person.pk, "level": "management",
              "cadence": cadence.pk}  # fmt: skip
    page = client.post(url, values, headers=HTMX).content.decode()
    assert 'data-testid="counterpart-row"' in page
    pair = CounterpartPair.objects.get()
    edit = reverse("planning:counterpart_edit", args=[pair.pk])
    client.post(edit, {**values, "level": "executive", "cadence": ""}, headers=HTMX)
    pair.refresh_from_db()
    assert (pair.level, pair.cadence) == ("executive", None)
    client.post(reverse("planning:counterpart_remove", args=[pair.pk]), headers=HTMX)
    assert not CounterpartPair.objects.exists()


def test_a_pair_not_met_within_its_cadence_is_flagged(client, alice, plan):
    cadence = CadenceFactory(plan=plan, every=1, starts_on=dt.date(2020, 1, 1))
    CounterpartPairFactory(plan=plan, cadence=cadence)
    client.force_login(alice)
    page = client.get(people_url(plan)).content.decode()
    assert 'data-testid="pair-overdue"' in page
    assert 'data-gap="pair_overdue"' in page


def test_the_people_page_query_count_does_not_grow(client, alice, django_assert_max_num_queries):
    small, large = big_plan(2, 3, 2), big_plan(100, 300, 200)
    counts = []
    client.force_login(alice)
    for plan in (small, large):
        plan.client.kam = alice
        plan.client.save()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(people_url(plan))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(8):  # session, user, plan, stakeholders, pairs
        client.get(people_url(large))
    page = response.content.decode()
    assert page.count('class="map-node"') == 100
    assert page.count('data-testid="counterpart-row"') == 300


def _people_page(client, plan):
    return client.get(people_url(plan)).content.decode()


def test_the_people_part_comes_from_the_cache_with_each_requests_csrf_token(client, alice, plan):
    cache.clear()
    StakeholderFactory(plan=plan, contact=ContactFactory(client=plan.client, first_name="Ines"))
    client.force_login(alice)
    first = _people_page(client, plan)
    with mock.patch.object(people_views, "render_to_string", side_effect=AssertionError):
        again = _people_page(client, plan)  # from the cache: not rendered
    assert "Ines" in again
    assert CSRF_MARK not in again
    assert re.search(r'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"', again)
    token = re.compile(r"[A-Za-z0-9]{64}")  # each request's own masked CSRF token
    assert token.sub("", again) == token.sub("", first)


def _rename_contact(plan, person, pair, meeting, user):
    type(person.contact).objects.filter(pk=person.contact_id).update(first_name="Zoé")
    return "Zoé"


def _user_department(plan, person, pair, meeting, user):
    type(user).objects.filter(pk=user.pk).update(department="finance")
    return "Finance"


def _meeting_held(plan, person, pair, meeting, user):
    meeting.their_participants.add(person)
    return formats.date_format(meeting.date, "SHORT_DATE_FORMAT")


def _cadence_renamed(plan, person, pair, meeting, user):
    type(pair.cadence).objects.filter(pk=pair.cadence_id).update(name="Quarterly review")
    return "Quarterly review"


def _attitude(plan, person, pair, meeting, user):
    Stakeholder.objects.filter(pk=person.pk).update(attitude="hostile")
    return "attitude-hostile"


def _pair_removed(plan, person, pair, meeting, user):
    CounterpartPair.objects.filter(pk=pair.pk).delete()
    return 'data-gap="influential_uncovered"'


PEOPLE_WRITES = {
    "a contact renamed": _rename_contact,
    "our person's department": _user_department,
    "a meeting where the pair met": _meeting_held,
    "a cadence renamed": _cadence_renamed,
    "an attitude changed": _attitude,
    "a pair removed": _pair_removed,
}


@pytest.mark.parametrize("write", list(PEOPLE_WRITES))
def test_the_cached_people_part_shows_a_write_on_the_next_page_load(client, alice, plan, write):
    """However the rows changed (here behind the services' back), the next page load shows it."""
    cache.clear()
    ines = ContactFactory(client=plan.client, first_name="Ines")
    person = StakeholderFactory(plan=plan, attitude="supportive", influence=5, contact=ines)
    user = UserFactory(role="contributor", department="logistics")
    cadence = CadenceFactory(plan=plan, name="Plant visit", every=12, starts_on=dt.date(2026, 1, 1))
    pair = CounterpartPairFactory(plan=plan, stakeholder=person, user=user, cadence=cadence)
    meeting = MeetingFactory(plan=plan, date=dt.date(2026, 3, 2))
    meeting.our_participants.add(user)
    client.force_login(alice)
    first = _people_page(client, plan)
    with mock.patch.object(people_views, "render_to_string", side_effect=AssertionError):
        assert "Ines" in _people_page(client, plan)  # cached
    shown = PEOPLE_WRITES[write](plan, person, pair, meeting, user)
    assert shown not in first
    assert shown in _people_page(client, plan)
