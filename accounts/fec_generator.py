"""A generated FEC (Fichier des Écritures Comptables) of a small French company, for the tests
and the demo.

It follows the official layout of article A47 A-1 of the Livre des procédures fiscales (18
columns, ``AAAAMMJJ`` dates, decimal commas, entries numbered in one continuous sequence in date
order, every entry balanced) and holds what a real one does: opening balances (AN), sales
invoices and credit notes (VE), counter sales without a customer account (VC), purchases (AC),
bank receipts and payments (BQ), payroll (PA) and depreciation (OD); customers in euros and in
foreign currency (with exchange differences on payment), full, split, partial and missing
payments, matched (lettrage) on the customer accounts. Customers are auxiliary accounts of
411000 or general accounts 411XXXXX; the separator, the encoding, the header names and how
amounts are written vary as packages make them vary.

The generation is pure Python, with no database and no clock: the same options always give the
same bytes.

    raw = generate(FecOptions(seed=7, layout="general", separator="\\t"))
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

OFFICIAL_HEADER = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)
# The same columns as some accounting packages name them.
VARIANT_HEADER = (
    "Code journal",
    "Libellé journal",
    "Numéro écriture",
    "Date écriture",
    "Compte Num",
    "Libellé compte",
    "CompteAuxNum",
    "CompteAuxLib",
    "Pièce Ref",
    "Date pièce",
    "Libellé",
    "Débit",
    "Crédit",
    "Lettrage",
    "Date lettrage",
    "Date validation",
    "Montant devise",
    "IDevise",
)
DUE_DATE_COLUMN = "DateEcheance"

JOURNALS = {
    "AN": "A nouveaux",
    "VE": "Journal des ventes",
    "VC": "Ventes comptoir",
    "AC": "Journal des achats",
    "BQ": "Banque Société Générale",
    "PA": "Journal de paie",
    "OD": "Opérations diverses",
}
REVENUE_ACCOUNTS = (
    ("701000", "Ventes de produits finis"),
    ("706000", "Prestations de services"),
    ("708500", "Ports et frais accessoires facturés"),
)
# Customers: name, country, currency, payment terms (days), payer habit, weight.
CUSTOMERS = (
    ("Boulangeries Léon & Fils", "FR", "EUR", 30, "punctual", 5.0),
    ("Société Générale d'Équipements", "FR", "EUR", 45, "late", 9.0),
    ("Cœur de Lys SARL", "FR", "EUR", 30, "punctual", 2.0),
    ("Hôtellerie du Périgord", "FR", "EUR", 60, "very late", 3.0),
    ("Ateliers Mécaniques de l'Ouest", "FR", "EUR", 45, "punctual", 7.0),
    ("Électricité Durand", "FR", "EUR", 30, "late", 1.5),
    ("Pâtisserie Françoise Ébrard", "FR", "EUR", 30, "punctual", 1.0),
    ("Transports Rhône-Alpes", "FR", "EUR", 60, "late", 4.0),
    ("Müller Maschinenbau GmbH", "DE", "EUR", 30, "punctual", 6.0),
    ("Ñandú Distribución SL", "ES", "EUR", 60, "very late", 2.5),
    ("Van der Berg Logistiek BV", "NL", "EUR", 30, "punctual", 3.5),
    ("Brasserie Šimek s.r.o.", "CZ", "EUR", 45, "late", 1.0),
    ("Atlantic Tools Inc.", "US", "USD", 45, "late", 4.5),
    ("Hudson Retail LLC", "US", "USD", 30, "punctual", 2.0),
    ("Thames Engineering Ltd", "GB", "GBP", 30, "late", 3.0),
    ("Zürcher Präzision AG", "CH", "CHF", 30, "punctual", 2.5),
    ("Clinique Sainte-Œuvre", "FR", "EUR", 60, "very late", 1.2),
    ("Groupe Zoé Industrie", "FR", "EUR", 45, "punctual", 8.0),
    ("Menuiserie Gaël Ruiz", "FR", "EUR", 30, "late", 0.8),
    ("Laboratoires Ève", "FR", "EUR", 45, "punctual", 3.0),
)
SUPPLIERS = (
    ("Aciéries du Nord", "607000", "Achats de marchandises"),
    ("Emballages Créatifs", "601000", "Achats de matières premières"),
    ("EDF Entreprises", "606100", "Fournitures non stockables"),
    ("Cabinet Lefèvre Avocats", "622600", "Honoraires"),
    ("Transports Guérin", "624100", "Transports sur achats"),
)
# Euros per unit of each foreign currency, around which the rates move.
RATES = {"USD": 0.92, "GBP": 1.17, "CHF": 1.05}
EU = {"DE", "ES", "NL", "CZ", "BE", "IT"}


@dataclass(frozen=True)
class FecOptions:
    seed: int = 2025
    year: int = 2025  # the fiscal year, a calendar year
    invoices: int = 300  # sales invoices over the year
    layout: str = "auxiliary"  # customers as auxiliary accounts of 411000, or "general" 411XXXXX
    separator: str = "|"  # or "\t"
    encoding: str = "utf-8"  # or "iso-8859-15"
    header: str = "official"  # or "variant": names as some packages write them
    amounts: str = "plain"  # "padded" with zeros, "spaces" before, or "signed" credit notes
    amount_columns: str = "debit_credit"  # or "montant_sens": Montant and Sens (D or C)
    currency_columns: bool = True  # False: no Montantdevise and Idevise (all in euros)
    due_dates: bool = False  # add a DateEcheance column on the customer lines of invoices
    unbalanced: int = 0  # entries whose credit is written 10,00 too high
    broken_lines: int = 0  # sales lines whose label holds the separator
    siren: str = "552100554"

    @property
    def filename(self) -> str:
        """The official name: SIREN, FEC and the closing date."""
        return f"{self.siren}FEC{self.year}1231.txt"


@dataclass
class _Line:
    account: str
    account_lib: str
    debit: int = 0  # cents
    credit: int = 0
    aux: str = ""
    aux_lib: str = ""
    letter: str = ""
    letter_date: dt.date | None = None
    currency_amount: int | None = None  # cents of the foreign currency, unsigned
    currency: str = ""
    due_date: dt.date | None = None


@dataclass
class _Entry:
    journal: str
    date: dt.date
    piece: str
    label: str
    lines: list[_Line]
    piece_date: dt.date | None = None
    tie: int = 0
    number: int = 0


@dataclass
class _Customer:
    code: str
    name: str
    country: str
    currency: str
    terms: int
    habit: str
    weight: float
    letters: int = 0

    def account(self, layout: str) -> tuple[str, str, str, str]:
        """(CompteNum, CompteLib, CompAuxNum, CompAuxLib) of the customer's lines."""
        if layout == "general":
            return f"411{self.code[1:]:0>5}", self.name, "", ""
        return "411000", "Clients", self.code, self.name

    def next_letter(self) -> str:
        self.letters += 1
        number, letters = self.letters, ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(65 + rest) + letters
        return letters


