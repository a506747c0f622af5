"""What a case's save costs PostgreSQL: its state is compressed with lz4, not pglz (migration
0021_state_lz4: each save compresses its state, 12 KB for a reference case mid-flight, and each
command reads it back; old values stay as they were written and read the same), and an ordinary
save updates the row in place, writing no index entry (migration 0022_hot_case_saves)."""
import pytest
from sqlalchemy import text

from bench.round_trips import DATA, two_step_bpmn
from bench.engine import prepare_database
from engine import ProcessEngine

pytestmark = pytest.mark.postgres

COMPRESSION = text("SELECT attcompression FROM pg_attribute WHERE attrelid = "
                   "'process_instance'::regclass AND attname = 'state_json'")
STORED = text("SELECT pg_column_compression(state_json) FROM process_instance ORDER BY id")
BIG = "{" + ", ".join(f'"k{n}": "{n % 7}"' for n in range(3000)) + "}"    # compressible


def test_a_saved_state_is_compressed_with_lz4(db_url):
    process_engine = ProcessEngine()
    db, sessions, actor = prepare_database(db_url, process_engine,
                                           {"two_step.bpmn": two_step_bpmn()})
    with sessions.begin() as s:
        record = process_engine.start(s, "two_step", actor)
    with sessions.begin() as s:
        s.execute(text("UPDATE process_instance SET state_json = :big"), {"big": BIG})
    with db.connect() as conn:
        assert conn.scalar(COMPRESSION) == "l"
        assert conn.execute(STORED).scalars().all() == ["lz4"]
    db.dispose()
    assert record.tasks


HOT = text("SELECT pg_stat_get_xact_tuples_updated('process_instance'::regclass), "
           "pg_stat_get_xact_tuples_hot_updated('process_instance'::regclass)")


def test_a_save_that_leaves_the_statutory_fields_alone_writes_no_index_entry(db_url):
    """A case's UPDATE is a heap-only tuple (HOT) update when no indexed column changes: none
    of the case table's twelve indexes (a trigram GIN index among them) gets an entry. The
    compliance stamps' index holds what compliance reads (start, id, status, the statutory
    copies), not ``row_version``, which every save bumps."""
    process_engine = ProcessEngine()
    db, sessions, actor = prepare_database(db_url, process_engine,
                                           {"two_step.bpmn": two_step_bpmn()})
    with sessions.begin() as s:
        record = process_engine.start(s, "two_step", actor)
    with sessions.begin() as s:       # the backend's counts not yet reported, before and after
        before = s.execute(HOT).one()
        record = process_engine.complete(s, record.tasks[0].id, actor, DATA)
        after = s.execute(HOT).one()
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)    # one UPDATE, and HOT
    db.dispose()
