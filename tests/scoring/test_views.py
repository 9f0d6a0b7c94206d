"""scoring/views.py: the ranking and explanation pages, from the outside."""

import html as html_text
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import translation

from kam import permissions
from scoring.models import CriterionScore, ScoringRun
from scoring.services import ratings, runs
from tests.factories import ClientFactory, ClientYearMetricFactory
from tests.refusals import assert_refused
from tests.scoring.conftest import recompute
from tests.scoring.factories import OverrideFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_cached_rows():
    """Rendered rows are cached in Redis across requests; each test starts without them."""
    cache.clear()


def ranked_names(response) -> list[str]:
    """The clients of the ranking's rows, as the page writes them."""
    names = re.findall(r'data-testid="ranking-client">([^<]*)<', response.content.decode())
    return [html_text.unescape(name) for name in names]


def test_ranking_shows_a_director_every_ranked_client(client, book, dana):
    recompute()
    client.force_login(dana)
    response = client.get(reverse("scoring:ranking"))

    assert response.status_code == 200
    assert ranked_names(response) == ["Mine", "Also mine", "Theirs"]
    assert response.content.decode().count('data-testid="ranking-row"') == 3


def test_ranking_shows_a_kam_only_their_clients(client, book, alice):
    recompute()
    client.force_login(alice)
    response = client.get(reverse("scoring:ranking"))

    assert ranked_names(response) == ["Mine", "Also mine"]
    assert "Theirs" not in response.content.decode()


def test_ranking_shows_a_sponsor_only_the_sponsored_clients(client, book, sam):
    recompute()
    client.force_login(sam)
    response = client.get(reverse("scoring:ranking"))

    assert ranked_names(response) == ["Mine"]


def test_ranking_shows_the_weights_the_move_and_the_stability(client, book, dana, criteria):
    *_, theirs = book
    recompute()
    ratings.rating_set(user=dana, client=theirs, criterion=criteria["fit"], level=5)
    recompute()
    client.force_login(dana)
    response = client.get(reverse("scoring:ranking"))
    html = response.content.decode()

    assert "Weights “Test weights”, version 1" in html
    moves = re.findall(r'data-testid="ranking-move"><span class="move[^"]*"[^>]*>([^<]*)<', html)
    assert moves == ["=", "▲1", "▼1"]  # mine stays, theirs climbs one, also mine falls one
    labels = re.findall(r'data-testid="ranking-stability"><span class="badge badge-(\w+)"', html)
    assert len(labels) == 3
    assert set(labels) <= {"stable", "fragile"}


def test_ranking_marks_clients_new_to_a_first_run(client, book, dana):
    recompute()
    client.force_login(dana)
    html = client.get(reverse("scoring:ranking")).content.decode()

    assert html.count('<span class="move move-new">new</span>') == 3


def test_ranking_shows_the_active_override_next_to_the_score(client, book, dana):
    mine, _, _ = book
    recompute()
    OverrideFactory(client=mine, points=-6, author=dana, rationale="Churn risk")
    client.force_login(dana)
    html = client.get(reverse("scoring:ranking")).content.decode()

    assert html.count('data-testid="ranking-override"') == 1
    assert "-6.0 pts" in html
    assert f"by {dana}," in html


def test_ranking_has_an_empty_state_before_any_run(client, book, dana):
    client.force_login(dana)
    response = client.get(reverse("scoring:ranking"))

    assert response.status_code == 200
    assert 'data-testid="ranking-empty"' in response.content.decode()
    assert ranked_names(response) == []


def test_ranking_says_when_the_latest_run_failed(client, book, dana):
    run = recompute()
    ScoringRun.objects.create(
        weight_set=run.weight_set,
        trigger=ScoringRun.Trigger.NIGHTLY,
        fingerprint="x",
        status=ScoringRun.Status.FAILED,
        error="Criterion weights sum to 90, not 100.",
    )
    client.force_login(dana)
    html = client.get(reverse("scoring:ranking")).content.decode()

    assert 'data-testid="run-status"' in html
    assert "Criterion weights sum to 90, not 100." in html
    assert html.count('data-testid="ranking-row"') == 3  # the last good run still shows


def test_ranking_offers_the_recompute_button_to_directors_only(client, book, dana, alice):
    recompute()
    client.force_login(dana)
    assert (
        'data-testid="scoring-recompute"' in client.get(reverse("scoring:ranking")).content.decode()
    )
    client.force_login(alice)
    assert 'data-testid="scoring-recompute"' not in (
        client.get(reverse("scoring:ranking")).content.decode()
    )


