"""Writes whose results a command never reads, sent in as few round trips as the database allows.

On PostgreSQL each statement is a round trip to the server, and on a busy machine every round
trip also waits for the server's process to be scheduled. So the writes of a save (task rows
closed, their worklist entries dropped, new task rows and their entries; then its audit events
and notifications) wait in a ``Writes`` and go as data-modifying CTEs of the statement that ends
them (``send``): the instance's UPDATE under its version check, whose row count is still the
one read, or the last INSERT. PostgreSQL runs them in one statement and one snapshot: they
touch different rows, and foreign keys are checked at its end.

On SQLite (in the process: a statement costs no round trip) each is executed at once, the
statements and values as they always were.
"""
from __future__ import annotations

from sqlalchemy import Insert
from sqlalchemy.engine import Result
from sqlalchemy.orm import Session


class Writes:
    """Writes to send together with the statement that ends them (PostgreSQL), or at once."""

    def __init__(self, session: Session, wait: bool | None = None):
        self.session = session
        self.wait = (session.get_bind().dialect.name == "postgresql") if wait is None else wait
        self._waiting = []

    def execute(self, statement, params, bound=None) -> None:
        """Execute ``statement`` with ``params`` (a dict, or a list of them), or keep it for
        ``send``: then as ``bound()`` (the same write with its values in it; an INSERT's is
        made here)."""
        if not self.wait:
            self.session.connection().execute(statement, params)
        else:
            self._waiting.append(bound() if bound is not None else _with_values(statement, params))

    def send(self, statement=None, params=None, bound=None) -> Result | None:
        """Execute ``statement`` with ``params`` (default: the last write kept) and the writes
        kept before it, on PostgreSQL in one statement: then ``statement`` as ``bound()``, its
        values in it (an INSERT's is made here; SQLAlchemy would otherwise apply the columns
        ``params`` set to an UPDATE among the writes as well). Returns its result."""
        if statement is None:
            if not self._waiting:
                return None
            statement, params = self._waiting.pop(), None
        if self._waiting:
            if bound is not None:
                statement, params = bound(), None
            elif params is not None:
                statement, params = _with_values(statement, params), None
            statement = statement.add_cte(*(write.cte(f"write_{n}")
                                            for n, write in enumerate(self._waiting)))
            self._waiting = []
        return self.session.connection().execute(statement, params)


def _with_values(statement, params):
    """An INSERT executed with ``params`` rows as one statement with the rows in it, the
    columns' Python defaults filled in (SQLAlchemy leaves them out of a multi-row VALUES that
    is not the whole statement)."""
    if not isinstance(statement, Insert):
        raise TypeError("only an INSERT's values can be put into it here; pass bound=")
    rows = params if isinstance(params, list) else [params]
    defaults = {column.key: column.default for column in statement.table.columns
                if column.default is not None and column.key not in rows[0]}
    if defaults:
        rows = [{**row, **{key: default.arg(None) if default.is_callable else default.arg
                           for key, default in defaults.items()}} for row in rows]
    return statement.values(rows)
