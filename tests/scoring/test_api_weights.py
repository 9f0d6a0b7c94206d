"""scoring/api/weights.py: the criteria and weights API, from the outside."""

import pytest
from django.urls import reverse
from django.utils import translation

from kam import permissions
from scoring.models import Criterion, CriterionWeight, ScoringRun, WeightSet
from scoring.services import criteria as criterion_services
from scoring.services import ratings
from scoring.services import weights as weight_services
from tests.refusals import assert_refused_in_both_languages
from tests.scoring.conftest import recompute

pytestmark = pytest.mark.django_db

FAMILIES = {"financial": 50, "strategic": 30, "maturity": 20}
V1 = {"revenue": 75, "late": 25, "fit": 100, "relationship": 100}
RUBRIC = {level: f"Level {level}" for level in "12345"}
LOYALTY = {
    "code": "loyalty",
    "name_en": "Loyalty",
    "name_fr": "Fidélité",
    "family": "maturity",
    "normalisation": "thresholds",
    "thresholds": [2, 3, 4, 5],
    "rubric_en": RUBRIC,
}


def new_weights(**changes):
    return {
        "family_weights": FAMILIES,
        "criterion_weights": V1,
        "reason": "Review",
        "base_version": 1,
        **changes,
    }


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def rated_book(book, criteria, dana):
    mine, also_mine, theirs = book
    for company, level in ((mine, 1), (also_mine, 3), (theirs, 5)):
        ratings.rating_set(user=dana, client=company, criterion=criteria["fit"], level=level)
    return book


# --- criteria -----------------------------------------------------------------------------------


def test_criterion_list_api_gives_every_criterion(client, criteria, dana):
    Criterion.objects.filter(code="late").update(is_active=False)
    client.force_login(dana)
    response = client.get(reverse("api-scoring:criterion_list"))

    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert list(rows) == ["late", "revenue", "relationship", "fit"]  # by family, then code
    assert rows["late"]["is_active"] is False
    assert rows["late"]["thresholds"] == [5, 15]
    assert rows["revenue"]["source"] == "revenue"


def test_criterion_list_api_needs_a_login(client, criteria):
    assert client.get(reverse("api-scoring:criterion_list")).status_code == 401


@pytest.mark.parametrize("persona", ["alice", "sam", "carl"])
def test_criterion_list_api_is_for_directors(client, criteria, request, persona):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("api-scoring:criterion_list")
    assert_refused_in_both_languages(client, "get", url, permissions.may_manage_programme)


def test_criterion_list_api_query_count_is_flat(client, criteria, dana, django_assert_num_queries):
    for number in range(8):
        criterion_services.criterion_create(user=dana, **{**LOYALTY, "code": f"loyalty-{number}"})
    client.force_login(dana)
    with django_assert_num_queries(3):  # session, user, criteria
        response = client.get(reverse("api-scoring:criterion_list"))
    assert len(response.json()) == 12


