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

from models.dates import long_date

from .assignment import group_slug
from .errors import FormInvalid

FIELD_TYPES = ("string", "text", "long", "number", "boolean", "date", "enum", "group", "groups")
GROUP_TYPES = ("group", "groups")
MAX_TEXT = 20_000


def validate_form(fields: list[dict], raw: dict, *, partial: bool = False,
                  groups: Mapping[str, str] | None = None, context: Mapping | None = None,
                  today: date | None = None) -> dict:
    """Coerce and check ``raw`` against ``fields``; returns clean values or raises FormInvalid.

    Args:
        fields: the task's form fields (id, label, type, required, validation, options).
        raw: submitted values; strings (web) or JSON values (API). A date is ``YYYY-MM-DD`` or
            the three boxes of the GOV.UK date input, ``{"day": .., "month": .., "year": ..}``.
        partial: a draft: required fields may be missing, values present are still checked.
        groups: the groups that exist, slug -> kind (what ``group``/``groups`` fields accept).
        context: the case data so far: the dates a ``not_before``/``not_after`` rule names
            that this form does not ask for.
        today: the board's date, for the rules ``not_before=today``/``not_after=today``.
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
        except FieldProblem as exc:
            errors[field_id] = message(field, exc.rule, exc.text)
            continue
        if value is None:
            if field.get("required") and not partial:
                errors[field_id] = message(field, "required", required_message(field))
            continue
        problem = _check_constraints(field, value)
        if problem:
            errors[field_id] = message(field, *problem)
        else:
            clean[field_id] = value
    for field_id, problem in _cross_field(known, clean, context or {}, today).items():
        errors.setdefault(field_id, message(known[field_id], *problem))
        clean.pop(field_id, None)
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
    if isinstance(value, dict):        # a date as typed in the day, month and year boxes
        return set(value) <= set(DATE_PARTS) and all(isinstance(v, str) and len(v) <= 10
                                                 for v in value.values())
    return value is None or isinstance(value, (bool, int, float))


class FieldProblem(ValueError):
    """A value that cannot be read as its field's type: the rule it broke and the message."""

    def __init__(self, rule: str, text: str):
        super().__init__(text)
        self.rule, self.text = rule, text


def message(field: dict, rule: str, text: str) -> str:
    """The message a person reads: the field's own for this rule (property
    ``error_message_<rule>``), else its own for any problem (``error_message``), else ``text``."""
    own = field.get("properties") or {}
    return own.get(f"error_message_{rule}") or own.get("error_message") or text


def _label(field: dict) -> str:
    return field.get("label") or field["id"]


# Words kept as written when a label moves into the middle of a sentence: proper nouns of the
# board's world (a word in capitals or with a capital inside, like LSCB or CSPR, is kept anyway).
PROPER_NOUNS = frozenset({"Panel", "Board", "Chair", "Ofsted", "Bracknell", "Berkshire",
                          "England", "Wales", "Section", "Mental", "Health", "Act", "DfE"})


def lower_first(text: str) -> str:
    """``text`` with its first word in lower case, unless that word is a name ("LSCB",
    "Panel", "Ofsted"): what a label becomes inside a sentence."""
    first, _, rest = text.partition(" ")
    keep = (first in PROPER_NOUNS or first.rstrip("'s") in PROPER_NOUNS
            or any(c.isupper() for c in first[1:]) or not first[:1].isupper())
    return text if keep else first[:1].lower() + first[1:] + (" " + rest if rest else "")


def _the(label: str) -> str:
    """A date field's label as the thing to enter: "the date the local authority became aware"."""
    text = lower_first(label)
    return "the " + text if text.startswith("date ") else text


BE = {"is", "are", "was", "were"}
BE_HAVE = BE | {"has", "have", "had"}
DO = {"do", "does", "did"}
MODALS = {"can", "will", "should", "could", "would", "may", "must"}
# Words that begin what a "yes" asserts after be/have (with any word ending in -ed).
PREDICATES = {"known", "been", "taken", "given", "seen", "shown", "written", "chosen", "able",
              "likely", "aware", "safe", "open", "due", "still", "now",
              "already", "seriously", "currently", "not", "complete", "valid",
              "accurate", "independent", "free", "sufficient", "held", "relevant", "pending",
              "done", "ready", "unexpected", "expected", "needed", "necessary", "there"}
# Verbs a do-question or a modal asks about, with their past tense.
VERBS = {"die": "died", "happen": "happened", "live": "lived", "need": "needed",
         "attend": "attended", "agree": "agreed", "know": "knew", "take": "took", "have": "had",
         "receive": "received", "meet": "met", "go": "went", "come": "came", "leave": "left",
         "return": "returned", "make": "made", "give": "gave", "see": "saw", "tell": "told",
         "use": "used", "work": "worked", "want": "wanted", "require": "required",
         "involve": "involved", "include": "included", "raise": "raised", "apply": "applied",
         "review": "reviewed", "publish": "published", "report": "reported",
         "answer": "answered", "endorse": "endorsed", "be": "was"}
