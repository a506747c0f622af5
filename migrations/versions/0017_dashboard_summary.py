"""The dashboard on ten years of a region: the statutory fields of the case data copied into
columns of their own (issue 21 point 3)

``process_instance.statutory_<field>`` for each date and flag the compliance measures read
(``models.process.STATUTORY_COLUMNS``): generated columns the database keeps in step with
``data`` (stored on PostgreSQL, virtual on SQLite, like ``statutory_start``), so compliance over
a period reads short columns instead of parsing each case's JSON nine times.

Revision ID: 0017_dashboard_summary
Revises: 0016_case_search
"""
import sqlalchemy as sa
from alembic import op

from models.process import STATUTORY_COLUMNS, statutory_expressions

revision = "0017_dashboard_summary"
down_revision = "0016_case_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {STATUTORY_COLUMNS[name].name: sql for name, sql in statutory_expressions().items()}
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a generated column to an existing table only as a virtual one.
        for name, sql in columns.items():
            op.add_column("process_instance", sa.Column(name, sa.Text(),
                                                        sa.Computed(sql, persisted=False)))
        return
    # PostgreSQL stores them, rewriting the table: once for all nine, in one statement.
    op.execute("ALTER TABLE process_instance " + ", ".join(
        f"ADD COLUMN {name} TEXT GENERATED ALWAYS AS ({sql}) STORED"
        for name, sql in columns.items()))


def downgrade() -> None:
    for column in STATUTORY_COLUMNS.values():
        op.drop_column("process_instance", column.name)
