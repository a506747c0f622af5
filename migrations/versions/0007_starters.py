"""definition: who may start it, its one-line description and its start form

Read from each deployed version's own diagram (``camunda:candidateStarterGroups`` and
``candidateStarterUsers`` on the process, its ``bpmn:documentation``, the none start event's
``camunda:formData``), so versions deployed before keep what their files say: redeploying the
same files would not make a new version.

Revision ID: 0007_starters
Revises: 0006_token_messages
"""
import sqlalchemy as sa
from alembic import op

from engine.assignment import group_slug
from engine.errors import DefinitionError
from engine.parser import (NSMAP, description_from_node, start_form_from_node,
                           starters_from_node)
from engine.xmlsafe import parse_xml

revision = "0007_starters"
down_revision = "0006_token_messages"
branch_labels = None
depends_on = None

COLUMNS = (("starter_groups", sa.JSON(), "'[]'"), ("starter_users", sa.JSON(), "'[]'"),
           ("description", sa.Text(), "''"), ("start_form", sa.JSON(), "'{}'"))
definition = sa.table("definition", sa.column("id", sa.Integer),
                      sa.column("process_id", sa.String), sa.column("files", sa.JSON),
                      *(sa.column(name, kind) for name, kind, _ in COLUMNS))


def upgrade() -> None:
    # Added in place with a default (SQLite copies no table, so instances keep their rows).
    for name, kind, default in COLUMNS:
        op.add_column("definition", sa.Column(name, kind, nullable=False,
                                              server_default=sa.text(default)))
    connection = op.get_bind()
    rows = connection.execute(sa.select(definition.c.id, definition.c.process_id,
                                        definition.c.files)).all()
    for row_id, process_id, files in rows:
        connection.execute(definition.update().where(definition.c.id == row_id)
                           .values(**_read(process_id, files or {})))


def downgrade() -> None:
    with op.batch_alter_table("definition") as batch:
        for name, _, _ in COLUMNS:
            batch.drop_column(name)


def _read(process_id: str, files: dict) -> dict:
    """What the engine's parser reads from the process in a version's files."""
    for name, xml in files.items():
        if not name.lower().endswith(".bpmn"):
            continue
        try:
            root = parse_xml(xml.encode(), name).getroot()
        except DefinitionError:
            continue
        found = root.xpath("./bpmn:process[@id=$id]", namespaces=NSMAP, id=process_id)
        if found:
            starters = starters_from_node(found[0])
            return {"starter_groups": [group_slug(g) for g in starters["groups"]],
                    "starter_users": starters["users"],
                    "description": description_from_node(found[0]),
                    "start_form": start_form_from_node(found[0])}
    return {"starter_groups": [], "starter_users": [], "description": "",
            "start_form": {"fields": []}}
