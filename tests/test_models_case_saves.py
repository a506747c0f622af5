"""A case's saved state on PostgreSQL is compressed with lz4, not pglz (migration
0021_state_lz4): each save compresses its state (12 KB for a reference case mid-flight) and each
command reads it back, and pglz was the largest item of the server's CPU per completion after
the index writes. Old values stay as they were written and read the same."""
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
