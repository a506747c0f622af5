import html
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from click.testing import CliRunner

from engine import people
from engine.errors import Problem
from models import AuditEvent, Definition, Draft, ProcessInstance, User
from web_support import PASSWORD, app, login  # noqa: F401  (fixtures)

TWO_LANE = (Path(__file__).parent / "data/engine/two_lane.bpmn").read_text()
REFUSED = Path(__file__).parent / "data/definitions/lint_refused.bpmn"
XXE = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
       '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">&x;</bpmn:definitions>')
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                    for i in range(1, 10))
          + ']><lolz>&lol9;</lolz>')
HOSTILE = [
    ("malformed", TWO_LANE[:-40], "malformed XML", None),
    ("xxe", XXE, "DOCTYPE", None),
    ("billion laughs", LAUGHS, "DOCTYPE", None),
    ("import", TWO_LANE.replace("route == 'scr'", "__import__('os').system('id')"), "__import__", "f_scr"),
    ("condition syntax", TWO_LANE.replace("route == 'scr'", "route == 'scr"), "syntax error", "f_scr"),
]


@pytest.fixture
def people_db(sessions, deploy):
    with sessions.begin() as s:
        for slug in ("intake", "lscb-chair", "police"):
            people.add_group(s, slug)
        people.add_user(s, "olive", None, roles=["process_owner"])
        people.add_user(s, "ada", None, roles=["admin"])
        people.add_user(s, "mia", None, roles=["manager"])
        people.add_user(s, "rex", None, groups=["intake"], roles=["reviewer"])
    deploy("engine/two_lane.bpmn")


def signed_in(app, sessions, name, client=None):  # noqa: F811
    """A client signed in as ``name`` (the password is set only now: hashing is slow)."""
    with sessions.begin() as s:
        people.set_password(s.scalars(select(User).where(User.name == name)).one(), PASSWORD)
    client = client or app.test_client()
    login(client, name)
    return client


@pytest.fixture
def owner(app, people_db, sessions):  # noqa: F811
    return signed_in(app, sessions, "olive")


def count(sessions, model=Definition):
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


PAGES = ["/definitions/", "/definitions/two_lane", "/definitions/two_lane/edit", "/definitions/new",
         "/definitions/two_lane/view", "/definitions/two_lane/versions/1.bpmn",
         "/definitions/two_lane/source.xml", "/definitions/two_lane/compare?a=1&b=1",
         "/definitions/two_lane/migrate", "/definitions/two_lane/dryrun",
         "/definitions/decisions/route_decision.dmn/edit"]


@pytest.mark.parametrize("user, status", [("olive", 200), ("ada", 200), ("mia", 403), ("rex", 403)])
def test_only_process_owners_and_admins_get_in(app, people_db, sessions, user, status):  # noqa: F811
    client = signed_in(app, sessions, user)
    for page in PAGES:
        assert client.get(page).status_code == status, page
    answer = client.post("/definitions/drafts/deploy", json={"xml": TWO_LANE, "note": "x"})
    assert answer.status_code == status
    if status == 200:
        assert answer.json["message"] == "Nothing changed: no new version."


