"""Date helpers shared by every layer: the board's default time zone and month arithmetic."""
from __future__ import annotations

import calendar
from datetime import date
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
