"""Check each API request against the OpenAPI document before its view runs: query parameters
and JSON bodies as declared (types, limits, patterns, required and unknown fields), so the
document is the contract and a refusal is a 400 naming the field.

The document's schemas use a small subset of OpenAPI 3.0's schema object; ``KEYWORDS`` lists
what this checker enforces and ``ANNOTATIONS`` what it reads past. Any other keyword is refused
when the document is read, so a schema never promises a check that is not made.
"""
from __future__ import annotations

import math
import re
from functools import cache

from flask import Request

from engine.errors import InputError

from .openapi import document

KEYWORDS = {"type", "nullable", "enum", "minimum", "maximum", "minLength", "maxLength",
            "pattern", "required", "properties", "additionalProperties", "minProperties",
            "items", "anyOf", "$ref"}
ANNOTATIONS = {"description", "format", "example", "title"}
MAX_DEPTH = 50          # nesting of a body, as the engine stores case data (engine/storable.py)
_TYPES = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
          "object": (dict,), "array": (list,)}
_NAMES = {"string": "a string", "integer": "a whole number", "number": "a number",
          "boolean": "true or false", "object": "a JSON object", "array": "a JSON array"}
_RULE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


@cache
def operations() -> dict[tuple[str, str], dict]:
    """``(full path, METHOD) -> operation`` for every documented operation (paths as the
    document writes them, ``/api/v1/tasks/{task_id}``); refuses an unknown schema keyword."""
    doc = _document()
    prefix = doc["servers"][0]["url"]
    for schema in _schemas(doc):
        unknown = set(schema) - KEYWORDS - ANNOTATIONS
        if unknown:
            raise ValueError(f"the API document uses schema keywords {sorted(unknown)} that "
                             f"web/api_input.py does not check")
    return {(prefix + path, method.upper()): op for path, ops in doc["paths"].items()
            for method, op in ops.items()}


def check(request: Request) -> None:
    """Refuse a request whose query or JSON body the document does not allow (InputError
    naming the parameter or field); undocumented routes are left to their view."""
    if request.url_rule is None:
        return
    op = operations().get((openapi_path(request.url_rule.rule), request.method))
    if op is None:
        return
    _check_path(op.get("parameters", []), request.view_args or {})
    _check_query(op.get("parameters", []), request.args)
    body = op.get("requestBody")
    if body is not None:
        schema = body["content"]["application/json"]["schema"]
        _raise(problem(schema, _json(request, body.get("required", False))), "body field")


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/tasks/<int:task_id>`` -> ``/tasks/{task_id}``."""
    return _RULE.sub(r"{\1}", rule)


def problem(schema: dict, value, path: str = "", depth: int = 0) -> tuple[str, str] | None:
    """``(path, reason)`` of the first part of ``value`` that ``schema`` refuses, else None.
    Paths are dotted keys and [indexes]."""
    schema = _resolve(schema)
    if depth > MAX_DEPTH:
        return path, f"is nested more than {MAX_DEPTH} levels deep"
    if value is None:
        return None if schema.get("nullable") or "type" not in schema else (path, "must not be null")
    if "anyOf" in schema:
        return _check_any(schema["anyOf"], value, path, depth)
    kind = schema.get("type")
    if kind and not _is(value, kind):
        return path, f"must be {_NAMES[kind]}"
    for check in (_check_scalar, _check_object, _check_array):
        found = check(schema, value, path, depth)
        if found:
            return found
    return None


def _check_any(schemas, value, path, depth):
    """The problem of the one branch of the value's own type, else of none that fits."""
    kinds = [s for s in map(_resolve, schemas) if "type" not in s or _is(value, s["type"])]
    if len(kinds) == 1:
        return problem(kinds[0], value, path, depth)
    if any(problem(s, value, path, depth) is None for s in kinds):
        return None
    return path, "is not an accepted kind of value"


def _check_scalar(schema, value, path, depth):
    if isinstance(value, float) and not math.isfinite(value):
        return path, "must be a finite number"
    if "enum" in schema and value not in schema["enum"]:
        return path, "must be one of " + ", ".join(map(str, schema["enum"]))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            return path, f"must be at least {schema['minimum']}"
        if "maximum" in schema and value > schema["maximum"]:
            return path, f"must be at most {schema['maximum']}"
    if isinstance(value, str):
        if len(value) < schema.get("minLength", 0):
            return path, "must not be empty" if schema["minLength"] == 1 else \
                f"must be at least {schema['minLength']} characters"
        if len(value) > schema.get("maxLength", len(value)):
            return path, f"must be at most {schema['maxLength']} characters"
        if "pattern" in schema and not re.search(schema["pattern"], value):
            return path, schema.get("description", f"must match {schema['pattern']}")
    return None


