"""A per-user session generation: signing out, a password change, deactivation and an admin's
"sign out everywhere" end every session of the user.

Revision ID: 0002_sessions
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_sessions"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("session_generation", sa.Integer(), server_default="1",
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("session_generation")
