"""The approval's pages: the buttons and forms of the plan's header for each role, the plan
frozen while reviewed, the director's comments on the plan, the versions and their diff, and
the plans to review on a director's home page."""

import pytest
from django.urls import reverse

from planning.models import Plan, PlanVersion, ReviewComment
from planning.services import approval
from tests.factories import ClientFactory
from tests.planning.factories import KpiFactory, ObjectiveFactory, PlanFactory


@pytest.fixture
def plan(alice, dana):
    plan = PlanFactory(client=ClientFactory(name="Acme", kam=alice), created_by=dana)
    objective = ObjectiveFactory(plan=plan, title="Grow the margin")
    KpiFactory(objective=objective, name="Gross margin", is_margin=True)
    return plan


def page(client, user, plan):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()


def test_the_kam_submits_from_the_plans_header(client, plan, alice):
    html = page(client, alice, plan)
    assert 'data-testid="plan-submit"' in html
    assert 'data-testid="plan-approve"' not in html
    response = client.post(reverse("planning:plan_submit", args=[plan.pk]), follow=True)
    html = response.content.decode()
    assert "The plan is submitted: a director will review it." in html
    assert "awaiting a director" in html
    assert 'data-testid="vision-edit"' not in html  # frozen: no editing tools
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SUBMITTED


def test_submitting_without_a_margin_kpi_says_why(client, plan, alice):
    plan.objectives.get().kpis.update(is_margin=False)
    page(client, alice, plan)
    response = client.post(reverse("planning:plan_submit", args=[plan.pk]), follow=True)
    assert "Add at least one margin or profit KPI" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT


def test_the_director_returns_with_comments_the_kam_reads_them_on_the_plan(
    client, plan, alice, dana
):
    approval.plan_submit(user=alice, plan=plan)
    html = page(client, dana, plan)
    assert 'data-testid="plan-approve"' in html
    assert 'data-testid="plan-return-form"' in html
    objective = plan.objectives.get()

    empty = client.post(reverse("planning:plan_return", args=[plan.pk]), {})
    assert "returning a plan needs at least one comment" in empty.content.decode()
    response = client.post(
        reverse("planning:plan_return", args=[plan.pk]),
        {
            "about_1": f"objective:{objective.pk}",
            "text_1": "Which margin, in points?",
            "about_2": "section:vision",
            "text_2": "Say more about their strategy.",
        },
    )
    assert response.status_code == 302
    assert ReviewComment.objects.count() == 2

    html = page(client, alice, plan)
    assert "Objective: Grow the margin" in html
    assert "Which margin, in points?" in html
    assert "comments: 2 to address" in html
    comment = ReviewComment.objects.get(item_kind="objective")
    client.post(reverse("planning:review_comment_resolve", args=[comment.pk]), {"resolved": "1"})
    html = page(client, alice, plan)
    assert "comments: 1 to address" in html
    assert 'data-testid="plan-submit"' in html  # "submit again"
    assert "Submit again" in html


def test_a_director_approving_their_own_plan_gets_a_403(client, dana):
    plan = PlanFactory(client=ClientFactory(kam=dana), created_by=dana)
    KpiFactory(objective=ObjectiveFactory(plan=plan), is_margin=True)
    approval.plan_submit(user=dana, plan=plan)
    assert 'data-testid="plan-approve"' not in page(client, dana, plan)
    response = client.post(reverse("planning:plan_approve", args=[plan.pk]))
    assert response.status_code == 403
    assert "never a plan of their own" in response.content.decode()
    assert not PlanVersion.objects.exists()


def test_versions_and_their_diff(client, plan, alice, dana):
    approval.plan_submit(user=alice, plan=plan)
    approval.plan_approve(user=dana, plan=plan)
    objective = plan.objectives.get()
    objective.title = "Grow the margin by 2 points"
    objective.save()

    page(client, alice, plan)
    html = client.get(reverse("planning:plan_versions", args=[plan.pk])).content.decode()
    assert html.count('data-testid="plan-version-row"') == 1
    assert 'data-testid="diff-pickers"' in html

    url = reverse("planning:plan_version_diff", args=[plan.pk])
    html = client.get(url, {"old": "1", "new": "draft"}).content.decode()
    assert 'data-testid="diff-section-objectives"' in html
    assert "<del>Grow the margin</del>" in html
    assert "<ins>Grow the margin by 2 points</ins>" in html
    assert client.get(url, {"old": "9"}).status_code == 404


