"""scoring/api/overrides.py and selection.py: overrides, programme budget, cost to serve and
shortlist endpoints."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from kam import permissions
from scoring.models import (
    CostToServe,
    Override,
    Programme,
    ScoringRun,
    ShortlistDecision,
    ShortlistEntry,
)
from tests.factories import ClientFactory
from tests.refusals import assert_refused_in_both_languages
from tests.scoring.factories import OverrideFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.cookies["django_language"] = "en"


def test_runs_api_lists_runs_with_their_status(client, ranked, alice):
    ScoringRun.objects.create(
        weight_set=ScoringRun.objects.get().weight_set,
        trigger=ScoringRun.Trigger.NIGHTLY,
        status=ScoringRun.Status.FAILED,
        fingerprint="x",
        error="boom",
    )
    client.force_login(alice)
    runs = client.get(reverse("api-scoring:runs")).json()
    assert [(run["status"], run["trigger"]) for run in runs] == [
        ("failed", "nightly"),
        ("done", "manual"),
    ]
    assert runs[0]["error"] == "boom"
    assert runs[1]["client_count"] == 3


@pytest.mark.parametrize("persona", ["alice", "sam", "carl"])
def test_runs_api_is_readable_by_anyone_logged_in(client, ranked, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("api-scoring:runs"))
    assert response.status_code == 200
    assert len(response.json()) == 1


def test_runs_api_needs_a_login(client, ranked):
    assert client.get(reverse("api-scoring:runs")).status_code == 401


def test_overrides_api_lists_only_visible_clients(client, ranked, dana, alice):
    mine, _, theirs = ranked
    OverrideFactory(client=mine, author=dana, rationale="Mine")
    OverrideFactory(client=theirs, author=dana, rationale="Theirs")
    client.force_login(alice)
    listed = client.get(reverse("api-scoring:overrides")).json()
    assert [row["rationale"] for row in listed] == ["Mine"]


def test_override_api_sets_and_clears(client, ranked, dana):
    mine, *_ = ranked
    client.force_login(dana)
    url = reverse("api-scoring:override", args=[mine.pk])
    response = client.put(
        url,
        {"kind": "adjust", "points": 4, "rationale": "Framework"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert (response.json()["points"], response.json()["author"]) == (4, str(dana))
    assert client.delete(url).status_code == 204
    assert not Override.objects.filter(is_active=True).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "adjust", "points": 11, "rationale": "Too much"}, "points"),
        ({"kind": "adjust", "points": 2}, "rationale"),
        ({"kind": "adjust", "points": 2, "rationale": "  "}, "rationale"),
        ({"kind": "force_in", "points": 2, "rationale": "Both"}, "points"),
        ({"kind": "boost", "rationale": "Unknown"}, "kind"),
    ],
)
def test_override_api_refuses_bad_input(client, ranked, dana, body, field):
    mine, *_ = ranked
    client.force_login(dana)
    response = client.put(
        reverse("api-scoring:override", args=[mine.pk]), body, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    assert not Override.objects.exists()


def test_override_api_is_403_for_a_kam_even_on_their_own_client(client, ranked, alice):
    mine, *_ = ranked
    client.force_login(alice)
    url = reverse("api-scoring:override", args=[mine.pk])
    body = {"kind": "force_in", "rationale": "Mine"}
    assert_refused_in_both_languages(
        client, "put", url, permissions.may_manage_programme, data=body
    )
    assert_refused_in_both_languages(client, "delete", url, permissions.may_manage_programme)
    assert not Override.objects.exists()


def test_director_only_refusals_are_translated(client, ranked, alice):
    client.force_login(alice)
    url = reverse("api-scoring:programmes")
    assert_refused_in_both_languages(client, "get", url, permissions.may_manage_programme)


def test_programme_api_saves_and_lists(client, dana):
    client.force_login(dana)
    url = reverse("api-scoring:programme_save", args=[2027])
    body = {"budget": "500000.00", "kam_headcount": 5, "kam_cost": "98000"}
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["currency"] == "EUR"
    listed = client.get(reverse("api-scoring:programmes")).json()
    assert [(row["year"], row["budget"]) for row in listed] == [(2027, "500000.00")]


@pytest.mark.parametrize(
    "body",
    [
        {"budget": "-1", "kam_headcount": 5, "kam_cost": "1"},
        {"budget": "abc", "kam_headcount": 5, "kam_cost": "1"},
        {"budget": "1", "kam_headcount": -2, "kam_cost": "1"},
        {"kam_headcount": 5, "kam_cost": "1"},
    ],
)
def test_programme_api_refuses_bad_input(client, dana, body):
    client.force_login(dana)
    url = reverse("api-scoring:programme_save", args=[2027])
    assert client.put(url, body, content_type="application/json").status_code == 400
    assert not Programme.objects.exists()


def test_programme_api_refuses_a_year_out_of_range(client, dana):
    client.force_login(dana)
    url = reverse("api-scoring:programme_save", args=[3000])
    body = {"budget": "1", "kam_headcount": 1, "kam_cost": "1"}
    response = client.put(url, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"__all__": ["The year is between 2000 and 2100."]}
    client.cookies["django_language"] = "fr"
    french = client.put(url, body, content_type="application/json").json()
    assert french == {"__all__": ["L\u2019année est comprise entre 2000 et 2100."]}


@pytest.mark.parametrize("persona", ["alice", "sam", "carl"])
@pytest.mark.parametrize(
    ("name", "args"), [("api-scoring:programmes", []), ("api-scoring:shortlist", [2026])]
)
def test_director_reads_are_403_for_others(client, programme, request, persona, name, args):
    client.force_login(request.getfixturevalue(persona))
    url = reverse(name, args=args)
    assert_refused_in_both_languages(client, "get", url, permissions.may_manage_programme)


def director_writes(ranked) -> list[tuple[str, str, dict]]:
    """Every directors-only write of this module: (method, URL, a body a director could send)."""
    mine, *_ = ranked
    return [
        ("put", reverse("api-scoring:override", args=[mine.pk]), OVERRIDE),
        ("delete", reverse("api-scoring:override", args=[mine.pk]), {}),
        ("put", reverse("api-scoring:cost_to_serve_set", args=[mine.pk]), {"kam_share": "1"}),
        ("put", reverse("api-scoring:programme_save", args=[2026]), PROGRAMME),
        ("put", reverse("api-scoring:shortlist", args=[2026]), {"client_ids": [mine.pk]}),
        ("post", reverse("api-scoring:shortlist_confirm", args=[2026]), {"reason": "Mine"}),
    ]


OVERRIDE = {"kind": "force_in", "rationale": "Mine"}
PROGRAMME = {"budget": "1", "kam_headcount": 1, "kam_cost": "1"}


def selection_state() -> list:
    return [
        list(model.objects.order_by("pk").values())
        for model in (Override, CostToServe, Programme, ShortlistEntry, ShortlistDecision)
    ]


@pytest.mark.parametrize("persona", ["alice", "sam", "carl"])
def test_director_writes_are_403_for_others(client, ranked, programme, dana, request, persona):
    """Even on a client of their own (alice's ``mine``): the role is refused, in their language."""
    OverrideFactory(client=ranked[0], author=dana, rationale="Before")
    before = selection_state()
    client.force_login(request.getfixturevalue(persona))
    for method, url, body in director_writes(ranked):
        assert_refused_in_both_languages(
            client, method, url, permissions.may_manage_programme, data=body
        )
    assert selection_state() == before


def test_director_writes_need_a_login(client, ranked, programme):
    before = selection_state()
    for method, url, body in director_writes(ranked):
        response = getattr(client, method)(url, body, content_type="application/json")
        assert response.status_code == 401, (method, url)
    assert selection_state() == before


def test_cost_to_serve_api_sets_and_refuses(client, ranked, dana, alice):
    *_, theirs = ranked
    url = reverse("api-scoring:cost_to_serve_set", args=[theirs.pk])
    before = list(CostToServe.objects.order_by("pk").values())
    client.force_login(alice)
    assert client.put(url, {"kam_share": "1"}, content_type="application/json").status_code == 403
    assert list(CostToServe.objects.order_by("pk").values()) == before
    client.force_login(dana)
    refused = client.put(url, {"kam_share": "0"}, content_type="application/json")
    assert refused.status_code == 400
    assert "at most 1" in str(refused.json())
    saved = client.put(url, {"kam_share": "0.8", "travel": "5000"}, content_type="application/json")
    assert saved.status_code == 200
    assert CostToServe.objects.get(client=theirs).kam_share == Decimal("0.80")


def test_shortlist_api_sets_reads_and_confirms(client, ranked, programme, dana):
    mine, also_mine, _ = ranked
    client.force_login(dana)
    url = reverse("api-scoring:shortlist", args=[2026])
    response = client.put(
        url, {"client_ids": [also_mine.pk, mine.pk]}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert [row["client_name"] for row in body["clients"]] == ["Mine", "Also mine"]
    assert (body["count"], body["cost"], body["guardrail"]) == (2, "120000.00", "ok")
    assert (body["over_money"], body["over_kams"], body["is_confirmed"]) == (False, False, False)
    assert body["clients"][0]["rank"] == 1

    confirmed = client.post(
        reverse("api-scoring:shortlist_confirm", args=[2026]), {}, content_type="application/json"
    )
    assert confirmed.status_code == 201
    assert sorted(confirmed.json()["client_ids"]) == sorted([mine.pk, also_mine.pk])
    assert client.get(url).json()["is_confirmed"] is True


def test_shortlist_api_refuses_unknown_or_prospect_clients(client, ranked, programme, dana):
    mine, *_ = ranked
    prospect = ClientFactory(name="Prospect")
    client.force_login(dana)
    url = reverse("api-scoring:shortlist", args=[2026])
    unknown = client.put(url, {"client_ids": [mine.pk, 999999]}, content_type="application/json")
    assert unknown.status_code == 400
    assert "no client 999999" in str(unknown.json())
    refused = client.put(
        url, {"client_ids": [mine.pk, prospect.pk]}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert "no history in the ledger" in str(refused.json())
    malformed = client.put(url, {"client_ids": "all"}, content_type="application/json")
    assert malformed.status_code == 400
    assert not ShortlistEntry.objects.exists()


def test_shortlist_confirm_api_over_budget_needs_an_exception(client, ranked, programme, dana):
    programme.budget = Decimal(1000)
    programme.save()
    ShortlistEntry.objects.create(programme=programme, client=ranked[0], added_by=dana)
    client.force_login(dana)
    url = reverse("api-scoring:shortlist_confirm", args=[2026])
    refused = client.post(url, {}, content_type="application/json")
    assert refused.status_code == 400
    assert "budget_exception" in refused.json()
    assert not ShortlistDecision.objects.exists()
    ok = client.post(url, {"budget_exception": "Board, 12 May"}, content_type="application/json")
    assert ok.status_code == 201
    assert ok.json()["budget_exception"] == "Board, 12 May"


def test_shortlist_api_is_404_for_a_year_without_programme(client, dana):
    client.force_login(dana)
    assert client.get(reverse("api-scoring:shortlist", args=[2031])).status_code == 404


def test_api_schema_documents_the_selection_operations_without_warnings(client, dana):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
    client.force_login(dana)
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    operations = {
        operation["operationId"]
        for path in schema["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert {
        "scoring_runs",
        "scoring_overrides",
        "scoring_override_set",
        "scoring_override_clear",
        "scoring_programmes",
        "scoring_programme_save",
        "scoring_cost_to_serve_set",
        "scoring_shortlist",
        "scoring_shortlist_set",
        "scoring_shortlist_confirm",
    } <= operations
