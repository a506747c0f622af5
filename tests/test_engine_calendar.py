from datetime import date, datetime, timedelta, timezone

import pytest

from engine.calendar import WorkingCalendar

UTC = timezone.utc
CAL = WorkingCalendar()


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize("day, working", [
    (date(2027, 1, 4), True),        # Monday
    (date(2027, 1, 9), False),       # Saturday
    (date(2027, 1, 10), False),      # Sunday
    (date(2026, 12, 25), False),     # Christmas Day, Friday
    (date(2026, 12, 28), False),     # Boxing Day (Saturday) observed on Monday
    (date(2027, 12, 27), False),     # Christmas Day (Saturday) observed on Monday
    (date(2027, 12, 28), False),     # Boxing Day (Sunday) observed on Tuesday
    (date(2027, 12, 29), True),
    (date(2026, 4, 3), False),       # Good Friday
    (date(2026, 4, 6), False),       # Easter Monday
    (date(2026, 4, 7), True),
    (date(2027, 5, 31), False),      # Spring bank holiday
])
def test_is_working_day_knows_weekends_and_england_bank_holidays(day, working):
    assert CAL.is_working_day(day) is working


def test_closures_are_not_working_days():
    cal = WorkingCalendar(closures=[date(2027, 1, 4)])
    assert not cal.is_working_day(date(2027, 1, 4))
    # Thu 31 Dec 2026 + 1: New Year's Day, the weekend and the closure are skipped.
    assert cal.add_working_days(utc(2026, 12, 31, 9), 1) == utc(2027, 1, 5, 9)
    assert cal.add_working_days(utc(2027, 1, 1, 9), 1) == utc(2027, 1, 6, 9)


def test_is_working_day_takes_the_local_day_of_an_aware_datetime():
    # 23:30 UTC on Sunday 28 June 2026 is 00:30 BST on Monday 29 June.
    assert CAL.is_working_day(utc(2026, 6, 28, 23, 30))


def test_add_working_days_skips_weekends():
    friday = utc(2027, 1, 8, 14)
    assert CAL.add_working_days(friday, 1) == utc(2027, 1, 11, 14)
    assert CAL.add_working_days(friday, 5) == utc(2027, 1, 15, 14)


def test_fifteen_working_days_across_christmas_with_substitute_days():
    # Mon 20 Dec 2027: 21,22,23,24 (4); 25-28 Dec closed (27, 28 substitutes); 29,30,31 (7);
    # 1-3 Jan 2028 closed (New Year's Day on Saturday, observed Monday 3rd); 4,5,6,7 (11);
    # 10,11,12,13 (15).
    start = utc(2027, 12, 20, 10)
    assert CAL.add_working_days(start, 15) == utc(2028, 1, 13, 10)


def test_fifteen_working_days_across_easter_and_the_clocks_going_forward():
    # Thu 26 Mar 2026 10:00 GMT. 27,30,31 Mar, 1,2 Apr (5); Good Friday 3, Easter Monday 6
    # closed; 7,8,9,10 (9); 13-17 (14); 20 (15). 10:00 BST on 20 April is 09:00 UTC.
    start = utc(2026, 3, 26, 10)
    assert CAL.add_working_days(start, 15) == utc(2026, 4, 20, 9)


def test_deadline_keeps_local_time_when_the_clocks_go_back():
    # Clocks go back on Sunday 25 October 2026. 09:00 BST = 08:00 UTC; 09:00 GMT = 09:00 UTC.
    start = utc(2026, 10, 23, 8)
    assert CAL.add_working_days(start, 1) == utc(2026, 10, 26, 9)


def test_start_on_a_non_working_day_counts_from_the_next_working_day():
    saturday = utc(2027, 1, 9, 10)
    assert CAL.add_working_days(saturday, 0) == utc(2027, 1, 11, 10)
    assert CAL.add_working_days(saturday, 1) == utc(2027, 1, 12, 10)
    assert CAL.add_working_days(utc(2026, 12, 25, 10), 1) == utc(2026, 12, 30, 10)


def test_negative_working_days_count_backwards():
    assert CAL.add_working_days(utc(2027, 1, 11, 10), -1) == utc(2027, 1, 8, 10)


def test_add_working_days_refuses_naive_starts_and_absurd_counts():
    with pytest.raises(ValueError, match="aware"):
        CAL.add_working_days(datetime(2027, 1, 4, 9), 1)
    with pytest.raises(ValueError, match="limit"):
        CAL.add_working_days(utc(2027, 1, 4, 9), 10**9)


@pytest.mark.parametrize("n", [0, 1, 5, 15, 40])
def test_working_days_between_inverts_add_working_days(n):
    start = utc(2027, 12, 20, 10)
    assert CAL.working_days_between(start, CAL.add_working_days(start, n)) == n


def test_working_days_between_counts_backwards_and_takes_dates():
    assert CAL.working_days_between(date(2027, 1, 15), date(2027, 1, 8)) == -5
    assert CAL.working_days_between(date(2027, 1, 9), date(2027, 1, 10)) == 0   # a weekend
    assert CAL.working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1


