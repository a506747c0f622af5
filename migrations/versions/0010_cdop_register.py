"""child_death and cdop_themed_report: the CDOP register and its themed reports

Revision ID: 0010_cdop_register
Revises: 0009_saved_filters
"""
import sqlalchemy as sa
from alembic import op

import models

revision = "0010_cdop_register"
down_revision = "0009_saved_filters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "child_death",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("case_ref", sa.String(length=100), nullable=True),
        sa.Column("board", sa.String(length=120), nullable=False),
        sa.Column("regime", sa.String(length=20), nullable=False),
        sa.Column("date_of_death", sa.Date(), nullable=False),
        sa.Column("notified_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("in_scope", sa.Boolean(), nullable=False),
        sa.Column("unattended_stillbirth", sa.Boolean(), nullable=False),
        sa.Column("referred_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("category", sa.String(length=20), nullable=True),
        sa.Column("modifiable_factors", sa.String(length=30), nullable=True),
        sa.Column("factors", sa.Text(), nullable=False),
        sa.Column("pattern_alert", sa.Boolean(), nullable=False),
        sa.Column("pattern_theme", sa.String(length=40), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"],
                                name=op.f("fk_child_death_instance_id_process_instance"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_death")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_child_death_instance_id")),
    )
    op.create_index(op.f("ix_child_death_case_ref"), "child_death", ["case_ref"])
    op.create_index(op.f("ix_child_death_board"), "child_death", ["board"])
    op.create_index(op.f("ix_child_death_notified_at"), "child_death", ["notified_at"])
    op.create_index(op.f("ix_child_death_reviewed_at"), "child_death", ["reviewed_at"])
    op.create_table(
        "cdop_themed_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("theme", sa.String(length=40), nullable=False),
        sa.Column("board", sa.String(length=120), nullable=False),
        sa.Column("raised_by_ref", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("drafted_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("received_by", sa.String(length=80), nullable=True),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("learning_item_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"],
                                name=op.f("fk_cdop_themed_report_instance_id_process_instance"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["learning_item_id"], ["learning_item.id"],
                                name=op.f("fk_cdop_themed_report_learning_item_id_learning_item"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cdop_themed_report")),
    )
    op.create_index(op.f("ix_cdop_themed_report_instance_id"), "cdop_themed_report", ["instance_id"])
    op.create_index(op.f("ix_cdop_themed_report_received_at"), "cdop_themed_report", ["received_at"])


def downgrade() -> None:
    op.drop_table("cdop_themed_report")
    op.drop_table("child_death")
