"""scoring/services/criteria.py, selectors/weights.py and selectors/runs.py: weights what-if,
criteria, change log."""

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError

from scoring.models import (
    ClientScore,
    Criterion,
    CriterionScore,
    CriterionWeight,
    ScoringRun,
    WeightSet,
)
from scoring.selectors import runs as run_selectors
from scoring.selectors import weights as weight_selectors
from scoring.services import criteria as criterion_services
from scoring.services import ratings, runs
from scoring.services import weights as weight_services
from tests.scoring.conftest import recompute

pytestmark = pytest.mark.django_db

FAMILIES = {"financial": 50.0, "strategic": 30.0, "maturity": 20.0}
V1 = {"revenue": 75.0, "late": 25.0, "fit": 100.0, "relationship": 100.0}
RUBRIC = {
    "1": "Never",
    "2": "Rarely",
    "3": "Sometimes",
    "4": "Often",
    "5": "Always",
}


@pytest.fixture
def rated_book(book, criteria, dana):
    """The book, with Theirs (lowest revenue) the best fit and Mine (highest) the worst."""
    mine, also_mine, theirs = book
    for company, level in ((mine, 1), (also_mine, 3), (theirs, 5)):
        ratings.rating_set(user=dana, client=company, criterion=criteria["fit"], level=level)
    return book


def rated_kwargs(**changes):
    kwargs = {
        "code": "loyalty",
        "name_en": "Loyalty",
        "name_fr": "Fidélité",
        "family": Criterion.Family.MATURITY,
        "normalisation": Criterion.Normalisation.THRESHOLDS,
        "thresholds": [2, 3, 4, 5],
        "rubric_en": RUBRIC,
    }
    return {**kwargs, **changes}


def financial_kwargs(**changes):
    kwargs = {
        "code": "volume",
        "name_en": "Volume",
        "family": Criterion.Family.FINANCIAL,
        "normalisation": Criterion.Normalisation.MINMAX,
        "source": Criterion.Source.VOLUME,
    }
    return {**kwargs, **changes}


# --- what-if ------------------------------------------------------------------------------------

STRATEGY_FIRST = {
    "family_weights": {"financial": 10, "strategic": 80, "maturity": 10},
    "criterion_weights": V1,
}


def test_weights_what_if_moves_clients_as_the_saved_weights_would(rated_book, dana):
    mine, also_mine, theirs = rated_book
    recompute()

    moves = run_selectors.weights_what_if(user=dana, **STRATEGY_FIRST)

    # Under v1 revenue decides (Mine, Also mine, Theirs); with strategy first, fit decides.
    assert [move.client for move in moves] == [theirs, also_mine, mine]
    assert [(m.old_rank, m.new_rank, m.move) for m in moves] == [(3, 1, 2), (2, 2, 0), (1, 3, -2)]
    weight_services.weight_set_update(
        user=dana, **STRATEGY_FIRST, reason="Strategy first", base_version=1
    )
    run = recompute()
    stored = {score.client: score for score in ClientScore.objects.filter(run=run)}
    for move in moves:
        assert stored[move.client].rank == move.new_rank
        assert stored[move.client].total == pytest.approx(move.new_total)


def test_weights_what_if_starts_from_the_ranks_of_a_run_under_the_weights_in_force(
    rated_book, dana
):
    run = recompute()
    moves = run_selectors.weights_what_if(user=dana, **STRATEGY_FIRST)
    stored = {score.client: score for score in ClientScore.objects.filter(run=run)}

    assert {move.client: move.old_rank for move in moves} == {
        company: score.rank for company, score in stored.items()
    }
    assert all(stored[m.client].total == pytest.approx(m.old_total) for m in moves)


def test_weights_what_if_writes_nothing(rated_book, dana):
    recompute()
    counts = [
        model.objects.count()
        for model in (WeightSet, CriterionWeight, ScoringRun, ClientScore, CriterionScore)
    ]

    run_selectors.weights_what_if(user=dana, **STRATEGY_FIRST)

    assert [
        model.objects.count()
        for model in (WeightSet, CriterionWeight, ScoringRun, ClientScore, CriterionScore)
    ] == counts
    assert WeightSet.objects.get(is_active=True).version == 1


def test_weights_what_if_shows_a_kam_only_their_clients_with_their_overall_rank(rated_book, bob):
    *_, theirs = rated_book
    moves = run_selectors.weights_what_if(user=bob, **STRATEGY_FIRST)

    assert [(move.client, move.old_rank, move.new_rank) for move in moves] == [(theirs, 3, 1)]


