"""Ten years of a region: the indexes and the indexed copy its pages need (issue 21 point 3)

- ``process_instance.statutory_start``: the latest statutory start date in the case data, a
  generated column the database keeps in step with ``data`` (stored on PostgreSQL, virtual on
  SQLite), indexed: the dashboard's compliance over a period reads that period's cases only.
- ``ix_human_task_recent_steps``: time in each step over a period, from the index alone.
- ``ix_process_instance_started``: the cases list, newest first, a page at a time.

Revision ID: 0014_region_indexes
Revises: 0013_action_plans
"""
import sqlalchemy as sa
from alembic import op

from models.process import STATUTORY_START

revision = "0014_region_indexes"
down_revision = "0013_action_plans"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite adds a generated column to an existing table only as a virtual one; PostgreSQL
    # (before 18) only stores them.
    stored = op.get_bind().dialect.name != "sqlite"
    op.add_column("process_instance", sa.Column(
        "statutory_start", sa.Text(), sa.Computed(STATUTORY_START, persisted=stored),
        nullable=True))
    op.create_index("ix_process_instance_statutory_start", "process_instance",
                    ["statutory_start"])
    op.create_index("ix_process_instance_started", "process_instance", ["started_at", "id"])
    op.create_index("ix_human_task_recent_steps", "human_task",
                    ["process_id", "completed_at", "status", "bpmn_id", "created_at", "title"])


def downgrade() -> None:
    op.drop_index("ix_human_task_recent_steps", table_name="human_task")
    op.drop_index("ix_process_instance_started", table_name="process_instance")
    op.drop_index("ix_process_instance_statutory_start", table_name="process_instance")
    with op.batch_alter_table("process_instance") as batch:
        batch.drop_column("statutory_start")
