import threading
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from accounts.models import User
from scoring import ranking
from scoring.models import (
    ClientScore,
    Criterion,
    CriterionScore,
    Override,
    Rating,
    ScoringRun,
    WeightSet,
)
from scoring.selectors import runs as run_selectors
from scoring.services import overrides, ratings, runs
from scoring.services import weights as weight_services
from tests.factories import ClientFactory, ClientYearMetricFactory
from tests.scoring.factories import CriterionFactory, scoring_reset

pytestmark = pytest.mark.django_db


@pytest.fixture
def trio(criteria, alice):
    """Three clients of alice with ledger history, and a prospect without any."""
    first = ClientFactory(name="First", kam=alice)
    second = ClientFactory(name="Second", kam=alice)
    third = ClientFactory(name="Third", kam=alice)
    ClientYearMetricFactory(client=first, year=2024, revenue=Decimal(100), avg_days_late=40)
    ClientYearMetricFactory(client=first, year=2025, revenue=Decimal(300), avg_days_late=2)
    ClientYearMetricFactory(client=second, year=2025, revenue=Decimal(200), avg_days_late=20)
    ClientYearMetricFactory(client=third, year=2024, revenue=Decimal(100), avg_days_late=None)
    prospect = ClientFactory(name="Prospect", kam=alice)
    return first, second, third, prospect


def weights_v1() -> dict[str, float]:
    return {"revenue": 75, "late": 25, "fit": 100, "relationship": 100}


FAMILIES = {"financial": 50, "strategic": 30, "maturity": 20}


# --- the example, computed by hand ------------------------------------------------------------


def test_scores_recompute_matches_the_hand_computed_example(trio, alice, criteria):
    first, second, third, prospect = trio
    ratings.rating_set(user=alice, client=first, criterion=criteria["fit"], level=5, note="")
    ratings.rating_set(
        user=alice, client=first, criterion=criteria["fit"], level=3, note="New buyer"
    )
    ratings.rating_set(user=alice, client=second, criterion=criteria["fit"], level=5)
    ratings.rating_set(user=alice, client=second, criterion=criteria["relationship"], level=2)
    ratings.rating_set(user=alice, client=third, criterion=criteria["relationship"], level=4)

    run = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)

    # Effective weights: revenue 50 * 75 % = 37.5, late 50 * 25 % = 12.5, fit 30, relationship 20.
    # Revenue (latest year of each): 300, 200, 100 → percentile 1, 0.5, 0.
    # Days late (lower, thresholds 5 and 15): 2 reaches both → 1; 20 reaches none → 0; missing.
    # Fit: first's latest rating 3 → 2/4 = 0.5; second 5 → 1; third not rated.
    # Relationship: first not rated; second 2 → 1/4; third 4 → 3/4.
    expected = {
        first.pk: (37.5 * 1 + 12.5 * 1, 30 * 0.5, 0.0),
        second.pk: (37.5 * 0.5 + 0.0, 30 * 1, 20 * 0.25),
        third.pk: (0.0 + 0.0, 0.0, 20 * 0.75),
    }
    coverage = {first.pk: 37.5 + 12.5 + 30, second.pk: 100.0, third.pk: 37.5 + 20}
    assert run is not None
    assert run.status == ScoringRun.Status.DONE, run.error
    assert run.client_count == 3
    scores = {score.client_id: score for score in ClientScore.objects.filter(run=run)}
    assert set(scores) == {first.pk, second.pk, third.pk}
    assert prospect.pk not in scores  # no history in the ledger, so not ranked
    for client_id, (financial, strategic, maturity) in expected.items():
        score = scores[client_id]
        assert (score.financial, score.strategic, score.maturity) == pytest.approx(
            (financial, strategic, maturity)
        )
        assert score.total == pytest.approx(financial + strategic + maturity)
        assert score.coverage == pytest.approx(coverage[client_id])
        assert score.stability == 1.0  # three clients are always inside the top 5
    assert [scores[c.pk].rank for c in (first, second, third)] == [1, 2, 3]