def _check_object(schema, value, path, depth):
    if not isinstance(value, dict):
        return None
    missing = [name for name in schema.get("required", ()) if name not in value]
    if missing:
        return _join(path, missing[0]), "is required"
    if len(value) < schema.get("minProperties", 0):
        return path, f"must have at least {schema['minProperties']} field(s)"
    properties, extra = schema.get("properties", {}), schema.get("additionalProperties", True)
    for key, item in value.items():
        if key not in properties and extra is False:
            accepted = ", ".join(properties) or "none"
            return _join(path, key), f"is not a field of this request (accepted: {accepted})"
        sub = properties.get(key, extra if isinstance(extra, dict) else {})
        found = problem(sub, item, _join(path, key), depth + 1)
        if found:
            return found
    return None


def _check_array(schema, value, path, depth):
    if not isinstance(value, list) or "items" not in schema:
        return None
    for index, item in enumerate(value):
        found = problem(schema["items"], item, f"{path}[{index}]", depth + 1)
        if found:
            return found
    return None


def _check_path(parameters: list[dict], values: dict) -> None:
    """Path parameters as the route converted them (``<int:...>`` gives a whole number)."""
    for parameter in parameters:
        if parameter["in"] == "path" and parameter["name"] in values:
            name = parameter["name"]
            _raise(problem(parameter["schema"], values[name], name), "path parameter")


def _check_query(parameters: list[dict], args) -> None:
    declared = {p["name"]: p for p in parameters if p["in"] == "query"}
    unknown = sorted(set(args) - set(declared))
    if unknown:
        accepted = ", ".join(declared) or "none"
        raise InputError(f"query parameter '{unknown[0]}' is not accepted here (accepted: "
                         f"{accepted})", field=unknown[0])
    for name, parameter in declared.items():
        values = args.getlist(name)
        if not values:
            if parameter.get("required"):
                raise InputError(f"query parameter '{name}' is required", field=name)
            continue
        if len(values) > 1:
            raise InputError(f"query parameter '{name}' must be given once", field=name)
        schema = _resolve(parameter["schema"])
        _raise(problem(schema, _from_text(values[0], schema.get("type")), name),
               "query parameter")


def _from_text(text: str, kind: str | None):
    """A query value as the type its schema declares, or the text (which then fails it)."""
    if kind == "integer" and re.fullmatch(r"[-+]?\d{1,30}", text):
        return int(text)
    if kind == "number" and re.fullmatch(r"[-+]?\d{1,30}(\.\d{1,30})?", text):
        return float(text)
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def _json(request: Request, required: bool):
    if not request.get_data(cache=True):
        if required:
            raise InputError("send a JSON object with Content-Type: application/json")
        return {}
    try:
        data = request.get_json(silent=True) if request.is_json else None
    except RecursionError:        # nested past what the JSON reader follows
        raise InputError("the JSON is nested too deeply") from None
    if data is None:
        raise InputError("send a JSON object with Content-Type: application/json")
    return data


def _raise(found: tuple[str, str] | None, label: str) -> None:
    """InputError naming the field (``label 'path' reason``), or the whole body."""
    if found is not None:
        path, reason = found
        raise InputError(f"{label} '{path}' {reason}" if path else f"the request body {reason}",
                         field=path or None)


@cache
def _document() -> dict:
    """The document, built once (read only)."""
    return document()


def _resolve(schema: dict) -> dict:
    while "$ref" in schema:
        schema = _document()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def _is(value, kind: str) -> bool:
    if isinstance(value, bool):
        return kind == "boolean"
    if kind == "integer" and isinstance(value, float):
        return value.is_integer()
    return isinstance(value, _TYPES[kind])


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _schemas(doc: dict):
    """Every schema object the document uses for input (request bodies, parameters, and the
    components they refer to)."""
    stack = [*doc["components"]["schemas"].values()]
    for ops in doc["paths"].values():
        for op in ops.values():
            stack += [p["schema"] for p in op.get("parameters", [])]
            if "requestBody" in op:
                stack.append(op["requestBody"]["content"]["application/json"]["schema"])
    while stack:
        schema = stack.pop()
        yield schema
        stack += [*schema.get("properties", {}).values(), *schema.get("anyOf", [])]
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                stack.append(schema[key])