@dataclass
class _Book:
    options: FecOptions
    rng: random.Random
    entries: list[_Entry] = field(default_factory=list)

    def add(self, entry: _Entry) -> _Entry:
        entry.tie = len(self.entries)
        self.entries.append(entry)
        return entry


def generate(options: FecOptions | None = None) -> bytes:
    """The FEC file's bytes."""
    options = options or FecOptions()
    rng = random.Random(f"kam-fec:{options.seed}")
    book = _Book(options=options, rng=rng)
    customers = [_Customer(f"C{index + 1:04d}", *spec) for index, spec in enumerate(CUSTOMERS)]
    if not options.currency_columns:
        for customer in customers:
            customer.currency = "EUR"
    _opening(book, customers)
    _sales(book, customers)
    _counter_sales(book)
    _purchases(book)
    _payroll_and_depreciation(book)
    return _write(book)


# --- the year's entries -------------------------------------------------------------------------


def _business_day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    while True:
        day = start + dt.timedelta(days=rng.randint(0, (end - start).days))
        if day.weekday() < 5:
            return day


def _bank(amount: int, *, receipt: bool) -> _Line:
    line = _Line("512000", "Banque Société Générale")
    if receipt:
        line.debit = amount
    else:
        line.credit = amount
    return line


def _customer_line(customer: _Customer, layout: str, *, debit: int = 0, credit: int = 0) -> _Line:
    account, account_lib, aux, aux_lib = customer.account(layout)
    return _Line(account, account_lib, debit=debit, credit=credit, aux=aux, aux_lib=aux_lib)