def test_scores_recompute_stores_each_criterion_with_its_source(trio, alice, criteria):
    first, _, third, _ = trio
    ratings.rating_set(
        user=alice, client=first, criterion=criteria["fit"], level=3, note="New buyer"
    )
    run = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)

    rows = {
        (row.client_id, row.criterion.code): row
        for row in CriterionScore.objects.filter(run=run).select_related("criterion")
    }
    assert len(rows) == 3 * 4
    revenue = rows[first.pk, "revenue"]
    assert (revenue.raw, revenue.normalised, revenue.weight) == (300, 1, 37.5)
    assert revenue.source_note == "2025 revenue from the ledger"
    assert revenue.points == pytest.approx(revenue.normalised * revenue.weight)
    late = rows[third.pk, "late"]
    assert late.missing
    assert late.raw is None
    assert late.points == 0
    assert late.source_note == "no average days late in 2024 in the ledger"
    fit = rows[first.pk, "fit"]
    assert fit.raw == 3
    assert fit.source_note.startswith(f"rating 3 by {alice} on ")
    assert fit.source_note.endswith(": New buyer")
    assert rows[third.pk, "fit"].source_note == "not rated yet"


def test_scores_recompute_twice_on_the_same_state_makes_one_run(trio):
    first_run = runs.scores_recompute(trigger=ScoringRun.Trigger.IMPORT)
    second_run = runs.scores_recompute(trigger=ScoringRun.Trigger.NIGHTLY)

    assert first_run == second_run
    assert ScoringRun.objects.count() == 1
    assert ClientScore.objects.count() == 3


def test_scores_recompute_runs_again_when_a_rating_changes(trio, dana, criteria):
    first, *_ = trio
    before = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)
    ratings.rating_set(user=dana, client=first, criterion=criteria["fit"], level=2)

    after = runs.scores_recompute(trigger=ScoringRun.Trigger.RATINGS)

    assert after != before
    assert ScoringRun.objects.count() == 2
    assert after is not None
    assert after.trigger == ScoringRun.Trigger.RATINGS


def test_scores_recompute_stores_a_failed_run_when_the_weights_no_longer_add_up(trio, criteria):
    done = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)
    criteria["late"].is_active = False  # the financial weights left now add up to 75
    criteria["late"].save()

    failed = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)

    assert failed is not None
    assert failed != done
    assert failed.status == ScoringRun.Status.FAILED
    assert "sum to 75" in failed.error
    assert not ClientScore.objects.filter(run=failed).exists()
    assert not CriterionScore.objects.filter(run=failed).exists()


def test_scores_recompute_without_active_weights_stores_nothing(db):
    scoring_reset()
    assert runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL) is None
    assert not ScoringRun.objects.exists()


def test_scores_recompute_rejects_an_unknown_trigger(trio):
    with pytest.raises(ValidationError):
        runs.scores_recompute(trigger="whenever")
    assert not ScoringRun.objects.exists()


def test_scores_recompute_ignores_overrides_in_the_totals(trio, dana):
    first, *_ = trio
    before = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)
    overrides.override_set(
        user=dana, client=first, kind=Override.Kind.ADJUST, points=-8, rationale="Churn risk"
    )

    after = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)

    assert after == before  # an override is not an input of the engine


@pytest.mark.django_db(transaction=True)
def test_concurrent_recomputes_make_one_run(criteria, alice):
    for revenue in (100, 200, 300):
        ClientYearMetricFactory(client=ClientFactory(kam=alice), revenue=Decimal(revenue))
    results: list[int | None] = []
    barrier = threading.Barrier(3)

    def recompute() -> None:
        try:
            barrier.wait()
            run = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)
            results.append(None if run is None else run.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=recompute) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(results) == 3
    assert len(set(results)) == 1
    assert ScoringRun.objects.count() == 1


# --- ratings ----------------------------------------------------------------------------------


def test_rating_set_keeps_the_history(trio, alice, criteria):
    first, *_ = trio
    ratings.rating_set(user=alice, client=first, criterion=criteria["fit"], level=2)
    latest = ratings.rating_set(user=alice, client=first, criterion=criteria["fit"], level=4)

    assert list(first.ratings.values_list("level", flat=True)) == [4, 2]
    assert first.ratings.first() == latest
    assert latest.author == alice


def test_rating_set_refuses_a_kam_on_another_kams_client(criteria, alice, bob):
    theirs = ClientFactory(kam=bob)
    with pytest.raises(PermissionDenied, match="key account manager or a director"):
        ratings.rating_set(user=alice, client=theirs, criterion=criteria["fit"], level=4)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("persona", ["sam", "carl"])
