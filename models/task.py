"""Human tasks: the indexed projection of READY user tasks that worklists query."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (DDL, JSON, Column, Computed, Double, ForeignKey, Index, Integer, String,
                        Text, and_, case, event, literal)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UTCDateTime, seconds_between, utcnow
from .status import TaskStatus


class HumanTask(Base):
    """One user task of one instance; ``id`` is the engine's task id (stable across saves)."""

    __tablename__ = "human_task"
    __table_args__ = (
        Index("ix_human_task_status_due", "status", "due_at"),
        Index("ix_human_task_assignee_status", "assignee", "status", "due_at"),
        Index("ix_human_task_instance_status", "instance_id", "status"),
        Index("ix_human_task_next_deadline", "next_deadline_at"),
        Index("ix_human_task_unassignable", "unassignable_since"),   # nearly all NULL: small
        # Covering indexes of the managers' dashboard (models/statistics.py, compliance.py): each
        # query reads an index alone instead of visiting 100,000 task rows.
        Index("ix_human_task_pathway_step", "process_id", "bpmn_id", "status", "title",
              "created_at", "completed_at"),                      # time in each step
        Index("ix_human_task_status_step", "status", "process_id", "bpmn_id", "instance_id",
              "title"),                                            # open reviews by stage
        Index("ix_human_task_step_moments", "bpmn_id", "instance_id", "status", "created_at",
              "completed_at"),                                     # statutory compliance
        Index("ix_human_task_recent_steps", "process_id", "completed_at", "status", "bpmn_id",
              "created_at", "title"),                    # time in each step, over a period
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id", ondelete="CASCADE"))
    process_id: Mapped[str] = mapped_column(String(200))
    bpmn_id: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(300))
    lane: Mapped[str | None] = mapped_column(String(200))
    assignee: Mapped[str | None] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(20))
    priority: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[str | None] = mapped_column(String(80))
    # Deadline watcher (engine/deadlines.py): when its next reminder/escalation step is due,
    # how many steps of the plan are done, and the ladder rung reached (0 = not escalated).
    next_deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_step: Mapped[int] = mapped_column(Integer, default=0)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # Since when no active person can act on the open task (engine/unassignable.py): its
    # assignee, candidate users and groups' members are all missing or deactivated.
    unassignable_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Wide values last: on SQLite, columns stored after a long value are read through its
    # overflow pages, so every narrow column comes first.
    candidate_groups: Mapped[list] = mapped_column(JSON, default=list)
    candidate_users: Mapped[list] = mapped_column(JSON, default=list)
    form: Mapped[dict] = mapped_column(JSON, default=dict)
    draft: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))     # None: SQL NULL
    documentation: Mapped[str] = mapped_column(Text, default="")

    candidates: Mapped[list[TaskCandidate]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, back_populates="task")

    # ``step_seconds`` (below) is the database's: never written, nor read back after a write.
    __mapper_args__ = {"exclude_properties": ["step_seconds"]}


# Seconds a completed task spent in its step (``completed_at - created_at``; NULL for an open or
# cancelled task): a copy the database keeps, stored on PostgreSQL (virtual on SQLite, where a
# migration adds it) and indexed there in order within each step, so ``statistics.step_times``
# reads a step's median and 90th percentile at their ranks instead of sorting ten years of its
# tasks.
_done = and_(HumanTask.__table__.c.status == literal(TaskStatus.COMPLETED.value),
             HumanTask.__table__.c.completed_at.is_not(None))
STEP_SECONDS = Column("step_seconds", Double, Computed(case((_done, seconds_between(
    HumanTask.__table__.c.created_at, HumanTask.__table__.c.completed_at))), persisted=True),
    nullable=True)
HumanTask.__table__.append_column(STEP_SECONDS)
Index("ix_human_task_step_seconds", HumanTask.__table__.c.process_id,
      HumanTask.__table__.c.bpmn_id, STEP_SECONDS,
      postgresql_where=STEP_SECONDS.is_not(None)).ddl_if(dialect="postgresql")


