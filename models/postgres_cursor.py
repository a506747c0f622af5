"""psycopg cursors whose result description is made when it is read.

psycopg makes ``cursor.description`` anew on every read: a ``Column`` object per column, each
decoding its name and looking up its type (27 µs for 40 columns here). SQLAlchemy reads it
after every statement only to see whether rows came back: it keeps the columns of a compiled
statement from its first execution. A task completion's statements return about 60 columns.
Here ``description`` is a sequence of the same ``Column`` objects, made from the result it was
read for when first indexed.
"""
from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg.pq import ExecStatus
from sqlalchemy import event
from sqlalchemy.engine import Engine

# The statuses of a result with rows, as psycopg's own ``description`` has them (TUPLES_CHUNK
# is psycopg 3.2's and newer).
_ROWS = frozenset(getattr(ExecStatus, name) for name in ("TUPLES_OK", "SINGLE_TUPLE",
                                                         "TUPLES_CHUNK")
                  if hasattr(ExecStatus, name))


def install(db_engine: Engine) -> None:
    """Give every psycopg connection of ``db_engine`` the cursor below."""
    event.listen(db_engine, "connect", _use_cursor)


def _use_cursor(dbapi_connection, _record) -> None:
    dbapi_connection.cursor_factory = Cursor


class Cursor(psycopg.Cursor):
    """A psycopg cursor whose ``description`` makes its columns when they are first read."""

    @property
    def description(self) -> Sequence | None:
        result = self.pgresult
        if result and (result.nfields or result.status in _ROWS):
            return Description(_Described(result, self._encoding, self.adapters))
        return None


class _Described:
    """What psycopg's ``Column`` reads of the cursor it is made for (its result, encoding and
    adapters), kept as they were for one result."""

    __slots__ = ("pgresult", "_encoding", "adapters")

    def __init__(self, pgresult, encoding: str, adapters):
        self.pgresult, self._encoding, self.adapters = pgresult, encoding, adapters


class Description(Sequence):
    """The columns of one result (psycopg ``Column`` objects), made when first indexed."""

    __slots__ = ("_described", "_count", "_columns")

    def __init__(self, described: _Described):
        self._described = described
        self._count = described.pgresult.nfields
        self._columns: list[psycopg.Column] | None = None

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        if self._columns is None:
            self._columns = [psycopg.Column(self._described, i) for i in range(self._count)]
        return self._columns[index]

    def __repr__(self) -> str:
        return repr(list(self))
