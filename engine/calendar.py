"""The board's working-day calendar and the deadline syntax diagram authors write.

A working day is a weekday that is neither a bank holiday of the region (England and Wales by
default, from the ``holidays`` package, substitute days included) nor a closure day the board
has declared. Statutory review timescales are counted in working days, so deadlines are computed
here, in the board's local time zone, and handed to everyone else as aware UTC datetimes.

Counting convention (used by every method):
- day 0 is the start's local day, or the next working day when the start falls on a weekend,
  bank holiday or closure (a referral received on Saturday counts as received on Monday);
- working day ``n`` is the n-th working day after day 0; the deadline keeps the start's local
  wall-clock time (10:00 stays 10:00 across a change to or from British Summer Time).

Deadline syntax (``parse_deadline``), as written in ``camunda:dueDate``/``followUpDate`` or timers:
- ISO 8601 duration, calendar units in local time: ``P14D``, ``P2W``, ``P1M``, ``PT48H``;
- working days: ``P15WD``, ``15WD``, ``15 working days`` (``1 working day``);
- ISO date-time: ``2027-01-05T09:00:00+00:00`` (``Z`` allowed); without offset = board local time;
- ISO date: ``2027-01-05`` means 17:00 board local time on that day (close of business).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays

from models.dates import DEFAULT_TIMEZONE, add_months

CLOSE_OF_BUSINESS = time(17, 0)
ROUND_STARTS_AT = time(9, 0)       # a board cycle's round starts at 09:00 board time
ROUND_EPOCH_YEAR = 2000            # cycles longer than a year start in even years (2028, 2030...)
MAX_WORKING_DAYS = 10_000          # about 40 years: a bigger count is a mistake, not a deadline
MAX_SPAN_DAYS = 366 * 100

_DURATION = re.compile(
    r"P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?")
_WORKING_DAYS = re.compile(r"P?(\d+)\s*WD|(\d+)\s+WORKING\s+DAYS?")
SYNTAX_HELP = ("expected an ISO 8601 duration (P14D, PT48H, P1M), working days (P15WD, 15WD, "
               "'15 working days'), an ISO date-time (2027-01-05T09:00:00+00:00) or an ISO date "
               "(2027-01-05)")


DEFAULT_REMINDERS = ("P2WD", "P1D")
DEFAULT_ESCALATIONS = ("P0D", "P2WD", "P5WD", "P10WD")


class WorkingCalendar:
    """Working days of one board: weekdays minus the region's bank holidays and board closures.

    It also carries the board's deadline-plan offsets (``engine/deadline_plan.py``), because
    everything that arms or walks a task's deadline is handed the calendar.
    """

    def __init__(self, region: str = "ENG", closures: Iterable[date] = (),
                 tz: str = DEFAULT_TIMEZONE, reminder_offsets: Iterable[str] = DEFAULT_REMINDERS,
                 escalation_offsets: Iterable[str] = DEFAULT_ESCALATIONS):
        self.region = region
        self.closures = frozenset(closures)
        self.tz = ZoneInfo(tz)
        self.reminder_offsets = tuple(reminder_offsets)
        self.escalation_offsets = tuple(escalation_offsets)
        self._bank_holidays: dict[int, frozenset[date]] = {}

    def bank_holidays(self, year: int) -> frozenset[date]:
        """The region's bank holidays (substitute days included) in ``year``, cached."""
        found = self._bank_holidays.get(year)
        if found is None:
            found = frozenset(holidays.country_holidays("GB", subdiv=self.region, years=year))
            self._bank_holidays[year] = found
        return found

    def is_working_day(self, day: date) -> bool:
        """True unless ``day`` is a weekend, a bank holiday or a closure (datetimes: local day)."""
        day = self._local_day(day)
        return (day.weekday() < 5 and day not in self.closures
                and day not in self.bank_holidays(day.year))

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The same local wall-clock time on working day ``n`` after ``start`` (aware UTC).

        A start on a non-working day counts from the next working day (the previous one when
        ``n`` is negative); ``n == 0`` is that day. See the module docstring.
        """
        if abs(n) > MAX_WORKING_DAYS:
            raise ValueError(f"{n} working days is more than the limit of {MAX_WORKING_DAYS}")
        local = self._local(start)
        step = timedelta(days=-1 if n < 0 else 1)
        day = self._first_working_day(local.date(), step)
        for _ in range(abs(n)):
            day += step
            while not self.is_working_day(day):
                day += step
        return self._at(day, local.time())

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days ``end``'s day is after ``start``'s (negative if before).

        Consistent with ``add_working_days``: ``working_days_between(s, add_working_days(s, n))
        == n`` for ``n >= 0``. Datetimes are taken by their local day; times of day are ignored.
        """
        first, last = self._local_day(start), self._local_day(end)
        if last < first:
            return -self.working_days_between(last, first)
        if (last - first).days > MAX_SPAN_DAYS:
            raise ValueError(f"{first} to {last} spans more than {MAX_SPAN_DAYS} days")
        day = self._first_working_day(first, timedelta(days=1))
        count = 0
        while day < last:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def parse_deadline(self, text: str, start: datetime) -> datetime:
        """The aware UTC deadline that ``text`` (module docstring syntax) names, from ``start``.

        Raises:
            ValueError: ``text`` is not in the deadline syntax, or ``start`` is naive.
        """
        local = self._local(start)
        written = (text or "").strip()
        upper = " ".join(written.upper().split())
        if match := _WORKING_DAYS.fullmatch(upper):
            return self.add_working_days(start, int(match.group(1) or match.group(2)))
        if (match := _DURATION.fullmatch(upper)) and upper not in ("P", "PT") \
                and not upper.endswith("T"):
            return self._add_duration(local, match)
        try:
            return self._at(date.fromisoformat(written), CLOSE_OF_BUSINESS)
        except ValueError:
            pass
        try:
            moment = datetime.fromisoformat(written)
        except ValueError:
            raise ValueError(f"cannot read deadline {text!r}: {SYNTAX_HELP}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.tz)
        return moment.astimezone(timezone.utc)

    def next_round(self, after: datetime, *, months: int, year_start: int) -> datetime:
        """The start of the first round of a board cycle strictly after ``after`` (aware UTC).

        Rounds are anchored to the year, not to when the cycle was started: a cycle of
        ``months`` months whose year starts in month ``year_start`` (4: the April business
        year; 9: the September school year) has its rounds at 09:00 board time on the 1st of
        ``year_start`` and every ``months`` months after it; a quarterly business-year cycle
        started in November has its next round on 1 January.
        """
        if not 1 <= int(months) <= 120 or not 1 <= int(year_start) <= 12:
            raise ValueError(f"a cycle needs 1 to 120 months and a year starting in month 1-12, "
                             f"not months={months!r}, year_start={year_start!r}")
        local = self._local(after)
        elapsed = (local.year - ROUND_EPOCH_YEAR) * 12 + local.month - int(year_start)
        index = elapsed // int(months)
        while (start := self._round_start(index * int(months), int(year_start))) <= after:
            index += 1
        return start

    # -- helpers -------------------------------------------------------------------------------
    def _add_duration(self, local: datetime, match: re.Match) -> datetime:
        """Calendar parts move the local date (keeping wall time); time parts add elapsed time."""
        part = {k: float(v) if k == "seconds" else int(v)
                for k, v in match.groupdict().items() if v}
        months = part.get("years", 0) * 12 + part.get("months", 0)
        day = add_months(local.date(), months)
        day += timedelta(days=part.get("weeks", 0) * 7 + part.get("days", 0))
        moved = self._at(day, local.time())
        return moved + timedelta(hours=part.get("hours", 0), minutes=part.get("minutes", 0),
                                 seconds=part.get("seconds", 0))

    def _round_start(self, months_after_epoch: int, year_start: int) -> datetime:
        year, month = divmod((ROUND_EPOCH_YEAR * 12 + year_start - 1) + months_after_epoch, 12)
        return self._at(date(year, month + 1, 1), ROUND_STARTS_AT)

    def _first_working_day(self, day: date, step: timedelta) -> date:
        while not self.is_working_day(day):
            day += step
        return day

    def _local(self, moment: datetime) -> datetime:
        if not isinstance(moment, datetime) or moment.tzinfo is None:
            raise ValueError(f"start {moment!r} must be an aware datetime (with a UTC offset)")
        return moment.astimezone(self.tz)

    def _local_day(self, value: date) -> date:
        if isinstance(value, datetime):
            return value.astimezone(self.tz).date() if value.tzinfo else value.date()
        return value

    def _at(self, day: date, wall: time) -> datetime:
        """``wall`` on local ``day`` as aware UTC (the offset is that day's, so DST is right)."""
        return datetime.combine(day, wall, tzinfo=self.tz).astimezone(timezone.utc)

