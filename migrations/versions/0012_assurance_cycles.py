"""challenge and performance_figure: the Board's Challenge Log (C1) and the agencies' quarterly
performance data (C12)

Revision ID: 0012_assurance_cycles
Revises: 0011_annual_report
"""
import sqlalchemy as sa
from alembic import op

import models

revision = "0012_assurance_cycles"
down_revision = "0011_annual_report"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "challenge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(length=200), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("agency", sa.String(length=80), nullable=False),
        sa.Column("owner", sa.String(length=80), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("answered_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=80), nullable=True),
        sa.Column("closure_note", sa.Text(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=80), nullable=True),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"],
                                name=op.f("fk_challenge_instance_id_process_instance"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge")),
    )
    for column in ("raised_on", "agency", "due_date", "instance_id"):
        op.create_index(op.f(f"ix_challenge_{column}"), "challenge", [column], unique=False)
    op.create_table(
        "performance_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quarter_start", sa.Date(), nullable=False),
        sa.Column("agency", sa.String(length=80), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("submitted_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=80), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"],
                                name=op.f("fk_performance_figure_instance_id_process_instance"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_performance_figure")),
        sa.UniqueConstraint("quarter_start", "agency", "indicator",
                            name=op.f("uq_performance_figure_quarter_start")),
    )
    for column in ("quarter_start", "instance_id"):
        op.create_index(op.f(f"ix_performance_figure_{column}"), "performance_figure", [column],
                        unique=False)


def downgrade() -> None:
    op.drop_table("performance_figure")
    op.drop_table("challenge")