def test_rating_set_refuses_sponsors_and_contributors(request, criteria, alice, persona):
    user = request.getfixturevalue(persona)
    company = ClientFactory(kam=alice, sponsor=user if user.role == User.Role.SPONSOR else None)
    with pytest.raises(PermissionDenied, match="key account manager or a director"):
        ratings.rating_set(user=user, client=company, criterion=criteria["fit"], level=4)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("persona", ["dana", "ada"])
def test_rating_set_lets_directors_and_admins_rate_any_client(request, criteria, bob, persona):
    user = request.getfixturevalue(persona)
    company = ClientFactory(kam=bob)
    rating = ratings.rating_set(
        user=user, client=company, criterion=criteria["relationship"], level=5
    )
    assert (rating.client, rating.level, rating.author) == (company, 5, user)


def test_rating_set_refuses_a_financial_criterion(criteria, alice):
    mine = ClientFactory(kam=alice)
    with pytest.raises(ValidationError, match="read from the ledger"):
        ratings.rating_set(user=alice, client=mine, criterion=criteria["revenue"], level=3)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("level", [0, 6, -1])
def test_rating_set_refuses_a_level_outside_1_to_5(criteria, alice, level):
    mine = ClientFactory(kam=alice)
    with pytest.raises(ValidationError, match="1 to 5"):
        ratings.rating_set(user=alice, client=mine, criterion=criteria["fit"], level=level)
    assert not Rating.objects.exists()


