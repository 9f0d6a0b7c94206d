"""accounts/services/exchange_rates.py: exchange rates and the conversion of ledger lines into
the company's currency, end to end on PostgreSQL. Expected totals are computed here, line by
line, from the generated ledger and the generated ECB file."""

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from accounts import signals
from accounts.models import ClientYearMetric, ExchangeRate, LedgerImport, LedgerLine
from accounts.services import exchange_rates as rate_services
from accounts.services import imports as import_services
from accounts.tasks import ledger_lines_convert_task
from tests.accounts.test_rates import ecb_history

pytestmark = pytest.mark.django_db

SIGNS = {
    "EUR": ["EUR", "€", "eur"],
    "USD": ["USD", "US$", "$"],
    "GBP": ["GBP", "£"],
    "JPY": ["JPY"],
}


def working_days(start: dt.date, end: dt.date) -> list[dt.date]:
    days = []
    day = start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def generated_rates(days: list[dt.date], seed: int = 3) -> dict[dt.date, dict[str, float | None]]:
    generator = random.Random(seed)
    return {
        day: {
            "USD": round(generator.uniform(1.05, 1.12), 4),
            "GBP": round(generator.uniform(0.84, 0.88), 4),
            "JPY": round(generator.uniform(155, 165), 4),
            "CHF": round(generator.uniform(0.93, 0.98), 4),
        }
        for day in days
    }


def generated_ledger(lines: int, start: dt.date, days: int, seed: int = 5) -> list[dict]:
    generator = random.Random(seed)
    rows = []
    for index in range(lines):
        currency = generator.choice(list(SIGNS))
        rows.append(
            {
                "customer": f"C{generator.randint(1, 6)}",
                "date": start + dt.timedelta(days=generator.randrange(days)),
                "amount": Decimal(generator.randint(-5000, 200000)) / 100,
                "currency": currency,
                "written": generator.choice(SIGNS[currency]),
                "order": f"F{index}",
            }
        )
    return rows


def ledger_csv(rows: list[dict]) -> ContentFile:
    text = "Customer;Invoice date;Amount;Devise;Order\n" + "".join(
        f"{row['customer']};{row['date']:%d/%m/%Y};{str(row['amount']).replace('.', ',')};"
        f"{row['written']};{row['order']}\n"
        for row in rows
    )
    return ContentFile(text.encode("utf-8"), name="mixed.csv")


def euro_rate(table, currency: str, day: dt.date) -> float | None:
    """The rule, written out: the day's rate, else the latest within the week before."""
    if currency == "EUR":
        return 1.0
    for back in range(8):
        values = table.get(day - dt.timedelta(days=back))
        if values and values.get(currency):
            return values[currency]
    return None


def import_ledger(user, upload) -> LedgerImport:
    ledger_import = import_services.ledger_import_create(user=user, upload=upload)
    import_services.ledger_import_confirm(
        ledger_import=ledger_import, user=user, mapping=ledger_import.mapping
    )
    import_services.ledger_import_run(import_id=ledger_import.pk)
    ledger_import.refresh_from_db()
    return ledger_import


def upload_rates(user, table, name="eurofxref-hist.csv"):
    with mock.patch.object(ledger_lines_convert_task, "delay_on_commit") as convert:
        result = rate_services.exchange_rates_upload(
            user=user, upload=ContentFile(ecb_history(table), name=name)
        )
    return result, convert


