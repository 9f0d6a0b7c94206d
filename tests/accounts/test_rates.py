"""accounts/rates.py: ECB reference-rate files in both layouts, and which rate a line takes,
without a database. Expected figures are computed here from the rates the test wrote."""

import datetime as dt
import io
import random
import zipfile

import pandas as pd
import pytest

from accounts import rates

CURRENCIES = ["USD", "JPY", "GBP", "CHF", "SEK"]


def ecb_daily(day: dt.date, values: dict[str, float]) -> bytes:
    """eurofxref.csv: one day, 'Date, USD, JPY, …,' then '04 December 2026, 1.0812, …,'."""
    header = "Date, " + ", ".join(values) + ", "
    line = f"{day:%d %B %Y}, " + ", ".join(f"{value:.4f}" for value in values.values()) + ", "
    return f"{header}\n{line}\n".encode()


def ecb_history(table: dict[dt.date, dict[str, float | None]]) -> bytes:
    """eurofxref-hist.csv: latest day first, N/A where the ECB gave no rate."""
    codes = sorted({code for values in table.values() for code in values})
    lines = ["Date," + ",".join(codes) + ","]
    for day in sorted(table, reverse=True):
        cells = []
        for code in codes:
            value = table[day].get(code)
            cells.append("N/A" if value is None else f"{value:.4f}")
        lines.append(f"{day:%Y-%m-%d}," + ",".join(cells) + ",")
    return ("\n".join(lines) + "\n").encode()


def generated_history(days: int, seed: int = 7) -> dict[dt.date, dict[str, float | None]]:
    generator = random.Random(seed)
    table: dict[dt.date, dict[str, float | None]] = {}
    day = dt.date(2024, 1, 1)
    while len(table) < days:
        if day.weekday() < 5:  # the ECB publishes on working days
            table[day] = {code: round(generator.uniform(0.5, 170), 4) for code in CURRENCIES}
            table[day]["CYP"] = None  # a currency no longer quoted
        day += dt.timedelta(days=1)
    return table


def test_read_ecb_csv_reads_the_daily_layout():
    values = {"USD": 1.0812, "JPY": 162.5, "GBP": 0.85}
    read = rates.read_ecb_csv(ecb_daily(dt.date(2026, 12, 4), values))
    assert read.layout == "daily"
    assert read.days == 1
    got = {row.currency: row.rate for row in read.rates.itertuples()}
    assert got == values
    assert set(read.rates["date"]) == {dt.date(2026, 12, 4)}


def test_read_ecb_csv_reads_the_history_layout_and_skips_na():
    table = generated_history(60)
    read = rates.read_ecb_csv(ecb_history(table))
    assert read.layout == "history"
    assert read.days == 60
    expected = {
        (day, code): round(value, 4)
        for day, values in table.items()
        for code, value in values.items()
        if value is not None
    }
    got = {(row.date, row.currency): row.rate for row in read.rates.itertuples()}
    assert got == expected


def test_read_ecb_csv_reads_the_zip_the_ecb_distributes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("eurofxref.csv", ecb_daily(dt.date(2024, 3, 1), {"USD": 1.1}))
    assert rates.read_ecb_csv(buffer.getvalue()).rates["rate"].tolist() == [1.1]


@pytest.mark.parametrize(
    ("raw", "found"),
    [
        (b"Currency,Rate\nUSD,1.08\n", "'Currency', 'Rate'"),
        (b"Date;USD;JPY\n2024-03-01;1,08;160\n", "'Date;USD;JPY'"),
        (b"Date,Dollar,Yen\n2024-03-01,1.08,160\n", "'Dollar', 'Yen'"),
        (b"Date\n2024-03-01\n", "no currency column"),
    ],
)
def test_read_ecb_csv_names_the_expected_layout_for_another_one(raw, found):
    with pytest.raises(rates.RatesError) as error:
        rates.read_ecb_csv(raw)
    message = error.value.messages[0]
    assert "not a European Central Bank reference-rate file" in message
    assert "Date, USD, JPY" in message
    assert found in message