def _opening(book: _Book, customers: list[_Customer]) -> None:
    """Opening balances: capital, bank, and two invoices of last year still to be paid."""
    year = book.options.year
    first = dt.date(year, 1, 1)
    open_invoices = []
    for customer in customers[:2]:
        amount = book.rng.randint(80_000, 400_000)
        line = _customer_line(customer, book.options.layout, debit=amount)
        open_invoices.append((customer, line, amount))
    receivable = sum(amount for _, _, amount in open_invoices)
    lines = [
        _Line("101000", "Capital social", credit=5_000_000),
        _Line("512000", "Banque Société Générale", debit=5_000_000 - receivable + 2_000_000),
        _Line("164000", "Emprunts auprès des établissements de crédit", credit=2_000_000),
        *(line for _, line, _ in open_invoices),
    ]
    book.add(_Entry("AN", first, "AN" + str(year), "Reprise des soldes au 01/01", lines))
    for customer, line, amount in open_invoices:
        paid = _business_day(book.rng, first + dt.timedelta(days=10), first + dt.timedelta(days=40))
        letter = customer.next_letter()
        line.letter, line.letter_date = letter, paid
        receipt = _customer_line(customer, book.options.layout, credit=amount)
        receipt.letter, receipt.letter_date = letter, paid
        book.add(
            _Entry(
                "BQ",
                paid,
                f"VIR{paid:%m%d}{customer.code}",
                f"Règlement {customer.name}",
                [_bank(amount, receipt=True), receipt],
            )
        )


def _rate(rng: random.Random, currency: str) -> float:
    return RATES[currency] * rng.uniform(0.96, 1.04)


