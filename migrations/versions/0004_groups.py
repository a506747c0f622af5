"""group names are slugs: candidate groups and lane mappings written in capitals become slugs

Before group names were case-insensitive, a candidate group resolved from case data ("Police")
or a lane mapped to "Police" was stored as written and matched no group ("police"): the task
was offered to nobody. This data migration lowers them (no schema change), so those tasks reach
their group's queue.

Revision ID: 0004_groups
Revises: 0003_unassignable
"""
from alembic import op
import sqlalchemy as sa


revision = '0004_groups'
down_revision = '0003_unassignable'
branch_labels = None
depends_on = None

human_task = sa.table("human_task", sa.column("id", sa.String), sa.column("candidate_groups", sa.JSON))
task_candidate = sa.table("task_candidate", sa.column("task_id", sa.String),
                          sa.column("group_slug", sa.String))
lane_mapping = sa.table("lane_mapping", sa.column("lane", sa.String),
                        sa.column("group_slug", sa.String))


def upgrade() -> None:
    connection = op.get_bind()
    for task_id, groups in connection.execute(sa.select(human_task.c.id,
                                                        human_task.c.candidate_groups)):
        slugs = list(dict.fromkeys(g.strip().lower() for g in groups or []))
        if slugs != list(groups or []):
            connection.execute(human_task.update().where(human_task.c.id == task_id)
                               .values(candidate_groups=slugs))
    named = sa.func.lower(task_candidate.c.group_slug)
    rows = connection.execute(sa.select(task_candidate.c.task_id, task_candidate.c.group_slug)
                              .where(task_candidate.c.group_slug != named)).all()
    for task_id, group in rows:
        taken = connection.execute(sa.select(sa.func.count()).select_from(task_candidate).where(
            task_candidate.c.task_id == task_id,
            task_candidate.c.group_slug == group.lower())).scalar()
        match = (task_candidate.c.task_id == task_id) & (task_candidate.c.group_slug == group)
        if taken:
            connection.execute(task_candidate.delete().where(match))
        else:
            connection.execute(task_candidate.update().where(match).values(group_slug=group.lower()))
    connection.execute(lane_mapping.update().where(lane_mapping.c.group_slug
                                                   != sa.func.lower(lane_mapping.c.group_slug))
                       .values(group_slug=sa.func.lower(lane_mapping.c.group_slug)))


def downgrade() -> None:
    pass      # the slugs are what the names always meant