START = utc(2026, 3, 26, 10)      # Thursday, GMT; BST from Sunday 29 March


@pytest.mark.parametrize("text, expected", [
    ("P14D", utc(2026, 4, 9, 9)),                    # calendar days keep 10:00 local (BST)
    ("P2W", utc(2026, 4, 9, 9)),
    ("PT48H", utc(2026, 3, 28, 10)),                 # hours are elapsed time
    ("P1M", utc(2026, 4, 26, 9)),
    ("P1DT2H", utc(2026, 3, 27, 12)),
    ("P15WD", utc(2026, 4, 20, 9)),
    ("15WD", utc(2026, 4, 20, 9)),
    ("15 working days", utc(2026, 4, 20, 9)),
    ("1 Working Day", utc(2026, 3, 27, 10)),
    ("p15wd", utc(2026, 4, 20, 9)),
    ("2027-01-05T09:00:00+00:00", utc(2027, 1, 5, 9)),
    ("2027-07-05T09:00:00Z", utc(2027, 7, 5, 9)),
    ("2027-07-05T09:00:00", utc(2027, 7, 5, 8)),     # no offset: board local time (BST)
    ("2027-07-05", utc(2027, 7, 5, 16)),             # a date: 17:00 local
    ("2027-01-05", utc(2027, 1, 5, 17)),
])
def test_parse_deadline(text, expected):
    result = CAL.parse_deadline(text, START)
    assert result == expected
    assert result.tzinfo == UTC


def test_parse_deadline_month_end_is_clamped():
    assert CAL.parse_deadline("P1M", utc(2027, 1, 31, 12)) == utc(2027, 2, 28, 12)


@pytest.mark.parametrize("text", ["", "P", "PT", "P1DT", "14 days", "next week", "P-1D", "2027-13-01"])
def test_parse_deadline_refuses_unreadable_text_with_a_clear_message(text):
    with pytest.raises(ValueError, match="cannot read deadline .* expected an ISO 8601 duration"):
        CAL.parse_deadline(text, START)


def test_parse_deadline_refuses_a_naive_start():
    with pytest.raises(ValueError, match="aware"):
        CAL.parse_deadline("P1D", datetime(2027, 1, 5))


def test_other_time_zone_and_region():
    cal = WorkingCalendar(region="SCT", tz="UTC")
    assert not cal.is_working_day(date(2027, 1, 4))          # 2 January holiday, substitute
    assert cal.add_working_days(utc(2026, 3, 26, 10), 3) == utc(2026, 3, 31, 10)
    assert cal.parse_deadline("P1D", utc(2026, 3, 28, 10)) - utc(2026, 3, 28, 10) == timedelta(days=1)


# -- board cycles: rounds anchored to the business year (April) or the school year (September)
def test_next_round_of_a_quarterly_cycle_started_in_november_is_the_january_quarter():
    cal = WorkingCalendar()
    november = datetime(2027, 11, 17, 15, 0, tzinfo=timezone.utc)
    assert cal.next_round(november, months=3, year_start=4) == \
        datetime(2028, 1, 1, 9, 0, tzinfo=timezone.utc)              # 09:00 GMT


def test_next_round_keeps_nine_in_the_morning_across_the_clock_change():
    cal = WorkingCalendar()
    january_round = datetime(2028, 1, 1, 9, 0, 1, tzinfo=timezone.utc)
    assert cal.next_round(january_round, months=3, year_start=4) == \
        datetime(2028, 4, 1, 8, 0, tzinfo=timezone.utc)              # 09:00 BST


@pytest.mark.parametrize("after, months, year_start, expected", [
    (datetime(2027, 3, 1, 9, 0), 12, 4, datetime(2027, 4, 1, 8, 0)),     # business year
    (datetime(2027, 4, 1, 8, 0), 12, 4, datetime(2028, 4, 1, 8, 0)),     # strictly after
    (datetime(2027, 11, 5, 9, 0), 12, 9, datetime(2028, 9, 1, 8, 0)),    # school year
    (datetime(2027, 5, 1, 9, 0), 6, 4, datetime(2027, 10, 1, 8, 0)),     # six-monthly
    (datetime(2027, 5, 1, 9, 0), 2, 4, datetime(2027, 6, 1, 8, 0)),      # every LISG cycle
    (datetime(2027, 5, 1, 9, 0), 24, 4, datetime(2028, 4, 1, 8, 0)),     # two-yearly: even years
])
def test_next_round_is_the_first_start_of_a_period_after_the_moment(after, months, year_start,
                                                                    expected):
    utc = timezone.utc
    assert WorkingCalendar().next_round(after.replace(tzinfo=utc), months=months,
                                        year_start=year_start) == expected.replace(tzinfo=utc)


def test_next_round_refuses_a_period_that_is_not_whole_months_of_a_year():
    with pytest.raises(ValueError, match="months"):
        WorkingCalendar().next_round(datetime(2027, 5, 1, tzinfo=timezone.utc), months=0,
                                     year_start=4)