def test_rating_set_asks_for_a_recompute_after_commit(
    criteria, alice, django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[dict] = []
    monkeypatch.setattr(
        runs.scores_recompute_task, "apply_async", lambda **options: sent.append(options)
    )
    cache.delete(runs.RECOMPUTE_PENDING_KEY)
    mine = ClientFactory(kam=alice)
    with django_capture_on_commit_callbacks(execute=True):
        for level in (2, 3, 4):  # a burst of ratings
            ratings.rating_set(user=alice, client=mine, criterion=criteria["fit"], level=level)
    cache.delete(runs.RECOMPUTE_PENDING_KEY)

    assert sent == [{"kwargs": {"trigger": "ratings"}, "countdown": runs.RECOMPUTE_DELAY}]


# --- weights ------------------------------------------------------------------------------------


def test_weight_set_update_saves_a_new_active_version(criteria, dana):
    proposed = {"revenue": 60, "late": 40, "fit": 100, "relationship": 100}
    families = {"financial": 40, "strategic": 40, "maturity": 20}

    saved = weight_services.weight_set_update(
        user=dana,
        family_weights=families,
        criterion_weights=proposed,
        reason="More weight on strategy",
        base_version=1,
    )

    old = WeightSet.objects.get(version=1)
    assert (saved.version, saved.is_active, saved.created_by) == (2, True, dana)
    assert saved.reason == "More weight on strategy"
    assert saved.family_weights == families
    assert not old.is_active
    assert {w.criterion.code: w.weight for w in saved.criterion_weights.all()} == proposed
    assert {w.criterion.code: w.weight for w in old.criterion_weights.all()} == weights_v1()


@pytest.mark.parametrize(
    ("families", "weights", "message"),
    [
        ({"financial": 50, "strategic": 30, "maturity": 30}, None, "add up to 110"),
        (None, {"revenue": 70, "late": 25, "fit": 100, "relationship": 100}, "add up to 95"),
        ({"financial": 110, "strategic": -10, "maturity": 0}, None, "cannot be negative"),
        (None, {"revenue": 125, "late": -25, "fit": 100, "relationship": 100}, "negative"),
        (None, {**weights_v1(), "unknown": 0}, "no active criterion unknown"),
        ({"financial": 80, "strategic": 20}, None, "Maturity family a weight"),
    ],
)
def test_weight_set_update_refuses_invalid_weights(criteria, dana, families, weights, message):
    with pytest.raises(ValidationError, match=message):
        weight_services.weight_set_update(
            user=dana,
            family_weights=families or FAMILIES,
            criterion_weights=weights or weights_v1(),
            reason="Try",
            base_version=1,
        )
    assert list(WeightSet.objects.values_list("version", "is_active")) == [(1, True)]


def test_weight_set_update_refuses_a_stale_version(criteria, dana, ada):
    weight_services.weight_set_update(
        user=ada,
        family_weights=FAMILIES,
        criterion_weights=weights_v1(),
        reason="Same weights, new name",
        base_version=1,
        name="Renamed",
    )
    with pytest.raises(
        weight_services.StaleEdit, match=r"changed \(version 2\) since you opened them"
    ):
        weight_services.weight_set_update(
            user=dana,
            family_weights=FAMILIES,
            criterion_weights=weights_v1(),
            reason="Late edit",
            base_version=1,
        )
    assert WeightSet.objects.count() == 2
    assert WeightSet.objects.get(is_active=True).name == "Renamed"


def test_weight_set_update_refuses_kams_and_a_blank_reason(criteria, alice, dana):
    with pytest.raises(PermissionDenied, match="Only directors"):
        weight_services.weight_set_update(
            user=alice,
            family_weights=FAMILIES,
            criterion_weights=weights_v1(),
            reason="Mine",
            base_version=1,
        )
    with pytest.raises(ValidationError, match="Say why"):
        weight_services.weight_set_update(
            user=dana,
            family_weights=FAMILIES,
            criterion_weights=weights_v1(),
            reason="   ",
            base_version=1,
        )
    assert WeightSet.objects.count() == 1


def test_weight_set_update_rescores_with_the_new_weights(trio, dana):
    first, second, _, _ = trio
    before = runs.scores_recompute(trigger=ScoringRun.Trigger.MANUAL)
    weight_services.weight_set_update(
        user=dana,
        family_weights=FAMILIES,
        criterion_weights={"revenue": 0, "late": 100, "fit": 100, "relationship": 100},
        reason="Payment only",
        base_version=1,
    )
    after = runs.scores_recompute(trigger=ScoringRun.Trigger.WEIGHTS)

    assert after != before
    # Only days late counts now, with 50 points: first reaches both thresholds, second none.
    assert ClientScore.objects.get(run=after, client=first).total == pytest.approx(50)
    assert ClientScore.objects.get(run=after, client=second).total == pytest.approx(0)


# --- overrides ----------------------------------------------------------------------------------


def test_override_set_records_a_bounded_adjustment(trio, dana):
    first, *_ = trio
    override = overrides.override_set(
        user=dana,
        client=first,
        kind=Override.Kind.ADJUST,
        points=10,
        rationale="  Strategic partner  ",
    )
    assert (override.points, override.rationale, override.author) == (10, "Strategic partner", dana)
    assert override.is_active


def test_override_set_replaces_the_active_override(trio, dana):
    first, *_ = trio
    old = overrides.override_set(
        user=dana, client=first, kind=Override.Kind.ADJUST, points=3, rationale="One"
    )
    new = overrides.override_set(
        user=dana, client=first, kind=Override.Kind.FORCE_IN, points=0, rationale="Two"
    )
    old.refresh_from_db()
    assert not old.is_active
    assert list(Override.objects.filter(is_active=True)) == [new]


@pytest.mark.parametrize(
    ("kind", "points", "rationale", "message"),
    [
        ("adjust", 10.5, "Too much", "between -10 and \\+10"),
        ("adjust", -11, "Too little", "between -10 and \\+10"),
        ("adjust", 5, "", "rationale"),
        ("adjust", 5, "   ", "rationale"),
        ("force_out", 5, "Leaving", "no points"),
        ("promote", 0, "Unknown kind", "Choose adjust"),
    ],
)
def test_override_set_refuses_bad_input(trio, dana, kind, points, rationale, message):
    first, *_ = trio
    with pytest.raises(ValidationError, match=message):
        overrides.override_set(
            user=dana, client=first, kind=kind, points=points, rationale=rationale
        )
    assert not Override.objects.exists()


def test_override_set_refuses_a_client_without_history(trio, dana):
    *_, prospect = trio
    with pytest.raises(ValidationError, match="without history"):
        overrides.override_set(
            user=dana, client=prospect, kind=Override.Kind.FORCE_IN, rationale="Promising"
        )
    assert not Override.objects.exists()


def test_override_set_refuses_kams(trio, alice):
    first, *_ = trio
    with pytest.raises(PermissionDenied, match="Only directors"):
        overrides.override_set(
            user=alice, client=first, kind=Override.Kind.ADJUST, points=2, rationale="Mine"
        )
    assert not Override.objects.exists()


# --- the default criteria -----------------------------------------------------------------------


def test_default_criteria_and_weights_are_valid(db):
    """The criteria and weights the migrations seed (0002, 0005, named in both languages by
    0010), as a new installation has them: the test database is migrated from scratch."""
    weight_set = WeightSet.objects.get(is_active=True)
    assert weight_set.version == 2
    criteria = list(Criterion.objects.filter(is_active=True))
    assert {criterion.family: 0 for criterion in criteria} == dict.fromkeys(
        ("financial", "strategic", "maturity"), 0
    )
    assert {criterion.source for criterion in criteria if not criterion.is_rated} == {
        "revenue", "volume", "gross_margin", "margin_pct", "growth_pct", "share_pct",
        "avg_days_late", "dispute_rate",
    }  # fmt: skip
    assert sum(criterion.family == "strategic" for criterion in criteria) == 4
    assert sum(criterion.family == "maturity" for criterion in criteria) == 4
    assert not Criterion.objects.filter(code="strategic-fit", is_active=True).exists()
    weights = {w.criterion_id: w.weight for w in weight_set.criterion_weights.all()}
    specs = [
        run_selectors.criterion_spec(criterion, weights[criterion.pk]) for criterion in criteria
    ]
    effective = ranking.effective_weights(specs, weight_set.family_weights)
    assert sum(effective.values()) == pytest.approx(100)
    for criterion in criteria:
        criterion.full_clean()
        assert criterion.name_en
        assert criterion.name_fr
        if criterion.is_rated:
            assert sorted(criterion.rubric_en) == sorted(criterion.rubric_fr) == list("12345")
        else:
            assert criterion.source


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"normalisation": "thresholds", "thresholds": []}, "thresholds", "needs at least one"),
        ({"normalisation": "minmax", "thresholds": [1, 2]}, "thresholds", "takes thresholds"),
        ({"family": "financial", "source": "", "rubric_en": {}}, "source",
         "Choose the ledger figure"),
        ({"family": "strategic", "source": "revenue"}, "source", "reads no ledger figure"),
        ({"family": "financial", "source": "revenue", "normalisation": "minmax", "thresholds": []},
         "rubric_en", "has no rubric"),
        ({"met_threshold": 1.5}, "met_threshold", "0 to 1"),
        ({"thresholds": [3, 2]}, "thresholds", "strictly increasing"),
        ({"thresholds": [1, "two"]}, "thresholds", "list of numbers"),
        ({"rubric_en": {"6": "Beyond the scale"}}, "rubric_en", "levels"),
    ],
)  # fmt: skip
def test_criterion_rules_refuse_inconsistent_criteria_on_the_field_at_fault(
    db, fields, field, message
):
    values = {
        "code": "check",
        "name_en": "Check",
        "family": "strategic",
        "normalisation": "thresholds",
        "thresholds": [2, 3, 4, 5],
        "rubric_en": {"1": "Never"},
        **fields,
    }
    with pytest.raises(ValidationError, match=message) as caught:
        Criterion(**values).full_clean()
    assert list(caught.value.message_dict) == [field]


