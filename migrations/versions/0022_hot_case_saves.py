"""Case saves update in place: the compliance stamps' index holds what compliance reads, not
``row_version`` (issue 21 point 2)

``ix_process_instance_statutory_parts`` was (statutory_start, id, row_version): every save bumps
``row_version``, so every save of a case wrote a new entry in each of the case table's twelve
indexes (a trigram GIN index among them). It is now (statutory_start, id) including the status
and the statutory copies (``models.process.STAMPED_COLUMNS``), and a part's stamp hashes those
(``models.compliance``): a save that changes none of them is a heap-only (HOT) update on
PostgreSQL, and leaves the part's compliance figures memoized. One index rebuilt: 0.2 s for a
region's 100,000 cases.

Revision ID: 0022_hot_case_saves
Revises: 0021_state_lz4
"""
from alembic import op

from models.process import STAMPED_COLUMNS

revision = "0022_hot_case_saves"
down_revision = "0021_state_lz4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_process_instance_statutory_parts", table_name="process_instance")
    op.create_index("ix_process_instance_statutory_parts", "process_instance",
                    ["statutory_start", "id"], postgresql_include=list(STAMPED_COLUMNS))


def downgrade() -> None:
    op.drop_index("ix_process_instance_statutory_parts", table_name="process_instance")
    op.create_index("ix_process_instance_statutory_parts", "process_instance",
                    ["statutory_start", "id", "row_version"])
