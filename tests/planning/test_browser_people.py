"""The People tab in headless Chromium: the relationship map shows, nothing is wider than the
window at 390 px, in French and English; the pages are photographed (``SHOTS``) to be looked at.
And a stakeholder is added inline, with htmx, without leaving the page."""

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from accounts.models import Department, User
from planning.models import Stakeholder
from tests.factories import ClientFactory, ContactFactory, UserFactory
from tests.planning.factories import (
    CadenceFactory,
    CounterpartPairFactory,
    MeetingFactory,
    PlanFactory,
    StakeholderFactory,
)
from tests.test_journeys import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("KAM_PEOPLE_SHOTS", SCREENSHOTS / "people"))

PEOPLE = [
    # first, last, title, country, role, attitude, influence, level, manager index
    ("Marie-Christine", "Vandenberghe-Lefèvre", "Directrice générale", "FR", "decision_maker",
     "supportive", 5, "executive", None),
    ("Klaus", "Oberhausen", "Chief Procurement Officer", "DE", "executive_sponsor", "neutral",
     5, "executive", 0),
    ("Giulia", "Bianchi", "Head of Supply Chain Europe", "IT", "champion", "advocate", 4,
     "management", 0),
    ("Pedro", "Álvarez", "Director of Operations", "ES", "anti_sponsor", "hostile", 4,
     "management", 1),
    ("Anna", "Kowalska", "Category Manager Packaging", "PL", "influencer", "sceptical", 3,
     "management", 1),
    ("Jan", "de Vries", "Plant manager Rotterdam", "NL", "user", "neutral", 2, "operational", 2),
    ("Sofia", "Lindqvist", "Quality engineer", "SE", "coach", "supportive", 2, "operational", 2),
    ("Tomás", "Novák", "Buyer", "CZ", "user", "neutral", 1, "operational", 4),
]  # fmt: skip


@pytest.fixture
def people_plan():
    alice = UserFactory(username="alice", first_name="Alice", last_name="Martin-Desrosiers",
                        role=User.Role.KAM)  # fmt: skip
    company = ClientFactory(name="Compagnie Internationale des Équipements Industriels", kam=alice)
    plan = PlanFactory(client=company, owner=alice)
    persons: list[Stakeholder] = []
    for first, last, title, country, role, attitude, influence, level, manager in PEOPLE:
        contact = ContactFactory(client=company, first_name=first, last_name=last, title=title,
                                 country=country)  # fmt: skip
        persons.append(StakeholderFactory(
            plan=plan, contact=contact, buying_role=role, attitude=attitude, influence=influence,
            level=level, reports_to=persons[manager] if manager is not None else None,
            note="Prefers short meetings in the morning." if influence == 5 else "",
        ))  # fmt: skip
    ours = [
        alice,
        UserFactory(first_name="Hélène", last_name="Durand", role=User.Role.DIRECTOR,
                    department=Department.MANAGEMENT),
        UserFactory(first_name="Luis", last_name="Ferreira", role=User.Role.CONTRIBUTOR,
                    department=Department.LOGISTICS),
    ]  # fmt: skip
    review = CadenceFactory(plan=plan, name="Revue stratégique trimestrielle", every=3,
                            starts_on=dt.date(2026, 1, 15), level="executive")  # fmt: skip
    peer = CadenceFactory(plan=plan, name="Logistics peer-to-peer", every=1, level="operational",
                          kind="peer_to_peer", starts_on=dt.date(2026, 1, 10))  # fmt: skip
    CounterpartPairFactory(plan=plan, user=ours[1], stakeholder=persons[0], level="executive",
                           cadence=review)  # fmt: skip
    CounterpartPairFactory(plan=plan, user=alice, stakeholder=persons[1], level="executive",
                           cadence=review)  # fmt: skip
    CounterpartPairFactory(plan=plan, user=ours[2], stakeholder=persons[5], level="operational",
                           cadence=peer)  # fmt: skip
    meeting = MeetingFactory(plan=plan, date=dt.date(2026, 10, 2), level="executive")
    meeting.our_participants.add(ours[1], alice)
    meeting.their_participants.add(persons[0], persons[1])
    return plan


def open_people(browser: Browser, base_url: str, plan, *, width: int, language: str):
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page = context.new_page()
    log_in(page, base_url, "alice")
    page.goto(f"{base_url}/plans/{plan.pk}/people/")
    page.wait_for_load_state("networkidle")
    return context, page


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("width", [1366, 390])
def test_the_people_tab_shows_the_map_and_fits_the_window(
    live_server, browser, people_plan, language, width
):
    context, page = open_people(browser, live_server.url, people_plan, width=width,
                                language=language)  # fmt: skip
    figure = page.get_by_test_id("relationship-map")
    expect(figure).to_be_visible()
    assert figure.locator("g.map-node").count() == len(PEOPLE)
    box = figure.bounding_box()
    assert box is not None
    assert box["height"] > 100
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"people-{language}-{width}.png", full_page=True)
    assert scroll <= inner, f"{scroll} px wide in a {inner} px window"
    context.close()


def test_a_stakeholder_is_added_inline(live_server, browser, people_plan):
    ContactFactory(client=people_plan.client, first_name="Nadia", last_name="Haddad")
    context, page = open_people(browser, live_server.url, people_plan, width=1366,
                                language="en")  # fmt: skip
    page.get_by_test_id("stakeholder-add").click()
    form = page.get_by_test_id("stakeholder-form")
    expect(form).to_be_visible()
    form.get_by_label("Contact").select_option(label="Nadia Haddad")
    form.get_by_label("Buying role").select_option("champion")
    form.get_by_label("Reports to").select_option(
        label="Giulia Bianchi · Head of Supply Chain Europe"
    )
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "people-en-1366-form.png", full_page=True)
    form.get_by_test_id("stakeholder-save").click()
    expect(page.get_by_test_id("stakeholder-form")).to_have_count(0)
    expect(page.get_by_test_id("relationship-map").locator("g.map-node")).to_have_count(
        len(PEOPLE) + 1
    )
    assert "/people/" in page.url
    assert Stakeholder.objects.filter(contact__last_name="Haddad").exists()
    context.close()


@pytest.mark.parametrize("width", [1366, 390])
def test_a_hundred_people_fit_the_window(live_server, browser, width):
    from tests.planning.test_selectors_people import big_plan

    alice = UserFactory(username="alice", role=User.Role.KAM)
    plan = big_plan(100, 300, 200)
    plan.client.kam = alice
    plan.client.save()
    context, page = open_people(browser, live_server.url, plan, width=width, language="fr")
    expect(page.get_by_test_id("relationship-map").locator("g.map-node")).to_have_count(100)
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.get_by_test_id("relationship-map").screenshot(path=SHOTS / f"people-100-{width}-map.png")
    assert scroll <= inner, f"{scroll} px wide in a {inner} px window"
    context.close()
