"""scoring/views.py: overrides, programme budget, cost to serve and the shortlist pages."""

import html as html_text
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import Client as Browser
from django.urls import reverse
from django.utils import translation

from accounts.models import Client
from kam import permissions
from scoring.models import CostToServe, Override, Programme, ShortlistDecision, ShortlistEntry
from scoring.services import overrides, selection
from tests.factories import ClientFactory, ClientYearMetricFactory
from tests.refusals import assert_refused
from tests.scoring.conftest import recompute
from tests.scoring.factories import CostToServeFactory, OverrideFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def no_cached_pages():
    """Rendered pages are cached in Redis across requests; each test starts without them."""
    cache.clear()


def htmx(client, url, data):
    return client.post(url, data, headers={"HX-Request": "true"})


# --- who may open what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "method"),
    [
        ("scoring:shortlist", [], "get"),
        ("scoring:shortlist_detail", [2026], "get"),
        ("scoring:shortlist_add", [2026], "post"),
        ("scoring:shortlist_remove", [2026], "post"),
        ("scoring:shortlist_confirm", [2026], "post"),
        ("scoring:programme_edit", [2026], "get"),
        ("scoring:programme_edit", [2026], "post"),
    ],
)
def test_shortlist_pages_are_403_for_a_kam(client, ranked, programme, alice, name, args, method):
    mine, *_ = ranked
    client.force_login(alice)
    response = getattr(client, method)(reverse(name, args=args), {"client": mine.pk})
    assert_refused(response, permissions.may_manage_programme)
    assert not ShortlistEntry.objects.exists()
    assert Programme.objects.get().budget == programme.budget


@pytest.mark.parametrize(
    "name", ["scoring:override_edit", "scoring:override_clear", "scoring:cost_to_serve_edit"]
)
def test_client_decision_pages_are_403_for_a_kam_even_on_their_client(client, ranked, alice, name):
    mine, *_ = ranked
    client.force_login(alice)
    if name != "scoring:override_clear":  # a POST-only page
        assert_refused(client.get(reverse(name, args=[mine.pk])), permissions.may_manage_programme)
    data = {"kind": "force_in", "rationale": "Mine", "kam_share": "1"}
    response = client.post(reverse(name, args=[mine.pk]), data)
    assert_refused(response, permissions.may_manage_programme)
    assert not Override.objects.exists()
    assert CostToServe.objects.get(client=mine).kam_share == Decimal("0.50")


def test_shortlist_redirects_to_the_budget_form_when_the_year_has_none(client, dana):
    client.force_login(dana)
    response = client.get(reverse("scoring:shortlist_detail", args=[2031]))
    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:programme_edit", args=[2031])


# --- the shortlist page --------------------------------------------------------------------------


def test_shortlist_page_shows_candidates_budget_and_matrix(client, ranked, programme, dana):
    client.force_login(dana)
    response = client.get(reverse("scoring:shortlist_detail", args=[2026]))
    page = response.content.decode()

    assert response.status_code == 200
    assert page.count('data-testid="candidate-row"') == 3
    assert "€300,000.00" in page
    assert 'data-testid="portfolio-matrix"' in page
    assert "<svg" in page
    assert "matrix-point-highlighted" not in page


def test_shortlist_add_by_htmx_returns_the_board_with_the_client(client, ranked, programme, dana):
    mine, *_ = ranked
    client.force_login(dana)
    response = htmx(client, reverse("scoring:shortlist_add", args=[2026]), {"client": mine.pk})
    board = response.content.decode()

    assert response.status_code == 200
    assert "<html" not in board
    assert board.count('data-testid="shortlist-row"') == 1
    assert board.count('data-testid="candidate-row"') == 2
    assert "matrix-point-highlighted" in board
    assert "€60,000.00" in board
    assert list(programme.entries.values_list("client_id", flat=True)) == [mine.pk]


def test_shortlist_add_of_a_forced_out_client_says_why(client, ranked, programme, dana):
    mine, *_ = ranked
    OverrideFactory(client=mine, kind=Override.Kind.FORCE_OUT, points=0, author=dana)
    client.force_login(dana)
    response = htmx(client, reverse("scoring:shortlist_add", args=[2026]), {"client": mine.pk})

    assert 'data-testid="shortlist-error"' in response.content.decode()
    assert "forced out of the selection" in response.content.decode()
    assert not ShortlistEntry.objects.exists()


