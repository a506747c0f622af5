"""PostgreSQL (models/postgres_transactions.py): BEGIN travels with a transaction's first
statement, and transactions are still transactions: nothing runs outside one, a failing first
statement is reported and rolled back, row locks are held to the end, and AUTOCOMMIT is left
alone. A transaction that only read ends with COMMIT, so psycopg keeps its prepared statements;
one that wrote anything is rolled back."""
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, exc, insert, select, text
from sqlalchemy.orm import Session

from models.session import make_engine

pytestmark = pytest.mark.postgres

metadata = MetaData()
note = Table("pipelined_note", metadata, Column("id", Integer, primary_key=True),
             Column("text", String(20), nullable=False))


@pytest.fixture
def db(db_url):
    db = make_engine(db_url)
    metadata.create_all(db)
    yield db
    metadata.drop_all(db)
    db.dispose()


def test_every_way_of_writing_is_inside_the_transaction_and_rolls_back(db):
    with db.connect() as conn:
        conn.execute(insert(note).values(id=1, text="first statement"))          # execute
        conn.execute(insert(note), [{"id": 2, "text": "a"}, {"id": 3, "text": "b"}])  # many
        conn.exec_driver_sql("INSERT INTO pipelined_note VALUES (4, 'no parameters')")
        conn.rollback()
        conn.exec_driver_sql("INSERT INTO pipelined_note VALUES (5, 'first, no params')")
        conn.rollback()
        conn.execute(insert(note), [{"id": 6, "text": "a"}, {"id": 7, "text": "many first"}])
        conn.rollback()
    with db.connect() as conn:
        assert conn.scalar(select(note.c.id)) is None


def test_the_first_statement_and_the_next_share_one_transaction(db):
    with db.connect() as conn:
        first = conn.scalar(text("SELECT transaction_timestamp()"))
        assert conn.scalar(text("SELECT transaction_timestamp()")) == first   # one transaction
        conn.commit()
        assert conn.scalar(text("SELECT transaction_timestamp()")) > first    # a new one


def test_a_failing_first_statement_is_reported_and_the_connection_goes_on(db):
    with db.connect() as conn:
        conn.execute(insert(note).values(id=1, text="kept"))
        conn.commit()
        with pytest.raises(exc.IntegrityError, match="pipelined_note_pkey"):
            conn.execute(insert(note).values(id=1, text="same id"))
        conn.rollback()
        assert conn.scalar(select(note.c.text).where(note.c.id == 1)) == "kept"
        with pytest.raises(exc.ProgrammingError, match="no_such_table"):
            conn.execute(text("SELECT * FROM no_such_table"))
        conn.rollback()
        assert conn.scalar(select(note.c.text)) == "kept"


def test_a_row_locked_by_the_first_statement_stays_locked_until_commit(db):
    with db.begin() as conn:
        conn.execute(insert(note).values(id=1, text="row"))
    with db.connect() as holder, db.connect() as other:
        holder.execute(select(note).where(note.c.id == 1).with_for_update())
        with pytest.raises(exc.OperationalError, match="could not obtain lock"):
            other.execute(select(note).where(note.c.id == 1).with_for_update(nowait=True))
        other.rollback()
        holder.commit()
        assert other.execute(select(note).with_for_update(nowait=True)).all()


def test_autocommit_asked_of_sqlalchemy_gets_no_begin(db, db_url):
    with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM pipelined_note")        # refused inside a transaction
        conn.execute(text("VACUUM pipelined_note"))
    with db.connect() as conn:                               # the pooled connection, reset
        conn.execute(insert(note).values(id=9, text="then a transaction"))
        conn.rollback()
        assert conn.scalar(select(note.c.id)) is None
    admin = make_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("VACUUM pipelined_note"))
    admin.dispose()


def test_without_pipeline_mode_transactions_open_as_psycopg_opens_them(db_url, monkeypatch,
                                                                       caplog):
    import psycopg
    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    db = make_engine(db_url)
    with db.connect() as conn:
        assert not conn.connection.driver_connection.autocommit
        first = conn.scalar(text("SELECT transaction_timestamp()"))
        assert conn.scalar(text("SELECT transaction_timestamp()")) == first
    db.dispose()
    assert "has no pipeline mode" in caplog.text


PREPARED = text("SELECT count(*) FROM pg_prepared_statements")


def test_a_session_that_only_read_keeps_the_prepared_statements(db):
    """psycopg prepares a statement run five times and forgets them all at a ROLLBACK (sending
    DEALLOCATE ALL): a page read ending its session used to cost every later command its
    prepared statements."""
    with Session(db) as session:
        for _ in range(7):
            session.execute(select(note.c.id).where(note.c.id == 1))
        assert session.scalar(PREPARED) >= 1
    with Session(db) as session:                  # the same pooled connection
        assert session.scalar(PREPARED) >= 1
        for _ in range(7):
            session.execute(insert(note).values(id=5, text="x"))
            session.rollback()
    with Session(db) as session:          # a transaction that wrote was rolled back, as before
        assert session.scalar(select(note.c.id)) is None


