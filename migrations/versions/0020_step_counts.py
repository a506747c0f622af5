"""Time in each step over all years of a region: each step's count of completed tasks, kept by
PostgreSQL (issue 21 point 3)

``step_count`` (``models.task.StepCount``) and, on PostgreSQL, the triggers on ``human_task``
that keep it (``models.task.STEP_COUNT_DDL``), then the counts of the tasks already there. The
triggers come first: creating them locks the task table against writes until this commits, so
no completion falls between the count and the triggers. On SQLite the table stays empty
(step times are ranked in Python there).

Revision ID: 0020_step_counts
Revises: 0019_compliance_stamps
"""
import sqlalchemy as sa
from alembic import op

from models.task import STEP_COUNT_DDL, STEP_COUNT_FROM_TASKS

revision = "0020_step_counts"
down_revision = "0019_compliance_stamps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "step_count",
        sa.Column("process_id", sa.String(length=200), nullable=False),
        sa.Column("bpmn_id", sa.String(length=200), nullable=False),
        sa.Column("completed", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("process_id", "bpmn_id", name=op.f("pk_step_count")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    for sql in STEP_COUNT_DDL:
        op.execute(sql)
    op.execute(STEP_COUNT_FROM_TASKS)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for trigger in ("insert", "delete", "update", "truncate"):
            op.execute(f"DROP TRIGGER IF EXISTS step_count_{trigger} ON human_task")
        op.execute("DROP FUNCTION IF EXISTS step_count_follow()")
        op.execute("DROP FUNCTION IF EXISTS step_count_clear()")
    op.drop_table("step_count")
