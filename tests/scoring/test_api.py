"""scoring/api/ranking.py: the ranking, explanation and runs API, from the outside."""

from decimal import Decimal

import pytest
from django.urls import reverse

from scoring.models import CriterionScore
from scoring.services import ratings
from tests.factories import ClientFactory, ClientYearMetricFactory
from tests.scoring.conftest import recompute
from tests.scoring.factories import OverrideFactory

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [row["client_name"] for row in response.json()["results"]]


def test_ranking_api_gives_a_director_every_ranked_client(client, book, dana):
    mine, _, _ = book
    recompute()
    OverrideFactory(client=mine, points=-6, author=dana, rationale="Churn risk")
    client.force_login(dana)
    response = client.get(reverse("api-scoring:ranking"))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert names(response) == ["Mine", "Also mine", "Theirs"]
    first = body["results"][0]
    assert first["rank"] == 1
    assert first["previous_rank"] is None
    assert first["stability_label"] in {"stable", "fragile"}
    assert first["override"]["points"] == -6
    assert first["override"]["rationale"] == "Churn risk"
    assert first["override"]["author"] == str(dana)
    assert body["results"][1]["override"] is None


def test_ranking_api_gives_a_kam_only_their_clients(client, book, alice):
    recompute()
    client.force_login(alice)
    assert names(client.get(reverse("api-scoring:ranking"))) == ["Mine", "Also mine"]


def test_ranking_api_gives_a_sponsor_only_the_sponsored_clients(client, book, sam):
    recompute()
    client.force_login(sam)
    assert names(client.get(reverse("api-scoring:ranking"))) == ["Mine"]


def test_ranking_api_is_empty_before_any_run(client, book, dana):
    client.force_login(dana)
    response = client.get(reverse("api-scoring:ranking"))
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert response.json()["results"] == []


def test_ranking_api_needs_a_login(client, book):
    assert client.get(reverse("api-scoring:ranking")).status_code == 401


def test_ranking_api_is_paginated(client, book, dana):
    recompute()
    client.force_login(dana)
    response = client.get(reverse("api-scoring:ranking"), {"page_size": 2, "page": 2})
    assert names(response) == ["Theirs"]


@pytest.mark.parametrize("count", [3, 30])
def test_ranking_api_query_count_is_flat(client, criteria, dana, count, django_assert_num_queries):
    for index in range(count):
        company = ClientFactory()
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(100 + index))
        OverrideFactory(client=company, author=dana)
    recompute()
    client.force_login(dana)
    with django_assert_num_queries(5):  # session, user, runs, scores, overrides
        response = client.get(reverse("api-scoring:ranking"))
    assert response.json()["count"] == count


def test_explanation_api_matches_the_stored_criterion_scores(client, book, dana, criteria):
    mine, _, _ = book
    ratings.rating_set(user=dana, client=mine, criterion=criteria["fit"], level=4)
    run = recompute()
    client.force_login(dana)
    response = client.get(reverse("api-scoring:client_explanation", args=[mine.pk]))

    assert response.status_code == 200
    body = response.json()
    stored = {
        score.criterion.code: score
        for score in CriterionScore.objects.filter(run=run, client=mine).select_related("criterion")
    }
    assert {row["code"] for row in body["criteria"]} == set(stored)
    for row in body["criteria"]:
        score = stored[row["code"]]
        assert row["raw"] == score.raw
        assert row["normalised"] == score.normalised
        assert row["weight"] == score.weight
        assert row["points"] == score.points
        assert row["missing"] is score.missing
        assert row["source_note"] == score.source_note
    assert body["client"] == mine.pk
    assert body["rank"] == 1
    assert body["run"]["id"] == run.pk
    assert body["history"] == [
        {"run": run.pk, "started_at": body["history"][0]["started_at"], "rank": 1,
         "total": body["total"]}
    ]  # fmt: skip
    assert body["override"] is None


def test_explanation_api_is_404_for_another_kams_client(client, book, alice):
    _, _, theirs = book
    recompute()
    client.force_login(alice)
    url = reverse("api-scoring:client_explanation", args=[theirs.pk])
    assert client.get(url).status_code == 404


def test_explanation_api_is_404_for_a_client_the_sponsor_does_not_sponsor(client, book, sam):
    mine, also_mine, _ = book
    recompute()
    client.force_login(sam)
    assert client.get(reverse("api-scoring:client_explanation", args=[mine.pk])).status_code == 200
    url = reverse("api-scoring:client_explanation", args=[also_mine.pk])
    assert client.get(url).status_code == 404


def test_explanation_api_gives_the_override(client, book, dana):
    mine, _, _ = book
    recompute()
    OverrideFactory(client=mine, points=4, author=dana, rationale="Strategic partner")
    client.force_login(dana)
    body = client.get(reverse("api-scoring:client_explanation", args=[mine.pk])).json()
    assert body["override"]["kind"] == "adjust"
    assert body["override"]["points"] == 4
    assert body["override"]["author"] == str(dana)


def test_scoring_api_is_in_the_schema(client, dana):
    client.force_login(dana)
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    assert "/api/scoring/ranking/" in schema["paths"]
    explanation = schema["paths"]["/api/scoring/clients/{client_id}/explanation/"]["get"]
    assert set(explanation["responses"]) == {"200", "401", "403", "404"}
