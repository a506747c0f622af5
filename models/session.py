"""Engine and session factory for a database URL (no Flask)."""
from __future__ import annotations

import os

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from . import postgres_cursor, postgres_transactions


def make_engine(url: str, immediate: bool = True, **kwargs) -> Engine:
    """An engine for ``url`` (the caller's setting); SQLite gets WAL, foreign keys and a busy
    timeout.

    ``immediate=False`` (SQLite only) begins transactions as plain deferred reads: for
    read-only work (web GET pages) that must not queue behind writers; WAL lets it run beside them.
    """
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if url.startswith("sqlite"):
        _ensure_sqlite_dir(url)
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
    # Statement parameters are case data about children: never in exception texts or logs.
    db_engine = create_engine(url, hide_parameters=True, **kwargs)
    if db_engine.dialect.name == "sqlite":
        event.listen(db_engine, "connect", _sqlite_pragmas)
        event.listen(db_engine, "begin", _sqlite_begin_immediate if immediate else _sqlite_begin)
    elif db_engine.dialect.driver == "psycopg":
        postgres_transactions.install(db_engine)
        postgres_cursor.install(db_engine)
    return db_engine


def make_session_factory(db_engine: Engine, info: dict | None = None) -> sessionmaker[Session]:
    """A session factory; objects stay readable after commit; every session starts with a copy
    of ``info`` in ``Session.info`` (the engine keeps its settings there)."""
    return sessionmaker(db_engine, expire_on_commit=False, info=info)


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split(":///", 1)[-1]
    if path and path != ":memory:" and os.path.dirname(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None   # let SQLAlchemy's begin event issue BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Reads through a memory map and a larger page cache (the default is 2 MB per connection):
    # worklists and case lists then rarely ask the OS for pages.
    cursor.execute("PRAGMA mmap_size=268435456")
    cursor.execute("PRAGMA cache_size=-32768")
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _sqlite_begin_immediate(connection) -> None:
    # Take the write lock at BEGIN so two writers queue instead of failing on upgrade.
    connection.exec_driver_sql("BEGIN IMMEDIATE")