def test_anonymous_people_are_sent_to_sign_in(app, people_db):  # noqa: F811
    response = app.test_client().get("/definitions/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_versions_page_lists_who_when_note_and_running_cases(owner, sessions, process_engine):
    from engine.actors import load_actor
    with sessions.begin() as s:
        process_engine.start(s, "two_lane", load_actor(s, "rex"), {})
    page = owner.get("/definitions/two_lane").get_data(as_text=True)
    assert "tester" in page and 'id="versions"' in page
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">1</td>' in page
    download = owner.get("/definitions/two_lane/versions/1.bpmn")
    assert download.data.decode() == TWO_LANE and "two_lane-v1.bpmn" in download.headers["Content-Disposition"]


def test_save_validate_deploy_through_the_editor_contract(owner, sessions):
    changed = TWO_LANE.replace("Triage the notification", "Triage it")
    assert owner.post("/definitions/drafts/save", json={"xml": changed, "note": "wip"}).json["ok"]
    assert owner.get("/definitions/two_lane/source.xml").data.decode() == changed
    checked = owner.post("/definitions/drafts/validate", json={"xml": changed})
    assert checked.status_code == 200 and checked.json["ok"]
    refused = owner.post("/definitions/drafts/deploy", json={"xml": changed, "note": ""})
    assert refused.status_code == 422 and "change note" in refused.json["message"]
    deployed = owner.post("/definitions/drafts/deploy", json={"xml": changed, "note": "shorter"})
    assert deployed.json == {"ok": True, "message": "Deployed two_lane version 2: 1 changed "
                             "(Triage it). Running cases stay on version 1 until they are migrated.",
                             "redirect": "/definitions/two_lane"}
    banner = owner.get("/definitions/two_lane").get_data(as_text=True)
    assert "Deployed two_lane version 2: 1 changed (Triage it)" in banner
    assert count(sessions) == 2 and count(sessions, Draft) == 0
    compared = owner.get("/definitions/two_lane/compare?a=1&b=2").get_data(as_text=True)
    assert "Triage it" in compared
    assert owner.get("/definitions/two_lane/compare.json?a=1&b=2").json == {"added": [], "changed": ["triage"]}


def test_validation_problems_come_back_with_element_ids_for_the_markers(owner):
    answer = owner.post("/definitions/drafts/validate",
                        json={"xml": TWO_LANE.replace('candidateGroups="intake"', 'candidateGroups="nobody"')})
    assert answer.status_code == 422 and not answer.json["ok"]
    [problem] = answer.json["problems"]
    assert problem["element_id"] == "triage" and problem["severity"] == "error" and problem["line"]


@pytest.mark.parametrize("name, xml, message, element", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_diagrams_are_refused_with_their_message_and_nothing_is_deployed(
        owner, sessions, name, xml, message, element):
    answer = owner.post("/definitions/drafts/deploy", json={"xml": xml, "note": "evil"})
    assert answer.status_code == 422 and not answer.json["ok"]
    assert any(message in p["message"] for p in answer.json["problems"]), answer.json
    if element:
        assert any(p["element_id"] == element for p in answer.json["problems"])
    validated = owner.post("/definitions/drafts/validate", json={"xml": xml})
    assert validated.status_code == 422 and any(message in p["message"] for p in validated.json["problems"])
    assert count(sessions) == 1 and count(sessions, ProcessInstance) == 0


@pytest.mark.parametrize("name, xml, message, element", HOSTILE[:3], ids=[h[0] for h in HOSTILE[:3]])
def test_hostile_uploads_are_refused_with_their_message(owner, sessions, name, xml, message, element):
    answer = owner.post("/definitions/upload", data={"file": (io.BytesIO(xml.encode()), "evil.bpmn")},
                        content_type="multipart/form-data")
    assert answer.status_code == 422 and message in answer.get_data(as_text=True)
    assert count(sessions, Draft) == 0 and count(sessions) == 1


def test_an_upload_becomes_a_draft_and_can_be_discarded(owner, sessions):
    answer = owner.post("/definitions/upload", data={"file": (io.BytesIO(TWO_LANE.encode()), "two_lane.bpmn")},
                        content_type="multipart/form-data")
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/definitions/two_lane/edit")
    with sessions() as s:
        draft_id = s.scalars(select(Draft.id)).one()
    assert owner.post(f"/definitions/drafts/{draft_id}/discard").status_code == 302
    assert count(sessions, Draft) == 0
    with sessions() as s:
        discarded = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "definition_draft_discarded")).one()
    assert discarded.detail["filename"].endswith("two_lane.bpmn") and discarded.actor == "olive"


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example/x",
                                    "/\\evil.example", "javascript:alert(1)"])
def test_discarding_a_draft_never_redirects_off_site(owner, sessions, target):
    owner.post("/definitions/upload", content_type="multipart/form-data",
               data={"file": (io.BytesIO(TWO_LANE.encode()), "two_lane.bpmn")})
    with sessions() as s:
        draft_id = s.scalars(select(Draft.id)).one()
    answer = owner.post(f"/definitions/drafts/{draft_id}/discard", data={"next": target})
    assert answer.status_code == 302
    assert answer.headers["Location"] in ("/definitions/", "http://localhost/definitions/")


