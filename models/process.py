"""Deployed definition versions and process instances."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (DDL, JSON, Column, Computed, ForeignKey, Index, Integer, String,
                        Text, UniqueConstraint, event, func)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from .base import Base, UTCDateTime, utcnow
from .text_search import install_trigrams, when_installed


class Definition(Base):
    """One deployed version of one process: its source files and its parsed spec, serialized once."""

    __tablename__ = "definition"
    __table_args__ = (
        UniqueConstraint("process_id", "version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_id: Mapped[str] = mapped_column(String(200), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300), default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    # filename -> XML text (own file + what it needs); large, so loaded only when asked for
    files: Mapped[dict] = deferred(mapped_column(JSON))
    spec_json: Mapped[str] = deferred(mapped_column(Text))   # serialized spec + subprocess specs
    lanes: Mapped[list] = mapped_column(JSON, default=list)
    deployed_by: Mapped[str | None] = mapped_column(String(80))
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    change_note: Mapped[str] = mapped_column(Text, default="")
    # Who may start it (``camunda:candidateStarterGroups``/``Users``; none: managers only), the
    # one-line description the "Start a case" page shows, and its start event's form.
    starter_groups: Mapped[list] = mapped_column(JSON, default=list)
    starter_users: Mapped[list] = mapped_column(JSON, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    start_form: Mapped[dict] = mapped_column(JSON, default=dict)

    message_starts: Mapped[list[MessageStart]] = relationship(cascade="all, delete-orphan")


class MessageStart(Base):
    """A message that starts a new instance of a definition version."""

    __tablename__ = "message_start"

    definition_id: Mapped[int] = mapped_column(ForeignKey("definition.id", ondelete="CASCADE"),
                                               primary_key=True)
    message_name: Mapped[str] = mapped_column(String(200), primary_key=True, index=True)


# The case data fields the statutory compliance measures read (models/compliance.py): the
# dates each starts from and ends on, and the flag that says a duty applies.
STATUTORY_STARTS = ("la_aware_on", "received_on", "panel_notified_on", "review_started_on")
STATUTORY_ENDS = ("notification_sent_on", "route_decided_on", "rapid_review_sent_on",
                  "published_on")
STATUTORY_FLAGS = ("la_must_notify",)
STATUTORY_FIELDS = STATUTORY_STARTS + STATUTORY_ENDS + STATUTORY_FLAGS


def _latest(values: list[str]) -> str:
    """SQL for the greatest of ``values`` (texts, never NULL), in SQLite and PostgreSQL alike."""
    if len(values) == 1:
        return values[0]
    a, b = _latest(values[: len(values) // 2]), _latest(values[len(values) // 2:])
    return f"CASE WHEN {a} >= {b} THEN {a} ELSE {b} END"


# The latest of those start dates as the case data holds them (text, '' when none): an indexed
# copy the database keeps in step with ``data`` itself, so the dashboard's period reads the
# cases of the period alone (``compliance.case_dates``) instead of every case of ten years.
STATUTORY_START = _latest([f"COALESCE(CAST(data ->> '{name}' AS TEXT), '')"
                           for name in STATUTORY_STARTS])


class ProcessInstance(Base):
    """One running or finished case: its own engine state (without the spec) and its status.

    ``row_version`` is an optimistic lock: every write bumps it and a stale write fails, so two
    users acting on the same instance can never both win (SQLite and PostgreSQL alike). On
    PostgreSQL a trigger bumps it for a write that does not (below).
    """

    __tablename__ = "process_instance"
    __table_args__ = (
        Index("ix_process_instance_status_started", "status", "started_at", "id"),  # list pages
        Index("ix_process_instance_process_status", "process_id", "status"),
        Index("ix_process_instance_status_pathway", "status", "process_id"),  # open per pathway
        Index("ix_process_instance_status_finished", "status", "finished_at"),   # throughput
        Index("ix_process_instance_started", "started_at", "id"),   # the cases list's order
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("definition.id"), index=True)
    process_id: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20))
    serializer_version: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), index=True)
    started_by: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    # Wide values last, the engine state (tens of kilobytes) at the very end: on SQLite, a column
    # stored after a long value is read through its overflow pages, and the case list and the
    # dashboard read dates and statuses of every case.
    data: Mapped[dict] = mapped_column(JSON, default=dict)   # latest case data, for display and search
    error: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))  # incident, else NULL
    state_json: Mapped[str] = mapped_column(Text, deferred=True)   # loaded by the engine only

    definition: Mapped[Definition] = relationship(lazy="select")

    # ``statutory_start`` and the ``statutory_*`` copies (below) are the database's: never
    # written, nor read back after a write.
    __mapper_args__ = {"version_id_col": row_version, "exclude_properties": [
        "statutory_start", *(f"statutory_{name}" for name in STATUTORY_FIELDS)]}


# Stored on PostgreSQL; virtual on SQLite, which adds a generated column to an existing table
# only as a virtual one (migration 0010); either way indexed, and never out of step.
STATUTORY_START_COLUMN = Column("statutory_start", Text, Computed(STATUTORY_START, persisted=True),
                                nullable=True)
ProcessInstance.__table__.append_column(STATUTORY_START_COLUMN)

# On PostgreSQL an UPDATE that leaves ``row_version`` as it was (psql, a Core update) bumps it
# all the same: every write to a case changes its version, whatever wrote it (a live workflow
# is reused only while its row's version is the one it wrote, engine/live.py). The ORM and the
# engine's own UPDATE bump it themselves: no change there.
ROW_VERSION_DDL = [
    """CREATE OR REPLACE FUNCTION process_instance_row_version()
RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.row_version := COALESCE(OLD.row_version, 0) + 1;
    RETURN NEW;
END
$$""",
    """CREATE TRIGGER process_instance_row_version
BEFORE UPDATE ON process_instance FOR EACH ROW
WHEN (NEW.row_version IS NOT DISTINCT FROM OLD.row_version)
EXECUTE FUNCTION process_instance_row_version()""",
]
for _sql in ROW_VERSION_DDL:
    event.listen(ProcessInstance.__table__, "after_create",
                 DDL(_sql).execute_if(dialect="postgresql"))

# The cases list's text search, on PostgreSQL only, where pg_trgm is installed (models/text_search.py;
# migration 0016_case_search). ``create_all`` installs the extension first where it can.
Index("ix_process_instance_search",
      func.lower(ProcessInstance.reference).label("reference_lower"),
      func.lower(ProcessInstance.title).label("title_lower"), postgresql_using="gin",
      postgresql_ops={"reference_lower": "gin_trgm_ops", "title_lower": "gin_trgm_ops"},
      ).ddl_if(dialect="postgresql", callable_=when_installed)
event.listen(ProcessInstance.__table__, "before_create",
             lambda target, connection, **kw: install_trigrams(connection))

def statutory_expressions() -> dict[str, str]:
    """SQL of each statutory field's copy, by field: a date as the first ten characters of its
    text (all that compliance reads of it), a flag as its JSON text (true, false, "yes"...)."""
    dates = {name: f"substr(CAST(data ->> '{name}' AS TEXT), 1, 10)"
             for name in STATUTORY_STARTS + STATUTORY_ENDS}
    return {**dates, **{name: f"CAST(data -> '{name}' AS TEXT)" for name in STATUTORY_FLAGS}}


# The statutory fields of the case data, each copied into a column of its own that the database
# keeps in step with ``data`` (like ``statutory_start``): compliance reads a period's ~6,000
# cases from these short columns instead of parsing each case's JSON nine times.
STATUTORY_COLUMNS = {name: Column(f"statutory_{name}", Text, Computed(sql, persisted=True),
                                  nullable=True)
                     for name, sql in statutory_expressions().items()}
for _column in STATUTORY_COLUMNS.values():
    ProcessInstance.__table__.append_column(_column)

# A period's cases by their start, and their parts' stamps (``compliance.parts``: count, sum of
# ids, sum of a hash of what compliance reads of each case) from this index alone, without
# reading the wide case rows. It holds no column a save changes unless a statutory date or the
# case's status changes (not ``row_version``, not ``updated_at``): an ordinary save leaves
# every indexed column of the case table as it was, so PostgreSQL updates the row in place
# (HOT) and writes no entry in any of the table's indexes.
STAMPED_COLUMNS = ("status", *(c.name for c in STATUTORY_COLUMNS.values()))
Index("ix_process_instance_statutory_parts", STATUTORY_START_COLUMN, "id",
      postgresql_include=list(STAMPED_COLUMNS))

# On PostgreSQL a case's state is compressed with lz4 when it is stored out of line (a state
# of more than ~2 KB): pglz cost each save ~0.1 ms of the server's CPU for a 12 KB state, lz4
# about half, and reads back faster. Values already written keep their method. A server built
# without lz4 (or older than 14) keeps pglz.
STATE_COMPRESSION_DDL = """DO $$
BEGIN
    ALTER TABLE process_instance ALTER COLUMN state_json SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
    RAISE NOTICE USING MESSAGE = 'state_json stays compressed with pglz: ' || SQLERRM;
END
$$"""
event.listen(ProcessInstance.__table__, "after_create",
             DDL(STATE_COMPRESSION_DDL).execute_if(dialect="postgresql"))
