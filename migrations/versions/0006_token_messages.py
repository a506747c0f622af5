"""api_token.messages: the message names a partner system's token may deliver to any case

Revision ID: 0006_token_messages
Revises: 0005_outbox
"""
import sqlalchemy as sa
from alembic import op

revision = "0006_token_messages"
down_revision = "0005_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("messages", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("messages")
