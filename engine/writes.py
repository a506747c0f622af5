"""Writes whose results a command never reads, sent in as few round trips as the database allows.

On PostgreSQL each statement is a round trip to the server, and on a busy machine every round
trip also waits for the server's process to be scheduled. So the writes of a save (task rows
closed, their worklist entries dropped, new task rows and their entries; then its audit events
and notifications) wait in a ``Writes`` and go as data-modifying CTEs of the statement that ends
them (``send``): the instance's UPDATE under its version check, whose row count is still the
one read, or the last INSERT. PostgreSQL runs them in one statement and one snapshot, in no
given order: they touch different rows (a second INSERT into a table waits for the first to
be sent, so ids keep their order), and foreign keys are checked at its end.

The combined statement is built once per shape (which writes, which columns, how many rows)
with a named parameter for every value, so SQLAlchemy compiles it once and psycopg prepares it
on the server; every name has a prefix of its write (SQLAlchemy adds a SET for any parameter
named like a column, to every UPDATE in the statement).

On SQLite (in the process: a statement costs no round trip) each write is executed at once,
the statements and values as they always were.
"""
from __future__ import annotations

import threading

from sqlalchemy import (bindparam, delete, func, insert, literal_column, select, true, union_all,
                        update)
from sqlalchemy.engine import Result
from sqlalchemy.orm import Session

from models.postgres_transactions import SEND_WITH_NEXT

_SHAPES: dict[tuple, object] = {}          # shape -> statement, shared by every session
_SHAPES_LOCK = threading.Lock()
MAX_SHAPES = 1000       # then the cache starts again: shapes vary with row counts
MAX_ROWS = 50           # a bigger write goes on its own (PostgreSQL takes 65,535 parameters)
_UNREAD = {SEND_WITH_NEXT: True}


class Writes:
    """Writes to send together with the statement that ends them (PostgreSQL), or at once."""

    def __init__(self, session: Session, wait: bool | None = None):
        self.session = session
        self.wait = (session.get_bind().dialect.name == "postgresql") if wait is None else wait
        self._waiting: list[tuple] = []          # (kind, table, column, keys, rows, values)

    def insert(self, statement, rows: list[dict]) -> None:
        """INSERT ``rows`` (same keys each) with ``statement`` (``insert(table)``)."""
        if not self.wait:
            self.session.connection().execute(statement, rows)
        else:
            self._keep("insert", statement.table, None, _with_defaults(statement.table, rows))

    def update(self, statement, params, column, ids, values: dict) -> None:
        """UPDATE the rows whose ``column`` is in ``ids`` to ``values``: at once as
        ``statement`` with ``params``, or kept."""
        if not self.wait:
            self.session.connection().execute(statement, params)
        else:
            self._keep("update", column.table, column, [values], ids)

    def delete(self, statement, params, column, ids) -> None:
        """DELETE the rows whose ``column`` is in ``ids``: at once as ``statement`` with
        ``params``, or kept."""
        if not self.wait:
            self.session.connection().execute(statement, params)
        else:
            self._keep("delete", column.table, column, [{}], ids)

    def send(self, statement=None, params=None, *, table=None, where=None,
             values=None, unread: bool = False) -> Result | None:
        """Execute ``UPDATE table SET values WHERE where`` (column name: value; written as
        ``statement`` with ``params`` when nothing is kept) with the writes kept before it, on
        PostgreSQL in one statement; without ``table`` the last write kept ends them. Returns
        the result of the one that ends them (None: nothing to send). ``unread``: nobody reads
        the result, so on PostgreSQL the statement goes with the transaction's next one or its
        COMMIT (models/postgres_transactions.py)."""
        if not self._waiting and statement is not None:
            return self.session.connection().execute(statement, params)
        writes = list(self._waiting)
        self._waiting.clear()
        if table is not None:
            writes.append(("main", table, tuple(where), [values], tuple(where.values())))
        if not writes:
            return None
        return self._execute(writes, unread=unread)

    def send_and_read(self, statement, params, *, table, where, values, read,
                      read_params) -> tuple[int, list]:
        """``send`` ending with ``UPDATE table SET values WHERE where``, and run ``read`` (a
        SELECT of rows none of the writes change) with ``read_params``: on PostgreSQL in the
        same statement. Returns the number of rows the UPDATE changed and the rows read (on
        PostgreSQL with a column ``written`` more, and one row of NULLs when none is found)."""
        if not self.wait:
            written = self.send(statement, params).rowcount
            return written, self.session.connection().execute(read, read_params).all()
        writes = [*self._waiting, ("main", table, tuple(where), [values], tuple(where.values()))]
        self._waiting.clear()
        rows = self._execute(writes, read, read_params).all()
        return rows[0].written, rows

    def _execute(self, writes: list[tuple], read=None, read_params=None,
                 unread: bool = False) -> Result:
        """``writes`` (the last ends them) as one statement, built once per shape, then
        ``read`` in it when given."""
        shapes = tuple(_shape(n, w) for n, w in enumerate(writes))
        if read is not None:
            shapes += (("read", read),)
        combined = _SHAPES.get(shapes)
        if combined is None:
            combined = _built(shapes)
        bound = dict(read_params or {})
        for n, write in enumerate(writes):
            bound.update(_params(n, write))
        return self.session.connection().execute(
            combined, bound, execution_options=_UNREAD if unread else None)

    def _keep(self, kind, table, column, rows, ids=None) -> None:
        """Keep a write. The writes of one statement have no order among themselves: rows
        inserted into a table that has some waiting (their ids would be out of order), and a
        big write, go after those kept before them have been sent."""
        if len(rows) > MAX_ROWS or kind == "insert" and any(
                k == "insert" and t is table for k, t, *_ in self._waiting):
            self.send()
        self._waiting.append((kind, table, column, rows, ids))
        if len(rows) > MAX_ROWS:
            self.send()


