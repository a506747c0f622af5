"""The cases list's fast paths against the plain computation, on SQLite and on PostgreSQL: the
text search (``?q=``), which the trigram index of migration 0016 answers on PostgreSQL
(models/text_search.py), pages found by their ids first (``reporting.instance_page``) and the
pathway filter's names walked through an index (``reporting.pathways``): the
same cases, in the same order, with the same total, whether PostgreSQL reads an index or the
whole table."""
import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from engine import schema
from models import Definition, ProcessInstance
from models import reporting
from models.reporting import InstanceFilter
from models.session import make_engine, make_session_factory

BOTH = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
NOW = datetime(2026, 12, 1, tzinfo=timezone.utc)
SEARCHES = ["rdg-2019", "RDG-2019-00", "Incident", "child B", "2019", "o", "-0", "zzz", "%", "_1"]
PLANS = {"scan": ["SET LOCAL enable_indexscan = off", "SET LOCAL enable_bitmapscan = off"],
         "index": ["SET LOCAL enable_seqscan = off"]}


@pytest.fixture
def cases(db_url):
    """A migrated database (through 0016, which builds the index on PostgreSQL) of random cases:
    its session factory."""
    db_engine = make_engine(db_url)
    schema.upgrade_schema(db_engine)
    sessions = make_session_factory(db_engine)
    rnd = random.Random(21)
    with sessions.begin() as session:
        definition = Definition(process_id="px", version=1, content_hash="x", files={},
                                spec_json="", lanes=[])
        session.add(definition)
        session.flush()
        for n in range(400):
            started = NOW - timedelta(days=rnd.randrange(300))      # many cases share a day
            board = rnd.choice(["RDG", "WOK", "Slo", "rdg"])
            reference = None if rnd.random() < 0.05 else \
                f"{board}-{rnd.choice([2018, 2019, 2020])}-{rnd.randrange(1000):03d}"
            title = f"{rnd.choice(['Reading', 'WOKINGHAM', 'slough'])}: " \
                    f"{rnd.choice(['incident notification', 'Child B review', 'Audit'])} {n}"
            session.add(ProcessInstance(
                definition_id=definition.id, process_id=rnd.choice(["px", "p03_review", "Zeta", "a"]),
                reference=reference, title=title,
                status=rnd.choice(["active", "completed", "completed", "suspended"]),
                state_json="{}", serializer_version="1", started_at=started,
                updated_at=started + timedelta(days=rnd.randrange(3)),
                finished_at=None if rnd.random() < 0.3 else started + timedelta(days=9)))
    yield sessions
    db_engine.dispose()


def plain(session, q: str, sort: str, direction: str) -> list[int]:
    """Every case in the list's order (one query of whole rows), kept by Python when its
    reference or title contains ``q`` (case-insensitive; ``%`` and ``_`` are LIKE wildcards,
    as typed into the list)."""
    def contains(value):
        if "%" in q or "_" in q:
            return _like(q.lower(), (value or "").lower())
        return q.lower() in (value or "").lower()
    flt = InstanceFilter(sort=sort, direction=direction)
    rows = session.scalars(reporting._ordered(reporting.filtered(flt, NOW), flt)).all()
    return [row.id for row in rows if contains(row.reference) or contains(row.title)]


def _like(pattern: str, value: str) -> bool:
    import re
    body = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(f".*{body}.*", value, re.S) is not None


@pytest.mark.parametrize("backend", BOTH)
@pytest.mark.parametrize("plan", ["scan", "index"])
def test_search_lists_the_cases_the_plain_computation_finds(cases, backend, plan):
    with cases() as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        if plan == "index" and not postgres:
            pytest.skip("the trigram index exists on PostgreSQL only")
        for statement in PLANS[plan] if postgres else []:
            session.execute(text(statement))
        for q in SEARCHES:
            for sort, direction in (("reference", "asc"), ("started", "desc"), ("status", "asc")):
                expected = plain(session, q, sort, direction)
                flt = InstanceFilter(q=q, sort=sort, direction=direction)
                for page in (1, 2, 5):
                    got = reporting.instance_page(session, flt, NOW, page, per_page=20)
                    want = expected[(got.page - 1) * 20:got.page * 20]
                    assert (got.total, [r.id for r in got.rows]) == (len(expected), want), \
                        (q, sort, page)


@pytest.mark.postgres
def test_postgresql_answers_the_search_from_the_trigram_index(cases):
    with cases() as session:
        session.execute(text("SET LOCAL enable_seqscan = off"))
        stmt = reporting.filtered(InstanceFilter(q="rdg-2019"), NOW)
        compiled = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = "\n".join(session.scalars(text(f"EXPLAIN {compiled}")))
    assert "ix_process_instance_search" in plan, plan


@pytest.mark.postgres
def test_without_pg_trgm_the_migration_says_so_and_the_search_still_answers(
        db_url, monkeypatch, caplog):
    from models import text_search
    monkeypatch.setattr(text_search, "EXTENSION", "lscb_no_such_extension")  # cannot be installed
    db_engine = make_engine(db_url)
    schema.upgrade_schema(db_engine)
    with db_engine.connect() as conn:
        indexes = conn.scalars(text("SELECT indexname FROM pg_indexes "
                                    "WHERE tablename = 'process_instance'")).all()
    assert "ix_process_instance_search" not in indexes and "ix_process_instance_started" in indexes
    assert "lscb_no_such_extension cannot be installed" in caplog.text
    with make_session_factory(db_engine)() as session:
        page = reporting.instance_page(session, InstanceFilter(q="rdg"), NOW)
    assert (page.total, page.rows) == (0, [])
    db_engine.dispose()


@pytest.mark.parametrize("backend", BOTH)
def test_every_page_of_every_sort_is_the_plain_query_sliced(cases, backend):
    with cases() as session:
        for where in ({}, {"status": "completed"}, {"status": "active", "pathway": "px"},
                      {"q": "rdg"}):
            for sort in reporting.SORTS:
                for direction in ("asc", "desc"):
                    flt = InstanceFilter(sort=sort, direction=direction, **where)
                    expected = session.scalars(reporting._ordered(
                        reporting.filtered(flt, NOW), flt)).all()
                    for page in (1, 2, 7, 8, 99):
                        got = reporting.instance_page(session, flt, NOW, page, per_page=30)
                        want = expected[(got.page - 1) * 30:got.page * 30]
                        assert got.total == len(expected), (where, sort)
                        assert [(r.id, r.reference, r.status, r.started_at) for r in got.rows] == [
                            (i.id, i.reference, i.status, i.started_at) for i in want], \
                            (where, sort, direction, page)


@pytest.mark.parametrize("backend", BOTH)
def test_pathway_names_are_the_distinct_process_ids(cases, backend):
    from sqlalchemy import delete, select
    distinct = select(ProcessInstance.process_id).distinct().order_by(ProcessInstance.process_id)
    with cases() as session:
        names = reporting.pathways(session)
        assert names == session.scalars(distinct).all()      # in the database's collation
        assert set(names) == {"Zeta", "a", "p03_review", "px"}
        session.execute(delete(ProcessInstance))
        assert reporting.pathways(session) == []
