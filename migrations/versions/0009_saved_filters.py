"""saved_filter: worklist filters a person saved under a name

Revision ID: 0009_saved_filters
Revises: 0008_regime
"""
import sqlalchemy as sa
from alembic import op

import models

revision = "0009_saved_filters"
down_revision = "0008_regime"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_filter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("query", sa.String(length=1000), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filter")),
        sa.UniqueConstraint("user_name", "name", name=op.f("uq_saved_filter_user_name")),
    )


def downgrade() -> None:
    op.drop_table("saved_filter")
