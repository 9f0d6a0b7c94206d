"""scoring/views.py: the selection grid, its inline ratings and its exports, from the outside."""

import csv
import html as html_text
import io
import re
from decimal import Decimal
from unittest import mock

import openpyxl
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from kam import permissions
from scoring.models import CriterionScore, Rating, WeightSet
from scoring.services import ratings, runs
from tests.factories import ClientFactory, ClientYearMetricFactory
from tests.refusals import assert_refused
from tests.scoring.conftest import recompute
from tests.scoring.factories import CriterionFactory, CriterionWeightFactory, RatingFactory

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


@pytest.fixture(autouse=True)
def no_queued_recompute():
    """A rating asks for a recompute after commit; the tests compute when they mean to."""
    with mock.patch.object(runs, "scores_recompute_request"):
        yield


def grid_names(response) -> list[str]:
    """The clients of the grid's rows, as the page writes them."""
    names = re.findall(r'data-testid="grid-client">([^<]*)<', response.content.decode())
    return [html_text.unescape(name) for name in names]


def cell_html(html: str, company, code: str) -> str:
    return html.split(f'id="cell-{company.pk}-{code}"')[1].split("</td>")[0]


# --- the grid ---------------------------------------------------------------------------------


def test_grid_shows_a_director_every_ranked_client_in_rank_order(client, book, dana):
    recompute()
    client.force_login(dana)
    response = client.get(reverse("scoring:grid"))

    assert response.status_code == 200
    assert grid_names(response) == ["Mine", "Also mine", "Theirs"]
    html = response.content.decode()
    assert html.count('data-testid="grid-row"') == 3
    assert [c.code for c in response.context["grid"].criteria] == [
        "late",
        "revenue",
        "fit",
        "relationship",
    ]  # grouped by family: financial, strategic, maturity
    for label in ("Financial", "Strategic alignment", "Maturity"):
        assert label in html


def test_grid_shows_a_kam_only_their_clients(client, book, alice):
    recompute()
    client.force_login(alice)
    response = client.get(reverse("scoring:grid"))

    assert grid_names(response) == ["Mine", "Also mine"]
    assert "Theirs" not in response.content.decode()


def test_grid_shows_contributors_nothing(client, book, carl):
    recompute()
    client.force_login(carl)
    response = client.get(reverse("scoring:grid"))

    assert response.status_code == 200
    assert grid_names(response) == []


