"""Incidents in the web app, the API and the CLI: retries that fail again, corrections of case
data, batch retry/cancel, input that cannot be stored (issue 15 §3)."""
import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from engine.actors import load_actor
from models import AuditEvent, ProcessInstance
from web_support import app, client, login, token_for, world  # noqa: F401


@pytest.fixture
def incidents(world, deploy, sessions, process_engine):
    """Two cases of 'divide' whose step failed on a zero divisor (incidents)."""
    deploy("incidents/divide.bpmn")
    ids = []
    for _ in range(2):
        with sessions.begin() as s:
            record = process_engine.start(s, "divide", load_actor(s, "ann"))
            process_engine.complete(s, record.tasks[0].id, load_actor(s, "ann"),
                                    {"divisor": 0, "kind": "plain"})
        ids.append(record.id)
    return ids


def status(sessions, iid):
    with sessions() as s:
        return s.get(ProcessInstance, iid).status


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_retry_from_the_case_page_that_fails_again_says_so_and_the_incident_stays(
        client, incidents, sessions):
    login(client, "mia")
    page = client.post(f"/instances/{incidents[0]}/retry", data={"reason": "try again"},
                       follow_redirects=True).text
    assert "The failed step was run again</h3>" not in page
    assert "still an incident" in page and "run again and failed again" in page and "ZeroDivisionError" in page
    assert status(sessions, incidents[0]) == "incident"
    assert f'/instances/{incidents[0]}"' in client.get("/deadlines/").text
    page = client.post(f"/deadlines/incidents/{incidents[0]}/retry",
                       follow_redirects=True).text
    assert "still an incident" in page and status(sessions, incidents[0]) == "incident"


def test_managers_correct_case_data_on_the_case_page_then_the_retry_succeeds(
        client, incidents, sessions):
    iid = incidents[0]
    login(client, "mia")
    assert "Correct the case data" in client.get(f"/instances/{iid}").text
    page = client.post(f"/instances/{iid}/data", data={"data": "not json", "reason": "x"},
                       follow_redirects=True).text
    assert "as a JSON object" in page
    page = client.post(f"/instances/{iid}/data", data={"data": '{"divisor": 4}',
                                                       "reason": "typed 0 by mistake"},
                       follow_redirects=True).text
    assert "Case data corrected" in page
    client.post(f"/instances/{iid}/retry", data={"reason": "divisor fixed"})
    assert status(sessions, iid) == "active"
    with sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.instance_id == iid,
                                                   AuditEvent.action == "instance_data_changed")).one()
    assert event.detail == {"before": {"divisor": 0}, "after": {"divisor": 4},
                            "reason": "typed 0 by mistake"}
    client.post("/logout")
    login(client, "ann")
    assert client.post(f"/instances/{iid}/data", data={"data": '{"divisor": 1}',
                                                       "reason": "x"}).status_code == 403


def test_batch_retry_and_cancel_of_selected_incidents_with_one_reason(
        client, incidents, sessions):
    login(client, "mia")
    page = client.get("/deadlines/").text
    assert 'id="incident-batch"' in page
    page = client.post("/deadlines/incidents/batch", data={
        "instance_id": [str(i) for i in incidents], "action": "retry", "reason": "calendar back"},
        follow_redirects=True).text
    assert page.count("still an incident") == 2
    assert client.post("/deadlines/incidents/batch", data={
        "instance_id": [str(i) for i in incidents], "action": "cancel", "reason": ""},
        follow_redirects=True).status_code == 200
    assert {status(sessions, i) for i in incidents} == {"incident"}      # no reason: nothing
    client.post("/deadlines/incidents/batch", data={
        "instance_id": [str(i) for i in incidents], "action": "cancel",
        "reason": "duplicate referrals"})
    assert {status(sessions, i) for i in incidents} == {"cancelled"}
    with sessions() as s:
        reasons = s.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "instance_cancelled")).all()
    assert [r["reason"] for r in reasons] == ["duplicate referrals"] * 2


def test_the_api_corrects_case_data_for_managers_only(client, incidents, sessions):
    iid = incidents[0]
    ann, mia = token_for(sessions, "ann"), token_for(sessions, "mia")
    url = f"/api/v1/instances/{iid}/data"
    assert client.post(url, headers=bearer(ann), json={"data": {"divisor": 2},
                                                       "reason": "x"}).status_code == 403
    refused = client.post(url, headers=bearer(mia), json={"data": {"divisor": 2}})
    assert refused.status_code == 400
    done = client.post(url, headers=bearer(mia), json={"data": {"divisor": 2}, "reason": "fix"})
    assert done.status_code == 200 and done.json["data"]["divisor"] == 2


@pytest.mark.parametrize("raw, field", [
    ('{"process_id": "divide", "data": {"ratio": NaN}}', "ratio"),
    ('{"process_id": "divide", "data": {"count": 100000000000000000000000}}', "count"),
    ('{"process_id": "divide", "data": {"deep": ' + "[" * 1000 + "]" * 1000 + "}}", "deep"),
    ('{"process_id": "divide", "data": {"deep": ' + "[" * 100 + "]" * 100 + "}}", "deep")])
def test_starting_through_the_api_with_data_that_cannot_be_stored_is_a_400_naming_the_field(
        client, incidents, sessions, raw, field):
    response = client.post("/api/v1/instances", headers={
        **bearer(token_for(sessions, "ann")), "Content-Type": "application/json"}, data=raw)
    assert response.status_code == 400, response.text
    assert field in response.json["error"]["message"]


@pytest.fixture
def lscb(db_url, monkeypatch):
    monkeypatch.setenv("LSCB_DATABASE_URL", db_url)
    runner = CliRunner()
    yield lambda *args: runner.invoke(main_cli(), [*args], catch_exceptions=False)
    from web.cli.context import dispose_all
    dispose_all()


def main_cli():
    from web.cli import main
    return main


def test_the_cli_retry_exits_non_zero_saying_why_and_set_data_then_retry_succeeds(
        lscb, incidents, sessions):
    iid = incidents[0]
    failed = lscb("incidents", "retry", str(iid))
    assert failed.exit_code == 1
    assert "still an incident" in failed.stderr and "ZeroDivisionError" in failed.stderr
    assert status(sessions, iid) == "incident"
    refused = lscb("instances", "set-data", str(iid), "--data", '{"divisor": 5}',
                   "--reason", "fix", "--user", "ann")
    assert refused.exit_code == 1 and "only managers" in refused.stderr
    corrected = lscb("instances", "set-data", str(iid), "--data", '{"divisor": 5}',
                     "--reason", "typed 0 by mistake", "--user", "mia", "--json")
    assert corrected.exit_code == 0 and json.loads(corrected.stdout)["data"]["divisor"] == 5
    retried = lscb("incidents", "retry", str(iid), "--json")
    assert retried.exit_code == 0 and json.loads(retried.stdout)["status"] == "active"
    cancelled = lscb("incidents", "cancel", str(incidents[1]), "--user", "mia",
                     "--reason", "duplicate")
    assert cancelled.exit_code == 0 and status(sessions, incidents[1]) == "cancelled"
