"""What case data may hold: values that survive the state JSON, the JSON columns (on SQLite and
PostgreSQL alike) and a round trip unchanged.

Storable: None, booleans, whole numbers within 64 bits, finite numbers, text, dates, date-times,
time spans, UUIDs, finite decimals, and lists, tuples and objects with text keys of those, at
most ``MAX_DEPTH`` levels deep. Anything else (a ``range``, a set, a tuple key, a complex
number, NaN, an exception object, deeper nesting) would fail the save or be stored as
something else, so a step producing one becomes an incident and input holding one is refused.
"""
from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from .errors import InputError

MAX_DEPTH = 50
MAX_INT = 2 ** 63 - 1
_LEAVES = (str, date, timedelta, UUID)


def problem(value, depth: int = 0, seen: dict | None = None) -> tuple[str, str] | None:
    """``(path, reason)`` of the first part of ``value`` that cannot be stored (the path is
    dotted keys and [indexes] below ``value``, empty for the value itself), or None.

    With ``seen`` (a dict), a list, tuple or dict already checked at the same depth or deeper
    is not checked again, so a value repeating one part many times costs its distinct parts.
    """
    if value is None or isinstance(value, (bool, *_LEAVES)):
        return None
    if isinstance(value, int):
        return None if -MAX_INT <= value <= MAX_INT else ("", "is a number too large to store")
    if isinstance(value, (float, Decimal)):
        return None if math.isfinite(value) else ("", f"is {value} (not a finite number)")
    if depth >= MAX_DEPTH and isinstance(value, (dict, list, tuple)):
        return "", f"is nested more than {MAX_DEPTH} levels deep"
    if seen is not None and isinstance(value, (dict, list, tuple)):
        if seen.get(id(value), -1) >= depth:
            return None
        seen[id(value)] = depth
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return "", f"has a key that is not text ({_kind(key)} {_short(key)})"
            found = problem(item, depth + 1, seen)
            if found:
                return _join(key, found[0]), found[1]
        return None
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = problem(item, depth + 1, seen)
            if found:
                return _join(f"[{index}]", found[0]), found[1]
        return None
    return "", f"is a {_kind(value)}, which cannot be stored"


def _join(key: str, rest: str) -> str:
    return f"{key}.{rest}" if rest and not rest.startswith("[") else key + rest


def _kind(value) -> str:
    return type(value).__name__


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def check_input(data, what: str) -> None:
    """Refuse input (start data, a message, a correction) holding a value that cannot be
    stored: InputError naming the field."""
    found = problem(data)
    if found is not None:
        path, reason = found
        raise InputError(f"{what}: field '{path}' {reason}" if path else f"{what} {reason}",
                         field=path or None)
