"""The OpenAPI 3 document for /api/v1 (hand-written: small, and reviewed with the code).

It is the contract in both directions: web/api_input.py checks every request's query and body
against it before the view runs, and tests/test_web_api_schema.py runs schemathesis against the
server with it.
"""
from __future__ import annotations

# Whole numbers and numbers in case data stay within I-JSON's exactly representable integers
# (RFC 7493), which every JSON reader agrees on; the engine itself stores up to 2**63 - 1.
SAFE_INTEGER = 2 ** 53 - 1
# Patterns spell their character classes out: "\\s" means different characters in Python
# (the server's str.strip) and in ECMA-262 (the regex dialect of JSON Schema).
_CONTROL = "\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029"          # categories Cc, Zl, Zp
_SPACE = ("\\x09-\\x0d\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f"
          "\\u205f\\u3000")                                       # str.isspace()
# A reference or title: one line, not blank (engine/references.py).
ONE_LINE = f"^[^{_CONTROL}]*[^{_CONTROL}{_SPACE}][^{_CONTROL}]*$"
NOT_BLANK = f"[^{_SPACE}]"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _one_line(limit: int) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": limit, "pattern": ONE_LINE,
            "description": "must be one line of text, not blank, without control characters "
                           "or line breaks"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


ERRORS = {status: {"description": text, **_json(_ref("Error"))} for status, text in {
    "400": "Malformed input: a query parameter or body field the document does not allow "
           "(error.field names it), or a NUL character anywhere",
    "401": "No valid token", "403": "Not allowed",
    "404": "Not found or not visible to you", "409": "Conflict or wrong state",
    "422": "Form values refused (errors maps field id to message)"}.items()}
TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "string"}}
INSTANCE_ID = {"name": "instance_id", "in": "path", "required": True,   # an INTEGER column
               "schema": {"type": "integer", "minimum": 1, "maximum": 2 ** 31 - 1}}
SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "field": {"type": "string", "description": "the parameter or field refused"},
            "errors": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
    "Value": {"description": "a value case data can hold: text, a number within +/- 2**53 - 1, "
                             "true/false, null, or lists and objects of these, at most 50 "
                             "levels deep", "nullable": True,
              "anyOf": [{"type": "string"}, {"type": "boolean"},
                        {"type": "number", "minimum": -SAFE_INTEGER, "maximum": SAFE_INTEGER},
                        {"type": "array", "items": _ref("Value")}, _ref("Data")]},
    "Data": {"type": "object", "additionalProperties": _ref("Value")},
    "Reference": _one_line(100),
    "Title": _one_line(300),
    "Task": {"type": "object", "required": ["id", "instance_id", "title", "status"], "properties": {
        "id": {"type": "string"}, "instance_id": {"type": "integer"},
        "process_id": {"type": "string"}, "bpmn_id": {"type": "string"},
        "title": {"type": "string"}, "lane": {"type": "string", "nullable": True},
        "candidate_groups": {"type": "array", "items": {"type": "string"}},
        "candidate_users": {"type": "array", "items": {"type": "string"}},
        "assignee": {"type": "string", "nullable": True}, "status": {"type": "string"},
        "due_at": {"type": "string", "format": "date-time", "nullable": True},
        "unassignable_since": {"type": "string", "format": "date-time", "nullable": True,
                               "description": "since when no active person can act on it"},
        "priority": {"type": "integer", "nullable": True},
        "documentation": {"type": "string"}, "form": {"type": "object"}}},
    "FormField": {"type": "object", "required": ["id", "label", "type", "required"],
                  "properties": {
        "id": {"type": "string"}, "label": {"type": "string"},
        "type": {"type": "string", "description": "string, text, long, number, boolean, date, "
                                                  "enum, group or groups"},
        "required": {"type": "boolean"}, "default": {"type": "string", "nullable": True},
        "validation": {"type": "object", "additionalProperties": {"type": "string"}},
        "options": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "string"}, "name": {"type": "string"}}}},
        "properties": {"type": "object", "additionalProperties": {"type": "string",
                                                                  "nullable": True}}}},
    "Pathway": {"type": "object", "required": ["process_id", "name", "description", "version",
                                               "form"], "properties": {
        "process_id": {"type": "string"}, "name": {"type": "string"},
        "description": {"type": "string", "description": "one line, from the diagram"},
        "version": {"type": "integer"},
        "starter_groups": {"type": "array", "items": {"type": "string"}},
        "form": {"type": "object", "required": ["fields"], "properties": {
            "fields": {"type": "array", "items": {"$ref": "#/components/schemas/FormField"}}},
            "description": "the start form: POST /instances with data filling it"}}},
    "Instance": {"type": "object", "required": ["id", "process_id", "status"], "properties": {
        "id": {"type": "integer"}, "process_id": {"type": "string"},
        "reference": {"type": "string", "nullable": True}, "status": {"type": "string"},
        "data": {"type": "object"}, "tasks": {"type": "array", "items": _ref("Task")},
        "timers": {"type": "array", "items": {"type": "object"}}}},
}


