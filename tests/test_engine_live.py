import pytest

from engine import live, store
from models.status import InstanceStatus


def test_a_committed_workflow_is_reused_and_a_rolled_back_one_never_is(
        sessions, process_engine, deploy, people_factory, monkeypatch):
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    people_factory("chris", groups=["lscb-chair"])     # the lane of the next task
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", ivy)
    loads = []
    real = store.state_from_json
    monkeypatch.setattr(store, "state_from_json", lambda *a: loads.append(1) or real(*a))

    with pytest.raises(RuntimeError), sessions.begin() as s:
        process_engine.complete(s, record.tasks[0].id, ivy, {"route": "scr", "summary": "First go"})
        raise RuntimeError("the request failed after the engine call")
    assert loads == []                          # the started workflow was live: reused
    with sessions.begin() as s:                 # the rolled-back change left nothing behind
        after = process_engine.complete(s, record.tasks[0].id, ivy,
                                {"route": "close", "summary": "Second go"})
    assert loads == [1] and after.status == "completed"


def test_a_row_changed_elsewhere_is_read_from_the_database(sessions, process_engine, deploy,
                                                           people_factory):
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", ivy)
    with sessions.begin() as s:              # another process rewrote the state meanwhile
        row = s.get(store.ProcessInstance, record.id)
        assert live.take(s, row.id, row.row_version, row.state_json + " ") is None
    with sessions.begin() as s:
        done = process_engine.complete(s, record.tasks[0].id, ivy, {"route": "close", "summary": "Fine!"})
    assert done.status == "completed"


def test_with_the_cache_off_every_command_restores_from_the_row(sessions, process_engine, deploy,
                                                                people_factory, monkeypatch):
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    loads = []
    real = store.state_from_json
    monkeypatch.setattr(store, "state_from_json", lambda *a: loads.append(1) or real(*a))
    previous = live.set_enabled(False)
    try:
        with sessions.begin() as s:
            record = process_engine.start(s, "two_lane", ivy)
        with sessions.begin() as s:
            done = process_engine.complete(s, record.tasks[0].id, ivy, {"route": "close", "summary": "Fine!"})
    finally:
        live.set_enabled(previous)
    assert loads == [1] and done.status == InstanceStatus.COMPLETED
