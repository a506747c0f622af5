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


def test_a_date_reads_as_people_write_it_and_a_moment_on_its_day_in_the_boards_zone():
    from models.dates import BOARD_TZ, long_date
    assert long_date(date(2026, 12, 7)) == "7 December 2026"
    assert long_date("2026-12-07") == "7 December 2026"                 # a date field's value
    assert long_date(datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc), BOARD_TZ) == "1 July 2026"
    assert long_date(datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc), BOARD_TZ) == \
        "31 December 2026"                                              # GMT: the same day
    assert long_date("2026-06-30T23:30:00+00:00", BOARD_TZ) == "1 July 2026"   # a moment's text
    assert long_date(None) == "" and long_date("") == ""
    assert long_date("not a date") == "not a date"


def test_a_moment_reads_in_the_boards_zone_with_a_twelve_hour_clock():
    from models.dates import BOARD_TZ, local_time
    assert local_time(datetime(2026, 1, 5, 0, 5, tzinfo=timezone.utc), BOARD_TZ) == \
        "5 January 2026, 12:05am"
    assert local_time(datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc), BOARD_TZ) == \
        "5 January 2026, 12:00pm"
    assert local_time(datetime(2031, 7, 7, 16, 0, tzinfo=timezone.utc), BOARD_TZ) == \
        "7 July 2031, 5:00pm"                                           # UK summer time
    assert local_time(None, BOARD_TZ) == ""
