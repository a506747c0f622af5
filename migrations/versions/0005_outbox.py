"""outbox rows that gave up are parked

Revision ID: 0005_outbox
Revises: 0004_groups
Create Date: 2026-12-03 17:25:00

``failed`` now means "the last attempt failed, a retry is due at next_attempt_at"; rows that
had already given up (the old ``failed``) become ``parked``, so the drain does not retry them.
"""
from alembic import op


revision = '0005_outbox'
down_revision = '0004_groups'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("UPDATE email_outbox SET status = 'parked' WHERE status = 'failed'")


def downgrade() -> None:
    op.execute("UPDATE email_outbox SET status = 'pending' WHERE status = 'failed'")
    op.execute("UPDATE email_outbox SET status = 'failed' WHERE status = 'parked'")