@pytest.mark.parametrize(
    ("families", "weights", "message"),
    [
        ({"financial": 50, "strategic": 30, "maturity": 30}, V1, "family weights add up to 110"),
        (FAMILIES, {**V1, "late": 35}, "Financial criteria add up to 110"),
        (FAMILIES, {**V1, "late": -25, "revenue": 125}, "cannot be negative"),
        (FAMILIES, {**V1, "ghost": 0}, "no active criterion ghost"),
        ({**FAMILIES, "luck": 0}, V1, "no family luck"),
    ],
)
def test_weights_what_if_refuses_weights_a_version_could_not_have(
    rated_book, dana, families, weights, message
):
    with pytest.raises(ValidationError, match=message):
        run_selectors.weights_what_if(user=dana, family_weights=families, criterion_weights=weights)


def test_weights_what_if_needs_weights_in_force(rated_book, dana):
    WeightSet.objects.update(is_active=False)
    with pytest.raises(ValidationError, match="No weights are in force"):
        run_selectors.weights_what_if(user=dana, **STRATEGY_FIRST)


# --- criteria: create ---------------------------------------------------------------------------


def test_criterion_create_adds_an_active_criterion_that_weighs_zero(rated_book, dana):
    before = {score.client_id: score.total for score in ClientScore.objects.filter(run=recompute())}

    criterion = criterion_services.criterion_create(user=dana, **rated_kwargs(name_en="  Loyalty "))

    assert (criterion.name_en, criterion.name_fr) == ("Loyalty", "Fidélité")
    assert (criterion.family, criterion.is_active) == ("maturity", True)
    assert (criterion.rubric_en, criterion.rubric_fr) == (RUBRIC, {})
    in_force = weight_selectors.weights_in_force()
    assert in_force.criterion_weights["loyalty"] == 0
    assert in_force.unweighted == {"loyalty"}
    run = recompute()  # a new run: the criterion shows in the explanations, with no points
    assert run.status == ScoringRun.Status.DONE
    scores = CriterionScore.objects.filter(run=run, criterion=criterion)
    assert scores.count() == 3
    assert all(score.weight == 0 and score.points == 0 for score in scores)
    assert {s.client_id: s.total for s in ClientScore.objects.filter(run=run)} == before


def test_a_family_whose_criteria_have_no_weight_yet_counts_for_nothing(book, criteria, dana):
    weight_services.weight_set_update(
        user=dana,
        family_weights={"financial": 60, "strategic": 40, "maturity": 0},
        criterion_weights=V1,
        reason="Maturity aside",
        base_version=1,
    )
    criterion_services.criterion_update(
        user=dana, criterion=criteria["relationship"], is_active=False
    )
    criterion_services.criterion_create(user=dana, **rated_kwargs(code="loyalty"))
    criterion_services.criterion_create(user=dana, **rated_kwargs(code="trust", name_en="Trust"))
    criterion_services.criterion_create(user=dana, **rated_kwargs(code="care", name_en="Care"))

    in_force = weight_selectors.weights_in_force()
    assert in_force.family_weights["maturity"] == 0
    assert [in_force.criterion_weights[c] for c in ("care", "loyalty", "trust")] == [
        33.33,
        33.33,
        33.34,
    ]
    run = recompute()
    assert run.status == ScoringRun.Status.DONE
    assert not CriterionScore.objects.filter(run=run, criterion__family="maturity", weight__gt=0)