def _sales(book: _Book, customers: list[_Customer]) -> None:
    options, rng = book.options, book.rng
    year_start, year_end = dt.date(options.year, 1, 1), dt.date(options.year, 12, 31)
    weights = [customer.weight for customer in customers]
    credit_notes = 0
    for number in range(1, options.invoices + 1):
        customer = rng.choices(customers, weights=weights)[0]
        date = _business_day(rng, year_start, year_end - dt.timedelta(days=3))
        foreign = customer.currency != "EUR"
        rate = _rate(rng, customer.currency) if foreign else 1.0
        revenue: list[_Line] = []
        for account, label in rng.sample(REVENUE_ACCOUNTS, k=rng.choice((1, 1, 2, 3))):
            original = round(rng.lognormvariate(7.5, 1.0) * 100) + 1_000
            if account == "708500":
                original = rng.randint(1_500, 12_000)
            line = _Line(account, label, credit=round(original * rate) if foreign else original)
            if foreign:
                line.currency_amount, line.currency = original, customer.currency
            revenue.append(line)
        net = sum(line.credit for line in revenue)
        vat = round(net * 0.2) if customer.country == "FR" else 0
        total = net + vat
        piece = f"FA{options.year}-{number:05d}"
        invoice_line = _customer_line(customer, options.layout, debit=total)
        invoice_line.due_date = date + dt.timedelta(days=customer.terms)
        if foreign:
            invoice_line.currency = customer.currency
            invoice_line.currency_amount = sum(line.currency_amount or 0 for line in revenue)
        lines = [invoice_line, *revenue]
        if vat:
            lines.append(_Line("445710", "TVA collectée", credit=vat))
        label = f"Facture {piece} {customer.name}"
        book.add(_Entry("VE", date, piece, label, lines, piece_date=date))
        matched = [invoice_line]  # the customer lines the payment will be matched with
        owed, last_date = total, date

        # A credit note for one invoice in fifteen: part of a revenue line given back.
        if rng.random() < 1 / 15:
            credit_notes += 1
            given = revenue[0]
            share = rng.choice((0.1, 0.25, 0.5, 1.0))
            back = round(given.credit * share)
            back_vat = round(back * 0.2) if vat else 0
            note_date = min(date + dt.timedelta(days=rng.randint(3, 20)), year_end)
            note_piece = f"AV{options.year}-{credit_notes:04d}"
            note_line = _customer_line(customer, options.layout, credit=back + back_vat)
            note_revenue = _Line(given.account, given.account_lib, debit=back)
            if foreign:
                original = round((given.currency_amount or 0) * share)
                note_revenue.currency_amount, note_revenue.currency = original, customer.currency
                note_line.currency_amount, note_line.currency = original, customer.currency
            note_lines = [note_line, note_revenue]
            if back_vat:
                note_lines.append(_Line("445710", "TVA collectée", debit=back_vat))
            book.add(
                _Entry(
                    "VE",
                    note_date,
                    note_piece,
                    f"Avoir {note_piece} sur {piece}",
                    note_lines,
                    piece_date=note_date,
                )
            )
            matched.append(note_line)
            owed, last_date = owed - back - back_vat, note_date
        if owed <= 0:
            _match(customer, matched, last_date)
            continue
        _payments(book, customer, matched, owed, invoice_line.due_date, foreign, rate)


def _delay(rng: random.Random, habit: str) -> int:
    if habit == "punctual":
        return rng.randint(-8, 3)
    if habit == "late":
        return max(-5, round(rng.gauss(14, 7)))
    return max(0, round(rng.gauss(40, 15)))


def _match(customer: _Customer, lines: list[_Line], on: dt.date, *, dated: bool = True) -> None:
    letter = customer.next_letter()
    for line in lines:
        line.letter, line.letter_date = letter, on if dated else None


def _payments(
    book: _Book,
    customer: _Customer,
    matched: list[_Line],
    owed: int,
    due: dt.date,
    foreign: bool,
    rate: float,
) -> None:
    """Receipts for what a sale leaves owed: in full, in two, in part, or not yet."""
    rng, options = book.rng, book.options
    year_end = dt.date(options.year, 12, 31)
    paid_on = due + dt.timedelta(days=_delay(rng, customer.habit))
    outcome = rng.choices(("full", "split", "partial", "none"), weights=(80, 8, 5, 4))[0]
    if paid_on > year_end or outcome == "none":
        return  # an open item at the closing date
    if outcome == "full":
        amounts = [(paid_on, owed)]
    else:
        first = round(owed * rng.uniform(0.3, 0.7))
        first_on = paid_on - dt.timedelta(days=rng.randint(10, 25))
        if outcome == "partial":
            amounts = [(first_on, first)]
        else:
            amounts = [(first_on, first), (paid_on, owed - first)]
    receipts = []
    for day, amount in amounts:
        receipt = _customer_line(customer, options.layout, credit=amount)
        lines = [receipt]
        received = amount
        if foreign:
            # Paid in the foreign currency, converted at the day's rate: an exchange difference.
            original = round(amount / rate)
            received = round(original * _rate(rng, customer.currency))
            receipt.currency_amount, receipt.currency = original, customer.currency
            difference = received - amount
            if difference > 0:
                lines.append(_Line("766000", "Gains de change", credit=difference))
            elif difference < 0:
                lines.append(_Line("666000", "Pertes de change", debit=-difference))
        lines.insert(0, _bank(received, receipt=True))
        book.add(
            _Entry(
                "BQ",
                day,
                f"VIR{day:%m%d}{customer.code}",
                f"Règlement {customer.name}",
                lines,
            )
        )
        receipts.append(receipt)
    if outcome == "partial":
        if rng.random() < 0.5:  # some packages mark a partial match with a lower-case letter
            letter = customer.next_letter().lower()
            for line in [*matched, *receipts]:
                line.letter = letter
        return
    last = max(day for day, _ in amounts)
    _match(customer, [*matched, *receipts], last, dated=rng.random() < 0.85)


