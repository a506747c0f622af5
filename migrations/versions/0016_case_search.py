"""the cases list on ten years of a region: its text search and its deep pages (issue 21 point 3)

- ``ix_process_instance_search``: ``?q=RDG-2019`` matches ``lower(reference)`` or ``lower(title)``
  containing the text, a scan of the whole case table (156 MB) for a B-tree. A GIN index of
  trigrams over both expressions (``pg_trgm``) answers the same query. PostgreSQL only: SQLite
  gets nothing. Where the extension cannot be installed the index is left out and the log says
  so; the search still answers, by a scan (models/text_search.py).
- ``ix_process_instance_status_started`` gains ``id``: a page of one status, newest first, is
  found from the index alone (``reporting.instance_page`` reads the page's ids first).

Revision ID: 0016_case_search
Revises: 0015_cdop_backfill
"""
import sqlalchemy as sa
from alembic import op

from models.text_search import install_trigrams

revision = "0016_case_search"
down_revision = "0015_cdop_backfill"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_process_instance_status_started", table_name="process_instance")
    op.create_index("ix_process_instance_status_started", "process_instance",
                    ["status", "started_at", "id"])
    if not install_trigrams(op.get_bind()):        # SQLite, or refused (logged)
        return
    op.create_index("ix_process_instance_search", "process_instance",
                    [sa.text("lower(reference) gin_trgm_ops"), sa.text("lower(title) gin_trgm_ops")],
                    postgresql_using="gin")
    op.execute("ANALYZE process_instance")          # the expressions' statistics, for the planner


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_process_instance_search")
    op.drop_index("ix_process_instance_status_started", table_name="process_instance")
    op.create_index("ix_process_instance_status_started", "process_instance",
                    ["status", "started_at"])