def test_shortlist_add_without_htmx_redirects_with_the_error(client, programme, criteria, dana):
    prospect = ClientFactory(name="Prospect")
    client.force_login(dana)
    response = client.post(
        reverse("scoring:shortlist_add", args=[2026]), {"client": prospect.pk}, follow=True
    )
    assert "Prospect has no history in the ledger" in response.content.decode()
    assert not ShortlistEntry.objects.exists()


@pytest.mark.parametrize("value", ["", "abc", "999999"])
def test_shortlist_add_of_no_such_client_is_404(client, programme, dana, value):
    client.force_login(dana)
    response = client.post(reverse("scoring:shortlist_add", args=[2026]), {"client": value})
    assert response.status_code == 404


def test_shortlist_remove_takes_the_client_off(client, ranked, programme, dana):
    mine, *_ = ranked
    ShortlistEntry.objects.create(programme=programme, client=mine, added_by=dana)
    client.force_login(dana)
    htmx(client, reverse("scoring:shortlist_remove", args=[2026]), {"client": mine.pk})
    assert not ShortlistEntry.objects.exists()


def test_shortlist_confirm_over_budget_asks_for_the_exception(client, ranked, programme, dana):
    programme.budget = Decimal(100000)
    programme.save()
    for company in ranked[:2]:  # 120,000 for a budget of 100,000
        ShortlistEntry.objects.create(programme=programme, client=company, added_by=dana)
    client.force_login(dana)
    url = reverse("scoring:shortlist_confirm", args=[2026])

    refused = client.post(url, {"reason": "", "budget_exception": ""})
    assert refused.status_code == 400
    assert "record the exception that allows it" in refused.content.decode()
    assert not ShortlistDecision.objects.exists()

    confirmed = client.post(url, {"budget_exception": "Approved by the board"}, follow=True)
    assert "Shortlist of 2026 confirmed: 2 key accounts." in confirmed.content.decode()
    decision = ShortlistDecision.objects.get()
    assert (decision.cost, decision.budget_exception) == (Decimal(120000), "Approved by the board")
    assert 'data-testid="shortlist-decisions"' in confirmed.content.decode()


def test_shortlist_page_warns_above_five(client, criteria, programme, dana):
    for number in range(6):
        company = ClientFactory(name=f"Firm {number}")
        ClientYearMetricFactory(client=company, year=2025)
        ShortlistEntry.objects.create(programme=programme, client=company, added_by=dana)
    recompute()
    client.force_login(dana)
    page = client.get(reverse("scoring:shortlist_detail", args=[2026])).content.decode()
    assert "6 key accounts is more than the recommended 5" in page


def test_shortlist_page_query_count_is_flat(
    client, criteria, programme, dana, django_assert_max_num_queries
):
    def make(count: int) -> None:
        for _ in range(count):
            company = ClientFactory.create()
            ClientYearMetricFactory(client=company, year=2025)
            CostToServeFactory(client=company, updated_by=dana)
            OverrideFactory(client=company, author=dana)
            ShortlistEntry.objects.create(programme=programme, client=company, added_by=dana)
        recompute()

    client.force_login(dana)
    url = reverse("scoring:shortlist_detail", args=[2026])
    make(2)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    make(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_shortlist_shows_50_candidates_then_the_rest_as_the_last_is_revealed(
    client, criteria, programme, dana, django_assert_num_queries
):
    for index in range(62):
        company = ClientFactory(name=f"Firm {index:03d}")
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(1000 - index))
    ShortlistEntry.objects.create(
        programme=programme, client=Client.objects.get(name="Firm 000"), added_by=dana
    )
    recompute()
    client.force_login(dana)
    html = client.get(reverse("scoring:shortlist_detail", args=[2026])).content.decode()

    candidates = re.findall(r'data-testid="candidate-row"', html)
    assert len(candidates) == 50
    assert html.count('class="matrix-point') == 62  # up to 100 clients: the matrix places all
    assert 'data-testid="matrix-shown"' not in html
    last = html.split('data-testid="candidate-row"')[-1].split(">")[0]
    assert 'hx-trigger="revealed"' in last
    more_url = html_text.unescape(re.search(r'hx-get="([^"]*)"', last)[1])
    assert more_url == reverse("scoring:shortlist_detail", args=[2026]) + "?page=2"
    # session, user, programme; the board's eight queries and a count of the candidates
    with django_assert_num_queries(12):  # as many for 100 or 1,000 candidates
        more = client.get(more_url, headers={"HX-Request": "true"}).content.decode()
    assert "<table" not in more
    names = re.findall(r'class="strong" href="[^"]*">([^<]*)<', more)
    assert names == [f"Firm {index:03d}" for index in range(51, 62)]  # Firm 000 is chosen
    assert "hx-trigger" not in more


