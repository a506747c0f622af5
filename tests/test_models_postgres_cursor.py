"""psycopg cursors whose result description is made when it is read (models/postgres_cursor.py):
SQLAlchemy reads rows without making one, and a description read is psycopg's own."""
import psycopg
import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

pytestmark = pytest.mark.postgres

metadata = MetaData()
wide = Table("described_row", metadata, Column("id", Integer, primary_key=True),
             *(Column(f"c{n}", String(20)) for n in range(30)))
QUERY = "SELECT 1 AS one, 'two'::text AS two, now() AS three, 4.5::numeric(4, 1) AS four"


@pytest.fixture
def db(db_engine):
    """The fresh database (dropped after the test) with the table above."""
    metadata.create_all(db_engine)
    return db_engine


@pytest.fixture
def columns_made(monkeypatch):
    """How many psycopg ``Column`` objects have been made since the test began."""
    made = [0]
    make = psycopg.Column.__init__

    def counted(self, *args):
        made[0] += 1
        make(self, *args)

    monkeypatch.setattr(psycopg.Column, "__init__", counted)
    return made


def test_reading_rows_through_sqlalchemy_makes_no_column_description(db, columns_made):
    with db.begin() as conn:
        conn.execute(insert(wide), [{"id": n, **{f"c{k}": "x" for k in range(30)}}
                                    for n in range(3)])
    for _ in range(3):         # the first execution of a statement reads the names once
        with db.connect() as conn:
            rows = conn.execute(select(wide).order_by(wide.c.id)).all()
            assert [row.id for row in rows] == [0, 1, 2] and rows[2].c29 == "x"
            assert conn.execute(select(wide.c.c3).where(wide.c.id == 1)).scalar_one() == "x"
    made_by_first_reads = columns_made[0]
    with db.connect() as conn:
        assert len(conn.execute(select(wide).order_by(wide.c.id)).all()) == 3
        assert conn.execute(select(wide.c.c3).where(wide.c.id == 1)).scalar_one() == "x"
    assert columns_made[0] == made_by_first_reads <= 31 + 1


def test_a_description_read_is_the_one_psycopg_makes(db):
    with db.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(QUERY)
        ours = cursor.description
        plain = psycopg.Cursor(conn.connection.driver_connection)
        plain.execute(QUERY)
        assert len(ours) == 4
        assert [tuple(c) for c in ours] == [tuple(c) for c in plain.description]
        assert [c.name for c in ours] == ["one", "two", "three", "four"]
        assert ours[-1].precision == 4 and ours[-1].scale == 1


def test_a_description_describes_its_own_result_after_the_cursor_moves_on(db):
    with db.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute(QUERY)
        first = cursor.description
        cursor.execute("SELECT 'other' AS five")
        assert [c.name for c in first] == ["one", "two", "three", "four"]
        assert [c.name for c in cursor.description] == ["five"]


def test_a_statement_without_rows_has_no_description(db):
    with db.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute("UPDATE described_row SET c2 = 'z'")
        assert cursor.description is None
        cursor.execute("SELECT")         # no column, but rows: an empty description
        assert cursor.description is not None and len(cursor.description) == 0
