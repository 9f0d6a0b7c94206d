from decimal import Decimal

import pytest

from scoring.models import Override
from scoring.selectors import grid as grid_selectors
from scoring.selectors import scores as score_selectors
from scoring.selectors import weights as weight_selectors
from scoring.services import overrides, ratings
from scoring.services import weights as weight_services
from tests.factories import ClientFactory, ClientYearMetricFactory
from tests.scoring.conftest import recompute
from tests.scoring.factories import CriterionFactory, OverrideFactory, RatingFactory, scoring_reset

pytestmark = pytest.mark.django_db


def test_ranking_latest_is_empty_before_any_run(book, dana):
    assert list(score_selectors.ranking_latest(user=dana)) == []


def test_ranking_latest_shows_a_kam_only_their_clients(book, alice, bob):
    mine, also_mine, theirs = book
    recompute()

    assert [score.client for score in score_selectors.ranking_latest(user=alice)] == [
        mine,
        also_mine,
    ]
    assert [score.client for score in score_selectors.ranking_latest(user=bob)] == [theirs]


def test_ranking_latest_shows_directors_everything_and_sponsors_theirs(book, dana, sam, carl):
    mine, also_mine, theirs = book
    recompute()

    ranked = list(score_selectors.ranking_latest(user=dana))
    assert [score.client for score in ranked] == [mine, also_mine, theirs]
    assert [score.rank for score in ranked] == [1, 2, 3]
    assert [score.client for score in score_selectors.ranking_latest(user=sam)] == [mine]
    assert list(score_selectors.ranking_latest(user=carl)) == []


def test_ranking_latest_gives_the_rank_change_since_the_previous_run(book, dana, criteria):
    mine, also_mine, theirs = book
    recompute()
    ratings.rating_set(user=dana, client=theirs, criterion=criteria["fit"], level=5)
    recompute()

    ranked = {score.client: score for score in score_selectors.ranking_latest(user=dana)}
    # theirs gains 30 points of strategic fit: 30 against 37.5 (mine) and 18.75 (also mine).
    assert [ranked[c].rank for c in (mine, theirs, also_mine)] == [1, 2, 3]
    assert [ranked[c].previous_rank for c in (mine, theirs, also_mine)] == [1, 3, 2]
    assert [ranked[c].rank_change for c in (mine, theirs, also_mine)] == [0, 1, -1]


def test_ranking_latest_has_no_rank_change_for_a_first_run(book, dana):
    recompute()
    assert {score.rank_change for score in score_selectors.ranking_latest(user=dana)} == {None}


def test_ranking_rows_carry_the_active_override_next_to_the_score(book, dana):
    mine, also_mine, _ = book
    run = recompute()
    OverrideFactory(client=mine, points=4, is_active=False, author=dana, rationale="Old")
    OverrideFactory(client=mine, points=-6, author=dana, rationale="Churn risk")

    rows = score_selectors.ranking_rows(score_selectors.ranking_latest(user=dana))
    ranked = {score.client: score for score in rows}
    override = ranked[mine].active_override
    assert (override.kind, override.points, override.rationale) == ("adjust", -6, "Churn risk")
    assert override.author == dana
    assert ranked[mine].total == run.scores.get(client=mine).total  # unchanged by the override
    assert ranked[also_mine].active_override is None


def test_ranking_latest_query_count_is_flat(book, dana, alice, django_assert_num_queries):
    for revenue in range(10, 60, 10):
        ClientYearMetricFactory(client=ClientFactory(kam=alice), revenue=Decimal(revenue))
    recompute()
    with django_assert_num_queries(2):  # the runs, then the scores with everything they show
        ranked = list(score_selectors.ranking_latest(user=dana))
        assert {(score.client.name, str(score.client.kam)) for score in ranked}
    assert len(ranked) == 8


def test_client_explanation_lists_the_criteria_most_points_first(book, alice, dana, criteria):
    mine, *_ = book
    overrides.override_set(
        user=dana, client=mine, kind=Override.Kind.FORCE_IN, rationale="Flagship"
    )
    ratings.rating_set(user=alice, client=mine, criterion=criteria["relationship"], level=3)
    recompute()

    explanation = score_selectors.client_explanation(user=alice, client_id=mine.pk)

    assert explanation is not None
    assert explanation.score.client == mine
    points = [row.points for row in explanation.criteria]
    assert points == sorted(points, reverse=True)
    assert {row.criterion.code for row in explanation.criteria} == set(criteria)
    assert sum(points) == pytest.approx(explanation.score.total)
    assert explanation.override is not None
    assert explanation.override.kind == Override.Kind.FORCE_IN
    assert explanation.stability_label == "stable"


def test_client_explanation_is_none_for_another_kams_client(book, alice):
    *_, theirs = book
    recompute()
    assert score_selectors.client_explanation(user=alice, client_id=theirs.pk) is None


def test_client_explanation_is_none_for_a_client_without_scores(book, alice):
    prospect = ClientFactory(kam=alice)
    recompute()
    assert score_selectors.client_explanation(user=alice, client_id=prospect.pk) is None


def test_weight_set_active_carries_its_criterion_weights(criteria, django_assert_num_queries):
    with django_assert_num_queries(2):
        weight_set = weight_selectors.weight_set_active()
        assert weight_set is not None
        weights = {w.criterion.code: w.weight for w in weight_set.criterion_weights.all()}
    assert weights == {"revenue": 75, "late": 25, "fit": 100, "relationship": 100}


def test_weight_set_active_is_none_without_weights(db):
    scoring_reset()
    assert weight_selectors.weight_set_active() is None


def test_weight_set_list_is_the_change_log_newest_first(criteria, dana):
    weight_services.weight_set_update(
        user=dana,
        family_weights={"financial": 40, "strategic": 40, "maturity": 20},
        criterion_weights={"revenue": 50, "late": 50, "fit": 100, "relationship": 100},
        reason="Balance",
        base_version=1,
    )
    log = list(weight_selectors.weight_set_list())
    assert [(w.version, w.is_active, w.created_by) for w in log] == [
        (2, True, dana),
        (1, False, None),
    ]


def test_criterion_list_hides_inactive_criteria_unless_asked(criteria):
    retired = CriterionFactory(code="retired", is_active=False)
    assert retired not in weight_selectors.criterion_list()
    assert set(weight_selectors.criterion_list()) == set(criteria.values())
    assert retired in weight_selectors.criterion_list(include_inactive=True)


def test_rating_list_and_rank_history_give_nothing_of_a_client_hidden_from_the_user(
    book, criteria, alice, bob, dana
):
    mine, _, theirs = book
    RatingFactory(client=theirs, criterion=criteria["fit"], author=bob)
    recompute()

    assert grid_selectors.rating_list(user=alice, client=theirs).count() == 0
    assert score_selectors.client_rank_history(user=alice, client_id=theirs.pk).count() == 0
    assert grid_selectors.rating_list(user=bob, client=theirs).count() == 1
    assert score_selectors.client_rank_history(user=dana, client_id=theirs.pk).count() == 1
    assert score_selectors.client_rank_history(user=alice, client_id=mine.pk).count() == 1
