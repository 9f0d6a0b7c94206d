"""A demo programme: client companies, their contacts and three years of invoice lines, and
accounts' step of the demo seeding, which writes them through accounts' services.

The generation is pure Python, with no database and no clock: the same seed and size always give
byte-identical output. The ledger is written the way a French ERP exports to Excel (semicolons,
decimal commas, dd/mm/yyyy dates, French headers), so seeding the demo also exercises format
detection.

    programme = demo_programme(seed=DEMO_SEED, lines=50_000)
    with path.open("w", encoding="utf-8", newline="") as stream:
        write_ledger_csv(programme, stream)

``seed_demo()`` creates the demo users, imports the ledger and sets what it does not carry
(groups, KAMs, sponsors, contacts); the apps above seed their own data from what it returns
(the ``seed_demo`` command runs the steps in order). Running it again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import math
import random
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import (
    Client,
    Contact,
    Department,
    ExchangeRate,
    LedgerImport,
    LedgerLine,
    User,
)
from accounts.services import clients as client_services
from accounts.services import imports as import_services

DEMO_PASSWORD = "kam-demo-2025"
DEMO_SEED = 2025
DEMO_LINES = 50_000
FIRST_YEAR = 2023
LAST_YEAR = 2025
AS_OF = dt.date(2026, 1, 31)  # invoices not settled by then are left unpaid
CLIENT_COUNT = 60

LEDGER_HEADER = (
    "N° client",
    "Client",
    "Date facture",
    "Échéance",
    "Date de règlement",
    "Quantité",
    "Prix unitaire",
    "Montant HT",
    "Coût",
    "Pays",
    "Segment",
    "Litige",
    "N° commande",
)
# Field code (accounts.ledger.FIELDS) → column of LEDGER_HEADER.
LEDGER_MAPPING = {
    "customer_id": "N° client",
    "customer_name": "Client",
    "date": "Date facture",
    "due_date": "Échéance",
    "paid_date": "Date de règlement",
    "quantity": "Quantité",
    "unit_price": "Prix unitaire",
    "amount": "Montant HT",
    "cost": "Coût",
    "country": "Pays",
    "segment": "Segment",
    "disputed": "Litige",
    "order_ref": "N° commande",
}

COUNTRIES = ("FR", "DE", "ES", "IT", "BE", "NL", "GB", "CH")
COUNTRY_WEIGHTS = (18, 12, 7, 7, 5, 5, 4, 2)

# Segment → (typical gross margin, monthly seasonality January..December).
SEGMENTS: dict[str, tuple[float, tuple[float, ...]]] = {
    "Industrie": (0.31, (0.9, 1.0, 1.15, 1.05, 1.0, 1.1, 0.9, 0.55, 1.05, 1.15, 1.1, 0.8)),
    "Distribution": (0.17, (0.85, 0.9, 1.0, 1.0, 1.0, 1.05, 0.95, 0.7, 1.05, 1.15, 1.2, 1.1)),
    "Grande distribution": (
        0.14,
        (0.75, 0.8, 0.9, 0.95, 1.0, 1.0, 0.9, 0.85, 1.0, 1.2, 1.35, 1.3),
    ),
    "Santé": (0.39, (1.05, 1.0, 1.05, 1.0, 0.95, 0.95, 0.9, 0.8, 1.0, 1.05, 1.1, 1.15)),
    "Agroalimentaire": (0.22, (0.8, 0.8, 0.95, 1.05, 1.15, 1.25, 1.2, 1.0, 1.0, 0.95, 0.9, 0.95)),
    "Automobile": (0.24, (1.0, 1.05, 1.15, 1.05, 1.05, 1.05, 0.85, 0.5, 1.1, 1.15, 1.1, 0.95)),
    "Énergie": (0.27, (1.2, 1.15, 1.05, 0.95, 0.85, 0.8, 0.8, 0.75, 0.95, 1.05, 1.15, 1.3)),
    "BTP": (0.21, (0.7, 0.8, 1.05, 1.15, 1.15, 1.15, 1.05, 0.6, 1.1, 1.15, 1.0, 0.75)),
}

LEGAL_FORMS = {
    "FR": ("SAS", "SA", "SARL"),
    "DE": ("GmbH", "AG", "GmbH & Co. KG"),
    "ES": ("S.L.", "S.A."),
    "IT": ("S.p.A.", "S.r.l."),
    "BE": ("SA", "NV", "SRL"),
    "NL": ("B.V.", "N.V."),
    "GB": ("Ltd", "plc"),
    "CH": ("AG", "SA", "GmbH"),
}
ACTIVITIES = {
    "FR": ("Industries", "Distribution", "Logistique", "Équipements", "Matériaux", "Services"),
    "DE": ("Industrietechnik", "Handel", "Logistik", "Maschinenbau", "Werkstoffe", "Technik"),
    "ES": ("Industrial", "Distribuciones", "Suministros", "Logística", "Equipamientos"),
    "IT": ("Industrie", "Forniture", "Distribuzione", "Meccanica", "Logistica"),
    "BE": ("Industries", "Distribution", "Logistics", "Techniek", "Matériaux"),
    "NL": ("Industrie", "Groothandel", "Logistiek", "Techniek", "Materialen"),
    "GB": ("Engineering", "Supplies", "Distribution", "Logistics", "Industries"),
    "CH": ("Technik", "Handel", "Präzision", "Industrie", "Logistik"),
}
GROUP_WORD = {
    "FR": "Groupe {}",
    "DE": "{} Gruppe",
    "ES": "Grupo {}",
    "IT": "Gruppo {}",
    "BE": "{} Group",
    "NL": "{} Groep",
    "GB": "{} Group",
    "CH": "{} Holding",
}
ROOTS = (
    "Altenberg", "Arvelle", "Baltora", "Belcourt", "Brenval", "Calmont", "Castelnau", "Corvane",
    "Dalmeyer", "Davenport", "Delvaux", "Dorsetti", "Elmvale", "Estrada", "Falkner", "Ferrand",
    "Galvani", "Garonne", "Hallberg", "Harcourt", "Iberica", "Isarwerk", "Jolimont", "Kestrel",
    "Kronwald", "Lambrecht", "Larochelle", "Linden", "Lorient", "Maravilla", "Marbella",
    "Merciel", "Montravel", "Nordhafen", "Norvane", "Oberland", "Orlanda", "Pellegrin",
    "Pemberton", "Quercy", "Ravensworth", "Rheinfels", "Rivalta", "Rosenthal", "Saint-Aubin",
    "Salvatori", "Solvane", "Sternfeld", "Tamaris", "Terranova", "Thornbury", "Torvald",
    "Valcourt", "Valmont", "Vanderhoek", "Varenne", "Veldhoven", "Verlaine", "Westergaard",
    "Wittenbach", "Ysselmonde", "Zanardi", "Zeeland", "Zurbrügg", "Aubrac", "Brionne",
)  # fmt: skip
FIRST_NAMES = {
    "FR": ("Camille", "Julien", "Élodie", "Thomas", "Sophie", "Nicolas", "Aurélie", "Mathieu",
           "Claire", "Antoine", "Hélène", "François", "Léa", "Sébastien", "Inès", "Bruno"),
    "DE": ("Anna", "Jürgen", "Katrin", "Stefan", "Julia", "Matthias", "Sabine", "Lukas",
           "Birgit", "Jörg", "Miriam", "Tobias", "Ursula", "Florian"),
    "ES": ("Lucía", "Javier", "Marta", "Alejandro", "Carmen", "Sergio", "Nuria", "Pablo",
           "Begoña", "Íñigo", "Rocío", "Andrés"),
    "IT": ("Giulia", "Marco", "Chiara", "Luca", "Francesca", "Alessandro", "Elena", "Davide",
           "Federica", "Niccolò", "Silvia", "Matteo"),
    "BE": ("Marie", "Pieter", "Nathalie", "Wouter", "Sarah", "Olivier", "Lies", "Maxime",
           "Annelies", "Thibault", "Griet", "Jérôme"),
    "NL": ("Sanne", "Joost", "Femke", "Daan", "Lotte", "Bram", "Eva", "Sander", "Marloes",
           "Ruud", "Anouk", "Thijs"),
    "GB": ("Emma", "James", "Charlotte", "Oliver", "Sophie", "Harry", "Hannah", "George",
           "Lucy", "William", "Amelia", "Edward"),
    "CH": ("Laura", "Reto", "Nadine", "Urs", "Corinne", "Beat", "Séverine", "Luca", "Martina",
           "Samuel", "Noémie", "Adrian"),
}  # fmt: skip
LAST_NAMES = {
    "FR": ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Rousseau",
           "Fournier", "Mercier", "Chevalier", "Lemaire", "Faure", "Gauthier"),
    "DE": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Koch",
           "Schäfer", "Wagner", "Braun", "Krüger"),
    "ES": ("García", "Fernández", "López", "Martínez", "Sánchez", "Romero", "Navarro", "Ortega",
           "Delgado", "Castillo", "Ibáñez", "Muñoz"),
    "IT": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci",
           "Marino", "Greco", "Bruno", "Conti"),
    "BE": ("Peeters", "Janssens", "Maes", "Dupont", "Lambert", "Claes", "Wouters", "Leclercq",
           "De Smet", "Jacobs", "Dumont", "Willems"),
    "NL": ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit",
           "Meijer", "de Boer", "Mulder", "Bos", "Vos"),
    "GB": ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Davies", "Evans",
           "Thomas", "Roberts", "Walker", "Wright"),
    "CH": ("Meier", "Keller", "Huber", "Brunner", "Baumann", "Frei", "Gerber", "Favre",
           "Rochat", "Bernasconi", "Widmer", "Zürcher"),
}  # fmt: skip
TITLES = (
    "Purchasing Director",
    "Head of Procurement",
    "Category Manager",
    "Buyer",
    "Supply Chain Director",
    "Logistics Manager",
    "Chief Financial Officer",
    "Accounts Payable Manager",
    "Quality Manager",
    "Chief Executive Officer",
    "Operations Director",
    "R&D Manager",
)
PHONE_PREFIX = {
    "FR": "+33",
    "DE": "+49",
    "ES": "+34",
    "IT": "+39",
    "BE": "+32",
    "NL": "+31",
    "GB": "+44",
    "CH": "+41",
}


@dataclass(frozen=True)
class DemoClient:
    external_id: str
    name: str
    group: str  # parent company, "" for an independent one
    country: str
    segment: str
    weight: float  # share of the programme's business, before trends (sums to 1)
    growth: float  # yearly growth rate of its orders
    margin: float  # typical gross margin of its lines
    payment_terms: int  # days: 30, 45 or 60
    payer: str  # punctual, late or chronic
    dispute_rate: float  # share of invoices disputed
    return_rate: float  # share of lines that are returns
    first_month: int  # months since January of FIRST_YEAR: 0 unless a newer client
    last_month: int  # 35 unless the client was lost
    kam: str  # username of its key account manager, "" when unassigned
    sponsored: bool


@dataclass(frozen=True)
class DemoContact:
    client_external_id: str
    first_name: str
    last_name: str
    title: str
    country: str
    email: str
    phone: str


@dataclass(frozen=True)
class DemoProgramme:
    seed: int
    lines: int  # how many ledger lines to aim for
    clients: tuple[DemoClient, ...]
    contacts: tuple[DemoContact, ...]


def demo_programme(*, seed: int = DEMO_SEED, lines: int = DEMO_LINES) -> DemoProgramme:
    """Clients and contacts for ``seed``; the ledger is written by ``write_ledger_csv``."""
    rng = random.Random(f"kam-demo:{seed}:clients")
    clients = _clients(rng)
    contacts = tuple(contact for item in clients for contact in _contacts(rng, item))
    return DemoProgramme(seed=seed, lines=lines, clients=clients, contacts=contacts)


def write_ledger_csv(programme: DemoProgramme, stream: TextIO) -> int:
    """Write the header and every ledger line to a text stream; returns the number of lines.

    Open files with ``encoding="utf-8", newline=""``: lines end with CRLF, as Excel writes them.
    """
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerow(LEDGER_HEADER)
    count = 0
    for row in ledger_rows(programme):
        writer.writerow(row)
        count += 1
    return count


def ledger_rows(programme: DemoProgramme) -> Iterator[tuple[str, ...]]:
    """The ledger lines as text cells in LEDGER_HEADER order, by invoice date."""
    rng = random.Random(f"kam-demo:{programme.seed}:ledger")
    activity = sum(value for client in programme.clients for _, value in _activity(client))
    per_unit = programme.lines / activity / 1.01  # returns add about 1 % more lines
    documents = []
    for client in programme.clients:
        documents.extend(_documents(rng, client, per_unit))
    documents.sort(key=lambda document: (document.date, document.client.external_id, document.tie))
    sequence: dict[tuple[str, int], int] = {}
    for document in documents:
        prefix = "AV" if document.is_return else "CMD"
        number = sequence[prefix, document.date.year] = (
            sequence.get((prefix, document.date.year), 0) + 1
        )
        reference = f"{prefix}-{document.date.year}-{number:06d}"
        client = document.client
        for quantity, unit_price, cost in document.lines:
            amount = quantity * unit_price  # cents
            yield (
                client.external_id,
                client.name,
                _day(document.date),
                _day(document.due_date),
                _day(document.paid_date) if document.paid_date else "",
                str(quantity),
                _money(unit_price),
                _money(amount),
                _money(cost),
                client.country,
                client.segment,
                "Oui" if document.disputed else "Non",
                reference,
            )


# A few export invoices billed in the customer's own currency, and the monthly exchange rates
# that convert them, so that a client page shows original currencies from the start: the first
# client of each country below, one invoice a month of the last year.
FOREIGN_BILLING = (("GB", "GBP"), ("CH", "USD"))
FOREIGN_RATES = {"GBP": 0.85, "USD": 1.08}  # units for 1 EUR, drifting a little month by month
FOREIGN_HEADER = (*LEDGER_HEADER, "Devise")


def foreign_rows(programme: DemoProgramme) -> Iterator[tuple[str, ...]]:
    """The export invoices as text cells in FOREIGN_HEADER order, amounts in their currency."""
    rng = random.Random(f"kam-demo:{programme.seed}:foreign")
    for country, currency in FOREIGN_BILLING:
        client = next((item for item in programme.clients if item.country == country), None)
        if client is None:
            continue
        for month in range(1, 13):
            date = _business_day(rng, LAST_YEAR, month)
            due = date + dt.timedelta(days=client.payment_terms)
            paid = due + dt.timedelta(days=rng.randint(-5, 12))
            quantity = rng.randint(5, 40)
            unit_price = rng.randint(2_000, 9_000)  # cents
            amount = quantity * unit_price
            yield (
                client.external_id,
                client.name,
                _day(date),
                _day(due),
                _day(paid) if paid <= AS_OF else "",
                str(quantity),
                _money(unit_price),
                _money(amount),
                _money(round(amount * (1 - client.margin))),
                client.country,
                client.segment,
                "Non",
                f"EXP-{LAST_YEAR}-{currency}-{month:02d}",
                currency,
            )


def foreign_rates() -> list[tuple[str, dt.date, Decimal]]:
    """(currency, first day of the month, units for 1 EUR) for each month of the last year."""
    return [
        (currency, dt.date(LAST_YEAR, month, 1), Decimal(f"{base * (1 + (month - 6) / 400):.4f}"))
        for currency, base in FOREIGN_RATES.items()
        for month in range(1, 13)
    ]


# --- clients and contacts -------------------------------------------------------------------


def _clients(rng: random.Random) -> tuple[DemoClient, ...]:
    roots = rng.sample(ROOTS, k=len(ROOTS))
    # A handful of groups with subsidiaries in several countries, then independent companies.
    group_sizes = [4, 3, 3, 2, 2, 2]
    specs: list[tuple[str, str, str]] = []  # (root, group name, country)
    for size in group_sizes:
        root = roots.pop()
        home = _pick(rng, COUNTRIES, COUNTRY_WEIGHTS)
        countries = [home, *rng.sample([c for c in COUNTRIES if c != home], k=size - 1)]
        specs.extend((root, GROUP_WORD[home].format(root), country) for country in countries)
    while len(specs) < CLIENT_COUNT:
        specs.append((roots.pop(), "", _pick(rng, COUNTRIES, COUNTRY_WEIGHTS)))
    rng.shuffle(specs)
    # Business is skewed: a few big accounts, a long tail (Zipf-like weights, shuffled ranks).
    ranks = list(range(1, CLIENT_COUNT + 1))
    rng.shuffle(ranks)
    raw = [rank**-1.05 * rng.lognormvariate(0, 0.25) for rank in ranks]
    total = sum(raw)
    clients = []
    used_names: set[str] = set()
    for index, ((root, group, country), weight) in enumerate(zip(specs, raw, strict=True)):
        segment = rng.choice(tuple(SEGMENTS))
        name = f"{root} {rng.choice(ACTIVITIES[country])} {rng.choice(LEGAL_FORMS[country])}"
        while name in used_names:
            name = f"{root} {rng.choice(ACTIVITIES[country])} {rng.choice(LEGAL_FORMS[country])}"
        used_names.add(name)
        share = weight / total
        payer = _pick(rng, ("punctual", "late", "chronic"), (60, 28, 12))
        # Big accounts negotiate their prices down: thinner margins.
        margin = SEGMENTS[segment][0] - 0.05 * min(share * 10, 1) + rng.gauss(0, 0.03)
        first_month, last_month = 0, 35
        lifecycle = rng.random()
        if lifecycle < 0.08:
            first_month = rng.randint(12, 27)  # won in 2024 or 2025
        elif lifecycle < 0.12:
            last_month = rng.randint(15, 30)  # lost
        growth = rng.choice((-0.25, -0.1, -0.05, 0.0, 0.05, 0.08, 0.12, 0.2, 0.35))
        clients.append(
            DemoClient(
                external_id=f"C{10001 + index}",
                name=name,
                group=group,
                country=country,
                segment=segment,
                weight=share,
                growth=growth + rng.gauss(0, 0.03),
                margin=round(min(max(margin, 0.03), 0.55), 4),
                payment_terms=rng.choice((30, 30, 45, 60)),
                payer=payer,
                dispute_rate={"punctual": 0.005, "late": 0.015, "chronic": 0.04}[payer]
                * rng.uniform(0.5, 1.5),
                return_rate=rng.uniform(0.002, 0.015),
                first_month=first_month,
                last_month=last_month,
                kam="",
                sponsored=False,
            )
        )
    return _assign_people(clients)


def _assign_people(clients: list[DemoClient]) -> tuple[DemoClient, ...]:
    """Split clients between the two KAMs by territory; the smallest stay unassigned."""
    by_size = sorted(clients, key=lambda item: -item.weight)
    unassigned = {item.external_id for item in by_size[-6:]}
    sponsored = {item.external_id for item in by_size[:5]}
    south = {"FR", "ES", "IT", "CH"}
    result = []
    for item in clients:
        kam = "" if item.external_id in unassigned else "kam" if item.country in south else "kam2"
        result.append(replace(item, kam=kam, sponsored=item.external_id in sponsored))
    return tuple(result)


def _contacts(rng: random.Random, item: DemoClient) -> list[DemoContact]:
    domain = _slug(" ".join(item.name.split(" ")[:2])) + ".example"  # root and activity
    titles = rng.sample(TITLES, k=rng.randint(2, 5))
    contacts = []
    seen: set[tuple[str, str]] = set()
    for title in titles:
        country = item.country if rng.random() < 0.85 else rng.choice(COUNTRIES)
        first, last = rng.choice(FIRST_NAMES[country]), rng.choice(LAST_NAMES[country])
        while (first, last) in seen:
            first, last = rng.choice(FIRST_NAMES[country]), rng.choice(LAST_NAMES[country])
        seen.add((first, last))
        digits = " ".join(f"{rng.randint(0, 99):02d}" for _ in range(4))
        contacts.append(
            DemoContact(
                client_external_id=item.external_id,
                first_name=first,
                last_name=last,
                title=title,
                country=country,
                email=f"{_slug(first)}.{_slug(last)}@{domain}",
                phone=f"{PHONE_PREFIX[country]} {rng.randint(1, 9)} {digits}",
            )
        )
    return contacts


# --- ledger ---------------------------------------------------------------------------------


@dataclass
class _Document:
    """An invoice (or a credit note for a return) with its lines: (quantity, unit price, cost)."""

    client: DemoClient
    date: dt.date
    due_date: dt.date
    paid_date: dt.date | None
    disputed: bool
    is_return: bool
    lines: list[tuple[int, int, int]]
    tie: float


def _documents(rng: random.Random, client: DemoClient, per_unit: float) -> list[_Document]:
    """Invoices and credit notes of one client; ``per_unit`` lines per unit of activity."""
    quantity_scale = 1 + 40 * client.weight**0.5  # bigger clients order bigger quantities
    products = [
        round(rng.lognormvariate(math.log(90), 1.0) * 100) + 50 for _ in range(rng.randint(8, 25))
    ]
    product_weights = [rng.paretovariate(1.2) for _ in products]
    documents = []
    for month, activity in _activity(client):
        year, month_of_year = FIRST_YEAR + month // 12, month % 12 + 1
        expected = per_unit * activity
        count = int(expected) + (rng.random() < expected - int(expected))
        price_index = 1.03 ** (month / 12)  # list prices rise 3 % a year
        while count > 0:
            size = min(count, _pick(rng, (1, 2, 3, 4, 5, 6), (30, 25, 18, 12, 9, 6)))
            count -= size
            date = _business_day(rng, year, month_of_year)
            lines = []
            for _ in range(size):
                unit_price = round(_pick(rng, products, product_weights) * price_index)
                quantity = max(1, round(rng.lognormvariate(math.log(quantity_scale), 0.8)))
                lines.append((quantity, unit_price, _cost(rng, client, quantity * unit_price)))
            documents.append(_invoice(rng, client, date, lines, is_return=False))
            if rng.random() < client.return_rate * size:
                quantity, unit_price, _ = rng.choice(lines)
                returned = -max(1, round(quantity * rng.uniform(0.1, 1.0)))
                line = (returned, unit_price, _cost(rng, client, returned * unit_price))
                later = date + dt.timedelta(days=rng.randint(5, 40))
                later = min(later, dt.date(LAST_YEAR, 12, 31))
                documents.append(_invoice(rng, client, later, [line], is_return=True))
    return documents


def _activity(client: DemoClient) -> Iterator[tuple[int, float]]:
    """(month index, relative number of lines) for each month the client is active.

    Lines grow less than linearly with the client's size (big clients also order bigger
    quantities), and follow its segment's seasons and its own trend.
    """
    seasonality = SEGMENTS[client.segment][1]
    for month in range(client.first_month, client.last_month + 1):
        trend = (1 + client.growth) ** (month / 12)
        yield month, client.weight**0.6 * seasonality[month % 12] * trend


def _cost(rng: random.Random, client: DemoClient, amount: int) -> int:
    margin = client.margin + rng.gauss(0, 0.04)
    return round(amount * (1 - margin))


def _invoice(
    rng: random.Random,
    client: DemoClient,
    date: dt.date,
    lines: list[tuple[int, int, int]],
    *,
    is_return: bool,
) -> _Document:
    due_date = date + dt.timedelta(days=client.payment_terms)
    disputed = not is_return and rng.random() < client.dispute_rate
    if client.payer == "punctual":
        delay = rng.randint(-10, 4)
    elif client.payer == "late":
        delay = round(rng.gauss(12, 7))
    else:
        delay = round(rng.gauss(38, 14))
    if disputed:
        delay += rng.randint(20, 75)
    delay = max(delay, 5 - client.payment_terms)
    paid_date: dt.date | None = due_date + dt.timedelta(days=delay)
    if paid_date is not None and paid_date > AS_OF:
        paid_date = None
    return _Document(client, date, due_date, paid_date, disputed, is_return, lines, rng.random())


def _business_day(rng: random.Random, year: int, month: int) -> dt.date:
    days = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.date(year, month, 1)).days
    while True:
        date = dt.date(year, month, rng.randint(1, days))
        if date.weekday() < 5:
            return date


# --- formatting -----------------------------------------------------------------------------


def _pick[T](
    rng: random.Random, choices: tuple[T, ...] | list[T], weights: tuple[float, ...] | list[float]
) -> T:
    return rng.choices(choices, weights=weights)[0]


def _day(date: dt.date) -> str:
    return date.strftime("%d/%m/%Y")


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    return f"{sign}{units},{rest:02d}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(char if char.isalnum() else "-" for char in ascii_text.lower()).strip("-")


# --- seeding, through the services ------------------------------------------------------------

# username → (first name, last name, role, department, country)
DEMO_USERS = {
    "director": ("Diane", "Marchal", User.Role.DIRECTOR, Department.MANAGEMENT, "FR"),
    "kam": ("Karim", "Benali", User.Role.KAM, Department.SALES, "FR"),
    "kam2": ("Katja", "Neumann", User.Role.KAM, Department.SALES, "DE"),
    "sponsor": ("Serge", "Aubert", User.Role.SPONSOR, Department.MANAGEMENT, "FR"),
    "contributor": ("Carmen", "Ruiz", User.Role.CONTRIBUTOR, Department.LOGISTICS, "ES"),
    "marketing": ("Marc", "Lefèvre", User.Role.CONTRIBUTOR, Department.MARKETING, "FR"),
    "supply": ("Sofia", "Conti", User.Role.CONTRIBUTOR, Department.SUPPLY_CHAIN, "IT"),
    "rnd": ("Rémi", "Garnier", User.Role.CONTRIBUTOR, Department.RND, "FR"),
    "finance": ("Fanny", "Dubois", User.Role.CONTRIBUTOR, Department.FINANCE, "FR"),
    "admin": ("Adèle", "Morin", User.Role.ADMIN, Department.OTHER, "FR"),
}


@dataclass(frozen=True)
class Seeded:
    """What accounts' step seeded, for the steps of the apps above."""

    programme: DemoProgramme
    users: dict[str, User]  # by username, as in DEMO_USERS
    clients: dict[str, Client]  # by external id, those of the programme
    summary: str  # what the step did, for the command to print


