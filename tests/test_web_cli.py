import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from web.cli import main

DATA = Path(__file__).parent / "data"


@pytest.fixture
def lscb(db_url, monkeypatch):
    monkeypatch.setenv("LSCB_DATABASE_URL", db_url)
    runner = CliRunner()

    def run(*args, ok=True):
        result = runner.invoke(main, [*args, "--json"], catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output + result.stderr
        return result

    run("db", "upgrade")
    yield run
    from web.cli.context import dispose_all
    dispose_all()


def as_json(result):
    return json.loads(result.stdout)


def test_a_process_end_to_end_through_the_cli(lscb):
    lscb("groups", "add", "intake")
    lscb("groups", "add", "lscb-chair")
    lscb("users", "add", "ivy", "--password", "correct horse battery", "--group", "intake")
    lscb("users", "add", "chris", "--password", "correct horse battery", "--group", "lscb-chair")
    deployed = as_json(lscb("workflows", "deploy", str(DATA / "engine/two_lane.bpmn")))
    assert deployed["deployed"][0]["version"] == 1
    started = as_json(lscb("instances", "start", "two_lane", "--user", "ivy",
                           "--data", '{"case_title": "Child A"}'))
    assert started["status"] == "active"
    tasks = as_json(lscb("tasks", "list", "--group", "intake"))
    assert [t["bpmn_id"] for t in tasks] == ["triage"]
    assert set(tasks[0]) == {"id", "bpmn_id", "title", "lane", "candidate_groups", "assignee",
                             "due_at", "status", "instance_id", "unassignable_since"}
    lscb("tasks", "claim", tasks[0]["id"], "--user", "ivy")
    lscb("tasks", "complete", tasks[0]["id"], "--user", "ivy",
         "--data", '{"route": "scr", "summary": "Serious injury"}')
    shown = as_json(lscb("instances", "show", str(started["id"])))
    assert [t["bpmn_id"] for t in shown["tasks"]] == ["decide"]
    assert shown["tasks"][0]["candidate_groups"] == ["lscb-chair"]


def test_the_cli_starts_a_case_as_the_named_user_under_the_same_permission(lscb):
    lscb("groups", "add", "intake")
    lscb("groups", "add", "police")
    lscb("groups", "add", "lscb-chair")
    lscb("users", "add", "pat", "--password", "correct horse battery", "--group", "police")
    lscb("workflows", "deploy", str(DATA / "engine/two_lane.bpmn"))
    refused = lscb("instances", "start", "two_lane", "--user", "pat", ok=False)
    assert refused.exit_code != 0
    assert "you may not start Two lane approval: it is started by intake" in refused.output


def test_timers_fire_at_a_given_now(lscb):
    lscb("groups", "add", "reviewers")
    lscb("groups", "add", "leads")
    lscb("users", "add", "sys", "--password", "correct horse battery", "--role", "admin")
    lscb("workflows", "deploy", str(DATA / "engine/timers.bpmn"))
    started = as_json(lscb("instances", "start", "timers", "--user", "sys"))
    shown = as_json(lscb("instances", "show", str(started["id"])))
    remind = min(t["due_at"] for t in shown["timers"])
    assert as_json(lscb("timers", "fire", "--now", "2000-01-01T00:00:00Z")) == {"fired": 0}
    later = remind.replace("+00:00", "Z")
    assert as_json(lscb("timers", "fire", "--now", later)) == {"fired": 0}   # due, not past
    from datetime import datetime, timedelta
    after = (datetime.fromisoformat(remind) + timedelta(seconds=1)).isoformat()
    assert as_json(lscb("timers", "fire", "--now", after)) == {"fired": 1}


def test_messages_start_and_correlate_through_the_cli(lscb):
    lscb("groups", "add", "lscb-chair")
    lscb("workflows", "deploy", str(DATA / "engine/receiver.bpmn"))
    first = as_json(lscb("messages", "send", "scr_referral", "--data",
                         '{"case_ref": "C-7", "reason": "death"}'))
    assert len(first["instances"]) == 1
    again = as_json(lscb("messages", "send", "scr_update", "--data", '{"case_ref": "C-7"}'))
    assert again["instances"] == first["instances"]


@pytest.mark.parametrize("args, reason", [
    (["instances", "start", "nope", "--user", "sys"], "process nope not found"),
    (["instances", "start", "timers", "--user", "sys", "--data", "{bad"], "--data is not valid JSON"),
    (["instances", "start", "timers", "--user", "sys", "--data", "[1]"], "must be a JSON object"),
    (["instances", "show", "999"], "instance 999 not found"),
    (["tasks", "complete", "0000", "--user", "sys", "--data", "{}"], "task 0000 not found"),
    (["timers", "fire", "--now", "yesterday"], "not an ISO-8601"),
    (["users", "add", "x", "--password", "short"], "at least 10 characters"),
])
def test_failures_exit_non_zero_with_one_line_reason(lscb, args, reason):
    lscb("groups", "add", "reviewers")
    lscb("groups", "add", "leads")
    lscb("users", "add", "sys", "--password", "correct horse battery", "--role", "admin")
    lscb("workflows", "deploy", str(DATA / "engine/timers.bpmn"))
    result = lscb(*args, ok=False)
    assert result.exit_code == 1
    assert reason in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "error" in json.loads(result.stdout)


def test_invalid_diagram_is_not_deployed_and_names_file_line_element(lscb, tmp_path):
    lscb("groups", "add", "intake")
    lscb("groups", "add", "lscb-chair")
    bad = (DATA / "engine/two_lane.bpmn").read_text().replace(
        "route == 'scr'", "route == 'scr")
    path = tmp_path / "two_lane.bpmn"
    path.write_text(bad)
    result = lscb("workflows", "deploy", str(path), ok=False)
    problem = json.loads(result.stdout)["error"]["problems"][0]
    assert problem["file"] == "two_lane.bpmn" and problem["element_id"] == "f_scr"
    assert problem["line"] == bad.splitlines().index(
        next(l for l in bad.splitlines() if "route == 'scr<" in l)) + 1
    assert result.exit_code == 1
    assert lscb("instances", "start", "two_lane", "--user", "x", ok=False).exit_code == 1


def test_deploy_refuses_what_lint_refuses_with_every_problem(lscb):
    lscb("groups", "add", "intake")
    result = lscb("workflows", "deploy", str(DATA / "definitions/lint_refused.bpmn"), ok=False)
    assert result.exit_code == 1
    problems = json.loads(result.stdout)["error"]["problems"]
    assert {(p["element_id"], p["line"]) for p in problems} == {("review", 6), ("stuck", 9)}
    assert "ghost-panel" in result.stderr and "dead end" in result.stderr
    assert lscb("instances", "start", "lint_refused", "--user", "x", ok=False).exit_code == 1


def test_validate_prints_every_problem_with_file_line_and_element(lscb):
    from engine.definitions import read_paths
    from engine.errors import DefinitionError
    from engine.definitions import parse_definitions
    path = DATA / "defs/bad/expressions.bpmn"
    with pytest.raises(DefinitionError) as expected:
        parse_definitions(read_paths([path]))
    result = CliRunner().invoke(main, ["workflows", "validate", str(path)])
    assert result.exit_code == 1
    assert "more problems" not in result.stderr
    for problem in expected.value.problems:
        assert str(problem) in result.stderr
    assert len(expected.value.problems) > 20


def test_validate_reports_lint_errors_as_deploy_does(lscb):
    lscb("groups", "add", "intake")
    path = str(DATA / "definitions/lint_refused.bpmn")
    validated = lscb("workflows", "validate", path, ok=False)
    deployed = lscb("workflows", "deploy", path, ok=False)
    assert json.loads(validated.stdout)["error"]["problems"] == \
        json.loads(deployed.stdout)["error"]["problems"]
    assert validated.stderr == deployed.stderr


def test_group_names_are_case_insensitive_in_every_command(lscb):
    assert as_json(lscb("groups", "add", "Police", "--kind", "agency"))["slug"] == "police"
    lscb("groups", "add", "lscb-chair")
    user = as_json(lscb("users", "add", "pat", "--password", "correct horse battery",
                        "--group", "Police", "--lead", "POLICE"))
    assert user["groups"] == ["police"]
    deployed = lscb("workflows", "deploy", str(DATA / "engine/two_lane.bpmn"), ok=False)
    assert deployed.exit_code != 0 and "'intake' does not exist" in deployed.stderr
    lscb("groups", "add", "Intake")
    lscb("users", "add", "ivy", "--password", "correct horse battery", "--group", "INTAKE")
    lscb("workflows", "deploy", str(DATA / "engine/two_lane.bpmn"))
    lscb("instances", "start", "two_lane", "--user", "ivy")
    assert len(as_json(lscb("tasks", "list", "--group", "Intake"))) == 1


def test_groups_are_listed_and_renamed(lscb):
    lscb("groups", "add", "police", "--title", "Police", "--kind", "agency")
    lscb("groups", "add", "lisg", "--title", "LISG")
    listed = as_json(lscb("groups", "list"))
    assert listed == [{"slug": "lisg", "title": "LISG", "kind": "board"},
                      {"slug": "police", "title": "Police", "kind": "agency"}]
    assert [g["slug"] for g in as_json(lscb("groups", "list", "--kind", "agency"))] == ["police"]
    renamed = as_json(lscb("groups", "rename", "POLICE", "Thames Valley Police"))
    assert renamed == {"slug": "police", "title": "Thames Valley Police", "kind": "agency"}
    text = CliRunner().invoke(main, ["groups", "list"]).stdout
    assert "police  agency  Thames Valley Police" in text
    missing = lscb("groups", "rename", "nobody", "Nobody", ok=False)
    assert missing.exit_code != 0 and "nobody" in missing.stderr
