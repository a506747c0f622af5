"""human_task.unassignable_since: open tasks no active person can act on

Revision ID: 0003_unassignable
Revises: 0002_sessions
"""
from alembic import op
import sqlalchemy as sa
import models


revision = '0003_unassignable'
down_revision = '0002_sessions'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unassignable_since', models.base.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index('ix_human_task_unassignable', ['unassignable_since'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_index('ix_human_task_unassignable')
        batch_op.drop_column('unassignable_since')