def seed_demo(*, seed: int = DEMO_SEED, lines: int = DEMO_LINES) -> Seeded:
    """Create the demo users, import the programme's ledger, then set the clients' groups, KAMs,
    sponsors and contacts. Raises ``ValidationError`` when the ledger cannot be imported."""
    programme = demo_programme(seed=seed, lines=lines)
    users = _seed_users()
    ledger = _seed_ledger(programme, importer=users["director"])
    foreign = _seed_foreign(programme, importer=users["director"])
    updated = _seed_clients(programme, users)
    contacts = _seed_contacts(programme, users["director"])
    clients = Client.objects.in_bulk(
        [item.external_id for item in programme.clients], field_name="external_id"
    )
    summary = (
        f"Demo users: {', '.join(DEMO_USERS)} (password: {DEMO_PASSWORD})\n"
        f"Ledger: {ledger}\n"
        f"Export invoices in GBP and USD: {foreign}\n"
        f"Clients: {Client.objects.count()} ({updated} updated), contacts: {contacts},"
        f" ledger lines: {LedgerLine.objects.count()}"
    )
    return Seeded(programme=programme, users=users, clients=clients, summary=summary)


def _seed_users() -> dict[str, User]:
    users = {}
    for username, (first, last, role, department, country) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{username}@kam.example",
                "role": role,
                "department": department,
                "country": country,
                "is_staff": role == User.Role.ADMIN,
                "is_superuser": role == User.Role.ADMIN,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[username] = user
    return users


