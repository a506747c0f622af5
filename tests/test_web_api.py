from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from web_support import app, client, group_task, login, token_for, world  # noqa: F401


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"},
                                     {"Authorization": "Basic YW5uOnB3"},
                                     {"Authorization": "Bearer lscb_forged"}])
def test_api_without_a_valid_token_is_refused(client, world, headers):
    response = client.get("/api/v1/tasks", headers=headers)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"


def test_openapi_document_is_public_and_lists_every_endpoint(client):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {"/tasks", "/tasks/unassignable", "/tasks/{task_id}",
                                 "/tasks/{task_id}/claim",
                                 "/tasks/{task_id}/unclaim", "/tasks/{task_id}/complete",
                                 "/instances", "/instances/{instance_id}",
                                 "/instances/{instance_id}/data", "/messages", "/pathways"}


def test_whole_process_through_the_api(client, world, sessions):
    ann, carol = token_for(sessions, "ann"), token_for(sessions, "carol")
    started = client.post("/api/v1/instances", headers=bearer(ann),
                          json={"process_id": "two_lane", "data": {"case_title": "API case"},
                                "reference": "API-1"})
    assert started.status_code == 201 and started.json["reference"] == "API-1"
    case_id = started.json["id"]
    tasks = client.get("/api/v1/tasks?pathway=two_lane", headers=bearer(ann)).json["tasks"]
    task = next(t for t in tasks if t["instance_id"] == case_id)
    assert client.post(f"/api/v1/tasks/{task['id']}/claim", headers=bearer(ann)).json["assignee"] == "ann"
    bad = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=bearer(ann),
                      json={"data": {"route": "scr", "summary": "x"}})
    assert bad.status_code == 422 and bad.json["error"]["code"] == "form_invalid"
    assert "summary" in bad.json["error"]["errors"]
    done = client.post(f"/api/v1/tasks/{task['id']}/complete", headers=bearer(ann),
                       json={"data": {"route": "scr", "summary": "Long enough", "children": 1}})
    assert done.status_code == 200 and done.json["tasks"][0]["candidate_groups"] == ["lscb-chair"]
    decide = done.json["tasks"][0]["id"]
    assert client.post(f"/api/v1/tasks/{decide}/complete", headers=bearer(ann),
                       json={"data": {"scr_agreed": True}}).status_code == 403   # seen, not hers
    finished = client.post(f"/api/v1/tasks/{decide}/complete", headers=bearer(carol),
                           json={"data": {"scr_agreed": True}})
    assert finished.json["status"] == "completed"
    shown = client.get(f"/api/v1/instances/{case_id}", headers=bearer(carol))
    assert shown.status_code == 200 and shown.json["status"] == "completed"


def test_api_access_rules(client, world, sessions):
    bob = token_for(sessions, "bob")
    task = world["task_id"]
    assert client.get(f"/api/v1/tasks/{task}", headers=bearer(bob)).status_code == 404
    assert client.post(f"/api/v1/tasks/{task}/claim", headers=bearer(bob)).status_code == 404
    assert client.get(f"/api/v1/instances/{world['instance_id']}", headers=bearer(bob)).status_code == 404


def test_api_errors_have_a_stable_shape(client, world, sessions):
    ann = token_for(sessions, "ann")
    for response in (
            client.post("/api/v1/instances", headers=bearer(ann), data="not json"),
            client.post("/api/v1/instances", headers=bearer(ann), json={"process_id": 3}),
            client.post("/api/v1/instances", headers=bearer(ann), json={"process_id": "nope"}),
            client.post("/api/v1/messages", headers=bearer(ann), json={"name": "nobody_waits"}),
            client.post(f"/api/v1/tasks/{world['task_id']}/unclaim", headers=bearer(ann)),
            client.get("/api/v1/nothing", headers=bearer(ann))):
        assert response.status_code in (400, 404, 409)
        assert set(response.json["error"]) >= {"code", "message"}


