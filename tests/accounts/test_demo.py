import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from accounts import demo, ledger
from accounts.models import (
    Client,
    ClientYearMetric,
    Contact,
    ExchangeRate,
    LedgerImport,
    LedgerLine,
    User,
)


def ledger_text(*, seed: int = demo.DEMO_SEED, lines: int = demo.DEMO_LINES) -> str:
    stream = io.StringIO(newline="")
    demo.write_ledger_csv(demo.demo_programme(seed=seed, lines=lines), stream)
    return stream.getvalue()


@pytest.fixture(scope="module")
def programme() -> demo.DemoProgramme:
    return demo.demo_programme()


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(ledger_text(), newline=""), delimiter=";"))


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", "."))


def day(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()  # noqa: DTZ007 - a plain date


def test_demo_ledger_is_byte_identical_for_the_same_seed():
    first = ledger_text(seed=7, lines=3_000).encode()
    assert first == ledger_text(seed=7, lines=3_000).encode()
    assert demo.demo_programme(seed=7) == demo.demo_programme(seed=7)


def test_demo_ledger_differs_for_another_seed():
    assert ledger_text(seed=7, lines=3_000) != ledger_text(seed=8, lines=3_000)
    assert demo.demo_programme(seed=7).clients != demo.demo_programme(seed=8).clients


def test_demo_ledger_is_a_french_excel_export_that_detection_reads():
    text = ledger_text(lines=500)
    header, first = text.split("\r\n")[:2]
    assert header.split(";") == list(demo.LEDGER_HEADER)
    assert ledger.detect_mapping(demo.LEDGER_HEADER) == demo.LEDGER_MAPPING
    cells = dict(zip(demo.LEDGER_HEADER, first.split(";"), strict=True))
    assert day(cells["Date facture"]).year == demo.FIRST_YEAR
    assert "," in cells["Montant HT"]
    assert "." not in cells["Montant HT"]


def test_demo_programme_has_sixty_clients_in_eight_countries_some_in_groups(programme):
    clients = programme.clients
    assert len(clients) == demo.CLIENT_COUNT == 60
    assert len({item.external_id for item in clients}) == 60
    assert len({item.name for item in clients}) == 60
    assert {item.country for item in clients} == set(demo.COUNTRIES)
    assert len({item.segment for item in clients}) >= 5
    groups = Counter(item.group for item in clients if item.group)
    assert len(groups) >= 4
    assert all(count >= 2 for count in groups.values())
    assert sum(item.weight for item in clients) == pytest.approx(1)
    assert {item.kam for item in clients} == {"kam", "kam2", ""}
    assert 1 <= sum(item.sponsored for item in clients) <= 10


def test_demo_programme_has_two_to_five_contacts_per_client(programme):
    per_client = Counter(contact.client_external_id for contact in programme.contacts)
    assert set(per_client) == {item.external_id for item in programme.clients}
    assert min(per_client.values()) >= 2
    assert max(per_client.values()) <= 5
    for contact in programme.contacts:
        assert contact.title
        assert contact.country in demo.COUNTRIES
        assert contact.email.endswith(".example")


def test_demo_ledger_covers_three_years_of_every_client(programme, rows):
    assert 45_000 <= len(rows) <= 55_000
    years = Counter(day(row["Date facture"]).year for row in rows)
    assert set(years) == {2023, 2024, 2025}
    assert min(years.values()) > 12_000
    assert {row["N° client"] for row in rows} == {item.external_id for item in programme.clients}
    assert {row["Pays"] for row in rows} == set(demo.COUNTRIES)


def test_demo_ledger_amounts_margins_and_skew_are_consistent(rows):
    revenue: dict[str, Decimal] = defaultdict(Decimal)
    cost = Decimal(0)
    for row in rows:
        amount = number(row["Montant HT"])
        assert amount == number(row["Quantité"]) * number(row["Prix unitaire"])
        revenue[row["N° client"]] += amount
        cost += number(row["Coût"])
    total = sum(revenue.values())
    top_ten = sum(sorted(revenue.values(), reverse=True)[:10])
    assert 0.5 < top_ten / total < 0.85  # a few big accounts, a long tail
    assert 0.15 < 1 - cost / total < 0.35  # gross margin of the programme


def test_demo_ledger_has_returns_disputes_and_late_payers(rows):
    returns = [row for row in rows if number(row["Quantité"]) < 0]
    assert 0.002 < len(returns) / len(rows) < 0.03
    assert all(number(row["Montant HT"]) < 0 for row in returns)
    disputed = [row for row in rows if row["Litige"] == "Oui"]
    assert 0.002 < len(disputed) / len(rows) < 0.05
    lateness: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        assert day(row["Échéance"]) > day(row["Date facture"]) or number(row["Quantité"]) < 0
        if row["Date de règlement"]:
            late = (day(row["Date de règlement"]) - day(row["Échéance"])).days
            lateness[row["N° client"]].append(late)
    average = {client: sum(days) / len(days) for client, days in lateness.items()}
    assert sum(days > 20 for days in average.values()) >= 3  # chronically late
    assert sum(days <= 0 for days in average.values()) >= 20  # pay on time
    unpaid = [row for row in rows if not row["Date de règlement"]]
    assert unpaid
    assert all(day(row["Date facture"]) >= dt.date(2025, 6, 1) for row in unpaid)


def test_demo_ledger_has_seasons_and_trends(programme, rows):
    by_month = Counter(day(row["Date facture"]).month for row in rows)
    assert by_month[8] < 0.85 * by_month[10]  # August is quiet
    growth = {item.external_id: item.growth for item in programme.clients}
    yearly: dict[tuple[str, int], int] = Counter(
        (row["N° client"], day(row["Date facture"]).year) for row in rows
    )
    growing = [client for client, rate in growth.items() if rate > 0.15]
    declining = [client for client, rate in growth.items() if rate < -0.15]
    assert growing
    assert declining
    assert sum(yearly[c, 2025] > yearly[c, 2023] for c in growing) > len(growing) / 2
    assert sum(yearly[c, 2025] < yearly[c, 2023] for c in declining) > len(declining) / 2


def test_demo_export_invoices_are_in_pounds_and_dollars_with_a_rate_for_each_month(programme):
    rows = list(demo.foreign_rows(programme))
    assert rows == list(demo.foreign_rows(programme))
    assert ledger.detect_mapping(demo.FOREIGN_HEADER)["currency"] == "Devise"
    assert Counter(row[-1] for row in rows) == {"GBP": 12, "USD": 12}
    months = {(row[-1], day(row[2]).replace(day=1)) for row in rows}
    assert months == {(currency, month) for currency, month, _rate in demo.foreign_rates()}
    assert all(number(row[7]) == int(row[5]) * number(row[6]) for row in rows)


@pytest.mark.django_db
def test_seed_demo_seeds_people_clients_and_ledger_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    def counts() -> dict[str, int]:
        models = (User, Client, Contact, LedgerLine, LedgerImport, ClientYearMetric)
        return {model.__name__: model.objects.count() for model in models}

    seeded = demo.seed_demo(lines=1_500)
    first = counts()
    again = demo.seed_demo(lines=1_500)
    assert counts() == first
    assert again.summary.count("already imported") == 2
    assert "(0 updated)" in again.summary
    assert first["User"] == len(demo.DEMO_USERS) == 10
    assert first["Client"] == 60
    assert 1_400 <= first["LedgerLine"] <= 1_600
    assert first["LedgerImport"] == 2  # the ERP's ledger, and the export invoices
    assert first["ClientYearMetric"] > 60
    assert set(seeded.users) == set(demo.DEMO_USERS)
    assert set(seeded.clients) == {item.external_id for item in seeded.programme.clients}
    assert again.clients.keys() == seeded.clients.keys()

    foreign = LedgerLine.objects.exclude(currency="EUR")
    assert dict(Counter(foreign.values_list("currency", flat=True))) == {"GBP": 12, "USD": 12}
    for line in foreign:  # converted at the month's rate: units of the currency for 1 EUR
        rate = ExchangeRate.objects.get(currency=line.currency, date=line.date.replace(day=1))
        assert line.amount == pytest.approx(line.original_amount / rate.rate, abs=Decimal("0.01"))
    billed = foreign.values_list("client", flat=True).distinct()
    assert ClientYearMetric.objects.filter(client__in=billed, year=demo.LAST_YEAR).count() == 2

    director = User.objects.get(username="director")
    assert director.role == User.Role.DIRECTOR
    assert director.check_password(demo.DEMO_PASSWORD)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser
    assert admin.is_staff
    assert User.objects.get(username="contributor").department == "logistics"
    assert Client.objects.filter(kam__username="kam").exists()
    assert Client.objects.filter(kam__username="kam2").exists()
    assert Client.objects.filter(kam=None).exists()
    assert Client.objects.filter(sponsor__username="sponsor").exists()
    assert Client.objects.exclude(group="").count() >= 8
    assert Client.objects.filter(contacts=None).count() == 0
