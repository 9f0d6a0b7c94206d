"""accounts/selectors.py: who sees which client, and what the lists return."""

from decimal import Decimal

import pytest

from accounts import selectors
from accounts.models import LedgerImport
from tests.factories import ClientFactory, ClientYearMetricFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def portfolio(alice, bob, sam):
    """Two clients of alice's (one sponsored by sam), one of bob's, one without a KAM."""
    return {
        "alice_1": ClientFactory(name="Alpha", kam=alice, sponsor=sam),
        "alice_2": ClientFactory(name="Bravo", kam=alice),
        "bob_1": ClientFactory(name="Charlie", kam=bob),
        "nobody": ClientFactory(name="Delta", kam=None),
    }


def names(clients):
    return [company.name for company in clients]


def test_client_list_shows_a_kam_only_their_clients(alice, bob, portfolio):
    assert names(selectors.client_list(user=alice)) == ["Alpha", "Bravo"]
    assert names(selectors.client_list(user=bob)) == ["Charlie"]


def test_client_list_shows_a_sponsor_only_sponsored_clients(sam, portfolio):
    assert names(selectors.client_list(user=sam)) == ["Alpha"]


def test_client_list_shows_a_contributor_nothing(carl, portfolio):
    assert not selectors.client_list(user=carl).exists()


def test_client_list_shows_directors_admins_and_superusers_every_client(dana, ada, portfolio):
    superuser = UserFactory(username="root", is_superuser=True, role="contributor")
    for user in (dana, ada, superuser):
        assert names(selectors.client_list(user=user)) == ["Alpha", "Bravo", "Charlie", "Delta"]


def test_client_list_annotates_the_latest_years_revenue(alice):
    company = ClientFactory(kam=alice)
    ClientYearMetricFactory(client=company, year=2023, revenue=Decimal("10.00"))
    ClientYearMetricFactory(client=company, year=2024, revenue=Decimal("25.50"))
    ClientFactory(kam=alice)  # no figures yet
    rows = {row.pk: row for row in selectors.client_list(user=alice)}
    assert (rows[company.pk].latest_year, rows[company.pk].latest_revenue) == (
        2024,
        Decimal("25.50"),
    )
    assert [row.latest_revenue for pk, row in rows.items() if pk != company.pk] == [None]


def test_client_list_searches_name_external_id_and_group(dana):
    ClientFactory(name="Boulangerie Martin", external_id="X-1")
    ClientFactory(name="Acme", external_id="BOUL-77")
    ClientFactory(name="Zeta", group="Groupe Boulanger")
    ClientFactory(name="Other")
    assert names(selectors.client_list(user=dana, search="boul")) == [
        "Acme",
        "Boulangerie Martin",
        "Zeta",
    ]


def test_client_list_filters_by_country_segment_and_kam(dana, alice, bob):
    ClientFactory(name="A", country="FR", segment="Food", kam=alice)
    ClientFactory(name="B", country="DE", segment="Food", kam=bob)
    ClientFactory(name="C", country="FR", segment="Retail", kam=bob)
    assert names(selectors.client_list(user=dana, country="fr")) == ["A", "C"]
    assert names(selectors.client_list(user=dana, segment="Food")) == ["A", "B"]
    assert names(selectors.client_list(user=dana, kam_id=bob.pk)) == ["B", "C"]
    assert names(selectors.client_list(user=dana, country="FR", kam_id=bob.pk)) == ["C"]


def test_client_list_filters_never_widen_what_a_kam_sees(alice, bob):
    ClientFactory(name="Mine", kam=alice)
    ClientFactory(name="Theirs", kam=bob)
    assert names(selectors.client_list(user=alice, kam_id=bob.pk)) == []


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("name", ["Anna", "Bert", "Cleo"]),
        ("-name", ["Cleo", "Bert", "Anna"]),
        ("country", ["Cleo", "Anna", "Bert"]),
        ("-segment", ["Anna", "Bert", "Cleo"]),
        ("revenue", ["Bert", "Cleo", "Anna"]),
        ("-revenue", ["Cleo", "Bert", "Anna"]),
        ("kam", ["Bert", "Anna", "Cleo"]),
        ("no-such-key", ["Anna", "Bert", "Cleo"]),
    ],
)
def test_client_list_sorts_by_any_column_with_unknown_figures_last(dana, ordering, expected):
    zoe = UserFactory(username="zoe", last_name="Zimmer")
    abe = UserFactory(username="abe", last_name="Abel")
    anna = ClientFactory(name="Anna", country="DE", segment="Retail", kam=zoe)
    bert = ClientFactory(name="Bert", country="FR", segment="Food", kam=abe)
    cleo = ClientFactory(name="Cleo", country="BE", segment="Agri", kam=None)
    ClientYearMetricFactory(client=bert, year=2024, revenue=Decimal("5"))
    ClientYearMetricFactory(client=cleo, year=2024, revenue=Decimal("9"))
    del anna  # no figures: sorted last both ways
    assert names(selectors.client_list(user=dana, ordering=ordering)) == expected


def test_client_filter_lists_offer_only_what_the_user_sees(alice, bob):
    ClientFactory(kam=alice, country="FR", segment="Food")
    ClientFactory(kam=alice, country="ES", segment="")
    ClientFactory(kam=bob, country="DE", segment="Retail")
    assert selectors.client_country_list(user=alice) == ["ES", "FR"]
    assert selectors.client_segment_list(user=alice) == ["Food"]


def test_client_metric_list_is_oldest_year_first(alice):
    company = ClientFactory(kam=alice)
    for year in (2024, 2022, 2023):
        ClientYearMetricFactory(client=company, year=year)
    ClientYearMetricFactory(year=2021)  # another client's
    years = [metric.year for metric in selectors.client_metric_list(client=company)]
    assert years == [2022, 2023, 2024]


def test_ledger_import_list_is_for_those_who_import(dana, ada, alice, sam, carl):
    LedgerImport.objects.create(
        original_name="a.csv", sha256="a" * 64, size=1, file_format="csv", created_by=dana
    )
    assert selectors.ledger_import_list(user=dana).count() == 1
    assert selectors.ledger_import_list(user=ada).count() == 1
    for user in (alice, sam, carl):
        assert not selectors.ledger_import_list(user=user).exists()