MAX_SUBJECT = 8


def yes_statement(question: str) -> str | None:
    """A yes/no question as the statement a "yes" makes true, or None when it cannot be turned
    with confidence: "Is abuse or neglect known or suspected?" -> "abuse or neglect is known or
    suspected", "Has the child died?" -> "the child has died", "Did the child die in custody?"
    -> "the child died in custody", "Does the wider context need exploring?" -> "the wider
    context needs exploring". Only the question is read (up to its "?")."""
    words = question.split("?")[0].split()
    if len(words) < 3:
        return None
    verb, rest = words[0].lower(), words[1:]
    if rest[0].startswith("(") and rest[0].endswith(")"):      # "Is (was) the child ..."
        verb, rest = f"{verb} {rest[0]}", rest[1:]
    head = verb.split()[0]
    for size in range(1, min(MAX_SUBJECT, len(rest) - 1) + 1):
        subject, tail = lower_first(" ".join(rest[:size])), rest[size:]
        first = tail[0].lower().strip(",.;()")
        if head in BE_HAVE and (first in PREDICATES or first.endswith("ed")
                                or (first in ("a", "an") and head in BE)):   # "... a care leaver"
            return " ".join([subject, verb, *tail])
        if first in VERBS and len(tail) > 1 and tail[1].lower() in VERBS:
            continue                         # "a review go ahead": the verb is the later one
        if head in MODALS and first in VERBS:
            return " ".join([subject, verb, *tail])
        if head in DO and first in VERBS:
            main = VERBS[first] if head == "did" else (
                ("has" if first == "have" else first + "s") if head == "does" else first)
            return " ".join([subject, main, *tail[1:]])
    return None


def required_message(field: dict) -> str:
    """What to say when a required field is left empty, from its label and type (GOV.UK)."""
    label, kind = _label(field), field.get("type", "string")
    if kind == "boolean":
        statement = yes_statement(label)
        return f"Select yes if {statement}" if statement else f"Select yes or no for “{label}”"
    if kind == "date":
        return f"Enter {_the(label)}"
    if kind in ("long", "number"):
        return f"Enter a number for {lower_first(label)}"
    if kind in ("enum", "group", "groups"):
        if label.endswith("?"):
            return f"Select an answer to “{label}”"
        return f"Select {lower_first(label)}"
    return f"Enter {lower_first(label)}"


def _readonly(field: dict) -> bool:
    return str(field.get("validation", {}).get("readonly", "false")).lower() in ("", "true")


def _coerce(field: dict, value, groups: Mapping[str, str]):
    """The value as the field's type, None when empty; FieldProblem names the problem."""
    if field.get("type") == "date" and isinstance(value, Mapping):
        return _coerce_date_parts(value, _label(field))
    if value is None or (isinstance(value, str) and value.strip() == "") or value == []:
        return None
    kind = field.get("type", "string")
    label = _label(field)
    if kind in ("string", "text"):
        if not isinstance(value, str):
            raise FieldProblem("type", f"{label} must be text")
        if len(value) > MAX_TEXT:
            raise FieldProblem("maxlength", f"{label} must be {MAX_TEXT} characters or fewer")
        return value.strip() if kind == "string" else value
    if kind == "long":
        return _coerce_int(value, label)
    if kind == "number":
        return _coerce_number(value, label)
    if kind == "boolean":
        return _coerce_bool(value, field)
    if kind == "date":
        return _coerce_date(value, label)
    if kind == "enum":
        options = [o["id"] for o in field.get("options", [])]
        if not isinstance(value, str) or value not in options:
            raise FieldProblem("type", required_message(field))
        return value
    if kind in GROUP_TYPES:
        return _coerce_groups(field, value, groups, label)
    raise FieldProblem("type", f"{label} has an unknown type {kind!r}")


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
        raise FieldProblem("type", f"Select {'groups' if many else 'a group'} for "
                                   f"{lower_first(label)}")
    slugs = list(dict.fromkeys(group_slug(n) for n in names if n.strip()))
    offered = set(group_choices(field, groups))
    unknown = [s for s in slugs if s not in offered]
    if unknown:
        raise FieldProblem("type", f"{label}: {', '.join(unknown)} is not one of the groups "
                                   "offered")
    return slugs if many else (slugs[0] if slugs else None)


def _coerce_int(value, label: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10 ** 15:
        return value                                       # as many digits as typed ones
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,15}\s*", value):
        return int(value)
    raise FieldProblem("type", f"{label} must be a whole number")