def test_grid_needs_a_login(client):
    response = client.get(reverse("scoring:grid"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_grid_has_an_empty_state_before_any_run(client, book, dana):
    client.force_login(dana)
    response = client.get(reverse("scoring:grid"))

    assert response.status_code == 200
    assert 'data-testid="grid-empty"' in response.content.decode()


def test_grid_cells_show_levels_values_met_flags_and_missing(client, book, dana, criteria):
    mine, also_mine, _ = book
    ratings.rating_set(user=dana, client=mine, criterion=criteria["fit"], level=5, note="Plan")
    ratings.rating_set(user=dana, client=also_mine, criterion=criteria["fit"], level=2)
    run = recompute()
    client.force_login(dana)
    response = client.get(reverse("scoring:grid"))
    html = response.content.decode()

    fit = criteria["fit"]
    stored = CriterionScore.objects.get(run=run, client=mine, criterion=fit)
    assert stored.normalised >= fit.met_threshold  # level 5 scores 1
    mine_fit = cell_html(html, mine, "fit")
    assert 'data-testid="grid-level">5<' in mine_fit
    assert "grid-met" in mine_fit.split(">")[0]  # the cell's class
    assert "Plan" not in mine_fit  # who rated it and why: on demand
    about = client.get(reverse("scoring:grid_cell", args=[mine.pk, "fit"]), {"about": "1"})
    assert "Plan" in about.content.decode()
    assert str(dana) in about.content.decode()

    also_fit = cell_html(html, also_mine, "fit")
    assert 'data-testid="grid-level">2<' in also_fit
    assert "grid-unmet" in also_fit.split(">")[0]  # level 2 scores 0.25, under 0.5

    # nobody rated the relationship and the ledger has no days late: missing, never 0
    for company in book:
        assert 'data-testid="grid-missing">missing<' in cell_html(html, company, "relationship")
        assert 'data-testid="grid-missing">missing<' in cell_html(html, company, "late")
        assert "grid-unmet" in cell_html(html, company, "late").split(">")[0]
    assert "€300.00" in cell_html(html, mine, "revenue")

    met = CriterionScore.objects.filter(run=run, client=mine).select_related("criterion")
    expected = sum(1 for s in met if not s.missing and s.normalised >= s.criterion.met_threshold)
    assert expected == 2  # revenue (top percentile) and fit
    assert f"{expected} of 4" in html.split(f'data-client="{mine.pk}"')[1]


def test_grid_shows_a_rating_newer_than_the_run(client, book, dana, criteria):
    mine, _, _ = book
    ratings.rating_set(user=dana, client=mine, criterion=criteria["fit"], level=2)
    recompute()
    ratings.rating_set(user=dana, client=mine, criterion=criteria["fit"], level=5)
    client.force_login(dana)
    html = client.get(reverse("scoring:grid")).content.decode()

    cell = cell_html(html, mine, "fit")
    assert 'data-testid="grid-level">5<' in cell  # the current rating
    assert "grid-unmet" in cell.split(">")[0]  # the run scored level 2
    assert 'data-testid="grid-pending"' in cell


def test_grid_shows_the_ratings_of_a_criterion_added_since_the_run(
    client, book, dana, criteria, django_assert_num_queries
):
    mine, also_mine, _ = book
    ratings.rating_set(user=dana, client=mine, criterion=criteria["fit"], level=4)
    recompute()
    trust = CriterionFactory(code="trust", family="maturity")  # the run did not score it
    ratings.rating_set(user=dana, client=mine, criterion=trust, level=2)
    ratings.rating_set(user=dana, client=mine, criterion=trust, level=3)
    client.force_login(dana)
    with django_assert_num_queries(8):  # the page's seven, and the new criterion's ratings
        html = client.get(reverse("scoring:grid")).content.decode()

    cell = cell_html(html, mine, "trust")
    assert 'data-testid="grid-level">3<' in cell  # the current rating
    assert "grid-met" not in cell.split(">")[0]
    assert "grid-unmet" not in cell.split(">")[0]
    assert "grid-pending" not in cell
    assert 'data-testid="grid-missing"' in cell_html(html, also_mine, "trust")
    fit = cell_html(html, mine, "fit")  # scored by the run, its level read with the scores
    assert 'data-testid="grid-level">4<' in fit
    assert "grid-pending" not in fit


@pytest.mark.parametrize(
    ("sort", "direction", "expected"),
    [
        ("rank", "desc", ["Also mine", "Theirs", "Mine"]),
        ("client", "asc", ["Also mine", "Mine", "Theirs"]),
        ("client", "desc", ["Theirs", "Mine", "Also mine"]),
        ("revenue", "asc", ["Theirs", "Also mine", "Mine"]),
        ("total", "desc", ["Mine", "Theirs", "Also mine"]),
        ("total", "asc", ["Also mine", "Theirs", "Mine"]),
        ("fit", "desc", ["Theirs", "Mine", "Also mine"]),  # unrated last either way
        ("fit", "asc", ["Mine", "Theirs", "Also mine"]),
        ("nonsense", "sideways", ["Mine", "Theirs", "Also mine"]),  # rank order
    ],
)
def test_grid_sorts_on_any_column(client, book, dana, criteria, sort, direction, expected):
    mine, _, theirs = book
    ratings.rating_set(user=dana, client=mine, criterion=criteria["fit"], level=2)
    ratings.rating_set(user=dana, client=theirs, criterion=criteria["fit"], level=4)
    recompute()  # totals: mine 37.5 + 7.5, theirs 0 + 22.5, also mine 18.75 + 0
    client.force_login(dana)
    response = client.get(reverse("scoring:grid"), {"sort": sort, "dir": direction})

    assert grid_names(response) == expected


def test_grid_header_links_sort_and_reverse(client, book, dana):
    recompute()
    client.force_login(dana)
    html = client.get(reverse("scoring:grid"), {"sort": "total", "dir": "desc"}).content.decode()

    total = html.split('data-testid="sort-total"')[0].rsplit("<a", 1)[1]
    assert "sort=total&amp;dir=asc" in total  # a second click reverses
    assert "sort-desc" in total
    revenue = html.split('data-testid="sort-revenue"')[0].rsplit("<a", 1)[1]
    assert "sort=revenue&amp;dir=desc" in revenue  # figures read largest first


def test_grid_sorting_with_htmx_returns_the_table_only(client, book, dana):
    recompute()
    client.force_login(dana)
    response = client.get(
        reverse("scoring:grid"), {"sort": "client", "dir": "asc"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()

    assert html.lstrip().startswith('<div id="grid-table"')
    assert "<html" not in html
    assert grid_names(response) == ["Also mine", "Mine", "Theirs"]


@pytest.mark.parametrize("count", [3, 60])
def test_grid_query_count_is_flat(client, criteria, dana, count, django_assert_num_queries):
    for index in range(count):
        company = ClientFactory(kam=dana if index % 2 else None)
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(100 + index))
        ratings.rating_set(user=dana, client=company, criterion=criteria["fit"], level=3)
    recompute()
    client.force_login(dana)
    # session, user; the header's run and criteria; the version (latest rating, visible
    # clients); the rows: scores with clients and their count, criterion scores with the levels
    with django_assert_num_queries(7):
        response = client.get(reverse("scoring:grid"))
    assert len(grid_names(response)) == min(count, 50)
    with django_assert_num_queries(5):  # the same rows again: from the cache
        again = client.get(reverse("scoring:grid"))
    assert grid_names(again) == grid_names(response)


def test_grid_rows_cached_for_a_director_serve_another_director_not_a_kam(
    client, criteria, dana, alice, django_assert_num_queries
):
    from accounts.models import User
    from tests.factories import UserFactory

    for index in range(3):
        company = ClientFactory(kam=alice if index else None)
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(100 + index))
    recompute()
    client.force_login(dana)
    first = client.get(reverse("scoring:grid"))
    client.force_login(UserFactory(username="dora", role=User.Role.DIRECTOR))
    with django_assert_num_queries(5):  # the rows dana's request rendered: what both may rate
        again = client.get(reverse("scoring:grid"))
    assert grid_names(again) == grid_names(first)
    assert again.content.decode().count('data-testid="grid-edit"') == 3 * 2  # two rated criteria
    client.force_login(alice)
    with django_assert_num_queries(7):  # her own rows: rendered for her
        mine = client.get(reverse("scoring:grid"))
    assert len(grid_names(mine)) == 2


@pytest.mark.parametrize("count", [55, 70])
def test_grid_shows_50_rows_then_the_rest_as_the_last_row_comes_into_view(
    client, criteria, dana, count, django_assert_num_queries
):
    for index in range(count):
        company = ClientFactory(name=f"Client {index:03d}", kam=dana)
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(1000 - index))
    recompute()
    client.force_login(dana)
    html = client.get(reverse("scoring:grid"), {"sort": "client", "dir": "asc"}).content.decode()

    assert re.findall(r'data-testid="grid-client">([^<]*)<', html) == [
        f"Client {index:03d}" for index in range(50)
    ]
    assert f"{count} ranked clients" in html
    last = html.split('data-testid="grid-row"')[-1].split(">")[0]  # the 50th row asks for more
    more_url = html_text.unescape(re.search(r'hx-get="([^"]*)"', last)[1])
    assert 'hx-trigger="intersect once"' in last
    assert more_url == reverse("scoring:grid") + "?sort=client&dir=asc&page=2"
    assert html.count("hx-trigger=") == 1
    # session, user; the header's run and criteria; the version (latest rating, visible
    # clients); the rows: scores with clients and their count, criterion scores with the levels
    with django_assert_num_queries(7):
        more = client.get(more_url, headers={"HX-Request": "true"})
    rest = more.content.decode()
    assert "<table" not in rest
    assert grid_names(more) == [f"Client {index:03d}" for index in range(50, count)]
    assert "hx-trigger=" not in rest  # the last page asks for nothing more
    with django_assert_num_queries(5):  # from the cache
        assert client.get(more_url, headers={"HX-Request": "true"}).content.decode() == rest


def test_ranking_links_to_the_grid(client, book, dana):
    recompute()
    client.force_login(dana)
    html = client.get(reverse("scoring:ranking")).content.decode()
    assert f'href="{reverse("scoring:grid")}"' in html


# --- inline ratings -----------------------------------------------------------------------------


def rate_url(company, code: str) -> str:
    return reverse("scoring:grid_rating", args=[company.pk, code])


def test_grid_offers_rating_only_on_rated_cells_the_user_may_edit(client, book, alice):
    mine, also_mine, _ = book
    recompute()
    client.force_login(alice)
    html = client.get(reverse("scoring:grid")).content.decode()

    assert 'data-testid="grid-edit"' in cell_html(html, mine, "fit")
    assert 'data-testid="grid-edit"' in cell_html(html, also_mine, "relationship")
    assert 'data-testid="grid-edit"' not in cell_html(html, mine, "revenue")


def test_grid_cells_are_plain_for_a_sponsor(client, book, sam):
    mine, _, _ = book
    recompute()
    client.force_login(sam)
    html = client.get(reverse("scoring:grid")).content.decode()

    assert grid_names(client.get(reverse("scoring:grid"))) == ["Mine"]
    assert 'data-testid="grid-edit"' not in html
    assert_refused(client.get(rate_url(mine, "fit")), permissions.may_rate_client)
    assert_refused(client.post(rate_url(mine, "fit"), {"level": "5"}), permissions.may_rate_client)
    assert not Rating.objects.filter(client=mine).exists()


def test_rating_form_shows_the_rubric_of_each_level(client, book, alice, criteria):
    mine, _, _ = book
    criteria["fit"].rubric_en = {"1": "Outside our markets", "5": "A reference client"}
    criteria["fit"].save()
    recompute()
    client.force_login(alice)
    response = client.get(rate_url(mine, "fit"), headers={"HX-Request": "true"})
    html = response.content.decode()

    assert response.status_code == 200
    assert html.lstrip().startswith("<td")
    assert 'data-testid="grid-rating-form"' in html
    assert "1 — Outside our markets" in html
    assert "5 — A reference client" in html
    assert '<option value="3">3</option>' in html


def test_rating_with_htmx_saves_and_swaps_back_the_cell(client, book, alice, criteria):
    mine, _, _ = book
    recompute()
    client.force_login(alice)
    response = client.post(
        rate_url(mine, "fit"),
        {"level": "4", "note": "Joint plan signed"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()

    assert response.status_code == 200
    rating = Rating.objects.get(client=mine, criterion=criteria["fit"])
    assert (rating.level, rating.note, rating.author) == (4, "Joint plan signed", alice)
    assert html.lstrip().startswith(f'<td id="cell-{mine.pk}-fit"')
    assert 'data-testid="grid-level">4<' in html
    assert 'data-testid="grid-pending"' in html  # counts at the next computation
    assert "grid-saved" in html.split(">")[0]
    assert "grid-rating-form" not in html
    about = client.get(reverse("scoring:grid_cell", args=[mine.pk, "fit"]), {"about": "1"})
    assert "Joint plan signed" in about.content.decode()


def test_rating_asks_for_a_recompute(client, book, alice, criteria):
    mine, _, _ = book
    recompute()
    client.force_login(alice)
    client.post(rate_url(mine, "fit"), {"level": "3"}, headers={"HX-Request": "true"})

    runs.scores_recompute_request.assert_called_once_with(trigger="ratings")


@pytest.mark.parametrize(
    ("level", "message"), [("", "Choose a level from 1 to 5."), ("7", "A level is 1 to 5.")]
)
def test_rating_with_a_bad_level_shows_the_error_in_the_cell(
    client, book, alice, criteria, level, message
):
    mine, _, _ = book
    recompute()
    client.force_login(alice)
    response = client.post(rate_url(mine, "fit"), {"level": level}, headers={"HX-Request": "true"})
    html = response.content.decode()

    assert response.status_code == 200
    assert 'data-testid="grid-rating-form"' in html
    assert message in html
    assert not Rating.objects.exists()


def test_rating_errors_are_translated(client, book, alice):
    mine, _, _ = book
    recompute()
    client.force_login(alice)
    client.cookies["django_language"] = "fr"
    with translation.override("fr"):
        expected = str(translation.gettext("A level is 1 to 5."))
    assert expected != "A level is 1 to 5."  # French, not the English left untranslated
    response = client.post(rate_url(mine, "fit"), {"level": "9"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not Rating.objects.exists()


def test_rating_refused_by_the_service_shows_its_error_and_writes_nothing(
    client, book, alice, criteria
):
    mine, _, _ = book
    recompute()
    client.force_login(alice)
    with mock.patch.object(
        ratings, "rating_set", side_effect=ValidationError({"level": "Refused."})
    ):
        response = client.post(
            rate_url(mine, "fit"), {"level": "3"}, headers={"HX-Request": "true"}
        )

    assert "Refused." in response.content.decode()
    assert not Rating.objects.exists()


def test_rating_without_htmx_redirects_back_to_the_grid_in_its_order(client, book, alice, criteria):
    mine, _, _ = book
    recompute()
    client.force_login(alice)
    url = rate_url(mine, "relationship") + "?sort=client&dir=desc"
    response = client.post(url, {"level": "5", "note": ""})

    assert response.status_code == 302
    assert response["Location"] == reverse("scoring:grid") + "?sort=client&dir=desc"
    assert Rating.objects.get(client=mine).criterion == criteria["relationship"]
    page = client.get(response["Location"]).content.decode()
    assert "Rating of Mine on" in page


def test_rating_form_without_htmx_opens_in_the_whole_grid(client, book, alice):
    mine, _, _ = book
    recompute()
    client.force_login(alice)
    response = client.get(rate_url(mine, "fit"))
    html = response.content.decode()

    assert response.status_code == 200
    assert "<html" in html
    assert html.count('data-testid="grid-rating-form"') == 1
    assert 'data-testid="grid-rating-form"' in cell_html(html, mine, "fit")
    error = client.post(rate_url(mine, "fit"), {"level": "0"}).content.decode()
    assert "<html" in error
    assert "A level is 1 to 5." in error
    assert not Rating.objects.exists()


def test_rating_another_kams_client_is_404(client, book, alice):
    _, _, theirs = book
    recompute()
    client.force_login(alice)

    assert client.get(rate_url(theirs, "fit")).status_code == 404
    response = client.post(rate_url(theirs, "fit"), {"level": "5"}, headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert client.post(rate_url(theirs, "fit"), {"level": "5"}).status_code == 404
    assert client.get(reverse("scoring:grid_cell", args=[theirs.pk, "fit"])).status_code == 404
    assert not Rating.objects.exists()


def test_rating_a_financial_or_unknown_criterion_is_404(client, book, dana):
    mine, _, _ = book
    recompute()
    client.force_login(dana)

    assert client.post(rate_url(mine, "revenue"), {"level": "5"}).status_code == 404
    assert client.post(rate_url(mine, "no-such"), {"level": "5"}).status_code == 404
    assert not Rating.objects.exists()


def test_a_director_rates_any_client(client, book, dana, criteria):
    _, _, theirs = book
    recompute()
    client.force_login(dana)
    response = client.post(rate_url(theirs, "fit"), {"level": "2"}, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert Rating.objects.get(client=theirs).author == dana


def test_grid_cell_gives_back_the_plain_cell(client, book, alice):
    mine, _, _ = book
    recompute()
    client.force_login(alice)
    response = client.get(reverse("scoring:grid_cell", args=[mine.pk, "fit"]))
    html = response.content.decode()

    assert html.lstrip().startswith(f'<td id="cell-{mine.pk}-fit"')
    assert "grid-rating-form" not in html


# --- exports ------------------------------------------------------------------------------------


@pytest.fixture
def tricky(criteria, alice, bob):
    """Clients whose names a spreadsheet would run as formulas, and a negative growth."""
    names = ['=HYPERLINK("http://x","y")', "@SUM(1)", "+1", "-2", "\tTab", "Plain"]
    criteria["growth"] = CriterionFactory(
        code="growth",
        family="financial",
        normalisation="minmax",
        thresholds=[],
        source="growth_pct",
    )
    weights = WeightSet.objects.get(is_active=True)
    CriterionWeightFactory(weight_set=weights, criterion=criteria["growth"], weight=0)
    companies = []
    for index, name in enumerate(names):
        company = ClientFactory(name=name, kam=alice if index < 4 else bob)
        ClientYearMetricFactory(
            client=company, year=2025, revenue=Decimal(100 * (index + 1)), growth_pct=-12.5
        )
        companies.append(company)
    return companies


def export(client, kind: str, **params):
    return client.get(reverse("scoring:grid_export"), {"format": kind, **params})


def read_csv(response) -> list[list[str]]:
    content = response.content
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content[3:].decode("utf-8"))))


def test_csv_export_has_the_grid_rows_and_columns(client, book, dana, criteria):
    mine, _, _ = book
    ratings.rating_set(user=dana, client=mine, criterion=criteria["fit"], level=5)
    recompute()
    client.force_login(dana)
    response = export(client, "csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    day = timezone.localdate().isoformat()
    assert f'filename="key-accounts-grid-{day}.csv"' in response["Content-Disposition"]
    header, *rows = read_csv(response)
    assert header[:3] == ["Rank", "Client", "Key account manager"]
    assert header[3:6] == ["Currency", "Score /100", "Criteria met"]
    assert "Fit (level 1 to 5)" in header
    assert "Fit: met" in header
    assert [row[1] for row in rows] == ["Mine", "Also mine", "Theirs"]
    first = dict(zip(header, rows[0], strict=True))
    assert first["Fit (level 1 to 5)"] == "5"
    assert first["Fit: met"] == "yes"
    assert first["Relationship (level 1 to 5)"] == "missing"
    assert first["Revenue"] == "300.0"
    assert first["Criteria met"] == "2"


def test_export_has_only_the_kams_clients(client, book, alice):
    recompute()
    client.force_login(alice)

    _, *rows = read_csv(export(client, "csv"))
    assert [row[1] for row in rows] == ["Mine", "Also mine"]
    book_ = openpyxl.load_workbook(io.BytesIO(export(client, "xlsx").content))
    names = [row[1] for row in book_.active.iter_rows(min_row=2, values_only=True)]
    assert names == ["Mine", "Also mine"]


def test_export_follows_the_grid_order(client, book, dana):
    recompute()
    client.force_login(dana)
    _, *rows = read_csv(export(client, "csv", sort="client", dir="asc"))
    assert [row[1] for row in rows] == ["Also mine", "Mine", "Theirs"]


def test_csv_export_escapes_formulas_and_keeps_numbers(client, tricky, dana):
    recompute()
    client.force_login(dana)
    header, *rows = read_csv(export(client, "csv"))

    names = {row[1] for row in rows}
    assert names == {
        '\'=HYPERLINK("http://x","y")',
        "'@SUM(1)",
        "'+1",
        "'-2",
        "'\tTab",
        "Plain",
    }
    growth = header.index("Growth (%)")
    assert {row[growth] for row in rows} == {"-12.5"}  # a number, not escaped


def test_csv_export_in_french_has_semicolons_and_decimal_commas(client, tricky, dana):
    recompute()
    client.force_login(dana)
    client.cookies["django_language"] = "fr"
    response = client.get(reverse("scoring:grid_export"), {"format": "csv"})
    content = response.content.decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(content, newline=""), delimiter=";")

    assert header[:3] == ["Rang", "Client", "Responsable grands comptes"]
    assert all(len(row) == len(header) for row in rows)
    assert "'@SUM(1)" in {row[1] for row in rows}  # still escaped
    growth = next(index for index, name in enumerate(header) if name.startswith("Growth"))
    assert {row[growth] for row in rows} == {"-12,5"}  # a number, with a decimal comma


def test_xlsx_export_stores_text_as_text_and_numbers_as_numbers(client, tricky, dana):
    recompute()
    client.force_login(dana)
    response = export(client, "xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    day = timezone.localdate().isoformat()
    assert f'filename="key-accounts-grid-{day}.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    growth = header.index("Growth (%)")
    names = set()
    for row in sheet.iter_rows(min_row=2):
        assert row[1].data_type == "s"  # never a formula
        names.add(row[1].value)
        assert row[growth].data_type == "n"
        assert row[growth].value == -12.5
        assert isinstance(row[0].value, int)  # the rank
    assert '\'=HYPERLINK("http://x","y")' in names
    assert "'@SUM(1)" in names
    assert "'-2" in names
    assert not any(cell.data_type == "f" for row in sheet.iter_rows() for cell in row if cell.value)


def test_export_refuses_an_unknown_format(client, book, dana):
    recompute()
    client.force_login(dana)
    response = export(client, "pdf")

    assert response.status_code == 400
    assert "Choose the export format: csv or xlsx." in response.content.decode()


def test_export_needs_a_login(client):
    response = client.get(reverse("scoring:grid_export"), {"format": "csv"})
    assert response.status_code == 302


@pytest.mark.parametrize("count", [3, 30])
def test_export_query_count_is_flat(client, criteria, dana, count, django_assert_num_queries):
    for index in range(count):
        company = ClientFactory(kam=dana)
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(100 + index))
    recompute()
    client.force_login(dana)
    with django_assert_num_queries(7):
        response = export(client, "xlsx")
    assert response.status_code == 200


def test_grid_writes_large_client_ids_plainly_in_links_and_ids(client, criteria, dana):
    company = ClientFactory(pk=12345, name="Big id")
    ClientYearMetricFactory(client=company, year=2025)
    recompute()
    client.force_login(dana)
    client.cookies["django_language"] = "fr"
    with translation.override("fr"):
        html = client.get(reverse("scoring:grid")).content.decode()
    assert 'id="cell-12345-fit"' in html
    assert reverse("scoring:client_explanation", args=[12345]) in html
    assert reverse("scoring:grid_rating", args=[12345, "fit"]) in html


# --- escaping -----------------------------------------------------------------------------------

NASTY = "<script>alert(1)</script> &amp; Co"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; Co"


def test_grid_ranking_and_their_partials_escape_client_and_criterion_names(client, criteria, dana):
    criteria["fit"].name_en = criteria["fit"].name_fr = f"Fit {NASTY}"
    criteria["fit"].save()
    for index in range(50):
        company = ClientFactory(name=f"Client {index:03d}", kam=dana)
        ClientYearMetricFactory(client=company, year=2025, revenue=Decimal(1000 - index))
        RatingFactory(client=company, criterion=criteria["fit"], level=5, author=dana)
    nasty = ClientFactory(name=NASTY, kam=dana)  # ranked 51st: on the second page of rows
    ClientYearMetricFactory(client=nasty, year=2025, revenue=Decimal(1))
    ratings.rating_set(user=dana, client=nasty, criterion=criteria["fit"], level=3, note=NASTY)
    recompute()
    client.force_login(dana)
    htmx = {"HX-Request": "true"}
    cell = reverse("scoring:grid_cell", args=[nasty.pk, "fit"])
    pages = {
        "grid": client.get(reverse("scoring:grid"), {"sort": "client", "dir": "asc"}),
        "grid sorted (table)": client.get(
            reverse("scoring:grid"), {"sort": "total", "dir": "asc"}, headers=htmx
        ),
        "grid more rows": client.get(reverse("scoring:grid"), {"page": "2"}, headers=htmx),
        "grid cell": client.get(cell, headers=htmx),
        "grid cell about": client.get(cell, {"about": "1"}, headers=htmx),
        "rating form": client.get(rate_url(nasty, "fit"), headers=htmx),
        "rating form, whole page": client.get(rate_url(nasty, "fit")),
        "ranking more rows": client.get(reverse("scoring:ranking"), {"page": "2"}, headers=htmx),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.content.decode()
        assert "<script>" not in html, name
        assert ESCAPED in html, name
    assert f"Fit {ESCAPED}" in pages["grid"].content.decode()  # the column's header
    assert f"Fit {ESCAPED}" in pages["rating form"].content.decode()
    ranking = client.get(reverse("scoring:ranking")).content.decode()
    assert "<script>" not in ranking
    assert ESCAPED not in ranking  # 51st: not on the first page