def _op(summary: str, ok: dict, *, params=(), body=None, status="200", errors=()) -> dict:
    """One operation; every one may answer 400 (input the document does not allow) and 401."""
    op = {"summary": summary, "parameters": list(params),
          "responses": {status: {"description": "OK", **_json(ok)},
                        **{e: ERRORS[e] for e in sorted({"400", "401", *errors})}}}
    if body is not None:
        op["requestBody"] = {"required": True, **_json(body)}
    return op


def _body(required=(), **properties) -> dict:
    """A JSON object body with exactly these fields (any other is refused, naming it)."""
    return {"type": "object", "required": list(required), "properties": properties,
            "additionalProperties": False}


def _text(**limits) -> dict:
    return {"type": "string", **limits}


def document() -> dict:
    """The OpenAPI 3.0 document."""
    query = [{"name": n, "in": "query", "required": False, "schema": s} for n, s in (
        ("pathway", {"type": "string"}), ("group", {"type": "string"}),
        ("due", {"type": "string", "enum": ["soon", "overdue"]}),
        ("page", {"type": "integer", "minimum": 1, "maximum": 100_000}),
        ("per_page", {"type": "integer", "minimum": 1, "maximum": 100}))]
    task_list = {"type": "object", "properties": {"tasks": {"type": "array", "items": _ref("Task")},
                                                  "page": {"type": "integer"}}}
    data_body = _body(data=_ref("Data"))
    start_data = {**SCHEMAS["Data"], "properties": {"case_ref": _ref("Reference"),
                                                     "case_title": _ref("Title")}}
    start_body = _body(["process_id"], process_id=_text(minLength=1), data=start_data,
                       reference={**_ref("Reference"), "description": "new on the board"})
    payload = {**SCHEMAS["Data"], "properties": {"case_ref": {
        **SCHEMAS["Reference"], "nullable": True}}}
    message_body = _body(["name"], name=_text(minLength=1), payload=payload,
                         correlation=_ref("Data"))
    correction_body = _body(["data", "reason"], data={**SCHEMAS["Data"], "minProperties": 1},
                            reason=_text(pattern=NOT_BLANK,
                                         description="must not be blank"))
    return {
        "openapi": "3.0.3",
        "info": {"title": "LSCB Workflow API", "version": "1.0.0",
                 "description": "Tasks, cases and messages of the LSCB review pathways. Requests "
                               "are checked against this document: a query parameter or body "
                               "field it does not list, or a value it does not allow, is a 400 "
                               "naming it. No input may contain a NUL character."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/tasks": {"get": _op("My worklist", task_list, params=query, errors=("400",))},
            "/tasks/unassignable": {"get": _op(
                "Open tasks no active person can act on (managers)", {
                    "type": "object", "properties": {
                        "tasks": {"type": "array", "items": _ref("Task")}}},
                errors=("403",))},
            "/tasks/{task_id}": {"get": _op("A task", _ref("Task"), params=[TASK_ID],
                                            errors=("404",))},
            "/tasks/{task_id}/claim": {"post": _op("Claim a task", _ref("Task"), params=[TASK_ID],
                                                   errors=("403", "404", "409"))},
            "/tasks/{task_id}/unclaim": {"post": _op("Unclaim a task", _ref("Task"),
                                                     params=[TASK_ID],
                                                     errors=("403", "404", "409"))},
            "/tasks/{task_id}/complete": {"post": _op(
                "Complete a task", _ref("Instance"), params=[TASK_ID], body=data_body,
                errors=("400", "403", "404", "409", "422"))},
            "/pathways": {"get": _op("The pathways I may start, with their start forms", {
                "type": "object", "required": ["pathways"], "properties": {
                    "pathways": {"type": "array", "items": _ref("Pathway")}}})},
            "/instances": {"post": _op("Start a case (a pathway I may start, data filling its "
                                       "start form)", _ref("Instance"), body=start_body,
                                       status="201", errors=("400", "403", "404", "409", "422"))},
            "/instances/{instance_id}": {"get": _op("A case", _ref("Instance"),
                                                    params=[INSTANCE_ID], errors=("404",))},
            "/instances/{instance_id}/data": {"post": _op(
                "Correct a case's data (managers), with a reason", _ref("Instance"),
                params=[INSTANCE_ID], body=correction_body,
                errors=("400", "403", "404", "409"))},
            "/messages": {"post": _op("Send a message (to the waiting cases the caller may see, "
                                      "or any case for a token trusted with the message)",
                                      {"type": "object", "properties": {
                "instances": {"type": "array", "items": {"type": "integer"}}}},
                body=message_body, errors=("400", "404", "409", "422"))},
        },
    }
