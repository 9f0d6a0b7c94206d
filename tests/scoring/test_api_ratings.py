"""scoring/api/grid.py: the ratings and selection grid API, from the outside."""

from decimal import Decimal
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import translation

from kam import permissions
from scoring.models import Rating
from scoring.services import ratings, runs
from tests.factories import ClientFactory, ClientYearMetricFactory
from tests.refusals import assert_refused_in_both_languages
from tests.scoring.conftest import recompute
from tests.scoring.factories import RatingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_queued_recompute():
    with mock.patch.object(runs, "scores_recompute_request"):
        yield


def rate(api, **body):
    return api.post(reverse("api-scoring:rating_set"), body, content_type="application/json")


def ratings_url(company) -> str:
    return reverse("api-scoring:client_ratings", args=[company.pk])


# --- rating history -----------------------------------------------------------------------------


def test_ratings_api_lists_a_clients_history_newest_first(client, book, alice, dana, criteria):
    mine, also_mine, _ = book
    first = ratings.rating_set(user=alice, client=mine, criterion=criteria["fit"], level=2)
    second = ratings.rating_set(
        user=dana, client=mine, criterion=criteria["fit"], level=4, note="Joint plan"
    )
    other = ratings.rating_set(user=alice, client=mine, criterion=criteria["relationship"], level=3)
    ratings.rating_set(user=alice, client=also_mine, criterion=criteria["fit"], level=5)
    client.force_login(alice)
    response = client.get(ratings_url(mine))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [row["id"] for row in body["results"]] == [other.pk, second.pk, first.pk]
    latest_fit = body["results"][1]
    assert latest_fit["criterion"] == "fit"
    assert latest_fit["family"] == "strategic"
    assert latest_fit["level"] == 4
    assert latest_fit["note"] == "Joint plan"
    assert latest_fit["author"] == dana.pk
    assert latest_fit["author_name"] == str(dana)
    assert [row["is_current"] for row in body["results"]] == [True, True, False]


def test_ratings_api_is_404_for_another_kams_client(client, book, alice, criteria):
    _, _, theirs = book
    RatingFactory(client=theirs, criterion=criteria["fit"])
    client.force_login(alice)
    assert client.get(ratings_url(theirs)).status_code == 404


def test_ratings_api_is_404_for_an_unknown_client(client, dana):
    client.force_login(dana)
    assert client.get(reverse("api-scoring:client_ratings", args=[999_999])).status_code == 404


def test_ratings_api_needs_a_login(client, book):
    mine, _, _ = book
    assert client.get(ratings_url(mine)).status_code == 401


@pytest.mark.parametrize("count", [3, 30])
def test_ratings_api_query_count_is_flat(
    client, book, dana, criteria, count, django_assert_num_queries
):
    mine, _, _ = book
    for index in range(count):
        RatingFactory(client=mine, criterion=criteria["fit"], level=1 + index % 5, author=dana)
    client.force_login(dana)
    # session, user, client, count, page of ratings with criteria and authors, current ids
    with django_assert_num_queries(6):
        response = client.get(ratings_url(mine))
    assert response.json()["count"] == count


# --- setting a rating ---------------------------------------------------------------------------


def test_rating_set_api_rates_the_kams_own_client(client, book, alice, criteria):
    mine, _, _ = book
    client.force_login(alice)
    response = rate(client, client=mine.pk, criterion="fit", level=4, note=" Met the CEO ")

    assert response.status_code == 201
    rating = Rating.objects.get()
    assert (rating.client, rating.criterion, rating.level, rating.note, rating.author) == (
        mine,
        criteria["fit"],
        4,
        "Met the CEO",
        alice,
    )
    body = response.json()
    assert body["id"] == rating.pk
    assert body["is_current"] is True
    assert body["criterion"] == "fit"
    runs.scores_recompute_request.assert_called_once_with(trigger="ratings")


def test_rating_set_api_is_404_for_another_kams_client(client, book, alice):
    _, _, theirs = book
    client.force_login(alice)
    response = rate(client, client=theirs.pk, criterion="fit", level=4)

    assert response.status_code == 404
    assert not Rating.objects.exists()


def test_rating_set_api_is_403_for_a_sponsor(client, book, sam):
    mine, _, _ = book
    client.force_login(sam)
    body = {"client": mine.pk, "criterion": "fit", "level": 4}
    url = reverse("api-scoring:rating_set")
    assert_refused_in_both_languages(client, "post", url, permissions.may_rate_client, data=body)
    assert not Rating.objects.exists()