def _counter_sales(book: _Book) -> None:
    """A few cash sales at the counter: revenue without a customer account."""
    rng, year = book.rng, book.options.year
    for number in range(1, 7):
        date = _business_day(rng, dt.date(year, 1, 1), dt.date(year, 12, 28))
        net = rng.randint(5_000, 60_000)
        vat = round(net * 0.2)
        lines = [
            _Line("530000", "Caisse", debit=net + vat),
            _Line("701000", "Ventes de produits finis", credit=net),
            _Line("445710", "TVA collectée", credit=vat),
        ]
        book.add(_Entry("VC", date, f"TK{year}-{number:04d}", "Ventes comptoir", lines))


def _purchases(book: _Book) -> None:
    rng, options = book.rng, book.options
    year_end = dt.date(options.year, 12, 31)
    for number in range(1, options.invoices // 2 + 1):
        index = rng.randrange(len(SUPPLIERS))
        name, account, account_lib = SUPPLIERS[index]
        supplier_account, aux = (
            ("401000", f"F{index + 1:04d}")
            if options.layout == "auxiliary"
            else (f"401{index + 1:05d}", "")
        )
        date = _business_day(rng, dt.date(options.year, 1, 1), year_end)
        net = round(rng.lognormvariate(7.0, 0.9) * 100)
        vat = round(net * 0.2)
        supplier = _Line(
            supplier_account,
            "Fournisseurs" if aux else name,
            credit=net + vat,
            aux=aux,
            aux_lib=name if aux else "",
        )
        piece = f"{name[:3].upper()}-{rng.randint(1000, 99999)}"
        lines = [
            _Line(account, account_lib, debit=net),
            _Line("445660", "TVA déductible sur autres biens et services", debit=vat),
            supplier,
        ]
        book.add(_Entry("AC", date, piece, f"Facture {name}", lines, piece_date=date))
        paid = date + dt.timedelta(days=rng.choice((30, 45, 60)))
        if paid <= year_end:
            letter = f"F{number}"
            payment = _Line(
                supplier_account,
                supplier.account_lib,
                debit=net + vat,
                aux=aux,
                aux_lib=supplier.aux_lib,
                letter=letter,
                letter_date=paid,
            )
            supplier.letter, supplier.letter_date = letter, paid
            book.add(
                _Entry(
                    "BQ",
                    paid,
                    f"PRLV{paid:%m%d}",
                    f"Paiement {name}",
                    [
                        payment,
                        _bank(net + vat, receipt=False),
                    ],
                )
            )


def _payroll_and_depreciation(book: _Book) -> None:
    rng, year = book.rng, book.options.year
    for month in range(1, 13):
        end = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
        gross = rng.randint(4_200_000, 4_600_000)
        employer = round(gross * 0.42)
        employee = round(gross * 0.22)
        lines = [
            _Line("641100", "Salaires, appointements", debit=gross),
            _Line("645100", "Cotisations à l'URSSAF", debit=employer),
            _Line("431000", "Sécurité sociale", credit=employer + employee),
            _Line("421000", "Personnel - Rémunérations dues", credit=gross - employee),
        ]
        book.add(_Entry("PA", end, f"PAIE{year}-{month:02d}", f"Paie {end:%m/%Y}", lines))
        book.add(
            _Entry(
                "BQ",
                end,
                f"SAL{year}-{month:02d}",
                "Virement des salaires",
                [
                    _Line("421000", "Personnel - Rémunérations dues", debit=gross - employee),
                    _bank(gross - employee, receipt=False),
                ],
            )
        )
        book.add(
            _Entry(
                "OD",
                end,
                f"AMORT{year}-{month:02d}",
                "Dotation aux amortissements",
                [
                    _Line(
                        "681120",
                        "Dotations aux amortissements des immobilisations corporelles",
                        debit=125_000,
                    ),
                    _Line("281540", "Amortissements du matériel industriel", credit=125_000),
                ],
            )
        )


# --- writing ------------------------------------------------------------------------------------


def _day(date: dt.date | None) -> str:
    return f"{date:%Y%m%d}" if date else ""


def _money(cents: int, style: str) -> str:
    sign = "-" if cents < 0 else ""
    units, rest = divmod(abs(cents), 100)
    text = f"{units},{rest:02d}"
    if style == "padded":
        return sign + text.rjust(15, "0")
    if style == "spaces":
        return (sign + text).rjust(15)
    return sign + text


def _write(book: _Book) -> bytes:
    options = book.options
    header = list(VARIANT_HEADER if options.header == "variant" else OFFICIAL_HEADER)
    montant_sens = options.amount_columns == "montant_sens"
    if montant_sens:
        header[11:13] = ["Montant", "Sens"]
    if not options.currency_columns:
        header = header[:16]
    if options.due_dates:
        header.append(DUE_DATE_COLUMN)
    rows = [header]
    entries = sorted(book.entries, key=lambda entry: (entry.date, entry.tie))
    rng = random.Random(f"kam-fec:{options.seed}:defects")
    sales = [entry for entry in entries if entry.journal == "VE"]
    unbalanced = {id(entry) for entry in rng.sample(sales, k=min(options.unbalanced, len(sales)))}
    broken = {id(entry) for entry in rng.sample(sales, k=min(options.broken_lines, len(sales)))}
    for number, entry in enumerate(entries, start=1):
        entry.number = number
        validated = min(
            entry.date + dt.timedelta(days=rng.randint(0, 6)), dt.date(options.year + 1, 3, 31)
        )
        credit_note = entry.journal == "VE" and entry.piece.startswith("AV")
        for index, line in enumerate(entry.lines):
            debit, credit = line.debit, line.credit
            if id(entry) in unbalanced and index == len(entry.lines) - 1:
                credit += 1_000
            label = entry.label
            if id(entry) in broken and index == 0:
                label = f"{label} {options.separator} remise"
            if montant_sens:
                side = "D" if debit else "C"
                amounts = [_money(debit or credit, options.amounts), side]
            else:
                if options.amounts == "signed" and credit_note:
                    debit, credit = -credit, -debit  # a credit note as a negative invoice
                amounts = [_money(debit, options.amounts), _money(credit, options.amounts)]
            row = [
                entry.journal,
                JOURNALS[entry.journal],
                str(entry.number),
                _day(entry.date),
                line.account,
                line.account_lib,
                line.aux,
                line.aux_lib,
                entry.piece,
                _day(entry.piece_date or entry.date),
                label,
                *amounts,
                line.letter,
                _day(line.letter_date),
                _day(validated),
            ]
            if options.currency_columns:
                row += [
                    "" if line.currency_amount is None else _money(line.currency_amount, "plain"),
                    line.currency,
                ]
            if options.due_dates:
                row.append(_day(line.due_date))
            rows.append(row)
    text = "".join(options.separator.join(row) + "\r\n" for row in rows)
    return text.encode(options.encoding)
