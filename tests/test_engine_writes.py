"""Writes kept for the statement that ends them (engine/writes.py): on PostgreSQL one statement,
with the same rows, order and version check as one statement each."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import event, select

from engine import writes
from engine.writes import Writes
from models import AuditEvent, HumanTask, ProcessInstance

pytestmark = pytest.mark.postgres


def test_kept_writes_go_with_the_instance_update_and_change_only_their_own_rows(
        sessions, db_engine, process_engine, deploy, people_factory):
    """The instance's UPDATE names ``title`` and ``status``, as human_task's columns are
    named: the task UPDATE kept with it must still set only what it was given."""
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", ivy)
    task_id = record.tasks[0].id
    sent = []
    with sessions.begin() as s:
        row = s.get(ProcessInstance, record.id)
        event.listen(db_engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
        kept = Writes(s)
        table = HumanTask.__table__
        kept.update(None, None, table.c.id, [task_id], {"priority": 7})
        result = kept.send(table=ProcessInstance.__table__,
                           where={"id": row.id, "row_version": row.row_version},
                           values={"title": "Renamed", "status": "active",
                                   "row_version": row.row_version + 1})
        assert result.rowcount == 1
        stale = Writes(s)
        stale.update(None, None, table.c.id, [task_id], {"priority": 9})
        assert stale.send(table=ProcessInstance.__table__,
                          where={"id": row.id, "row_version": row.row_version},
                          values={"title": "Lost"}).rowcount == 0     # the version check holds
    assert len(sent) == 2
    with sessions() as s:
        task = s.get(HumanTask, task_id)
        assert (task.priority, task.title, task.status) == (9, record.tasks[0].title, "open")
        assert s.get(ProcessInstance, record.id).title == "Renamed"


def test_a_big_write_goes_on_its_own_after_those_kept_before_it(sessions):
    rows = [dict(at=datetime(2026, 12, 7, tzinfo=timezone.utc), actor="a", action=f"step {n}",
                 instance_id=None, task_id=None, bpmn_id=None, detail={"n": n})
            for n in range(writes.MAX_ROWS + 5)]
    with sessions.begin() as s:
        kept = Writes(s)
        kept.insert(AuditEvent.__table__.insert(), rows[:2])
        kept.insert(AuditEvent.__table__.insert(), rows[2:])      # sends both
        assert kept.send() is None
    with sessions() as s:
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == [r["action"] for r in rows]
