"""board_setting: named board settings an admin sets (the board's regime)

Revision ID: 0007_regime
Revises: 0006_token_messages
"""
import sqlalchemy as sa
from alembic import op

import models.base

revision = "0007_regime"
down_revision = "0006_token_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "board_setting",
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("changed_by", sa.String(length=80), nullable=True),
        sa.Column("changed_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_board_setting")),
    )


def downgrade() -> None:
    op.drop_table("board_setting")
