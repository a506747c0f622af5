"""Back up and restore the whole database (``lscb backup PATH`` / ``lscb restore PATH``).

SQLite: its online backup API copies the database in one step under one read transaction, a
consistent snapshot while the server keeps writing (WAL lets writers go on). PostgreSQL:
``pg_dump -Fc`` (one repeatable-read snapshot) and ``pg_restore``, found on PATH, of the
server's major version or newer. A backup file is written beside its target and renamed into
place, readable by its owner only: it holds personal data about children.

A restore goes into an empty database (no tables) unless forced, so a slip of the finger
cannot overwrite a live board; it is audited in the restored trail (``database_restored``).
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from .errors import BackupError, InputError
from .trail import audit_and_notify

SQLITE_MAGIC, PG_MAGIC = b"SQLite format 3\x00", b"PGDMP"


def backup_database(db_engine: Engine, path: str | Path, force: bool = False) -> dict:
    """Write a consistent copy of the database to ``path`` (refusing an existing file unless
    ``force``); returns what was written."""
    path = Path(path)
    if path.exists() and not force:
        raise InputError(f"{path} exists: choose a new file name or pass --force to replace it")
    if not path.parent.is_dir():
        raise InputError(f"{path.parent} is not a folder")
    with _beside(path) as temp:
        if db_engine.dialect.name == "sqlite":
            _sqlite_backup(_sqlite_file(db_engine), temp)
        else:
            _pg_check_tool("pg_dump", db_engine)
            _run(["pg_dump", "--format=custom", f"--file={temp}"], db_engine)
        os.replace(temp, path)
    return {"path": str(path), "database": db_engine.dialect.name,
            "bytes": path.stat().st_size}


def restore_database(db_engine: Engine, path: str | Path, actor_name: str, force: bool = False) -> dict:
    """Replace the (empty, unless ``force``) database with the backup at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path} is not a file")
    _check_kind(path, db_engine.dialect.name)
    tables = inspect(db_engine).get_table_names()
    if tables and not force:
        raise InputError(f"the database is not empty ({len(tables)} tables, such as "
                         f"{sorted(tables)[0]}): restore into an empty database, or pass "
                         f"--force to replace what is in it")
    db_engine.dispose()       # no pooled connection may hold the old database open
    if db_engine.dialect.name == "sqlite":
        _sqlite_restore(path, _sqlite_file(db_engine))
    else:
        _pg_check_archive(path, db_engine)
        clean = ["--clean", "--if-exists"] if force else []
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", *clean, f"--dbname={db_engine.url.database}", str(path)],
             db_engine)
    db_engine.dispose()
    with Session(db_engine) as session, session.begin():
        audit_and_notify(session, actor_name, "database_restored", source=path.name,
                         replaced=bool(tables))
        counts = {t: session.scalar(text(f'SELECT count(*) FROM "{t}"'))
                  for t in ("process_instance", "human_task", "audit_event")}
    return {"path": str(path), "database": db_engine.dialect.name, "replaced": bool(tables),
            "rows": counts}


def _sqlite_file(db_engine: Engine) -> str:
    name = db_engine.url.database
    if not name or name == ":memory:" or name.startswith("file::memory:"):
        raise BackupError("an in-memory SQLite database has nothing to back up or restore")
    return name


def _sqlite_backup(source: str, target: Path) -> None:
    """One step of the online backup API (a snapshot), then a plain single-file database."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")     # no -wal file needed beside the copy
    finally:
        src.close()
        dst.close()


def _sqlite_restore(backup_file: Path, database: str) -> None:
    src = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        if src.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"{backup_file} is damaged (SQLite quick_check failed)")
        dst = sqlite3.connect(database)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


def _check_kind(path: Path, dialect: str) -> None:
    with path.open("rb") as file:
        head = file.read(16)
    kind = "sqlite" if head == SQLITE_MAGIC else "postgresql" if head.startswith(PG_MAGIC) else None
    if kind is None:
        raise InputError(f"{path} is not an lscb backup (neither an SQLite database nor a "
                         f"pg_dump custom-format archive)")
    if kind != dialect:
        raise InputError(f"{path} is a {kind} backup, but the database is {dialect}")


def _pg_check_tool(tool: str, db_engine: Engine) -> int:
    """The tool's major version, which must not be older than the server's."""
    if shutil.which(tool) is None:
        raise BackupError(f"{tool} is not on PATH: install the PostgreSQL client tools of the "
                          f"server's version (Debian: postgresql-client-{_server_major(db_engine)})")
    output = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False).stdout
    match = re.search(r"\)\s*(\d+)", output)
    major, server = (int(match.group(1)) if match else 0), _server_major(db_engine)
    if major < server:
        raise BackupError(f"{tool} {major} is older than the PostgreSQL {server} server: "
                          f"install postgresql-client-{server} and put its {tool} first on PATH")
    return major


def _pg_check_archive(path: Path, db_engine: Engine) -> None:
    """pg_restore at least as new as the pg_dump that wrote the archive; no downgrade."""
    tool = _pg_check_tool("pg_restore", db_engine)
    listing = subprocess.run(["pg_restore", "--list", str(path)], capture_output=True,
                             text=True, check=False)
    if listing.returncode != 0:
        raise BackupError(f"pg_restore cannot read {path}: {_last_line(listing.stderr)}")
    dumped_by = re.search(r"Dumped by pg_dump version (\d+)", listing.stdout)
    dumped_from = re.search(r"Dumped from database version (\d+)", listing.stdout)
    if dumped_by and int(dumped_by.group(1)) > tool:
        raise BackupError(f"{path} was written by pg_dump {dumped_by.group(1)}; pg_restore "
                          f"{tool} cannot read it: install the newer client tools")
    if dumped_from and int(dumped_from.group(1)) > _server_major(db_engine):
        raise BackupError(f"{path} comes from PostgreSQL {dumped_from.group(1)}; restore it "
                          f"into a server of that version or newer, not {_server_major(db_engine)}")


def _server_major(db_engine: Engine) -> int:
    with db_engine.connect() as conn:
        return int(conn.dialect.server_version_info[0])


def _run(command: list[str], db_engine: Engine) -> None:
    """A client tool with the connection in libpq's environment (no password in ``ps``)."""
    url = db_engine.url
    env = {**os.environ, "PGDATABASE": url.database or ""}
    for key, value in (("PGHOST", url.host or url.query.get("host")), ("PGPORT", url.port),
                       ("PGUSER", url.username), ("PGPASSWORD", url.password),
                       ("PGSSLMODE", url.query.get("sslmode"))):
        if value:
            env[key] = str(value)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {_last_line(done.stderr)}")


def _last_line(text_: str) -> str:
    lines = [line for line in text_.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


@contextmanager
def _beside(path: Path):
    """An empty file beside ``path`` (same file system: renaming it into place is atomic),
    mode 0600 (mkstemp's, kept when a tool writes into it); removed unless renamed."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(fd)
    try:
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
