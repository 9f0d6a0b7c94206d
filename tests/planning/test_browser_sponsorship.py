"""Browser journeys of executive sponsorship and good practices, in headless Chromium against the
live server: a sponsor's home page shows only the accounts they sponsor and what their KAMs ask
of them, and they answer an ask, which the KAM then reads on the plan; another sponsor gets a 404
for that ask; a KAM finds a French practice with an unaccented English-keyboard query and records
that their plan reuses it."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, expect

from accounts.models import User
from planning.models import SponsorAsk
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import (
    PlanFactory,
    PracticeFactory,
    SponsorAskFactory,
    make_key_account,
)
from tests.test_journeys import log_in, snap

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def programme():
    """Sam sponsors Alice's account; Sue sponsors Bob's. Each KAM asked something of their
    sponsor."""
    dana = UserFactory(username="dana", first_name="Dana", role=User.Role.DIRECTOR)
    alice = UserFactory(username="alice", first_name="Alice")
    bob = UserFactory(username="bob", first_name="Bob")
    sam = UserFactory(username="sam", first_name="Sam", role=User.Role.SPONSOR)
    sue = UserFactory(username="sue", first_name="Sue", role=User.Role.SPONSOR)
    today = timezone.localdate()
    plans, asks = {}, {}
    for kam, sponsor, name in ((alice, sam, "Initech Emballages"), (bob, sue, "Globex")):
        company = ClientFactory(name=name, kam=kam, sponsor=sponsor)
        make_key_account(company, year=today.year, by=dana)
        plans[kam.username] = plan = PlanFactory(
            client=company,
            created_by=dana,
            period_start=dt.date(today.year, 1, 1),
            period_end=dt.date(today.year, 12, 31),
        )
        asks[kam.username] = SponsorAskFactory(
            plan=plan,
            created_by=kam,
            request=f"Call the CEO of {name} before the tender",
            due_on=today,
        )
    return {"plans": plans, "asks": asks}


def test_a_sponsor_sees_only_their_accounts_and_answers_an_ask(
    live_server, browser: Browser, programme
):
    base = live_server.url
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page = context.new_page()
    log_in(page, base, "sam")
    expect(page.get_by_test_id("home-plan-row")).to_have_count(1)
    expect(page.get_by_test_id("home-plans")).to_contain_text("Initech Emballages")
    expect(page.get_by_test_id("home-plans")).not_to_contain_text("Globex")
    asks = page.get_by_test_id("home-sponsor-ask")
    expect(asks).to_have_count(1)
    expect(asks).to_contain_text("Call the CEO of Initech Emballages before the tender")
    snap(page, "sponsorship-sponsor-home")
    asks.get_by_test_id("home-ask-answer").click()
    page.get_by_label("Your answer").fill("Called him on Monday: recyclability weighs 30 %.")
    page.get_by_test_id("plan-form-save").click()
    expect(page).to_have_url(f"{base}/")  # back on the home page
    expect(page.get_by_test_id("home-sponsor-asks")).to_contain_text(
        "Nothing is asked of you for now."
    )
    ask = SponsorAsk.objects.get(pk=programme["asks"]["alice"].pk)
    assert ask.status == SponsorAsk.Status.DONE
    assert ask.answered_by is not None
    assert ask.answered_by.username == "sam"
    # Bob's ask is not Sam's to see, by page or API
    theirs = programme["asks"]["bob"]
    response = page.goto(f"{base}/plans/asks/{theirs.pk}/answer/")
    assert response is not None
    assert response.status == 404
    api = page.request.post(
        f"{base}/api/planning/asks/{theirs.pk}/answer/",
        data={"answer": "Not mine"},
        headers={"X-CSRFToken": _csrf(context)},
    )
    assert api.status == 404
    context.close()

    # the KAM reads the answer in the plan's section
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([{"name": "django_language", "value": "fr", "url": base}])
    page = context.new_page()
    log_in(page, base, "alice")
    page.goto(f"{base}/plans/{programme['plans']['alice'].pk}/#plan-asks")
    section = page.get_by_test_id("section-asks")
    expect(section.get_by_test_id("ask-answer")).to_contain_text("recyclability weighs 30 %")
    expect(section.get_by_test_id("ask")).to_contain_text("Terminé")
    snap(page, "sponsorship-plan-asks")
    context.close()


def test_the_kam_asks_in_place_and_the_sponsor_answers_in_the_plan(
    live_server, browser: Browser, programme
):
    base = live_server.url
    plan = programme["plans"]["alice"]
    context = browser.new_context(viewport={"width": 390, "height": 900})
    context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page = context.new_page()
    log_in(page, base, "alice")
    page.goto(f"{base}/plans/{plan.pk}/")
    page.get_by_test_id("ask-add").click()
    page.get_by_label("What you ask of the sponsor").fill("Open their steering committee")
    page.get_by_label("By when").fill(f"{plan.period_end.year + 1}-01-15")
    page.get_by_test_id("plan-form-save").click()
    expect(page.get_by_role("alert")).to_contain_text("within the plan's period")
    page.get_by_label("By when").fill(plan.period_end.isoformat())
    page.get_by_test_id("plan-form-save").click()
    expect(page.get_by_test_id("ask")).to_have_count(2)
    context.close()

    context = browser.new_context(viewport={"width": 390, "height": 900})
    context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page = context.new_page()
    log_in(page, base, "sam")
    page.goto(f"{base}/plans/{plan.pk}/")
    row = page.get_by_test_id("ask").filter(has_text="Open their steering committee")
    row.get_by_test_id("ask-answer-open").click()
    page.get_by_label("Your answer").fill("Booked for March.")
    page.get_by_test_id("plan-form-save").click()
    expect(page.get_by_test_id("section-asks")).to_contain_text("Booked for March.")
    scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner
    context.close()


def test_a_kam_finds_a_french_practice_and_reuses_it(live_server, browser: Browser, programme):
    base = live_server.url
    bob = User.objects.get(username="bob")
    PracticeFactory(
        author=bob,
        title="Négociation annuelle préparée avec le sponsor",
        context="Le client annonçait une baisse de prix.",
        what_worked="Le sponsor ouvre la négociation avec les chiffres de valeur créée.",
        tags=["négociation"],
    )
    for n in range(3):
        PracticeFactory(author=bob, title=f"Line audit {n}", what_worked="Audit of their lines.")
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page = context.new_page()
    log_in(page, base, "alice")
    page.get_by_test_id("nav-practices").click()
    expect(page.get_by_test_id("practice")).to_have_count(4)
    page.get_by_test_id("practice-search").fill("negociation")  # typed without its accent
    results = page.get_by_test_id("practice")
    expect(results).to_have_count(1)
    expect(results.locator("mark").first).to_have_text("Négociation")
    snap(page, "sponsorship-practice-search")
    plan = programme["plans"]["alice"]
    page.goto(f"{base}/plans/{plan.pk}/")
    page.get_by_test_id("practice-reuse-add").click()
    page.locator("#practice-reuse-form select[name=practice]").select_option(
        label="Négociation annuelle préparée avec le sponsor"
    )
    page.get_by_label("How we reuse it").fill("For the Lyon tender")
    page.get_by_test_id("plan-form-save").click()
    reuse = page.get_by_test_id("practice-reuse")
    expect(reuse).to_contain_text("Négociation annuelle préparée avec le sponsor")
    reuse.get_by_role("link").click()
    expect(page.get_by_test_id("practice-reuses")).to_contain_text("Initech Emballages")
    context.close()


def _csrf(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
