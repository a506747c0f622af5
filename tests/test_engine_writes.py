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


def test_who_to_tell_is_read_in_the_instance_update_and_agrees_with_a_read_of_its_own(
        sessions, db_engine, process_engine, deploy, people_factory):
    """``send_and_read``: the kept writes, the instance's UPDATE (its version check counted as
    ``written``) and the people read are one statement, and the people are those a read of its
    own finds; a read that finds nobody still counts the UPDATE."""
    from engine import notify
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    people_factory("olu", groups=["intake", "review"])
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", ivy)
    task_id = record.tasks[0].id
    wanted = ({"ivy", "nobody-of-that-name"}, {"intake", "review", "no-such-group"})
    sent = []
    with sessions.begin() as s:
        row = s.get(ProcessInstance, record.id)
        alone = notify.people_of(*wanted, s.connection().execute(
            notify.PEOPLE, notify.people_params(*wanted)))
        event.listen(db_engine, "before_cursor_execute", lambda *a: sent.append(a[2]))
        kept = Writes(s)
        kept.update(None, None, HumanTask.__table__.c.id, [task_id], {"priority": 7})
        where = {"id": row.id, "row_version": row.row_version}
        written, rows = kept.send_and_read(
            None, None, table=ProcessInstance.__table__, where=where,
            values={"title": "Renamed", "row_version": row.row_version + 1},
            read=notify.PEOPLE, read_params=notify.people_params(*wanted))
        together = notify.people_of(*wanted, rows)
        assert written == 1 and len(sent) == 1
        assert (together.users.keys(), together.members) == (alone.users.keys(), alone.members)
        assert together.members == {"intake": {"ivy", "olu"}, "review": {"olu"}}
        assert set(together.users) == {"ivy", "olu"}
        stale, rows = Writes(s).send_and_read(
            None, None, table=ProcessInstance.__table__, where=where, values={"title": "Lost"},
            read=notify.PEOPLE, read_params=notify.people_params({"nobody"}, set()))
        assert stale == 0 and notify.people_of({"nobody"}, set(), rows).users == {}
    with sessions() as s:
        assert s.get(HumanTask, task_id).priority == 7
        assert s.get(ProcessInstance, record.id).title == "Renamed"
