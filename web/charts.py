"""Shaping numbers for the server-rendered SVG charts (macros/charts.html) and durations."""
from __future__ import annotations

from collections.abc import Iterable


def human_duration(seconds: float | None) -> str:
    """A short duration for people: ``"3d 4h"``, ``"5h 10m"``, ``"12m"``, ``"0m"``."""
    if seconds is None:
        return ""
    minutes = int(round(max(0.0, float(seconds)) / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


def percent(share: float | None) -> str:
    """``0.756`` -> ``"76%"``; None -> ``"–"`` (nothing due yet)."""
    return "–" if share is None else f"{round(share * 100)}%"


def bars(items: Iterable[tuple[str, float]], width: int = 100) -> list[dict]:
    """``[(label, value)]`` -> ``[{"label", "value", "length"}]`` with lengths scaled to the
    largest value (0..``width``), for a horizontal bar chart."""
    items = list(items)
    top = max((v for _, v in items), default=0) or 1
    return [{"label": label, "value": value, "length": round(width * value / top, 1)}
            for label, value in items]


HEAT_LEVELS = 5


def heat(values: dict[str, float]) -> tuple[dict[str, int], list[float]]:
    """A heat scale: ``({key: level 1..5}, upper bounds of the levels)``, each level an equal
    fifth of the largest value (0 and missing values get no level)."""
    top = max(values.values(), default=0) or 0
    if top <= 0:
        return {}, []
    # the level is the first whose upper bound holds the value: the legend's own bounds, the
    # last of them the largest value itself (5 * v / top can round above 5 when v is top)
    bounds = [top * n / HEAT_LEVELS for n in range(1, HEAT_LEVELS)] + [top]
    levels = {k: next(n for n, bound in enumerate(bounds, 1) if v <= bound)
              for k, v in values.items() if v and v > 0}
    return levels, bounds


def register(bp) -> None:
    """Make the filters available to every template (called by the blueprints that use them)."""
    bp.add_app_template_filter(human_duration, "duration")
    bp.add_app_template_filter(percent, "percent")
