"""planning/demo.py: the demo's four key accounts each get a living plan, through the services."""

import datetime as dt

import pytest

from accounts import demo as accounts_demo
from planning import demo
from planning.models import Action, Kpi, Meeting, Plan, ReviewComment
from planning.selectors import cadences, health
from planning.selectors.versions import snapshot_diff
from scoring import demo as scoring_demo

TODAY = dt.date(2026, 12, 4)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo seeded once for the module (1,500 ledger lines), rolled back at its end."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            accounts = accounts_demo.seed_demo(lines=1_500)
            scoring_demo.seed_demo(accounts=accounts)
            summary = demo.seed_demo(accounts=accounts, today=TODAY)
            yield accounts, summary
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def plans():
    return list(Plan.objects.select_related("client", "client__kam", "programme").order_by("pk"))


def test_each_key_account_of_the_shortlist_gets_a_plan_held_by_its_kam(seeded, db):
    _, summary = seeded
    found = plans()
    assert len(found) == 4
    assert {plan.programme.year for plan in found} == {scoring_demo.PROGRAMME_YEAR}
    assert all(plan.owner == plan.client.kam for plan in found)
    assert {plan.owner.username for plan in found} == {"kam", "kam2"}
    assert "plans opened:" in summary


def test_every_plan_has_every_section_and_a_margin_kpi(seeded, db):
    for item in health.plan_health_list(plans(), today=TODAY):
        assert all(item.sections.values()), item.sections
        assert item.has_margin_kpi
        actions = Action.objects.filter(objective__plan=item.plan)
        assert item.plan.objectives.count() + actions.count() >= 12
        assert {action.department for action in actions} >= {"logistics", "marketing", "sales"}
        assert Kpi.objects.filter(objective__plan=item.plan).exclude(measure="manual").exists()


def test_stakeholders_span_countries_and_the_map_has_gaps_to_show(seeded, db):
    for plan in plans():
        people = list(plan.stakeholders.select_related("contact"))
        assert len(people) >= 10
        assert len({person.contact.country for person in people}) >= 2
        assert sum(person.reports_to_id is None for person in people) == 1  # one org chart
        assert plan.counterparts.count() >= 6
    healths = health.plan_health_list(plans(), today=TODAY)
    assert any(gap.code == "hostile_uncovered" for item in healths for gap in item.gaps)


def test_a_year_of_meetings_with_some_overdue(seeded, db):
    found = plans()
    for plan in found:
        held = Meeting.objects.filter(plan=plan)
        assert plan.cadences.count() == 3
        assert held.count() >= 10
        assert min(held.values_list("date", flat=True)) <= TODAY - dt.timedelta(days=300)
        assert max(held.values_list("date", flat=True)) <= TODAY
    overdue = cadences.overdue_meeting_count(found, TODAY)
    assert sum(overdue.values()) >= len(found)  # the peer exchange's last one was missed
    assert Action.objects.filter(decision__isnull=False).count() == len(found)


def test_seeding_again_changes_nothing(seeded, db):
    accounts, _ = seeded
    before = (Plan.objects.count(), Meeting.objects.count(), Action.objects.count())
    assert "none (already there)" in demo.seed_demo(accounts=accounts, today=TODAY)
    assert (Plan.objects.count(), Meeting.objects.count(), Action.objects.count()) == before


def test_the_plans_have_an_approval_history_to_show(seeded, db):
    found = {plan.status: plan for plan in plans()}
    assert set(found) == {"draft", "returned", "submitted"}
    edited = next(plan for plan in plans() if plan.versions.exists())
    assert edited.status == "draft"  # approved twice, changed since
    assert list(edited.versions.values_list("number", flat=True)) == [2, 1]
    first, second = edited.versions.order_by("number")
    changes = {section.key for section in snapshot_diff(first.snapshot, second.snapshot)}
    assert changes == {"kpis", "actions"}
    comments = ReviewComment.objects.filter(submission__plan=found["returned"])
    assert comments.count() == 3
    assert comments.filter(resolved_at__isnull=False).count() == 1


def test_the_demo_shows_sponsorship_and_good_practices(seeded, db):
    from planning.models import (
        AdvisoryMeeting,
        AdvisoryMember,
        Practice,
        PracticeReuse,
        Recognition,
        SponsorAsk,
        YearEndNegotiation,
    )
    from planning.selectors import practices, sponsorship

    accounts, summary = seeded
    sponsor = accounts.users["sponsor"]
    sponsored = [plan for plan in plans() if plan.client.sponsor_id == sponsor.pk]
    assert sponsored  # the sponsor sponsors some of the key accounts
    asks = SponsorAsk.objects.filter(plan__in=sponsored)
    assert asks.count() == 3 * len(sponsored)
    assert asks.filter(status="done").exclude(answer="").exists()  # some answered
    home = sponsorship.sponsorship_home(user=sponsor, today=TODAY)
    assert home.asked_of_me  # and some still wait for them
    assert {ask.plan.client.sponsor_id for ask in home.asked_of_me} == {sponsor.pk}
    assert YearEndNegotiation.objects.filter(status="held").count() == 4
    assert YearEndNegotiation.objects.filter(margin_impact__lt=0).exists()
    assert AdvisoryMember.objects.count() == 4
    assert AdvisoryMeeting.objects.count() == 2
    assert Recognition.objects.filter(team="").count() == 4
    assert Practice.objects.count() == 15
    assert PracticeReuse.objects.count() >= 4
    french = practices.practice_search(user=sponsor, text="negociation")
    english = practices.practice_search(user=sponsor, text="pricing")
    assert french.exists()
    assert english.exists()
    assert "good practices" in summary
