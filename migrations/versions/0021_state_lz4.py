"""A case's state compressed with lz4 on PostgreSQL (issue 21 point 2)

``process_instance.state_json`` is compressed with lz4 instead of pglz when it is stored out of
line (``models.process.STATE_COMPRESSION_DDL``): each save compresses the state and each command
reads it back. Only the column's setting changes: no row is rewritten, values already there keep
pglz and read the same, and each is compressed with lz4 when next saved.

Revision ID: 0021_state_lz4
Revises: 0020_step_counts
"""
from alembic import op

from models.process import STATE_COMPRESSION_DDL

revision = "0021_state_lz4"
down_revision = "0020_step_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(STATE_COMPRESSION_DDL)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE process_instance ALTER COLUMN state_json SET COMPRESSION DEFAULT")
