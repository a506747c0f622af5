"""PostgreSQL transactions through psycopg: BEGIN travels with a transaction's first statement,
a transaction that only read ends with COMMIT, and a write nobody reads travels with what
follows it.

BEGIN: psycopg opens a transaction by sending BEGIN and waiting for its answer before it sends
the first statement: one round trip of its own per transaction (a task completion made five
in all, a page read two). Here the driver connection is left in autocommit and the first
statement of each transaction goes in pipeline mode behind an explicit BEGIN: both reach the
server together, and the statement's result is read when the pipeline ends. SQLAlchemy still
commits or rolls back (psycopg's commit and rollback act on the server's transaction status,
not on the autocommit flag). Every way SQLAlchemy hands a statement to the driver opens the
transaction first, so nothing runs outside one by accident; a connection SQLAlchemy put in
AUTOCOMMIT itself (an ``isolation_level`` execution option, or the engine's) gets no BEGIN.

The end of a read: psycopg forgets its prepared statements on every ROLLBACK (and sends
DEALLOCATE ALL, one more round trip), and a session that only read (every page) ends with a
rollback; so a connection serving pages and completions re-planned the same statements over
and over (server CPU per completion 0.9 ms with its statements prepared, 1.9 ms without). A
transaction whose statements were all SELECTs (no write, no SET, no SAVEPOINT) ends the same
either way, so it ends with COMMIT; any other, and one in error, is rolled back as before.

A write nobody reads (``SEND_WITH_NEXT`` in its execution options: a command's audit events
and notifications, its last statement; an INSERT, UPDATE or DELETE with parameters and no
RETURNING) is kept on the connection instead of sent, and goes in the same pipeline as
whatever the transaction sends next: its next statement (which sees it, as if it had gone
first) or its COMMIT; before a statement the driver runs itself (no parameters, or
executemany), it goes on its own. A completion's audit INSERT and COMMIT were two round
trips; they are one. If the kept write fails, the statement or COMMIT it travelled with raises
its error and the transaction is rolled back whole; a rollback drops it with the rest. Only a
write inside a transaction is kept; one that opens a transaction, or runs in AUTOCOMMIT, goes
at once.
"""
from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)
_WROTE = "lscb_wrote"     # on the driver connection: the open transaction ran a non-SELECT
_KEPT = "lscb_kept"       # on the driver connection: writes waiting for the next statement
SEND_WITH_NEXT = "lscb_send_with_next"    # execution option: a write whose result nobody reads


def install(db_engine: Engine) -> None:
    """Open every transaction of ``db_engine`` (psycopg) with its first statement, where the
    libpq psycopg uses has pipeline mode (14 or newer; psycopg[binary] brings its own): with an
    older one transactions open as psycopg opens them, and a warning says so. Transactions
    that only read end with COMMIT."""
    import psycopg
    if not psycopg.Pipeline.is_supported():
        log.warning("libpq %s has no pipeline mode: each transaction's BEGIN costs a round trip",
                    psycopg.pq.version())
    else:
        event.listen(db_engine, "connect", _driver_autocommit)
        event.listen(db_engine, "checkout", _driver_autocommit_again)
    event.listen(db_engine, "do_execute", _execute)
    event.listen(db_engine, "do_executemany", _execute_many)
    event.listen(db_engine, "do_execute_no_params", _execute_no_params)
    _end_reads_with_commit(db_engine.dialect)
    _commit_with_kept_writes(db_engine.dialect)


def _driver_autocommit(dbapi_connection, _record) -> None:
    dbapi_connection.autocommit = True


def _driver_autocommit_again(dbapi_connection, _record, _proxy) -> None:
    """SQLAlchemy turns autocommit off when it resets a connection it had put in AUTOCOMMIT."""
    if not dbapi_connection.autocommit and not _in_transaction(dbapi_connection):
        dbapi_connection.autocommit = True


def _execute(cursor, statement, parameters, context) -> bool | None:
    connection = cursor.connection
    opens = _opens_transaction(connection, context)
    _note(connection, statement, opens)
    if (not opens and context.execution_options.get(SEND_WITH_NEXT) and _returns_nothing(context)
            and connection.autocommit and _in_transaction(connection, ok=True)):
        _kept(connection).append((statement, parameters))
        return True
    kept = _taken(connection)
    if not opens and not kept:
        return None
    with connection.pipeline():
        if opens:
            connection.execute(b"BEGIN")
        _send(connection, kept)
        cursor.execute(statement, parameters)
    return True