def test_send_message_starts_a_receiver(client, world, sessions, deploy):
    deploy("engine/receiver.bpmn")
    ann = token_for(sessions, "ann")
    doc = (__import__("pathlib").Path(__file__).parent / "data/engine/receiver.bpmn").read_text()
    import re
    names = re.findall(r'<bpmn:message [^>]*name="([^"]+)"', doc)
    response = client.post("/api/v1/messages", headers=bearer(ann),
                           json={"name": names[0], "payload": {"case_ref": "MSG-1"},
                                 "correlation": {}})
    assert response.status_code in (200, 404, 409), response.json
    assert ("instances" in response.json) or ("error" in response.json)


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(["/tasks/{t}/claim", "/tasks/{t}/unclaim", "/tasks/{t}/complete",
                             "/instances", "/messages", "/tasks/{t}", "/instances/{i}", "/tasks"]),
       ident=st.text(max_size=12), body=json_values, query=st.text(max_size=12))
def test_fuzzing_the_documented_endpoints_finds_no_500(app, world, sessions, path, ident, body, query):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(sessions, 'ann')}"}
    segment = quote(ident, safe="") if ident else None   # a path segment, as a client sends it
    url = "/api/v1" + path.format(t=segment or world["task_id"], i=segment or world["instance_id"])
    params = {"page": query, "per_page": query, "due": query, "pathway": query}
    method = "GET" if path in ("/tasks", "/tasks/{t}", "/instances/{i}") else "POST"
    response = client.open(url, method=method, json=body, headers=headers, query_string=params)
    assert response.status_code < 500, response.get_data(as_text=True)
    assert response.is_json or response.status_code in (301, 308)   # werkzeug merges '//'


@pytest.mark.parametrize("url, body", [
    ("/api/v1/tasks/%00/claim", None),
    ("/api/v1/tasks?pathway=%00", None),
    ("/api/v1/instances", {"process_id": "two_lane", "data": {"x": "a\u0000b"}}),
])
def test_nul_characters_are_refused_with_a_clear_error(app, world, sessions, url, body):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(sessions, 'ann')}"}
    method = "GET" if "?" in url else "POST"
    response = client.open(url, method=method, json=body, headers=headers)
    assert response.status_code == 400 and "NUL" in response.get_json()["error"]["message"]


def test_a_task_id_that_is_not_an_engine_id_is_simply_not_found(app, world, sessions):
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token_for(sessions, 'ann')}"}
    assert client.post("/api/v1/tasks/not-a-task/claim", headers=headers).status_code == 404


def test_a_task_lists_the_groups_its_group_fields_accept(client, group_task, sessions):
    ann = token_for(sessions, "ann")
    task = client.get(f"/api/v1/tasks/{group_task}", headers={"Authorization": f"Bearer {ann}"}).json
    fields = {f["id"]: f for f in task["form"]["fields"]}
    assert fields["agency"]["options"] == [{"id": "health", "name": "Health"},
                                           {"id": "police", "name": "Thames Valley Police"}]
    assert fields["involved"]["options"] == fields["agency"]["options"]
    refused = client.post(f"/api/v1/tasks/{group_task}/complete", headers={"Authorization": f"Bearer {ann}"},
                          json={"data": {"route": "close", "summary": "Nothing to add",
                                         "agency": "Police", "involved": ["intake"]}})
    assert refused.status_code == 422 and set(refused.json["error"]["errors"]) == {"involved"}


@pytest.mark.parametrize("body, field, status, code", [
    ({"reference": "API-1\r\nBcc: x@evil.test"}, "reference", 400, "bad_input"),
    ({"reference": "R" * 101}, "reference", 400, "bad_input"),
    ({"reference": " \u3000"}, "reference", 400, "bad_input"),
    ({"data": {"case_ref": "API\n2"}}, "data.case_ref", 400, "bad_input"),
    ({"reference": "API-1"}, "reference", 409, "invalid_state"),
    ({"data": {"case_ref": "API-1"}}, "data.case_ref", 409, "invalid_state")])
