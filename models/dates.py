"""Date helpers shared by every layer: the board's default time zone, month arithmetic, and dates
and moments in words ("7 December 2026", "7 December 2026, 2:05pm"), worded here alone so that
every page, email, PDF and message says them the same way."""
from __future__ import annotations

import calendar
from datetime import date, datetime, tzinfo
from typing import TypeVar
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Europe/London"   # the default of LSCB_TIMEZONE (engine/settings.py)
BOARD_TZ = ZoneInfo(DEFAULT_TIMEZONE)

D = TypeVar("D", bound=date)


def add_months(value: D, months: int) -> D:
    """``value`` (a date or datetime) moved by whole calendar months, clamped to the end of a
    shorter month (31 Jan + 1 month = 28 or 29 Feb); a datetime keeps its time and zone."""
    if not months:
        return value
    year, month = divmod(value.year * 12 + value.month - 1 + months, 12)
    month += 1
    return value.replace(year=year, month=month,
                         day=min(value.day, calendar.monthrange(year, month)[1]))


def long_date(value: date | str | None, tz: tzinfo | None = None) -> str:
    """A date as people write it: "7 December 2026"; "" for none. A moment (a datetime, or an
    ISO text with a time) is dated on its day in ``tz`` where it has a zone; a text that is no
    date stays as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime) and value.tzinfo and tz:
        value = value.astimezone(tz)
    return f"{value.day} {value:%B %Y}"


def local_time(moment: datetime | None, tz: tzinfo) -> str:
    """A moment in ``tz`` as "7 December 2026, 2:05pm"; "" for none."""
    if moment is None:
        return ""
    local = moment.astimezone(tz)
    clock = f"{local.hour % 12 or 12}:{local.minute:02d}{'am' if local.hour < 12 else 'pm'}"
    return f"{long_date(local)}, {clock}"
