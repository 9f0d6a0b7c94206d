"""scoring/views.py: the weights page, its what-if, the change log and the criteria catalogue."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from kam import permissions
from scoring.models import Criterion, CriterionWeight, ScoringRun, WeightSet
from scoring.services import criteria as criterion_services
from scoring.services import ratings
from scoring.services import weights as weight_services
from tests.refusals import assert_refused
from tests.scoring.conftest import recompute

pytestmark = pytest.mark.django_db

FAMILIES = {"financial": 50, "strategic": 30, "maturity": 20}
V1 = {"revenue": 75, "late": 25, "fit": 100, "relationship": 100}


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


def weights_post(families=None, weights=None, **extra):
    data = {f"family_{family}": value for family, value in (families or FAMILIES).items()}
    data |= {f"criterion_{code}": value for code, value in (weights or V1).items()}
    return {"base_version": 1, "reason": "Strategy first", "name": "", **data, **extra}


def criterion_post(**changes):
    data = {
        "code": "loyalty",
        "name_en": "Loyalty",
        "name_fr": "Fidélité",
        "family": "maturity",
        "direction": "higher",
        "normalisation": "thresholds",
        "thresholds": "2; 3; 4; 5",
        "met_threshold": "0.5",
        "source": "",
        **{f"rubric_en_{level}": f"Level {level} text" for level in "12345"},
    }
    return {**data, **changes}


@pytest.fixture
def rated_book(book, criteria, dana):
    mine, also_mine, theirs = book
    for company, level in ((mine, 1), (also_mine, 3), (theirs, 5)):
        ratings.rating_set(user=dana, client=company, criterion=criteria["fit"], level=level)
    return book


# --- who may see these pages --------------------------------------------------------------------

DIRECTOR_PAGES = [
    ("get", "scoring:weights", []),
    ("post", "scoring:weights", []),
    ("post", "scoring:weights_what_if", []),
    ("get", "scoring:weight_set_list", []),
    ("get", "scoring:criterion_list", []),
    ("get", "scoring:criterion_create", []),
    ("post", "scoring:criterion_create", []),
    ("get", "scoring:criterion_update", ["fit"]),
    ("post", "scoring:criterion_update", ["fit"]),
]


@pytest.mark.parametrize(("method", "name", "args"), DIRECTOR_PAGES)
@pytest.mark.parametrize("persona", ["alice", "sam", "carl"])
def test_weights_and_criteria_pages_are_403_for_anyone_but_directors(
    client, criteria, request, persona, method, name, args
):
    client.force_login(request.getfixturevalue(persona))
    url = reverse(name, args=[criteria[code].pk for code in args])
    data = weights_post() if name.startswith("scoring:weights") else criterion_post()

    response = getattr(client, method)(url, data) if method == "post" else client.get(url)

    assert_refused(response, permissions.may_manage_programme)
    assert WeightSet.objects.count() == 1
    assert Criterion.objects.count() == len(criteria)
    assert Criterion.objects.get(code="fit").name_en == criteria["fit"].name_en


def test_weights_pages_send_anonymous_users_to_the_login(client, criteria):
    response = client.get(reverse("scoring:weights"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_ranking_links_directors_to_the_weights_and_the_criteria(client, criteria, dana, alice):
    client.force_login(dana)
    page = client.get(reverse("scoring:ranking")).content.decode()
    assert reverse("scoring:weights") in page
    assert reverse("scoring:criterion_list") in page

    client.force_login(alice)
    page = client.get(reverse("scoring:ranking")).content.decode()
    assert reverse("scoring:weights") not in page


def test_weights_page_shows_the_weights_in_force_and_one_input_per_weight(client, criteria, ada):
    client.force_login(ada)
    response = client.get(reverse("scoring:weights"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "version 1" in page
    for family, weight in FAMILIES.items():
        assert f'name="family_{family}"' in page
        assert response.context["form"][f"family_{family}"].value() == str(weight)
    for code, weight in V1.items():
        assert response.context["form"][f"criterion_{code}"].value() == str(weight)
    assert 'name="base_version" value="1"' in page
    assert 'data-testid="what-if-hint"' in page


def test_weights_page_shows_a_new_criterion_with_0(client, criteria, dana):
    criterion_services.criterion_create(
        user=dana,
        code="volume",
        name_en="Volume",
        family="financial",
        normalisation="minmax",
        source="volume",
    )
    client.force_login(dana)
    response = client.get(reverse("scoring:weights"))

    assert response.context["form"]["criterion_volume"].value() == "0"
    family = response.content.decode().split('data-testid="weights-family-financial"')[1]
    assert "Volume" in family.split("</fieldset>")[0]


def test_weights_page_saves_a_new_version(client, criteria, dana):
    client.force_login(dana)
    response = client.post(
        reverse("scoring:weights"),
        weights_post({"financial": 40, "strategic": 40, "maturity": 20}, name="Balanced"),
        follow=True,
    )

    assert response.redirect_chain == [(reverse("scoring:weights"), 302)]
    saved = WeightSet.objects.get(is_active=True)
    assert (saved.version, saved.name, saved.reason, saved.created_by) == (
        2,
        "Balanced",
        "Strategy first",
        dana,
    )
    assert saved.family_weights == {"financial": 40, "strategic": 40, "maturity": 20}
    assert "Version 2 of the weights is saved" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (weights_post({"financial": 50, "strategic": 30, "maturity": 30}), "add up to 110"),
        (weights_post(weights={**V1, "late": 5}), "Financial criteria add up to 80"),
        (weights_post(reason="  "), "This field is required"),
        (weights_post(weights={**V1, "late": "a lot"}), "Enter a number"),
        (weights_post(weights={**V1, "late": -5, "revenue": 105}), "greater than or equal to 0"),
    ],
)
def test_weights_page_refuses_bad_weights_keeping_the_values(client, criteria, dana, data, message):
    client.force_login(dana)
    response = client.post(reverse("scoring:weights"), data)

    assert response.status_code == 200
    assert message in response.content.decode()
    form = response.context["form"]
    assert form["criterion_late"].value() == str(data["criterion_late"])
    assert form["family_maturity"].value() == str(data["family_maturity"])
    assert WeightSet.objects.count() == 1


def test_weights_page_refuses_a_stale_edit_and_lets_the_director_save_again(
    client, criteria, dana, ada
):
    weight_services.weight_set_update(
        user=ada, family_weights=FAMILIES, criterion_weights=V1, reason="Meanwhile", base_version=1
    )
    client.force_login(dana)
    mine = weights_post({"financial": 30, "strategic": 50, "maturity": 20})

    response = client.post(reverse("scoring:weights"), mine)

    page = response.content.decode()
    assert "The weights were changed (version 2) since you opened them (version 1)" in page
    assert 'data-testid="weights-stale"' in page
    assert response.context["form"]["family_financial"].value() == "30"
    assert 'name="base_version" value="2"' in page
    assert WeightSet.objects.count() == 2

    client.post(reverse("scoring:weights"), {**mine, "base_version": 2})
    assert WeightSet.objects.get(is_active=True).family_weights["financial"] == 30


def test_weights_page_keeps_the_base_version_of_a_form_sent_back(client, criteria, dana, ada):
    weight_services.weight_set_update(
        user=ada, family_weights=FAMILIES, criterion_weights=V1, reason="Meanwhile", base_version=1
    )
    client.force_login(dana)
    response = client.post(reverse("scoring:weights"), weights_post(reason=""))

    assert 'name="base_version" value="1"' in response.content.decode()
    assert WeightSet.objects.count() == 2


def test_weights_what_if_shows_how_ranks_would_move_and_saves_nothing(client, rated_book, dana):
    mine, also_mine, theirs = rated_book
    recompute()
    client.force_login(dana)
    runs = ScoringRun.objects.count()

    response = client.post(
        reverse("scoring:weights_what_if"),
        weights_post({"financial": 10, "strategic": 80, "maturity": 10}, reason=""),
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page  # the partial only
    assert [move.client for move in response.context["moves"]] == [theirs, also_mine, mine]
    assert page.count('data-testid="what-if-row"') == 3
    assert "▲2" in page
    assert "▼2" in page
    assert "2 clients would change rank" in page
    assert (WeightSet.objects.count(), ScoringRun.objects.count()) == (1, runs)
    assert CriterionWeight.objects.count() == 4


def test_weights_what_if_explains_bad_weights(client, rated_book, dana):
    client.force_login(dana)
    response = client.post(
        reverse("scoring:weights_what_if"),
        weights_post({"financial": 10, "strategic": 10, "maturity": 10}),
        headers={"HX-Request": "true"},
    )
    page = response.content.decode()
    assert 'data-testid="what-if-errors"' in page
    assert "family weights add up to 30" in page
    assert 'data-testid="what-if-row"' not in page


# --- change log ---------------------------------------------------------------------------------


def save_versions(user, count):
    for step in range(count):
        weight_services.weight_set_update(
            user=user,
            family_weights=FAMILIES,
            criterion_weights={**V1, "revenue": 70 - step, "late": 30 + step},
            reason=f"Step {step}",
            base_version=step + 1,
        )


def test_weight_set_list_shows_every_version_with_what_changed(client, criteria, dana):
    save_versions(dana, 2)
    client.force_login(dana)
    response = client.get(reverse("scoring:weight_set_list"))

    page = response.content.decode()
    assert page.count('data-testid="weight-set-row"') == 3
    assert page.index("Step 1") < page.index("Step 0") < page.index("First version:")
    assert "Revenue 70 → 69" in page
    assert "Late 30 → 31" in page
    assert "in force" in page


@pytest.mark.parametrize("versions", [1, 6])
def test_weight_set_list_query_count_is_flat(
    client, criteria, dana, versions, django_assert_num_queries
):
    save_versions(dana, versions)
    client.force_login(dana)
    with django_assert_num_queries(4):  # session, user, versions with authors, their weights
        response = client.get(reverse("scoring:weight_set_list"))
    assert len(response.context["changes"]) == versions + 1


# --- criteria -----------------------------------------------------------------------------------


def test_criterion_list_shows_every_criterion_by_family(client, criteria, dana):
    Criterion.objects.filter(code="late").update(is_active=False)
    client.force_login(dana)
    response = client.get(reverse("scoring:criterion_list"))

    page = response.content.decode()
    assert page.count('data-testid="criterion-row"') == 4
    assert "inactive" in page
    assert "Average days late" in page  # the ledger figure of a financial criterion
    financial = page.split('data-testid="criteria-financial"')[1].split("</section>")[0]
    assert "Revenue" in financial
    assert "Fit" not in financial


@pytest.mark.parametrize("extra", [0, 10])
def test_criterion_list_query_count_is_flat(
    client, criteria, dana, extra, django_assert_num_queries
):
    for number in range(extra):
        criterion_services.criterion_create(
            user=dana,
            code=f"figure-{number}",
            name_en=f"Figure {number}",
            family="financial",
            normalisation="minmax",
            source="volume",
        )
    client.force_login(dana)
    with django_assert_num_queries(6):  # session, user, weights in force (3), criteria
        client.get(reverse("scoring:criterion_list"))


def test_criterion_create_page_adds_a_criterion(client, criteria, dana):
    client.force_login(dana)
    response = client.post(
        reverse("scoring:criterion_create"),
        criterion_post(thresholds="1,5; 3; 4,5"),
        follow=True,
    )

    assert response.redirect_chain == [(reverse("scoring:criterion_list"), 302)]
    loyalty = Criterion.objects.get(code="loyalty")
    assert loyalty.thresholds == [1.5, 3, 4.5]
    assert (loyalty.name_en, loyalty.name_fr) == ("Loyalty", "Fidélité")
    assert (loyalty.rubric_en["3"], loyalty.rubric_fr) == ("Level 3 text", {})
    assert "Loyalty is added" in response.content.decode()


def test_criterion_create_page_reads_comma_separated_thresholds(client, criteria, dana):
    client.force_login(dana)
    client.post(
        reverse("scoring:criterion_create"),
        criterion_post(
            code="payment",
            family="financial",
            source="avg_days_to_pay",
            thresholds="30, 45.5, 60",
            direction="lower",
        ),
    )
    payment = Criterion.objects.get(code="payment")
    assert (payment.thresholds, payment.rubric_en, payment.rubric_fr, payment.source) == (
        [30, 45.5, 60],
        {},
        {},
        "avg_days_to_pay",
    )


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (criterion_post(code="fit"), "code", "There is already a criterion with this code."),
        (criterion_post(thresholds="3; 2"), "thresholds", "strictly increasing"),
        (criterion_post(thresholds="2; lots"), "thresholds", "“lots” is not a number."),
        (criterion_post(met_threshold="1.5"), "met_threshold", "less than or equal to 1"),
        (criterion_post(family="financial", thresholds="1; 2"), "source", "Choose the ledger"),
        (criterion_post(rubric_en_4=""), "__all__", "Say what level 4 means"),
        (criterion_post(name_en="", name_fr=" "), "name_en", "Give the criterion a name"),
    ],
)
def test_criterion_create_page_refuses_bad_input(client, criteria, dana, data, field, message):
    client.force_login(dana)
    response = client.post(reverse("scoring:criterion_create"), data)

    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    assert form["name_en"].value() == data["name_en"]  # what was typed stays
    assert Criterion.objects.count() == len(criteria)


def test_criterion_update_page_changes_a_criterion(client, criteria, dana):
    client.force_login(dana)
    fit = criteria["fit"]
    response = client.get(reverse("scoring:criterion_update", args=[fit.pk]))
    assert response.context["form"]["thresholds"].value() == "2; 3; 4; 5"
    assert "code" not in response.context["form"].fields

    data = criterion_post(name_en="Strategic fit", name_fr="", thresholds="2; 4", is_active="on")
    response = client.post(reverse("scoring:criterion_update", args=[fit.pk]), data)

    assert response.status_code == 302
    fit.refresh_from_db()
    assert (fit.name_en, fit.name_fr, fit.thresholds, fit.code, fit.family) == (
        "Strategic fit",
        "",
        [2, 4],
        "fit",
        "strategic",
    )


def test_criterion_update_page_explains_why_a_weighing_criterion_stays_active(
    client, criteria, dana
):
    client.force_login(dana)
    late = criteria["late"]
    data = criterion_post(
        name_en="Days late",
        family="financial",
        normalisation="thresholds",
        thresholds="5; 15",
        source="avg_days_late",
        direction="lower",
        **{f"rubric_en_{level}": "" for level in "12345"},
    )  # no is_active: the box is unticked

    response = client.post(reverse("scoring:criterion_update", args=[late.pk]), data)

    assert response.status_code == 200
    assert any("weighs 25" in error for error in response.context["form"].errors["is_active"])
    late.refresh_from_db()
    assert late.is_active
    assert late.name_en == "Late"


def test_criterion_update_page_is_404_for_an_unknown_criterion(client, criteria, dana):
    client.force_login(dana)
    assert client.get(reverse("scoring:criterion_update", args=[999_999])).status_code == 404


def test_weights_and_criteria_pages_render_in_french(client, criteria, dana):
    client.cookies["django_language"] = "fr"
    client.force_login(dana)
    pages = [
        (reverse("scoring:weights"), "Weights"),
        (reverse("scoring:weight_set_list"), "Change log of the weights"),
        (reverse("scoring:criterion_list"), "Criteria"),
        (reverse("scoring:criterion_update", args=[criteria["late"].pk]), "Edit a criterion"),
    ]
    for url, title in pages:
        with translation.override("fr"):
            french = translation.gettext(title)
        assert french != title  # translated, so the page below is seen to be in French
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Language"] == "fr"
        html = response.content.decode()
        assert f"<h1>{escape(french)}</h1>" in html, url
        assert f"<h1>{title}</h1>" not in html, url
    assert response.context["form"]["thresholds"].value() == "5; 15"  # the French list form