def test_a_transaction_that_wrote_anything_is_rolled_back_however_it_began(db):
    with Session(db) as session:
        session.execute(select(note.c.id))
        session.execute(insert(note).values(id=1, text="after a read"))
    with Session(db) as session:
        session.execute(insert(note), [{"id": 2, "text": "many"}, {"id": 3, "text": "rows"}])
    with Session(db) as session:
        session.execute(select(note.c.id))
        session.connection().exec_driver_sql("INSERT INTO pipelined_note VALUES (4, 'raw')")
    with Session(db) as session:
        session.execute(text("WITH w AS (INSERT INTO pipelined_note VALUES (5, 'cte') "
                             "RETURNING id) SELECT id FROM w"))
    with Session(db) as session:
        session.execute(select(note.c.id))
        with pytest.raises(exc.DataError):
            session.execute(text("SELECT 1 / 0"))
        session.rollback()                        # in error: rolled back
        assert session.scalar(select(note.c.id)) is None


# -- a write nobody reads goes with what follows it -------------------------------------------
WITH_NEXT = {"lscb_send_with_next": True}


@pytest.fixture
def counted(db_url):
    """An engine whose round trips a relay counts (bench/round_trips.py)."""
    from bench.round_trips import relayed
    with relayed(db_url) as (url, relay):
        db = make_engine(url)
        metadata.create_all(db)
        yield db, relay
        metadata.drop_all(db)
        db.dispose()


def test_a_write_sent_with_the_commit_costs_no_round_trip_of_its_own(counted):
    db, relay = counted
    with db.begin() as conn:
        conn.execute(select(note.c.id))                      # the transaction is open
        before = relay.turns
        conn.execute(insert(note).values(id=1, text="with commit"), execution_options=WITH_NEXT)
        assert relay.turns == before                         # kept, not sent
    assert relay.turns == before + 1                         # sent with COMMIT
    with db.connect() as conn:
        assert conn.scalar(select(note.c.text)) == "with commit"


def test_the_statement_after_a_kept_write_sees_it_in_the_same_round_trip(counted):
    db, relay = counted
    with db.begin() as conn:
        conn.execute(select(note.c.id))
        conn.execute(insert(note).values(id=1, text="kept"), execution_options=WITH_NEXT)
        before = relay.turns
        assert conn.scalar(select(note.c.text).where(note.c.id == 1)) == "kept"
        assert relay.turns == before + 1
        conn.execute(insert(note).values(id=2, text="kept too"), execution_options=WITH_NEXT)
        conn.exec_driver_sql("UPDATE pipelined_note SET text = 'raw after' WHERE id = 2")
        conn.execute(insert(note).values(id=3, text="kept"), execution_options=WITH_NEXT)
        conn.execute(note.update().where(note.c.id == 3), [{"text": "many after"}])
    with db.connect() as conn:
        assert conn.execute(select(note.c.id, note.c.text).order_by(note.c.id)).all() == [
            (1, "kept"), (2, "raw after"), (3, "many after")]


def test_a_kept_write_that_fails_fails_the_commit_and_nothing_is_kept(db):
    with db.begin() as conn:
        conn.execute(insert(note).values(id=1, text="there"))
    with pytest.raises(exc.IntegrityError, match="pipelined_note_pkey"):
        with db.begin() as conn:
            conn.execute(note.update().values(text="changed"))
            conn.execute(insert(note).values(id=1, text="same id"), execution_options=WITH_NEXT)
    with db.connect() as conn:
        assert conn.execute(select(note.c.id, note.c.text)).all() == [(1, "there")]
        conn.execute(insert(note).values(id=2, text="goes on"))
        conn.commit()
        assert conn.scalar(select(note.c.id).where(note.c.id == 2)) == 2


def test_a_kept_write_goes_with_a_rollback(db):
    with db.connect() as conn:
        conn.execute(select(note.c.id))
        conn.execute(insert(note).values(id=1, text="dropped"), execution_options=WITH_NEXT)
        conn.rollback()
        assert conn.scalar(select(note.c.id)) is None
    with Session(db) as session:
        session.execute(select(note.c.id))
        session.execute(insert(note).values(id=2, text="dropped"), execution_options=WITH_NEXT)
    with Session(db) as session:                  # closed without commit: rolled back
        assert session.scalar(select(note.c.id)) is None


def test_a_write_outside_a_transaction_goes_at_once(db):
    with db.connect() as conn:                    # the first statement: it opens one
        conn.execute(insert(note).values(id=1, text="first"), execution_options=WITH_NEXT)
        conn.commit()
    with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(insert(note).values(id=2, text="autocommit"), execution_options=WITH_NEXT)
    with db.connect() as conn:
        assert conn.execute(select(note.c.id).order_by(note.c.id)).scalars().all() == [1, 2]


def test_a_write_that_returns_rows_goes_at_once(db):
    counter = Table("pipelined_counter", MetaData(),
                    Column("id", Integer, primary_key=True, autoincrement=True),
                    Column("text", String(20)))
    counter.create(db)
    try:
        with db.begin() as conn:
            conn.execute(select(note.c.id))
            inserted = conn.execute(insert(counter).values(text="x"), execution_options=WITH_NEXT)
            assert inserted.inserted_primary_key == (1,)          # RETURNING id: read now
            returned = conn.execute(insert(note).values(id=1, text="y").returning(note.c.text),
                                    execution_options=WITH_NEXT)
            assert returned.scalar() == "y"
            conn.execute(text("INSERT INTO pipelined_note VALUES (2, 'text')"),
                         execution_options=WITH_NEXT)          # a text: unknown, goes at once
            assert conn.scalar(select(note.c.text).where(note.c.id == 2)) == "text"
    finally:
        counter.drop(db)
