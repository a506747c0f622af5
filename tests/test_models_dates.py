from datetime import date, datetime, timezone

import pytest

from models.dates import add_months


@pytest.mark.parametrize("start, months, expected", [
    (date(2027, 1, 31), 1, date(2027, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2027, 3, 31), -1, date(2027, 2, 28)),
    (date(2027, 11, 15), 2, date(2028, 1, 15)),
    (date(2027, 1, 15), -13, date(2025, 12, 15)),
    (date(2027, 5, 31), 0, date(2027, 5, 31)),
])
def test_add_months_clamps_to_the_end_of_a_shorter_month(start, months, expected):
    assert add_months(start, months) == expected


def test_add_months_keeps_a_datetimes_time_and_zone():
    moment = datetime(2027, 8, 31, 16, 45, tzinfo=timezone.utc)
    assert add_months(moment, 6) == datetime(2028, 2, 29, 16, 45, tzinfo=timezone.utc)