# --- programme, cost to serve and overrides ------------------------------------------------------


def test_programme_form_reads_french_numbers(client, dana):
    client.force_login(dana)
    client.cookies["django_language"] = "fr"
    with translation.override("fr"):
        response = client.post(
            reverse("scoring:programme_edit", args=[2027]),
            {"budget": "450000,50", "currency": "EUR", "kam_headcount": "4", "kam_cost": "95000"},
        )
    assert response.status_code == 302
    programme = Programme.objects.get(year=2027)
    assert (programme.budget, programme.kam_headcount) == (Decimal("450000.50"), 4)


def test_programme_form_refuses_a_negative_budget(client, dana):
    client.force_login(dana)
    response = client.post(
        reverse("scoring:programme_edit", args=[2027]),
        {"budget": "-5", "currency": "EUR", "kam_headcount": "4", "kam_cost": "95000"},
    )
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()
    assert not Programme.objects.exists()


def test_cost_form_saves_and_goes_back_to_the_shortlist(client, ranked, dana):
    *_, theirs = ranked
    client.force_login(dana)
    back = reverse("scoring:shortlist_detail", args=[2026])
    response = client.post(
        reverse("scoring:cost_to_serve_edit", args=[theirs.pk]),
        {"kam_share": "0.75", "travel": "12000", "dedicated": "0", "note": "", "next": back},
    )
    assert response["Location"] == back
    assert CostToServe.objects.get(client=theirs).kam_share == Decimal("0.75")


def test_cost_form_refuses_a_share_above_one_and_ignores_foreign_next(client, ranked, dana):
    *_, theirs = ranked
    client.force_login(dana)
    url = reverse("scoring:cost_to_serve_edit", args=[theirs.pk])
    response = client.post(
        url, {"kam_share": "1.5", "travel": "0", "dedicated": "0", "next": "https://evil.example"}
    )
    assert "less than or equal to 1" in response.content.decode()
    assert CostToServe.objects.get(client=theirs).kam_share == Decimal("0.50")
    ok = client.post(
        url, {"kam_share": "1", "travel": "0", "dedicated": "0", "next": "https://evil.example"}
    )
    assert ok["Location"] == reverse("scoring:client_explanation", args=[theirs.pk])