def test_read_ecb_csv_refuses_the_whole_file_for_bad_rates_with_every_line_named():
    raw = (
        b"Date,USD,JPY,\n"
        b"2024-03-04,1.08,0,\n"
        b"2024-03-01,-1.1,abc,\n"
        b"someday,1.1,160,\n"
        b"2024-02-29,1.1,160,\n"
    )
    with pytest.raises(rates.RatesError) as error:
        rates.read_ecb_csv(raw)
    assert error.value.messages == [
        "Line 2, JPY: '0' is not a rate above zero.",
        "Line 3, USD: '-1.1' is not a rate above zero.",
        "Line 3, JPY: 'abc' is not a rate above zero.",
        "Line 4: 'someday' is not a date (expected 2024-03-28 or 28 March 2024).",
    ]


def test_read_ecb_csv_refuses_an_empty_file():
    with pytest.raises(rates.RatesError, match="empty"):
        rates.read_ecb_csv(b"\n\n")


def frame(rows):
    return pd.DataFrame.from_records(rows, columns=["currency", "period", "date", "rate"])


def lines(*rows):
    return pd.DataFrame(
        {"date": pd.to_datetime([row[0] for row in rows]), "currency": [row[1] for row in rows]}
    )


RULE_RATES = frame(
    [
        ("USD", "day", dt.date(2024, 3, 15), 1.10),
        ("USD", "day", dt.date(2024, 3, 29), 1.20),  # a Friday
        ("USD", "month", dt.date(2024, 3, 1), 1.05),
        ("USD", "day", dt.date(2024, 4, 30), 1.30),
        ("GBP", "month", dt.date(2024, 3, 1), 0.85),
        ("GBP", "day", dt.date(2024, 3, 15), 0.86),
    ]
)


@pytest.mark.parametrize(
    ("day", "currency", "rate"),
    [
        ("2024-03-15", "USD", 1.10),  # 1. the day's own rate, before the month's
        ("2024-03-16", "USD", 1.05),  # 2. the month's rate, before an earlier day's
        ("2024-03-01", "GBP", 0.85),
        ("2024-03-15", "GBP", 0.86),
        ("2024-05-03", "USD", 1.30),  # 3. an earlier day's, across the month's end
        ("2024-05-08", "USD", None),  # more than a week after the last rate: none
        ("2024-02-29", "USD", None),  # before any rate: none
        ("2024-03-10", "JPY", None),  # a currency without rates
        ("2024-03-10", "EUR", 1.0),  # the euro is the reference
    ],
)
def test_euro_rates_follow_the_rule(day, currency, rate):
    got = rates.euro_rates(lines((day, currency)), RULE_RATES).iloc[0]
    if rate is None:
        assert pd.isna(got)
    else:
        assert got == pytest.approx(rate)


def test_line_rates_convert_to_a_company_currency_other_than_the_euro_through_cross_rates():
    table = frame(
        [
            ("USD", "day", dt.date(2024, 3, 1), 1.08),
            ("CHF", "day", dt.date(2024, 3, 1), 0.95),
            ("GBP", "day", dt.date(2024, 3, 1), 0.85),
            ("USD", "month", dt.date(2024, 4, 1), 1.10),
        ]
    )
    got = rates.line_rates(
        lines(
            ("2024-03-01", "USD"),
            ("2024-03-01", "EUR"),
            ("2024-03-01", "CHF"),
            ("2024-03-02", "GBP"),  # Saturday: Friday's rates for both sides
            ("2024-04-02", "USD"),  # no CHF rate within a week of that day
        ),
        table,
        company="CHF",
    )
    assert got.iloc[0] == pytest.approx(0.95 / 1.08)  # CHF per USD
    assert got.iloc[1] == pytest.approx(0.95)  # CHF per EUR
    assert got.iloc[2] == 1.0
    assert got.iloc[3] == pytest.approx(0.95 / 0.85)
    assert pd.isna(got.iloc[4])
