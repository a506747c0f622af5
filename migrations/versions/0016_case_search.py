"""the cases list's text search reads a trigram index on PostgreSQL (issue 21 point 3)

``?q=RDG-2019`` matches ``lower(reference)`` or ``lower(title)`` containing the text: a scan of
the whole case table on ten years of a region (156 MB). A GIN index of trigrams over both
expressions (``pg_trgm``) answers the same query. PostgreSQL only: SQLite gets nothing. Where
the extension cannot be installed the index is left out and the log says so; the search still
answers, by a scan (models/text_search.py).

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
    if not install_trigrams(op.get_bind()):        # SQLite, or refused (logged)
        return
    op.create_index("ix_process_instance_search", "process_instance",
                    [sa.text("lower(reference) gin_trgm_ops"), sa.text("lower(title) gin_trgm_ops")],
                    postgresql_using="gin")
    op.execute("ANALYZE process_instance")          # the expressions' statistics, for the planner


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_process_instance_search")