def test_oversized_and_wrong_uploads_never_500(owner):
    big = owner.post("/definitions/drafts/save", json={"xml": "<a>" + "x" * (6 * 1024 * 1024) + "</a>"})
    assert big.status_code == 413
    text = owner.post("/definitions/upload", data={"file": (io.BytesIO(b"hello"), "notes.txt")},
                      content_type="multipart/form-data")
    assert text.status_code == 422
    binary = owner.post("/definitions/upload", data={"file": (io.BytesIO(b"\xff\xfe\x00<"), "x.bpmn")},
                        content_type="multipart/form-data")
    assert binary.status_code == 422
    assert owner.post("/definitions/drafts/save", data="not json").status_code == 400


def test_migrate_page_previews_and_moves_cases(owner, sessions, process_engine):
    from engine.actors import load_actor
    with sessions.begin() as s:
        case = process_engine.start(s, "two_lane", load_actor(s, "rex"), {})
        process_engine.deploy(s, {"two_lane.bpmn": TWO_LANE.replace("Triage the notification", "Triage").encode()}, "olive")
    preview = owner.get("/definitions/two_lane/migrate?to=2").get_data(as_text=True)
    assert "Can move" in preview
    refused = owner.post("/definitions/two_lane/migrate", data={"to": "2", "instance": [str(case.id)]})
    assert "only managers can move running cases" in refused.get_data(as_text=True)
    with sessions() as s:                                  # a process owner alone moves nothing
        assert s.get(ProcessInstance, case.id).definition.version == 1
    admin = signed_in(owner.application, sessions, "ada")
    moved = admin.post("/definitions/two_lane/migrate", data={"to": "2", "instance": [str(case.id)]})
    assert moved.status_code == 200 and "Moved" in moved.get_data(as_text=True)
    with sessions() as s:
        assert s.get(ProcessInstance, case.id).definition.version == 2


def test_dry_run_page_shows_path_tasks_and_refuses_bad_json(owner, sessions):
    ran = owner.post("/definitions/two_lane/dryrun", data={
        "source": "1", "start_at": "2025-01-06T09:00", "start_data": "{}", "steps": "10",
        "answers": '{"triage": {"route": "scr", "summary": "A fine summary"}}'})
    page = ran.get_data(as_text=True)
    assert ran.status_code == 200 and "finished" in page and "lscb-chair" in page
    bad = owner.post("/definitions/two_lane/dryrun", data={"source": "1", "answers": "{nope", "steps": "3"})
    assert bad.status_code == 422 and "JSON object" in bad.get_data(as_text=True)
    assert count(sessions, ProcessInstance) == 0


def test_csrf_is_required_for_the_editor_endpoints(app_factory, people_db, sessions):
    strict = app_factory(TESTING=True, RATELIMIT_ENABLED=False, SESSION_COOKIE_SECURE=False,
                         SECRET_KEY="test")
    client = strict.test_client()
    with sessions.begin() as s:
        people.set_password(s.scalars(select(User).where(User.name == "olive")).one(), PASSWORD)
    page = client.get("/login").get_data(as_text=True)
    import re
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "olive", "password": PASSWORD, "csrf_token": token})
    assert client.post("/definitions/drafts/validate", json={"xml": TWO_LANE}).status_code == 400
    edit = client.get("/definitions/two_lane/edit").get_data(as_text=True)
    header = re.search(r'data-csrf="([^"]+)"', edit).group(1)
    ok = client.post("/definitions/drafts/validate", json={"xml": TWO_LANE}, headers={"X-CSRFToken": header})
    assert ok.status_code == 200


