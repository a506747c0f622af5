from pathlib import Path

import pytest
from sqlalchemy import select

from engine.actors import load_actor
from models import HumanTask
from test_web_cli import as_json, lscb  # noqa: F401
from web_support import app, client, login, token_for, world  # noqa: F401

DATA = Path(__file__).parent / "data"


@pytest.fixture
def stuck(world, deploy, sessions, process_engine):
    """A case whose agency report asks for a group that does not exist."""
    deploy("engine/mi_agencies.bpmn")
    with sessions.begin() as session:
        record = process_engine.start(session, "mi_agencies", load_actor(session, "mia"),
                                      {"agencies": ["nowhere"]}, reference="STUCK-1")
    return {"instance_id": record.id, "task_id": record.tasks[0].id}


def test_cli_lists_the_tasks_nobody_can_act_on(lscb):  # noqa: F811
    lscb("groups", "add", "police")
    lscb("groups", "add", "health")
    lscb("users", "add", "pat", "--password", "correct horse battery", "--group", "police")
    lscb("users", "add", "mia", "--password", "correct horse battery", "--role", "manager")
    lscb("workflows", "deploy", str(DATA / "engine/mi_agencies.bpmn"))
    lscb("instances", "start", "mi_agencies", "--user", "mia", "--reference", "CLI-1",
         "--data", '{"agencies": ["police", "nowhere"]}')
    listed = as_json(lscb("tasks", "list", "--unassignable"))
    assert [t["candidate_groups"] for t in listed] == [["nowhere"]]
    assert listed[0]["unassignable_since"] is not None
    assert len(as_json(lscb("tasks", "list"))) == 2
    lscb("users", "add", "pat", "--password", "correct horse battery", "--group", "health")
    listed = as_json(lscb("tasks", "list", "--unassignable"))
    assert sorted(t["candidate_groups"][0] for t in listed) == ["nowhere", "police"]


def test_api_lists_them_for_managers_only(client, stuck, sessions):
    mia, ann = token_for(sessions, "mia"), token_for(sessions, "ann")
    listed = client.get("/api/v1/tasks/unassignable", headers={"Authorization": f"Bearer {mia}"})
    assert listed.status_code == 200
    assert [t["id"] for t in listed.json["tasks"]] == [stuck["task_id"]]
    assert listed.json["tasks"][0]["unassignable_since"]
    refused = client.get("/api/v1/tasks/unassignable", headers={"Authorization": f"Bearer {ann}"})
    assert refused.status_code == 403
    assert "/tasks/unassignable" in client.get("/api/v1/openapi.json").json["paths"]


def test_deadlines_page_marks_them_and_the_dashboard_counts_them(client, stuck):
    login(client, "mia")
    page = client.get("/deadlines/").get_data(as_text=True)
    section = page.split('id="unassignable"')[1].split("</ul>")[0]
    assert "STUCK-1" in section and "nowhere" in section
    assert f'/instances/{stuck["instance_id"]}' in section
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'id="unassignable-count"' in dashboard
    assert dashboard.split('id="unassignable-count"')[1].split("<")[0].strip(">").strip() == "1"


def test_a_manager_reassigns_it_to_a_group_from_the_case_page(client, stuck, sessions):
    login(client, "mia")
    case = client.get(f"/instances/{stuck['instance_id']}").get_data(as_text=True)
    assert "Nobody can act on this task" in case
    assert '<option value="police">' in case                 # the real groups are offered
    url = f"/instances/{stuck['instance_id']}/tasks/{stuck['task_id']}/reassign"
    refused = client.post(url, data={"group": "police", "reason": ""})
    assert refused.status_code == 422
    with sessions() as s:
        assert s.get(HumanTask, stuck["task_id"]).candidate_groups == ["nowhere"]
    done = client.post(url, data={"group": "police", "reason": "Police hold this case"},
                       follow_redirects=True)
    assert "now with police" in done.get_data(as_text=True)
    timeline = done.get_data(as_text=True).split('class="app-timeline"', 1)[1]
    assert "Nobody can act on a task: Agency report (nowhere)" in timeline
    assert "Asked for nowhere" in timeline
    assert "From the group nowhere to the group police: Police hold this case" in timeline
    with sessions() as s:
        task = s.get(HumanTask, stuck["task_id"])
        assert task.candidate_groups == ["police"] and task.unassignable_since is None
        assert [c.group_slug for c in task.candidates] == ["police"]
    login(client, "bob")                                      # police: on his worklist now
    assert stuck["task_id"] in client.get("/tasks").get_data(as_text=True)
