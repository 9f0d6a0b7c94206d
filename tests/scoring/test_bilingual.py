"""Criteria in the reader's language: names and rubrics in English and in French, the seeded
catalogue filled in both, and a text missing in one language shown in the other, marked."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import translation

from scoring.models import Criterion
from scoring.services import ratings
from tests.scoring.conftest import recompute

ENGLISH = {
    "revenue": "Yearly turnover",
    "late": "Days overdue",
    "fit": "Strategic alignment fit",
    "relationship": "Relationship depth",
}
FRENCH = {
    "revenue": "Chiffre annuel",
    "late": "Jours de retard",
    "fit": "Adéquation stratégique",
    "relationship": "Profondeur relationnelle",
}
RUBRIC_EN = {level: f"Plainly level {level}" for level in "12345"}
RUBRIC_FR = {level: f"Clairement niveau {level}" for level in "12345"}


@pytest.fixture
def bilingual(book, criteria, alice, dana):
    """The small model's criteria named in both languages, rated and ranked."""
    for code, criterion in criteria.items():
        criterion.name_en, criterion.name_fr = ENGLISH[code], FRENCH[code]
        if criterion.is_rated:
            criterion.rubric_en, criterion.rubric_fr = RUBRIC_EN, RUBRIC_FR
        criterion.save()
    mine = book[0]
    ratings.rating_set(user=dana, client=mine, criterion=criteria["fit"], level=4)
    recompute()
    return mine


def _pages(mine):
    return [
        reverse("scoring:ranking"),
        reverse("scoring:grid"),
        reverse("scoring:client_explanation", args=[mine.pk]),
        reverse("scoring:weights"),
        reverse("scoring:criterion_list"),
        reverse("scoring:grid_export") + "?format=csv",
        reverse("api-scoring:client_explanation", args=[mine.pk]),
        reverse("api-scoring:client_ratings", args=[mine.pk]),
        reverse("api-scoring:criterion_list"),
        reverse("api-scoring:weight_set_active"),
    ]


@pytest.mark.parametrize(
    ("language", "shown", "hidden"),
    [("en", ENGLISH, FRENCH), ("fr", FRENCH, ENGLISH)],
)
def test_criteria_show_in_the_readers_language_only(
    client, bilingual, dana, language, shown, hidden
):
    client.force_login(dana)
    client.cookies["django_language"] = language
    for url in _pages(bilingual):
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.content.decode("utf-8-sig")
        if "/api/" in url:  # JSON escapes accents: compare the decoded document
            body = response.json()
            if url == reverse("api-scoring:criterion_list"):  # both languages, by design
                both = {"name_en", "name_fr", "rubric_en", "rubric_fr"}
                body = [{k: v for k, v in row.items() if k not in both} for row in body]
            text = str(body)
        if url != reverse("scoring:ranking"):  # the ranking shows no criterion
            assert shown["fit"] in text, url
        for name in hidden.values():
            assert name not in text, (url, name)
        assert "(in French)" not in text, url
        assert "(en anglais)" not in text, url


def test_rubric_shows_in_the_readers_language(client, bilingual, alice):
    client.force_login(alice)
    url = reverse("scoring:grid_rating", args=[bilingual.pk, "fit"])
    for language, shown, hidden in (("en", RUBRIC_EN, RUBRIC_FR), ("fr", RUBRIC_FR, RUBRIC_EN)):
        html = client.get(url, headers={"Accept-Language": language}).content.decode()
        assert f"3 — {shown['3']}" in html
        assert hidden["3"] not in html


def test_a_name_in_one_language_shows_in_the_other_marked(client, bilingual, criteria, dana):
    Criterion.objects.filter(code="fit").update(
        name_en="",
        rubric_en={"1": "Only English one"},
        rubric_fr={level: text for level, text in RUBRIC_FR.items() if level != "1"},
    )
    fit = Criterion.objects.get(code="fit")
    with translation.override("en"):
        assert fit.name == "Adéquation stratégique (in French)"
        assert fit.rubric["1"] == "Only English one"
        assert fit.rubric["2"] == "Clairement niveau 2 (in French)"
        assert not fit.name_is_translated
    with translation.override("fr"):
        assert fit.name == "Adéquation stratégique"
        assert fit.rubric["1"] == "Only English one (en anglais)"
        assert fit.name_is_translated

    client.force_login(dana)
    page = client.get(reverse("scoring:grid"), headers={"Accept-Language": "en"})
    assert "Adéquation stratégique (in French)" in page.content.decode()
    api = client.get(
        reverse("api-scoring:criterion_list"), headers={"Accept-Language": "en"}
    ).json()
    row = next(row for row in api if row["code"] == "fit")
    assert (row["name"], row["name_en"], row["name_fr"]) == (
        "Adéquation stratégique (in French)",
        "",
        "Adéquation stratégique",
    )


def test_a_criterion_created_in_french_only_reads_in_french_marked_in_english(client, dana):
    client.force_login(dana)
    response = client.post(
        reverse("api-scoring:criterion_list"),
        {
            "code": "loyalty",
            "name_fr": "Fidélité",
            "family": "maturity",
            "normalisation": "thresholds",
            "thresholds": [2, 3, 4, 5],
            "rubric_fr": RUBRIC_FR,
        },
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Fidélité (in French)"
    assert response.json()["rubric"]["5"] == "Clairement niveau 5 (in French)"


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_both_languages_of_the_seeded_criteria(settings):
    """Back to before the bilingual fields, with criteria as a French installation had them
    (one renamed by a director, one of the director's own), then forward again."""
    settings.LANGUAGE_CODE = "fr"
    before = [("scoring", "0009_programme_investment_horizon")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("scoring", "Criterion")
    rated = {"family": "strategic", "normalisation": "thresholds", "thresholds": [2, 3, 4, 5]}
    financial = {"family": "financial", "normalisation": "percentile", "rubric": {}}
    for code, fields in {
        "gross-margin": {"name": "Marge brute", "source": "gross_margin", **financial},
        "revenue": {"name": "Ventes", "source": "revenue", **financial},  # renamed
        "footprint": {
            "name": "Structure notre présence géographique",
            "rubric": {
                "1": "Uniquement là où nous sommes déjà, sans effet sur notre présence.",
                "2": "Notre propre texte",
            },
            **rated,
        },
        "loyalty": {"name": "Fidélité", "rubric": {"1": "Aucune"}, **rated},  # the director's
    }.items():
        old.objects.update_or_create(code=code, defaults=fields)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = {
        c.code: (c.name_en, c.name_fr, c.rubric_en, c.rubric_fr) for c in Criterion.objects.all()
    }
    assert rows["gross-margin"] == ("Gross margin", "Marge brute", {}, {})
    assert rows["footprint"] == (
        "Shapes our geographic footprint",
        "Structure notre présence géographique",
        {"1": "Only where we already are, no effect on our presence."},
        {
            "1": "Uniquement là où nous sommes déjà, sans effet sur notre présence.",
            "2": "Notre propre texte",
        },
    )
    assert rows["revenue"] == ("", "Ventes", {}, {})  # the director's name, in French only
    assert rows["loyalty"] == ("", "Fidélité", {}, {"1": "Aucune"})
    with translation.override("en"):
        assert Criterion.objects.get(code="revenue").name == "Ventes (in French)"
