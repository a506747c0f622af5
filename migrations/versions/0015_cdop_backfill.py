"""the CDOP register counts the deaths notified before it existed: a row for every P5 case

Child death cases started before 0010_cdop_register have no row in ``child_death``, so the CDOP
annual report left them out. This data migration enters each from its case data as P5's steps
would have (``models.cdop.death_from_case``: Form A, the CDOP case's scope, the panel's Form C),
dated by the audit trail's completed steps, with an audit event each. Cases without Form A's
date of death are left to their own steps. Idempotent: a case with a row is never entered twice.

Revision ID: 0015_cdop_backfill
Revises: 0014_region_indexes
"""
import logging

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime, utcnow
from models.cdop import CHILD_DEATH_REVIEW, death_from_case, step_times

revision = "0015_cdop_backfill"
down_revision = "0014_region_indexes"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")

process_instance = sa.table(
    "process_instance", sa.column("id", sa.Integer), sa.column("process_id", sa.String),
    sa.column("reference", sa.String), sa.column("data", sa.JSON),
    sa.column("started_at", UTCDateTime), sa.column("updated_at", UTCDateTime))
child_death = sa.table(
    "child_death", sa.column("instance_id", sa.Integer), sa.column("case_ref", sa.String),
    sa.column("board", sa.String), sa.column("regime", sa.String),
    sa.column("date_of_death", sa.Date), sa.column("notified_at", UTCDateTime),
    sa.column("in_scope", sa.Boolean), sa.column("unattended_stillbirth", sa.Boolean),
    sa.column("referred_at", UTCDateTime), sa.column("reviewed_at", UTCDateTime),
    sa.column("category", sa.String), sa.column("modifiable_factors", sa.String),
    sa.column("factors", sa.Text), sa.column("pattern_alert", sa.Boolean),
    sa.column("pattern_theme", sa.String))
audit_event = sa.table(
    "audit_event", sa.column("at", UTCDateTime), sa.column("actor", sa.String),
    sa.column("action", sa.String), sa.column("instance_id", sa.Integer),
    sa.column("detail", sa.JSON))


def upgrade() -> None:
    connection = op.get_bind()
    registered = sa.select(child_death.c.instance_id).where(
        child_death.c.instance_id == process_instance.c.id)
    cases = connection.execute(
        sa.select(process_instance).where(process_instance.c.process_id == CHILD_DEATH_REVIEW,
                                          ~registered.exists())
        .order_by(process_instance.c.id)).all()
    times = step_times(connection, [case.id for case in cases])
    now, rows = utcnow(), []
    for case in cases:
        values = death_from_case(case.data or {}, times.get(case.id, {}), case.started_at,
                                 case.updated_at)
        if values:
            rows.append({"instance_id": case.id, "case_ref": case.reference, **values})
    if rows:
        connection.execute(child_death.insert(), rows)
        connection.execute(audit_event.insert(), [
            {"at": now, "actor": "system", "action": "child_death_registered",
             "instance_id": row["instance_id"],
             "detail": {"board": row["board"], "from_case_data": True,
                        "counted": row["in_scope"] or row["unattended_stillbirth"]}}
            for row in rows])
    log.info("CDOP register: %d child death cases entered from their data, %d without Form A's "
             "date of death left to their steps", len(rows), len(cases) - len(rows))


def downgrade() -> None:
    pass        # the deaths entered are true: the register keeps them