def test_override_form_saves_and_shows_on_the_explanation(client, ranked, dana):
    mine, *_ = ranked
    client.force_login(dana)
    response = client.post(
        reverse("scoring:override_edit", args=[mine.pk]),
        {"kind": "adjust", "points": "7.5", "rationale": "Signed a 3-year framework"},
        follow=True,
    )
    page = response.content.decode()
    assert 'data-testid="explanation-override"' in page
    assert "Signed a 3-year framework" in page
    assert Override.objects.get(is_active=True).points == 7.5


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "adjust", "points": "15", "rationale": "Too much"}, "between -10 and +10"),
        ({"kind": "adjust", "points": "5", "rationale": ""}, "This field is required"),
        ({"kind": "force_in", "points": "5", "rationale": "Both"}, "carries no points"),
        ({"kind": "promote", "points": "", "rationale": "Unknown"}, "Select a valid choice"),
    ],
)
def test_override_form_refuses_bad_input(client, ranked, dana, data, message):
    mine, *_ = ranked
    client.force_login(dana)
    response = client.post(reverse("scoring:override_edit", args=[mine.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Override.objects.exists()


def test_override_clear_withdraws_it(client, ranked, dana):
    mine, *_ = ranked
    OverrideFactory(client=mine, author=dana)
    client.force_login(dana)
    client.post(reverse("scoring:override_clear", args=[mine.pk]))
    assert not Override.objects.filter(is_active=True).exists()


def test_shortlist_page_writes_large_client_ids_plainly(client, criteria, programme, dana):
    company = ClientFactory(pk=12345, name="Big id")
    ClientYearMetricFactory(client=company, year=2025)
    recompute()
    client.force_login(dana)
    for language in ("en", "fr"):
        client.cookies["django_language"] = language
        with translation.override(language):
            page = client.get(reverse("scoring:shortlist_detail", args=[2026])).content.decode()
        assert 'name="client" value="12345"' in page  # never "12,345" nor "12 345"
    response = htmx(client, reverse("scoring:shortlist_add", args=[2026]), {"client": "12345"})
    assert 'data-client="12345"' in response.content.decode()


def test_shortlist_matrix_places_the_best_ranked_and_the_shortlist_and_says_so(
    client, criteria, programme, dana, monkeypatch
):
    from scoring.selectors import shortlist as shortlist_selectors

    monkeypatch.setattr(shortlist_selectors, "MATRIX_BEST", 10)
    for index in range(30):
        company = ClientFactory(name=f"Firm {index:03d}")
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(1000 - index))
    last = Client.objects.get(name="Firm 029")
    ShortlistEntry.objects.create(programme=programme, client=last, added_by=dana)
    recompute()
    client.force_login(dana)
    url = reverse("scoring:shortlist_detail", args=[2026])
    page = client.get(url).content.decode()

    assert page.count('class="matrix-point') == 11  # the ten best and the shortlisted one
    assert page.count("matrix-point-highlighted") == 1
    assert "<title>Firm 029 · " in page
    assert "<title>Firm 020 · " not in page
    shown = re.search(r'data-testid="matrix-shown">([^<]*)<', page)[1]
    assert " ".join(shown.split()) == (
        "The matrix places the 10 best-ranked clients and the shortlist: 11 of 30 ranked clients."
    )
    client.cookies["django_language"] = "fr"
    french = client.get(url).content.decode()
    shown_fr = " ".join(re.search(r'data-testid="matrix-shown">([^<]*)<', french)[1].split())
    assert shown_fr.startswith("La matrice place les 10 clients les mieux classés")
    assert shown_fr != " ".join(shown.split())


# --- the page kept in the cache ------------------------------------------------------------------


def test_shortlist_page_from_the_cache_shows_each_write_on_the_next_load(
    client, ranked, programme, dana, django_assert_num_queries
):
    mine, also_mine, theirs = ranked
    client.force_login(dana)
    url = reverse("scoring:shortlist_detail", args=[2026])
    client.get(url)  # rendered and kept
    with django_assert_num_queries(4):  # session, user, programme, the version: from the cache
        page = client.get(url).content.decode()
    assert 'data-testid="shortlist-row"' not in page

    selection.shortlist_add(user=dana, programme=programme, client=mine)
    page = client.get(url).content.decode()
    assert f'data-testid="shortlist-row" data-client="{mine.pk}"' in page
    assert "€60,000.00" in page.split('data-testid="shortlist-cost">')[1].split("<")[0]

    selection.cost_to_serve_set(user=dana, client=mine, kam_share=Decimal("0.5"))
    page = client.get(url).content.decode()
    assert "€50,000.00" in page.split('data-testid="shortlist-cost">')[1].split("<")[0]

    overrides.override_set(user=dana, client=also_mine, kind="adjust", points=5, rationale="Ally")
    page = client.get(url).content.decode()
    assert "+5.0 pts" in page.split(f'data-client="{also_mine.pk}"')[1].split("</tr>")[0]

    selection.programme_save(
        user=dana, year=2026, budget=Decimal(40000), kam_headcount=4, kam_cost=Decimal(100000)
    )
    page = client.get(url).content.decode()
    assert 'data-testid="shortlist-over-budget"' in page

    selection.programme_save(
        user=dana, year=2026, budget=Decimal(400000), kam_headcount=4, kam_cost=Decimal(100000)
    )
    selection.shortlist_confirm(user=dana, programme=programme)
    page = client.get(url).content.decode()
    assert "Confirmed" in page.split('data-testid="shortlist-status">')[1].split("</span>")[0]

    Client.objects.filter(pk=theirs.pk).update(name="Renamed & Co")  # whatever renames it
    page = client.get(url).content.decode()
    assert "Renamed &amp; Co" in page


def test_shortlist_page_from_the_cache_carries_each_visitors_csrf_token(
    ranked, programme, dana, alice
):
    url = reverse("scoring:shortlist_detail", args=[2026])
    selection.shortlist_add(user=dana, programme=programme, client=ranked[0])
    tokens = []
    for _ in range(2):  # the second director's page comes from the cache
        browser = Browser(enforce_csrf_checks=True)
        browser.force_login(dana)
        html = browser.get(url).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]
        assert "csrf0token0mark" not in html
        tokens.append(token)
        confirm = reverse("scoring:shortlist_confirm", args=[2026])
        response = browser.post(confirm, {"csrfmiddlewaretoken": token})
        assert response.status_code == 302  # the token was this visitor's
    assert tokens[0] != tokens[1]


def test_shortlist_cached_for_a_director_is_403_for_a_kam(client, ranked, programme, dana, alice):
    url = reverse("scoring:shortlist_detail", args=[2026])
    client.force_login(dana)
    assert client.get(url).status_code == 200
    assert client.get(url, {"page": 2}, headers={"HX-Request": "true"}).status_code == 200
    client.force_login(alice)
    assert_refused(client.get(url), permissions.may_manage_programme)
    more = client.get(url, {"page": 2}, headers={"HX-Request": "true"})
    assert_refused(more, permissions.may_manage_programme)


def _add_form_token(page: str) -> str:
    form = re.search(r'data-testid="candidate-row".*?<form[^>]*>(.*?)</form>', page, re.S)
    assert form, "no add form"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(1))
    assert token, "the add form carries no CSRF token"
    return token.group(1)


