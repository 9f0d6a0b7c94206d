"""kam/management/commands/seed_demo.py: each app seeds its demo data, and a second run changes
nothing."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.demo import DEMO_USERS
from accounts.models import Client, ClientYearMetric, Contact, LedgerImport, LedgerLine, User
from planning import demo as planning_demo
from planning.models import (
    Action,
    Cadence,
    CounterpartPair,
    InvestmentProject,
    Meeting,
    Objective,
    Plan,
    ProjectYear,
    Stakeholder,
    SteeringDecision,
    SteeringSession,
)
from scoring import demo as scoring_demo
from scoring.models import (
    ClientScore,
    CostToServe,
    Programme,
    Rating,
    ScoringRun,
    ShortlistDecision,
)

pytestmark = pytest.mark.django_db

MODELS = (
    User, Client, Contact, LedgerLine, LedgerImport, ClientYearMetric, Rating, CostToServe,
    Programme, ScoringRun, ClientScore, ShortlistDecision, Plan, Objective, Action, Stakeholder,
    CounterpartPair, Cadence, Meeting, InvestmentProject, ProjectYear, SteeringSession,
    SteeringDecision,
)  # fmt: skip


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_demo_seeds_every_app_and_is_idempotent(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    call_command("seed_demo", lines=1_500, force=True, stdout=io.StringIO())
    first = counts()
    output = io.StringIO()
    call_command("seed_demo", lines=1_500, force=True, stdout=output)

    assert counts() == first
    assert "already imported" in output.getvalue()
    assert "Selection: 0 ratings, 0 costs to serve" in output.getvalue()
    assert "plans opened: none (already there)" in output.getvalue()
    assert (first["User"], first["Client"], first["LedgerImport"]) == (len(DEMO_USERS), 60, 2)
    # the shortlists of the programme year and of its pilot year, the year before
    assert (first["ShortlistDecision"], first["Plan"], first["Cadence"]) == (2, 4, 12)
    assert (first["InvestmentProject"], first["SteeringSession"], first["SteeringDecision"]) == (
        5,
        2,
        3,
    )
    assert "steering committee: already there" in output.getvalue()
    assert first["ScoringRun"] == 1
    ranked = ClientScore.objects.filter(run__status="done").values("client").distinct().count()
    assert ranked == ClientYearMetric.objects.values("client").distinct().count()
    assert Programme.objects.filter(year=scoring_demo.PROGRAMME_YEAR).exists()
    assert Programme.objects.filter(year=planning_demo.PILOT_YEAR).exists()
    assert CostToServe.objects.count() == ranked
    rated = Rating.objects.filter(criterion__is_active=True).values("client").distinct()
    assert rated.count() == ranked
    assert Rating.objects.values("level").distinct().count() >= 4  # not all alike
    # each rating is written by the client's KAM, or by the director where it has none
    for rating in Rating.objects.select_related("client", "author"):
        expected = rating.client.kam.username if rating.client.kam else "director"
        assert rating.author.username == expected


def test_seed_demo_refuses_production_mode_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=true"):
        call_command("seed_demo", lines=100, stdout=io.StringIO())
    assert not User.objects.exists()
