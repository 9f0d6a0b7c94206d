"""A plan's approval in headless Chromium, a KAM and a director each in their own browser: the
KAM submits, the director returns the plan with a comment on its vision, the KAM rewrites the
vision, marks the comment resolved and submits again, the director approves (version 1); the KAM
sharpens the vision, the director approves again (version 2), and the diff of the two versions
shows the vision's old and new text. Screenshots in ``test-artifacts/approval``."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from accounts.models import User
from planning.models import Plan, PlanVersion
from tests.factories import ClientFactory, UserFactory
from tests.planning.factories import KpiFactory, ObjectiveFactory, PlanFactory
from tests.test_journeys import SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("KAM_APPROVAL_SHOTS", SCREENSHOTS / "approval"))


@pytest.fixture
def plan():
    alice = UserFactory(
        username="alice", first_name="Alice", last_name="Martin", role=User.Role.KAM
    )
    dana = UserFactory(username="dana", first_name="Dana", last_name="Durand",
                       role=User.Role.DIRECTOR)  # fmt: skip
    plan = PlanFactory(client=ClientFactory(name="Acme Packaging", kam=alice), created_by=dana,
                       shared_vision="Co-develop a recyclable film.")  # fmt: skip
    objective = ObjectiveFactory(plan=plan, title="Grow the margin")
    KpiFactory(objective=objective, name="Gross margin", is_margin=True)
    return plan


def person(browser: Browser, base_url: str, username: str) -> Page:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_cookies([{"name": "django_language", "value": "en", "url": base_url}])
    page = context.new_page()
    log_in(page, base_url, username)
    return page


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def rewrite_vision(page: Page, text: str) -> None:
    page.get_by_test_id("vision-edit").click()
    # htmx focuses the form's first field once it has settled: a fill before that would type
    # into whichever field takes the focus
    expect(page.locator("textarea[name=customer_business]")).to_be_focused()
    page.locator("textarea[name=shared_vision]").fill(text)
    page.get_by_test_id("plan-form-save").click()
    expect(page.get_by_test_id("plan-form")).to_have_count(0, timeout=15_000)  # a busy machine
    expect(page.get_by_test_id("vision-shared")).to_have_text(text, timeout=15_000)


def submit(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_test_id("plan-submit").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Submitted")


def approve(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_test_id("plan-approve").click()
    expect(page.get_by_test_id("plan-status")).to_have_text("Approved")


def test_submit_return_fix_resubmit_approve_twice_and_compare(live_server, browser, plan):
    url = f"{live_server.url}/plans/{plan.pk}/"
    kam, director = (
        person(browser, live_server.url, "alice"),
        person(browser, live_server.url, "dana"),
    )

    submit(kam, url)
    expect(kam.get_by_test_id("vision-edit")).to_have_count(0)  # frozen while reviewed
    shot(kam, "1-submitted-kam")

    director.goto(url)
    director.locator(".plan-review-return summary").click()
    form = director.get_by_test_id("plan-return-form")
    form.locator("select[name=about_1]").select_option("section:vision")
    form.locator("textarea[name=text_1]").fill("Say what they expect of us in three years.")
    shot(director, "2-return-form-director")
    form.get_by_test_id("plan-return-send").click()
    expect(director.get_by_test_id("plan-status")).to_have_text("Returned")

    kam.goto(url)
    comment = kam.get_by_test_id("review-comment")
    expect(comment).to_contain_text("Shared vision")
    expect(comment).to_contain_text("Say what they expect of us in three years.")
    shot(kam, "3-returned-kam")
    rewrite_vision(kam, "A recyclable film in 2027, then a shared packaging lab by 2029.")
    kam.get_by_test_id("review-comment-resolve").click()
    expect(kam.get_by_test_id("review-comment")).to_contain_text("Resolved")
    kam.get_by_test_id("plan-submit").click()
    expect(kam.get_by_test_id("plan-status")).to_have_text("Submitted")
    expect(kam.get_by_test_id("review-comment")).to_have_count(0)  # closed by the resubmission

    approve(director, url)
    shot(director, "4-approved-v1-director")

    kam.goto(url)
    expect(kam.get_by_test_id("plan-review-state")).to_contain_text("Version 1 approved")
    rewrite_vision(kam, "A recyclable film in 2027, then a shared packaging lab by 2028.")
    kam.reload()
    expect(kam.get_by_test_id("plan-status")).to_have_text("Draft")  # the next draft
    submit(kam, url)
    approve(director, url)
    assert list(PlanVersion.objects.values_list("number", flat=True)) == [2, 1]
    assert Plan.objects.get(pk=plan.pk).status == Plan.Status.APPROVED

    kam.goto(url)
    kam.get_by_test_id("plan-versions-link").click()
    expect(kam.get_by_test_id("plan-version-row")).to_have_count(2)
    pickers = kam.get_by_test_id("diff-pickers")
    pickers.locator("select[name=old]").select_option("1")
    pickers.locator("select[name=new]").select_option("2")
    pickers.get_by_test_id("diff-compare").click()
    change = kam.get_by_test_id("diff-section-vision").get_by_test_id("diff-change")
    expect(change.locator("del")).to_have_text(
        "A recyclable film in 2027, then a shared packaging lab by 2029."
    )
    expect(change.locator("ins")).to_have_text(
        "A recyclable film in 2027, then a shared packaging lab by 2028."
    )
    expect(kam.get_by_test_id("diff-section-objectives")).to_have_count(0)
    shot(kam, "5-diff-v1-v2-kam")
    scroll, inner = kam.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll <= inner


def test_the_first_inline_edit_of_an_approved_plan_shows_draft_without_a_reload(
    live_server, browser, plan
):
    from planning.services import approval

    alice, dana = User.objects.get(username="alice"), User.objects.get(username="dana")
    approval.plan_submit(user=alice, plan=plan)
    approval.plan_approve(user=dana, plan=plan)
    objective = plan.objectives.get()
    kam = person(browser, live_server.url, "alice")
    kam.goto(f"{live_server.url}/plans/{plan.pk}/")
    expect(kam.get_by_test_id("plan-status")).to_have_text("Approved")
    expect(kam.get_by_test_id("plan-submit")).to_have_count(0)  # nothing new to submit
    kam.evaluate("window.kamNoReload = true")  # gone if the page reloads

    kam.locator(f"#objective-{objective.pk}").get_by_role("link", name="Edit").first.click()
    form = kam.locator(f"#objective-{objective.pk}-form")
    expect(form).to_be_visible()
    expect(form.locator("[name=title]")).to_be_focused()  # htmx settled: the first typed field
    form.locator("[name=title]").fill("Grow the margin by 2 points")
    form.get_by_test_id("plan-form-save").click()
    expect(kam.locator(f"#objective-{objective.pk}")).to_contain_text(
        "Grow the margin by 2 points", timeout=15_000
    )
    expect(kam.get_by_test_id("plan-status")).to_have_text("Draft", timeout=15_000)
    expect(kam.get_by_test_id("plan-review-state")).to_contain_text("Draft changed since version 1")
    expect(kam.get_by_test_id("plan-submit")).to_be_visible()  # the card came with the badge
    assert kam.evaluate("window.kamNoReload") is True
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT
    shot(kam, "approved-then-edited")
    kam.context.close()