def test_shortlist_add_and_remove_work_without_javascript(ranked, programme, dana):
    """The forms carry their CSRF token (cached page and next candidates alike), so a browser
    without htmx posts them and Django's CSRF check lets them through."""
    mine, *_ = ranked
    browser = Browser(enforce_csrf_checks=True)
    browser.force_login(dana)
    browser.cookies["django_language"] = "en"
    url = reverse("scoring:shortlist_detail", args=[2026])
    browser.get(url)  # caches the page
    page = browser.get(url).content.decode()  # served from the cache
    token = _add_form_token(page)
    added = browser.post(
        reverse("scoring:shortlist_add", args=[2026]),
        {"client": mine.pk, "csrfmiddlewaretoken": token},
    )
    assert added.status_code == 302
    assert list(programme.entries.values_list("client_id", flat=True)) == [mine.pk]

    page = browser.get(url).content.decode()
    remove = re.search(r'<form[^>]*action="[^"]*/remove/"[^>]*>', page)
    assert remove
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page[remove.end() :])
    assert token
    removed = browser.post(
        reverse("scoring:shortlist_remove", args=[2026]),
        {"client": mine.pk, "csrfmiddlewaretoken": token.group(1)},
    )
    assert removed.status_code == 302
    assert not programme.entries.exists()


def test_next_candidates_carry_the_requests_own_csrf_token(criteria, programme, dana):
    for index in range(55):
        company = ClientFactory(name=f"Firm {index:03d}")
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(1000 - index))
    recompute()
    more_url = reverse("scoring:shortlist_detail", args=[2026]) + "?page=2"
    browsers, tokens = [], []
    for _ in range(2):  # the second is served from the cache, with its own browser's token
        browser = Browser(enforce_csrf_checks=True)
        browser.force_login(dana)
        more = browser.get(more_url, headers={"HX-Request": "true"}).content.decode()
        assert "csrf0token0mark" not in more
        browsers.append(browser)
        tokens.append(_add_form_token(more))
    assert tokens[0] != tokens[1]
    company = Client.objects.get(name="Firm 054")
    response = browsers[1].post(
        reverse("scoring:shortlist_add", args=[2026]),
        {"client": company.pk, "csrfmiddlewaretoken": tokens[1]},
    )
    assert response.status_code == 302
    assert list(programme.entries.values_list("client_id", flat=True)) == [company.pk]


