"""The dashboard's compliance stamps from an index alone (issue 21 point 3)

- ``ix_process_instance_statutory_parts`` (statutory_start, id, row_version) replaces
  ``ix_process_instance_statutory_start``: a period's cases are found as before, and the stamp of
  each part of the cases (``compliance.parts``: count, sum of ids, sum of versions) is summed
  from the index alone instead of reading every case row for its ``xmin`` (a scan of the whole
  case table, 157 MB on ten years of a region).
- PostgreSQL only: a trigger bumps ``row_version`` on an UPDATE that leaves it as it was (psql,
  a Core update), so every write to a case changes its part's stamp, whatever wrote it.

Revision ID: 0019_compliance_stamps
Revises: 0018_dashboard_all_years
"""
from alembic import op

from models.process import ROW_VERSION_DDL

revision = "0019_compliance_stamps"
down_revision = "0018_dashboard_all_years"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_process_instance_statutory_parts", "process_instance",
                    ["statutory_start", "id", "row_version"])
    op.drop_index("ix_process_instance_statutory_start", table_name="process_instance")
    if op.get_bind().dialect.name == "postgresql":
        for sql in ROW_VERSION_DDL:
            op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS process_instance_row_version ON process_instance")
        op.execute("DROP FUNCTION IF EXISTS process_instance_row_version()")
    op.create_index("ix_process_instance_statutory_start", "process_instance",
                    ["statutory_start"])
    op.drop_index("ix_process_instance_statutory_parts", table_name="process_instance")