@pytest.fixture
def sent(monkeypatch):
    queued: list[dict] = []
    monkeypatch.setattr(
        runs.scores_recompute_task, "apply_async", lambda **options: queued.append(options)
    )
    cache.delete(runs.RECOMPUTE_PENDING_KEY)
    yield queued
    cache.delete(runs.RECOMPUTE_PENDING_KEY)


def test_recompute_by_a_director_queues_a_manual_run(
    client, dana, sent, django_capture_on_commit_callbacks
):
    client.force_login(dana)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scoring:recompute"), follow=True)

    assert response.redirect_chain == [(reverse("scoring:ranking"), 302)]
    assert "Recompute requested." in response.content.decode()
    assert sent == [{"kwargs": {"trigger": "manual"}, "countdown": runs.RECOMPUTE_DELAY}]


def test_recompute_by_a_kam_is_403_and_queues_nothing(
    client, alice, sent, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("scoring:recompute"))

    assert_refused(response, permissions.may_manage_programme)
    assert callbacks == []
    assert sent == []


def test_recompute_refuses_get(client, dana, sent):
    client.force_login(dana)
    assert client.get(reverse("scoring:recompute")).status_code == 405
    assert sent == []


def test_ranking_needs_a_login(client):
    response = client.get(reverse("scoring:ranking"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("count", [3, 60])
def test_ranking_query_count_is_flat(client, criteria, dana, count, django_assert_num_queries):
    for index in range(count):
        company = ClientFactory(kam=dana if index % 2 else None)
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(100 + index))
        OverrideFactory(client=company, author=dana)
    recompute()
    client.force_login(dana)
    # session, user; the version (runs, overrides, visible clients); the rows: runs, count,
    # scores, overrides; the latest run for the header, the latest run of any status
    with django_assert_num_queries(9):
        response = client.get(reverse("scoring:ranking"))
    assert len(ranked_names(response)) == min(count, 50)
    with django_assert_num_queries(5):  # the same rows again: from the cache
        again = client.get(reverse("scoring:ranking"))
    assert ranked_names(again) == ranked_names(response)


@pytest.mark.parametrize("count", [55, 70])
def test_ranking_shows_50_rows_then_the_rest_as_the_last_row_is_revealed(
    client, criteria, dana, count, django_assert_num_queries
):
    for index in range(count):
        company = ClientFactory(name=f"Client {index:03d}", kam=dana)
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(1000 - index))
    recompute()
    client.force_login(dana)
    response = client.get(reverse("scoring:ranking"))
    html = response.content.decode()

    assert ranked_names(response) == [f"Client {index:03d}" for index in range(50)]
    assert f"{count} ranked clients" in html
    last = html.split('data-testid="ranking-row"')[-1].split(">")[0]  # the 50th row asks for more
    assert 'hx-trigger="revealed"' in last
    more_url = html_text.unescape(re.search(r'hx-get="([^"]*)"', last)[1])
    assert more_url == reverse("scoring:ranking") + "?page=2"
    assert html.count("hx-trigger=") == 1
    # session, user; the version (runs, overrides, visible clients); the rows: runs, count,
    # scores, overrides
    with django_assert_num_queries(7):
        more = client.get(more_url, headers={"HX-Request": "true"})
    rest = more.content.decode()
    assert "<table" not in rest
    assert ranked_names(more) == [f"Client {index:03d}" for index in range(50, count)]
    assert "hx-trigger=" not in rest
    with django_assert_num_queries(3):  # from the cache
        assert client.get(more_url, headers={"HX-Request": "true"}).content.decode() == rest


def test_ranking_rows_change_with_an_override(client, book, dana):
    mine, _, _ = book
    recompute()
    client.force_login(dana)
    assert (
        'data-testid="ranking-override"'
        not in client.get(reverse("scoring:ranking")).content.decode()
    )

    OverrideFactory(client=mine, points=4, author=dana, rationale="Framework deal")
    html = client.get(reverse("scoring:ranking")).content.decode()  # not the cached rows
    assert html.count('data-testid="ranking-override"') == 1
    assert "+4.0 pts" in html


def test_ranking_rows_are_cached_per_language(client, book, dana):
    recompute()
    client.force_login(dana)
    english = client.get(reverse("scoring:ranking")).content.decode()
    client.cookies["django_language"] = "fr"
    with translation.override("fr"):
        french = client.get(reverse("scoring:ranking")).content.decode()
        new = translation.gettext("new")
    assert new != "new"
    assert english.count('<span class="move move-new">new</span>') == 3
    assert french.count(f'<span class="move move-new">{new}</span>') == 3


# --- explanation ----------------------------------------------------------------------------------