def _execute_many(cursor, statement, _parameters, context) -> None:
    _execute_no_params(cursor, statement, context)


def _execute_no_params(cursor, statement, context) -> None:
    """The driver's own execution follows (a statement without parameters, or executemany):
    BEGIN, then the writes kept, go before it, each on its own."""
    connection = cursor.connection
    opens = _opens_transaction(connection, context)
    _note(connection, statement, opens)
    if opens:
        connection.execute(b"BEGIN")
    _flush(connection)


def _returns_nothing(context) -> bool:
    """Whether the statement is an INSERT, UPDATE or DELETE SQLAlchemy compiled with no
    RETURNING (explicit, or its own to read new primary keys): a text, or anything whose
    result is read, goes at once."""
    return bool(context.is_crud and not context.is_text
                and not getattr(context.compiled, "effective_returning", None))


def _kept(connection) -> list:
    kept = getattr(connection, _KEPT, None)
    if kept is None:
        kept = []
        setattr(connection, _KEPT, kept)
    return kept


def _taken(connection) -> list:
    """The writes kept on ``connection``, no longer kept there."""
    kept = getattr(connection, _KEPT, None)
    if kept:
        setattr(connection, _KEPT, [])
    return kept or []


def _send(connection, kept: list) -> None:
    """Queue ``kept`` writes in ``connection``'s pipeline, in order."""
    for statement, parameters in kept:
        connection.execute(statement, parameters)


def _flush(connection) -> None:
    """Send the writes kept on ``connection`` (one round trip), if any."""
    kept = _taken(connection)
    if kept:
        with connection.pipeline():
            _send(connection, kept)


def _commit_with_kept_writes(dialect) -> None:
    """``dialect.do_commit`` sends the writes kept on the connection in the COMMIT's round trip;
    ``do_rollback`` (already wrapped) drops them."""
    commit = dialect.do_commit

    def do_commit(dbapi_connection) -> None:
        connection = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
        kept = _taken(connection) if connection is not None else []
        if not kept:
            commit(dbapi_connection)
            return
        with connection.pipeline():         # one Sync, one round trip (commit() would add one)
            _send(connection, kept)
            connection.execute(b"COMMIT")

    dialect.do_commit = do_commit


def _opens_transaction(connection, context) -> bool:
    """True when the driver would run this statement outside a transaction that SQLAlchemy
    expects it to be in."""
    return (connection.autocommit and not _in_transaction(connection)
            and not context.root_connection._is_autocommit_isolation())


def _note(connection, statement: str, opens: bool) -> None:
    """Remember whether the transaction this statement runs in has run anything but SELECTs
    (a statement outside the hooks' sight, or one psycopg opened, counts as a write)."""
    reads = statement.lstrip()[:6].upper() == "SELECT"
    if opens:
        setattr(connection, _WROTE, not reads)
    elif not reads or not _in_transaction(connection):
        setattr(connection, _WROTE, True)


def _end_reads_with_commit(dialect) -> None:
    """``dialect.do_rollback`` (sessions closing, the pool's reset) commits a transaction that
    ran only SELECTs, through these hooks, and is not in error."""
    rollback = dialect.do_rollback

    def do_rollback(dbapi_connection) -> None:
        connection = getattr(dbapi_connection, "dbapi_connection", dbapi_connection)
        if connection is None:                  # a pooled connection already invalidated
            rollback(dbapi_connection)
            return
        _taken(connection)                      # kept writes go with the transaction
        if getattr(connection, _WROTE, True) is False and _in_transaction(connection, ok=True):
            connection.commit()
            setattr(connection, _WROTE, True)
        else:
            setattr(connection, _WROTE, True)
            rollback(dbapi_connection)

    dialect.do_rollback = do_rollback


def _in_transaction(connection, ok: bool = False) -> bool:
    """Whether ``connection`` is in a transaction (``ok``: one not in error)."""
    from psycopg.pq import TransactionStatus
    status = connection.info.transaction_status
    return status == TransactionStatus.INTRANS if ok else status != TransactionStatus.IDLE