def _with_defaults(table, rows: list[dict]) -> list[dict]:
    """``rows`` with the columns' Python defaults filled in (SQLAlchemy leaves them out of a
    multi-row VALUES that is not the whole statement)."""
    defaults = {column.key: column.default for column in table.columns
                if column.default is not None and column.key not in rows[0]}
    if not defaults:
        return rows
    return [{**row, **{key: default.arg(None) if default.is_callable else default.arg
                       for key, default in defaults.items()}} for row in rows]


def _shape(n: int, write) -> tuple:
    kind, table, column, rows, _ids = write
    keys = tuple(rows[0])
    return (n, kind, table, column.key if kind != "main" and column is not None else column,
            keys, len(rows))


def _params(n: int, write) -> dict:
    kind, _table, column, rows, ids = write
    found = {f"w{n}_{i}_{k}": v for i, row in enumerate(rows) for k, v in row.items()}
    if kind == "main":
        found.update({f"w{n}_where_{k}": v for k, v in zip(column, ids or ())})
    elif ids is not None:
        found[f"w{n}_ids"] = list(ids)
    return found


def _built(shapes: tuple):
    """The combined statement of ``shapes`` (the last ends them), made once."""
    with _SHAPES_LOCK:
        if len(_SHAPES) >= MAX_SHAPES:
            _SHAPES.clear()
        read = shapes[-1][1] if shapes[-1][0] == "read" else None
        statements = [_statement(*shape) for shape in (shapes[:-1] if read is not None else shapes)]
        main = statements.pop()
        ctes = [s.cte(f"write_{n}") for n, s in enumerate(statements)]
        combined = main.add_cte(*ctes) if read is None else _reading(main, ctes, read)
        _SHAPES[shapes] = combined
    return combined


def _reading(main, ctes, read):
    """``SELECT written, read.* FROM (SELECT 1) LEFT JOIN read ON true`` with the writes and
    ``main`` (an UPDATE counted as ``written``) as its CTEs: one row at least, whatever it
    reads."""
    main = main.returning(literal_column("1")).cte("write_main")
    written = select(func.count()).select_from(main).scalar_subquery().label("written")
    found = read.subquery("read")
    one = select(literal_column("1").label("one")).subquery("one")
    return (select(written, *found.c).select_from(one.outerjoin(found, true()))
            .add_cte(*ctes, main))


def _statement(n, kind, table, column, keys, count):
    def value(i, key):
        return bindparam(f"w{n}_{i}_{key}", type_=table.c[key].type)

    if kind == "insert":       # SELECTs of parameters: SQLAlchemy caches no multi-row VALUES
        rows = [select(*(value(i, k).label(k) for k in keys)) for i in range(count)]
        return insert(table).from_select(keys, rows[0] if count == 1 else union_all(*rows))
    if kind == "main":           # column: the names of the WHERE columns
        return (update(table).where(*(table.c[c] == bindparam(f"w{n}_where_{c}",
                                                              type_=table.c[c].type)
                                      for c in column))
                .values({k: value(0, k) for k in keys}))
    where = table.c[column].in_(bindparam(f"w{n}_ids", expanding=True))
    if kind == "update":
        return update(table).where(where).values({k: value(0, k) for k in keys})
    return delete(table).where(where)