@pytest.mark.parametrize("level", [0, 6, -1, "three", None])
def test_rating_set_api_refuses_a_level_outside_1_to_5(client, book, alice, level):
    mine, _, _ = book
    client.force_login(alice)
    response = rate(client, client=mine.pk, criterion="fit", level=level)

    assert response.status_code == 400
    assert "level" in response.json()
    assert not Rating.objects.exists()


def test_rating_set_api_errors_are_translated(client, book, alice):
    mine, _, _ = book
    client.force_login(alice)
    client.cookies["django_language"] = "fr"
    with translation.override("fr"):
        expected = str(translation.gettext("A level is 1 to 5."))
    assert expected != "A level is 1 to 5."  # French, not the English left untranslated
    response = client.post(
        reverse("api-scoring:rating_set"),
        {"client": mine.pk, "criterion": "fit", "level": 9},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["level"] == [expected]


def test_rating_set_api_refuses_a_financial_criterion(client, book, dana):
    mine, _, _ = book
    client.force_login(dana)
    response = rate(client, client=mine.pk, criterion="revenue", level=4)

    assert response.status_code == 400
    assert response.json()["criterion"] == ["Revenue is read from the ledger, not rated."]
    assert not Rating.objects.exists()


def test_rating_set_api_refuses_an_unknown_or_inactive_criterion(client, book, dana, criteria):
    mine, _, _ = book
    criteria["relationship"].is_active = False
    criteria["relationship"].save()
    client.force_login(dana)

    unknown = rate(client, client=mine.pk, criterion="no-such", level=4)
    assert unknown.status_code == 400
    assert unknown.json()["criterion"] == ["There is no criterion no-such."]
    inactive = rate(client, client=mine.pk, criterion="relationship", level=4)
    assert inactive.status_code == 400
    assert inactive.json()["criterion"] == ["Relationship is no longer used."]
    assert not Rating.objects.exists()


def test_rating_set_api_refuses_missing_fields(client, book, dana):
    client.force_login(dana)
    response = rate(client)

    assert response.status_code == 400
    assert set(response.json()) == {"client", "criterion", "level"}


def test_rating_set_api_needs_a_login(client, book):
    mine, _, _ = book
    assert rate(client, client=mine.pk, criterion="fit", level=3).status_code == 401
    assert not Rating.objects.exists()


# --- the grid ------------------------------------------------------------------------------------


def test_grid_api_gives_a_kam_their_rows_with_met_flags(client, book, alice, criteria):
    mine, _, _ = book
    ratings.rating_set(user=alice, client=mine, criterion=criteria["fit"], level=5)
    recompute()
    client.force_login(alice)
    response = client.get(reverse("api-scoring:grid"))

    assert response.status_code == 200
    body = response.json()
    assert [row["client_name"] for row in body["results"]] == ["Mine", "Also mine"]
    first = body["results"][0]
    assert first["rank"] == 1
    assert first["editable"] is True
    assert first["met_count"] == 2
    cells = {cell["criterion"]: cell for cell in first["criteria"]}
    assert list(cells) == ["late", "revenue", "fit", "relationship"]
    assert cells["fit"]["level"] == 5
    assert cells["fit"]["met"] is True
    assert cells["fit"]["rated_by"] == str(alice)
    assert cells["revenue"]["raw"] == 300
    assert cells["relationship"]["missing"] is True
    assert cells["relationship"]["level"] is None
    assert cells["late"]["met"] is False


def test_grid_api_sorts(client, book, dana):
    recompute()
    client.force_login(dana)
    response = client.get(reverse("api-scoring:grid"), {"sort": "client", "dir": "desc"})
    assert [row["client_name"] for row in response.json()["results"]] == [
        "Theirs",
        "Mine",
        "Also mine",
    ]


@pytest.mark.parametrize("count", [3, 30])
def test_grid_api_query_count_is_flat(client, criteria, dana, count, django_assert_num_queries):
    for index in range(count):
        company = ClientFactory(kam=dana)
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(100 + index))
    recompute()
    client.force_login(dana)
    with django_assert_num_queries(7):
        response = client.get(reverse("api-scoring:grid"))
    assert response.json()["count"] == count


def test_ratings_and_grid_api_are_in_the_schema(client, dana):
    client.force_login(dana)
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()

    assert "get" in schema["paths"]["/api/scoring/clients/{client_id}/ratings/"]
    assert "post" in schema["paths"]["/api/scoring/ratings/"]
    assert "get" in schema["paths"]["/api/scoring/grid/"]
    assert {"Rating", "RatingInput", "GridRow", "GridCell"} <= set(schema["components"]["schemas"])
