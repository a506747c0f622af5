"""review: the impact narrative entered once per review, and its report's publication dates

Revision ID: 0011_annual_report
Revises: 0010_cdop_register
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_annual_report"
down_revision = "0010_cdop_register"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(sa.Column("impact", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("published_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("online_until", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_review_published_on"), ["published_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_published_on"))
        batch_op.drop_column("online_until")
        batch_op.drop_column("published_on")
        batch_op.drop_column("impact")
