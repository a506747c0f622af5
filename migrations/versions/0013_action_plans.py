"""structured action plans: scope, agency and whole-plan follow-up on action_plan; the
recommendations actions answer; section 11 standards rated per agency

Revision ID: 0013_action_plans
Revises: 0012_assurance_cycles
"""
import sqlalchemy as sa
from alembic import op

import models


revision = '0013_action_plans'
down_revision = '0012_assurance_cycles'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('recommendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_instance_id', sa.Integer(), nullable=True),
    sa.Column('source_ref', sa.String(length=100), nullable=True),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('learning_item_id', sa.Integer(), nullable=True),
    sa.Column('created_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['learning_item_id'], ['learning_item.id'], name=op.f('fk_recommendation_learning_item_id_learning_item'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_instance_id'], ['process_instance.id'], name=op.f('fk_recommendation_source_instance_id_process_instance'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recommendation'))
    )
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recommendation_learning_item_id'), ['learning_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_source_instance_id'), ['source_instance_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recommendation_source_ref'), ['source_ref'], unique=False)

    op.create_table('standard_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('source_instance_id', sa.Integer(), nullable=True),
    sa.Column('source_ref', sa.String(length=100), nullable=True),
    sa.Column('agency', sa.String(length=80), nullable=False),
    sa.Column('standard', sa.String(length=20), nullable=False),
    sa.Column('rating', sa.String(length=20), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=True),
    sa.Column('rated_at', models.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['action_id'], ['learning_action.id'], name=op.f('fk_standard_rating_action_id_learning_action'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_instance_id'], ['process_instance.id'], name=op.f('fk_standard_rating_source_instance_id_process_instance'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_rating')),
    sa.UniqueConstraint('source_instance_id', 'agency', 'standard', name=op.f('uq_standard_rating_source_instance_id'))
    )
    with op.batch_alter_table('standard_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standard_rating_agency'), ['agency'], unique=False)
        batch_op.create_index(batch_op.f('ix_standard_rating_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_standard_rating_rated_at'), ['rated_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_standard_rating_source_ref'), ['source_ref'], unique=False)

    with op.batch_alter_table('action_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency', sa.String(length=80), server_default='', nullable=False))
        batch_op.add_column(sa.Column('follow_up_due', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('follow_up_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('follow_up_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('followed_up_at', models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('followed_up_by', sa.String(length=80), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_action_plan_source_instance_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_action_plan_source_instance_id'), ['source_instance_id', 'scope', 'source', 'agency'])
        batch_op.create_index(batch_op.f('ix_action_plan_follow_up_due'), ['follow_up_due'], unique=False)

    with op.batch_alter_table('learning_action', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recommendation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_learning_action_recommendation_id'), ['recommendation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_learning_action_recommendation_id_recommendation'), 'recommendation', ['recommendation_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('learning_action', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_learning_action_recommendation_id_recommendation'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_learning_action_recommendation_id'))
        batch_op.drop_column('recommendation_id')

    with op.batch_alter_table('action_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_plan_follow_up_due'))
        batch_op.drop_constraint(batch_op.f('uq_action_plan_source_instance_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_action_plan_source_instance_id'), ['source_instance_id', 'scope', 'source'])
        batch_op.drop_column('followed_up_by')
        batch_op.drop_column('followed_up_at')
        batch_op.drop_column('follow_up_note')
        batch_op.drop_column('follow_up_status')
        batch_op.drop_column('follow_up_due')
        batch_op.drop_column('agency')

    with op.batch_alter_table('standard_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_standard_rating_source_ref'))
        batch_op.drop_index(batch_op.f('ix_standard_rating_rated_at'))
        batch_op.drop_index(batch_op.f('ix_standard_rating_kind'))
        batch_op.drop_index(batch_op.f('ix_standard_rating_agency'))

    op.drop_table('standard_rating')
    with op.batch_alter_table('recommendation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recommendation_source_ref'))
        batch_op.drop_index(batch_op.f('ix_recommendation_source_instance_id'))
        batch_op.drop_index(batch_op.f('ix_recommendation_learning_item_id'))

    op.drop_table('recommendation')
