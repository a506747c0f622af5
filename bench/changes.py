"""Real, audited changes to a seeded database, written the way the engine writes them.

The dashboard memoizes on the newest audit event, and its figures come from the task
projection, so a *cold* sample must follow a change of the projection itself, not only a new
audit row. ``Changes`` cycles through the three kinds of change a manager's figures depend on:
a task is completed (and its case's next step opens), a case is cancelled (its open tasks are
cancelled), a new case starts. Each touches the instance row (``row_version``, ``updated_at``)
and appends an audit event in the same transaction, as ``engine/store.py`` does.
"""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, insert, select, update

from models import AuditEvent, HumanTask, ProcessInstance, TaskCandidate

NEXT_STEP = "rapid_review"      # a statutory step, so compliance changes too


class Changes:
    """Callable: each call commits one real change (complete, cancel, start, in turn)."""

    def __init__(self, db, pathway: str, definition_id: int = 1):
        self.db, self.pathway, self.definition_id = db, pathway, definition_id
        self.kinds = itertools.cycle([self.complete, self.cancel, self.start])
        self.counter = itertools.count(1)

    def __call__(self) -> str:
        kind = next(self.kinds)
        with self.db.begin() as conn:
            instance_id = kind(conn, datetime.now(timezone.utc))
            conn.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                         .values(row_version=ProcessInstance.row_version + 1,
                                 updated_at=datetime.now(timezone.utc)))
            conn.execute(insert(AuditEvent).values(
                action=f"bench.{kind.__name__}", instance_id=instance_id, detail={},
                at=datetime.now(timezone.utc)))
        return kind.__name__

    def _open_task(self, conn, **where):
        stmt = (select(HumanTask.id, HumanTask.instance_id).join(ProcessInstance)
                .where(HumanTask.status == "open", ProcessInstance.status == "active",
                       *[getattr(HumanTask, k) == v for k, v in where.items()])
                .order_by(HumanTask.id).limit(1))
        return conn.execute(stmt).first()

    def _close(self, conn, task_ids: list[str], status: str, now: datetime) -> None:
        conn.execute(update(HumanTask).where(HumanTask.id.in_(task_ids))
                     .values(status=status, completed_at=now,
                             completed_by="manager" if status == "completed" else None))
        conn.execute(delete(TaskCandidate).where(TaskCandidate.task_id.in_(task_ids)))

    def _add_task(self, conn, instance_id: int, bpmn_id: str, now: datetime) -> None:
        task_id = f"bench-{next(self.counter)}-{instance_id}"
        conn.execute(insert(HumanTask).values(
            id=task_id, instance_id=instance_id, process_id=self.pathway, bpmn_id=bpmn_id,
            title=bpmn_id.replace("_", " ").capitalize(), documentation="", lane=None,
            candidate_groups=["police"], candidate_users=[], status="open", created_at=now,
            due_at=now + timedelta(days=10), form={}, deadline_step=0, escalation_level=0))
        conn.execute(insert(TaskCandidate).values(task_id=task_id, group_slug="police",
                                                  due_at=now + timedelta(days=10),
                                                  process_id=self.pathway))

    def complete(self, conn, now: datetime) -> int:
        """Complete an open task of the pathway; the case's next (statutory) step opens."""
        task_id, instance_id = self._open_task(conn, process_id=self.pathway)
        self._close(conn, [task_id], "completed", now)
        self._add_task(conn, instance_id, NEXT_STEP, now)
        return instance_id

    def cancel(self, conn, now: datetime) -> int:
        """Cancel an active case of the pathway with its open tasks."""
        _, instance_id = self._open_task(conn, process_id=self.pathway)
        open_ids = list(conn.scalars(select(HumanTask.id).where(
            HumanTask.instance_id == instance_id, HumanTask.status == "open")))
        self._close(conn, open_ids, "cancelled", now)
        conn.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                     .values(status="cancelled", finished_at=now))
        return instance_id

    def start(self, conn, now: datetime) -> int:
        """Start a new case of the pathway at its first (statutory) step."""
        instance_id = conn.scalar(select(func.max(ProcessInstance.id))) + 1
        conn.execute(insert(ProcessInstance).values(
            id=instance_id, definition_id=self.definition_id, process_id=self.pathway,
            reference=f"BENCH-{instance_id}", title="Bench case", status="active",
            state_json="{}", serializer_version="1", data={}, started_at=now, updated_at=now,
            row_version=1))
        self._add_task(conn, instance_id, "take_immediate_action", now)
        return instance_id
