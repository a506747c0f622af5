"""Task forms from Camunda ``formData`` fields: render, read back, validate.

Validation is the engine's (``engine.forms.validate_form``) so the web, the API and the CLI
refuse exactly the same values. What the person typed is always shown again with the errors.
A ``group`` field is a select of the real groups (of its ``kind`` property), a ``groups`` field
checkboxes: both plain HTML controls, so forms work without JavaScript.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from models.queries import group_options

from .wording import answer

RADIO_LIMIT = 5   # enums with this many options or fewer are radios, longer ones a select
GROUP_TYPES = ("group", "groups")
DATE_PARTS = ("day", "month", "year")     # the GOV.UK date input's boxes: <id>-day, ...


@dataclass
class FormField:
    """One field as the template draws it."""

    id: str
    label: str
    type: str
    required: bool = False
    readonly: bool = False
    options: list = field(default_factory=list)
    value: object = None
    error: str | None = None
    hint: str | None = None
    validation: dict = field(default_factory=dict)

    @property
    def answer(self) -> str:
        """A read-only field's value as people write it (Yes/No, option label, date)."""
        return answer(self.value, {"type": self.type,
                                   "options": [{"id": i, "name": n} for i, n in self.options]})

    @property
    def date_parts(self) -> dict:
        """A date field's three boxes: what was typed, or the stored ``YYYY-MM-DD`` split."""
        if isinstance(self.value, dict):
            return {k: self.value.get(k) or "" for k in DATE_PARTS}
        text = str(self.value or "")
        if len(text) >= 10 and text[4] == "-" and text[7] == "-":
            return {"day": str(int(text[8:10])), "month": str(int(text[5:7])), "year": text[:4]}
        return {"day": "", "month": "", "year": ""}

    @property
    def widget(self) -> str:
        """Which control draws it: input, textarea, number, decimal, boolean, date, radios,
        select, checkboxes."""
        if self.type == "enum":
            return "radios" if len(self.options) <= RADIO_LIMIT else "select"
        return {"string": "input", "text": "textarea", "long": "number", "number": "decimal",
                "boolean": "boolean", "date": "date", "group": "select",
                "groups": "checkboxes"}.get(self.type, "input")


def field_specs(form: dict | None) -> list[dict]:
    """The task form's field dicts (an empty list when it has none)."""
    return list((form or {}).get("fields", []))


def build_fields(form: dict | None, values: dict | None, errors: dict | None,
                 case_data: dict | None = None) -> list[FormField]:
    """Fields with their current value (typed, draft or default) and error message (group
    fields' options from ``with_group_options``)."""
    values, errors, case_data = values or {}, errors or {}, case_data or {}
    out = []
    for spec in field_specs(form):
        fid, rules = spec["id"], dict(spec.get("validation") or {})
        readonly = str(rules.get("readonly", "false")).lower() in ("", "true")
        value = case_data.get(fid) if readonly else values.get(fid, spec.get("default"))
        out.append(FormField(
            id=fid, label=spec.get("label") or fid, type=spec.get("type") or "string",
            required=bool(spec.get("required")), readonly=readonly,
            options=[(o["id"], o.get("name") or o["id"]) for o in spec.get("options") or []],
            value=value, error=errors.get(fid), hint=(spec.get("properties") or {}).get("hint"),
            validation=rules))
    return out


def with_group_options(session, form: dict | None) -> dict | None:
    """The form with the groups each ``group``/``groups`` field offers (those of its property
    ``kind``, else all) as its options, given as an enum's values are (id = slug, name = title).
    The groups are read only when the form has such a field."""
    if not any(spec.get("type") in GROUP_TYPES for spec in field_specs(form)):
        return form
    groups = group_options(session)
    fields = []
    for spec in field_specs(form):
        if spec.get("type") in GROUP_TYPES:
            kind = (spec.get("properties") or {}).get("kind")
            spec = {**spec, "options": [{"id": slug, "name": title or slug}
                                        for slug, title, of_kind in groups
                                        if not kind or of_kind == kind]}
        fields.append(spec)
    return {**form, "fields": fields}


def submitted(form: dict | None, posted) -> dict:
    """The posted strings of the form's own editable fields (others, like csrf_token, dropped);
    a ``groups`` field's ticked boxes as a list (none ticked: an empty list); a date field's
    three boxes as ``{"day", "month", "year"}`` (read strictly by the engine)."""
    raw = {}
    for spec in field_specs(form):
        fid = spec["id"]
        if spec.get("type") == "groups":
            raw[fid] = posted.getlist(fid)
        elif spec.get("type") == "date" and any(f"{fid}-{part}" in posted for part in DATE_PARTS):
            raw[fid] = {part: posted.get(f"{fid}-{part}", "") for part in DATE_PARTS}
        elif spec["id"] in posted:
            raw[spec["id"]] = posted.get(spec["id"])
    return raw


def ordered_errors(fields: list[FormField], errors: dict) -> list[tuple[str, str]]:
    """Errors in the order the fields appear (the error summary's order), others last."""
    ids = [f.id for f in fields]
    known = [(f.id, errors[f.id]) for f in fields if f.id in errors]
    return known + [(k, v) for k, v in errors.items() if k not in ids]


def choices(options) -> list[tuple]:
    """``(value, text, hint)`` for each option of a select, radios or checkboxes macro, however
    given: a mapping of value -> text, plain values, mappings with value/text (or label)/hint,
    or ``(value, text[, hint])`` pairs."""
    found = []
    for opt in (options.items() if isinstance(options, dict) else options or []):
        if isinstance(opt, (str, int, float)):
            found.append((opt, opt, None))
        elif isinstance(opt, dict):
            found.append((opt.get("value"), opt.get("text") or opt.get("label") or opt.get("value"),
                          opt.get("hint")))
        else:
            found.append((opt[0], opt[1], opt[2] if len(opt) > 2 else None))
    return found