class StepCount(Base):
    """How many completed tasks (``step_seconds`` set) each step of each pathway has: kept by
    PostgreSQL itself, triggers on ``human_task`` following every write, whoever makes it, so
    ``statistics.step_times`` finds a step's count over all years here instead of counting ten
    years of its tasks. A step's row is locked from a completion of it until that commits.
    Empty on SQLite, where step times are ranked in Python."""

    __tablename__ = "step_count"

    process_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    bpmn_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    completed: Mapped[int] = mapped_column(Integer, default=0)


# The triggers that keep ``step_count`` (PostgreSQL): a task counted before a write is taken off
# its step's count, one counted after it is added to its step's; one that stays counted in the
# same step fires nothing. TRUNCATE empties the counts.
STEP_COUNT_DDL = [
    """CREATE OR REPLACE FUNCTION step_count_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.step_seconds IS NOT NULL THEN
        UPDATE step_count SET completed = completed - 1
        WHERE process_id = OLD.process_id AND bpmn_id = OLD.bpmn_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.step_seconds IS NOT NULL THEN
        INSERT INTO step_count (process_id, bpmn_id, completed)
        VALUES (NEW.process_id, NEW.bpmn_id, 1)
        ON CONFLICT (process_id, bpmn_id) DO UPDATE SET completed = step_count.completed + 1;
    END IF;
    RETURN NULL;
END
$$""",
    """CREATE OR REPLACE FUNCTION step_count_clear() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM step_count;
    RETURN NULL;
END
$$""",
    """CREATE TRIGGER step_count_insert AFTER INSERT ON human_task FOR EACH ROW
WHEN (NEW.step_seconds IS NOT NULL) EXECUTE FUNCTION step_count_follow()""",
    """CREATE TRIGGER step_count_delete AFTER DELETE ON human_task FOR EACH ROW
WHEN (OLD.step_seconds IS NOT NULL) EXECUTE FUNCTION step_count_follow()""",
    """CREATE TRIGGER step_count_update AFTER UPDATE ON human_task FOR EACH ROW
WHEN ((OLD.step_seconds IS NULL) <> (NEW.step_seconds IS NULL) OR (NEW.step_seconds IS NOT NULL
      AND (OLD.process_id <> NEW.process_id OR OLD.bpmn_id <> NEW.bpmn_id)))
EXECUTE FUNCTION step_count_follow()""",
    """CREATE TRIGGER step_count_truncate AFTER TRUNCATE ON human_task FOR EACH STATEMENT
EXECUTE FUNCTION step_count_clear()""",
]
# Every step's count from the task rows themselves: migration 0020 fills the table with it, and a
# bulk load (bench/decade_seed.py), which writes its tasks with the row triggers off (a million
# rows in one transaction would update the same few counts over and over), counts once after.
STEP_COUNT_FROM_TASKS = ("INSERT INTO step_count (process_id, bpmn_id, completed) "
                         "SELECT process_id, bpmn_id, count(*) FROM human_task "
                         "WHERE step_seconds IS NOT NULL GROUP BY process_id, bpmn_id")
StepCount.__table__.add_is_dependent_on(HumanTask.__table__)   # made after it, dropped before
for _sql in STEP_COUNT_DDL:      # once both tables exist
    event.listen(StepCount.__table__, "after_create", DDL(_sql).execute_if(dialect="postgresql"))


class TaskCandidate(Base):
    """One candidate group of an open task: the worklist's rows, indexed by group.

    Rows exist only while the task is open. ``assignee``, ``due_at`` and ``process_id`` are
    copies of the task's (kept in step by ``engine/task_rows.py``, the one writer of task rows),
    so a group's queue is read, sorted, paged and counted from ``ix_task_candidate_queue``
    alone, without touching ``human_task``.
    """

    __tablename__ = "task_candidate"
    __table_args__ = (
        Index("ix_task_candidate_group_task", "group_slug", "task_id"),
        Index("ix_task_candidate_queue", "group_slug", "assignee", "due_at", "task_id",
              "process_id"),
    )

    task_id: Mapped[str] = mapped_column(ForeignKey("human_task.id", ondelete="CASCADE"),
                                         primary_key=True)
    group_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    assignee: Mapped[str | None] = mapped_column(String(80))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    process_id: Mapped[str | None] = mapped_column(String(200))

    task: Mapped[HumanTask] = relationship(back_populates="candidates")
