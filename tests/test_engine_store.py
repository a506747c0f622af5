import json
import re
from pathlib import Path

import pytest
from sqlalchemy import event, text

from engine import clock, live, store
from engine.actors import load_actor
from engine.serialization import StateVersionError
from models import ProcessInstance


def test_state_from_another_serializer_version_is_refused_before_the_library_sees_it(
        sessions, process_engine, deploy, people_factory, tmp_path):
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", ivy)
    marker = tmp_path / "pwned"
    with sessions.begin() as s:
        row = s.get(ProcessInstance, record.id)
        # SpiffWorkflow's 1.1 -> 1.2 migration evals expressions found in the document
        state = json.loads(row.state_json)
        state["data"] = {"x": f"open({str(marker)!r}, 'w').write('x')"}
        row.state_json, row.serializer_version = json.dumps(state), "1.1"
    live.clear()
    with pytest.raises(StateVersionError), sessions.begin() as s:
        process_engine.complete(s, record.tasks[0].id, ivy, {"route": "close", "summary": "Closed"})
    assert not marker.exists()


def test_instance_state_holds_no_spec_and_stays_small(sessions, process_engine, deploy, people_factory):
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", ivy)
    with sessions() as s:
        state = json.loads(s.get(ProcessInstance, record.id).state_json)
    assert "spec" not in state and "subprocess_specs" not in state
    assert len(json.dumps(state)) < 15_000


def test_plain_statement_writes_keep_row_objects_and_sql_nulls_right(
        sessions, process_engine, deploy, people_factory):
    """Commands write instance and task rows with plain statements (engine/store.py): the row
    objects in the session then hold what the database holds, version included, and an
    absent error or draft is SQL NULL (not the JSON text 'null')."""
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", ivy)
        task_id = record.tasks[0].id
        process_engine.save_draft(s, task_id, ivy, {"summary": "half way"})
    with sessions.begin() as s:
        process_engine.complete(s, task_id, ivy, {"route": "close", "summary": "Closed"})
        row = s.get(ProcessInstance, record.id)
        assert not s.dirty and row not in s.dirty
        held = (row.row_version, row.status, row.state_json)
    with sessions() as s:
        fresh = s.get(ProcessInstance, record.id)
        assert (fresh.row_version, fresh.status, fresh.state_json) == held
        nulls = s.execute(text(
            "select (select error is null from process_instance where id = :i), "
            "(select draft is null from human_task where id = :t)"),
            {"i": record.id, "t": task_id}).one()
    assert tuple(nulls) == (True, True)


def test_instance_update_sets_indexed_columns_only_when_they_change(
        sessions, db_engine, process_engine, deploy, people_factory):
    """SQLite rewrites the index entries of every column an UPDATE names, even to the same
    value: a command that leaves status, reference and timers alone must not name them, and
    one that changes them must still write them."""
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    people_factory("cara", groups=["lscb-chair"])
    updates = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "UPDATE process_instance" in statement:       # PostgreSQL: after the task writes
            updates.append(statement.split("UPDATE process_instance")[1].split(" WHERE ")[0])

    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", ivy)
    event.listen(db_engine, "before_cursor_execute", seen)
    try:
        with sessions.begin() as s:      # triage -> decide: the case stays active
            record = process_engine.complete(s, record.tasks[0].id, ivy,
                                     {"route": "scr", "summary": "Refer"})
        with sessions.begin() as s:      # decide -> done: the case completes
            process_engine.complete(s, record.tasks[0].id, load_actor(s, "cara"), {"scr_agreed": True})
    finally:
        event.remove(db_engine, "before_cursor_execute", seen)
    still_active, completing = updates
    assert "state_json" in still_active
    assert not any(f"{name}=" in still_active for name in ("status", "reference", "finished_at"))
    assert "status=" in completing and "finished_at=" in completing
    with sessions() as s:
        row = s.get(ProcessInstance, record.id)
        assert (row.status, row.finished_at is not None, row.reference) == (
            "completed", True, record.reference)


def test_commands_read_no_more_than_they_need_and_a_first_save_writes_every_projection(
        sessions, db_engine, process_engine, deploy, people_factory):
    """A start reads no task, timer or subscription rows (a new instance has none) yet writes
    its timers; a completion reads the instance, its open tasks and the board's closure days in
    one locking statement."""
    deploy("engine/timers.bpmn")
    sam = people_factory("sam", groups=["reviewers"])
    reads = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SELECT"):
            while re.search(r"\([^()]*\)", statement):       # the main FROM, not a subquery's
                statement = re.sub(r"\([^()]*\)", "", statement)
            reads.append(re.search(r"\bFROM\s+(\w+)", statement).group(1))

    event.listen(db_engine, "before_cursor_execute", seen)
    try:
        with sessions.begin() as s:
            record = process_engine.start(s, "timers", sam)
        starting = list(reads)
        with sessions() as s:
            timers = s.execute(text("select bpmn_id from pending_timer")).scalars().all()
        reads.clear()
        with sessions.begin() as s:
            process_engine.complete(s, record.tasks[0].id, sam, {})
        completing = list(reads)
    finally:
        event.remove(db_engine, "before_cursor_execute", seen)
    assert not {"human_task", "pending_timer", "message_subscription"} & set(starting)
    assert sorted(timers) == ["escalate_timer", "remind_timer"]
    assert [t for t in completing if t in ("process_instance", "human_task", "closure_day")] == [
        "process_instance"]


def test_save_returns_what_it_wrote_and_leaves_no_side_channel(
        sessions, process_engine, deploy, people_factory):
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", ivy)
        row = store.lock_instance(s, record.id)
        run = store.load_run(row, process_engine.script_engine, process_engine.calendar, clock.now(), s)
        loaded = store.projection(run)
        run.complete(record.tasks[0].id, {"route": "scr", "summary": "A summary", "children": "2"})
        saved = store.save(s, row, run, clock.now(), loaded=loaded)
        assert not hasattr(run, "projected")
        assert not any("projection" in key for key in s.info)
    assert [t.bpmn_id for t in saved.open_tasks] == ["decide"] and saved.created == saved.open_tasks
    assert saved.offered == {} and saved.timers == []