def test_explanation_numbers_match_the_stored_criterion_scores(client, book, dana, criteria):
    mine, _, _ = book
    ratings.rating_set(user=dana, client=mine, criterion=criteria["fit"], level=4)
    run = recompute()
    client.force_login(dana)
    response = client.get(reverse("scoring:client_explanation", args=[mine.pk]))
    html = response.content.decode()

    assert response.status_code == 200
    stored = CriterionScore.objects.filter(run=run, client=mine).select_related("criterion")
    assert stored.count() == 4
    shown = [bar["score"] for bar in response.context["bars"]]
    assert {score.pk for score in shown} == {score.pk for score in stored}
    for score in stored:
        row = html.split(f'data-criterion="{score.criterion.code}"')[1].split("</tr>")[0]
        assert f'data-testid="criterion-points">{score.points:,.2f}<' in row
        assert f'data-testid="criterion-weight">{score.weight:,.2f}<' in row
        assert f'data-testid="criterion-normalised">{score.normalised:,.2f}<' in row
        if score.missing:
            assert "missing — 0 points" in row
        else:
            assert f"{score.raw:,.2f}" in row
    total = response.context["score"].total
    assert f'data-testid="explanation-total">{total:,.1f}<' in html
    assert sum(score.points for score in stored) == pytest.approx(total)


def test_explanation_flags_a_missing_value(client, book, dana):
    mine, _, _ = book
    recompute()  # no rating yet: fit and relationship are missing, as are days late
    client.force_login(dana)
    html = client.get(reverse("scoring:client_explanation", args=[mine.pk])).content.decode()

    assert html.count('data-testid="criterion-missing"') == 3


def test_explanation_shows_the_override_and_the_rank_history(client, book, dana, criteria):
    *_, theirs = book
    recompute()
    ratings.rating_set(user=dana, client=theirs, criterion=criteria["fit"], level=5)
    recompute()
    OverrideFactory(client=theirs, points=3, author=dana, rationale="New <b>contract</b>")
    client.force_login(dana)
    html = client.get(reverse("scoring:client_explanation", args=[theirs.pk])).content.decode()

    assert 'data-testid="explanation-override"' in html
    assert "New &lt;b&gt;contract&lt;/b&gt;" in html
    assert f"by {dana}," in html
    history = html.split('data-testid="history-table"')[1]
    assert history.count('data-testid="history-row"') == 2
    ranks = [cell.split("<")[0] for cell in history.split('<td class="num">')[1::2]]
    assert ranks == ["2", "3"]  # latest run first


def test_explanation_is_404_for_another_kams_client(client, book, alice):
    _, _, theirs = book
    recompute()
    client.force_login(alice)
    assert client.get(reverse("scoring:client_explanation", args=[theirs.pk])).status_code == 404


def test_explanation_is_404_for_a_sponsor_on_a_client_they_do_not_sponsor(client, book, sam):
    mine, also_mine, _ = book
    recompute()
    client.force_login(sam)
    assert client.get(reverse("scoring:client_explanation", args=[mine.pk])).status_code == 200
    url = reverse("scoring:client_explanation", args=[also_mine.pk])
    assert client.get(url).status_code == 404


def test_explanation_is_404_before_any_run(client, book, dana):
    mine, _, _ = book
    client.force_login(dana)
    assert client.get(reverse("scoring:client_explanation", args=[mine.pk])).status_code == 404


def test_ranking_links_to_the_explanation(client, book, alice):
    mine, _, _ = book
    recompute()
    client.force_login(alice)
    html = client.get(reverse("scoring:ranking")).content.decode()

    assert f'href="{reverse("scoring:client_explanation", args=[mine.pk])}"' in html


def test_navigation_links_to_the_ranking_for_kams(client, alice):
    client.force_login(alice)
    html = client.get(reverse("accounts:client_list")).content.decode()
    assert f'href="{reverse("scoring:ranking")}"' in html


def test_explanation_words_the_sources_in_the_readers_language(client, book, dana, criteria):
    mine, *_ = book
    ratings.rating_set(user=dana, client=mine, criterion=criteria["fit"], level=4, note="Leader")
    with translation.override("en"):
        recompute()  # as a worker would, whatever language the readers use
    client.force_login(dana)
    url = reverse("scoring:client_explanation", args=[mine.pk])
    english = client.get(url).content.decode()
    assert "2025 revenue from the ledger" in english
    assert f"rating 4 by {dana} on" in english
    client.cookies["django_language"] = "fr"
    with translation.override("fr"):
        french = client.get(url).content.decode()
    assert "chiffre d\u2019affaires 2025 tiré du grand livre" in french
    assert f"note 4 par {dana} le" in french
    assert "pas encore noté" in french