def test_the_directors_home_lists_the_plans_to_review(client, plan, alice, dana):
    client.force_login(dana)
    client.cookies["django_language"] = "en"
    assert 'data-testid="home-review"' not in client.get(reverse("home")).content.decode()
    approval.plan_submit(user=alice, plan=plan)
    html = client.get(reverse("home")).content.decode()
    assert "1 plan to review" in html
    assert html.count('data-testid="home-review-row"') == 1


def test_an_htmx_edit_tells_the_header_the_plans_status(client, plan, alice, dana):
    import json

    from django.test import Client

    approval.plan_submit(user=alice, plan=plan)
    approval.plan_approve(user=dana, plan=plan)
    objective = plan.objectives.first()
    client.force_login(alice)
    header = page(client, alice, plan)
    assert "plan-status[detail.value!='approved'] from:body" in header  # the badge listens
    response = client.post(
        reverse("planning:objective_edit", args=[objective.pk]),
        {"side": objective.side, "title": "Sharper", "description": ""},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert json.loads(response["HX-Trigger"]) == {"plan-status": "draft"}
    part = client.get(
        reverse("planning:plan_detail", args=[plan.pk]),
        {"part": "approval", "review": "1"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert 'data-status="draft"' in part
    assert "plan-status[detail.value!='draft'] from:body" in part
    assert 'id="plan-review"' in part
    assert 'hx-swap-oob="true"' in part  # the approval card follows the badge
    assert 'data-testid="plan-submit"' in part
    other = Client()
    other.force_login(dana)
    badge_only = other.get(
        reverse("planning:plan_detail", args=[plan.pk]), {"part": "approval"},
        HTTP_HX_REQUEST="true",
    ).content.decode()  # fmt: skip
    assert 'id="plan-review"' not in badge_only  # a tab without the card asks for none


def test_comments_on_items_show_beside_them_on_every_tab(client, plan, alice, dana):
    from tests.planning.factories import (
        ActionFactory,
        CadenceFactory,
        CounterpartPairFactory,
        OfferFactory,
        StakeholderFactory,
    )

    objective = plan.objectives.get()
    kpi = objective.kpis.get()
    action = ActionFactory(objective=objective)
    offer = OfferFactory(plan=plan)
    stakeholder = StakeholderFactory(plan=plan)
    pair = CounterpartPairFactory(plan=plan, stakeholder=stakeholder)
    cadence = CadenceFactory(plan=plan)
    items = {
        "objective": objective, "kpi": kpi, "action": action, "offer": offer,
        "stakeholder": stakeholder, "counterpart": pair, "cadence": cadence,
    }  # fmt: skip
    approval.plan_submit(user=alice, plan=plan)
    approval.plan_return(
        user=dana,
        plan=plan,
        comments=[
            {"item_kind": kind, "item_id": row.pk, "text": f"Fix this {kind} please"}
            for kind, row in items.items()
        ],
    )
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    anchors = {  # where each item is written on its tab, up to the end of its element
        "objective": ("plan_detail", f'id="objective-{objective.pk}"', "</article>"),
        "kpi": ("plan_detail", f'id="objective-{objective.pk}"', "</article>"),
        "action": ("plan_detail", f'id="action-{action.pk}"', "</ul>"),
        "offer": ("plan_detail", f'id="offer-{offer.pk}"', "</ul>"),
        "stakeholder": ("plan_people", f'data-stakeholder="{stakeholder.pk}"', "</tr>"),
        "counterpart": ("plan_people", f'data-pair="{pair.pk}"', "</tr>"),
        "cadence": ("plan_meetings", f'data-cadence="{cadence.pk}"', "</ul>"),
    }
    for kind, (name, start, end) in anchors.items():
        html = client.get(reverse(f"planning:{name}", args=[plan.pk])).content.decode()
        beside = html.split(start, 1)[1].split(end, 1)[0]
        assert f"Fix this {kind} please" in beside, kind
        assert f"{dana} asks:" in beside
    approval.plan_submit(user=alice, plan=plan)  # a new submission closes the comments
    html = client.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
    assert 'data-testid="review-note"' not in html