def test_a_bad_or_taken_reference_is_refused_naming_the_field(client, world, sessions, body, field,
                                                              status, code):
    ann = token_for(sessions, "ann")
    assert client.post("/api/v1/instances", headers=bearer(ann),
                       json={"process_id": "two_lane", "reference": "API-1"}).status_code == 201
    refused = client.post("/api/v1/instances", headers=bearer(ann),
                          json={"process_id": "two_lane", **body})
    assert refused.status_code == status and refused.json["error"]["code"] == code
    assert refused.json["error"]["field"] == field and field in refused.json["error"]["message"]


def test_only_a_token_trusted_with_a_message_delivers_it_to_a_case_its_user_cannot_see(
        client, world, sessions, deploy, process_engine):
    from engine import Actor
    from engine.tokens import create_token
    deploy("engine/thrower.bpmn", "engine/receiver.bpmn")
    admin = Actor("ada", roles=frozenset({"admin"}))
    with sessions.begin() as s:
        process_engine.start(s, "thrower", admin, {"case_ref": "CDR-1", "reason": "death"})
        partner, row = create_token(s, admin, "bob", "partner", messages=["scr_update"])
        assert row.messages == ["scr_update"]
    plain = token_for(sessions, "bob")                # bob takes no part in case CDR-1
    update = {"name": "scr_update", "payload": {"case_ref": "CDR-1", "text": "decision"}}
    assert client.post("/api/v1/messages", headers=bearer(plain), json=update).status_code == 404
    assert client.post("/api/v1/messages", headers=bearer(plain),
                       json={"name": "scr_referral", "payload": {"case_ref": "X-1"}}).status_code == 404
    delivered = client.post("/api/v1/messages", headers=bearer(partner), json=update)
    assert delivered.status_code == 200 and len(delivered.json["instances"]) == 1


def test_a_reviewer_token_may_start_only_the_pathways_naming_its_groups(client, world, sessions,
                                                                       deploy):
    deploy("engine/start_form.bpmn")
    bob, ann, mia = (token_for(sessions, n) for n in ("bob", "ann", "mia"))
    refused = client.post("/api/v1/instances", headers=bearer(ann),     # not a starter of notify
                          json={"process_id": "notify", "data": {"case_title": "Any data"}})
    assert refused.status_code == 403 and refused.json["error"]["code"] == "not_allowed"
    assert "may not start Notify an incident" in refused.json["error"]["message"]
    bad = client.post("/api/v1/instances", headers=bearer(bob),
                      json={"process_id": "notify", "data": {"case_title": "Hurt"}})
    assert bad.status_code == 422 and set(bad.json["error"]["errors"]) == {
        "case_title", "incident_date"}
    started = client.post("/api/v1/instances", headers=bearer(bob), json={
        "process_id": "notify", "data": {"case_title": "Infant injury",
                                         "incident_date": "2027-02-26"}})
    assert started.status_code == 201 and started.json["data"]["incident_date"] == "2027-02-26"
    assert client.post("/api/v1/instances", headers=bearer(mia), json={   # managers: any pathway
        "process_id": "two_lane", "data": {}}).status_code == 201
    assert client.post("/api/v1/instances", headers=bearer(bob), json={
        "process_id": "two_lane", "data": {}}).status_code == 403


def test_the_api_lists_the_pathways_the_caller_may_start_with_their_start_forms(
        client, world, sessions, deploy):
    from engine import people
    with sessions.begin() as session:
        people.add_group(session, "health", "Health", "agency")
    deploy("engine/start_form.bpmn")
    bob, mia = token_for(sessions, "bob"), token_for(sessions, "mia")
    listed = client.get("/api/v1/pathways", headers=bearer(bob))
    assert listed.status_code == 200
    [notify] = listed.json["pathways"]
    assert (notify["process_id"], notify["name"]) == ("notify", "Notify an incident")
    assert notify["description"] == "An agency notifies a serious incident. The business unit reviews it."
    assert [(f["id"], f["type"], f["required"]) for f in notify["form"]["fields"]] == [
        ("case_title", "string", True), ("incident_date", "date", True), ("children", "long", False)]
    assert [p["process_id"] for p in client.get(
        "/api/v1/pathways", headers=bearer(mia)).json["pathways"]] == ["notify", "two_lane"]
    assert client.get("/api/v1/pathways", headers={}).status_code == 401