def test_cli_api_and_browser_refuse_a_lint_error_with_the_same_messages(owner, sessions, db_url,
                                                                       monkeypatch):
    from web.cli import main
    from web.cli.context import dispose_all
    monkeypatch.setenv("LSCB_DATABASE_URL", db_url)
    cli = CliRunner().invoke(main, ["workflows", "deploy", str(REFUSED), "--json"])
    dispose_all()
    assert cli.exit_code == 1, cli.output
    problems = json.loads(cli.stdout)["error"]["problems"]
    assert {p["element_id"] for p in problems} == {"review", "stuck"}
    xml = REFUSED.read_text()
    api = owner.post("/definitions/drafts/deploy", json={"xml": xml, "note": "n"})
    assert api.status_code == 422 and api.json["problems"] == problems
    assert owner.post("/definitions/drafts/save", json={"xml": xml}).json["ok"]
    with sessions() as s:
        draft_id = s.scalars(select(Draft.id)).one()
    page = owner.post(f"/definitions/drafts/{draft_id}/deploy", data={"note": "n"},
                      follow_redirects=True)
    shown = html.unescape(page.get_data(as_text=True))
    assert "Not deployed" in shown
    for problem in problems:
        assert str(Problem(**problem)) in shown
    assert count(sessions) == 1


def test_dry_run_steps_through_each_task_with_its_own_form_and_simulates_service_steps(
        owner, sessions, deploy):
    with sessions.begin() as s:
        people.add_group(s, "business-unit", "Business Unit", "board")
    deploy("engine/service_step.bpmn")
    start = {"source": "1", "start_at": "2025-01-06T09:00", "start_data": "{}", "steps": "10"}
    first = owner.post("/definitions/service_step/dryrun", data={**start, "mode": "ask"}).get_data(as_text=True)
    assert "Step 1: Register the audit" in first and 'name="answer-audit_title"' in first
    assert 'value="dry run"' in first                     # a harmless default, to be changed
    refused = owner.post("/definitions/service_step/dryrun", data={
        **start, "mode": "ask", "answers": "{}", "answer_for": "register", "answer-audit_title": ""})
    assert refused.status_code == 422 and 'href="#answer-audit_title"' in refused.get_data(as_text=True)
    second = owner.post("/definitions/service_step/dryrun", data={
        **start, "mode": "ask", "answers": "{}", "answer_for": "register",
        "answer-audit_title": "Neglect audit", "answer-audit_kind": "case"}).get_data(as_text=True)
    assert "Step 2: Summarise the audit" in second and "review.open" in second
    assert "Neglect audit" in second and "unknown service operation" not in second
    assert count(sessions, ProcessInstance) == 0


def test_versions_drafts_and_dry_runs_give_uk_time_and_group_names(owner, sessions):
    from datetime import datetime, timezone
    late = datetime(2031, 6, 30, 23, 30, tzinfo=timezone.utc)                 # 12:30am BST
    with sessions.begin() as s:
        people.add_group(s, "intake", "Front door intake", "board")
        s.scalars(select(Definition)).one().deployed_at = late
    assert "1 July 2031 by" in owner.get("/definitions/").get_data(as_text=True)
    assert "1 July 2031, 12:30am" in owner.get("/definitions/two_lane").get_data(as_text=True)
    assert "Deployed 1 July 2031, 12:30am" in owner.get("/definitions/two_lane/view").get_data(as_text=True)
    assert owner.post("/definitions/drafts/save", json={"xml": TWO_LANE}).json["ok"]
    with sessions.begin() as s:
        s.scalars(select(Draft)).one().updated_at = late
    assert "last saved 1 July 2031, 12:30am" in owner.get("/definitions/two_lane/edit").get_data(as_text=True)
    assert "1 July 2031, 12:30am" in owner.get("/definitions/").get_data(as_text=True)
    start = {"source": "1", "start_at": "2031-06-30T09:00", "start_data": "{}", "steps": "10"}
    asking = owner.post("/definitions/two_lane/dryrun", data={**start, "mode": "ask"}).get_data(as_text=True)
    assert "Offered to Front door intake, due 7 July 2031, 9:00am" in asking    # not 08:00 UTC
    ran = owner.post("/definitions/two_lane/dryrun", data={
        **start, "answers": '{"triage": {"route": "scr", "summary": "A fine summary"}}'}).get_data(as_text=True)
    tasks = ran.split('id="dry-tasks"')[1].split("</table>")[0]
    assert "Front door intake" in tasks and "7 July 2031, 9:00am" in tasks
