"""The dashboard over all years of a region: a completed task's seconds in its step copied into
a column of its own, indexed in order within each step, and the unfinished cases indexed by
pathway (issue 21 point 3)

``human_task.step_seconds`` (``models.task.STEP_SECONDS``): a generated column the database keeps
in step with ``created_at``, ``completed_at`` and ``status`` (stored on PostgreSQL, virtual on
SQLite, which adds a generated column to an existing table only as a virtual one), and on
PostgreSQL the partial index ``ix_human_task_step_seconds`` that ``statistics.step_times`` reads
a step's median and 90th percentile from at their ranks; ``ix_process_instance_status_pathway``,
which ``statistics.open_by_pathway`` counts the unfinished cases of each pathway from.

Revision ID: 0018_dashboard_all_years
Revises: 0017_dashboard_summary
"""
import sqlalchemy as sa
from alembic import op

from models.task import STEP_SECONDS

revision = "0018_dashboard_all_years"
down_revision = "0017_dashboard_summary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_process_instance_status_pathway", "process_instance",
                    ["status", "process_id"])
    dialect = op.get_bind().dialect
    sql = str(STEP_SECONDS.computed.sqltext.compile(
        dialect=dialect, compile_kwargs={"literal_binds": True, "include_table": False}))
    if dialect.name == "sqlite":
        op.add_column("human_task", sa.Column("step_seconds", sa.Double(),
                                              sa.Computed(sql, persisted=False)))
        return
    # PostgreSQL stores it, rewriting the table (about 19 s for a region's 1,000,000 tasks)
    op.execute(f"ALTER TABLE human_task ADD COLUMN step_seconds DOUBLE PRECISION "
               f"GENERATED ALWAYS AS ({sql}) STORED")
    op.create_index("ix_human_task_step_seconds", "human_task",
                    ["process_id", "bpmn_id", "step_seconds"],
                    postgresql_where=sa.text("step_seconds IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_process_instance_status_pathway", table_name="process_instance")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_index("ix_human_task_step_seconds", table_name="human_task")
    op.drop_column("human_task", "step_seconds")