def test_criterion_create_asks_for_a_recompute_after_commit(
    criteria, dana, django_capture_on_commit_callbacks, monkeypatch
):
    sent: list[dict] = []
    monkeypatch.setattr(
        runs.scores_recompute_task, "apply_async", lambda **options: sent.append(options)
    )
    cache.delete(runs.RECOMPUTE_PENDING_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        criterion_services.criterion_create(user=dana, **financial_kwargs())
    cache.delete(runs.RECOMPUTE_PENDING_KEY)

    assert sent == [{"kwargs": {"trigger": "weights"}, "countdown": runs.RECOMPUTE_DELAY}]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (financial_kwargs(source=""), "source", "Choose the ledger figure"),
        (financial_kwargs(rubric_fr=RUBRIC), "rubric_fr", "has no rubric"),
        (rated_kwargs(source="revenue"), "source", "reads no ledger figure"),
        (rated_kwargs(rubric_en={**RUBRIC, "4": " "}), "rubric", "what level 4 means"),
        (rated_kwargs(rubric_en={**RUBRIC, "6": "Beyond"}), "rubric_en", '"1" to "5"'),
        (rated_kwargs(thresholds=[2, 4, 3]), "thresholds", "strictly increasing"),
        (rated_kwargs(thresholds=[2, 2]), "thresholds", "strictly increasing"),
        (rated_kwargs(thresholds=[]), "thresholds", "needs at least one threshold"),
        (financial_kwargs(thresholds=[1, 2]), "thresholds", "Only a criterion scored on thr"),
        (rated_kwargs(met_threshold=1.5), "met_threshold", "is 0 to 1"),
        (rated_kwargs(met_threshold=-0.1), "met_threshold", "is 0 to 1"),
        (rated_kwargs(met_threshold=float("nan")), "met_threshold", "is 0 to 1"),
        (rated_kwargs(code="fit"), "code", "already a criterion with this code"),
        (rated_kwargs(code="not a slug"), "code", "slug"),
        (rated_kwargs(name_en="  ", name_fr=""), "name_en", "Give the criterion a name"),
        (rated_kwargs(family="luck"), "family", "Choose financial"),
        (rated_kwargs(direction="sideways"), "direction", "higher or lower"),
        (rated_kwargs(normalisation="vibes"), "normalisation", "Choose how"),
    ],
)
def test_criterion_create_refuses_bad_input_and_writes_nothing(
    criteria, dana, changes, field, message
):
    with pytest.raises(ValidationError, match=message) as caught:
        criterion_services.criterion_create(user=dana, **changes)
    assert field in caught.value.message_dict
    assert Criterion.objects.count() == len(criteria)


def test_criterion_create_is_for_directors(criteria, alice, sam, carl, ada):
    for user in (alice, sam, carl):
        with pytest.raises(PermissionDenied, match="Only directors"):
            criterion_services.criterion_create(user=user, **financial_kwargs())
    assert not Criterion.objects.filter(code="volume").exists()
    assert criterion_services.criterion_create(user=ada, **financial_kwargs()).code == "volume"


# --- criteria: update ---------------------------------------------------------------------------


def test_criterion_update_changes_what_it_is_given_and_keeps_the_rest(criteria, dana):
    late = criterion_services.criterion_update(
        user=dana, criterion=criteria["late"], thresholds=[10, 20, 40], met_threshold=0.6
    )
    assert (late.thresholds, late.met_threshold) == ([10, 20, 40], 0.6)
    assert (late.normalisation, late.source, late.direction) == (
        "thresholds",
        "avg_days_late",
        "lower",
    )


def test_criterion_update_rescores_with_the_new_normalisation(book, criteria, dana):
    mine, also_mine, theirs = book
    recompute()
    criterion_services.criterion_update(
        user=dana,
        criterion=criteria["revenue"],
        normalisation=Criterion.Normalisation.THRESHOLDS,
        thresholds=[150, 250],
    )
    run = recompute()
    points = {
        s.client_id: s.normalised
        for s in CriterionScore.objects.filter(run=run, criterion__code="revenue")
    }
    assert points == {mine.pk: 1.0, also_mine.pk: 0.5, theirs.pk: 0.0}


def test_criterion_update_does_not_change_the_code_or_the_family(criteria, dana):
    with pytest.raises(ValidationError, match="code cannot change"):
        criterion_services.criterion_update(user=dana, criterion=criteria["fit"], code="fit-2")
    with pytest.raises(ValidationError, match="family cannot change"):
        criterion_services.criterion_update(user=dana, criterion=criteria["fit"], family="maturity")
    fit = Criterion.objects.get(pk=criteria["fit"].pk)
    assert (fit.code, fit.family) == ("fit", "strategic")


def test_criterion_update_is_for_directors(criteria, alice):
    with pytest.raises(PermissionDenied, match="Only directors"):
        criterion_services.criterion_update(user=alice, criterion=criteria["fit"], name_en="Fit!")
    assert Criterion.objects.get(pk=criteria["fit"].pk).name_en != "Fit!"


def test_criterion_update_refuses_to_deactivate_a_criterion_that_still_weighs(criteria, dana):
    with pytest.raises(ValidationError, match="Late weighs 25 in the Financial family") as caught:
        criterion_services.criterion_update(user=dana, criterion=criteria["late"], is_active=False)
    assert "is_active" in caught.value.message_dict
    assert Criterion.objects.get(pk=criteria["late"].pk).is_active


def test_criterion_update_deactivates_a_criterion_once_its_weight_moved(book, criteria, dana):
    weight_services.weight_set_update(
        user=dana,
        family_weights=FAMILIES,
        criterion_weights={**V1, "revenue": 100, "late": 0},
        reason="Days late aside",
        base_version=1,
    )
    late = criterion_services.criterion_update(
        user=dana, criterion=criteria["late"], is_active=False
    )

    assert not late.is_active
    run = recompute()
    assert run.status == ScoringRun.Status.DONE
    assert not CriterionScore.objects.filter(run=run, criterion=late).exists()


