import copy
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

from engine.actors import load_actor
from engine.tokens import create_token, hash_token
from web import api_input
from web.openapi import document
from web_support import app, client, world  # noqa: F401

# Known tokens, so that schemathesis holds the credentials and its auth checks can take them
# away: a reviewer of the intake agency and a manager.
TOKENS = {"ann": "lscb_schema-test-reviewer-token", "mia": "lscb_schema-test-manager-token"}


def documented_422(doc: dict) -> list[str]:
    """Operations that document a 422 answer: values checked against what the document cannot
    carry (a task's form), so there a schema-valid request may rightly get 422."""
    return [f"{method.upper()} {path}" for path, ops in doc["paths"].items()
            for method, op in ops.items() if "422" in op["responses"]]


def schema_for(actor_name: str):
    """Every operation the document lists (so endpoints added later are checked too), bounded
    and deterministic: a fixed seed, a few examples per operation, every check."""
    doc = document()
    return schemathesis.openapi.from_dict(doc, config=schemathesis.Config.from_dict({
        "seed": 16, "checks": {"enabled": True},
        "auth": {"openapi": {"bearer": {"bearer": TOKENS[actor_name]}}},
        # the server refuses NUL anywhere (web/security.py); OpenAPI 3.0 cannot say so of keys
        "generation": {"max-examples": 5, "mode": "all", "deterministic": True,
                       "allow-x00": False},
        "phases": {p: {"enabled": True} for p in ("examples", "coverage", "fuzzing", "stateful")},
        "operations": [{"include-name": name, "checks": {"positive_data_acceptance": {
            "expected-statuses": ["2XX", "3XX", 401, 403, 404, 409, 422]}}}
            for name in documented_422(doc)]}))


as_reviewer, as_manager = schema_for("ann"), schema_for("mia")


@pytest.fixture
def api(app, world, sessions):
    """The app on a world where the known tokens are valid."""
    with sessions.begin() as session:
        for name, token in TOKENS.items():
            _, row = create_token(session, load_actor(session, name), name, "schemathesis")
            row.token_hash, row.prefix = hash_token(token), token[:12]
    for schema in (as_reviewer, as_manager):
        schema.app = app
    return app


def check(case, app):
    """Send the case to the app in-process (its follow-up probes too) and run every check."""
    case.operation.app = case.operation.schema.app = app   # parametrize() works on copies
    case.call_and_validate()


@as_reviewer.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_agrees_with_the_document_for_a_reviewer(case, api):
    check(case, api)


@as_manager.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_operation_agrees_with_the_document_for_a_manager(case, api):
    check(case, api)


@pytest.mark.parametrize("schema", [as_reviewer, as_manager], ids=["reviewer", "manager"])
def test_sequences_of_calls_agree_with_the_document(api, schema):
    run_state_machine_as_test(schema.as_state_machine(), settings=settings(
        max_examples=8, stateful_step_count=6, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))


def test_every_api_route_is_in_the_document_and_every_operation_has_a_route(app):
    routes = {(rule.rule, method) for rule in app.url_map.iter_rules()
              if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert {(api_input.openapi_path(rule), method) for rule, method in routes} == set(
        api_input.operations())


@pytest.mark.parametrize("method, url", [("PUT", "/api/v1/tasks"), ("DELETE", "/api/v1/instances/1"),
                                         ("GET", "/api/v1/messages"), ("TRACE", "/api/v1/tasks/x/claim")])
def test_an_undeclared_method_is_a_405_with_allow(client, method, url):
    response = client.open(url, method=method)
    assert response.status_code == 405 and response.json["error"]["code"] == "method_not_allowed"
    declared = {"PUT": "GET", "DELETE": "GET", "GET": "POST", "TRACE": "POST"}[method]
    assert declared in response.headers["Allow"]


@pytest.mark.parametrize("url, body, field, words", [
    ("/api/v1/instances", {"process_id": "two_lane", "refrence": "X-1"}, "refrence",
     "not a field of this request"),
    ("/api/v1/instances", {"process_id": 3}, "process_id", "must be a string"),
    ("/api/v1/instances", {"data": {}}, "process_id", "is required"),
    ("/api/v1/instances", {"process_id": "two_lane", "data": []}, "data", "must be a JSON object"),
    ("/api/v1/instances", {"process_id": "two_lane", "data": {"n": 2 ** 60}}, "data.n",
     "must be at most"),
    ("/api/v1/instances", {"process_id": "two_lane", "data": {"a": [{"b": [1, float("inf")]}]}},
     "data.a[0].b[1]", "finite"),
    ("/api/v1/messages", {"name": "x", "correlation": {}, "payload": {"case_ref": " "}},
     "payload.case_ref", "not blank"),
    ("/api/v1/instances/1/data", {"data": {}, "reason": "typo"}, "data", "at least 1 field"),
    ("/api/v1/instances/1/data", {"data": {"a": 1}, "reason": "\u3000"}, "reason", "blank"),
    ("/api/v1/instances/99999999999999999999/data", {"data": {"a": 1}, "reason": "r"},
     "instance_id", "at most"),
    ("/api/v1/tasks?per_page=0", None, "per_page", "at least 1"),
    ("/api/v1/tasks?per_page=ten", None, "per_page", "whole number"),
    ("/api/v1/tasks?page=1&page=2", None, "page", "once"),
    ("/api/v1/tasks?due=later", None, "due", "one of soon, overdue"),
    ("/api/v1/tasks?sort=title", None, "sort", "not accepted here"),
])
def test_input_the_document_does_not_allow_is_a_400_naming_the_field(
        api, url, body, field, words):
    headers = {"Authorization": f"Bearer {TOKENS['mia']}"}
    client = api.test_client()
    response = (client.get(url, headers=headers) if body is None else
                client.post(url, headers=headers, data=json.dumps(body),
                            content_type="application/json"))
    error = response.json["error"]
    assert response.status_code == 400 and error["code"] == "bad_input", error
    assert error["field"] == field and field in error["message"] and words in error["message"]


def test_the_document_uses_no_schema_keyword_the_checker_does_not_enforce(monkeypatch):
    doc = copy.deepcopy(document())
    doc["components"]["schemas"]["Reference"]["format"] = "uri"       # an annotation: fine
    doc["components"]["schemas"]["Title"]["multipleOf"] = 2           # a rule it cannot check
    monkeypatch.setattr(api_input, "document", lambda: doc)
    api_input.operations.cache_clear()
    api_input._document.cache_clear()
    try:
        with pytest.raises(ValueError, match="multipleOf"):
            api_input.operations()
    finally:
        api_input.operations.cache_clear()
        api_input._document.cache_clear()
