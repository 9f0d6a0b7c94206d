import datetime as dt

import pytest

from planning.models import Cadence


@pytest.mark.parametrize(
    ("every", "unit", "day", "due"),
    [
        (3, Cadence.Unit.MONTH, dt.date(2026, 1, 15), dt.date(2026, 4, 15)),
        (1, Cadence.Unit.MONTH, dt.date(2026, 1, 31), dt.date(2026, 2, 28)),
        (1, Cadence.Unit.MONTH, dt.date(2028, 1, 31), dt.date(2028, 2, 29)),
        (6, Cadence.Unit.MONTH, dt.date(2026, 9, 30), dt.date(2027, 3, 30)),
        (12, Cadence.Unit.MONTH, dt.date(2026, 12, 1), dt.date(2027, 12, 1)),
        (2, Cadence.Unit.WEEK, dt.date(2026, 12, 25), dt.date(2027, 1, 8)),
    ],
)
def test_cadence_due_after_adds_its_period(every, unit, day, due):
    assert Cadence(every=every, unit=unit).due_after(day) == due