def _coerce_number(value, label: str) -> float:
    number = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str) and len(value) < 40:
        try:
            number = float(Decimal(value.strip()))
        except InvalidOperation:
            pass
    if number is None or number != number or number in (float("inf"), float("-inf")):
        raise FieldProblem("type", f"{label} must be a number")
    return number


def _coerce_bool(value, field: dict) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "yes", "on", "1"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "no", "off", "0"):
        return False
    raise FieldProblem("type", required_message(field))


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATE_PARTS = ("day", "month", "year")


def _coerce_date(value, label: str) -> str:
    """A date given as one ISO string ``YYYY-MM-DD`` (the API, the CLI): nothing else, since
    "03/12" is 3 December to one person and 12 March to another."""
    if isinstance(value, str) and ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise FieldProblem("type", f"{label} must be a real date, like 2027-03-31")


def _coerce_date_parts(parts: Mapping, label: str) -> str | None:
    """The three boxes of the GOV.UK date input, read strictly: None when all are empty, else
    a real date with a four-digit year, or a GOV.UK message naming what is missing or wrong."""
    typed = {k: str(parts.get(k) or "").strip() for k in DATE_PARTS}
    missing = [k for k in DATE_PARTS if not typed[k]]
    if len(missing) == 3:
        return None
    if missing:
        return _raise("type", f"{label} must include a {' and '.join(missing)}")
    if not all(typed[k].isdigit() and len(typed[k]) <= 4 for k in DATE_PARTS):
        return _raise("type", f"{label} must be a real date")
    if len(typed["year"]) != 4:
        return _raise("type", f"Year must include 4 numbers")
    try:
        return date(int(typed["year"]), int(typed["month"]), int(typed["day"])).isoformat()
    except ValueError:
        return _raise("type", f"{label} must be a real date")


def _raise(rule: str, text: str):
    raise FieldProblem(rule, text)


def _check_constraints(field: dict, value) -> tuple[str, str] | None:
    """The first broken ``camunda:validation`` constraint, as (rule, message), or None."""
    label = _label(field)
    rules = field.get("validation", {})
    shown = long_date if field.get("type") == "date" else str
    if "minlength" in rules and len(str(value)) < int(rules["minlength"]):
        return "minlength", f"{label} must be {rules['minlength']} characters or more"
    if "maxlength" in rules and len(str(value)) > int(rules["maxlength"]):
        return "maxlength", f"{label} must be {rules['maxlength']} characters or fewer"
    if "min" in rules and _comparable(value) < _comparable(rules["min"], field):
        after = "the same as or after" if field.get("type") == "date" else None
        return "min", f"{label} must be {after} {shown(rules['min'])}" if after \
            else f"{label} must be {rules['min']} or more"
    if "max" in rules and _comparable(value) > _comparable(rules["max"], field):
        before = "the same as or before" if field.get("type") == "date" else None
        return "max", f"{label} must be {before} {shown(rules['max'])}" if before \
            else f"{label} must be {rules['max']} or less"
    if "pattern" in rules and not re.fullmatch(rules["pattern"], str(value)):
        return "pattern", f"{label} must be in the right format"
    return None


def _comparable(value, field: dict | None = None):
    if field is not None and field.get("type") == "date":
        return str(value)
    if isinstance(value, str) and field is not None:
        return float(value)
    return value


# Plausibility rules between dates, declared on a date field as properties: ``not_before`` and
# ``not_after``, each naming another date field (of this form or of the case data so far) or
# ``today`` (the board's date). A rule whose other date is not known yet is not checked.
DATE_RULES = ("not_before", "not_after")


def _cross_field(known: dict, clean: dict, context: Mapping, today: date | None) -> dict:
    """``{field_id: (rule, message)}`` for each date that breaks a plausibility rule."""
    problems = {}
    for field_id, value in clean.items():
        field = known[field_id]
        if field.get("type") != "date":
            continue
        for rule in DATE_RULES:
            other = (field.get("properties") or {}).get(rule)
            if not other:
                continue
            bound, words = _other_date(other.strip(), known, clean, context, today)
            if bound is None:
                continue
            if (value < bound) if rule == "not_before" else (value > bound):
                problems[field_id] = (rule, f"{_label(field)} must be " + (
                    _today_words(rule) if words is None else
                    f"the same as or {'after' if rule == 'not_before' else 'before'} {words}"))
                break
    return problems


def _other_date(name: str, known: dict, clean: dict, context: Mapping,
                today: date | None) -> tuple[str | None, str | None]:
    """The ISO date a rule compares with and how to name it (None for today)."""
    if name == "today":
        return (today.isoformat() if today else None), None
    value = clean.get(name, context.get(name))
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value[:10]):
        return None, None
    return value[:10], _the(_label(known[name])) if name in known else long_date(value)


def _today_words(rule: str) -> str:
    return "today or in the past" if rule == "not_after" else "today or in the future"
