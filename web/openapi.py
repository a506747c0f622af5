"""The OpenAPI 3 document for /api/v1 (hand-written: small, and reviewed with the code)."""
from __future__ import annotations


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


ERRORS = {status: {"description": text, **_json(_ref("Error"))} for status, text in {
    "400": "Malformed input", "401": "No valid token", "403": "Not allowed",
    "404": "Not found or not visible to you", "409": "Conflict or wrong state",
    "422": "Form values refused (errors maps field id to message)"}.items()}
TASK_ID = {"name": "task_id", "in": "path", "required": True, "schema": {"type": "string"}}
SCHEMAS = {
    "Error": {"type": "object", "required": ["error"], "properties": {"error": {
        "type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"}, "message": {"type": "string"},
            "errors": {"type": "object", "additionalProperties": {"type": "string"}}}}}},
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
    op = {"summary": summary, "parameters": list(params),
          "responses": {status: {"description": "OK", **_json(ok)},
                        **{e: ERRORS[e] for e in ("401", *errors)}}}
    if body is not None:
        op["requestBody"] = {"required": True, **_json(body)}
    return op


def document() -> dict:
    """The OpenAPI 3.0 document."""
    query = [{"name": n, "in": "query", "required": False, "schema": s} for n, s in (
        ("pathway", {"type": "string"}), ("group", {"type": "string"}),
        ("due", {"type": "string", "enum": ["soon", "overdue"]}),
        ("page", {"type": "integer", "minimum": 1}),
        ("per_page", {"type": "integer", "minimum": 1, "maximum": 100}))]
    task_list = {"type": "object", "properties": {"tasks": {"type": "array", "items": _ref("Task")},
                                                  "page": {"type": "integer"}}}
    data_body = {"type": "object", "properties": {"data": {"type": "object"}}}
    start_body = {"type": "object", "required": ["process_id"], "properties": {
        "process_id": {"type": "string"}, "data": {"type": "object"},
        "reference": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": "^[^\\x00-\\x1f\\x7f]+$",
                      "description": "new on the board; no control characters or line breaks"}}}
    message_body = {"type": "object", "required": ["name"], "properties": {
        "name": {"type": "string"}, "payload": {"type": "object"},
        "correlation": {"type": "object"}}}
    correction_body = {"type": "object", "required": ["data", "reason"], "properties": {
        "data": {"type": "object"}, "reason": {"type": "string"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "LSCB Workflow API", "version": "1.0.0",
                 "description": "Tasks, cases and messages of the LSCB review pathways."},
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
                                       status="201", errors=("400", "403", "404", "422"))},
            "/instances/{instance_id}": {"get": _op("A case", _ref("Instance"), params=[{
                "name": "instance_id", "in": "path", "required": True,
                "schema": {"type": "integer"}}], errors=("404",))},
            "/instances/{instance_id}/data": {"post": _op(
                "Correct a case's data (managers), with a reason", _ref("Instance"),
                params=[{"name": "instance_id", "in": "path", "required": True,
                         "schema": {"type": "integer"}}], body=correction_body,
                errors=("400", "403", "404", "409"))},
            "/messages": {"post": _op("Send a message (to the waiting cases the caller may see, "
                                      "or any case for a token trusted with the message)",
                                      {"type": "object", "properties": {
                "instances": {"type": "array", "items": {"type": "integer"}}}},
                body=message_body, errors=("400", "404", "409", "422"))},
        },
    }
