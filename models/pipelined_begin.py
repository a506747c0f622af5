"""PostgreSQL: a transaction's BEGIN travels with its first statement.

psycopg opens a transaction by sending BEGIN and waiting for its answer before it sends the
first statement: one round trip of its own per transaction (a task completion makes six in
all, a page read two). Here the driver connection is left in autocommit and the first statement
of each transaction goes in pipeline mode behind an explicit BEGIN: both reach the server
together, and the statement's result is read when the pipeline ends. Transactions are the same
(SQLAlchemy still commits or rolls back; psycopg's commit and rollback act on the server's
transaction status, not on the autocommit flag).

Every way SQLAlchemy hands a statement to the driver opens the transaction first, so nothing
runs outside one by accident; a connection SQLAlchemy put in AUTOCOMMIT itself (an
``isolation_level`` execution option, or the engine's) gets no BEGIN.
"""
from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

def install(db_engine: Engine) -> None:
    """Open every transaction of ``db_engine`` (psycopg) with its first statement, where the
    libpq psycopg uses has pipeline mode (14 or newer; psycopg[binary] brings its own): with an
    older one transactions open as psycopg opens them, and a warning says so."""
    import psycopg
    if not psycopg.Pipeline.is_supported():
        log.warning("libpq %s has no pipeline mode: each transaction's BEGIN costs a round trip",
                    psycopg.pq.version())
        return
    event.listen(db_engine, "connect", _driver_autocommit)
    event.listen(db_engine, "checkout", _driver_autocommit_again)
    event.listen(db_engine, "do_execute", _execute)
    event.listen(db_engine, "do_executemany", _execute_many)
    event.listen(db_engine, "do_execute_no_params", _execute_no_params)


def _driver_autocommit(dbapi_connection, _record) -> None:
    dbapi_connection.autocommit = True


def _driver_autocommit_again(dbapi_connection, _record, _proxy) -> None:
    """SQLAlchemy turns autocommit off when it resets a connection it had put in AUTOCOMMIT."""
    if not dbapi_connection.autocommit and not _in_transaction(dbapi_connection):
        dbapi_connection.autocommit = True


def _execute(cursor, statement, parameters, context) -> bool | None:
    connection = cursor.connection
    if not _opens_transaction(connection, context):
        return None
    with connection.pipeline():
        connection.execute(b"BEGIN")
        cursor.execute(statement, parameters)
    return True


def _execute_many(cursor, _statement, _parameters, context) -> None:
    if _opens_transaction(cursor.connection, context):
        cursor.connection.execute(b"BEGIN")


def _execute_no_params(cursor, _statement, context) -> None:
    if _opens_transaction(cursor.connection, context):
        cursor.connection.execute(b"BEGIN")


def _opens_transaction(connection, context) -> bool:
    """True when the driver would run this statement outside a transaction that SQLAlchemy
    expects it to be in."""
    return (connection.autocommit and not _in_transaction(connection)
            and not context.root_connection._is_autocommit_isolation())


def _in_transaction(connection) -> bool:
    from psycopg.pq import TransactionStatus
    return connection.info.transaction_status != TransactionStatus.IDLE
