import json
from pathlib import Path

import pytest

from engine import live
from engine.serialization import StateVersionError
from models import ProcessInstance


def test_state_from_another_serializer_version_is_refused_before_the_library_sees_it(
        sessions, engine, deploy, people_factory, tmp_path):
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    with sessions.begin() as s:
        record = engine.start(s, "two_lane", ivy)
    marker = tmp_path / "pwned"
    with sessions.begin() as s:
        row = s.get(ProcessInstance, record.id)
        # SpiffWorkflow's 1.1 -> 1.2 migration evals expressions found in the document
        state = json.loads(row.state_json)
        state["data"] = {"x": f"open({str(marker)!r}, 'w').write('x')"}
        row.state_json, row.serializer_version = json.dumps(state), "1.1"
    live.clear()
    with pytest.raises(StateVersionError), sessions.begin() as s:
        engine.complete(s, record.tasks[0].id, ivy, {"route": "close", "summary": "Closed"})
    assert not marker.exists()


def test_instance_state_holds_no_spec_and_stays_small(sessions, engine, deploy, people_factory):
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    with sessions.begin() as s:
        record = engine.start(s, "two_lane", ivy)
    with sessions() as s:
        state = json.loads(s.get(ProcessInstance, record.id).state_json)
    assert "spec" not in state and "subprocess_specs" not in state
    assert len(json.dumps(state)) < 15_000