def test_criterion_create_api_adds_a_criterion(client, criteria, dana):
    client.force_login(dana)
    response = client.post(
        reverse("api-scoring:criterion_list"), LOYALTY, content_type="application/json"
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["code"], body["family"], body["is_active"], body["direction"]) == (
        "loyalty",
        "maturity",
        True,
        "higher",
    )
    assert Criterion.objects.get(code="loyalty").rubric_en == RUBRIC


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"thresholds": [3, 2]}, "thresholds", "strictly increasing"),
        ({"code": "fit"}, "code", "already a criterion with this code"),
        ({"met_threshold": 2}, "met_threshold", "0 to 1"),
        ({"family": "financial", "rubric_en": {}}, "source", "Choose the ledger figure"),
        ({"family": "luck"}, "family", "not a valid choice"),
        ({"thresholds": "2, 3"}, "thresholds", "list"),
        ({"rubric_en": {"3": ""}}, "rubric", "what level 1 means"),
        ({"name_en": "", "name_fr": " "}, "name_en", "Give the criterion a name"),
    ],
)
def test_criterion_create_api_refuses_bad_input(client, criteria, dana, changes, field, message):
    client.force_login(dana)
    response = client.post(
        reverse("api-scoring:criterion_list"),
        {**LOYALTY, **changes},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert Criterion.objects.count() == len(criteria)


@pytest.mark.parametrize("persona", ["alice", "sam", "carl"])
def test_criterion_create_api_is_for_directors(client, criteria, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        reverse("api-scoring:criterion_list"), LOYALTY, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Criterion.objects.filter(code="loyalty").exists()


def test_criterion_update_api_changes_only_what_it_is_sent(client, criteria, dana):
    client.force_login(dana)
    url = reverse("api-scoring:criterion_update", args=[criteria["late"].pk])
    response = client.patch(url, {"thresholds": [10, 20]}, content_type="application/json")

    assert response.status_code == 200
    assert response.json()["thresholds"] == [10, 20]
    late = Criterion.objects.get(code="late")
    assert (late.thresholds, late.source, late.name) == ([10, 20], "avg_days_late", "Late")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"is_active": False}, "is_active", "weighs 25"),
        ({"family": "strategic"}, "family", "cannot change"),
        ({"code": "days-late"}, "code", "cannot change"),
        ({"source": ""}, "source", "Choose the ledger figure"),
        ({"normalisation": "minmax"}, "thresholds", "Only a criterion scored on thresholds"),
    ],
)
def test_criterion_update_api_refuses_bad_changes(client, criteria, dana, data, field, message):
    client.force_login(dana)
    url = reverse("api-scoring:criterion_update", args=[criteria["late"].pk])
    response = client.patch(url, data, content_type="application/json")

    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    late = Criterion.objects.get(code="late")
    assert (late.is_active, late.family, late.source) == (True, "financial", "avg_days_late")


def test_criterion_update_api_is_for_directors_and_existing_criteria(client, criteria, alice, dana):
    url = reverse("api-scoring:criterion_update", args=[criteria["fit"].pk])
    client.force_login(alice)
    assert client.patch(url, {"name_en": "X"}, content_type="application/json").status_code == 403
    assert Criterion.objects.get(code="fit").name_en == "Fit"

    client.force_login(dana)
    missing = reverse("api-scoring:criterion_update", args=[999_999])
    assert (
        client.patch(missing, {"name_en": "X"}, content_type="application/json").status_code == 404
    )


# --- weights ------------------------------------------------------------------------------------


def test_weight_set_list_api_gives_every_version_newest_first(client, criteria, dana):
    weight_services.weight_set_update(
        user=dana, **{**new_weights(), "criterion_weights": {**V1, "revenue": 60, "late": 40}}
    )
    client.force_login(dana)
    response = client.get(reverse("api-scoring:weight_set_list"))

    assert response.status_code == 200
    body = response.json()
    assert [row["version"] for row in body] == [2, 1]
    assert [row["is_active"] for row in body] == [True, False]
    assert body[0]["created_by"] == str(dana)
    weights = {row["code"]: row["weight"] for row in body[0]["criterion_weights"]}
    assert weights == {**V1, "revenue": 60, "late": 40}


@pytest.mark.parametrize("persona", ["alice", "sam", "carl"])
def test_weight_set_list_api_is_for_directors(client, criteria, request, persona):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("api-scoring:weight_set_list")
    assert_refused_in_both_languages(client, "get", url, permissions.may_manage_programme)


@pytest.mark.parametrize("versions", [0, 5])
def test_weight_set_list_api_query_count_is_flat(
    client, criteria, dana, versions, django_assert_num_queries
):
    for step in range(versions):
        weight_services.weight_set_update(user=dana, **new_weights(base_version=step + 1))
    client.force_login(dana)
    with django_assert_num_queries(4):  # session, user, versions with authors, their weights
        response = client.get(reverse("api-scoring:weight_set_list"))
    assert len(response.json()) == versions + 1


def test_weight_set_active_api_gives_the_weights_in_force(client, criteria, dana):
    criterion_services.criterion_create(user=dana, **LOYALTY)
    client.force_login(dana)
    response = client.get(reverse("api-scoring:weight_set_active"))

    assert response.status_code == 200
    body = response.json()
    assert body["version"] == 1
    assert body["family_weights"] == FAMILIES
    rows = {row["code"]: row for row in body["criterion_weights"]}
    assert rows["loyalty"] == {
        "code": "loyalty",
        "name": "Loyalty",
        "family": "maturity",
        "weight": 0,
        "unweighted": True,
    }
    assert rows["relationship"]["weight"] == 100