def test_criterion_update_refuses_to_deactivate_the_only_criterion_of_a_weighing_family(
    book, criteria, dana
):
    with pytest.raises(ValidationError, match="only active criterion of the Maturity family"):
        criterion_services.criterion_update(
            user=dana, criterion=criteria["relationship"], is_active=False
        )
    assert Criterion.objects.get(pk=criteria["relationship"].pk).is_active

    weight_services.weight_set_update(
        user=dana,
        family_weights={"financial": 60, "strategic": 40, "maturity": 0},
        criterion_weights=V1,
        reason="Maturity aside",
        base_version=1,
    )
    criterion_services.criterion_update(
        user=dana, criterion=criteria["relationship"], is_active=False
    )
    run = recompute()
    assert run.status == ScoringRun.Status.DONE
    assert {score.maturity for score in ClientScore.objects.filter(run=run)} == {0}


def test_criterion_update_reactivates_a_criterion(book, criteria, dana):
    weight_services.weight_set_update(
        user=dana,
        family_weights=FAMILIES,
        criterion_weights={**V1, "revenue": 100, "late": 0},
        reason="Days late aside",
        base_version=1,
    )
    criterion_services.criterion_update(user=dana, criterion=criteria["late"], is_active=False)
    late = criterion_services.criterion_update(
        user=dana, criterion=criteria["late"], is_active=True
    )

    assert late.is_active
    assert weight_selectors.weights_in_force().criterion_weights["late"] == 0
    assert recompute().status == ScoringRun.Status.DONE


def test_criterion_update_keeps_an_old_incomplete_rubric_when_not_given_one(criteria, dana):
    Criterion.objects.filter(pk=criteria["fit"].pk).update(rubric_en={"1": "Poor"})
    fit = criterion_services.criterion_update(user=dana, criterion=criteria["fit"], name_en="Fit")
    assert fit.rubric_en == {"1": "Poor"}
    with pytest.raises(ValidationError, match="what level 2 means"):
        criterion_services.criterion_update(user=dana, criterion=fit, rubric_en={"1": "Poor"})


# --- change log ---------------------------------------------------------------------------------


def test_weight_set_changes_lists_versions_newest_first_with_their_differences(criteria, dana):
    weight_services.weight_set_update(
        user=dana,
        family_weights={"financial": 40, "strategic": 40, "maturity": 20},
        criterion_weights={**V1, "revenue": 60, "late": 40},
        reason="Strategy up",
        base_version=1,
    )
    loyalty = criterion_services.criterion_create(user=dana, **rated_kwargs())
    weight_services.weight_set_update(
        user=dana,
        family_weights={"financial": 40, "strategic": 40, "maturity": 20},
        criterion_weights={**V1, "revenue": 60, "late": 40, "relationship": 50, "loyalty": 50},
        reason="Loyalty counts",
        base_version=2,
    )

    changes = weight_selectors.weight_set_changes()

    assert [change.weight_set.version for change in changes] == [3, 2, 1]
    third, second, first = changes
    assert [(c.label, c.before, c.after) for c in third.family_changes] == []
    assert [(c.label, c.before, c.after) for c in third.criterion_changes] == [
        (loyalty.name, None, 50),
        ("Relationship", 100, 50),
    ]
    assert [(c.family, c.before, c.after) for c in second.family_changes] == [
        ("financial", 50, 40),
        ("strategic", 30, 40),
    ]
    assert [(c.label, c.before, c.after) for c in second.criterion_changes] == [
        ("Late", 25, 40),
        ("Revenue", 75, 60),
    ]
    assert [(c.family, c.before, c.after) for c in first.family_changes] == [
        ("financial", None, 50),
        ("strategic", None, 30),
        ("maturity", None, 20),
    ]
    assert [(c.label, c.before, c.after) for c in first.criterion_changes] == [
        ("Late", None, 25),
        ("Revenue", None, 75),
        ("Fit", None, 100),
        ("Relationship", None, 100),
    ]


def test_weight_set_changes_query_count_is_flat(criteria, dana, django_assert_num_queries):
    for version in range(1, 6):
        weight_services.weight_set_update(
            user=dana,
            family_weights=FAMILIES,
            criterion_weights={**V1, "revenue": 70 + version, "late": 30 - version},
            reason=f"Step {version}",
            base_version=version,
        )
    with django_assert_num_queries(2):  # versions with their authors, then their weights
        changes = weight_selectors.weight_set_changes()
    assert len(changes) == 6
