"""Two people edit the same objective in two browsers (headless Chromium): the KAM opens the
form, the director saves a change meanwhile; the KAM's save is refused with the director's
change shown next to theirs, their input still in the form; saving again applies it."""

import pytest
from playwright.sync_api import Browser, expect

from planning.models import Objective
from tests.factories import ClientFactory
from tests.planning.factories import ObjectiveFactory, PlanFactory
from tests.test_journeys import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_plan(browser: Browser, base_url: str, username: str, plan, language: str = "en"):
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([{"name": "django_language", "value": language, "url": base_url}])
    page = context.new_page()
    log_in(page, base_url, username)
    page.goto(f"{base_url}/plans/{plan.pk}/")
    page.wait_for_load_state("networkidle")
    return context, page


def open_objective_form(page, objective):
    article = page.locator(f"#objective-{objective.pk}")
    article.get_by_role("link", name="Edit").first.click()
    form = page.locator(f"#objective-{objective.pk}-form")
    expect(form).to_be_visible()
    return form


def test_the_second_browser_gets_the_conflict_and_keeps_its_input(
    live_server, browser, alice, dana
):
    plan = PlanFactory(client=ClientFactory(kam=alice), created_by=dana)
    objective = ObjectiveFactory(plan=plan, side="ours", title="Grow margin")
    kam_context, kam = open_plan(browser, live_server.url, "alice", plan)
    director_context, director = open_plan(browser, live_server.url, "dana", plan)

    kam_form = open_objective_form(kam, objective)  # the KAM starts editing first
    director_form = open_objective_form(director, objective)
    director_form.get_by_label("Objective").fill("Grow margin by 2 points")
    director_form.get_by_test_id("plan-form-save").click()
    expect(director.locator(f"#objective-{objective.pk}-form")).to_have_count(0)
    expect(director.locator(f"#objective-{objective.pk}")).to_contain_text(
        "Grow margin by 2 points"
    )

    kam_form.get_by_label("Objective").fill("Grow margin in Poland")
    kam_form.get_by_label("Description").fill("Starting with their two plants near Łódź")
    kam_form.get_by_test_id("plan-form-save").click()
    conflict = kam.get_by_test_id("edit-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Someone else changed this since you opened it")
    expect(conflict.get_by_test_id("edit-conflict-by")).to_contain_text(str(dana))
    row = conflict.get_by_test_id("edit-conflict-row").first
    expect(row.get_by_test_id("edit-conflict-theirs")).to_have_text("Grow margin by 2 points")
    expect(row.get_by_test_id("edit-conflict-yours")).to_have_text("Grow margin in Poland")
    form = kam.locator(f"#objective-{objective.pk}-form")
    expect(form.get_by_label("Objective")).to_have_value("Grow margin in Poland")
    expect(form.get_by_label("Description")).to_have_value(
        "Starting with their two plants near Łódź"
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    kam.screenshot(path=SCREENSHOTS / "concurrency-objective-conflict.png", full_page=True)
    assert Objective.objects.get().title == "Grow margin by 2 points"  # the first save kept

    form.get_by_test_id("plan-form-save").click()  # knowingly, over the director's
    expect(kam.locator(f"#objective-{objective.pk}-form")).to_have_count(0)
    expect(kam.locator(f"#objective-{objective.pk}")).to_contain_text("Grow margin in Poland")
    saved = Objective.objects.get()
    assert (saved.title, saved.description) == (
        "Grow margin in Poland",
        "Starting with their two plants near Łódź",
    )
    kam_context.close()
    director_context.close()