# --- query counts -----------------------------------------------------------------------------


def test_rating_set_query_count(trio, alice, criteria, django_assert_num_queries):
    first, *_ = trio
    # full_clean() checks each constraint with a query in a savepoint: counts are constant
    with django_assert_num_queries(9):
        ratings.rating_set(user=alice, client=first, criterion=criteria["fit"], level=4)


def test_override_set_query_count(trio, dana, django_assert_num_queries):
    first, *_ = trio
    overrides.override_set(
        user=dana, client=first, kind=Override.Kind.FORCE_IN, rationale="Flagship"
    )  # the next one replaces it
    with django_assert_num_queries(19):
        overrides.override_set(
            user=dana, client=first, kind=Override.Kind.ADJUST, points=2, rationale="Renewal"
        )


@pytest.mark.parametrize("extra", [0, 6])
def test_weight_set_update_query_count_is_flat(criteria, dana, extra, django_assert_num_queries):
    CriterionFactory.create_batch(extra)  # new strategic criteria, left out: they weigh 0
    with django_assert_num_queries(18):  # one insert for all the criterion weights
        weight_services.weight_set_update(
            user=dana,
            family_weights=FAMILIES,
            criterion_weights=weights_v1(),
            reason="Quarterly review",
            base_version=1,
        )
