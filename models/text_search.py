"""The cases list's text search on PostgreSQL: a trigram index (``pg_trgm``) over what it matches.

``reporting.filtered`` keeps a case whose ``lower(reference)`` or ``lower(title)`` contains the
text (``LIKE '%text%'``). A B-tree cannot answer a pattern that starts with a wildcard, so on ten
years of a region that was a scan of the whole case table; a GIN index of the trigrams of both
expressions answers the same query on PostgreSQL (the planner picks it; nothing else changes).
SQLite has no such index and scans. The index needs the ``pg_trgm`` extension (trusted since
PostgreSQL 13: the database's owner may install it); where it cannot be installed, the index is
left out with a warning in the log, and the search still answers, by a scan.
"""
from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)
EXTENSION = "pg_trgm"


def trigrams_installed(connection) -> bool:
    """Whether ``pg_trgm`` is installed in the database of ``connection`` (PostgreSQL only)."""
    return connection is not None and connection.dialect.name == "postgresql" and \
        connection.scalar(text("SELECT 1 FROM pg_extension WHERE extname = :name"),
                          {"name": EXTENSION}) is not None


def install_trigrams(connection) -> bool:
    """Install ``pg_trgm`` where it can be (PostgreSQL); whether it is installed. A refusal is
    logged and leaves the transaction usable (the attempt runs in a savepoint)."""
    if connection.dialect.name != "postgresql":
        return False
    if trigrams_installed(connection):
        return True
    try:
        with connection.begin_nested():
            connection.execute(text(f"CREATE EXTENSION IF NOT EXISTS {EXTENSION}"))
    except DBAPIError as exc:
        log.warning("%s cannot be installed (%s): the cases list's text search reads the whole "
                    "case table instead of its trigram index", EXTENSION,
                    str(exc.orig).strip().splitlines()[0])
        return False
    return True


def when_installed(ddl, target, bind, **kw) -> bool:
    """``ddl_if`` callable: create the trigram index only where ``pg_trgm`` is installed."""
    return trigrams_installed(bind)