def _seed_ledger(programme: DemoProgramme, *, importer: User) -> str:
    return _import_once(
        f"demo-ledger-{programme.seed}.csv", LEDGER_HEADER, ledger_rows(programme), importer
    )


def _seed_foreign(programme: DemoProgramme, *, importer: User) -> str:
    """The monthly rates first (a rate already there, perhaps changed by hand, is kept), then
    the export invoices, converted as they are imported."""
    for currency, month, rate in foreign_rates():
        ExchangeRate.objects.get_or_create(
            currency=currency,
            period=ExchangeRate.Period.MONTH,
            date=month,
            defaults={"rate": rate, "source": ExchangeRate.Source.MANUAL, "updated_by": importer},
        )
    return _import_once(
        f"demo-exports-{programme.seed}.csv", FOREIGN_HEADER, foreign_rows(programme), importer
    )


def _import_once(
    name: str, header: tuple[str, ...], rows: Iterator[tuple[str, ...]], importer: User
) -> str:
    """Import a ledger written as the demo's ERP writes it, unless it was already imported."""
    with tempfile.TemporaryDirectory(prefix="kam-demo-") as folder:
        path = Path(folder) / name
        with path.open("w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(rows)
        sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        done = LedgerImport.objects.filter(sha256=sha256, status=LedgerImport.Status.DONE)
        if done.exists():
            return f"already imported ({done.first()})"
        result = import_services.ledger_import_from_path(path=path, user=importer)
    if result.status != LedgerImport.Status.DONE:
        raise ValidationError(f"The demo ledger import failed: {result.error}")
    return (
        f"{result.rows_imported} lines imported, {result.rows_rejected} rejected,"
        f" {result.clients_created} clients created"
    )


@transaction.atomic
def _seed_clients(programme: DemoProgramme, users: dict[str, User]) -> int:
    """Set what the ledger does not carry (group, KAM, sponsor) where it differs."""
    clients = Client.objects.in_bulk(
        [item.external_id for item in programme.clients], field_name="external_id"
    )
    updated = 0
    for item in programme.clients:
        client = clients.get(item.external_id)
        kam = users[item.kam] if item.kam else None
        sponsor = users["sponsor"] if item.sponsored else None
        if client is None:
            continue
        wanted = (item.group, kam.pk if kam else None, sponsor.pk if sponsor else None)
        if (client.group, client.kam_id, client.sponsor_id) == wanted:
            continue
        client_services.client_update(
            user=users["director"], client=client, kam=kam, sponsor=sponsor, group=item.group
        )
        updated += 1
    return updated


@transaction.atomic
def _seed_contacts(programme: DemoProgramme, director: User) -> int:
    clients = Client.objects.in_bulk(
        [item.external_id for item in programme.clients], field_name="external_id"
    )
    existing = {
        (contact.client_id, contact.first_name, contact.last_name): contact
        for contact in Contact.objects.filter(client__in=clients.values())
    }
    for item in programme.contacts:
        client = clients.get(item.client_external_id)
        if client is None:
            continue
        contact = existing.get((client.pk, item.first_name, item.last_name))
        wanted = (item.title, item.country, item.email, item.phone)
        if contact and (contact.title, contact.country, contact.email, contact.phone) == wanted:
            continue
        client_services.contact_save(
            user=director,
            client=client,
            contact=contact,
            first_name=item.first_name,
            last_name=item.last_name,
            title=item.title,
            country=item.country,
            email=item.email,
            phone=item.phone,
        )
    return Contact.objects.filter(client__in=clients.values()).count()
