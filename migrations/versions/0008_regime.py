"""board_setting: named board settings an admin sets (the board's regime)

Revision ID: 0008_regime
Revises: 0007_starters
"""
import sqlalchemy as sa
from alembic import op

import models.base

revision = "0008_regime"
down_revision = "0007_starters"
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
