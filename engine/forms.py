"""Validate submitted task data against a user task's form (Camunda ``formData`` fields).

One function for both doors: the web form posts strings, the API and CLI post JSON values.
Unknown fields are refused: a form is the whole of what a person may write into a case.

A ``group`` field holds one group's slug, a ``groups`` field a list of them (the web posts one
value per ticked box; the API and CLI may also send a comma-separated string). Either may be
limited to groups of one kind by the field property ``kind`` (``agency`` or ``board``). Group
names are case-insensitive; the clean value is the stored slug.
"""
from __future__ import annotations

import re
from datetime import date
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from .assignment import group_slug
from .errors import FormInvalid

FIELD_TYPES = ("string", "text", "long", "number", "boolean", "date", "enum", "group", "groups")
GROUP_TYPES = ("group", "groups")
MAX_TEXT = 20_000


def validate_form(fields: list[dict], raw: dict, *, partial: bool = False,
                  groups: Mapping[str, str] | None = None) -> dict:
    """Coerce and check ``raw`` against ``fields``; returns clean values or raises FormInvalid.

    Args:
        fields: the task's form fields (id, label, type, required, validation, options).
        raw: submitted values; strings (web) or JSON values (API).
        partial: a draft: required fields may be missing, values present are still checked.
        groups: the groups that exist, slug -> kind (what ``group``/``groups`` fields accept).
    """
    if not isinstance(raw, dict):
        raise FormInvalid({"_form": "submitted data must be an object of field values"})
    known = {f["id"]: f for f in fields}
    errors = {k: "is not a field of this form" for k in raw if k not in known}
    clean = {}
    for field_id, field in known.items():
        if _readonly(field):
            continue
        try:
            value = _coerce(field, raw.get(field_id), groups or {})
        except ValueError as exc:
            errors[field_id] = str(exc)
            continue
        if value is None:
            if field.get("required") and not partial:
                errors[field_id] = f"Enter {_label(field).lower()}"
            continue
        problem = _check_constraints(field, value)
        if problem:
            errors[field_id] = problem
        else:
            clean[field_id] = value
    if errors:
        raise FormInvalid(errors)
    return clean


def draft_values(fields: list[dict], raw: dict) -> dict:
    """The values of a draft exactly as typed (unchecked: checks are for completing), limited to
    the form's editable fields and to text, JSON scalars and lists of text of bounded size."""
    if not isinstance(raw, dict):
        raise FormInvalid({"_form": "submitted data must be an object of field values"})
    known = {f["id"]: f for f in fields if not _readonly(f)}
    errors = {k: "is not a field of this form" for k in raw if k not in known}
    for field_id, value in raw.items():
        if field_id in known and not _storable(value):
            errors[field_id] = f"{_label(known[field_id])} is too long or not a value"
    if errors:
        raise FormInvalid(errors)
    return {k: v for k, v in raw.items() if v is not None}


def _storable(value) -> bool:
    if isinstance(value, list):
        return len(value) <= 200 and all(isinstance(v, str) and _storable(v) for v in value)
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    return value is None or isinstance(value, (bool, int, float))


def _label(field: dict) -> str:
    return field.get("label") or field["id"]


def _readonly(field: dict) -> bool:
    return str(field.get("validation", {}).get("readonly", "false")).lower() in ("", "true")


def _coerce(field: dict, value, groups: Mapping[str, str]):
    """The value as the field's type, None when empty; ValueError names the problem."""
    if value is None or (isinstance(value, str) and value.strip() == "") or value == []:
        return None
    kind = field.get("type", "string")
    label = _label(field)
    if kind in ("string", "text"):
        if not isinstance(value, str):
            raise ValueError(f"{label} must be text")
        if len(value) > MAX_TEXT:
            raise ValueError(f"{label} must be {MAX_TEXT} characters or fewer")
        return value.strip() if kind == "string" else value
    if kind == "long":
        return _coerce_int(value, label)
    if kind == "number":
        return _coerce_number(value, label)
    if kind == "boolean":
        return _coerce_bool(value, label)
    if kind == "date":
        return _coerce_date(value, label)
    if kind == "enum":
        options = [o["id"] for o in field.get("options", [])]
        if not isinstance(value, str) or value not in options:
            raise ValueError(f"Select one of the options for {label.lower()}")
        return value
    if kind in GROUP_TYPES:
        return _coerce_groups(field, value, groups, label)
    raise ValueError(f"{label} has an unknown type {kind!r}")


def group_choices(field: dict, groups: Mapping[str, str]) -> list[str]:
    """The slugs a ``group``/``groups`` field offers: every group, or those of its ``kind``."""
    kind = (field.get("properties") or {}).get("kind")
    return sorted(slug for slug, of_kind in groups.items() if not kind or of_kind == kind)


def _coerce_groups(field: dict, value, groups: Mapping[str, str], label: str):
    """One slug (``group``) or a list of distinct slugs (``groups``), each an offered group."""
    many = field.get("type") == "groups"
    if many and isinstance(value, str):
        value = value.split(",")
    names = value if many else [value]
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ValueError(f"Select {'groups' if many else 'a group'} for {label.lower()}")
    slugs = list(dict.fromkeys(group_slug(n) for n in names if n.strip()))
    offered = set(group_choices(field, groups))
    unknown = [s for s in slugs if s not in offered]
    if unknown:
        raise ValueError(f"{label}: {', '.join(unknown)} is not one of the groups offered")
    return slugs if many else (slugs[0] if slugs else None)


def _coerce_int(value, label: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{label} must be a whole number")
    if isinstance(value, int) and abs(value) < 10 ** 15:     # as many digits as typed ones
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,15}\s*", value):
        return int(value)
    raise ValueError(f"{label} must be a whole number")


def _coerce_number(value, label: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{label} must be a number")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and len(value) < 40:
        try:
            number = float(Decimal(value.strip()))
        except InvalidOperation:
            raise ValueError(f"{label} must be a number") from None
    else:
        raise ValueError(f"{label} must be a number")
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(f"{label} must be a number")
    return number


def _coerce_bool(value, label: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "on", "1"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "no", "off", "0"):
        return False
    raise ValueError(f"Select yes or no for {label.lower()}")


def _coerce_date(value, label: str) -> str:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise ValueError(f"{label} must be a real date, like 2027-03-31")


def _check_constraints(field: dict, value) -> str | None:
    """The first broken ``camunda:validation`` constraint, as a message, or None."""
    label = _label(field)
    rules = field.get("validation", {})
    if "minlength" in rules and len(str(value)) < int(rules["minlength"]):
        return f"{label} must be {rules['minlength']} characters or more"
    if "maxlength" in rules and len(str(value)) > int(rules["maxlength"]):
        return f"{label} must be {rules['maxlength']} characters or fewer"
    if "min" in rules and _comparable(value) < _comparable(rules["min"], field):
        return f"{label} must be {rules['min']} or more"
    if "max" in rules and _comparable(value) > _comparable(rules["max"], field):
        return f"{label} must be {rules['max']} or less"
    if "pattern" in rules and not re.fullmatch(rules["pattern"], str(value)):
        return f"{label} is not in the expected format"
    return None


def _comparable(value, field: dict | None = None):
    if field is not None and field.get("type") == "date":
        return str(value)
    if isinstance(value, str) and field is not None:
        return float(value)
    return value