@pytest.mark.parametrize("persona", ["alice", "sam", "carl"])
def test_weight_set_active_api_is_for_directors(client, criteria, request, persona):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("api-scoring:weight_set_active")
    assert_refused_in_both_languages(client, "get", url, permissions.may_manage_programme)


def test_weight_set_active_api_is_404_before_the_first_weights(client, criteria, dana):
    WeightSet.objects.update(is_active=False)
    client.force_login(dana)
    assert client.get(reverse("api-scoring:weight_set_active")).status_code == 404


def test_weight_set_create_api_saves_a_new_version(client, criteria, dana):
    client.force_login(dana)
    response = client.post(
        reverse("api-scoring:weight_set_list"),
        new_weights(name="Reviewed"),
        content_type="application/json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["version"], body["name"], body["is_active"]) == (2, "Reviewed", True)
    assert WeightSet.objects.get(is_active=True).version == 2


def test_weight_set_create_api_refuses_a_stale_edit_with_a_conflict(client, criteria, dana, ada):
    weight_services.weight_set_update(user=ada, **new_weights(reason="Meanwhile"))
    client.force_login(dana)
    response = client.post(
        reverse("api-scoring:weight_set_list"), new_weights(), content_type="application/json"
    )

    assert response.status_code == 409
    assert "changed (version 2) since you opened them (version 1)" in str(response.json())
    assert WeightSet.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"family_weights": {**FAMILIES, "maturity": 30}}, "add up to 110"),
        ({"criterion_weights": {**V1, "late": 5}}, "add up to 80"),
        ({"criterion_weights": {**V1, "ghost": 1}}, "no active criterion ghost"),
        ({"reason": ""}, "may not be blank"),
        ({"base_version": -1}, "greater than or equal to 0"),
        ({"family_weights": {**FAMILIES, "financial": "half"}}, "valid number"),
    ],
)
def test_weight_set_create_api_refuses_bad_weights(client, criteria, dana, changes, message):
    client.force_login(dana)
    response = client.post(
        reverse("api-scoring:weight_set_list"),
        new_weights(**changes),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert message in str(response.json())
    assert WeightSet.objects.count() == 1
    assert CriterionWeight.objects.count() == 4


@pytest.mark.parametrize("persona", ["alice", "sam", "carl"])
def test_weight_set_create_api_is_for_directors(client, criteria, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        reverse("api-scoring:weight_set_list"), new_weights(), content_type="application/json"
    )
    assert response.status_code == 403
    assert WeightSet.objects.count() == 1


def test_weights_what_if_api_gives_the_moves_and_saves_nothing(client, rated_book, dana):
    recompute()
    runs = ScoringRun.objects.count()
    client.force_login(dana)

    response = client.post(
        reverse("api-scoring:weights_what_if"),
        {
            "family_weights": {"financial": 10, "strategic": 80, "maturity": 10},
            "criterion_weights": V1,
        },
        content_type="application/json",
    )

    assert response.status_code == 200
    body = response.json()
    assert [
        (row["client_name"], row["old_rank"], row["new_rank"], row["move"]) for row in body
    ] == [
        ("Theirs", 3, 1, 2),
        ("Also mine", 2, 2, 0),
        ("Mine", 1, 3, -2),
    ]
    assert body[0]["new_total"] > body[0]["old_total"]
    assert (WeightSet.objects.count(), ScoringRun.objects.count()) == (1, runs)


def test_weights_what_if_api_refuses_bad_weights_in_the_users_language(client, rated_book, dana):
    client.cookies["django_language"] = "fr"
    client.force_login(dana)
    response = client.post(
        reverse("api-scoring:weights_what_if"),
        {"family_weights": {**FAMILIES, "maturity": 0}, "criterion_weights": V1},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Les poids des familles font 80" in str(response.json())


@pytest.mark.parametrize("persona", ["alice", "sam", "carl"])
def test_weights_what_if_api_is_for_directors(client, rated_book, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(
        reverse("api-scoring:weights_what_if"),
        {"family_weights": FAMILIES, "criterion_weights": V1},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_weights_and_criteria_operations_are_in_the_api_schema(client, dana):
    client.force_login(dana)
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    operations = {
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert {
        "scoring_criterion_list",
        "scoring_criterion_create",
        "scoring_criterion_update",
        "scoring_weight_set_list",
        "scoring_weight_set_create",
        "scoring_weight_set_active",
        "scoring_weights_what_if",
    } <= operations