def test_shortlist_matrix_is_drawn_again_only_when_what_it_shows_changes(
    client, ranked, programme, dana, monkeypatch
):
    """The page is rendered anew after a cost or budget change, but the matrix it holds comes
    from the cache; a client added to the shortlist (highlighted) or renamed (its label), however
    it changed, draws it again."""
    from scoring import views

    mine, _, theirs = ranked
    drawn = []
    draw = views.portfolio_matrix_svg
    monkeypatch.setattr(
        views, "portfolio_matrix_svg", lambda points: drawn.append(1) or draw(points)
    )
    client.force_login(dana)
    url = reverse("scoring:shortlist_detail", args=[2026])
    first = client.get(url).content.decode()
    assert len(drawn) == 1

    selection.cost_to_serve_set(user=dana, client=mine, kam_share=Decimal("0.5"))
    selection.programme_save(
        user=dana, year=2026, budget=Decimal(40000), kam_headcount=4, kam_cost=Decimal(100000)
    )
    page = client.get(url).content.decode()
    assert "40,000" in page  # the page is new
    assert "40,000" not in first
    assert len(drawn) == 1  # its matrix is not
    assert "matrix-point-highlighted" not in page

    selection.shortlist_add(user=dana, programme=programme, client=mine)
    page = client.get(url).content.decode()
    assert len(drawn) == 2
    assert page.count("matrix-point-highlighted") == 1

    Client.objects.filter(pk=theirs.pk).update(name="Renamed & Co")  # behind the services' back
    page = client.get(url).content.decode()
    assert len(drawn) == 3
    matrix = page.split('data-testid="portfolio-matrix"')[1].split("</figure>")[0]
    assert "Renamed &amp; Co" in matrix


def test_shortlist_version_follows_the_visible_clients_and_their_kams(ranked, programme, dana):
    from accounts.models import User
    from scoring.selectors import shortlist as shortlist_selectors

    mine, also_mine, theirs = ranked

    def version():
        return shortlist_selectors.shortlist_version(user=dana, programme=programme)

    before = version()
    assert version() == before  # nothing changed: the same
    User.objects.filter(pk=mine.kam_id).update(last_name="Renamed")  # the KAM's name it shows
    after_kam = version()
    assert after_kam != before
    Client.objects.filter(pk=theirs.pk).update(currency="USD")
    after_currency = version()
    assert after_currency != after_kam
    Client.objects.filter(pk=also_mine.pk).delete()  # one client fewer
    after_delete = version()
    assert after_delete != after_currency
    OverrideFactory(client=mine, points=4, author=dana, rationale="Framework deal")
    assert version() != after_delete


def test_ranking_and_grid_versions_follow_only_the_clients_their_reader_sees(
    ranked, alice, dana, criteria
):
    from accounts.models import User
    from scoring.selectors import grid as grid_selectors
    from scoring.selectors import scores as score_selectors

    mine, also_mine, theirs = ranked
    grid = grid_selectors.grid_header()

    def versions(user):
        return score_selectors.ranking_version(user=user), grid_selectors.grid_version(
            user=user, grid=grid
        )

    director, kam = versions(dana), versions(alice)
    assert versions(dana) == director  # nothing changed: the same
    assert versions(alice) == kam
    Client.objects.filter(pk=theirs.pk).update(name="Renamed & Co")  # not one of alice's
    assert versions(alice) == kam
    renamed = versions(dana)
    assert all(new != old for new, old in zip(renamed, director, strict=True))
    User.objects.filter(pk=mine.kam_id).update(first_name="Renamed")  # the KAM's name shown
    assert all(new != old for new, old in zip(versions(alice), kam, strict=True))
    kam = versions(alice)
    Client.objects.filter(pk=also_mine.pk).update(kam=theirs.kam)  # no longer alice's
    assert all(new != old for new, old in zip(versions(alice), kam, strict=True))