def expected_totals(rows, table, company):
    """Revenue per customer in the company's currency, and lines without a rate per currency
    and month, computed from the generated rows."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    missing: dict[tuple[str, str], int] = defaultdict(int)
    for row in rows:
        line_rate = euro_rate(table, row["currency"], row["date"])
        company_rate = euro_rate(table, company, row["date"])
        if row["currency"] == company:
            factor = 1.0
        elif line_rate is None or company_rate is None:
            missing[row["currency"], f"{row['date']:%Y-%m}"] += 1
            continue
        else:
            factor = company_rate / line_rate
        totals[row["customer"]] += Decimal(str(round(float(row["amount"]) * factor, 4)))
    return totals, missing


def revenue_by_customer():
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for metric in ClientYearMetric.objects.select_related("client"):
        totals[metric.client.external_id] += metric.revenue
    return totals


@pytest.mark.parametrize("company", ["EUR", "GBP"])
def test_a_mixed_currency_ledger_is_converted_with_the_ecb_rates(dana, settings, company):
    settings.KAM_DEFAULT_CURRENCY = company
    # Rates for March 2024 only; the ledger runs from March to mid-April.
    table = generated_rates(working_days(dt.date(2024, 3, 1), dt.date(2024, 3, 31)))
    result, _convert = upload_rates(dana, table)
    assert (result.layout, result.days, result.added) == ("history", 21, 21 * 4)
    rows = generated_ledger(400, dt.date(2024, 3, 1), 45)

    ledger_import = import_ledger(dana, ledger_csv(rows))

    totals, missing = expected_totals(rows, table, company)
    assert missing, "the generated ledger has April lines in other currencies"
    got = revenue_by_customer()
    assert set(got) == set(totals)
    for customer, total in totals.items():
        assert abs(got[customer] - total) <= Decimal("0.01"), customer
    assert ledger_import.rows_imported == 400
    assert ledger_import.rows_unconverted == sum(missing.values())
    assert {
        (row["currency"], row["month"]): row["lines"] for row in ledger_import.missing_rates
    } == dict(missing)
    # Each line keeps what the ledger said.
    kept = sorted(LedgerLine.objects.values_list("order_ref", "currency", "original_amount"))
    assert kept == sorted((row["order"], row["currency"], row["amount"]) for row in rows)


def test_rates_added_later_convert_the_waiting_lines_and_recompute_the_figures(dana, settings):
    settings.KAM_DEFAULT_CURRENCY = "EUR"
    rows = generated_ledger(120, dt.date(2024, 3, 1), 31)
    ledger_import = import_ledger(dana, ledger_csv(rows))
    euro_only: dict[str, Decimal] = defaultdict(Decimal)  # before any rate
    for row in rows:
        if row["currency"] == "EUR":
            euro_only[row["customer"]] += row["amount"]
    assert revenue_by_customer() == euro_only
    assert ledger_import.rows_unconverted == sum(row["currency"] != "EUR" for row in rows)

    table = generated_rates(working_days(dt.date(2024, 2, 26), dt.date(2024, 3, 31)))
    with mock.patch.object(signals.ledger_converted, "send") as announced:
        _result, convert = upload_rates(dana, table)
        convert.assert_called_once_with(
            currencies=["CHF", "GBP", "JPY", "USD"], start="2024-02-26", end="2024-04-05"
        )
        with django_on_commit():
            changed = rate_services.ledger_lines_convert(
                currencies=["CHF", "GBP", "JPY", "USD"],
                start=dt.date(2024, 2, 26),
                end=dt.date(2024, 4, 5),
            )
    assert changed == ledger_import.rows_unconverted
    totals, missing = expected_totals(rows, table, "EUR")
    assert not missing
    got = revenue_by_customer()
    for customer, total in totals.items():
        assert abs(got[customer] - total) <= Decimal("0.01")
    assert not LedgerLine.objects.filter(exchange_rate__isnull=True).exists()
    announced.assert_called_once()
    # A second run finds nothing to change.
    assert (
        rate_services.ledger_lines_convert(
            currencies=["USD"], start=dt.date(2024, 3, 1), end=dt.date(2024, 3, 31)
        )
        == 0
    )


class django_on_commit:
    """Run on_commit callbacks registered inside the block (the test's transaction never
    commits)."""

    def __enter__(self):
        from django.db import connection

        self.start = len(connection.run_on_commit)
        return self

    def __exit__(self, *exc):
        from django.db import connection

        callbacks = connection.run_on_commit[self.start :]
        del connection.run_on_commit[self.start :]
        for _sids, callback, _robust in callbacks:
            callback()


def test_a_rate_entered_by_hand_changes_its_lines_and_a_deleted_one_leaves_them_waiting(
    dana, settings
):
    settings.KAM_DEFAULT_CURRENCY = "EUR"
    text = "Customer,Date,Amount,Currency\nA,2024-03-10,100,USD\nA,2024-03-11,50,EUR\n"
    import_ledger(dana, ContentFile(text.encode(), name="usd.csv"))
    with mock.patch.object(ledger_lines_convert_task, "delay_on_commit") as convert:
        rate = rate_services.exchange_rate_save(
            user=dana,
            currency="usd",
            period="month",
            date=dt.date(2024, 3, 17),
            rate=Decimal("1.25"),
        )
    assert (rate.currency, rate.date, rate.source) == ("USD", dt.date(2024, 3, 1), "manual")
    convert.assert_called_once_with(currencies=["USD"], start="2024-03-01", end="2024-04-07")
    rate_services.ledger_lines_convert(
        currencies=["USD"], start=dt.date(2024, 3, 1), end=dt.date(2024, 4, 7)
    )
    line = LedgerLine.objects.get(currency="USD")
    assert line.amount == Decimal("80.0000")  # 100 USD / 1.25 USD per EUR
    assert ClientYearMetric.objects.get().revenue == Decimal("130.00")

    with mock.patch.object(ledger_lines_convert_task, "delay_on_commit"):
        rate_services.exchange_rate_save(
            user=dana,
            exchange_rate=rate,
            currency="USD",
            period="month",
            date=dt.date(2024, 3, 1),
            rate=Decimal("1.6"),
        )
    rate_services.ledger_lines_convert(
        currencies=["USD"], start=dt.date(2024, 3, 1), end=dt.date(2024, 4, 7)
    )
    assert LedgerLine.objects.get(currency="USD").amount == Decimal("62.5000")
    assert ClientYearMetric.objects.get().revenue == Decimal("112.50")

    with mock.patch.object(ledger_lines_convert_task, "delay_on_commit"):
        rate_services.exchange_rate_delete(user=dana, exchange_rate=rate)
    rate_services.ledger_lines_convert(
        currencies=["USD"], start=dt.date(2024, 3, 1), end=dt.date(2024, 4, 7)
    )
    line.refresh_from_db()
    assert (line.amount, line.exchange_rate, line.original_amount) == (None, None, 100)
    assert ClientYearMetric.objects.get().revenue == Decimal("50.00")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rate": Decimal("0")}, "above zero"),
        ({"rate": Decimal("-1.2")}, "above zero"),
        ({"currency": "EUR"}, "the euro has no rate"),
        ({"currency": "Doubloons"}, "not a currency code"),
    ],
)
def test_exchange_rate_save_refuses_bad_rates_and_writes_nothing(dana, fields, message):
    values = {"currency": "USD", "period": "day", "date": dt.date(2024, 3, 1), "rate": Decimal(1)}
    with pytest.raises(ValidationError, match=message):
        rate_services.exchange_rate_save(user=dana, **{**values, **fields})
    assert not ExchangeRate.objects.exists()


def test_exchange_rate_save_refuses_a_second_rate_for_the_same_day(dana):
    values = {"currency": "USD", "period": "day", "date": dt.date(2024, 3, 1), "rate": Decimal(1)}
    rate_services.exchange_rate_save(user=dana, **values)
    with pytest.raises(ValidationError, match="already a rate"):
        rate_services.exchange_rate_save(user=dana, **values)
    assert ExchangeRate.objects.count() == 1


def test_exchange_rates_are_for_directors_only(alice, sam):
    values = {"currency": "USD", "period": "day", "date": dt.date(2024, 3, 1), "rate": Decimal(1)}
    for user in (alice, sam):
        with pytest.raises(PermissionDenied, match="change the exchange rates"):
            rate_services.exchange_rate_save(user=user, **values)
        with pytest.raises(PermissionDenied):
            rate_services.exchange_rates_upload(
                user=user, upload=ContentFile(b"Date,USD\n2024-03-01,1.1\n", name="r.csv")
            )
    assert not ExchangeRate.objects.exists()


@pytest.mark.parametrize(
    "raw",
    [
        b"Currency,Rate\nUSD,1.1\n",
        b"Date,USD,JPY\n2024-03-01,1.1,160\n2024-03-04,1.1,-160\n",
        b"Date,USD\n2024-03-01,1.1\n2024-03-01,1.2\n",
    ],
)
def test_exchange_rates_upload_is_all_or_nothing(dana, raw):
    with pytest.raises(ValidationError):
        rate_services.exchange_rates_upload(user=dana, upload=ContentFile(raw, name="rates.csv"))
    assert not ExchangeRate.objects.exists()


def test_exchange_rates_upload_replaces_changed_rates_and_keeps_hand_entered_monthly_ones(dana):
    rate_services.exchange_rate_save(
        user=dana, currency="USD", period="month", date=dt.date(2024, 3, 1), rate=Decimal("1.2")
    )
    first = {dt.date(2024, 3, 1): {"USD": 1.1, "JPY": 160.0}}
    result, _convert = upload_rates(dana, first)
    assert (result.added, result.changed) == (2, 0)
    second = {dt.date(2024, 3, 1): {"USD": 1.1, "JPY": 161.0}, dt.date(2024, 3, 4): {"USD": 1.0}}
    result, convert = upload_rates(dana, second)
    assert (result.added, result.changed) == (1, 1)
    stored = set(ExchangeRate.objects.values_list("currency", "period", "date", "rate"))
    assert stored == {
        ("USD", "month", dt.date(2024, 3, 1), Decimal("1.2")),
        ("USD", "day", dt.date(2024, 3, 1), Decimal("1.1")),
        ("JPY", "day", dt.date(2024, 3, 1), Decimal("161")),
        ("USD", "day", dt.date(2024, 3, 4), Decimal("1")),
    }
    _result, convert = upload_rates(dana, second)
    convert.assert_not_called()  # nothing changed: nothing to convert again
