"""One database session per request: opened lazily, committed by the view, closed on teardown."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request
from sqlalchemy.orm import Session

from engine import ProcessEngine, session_info
from models.session import make_engine, make_session_factory

from .config import engine_settings


def init_app(app: Flask) -> None:
    """Build the database engine, session factories and process engine for ``app``."""
    settings = app.config["SETTINGS"] = engine_settings(app.config)
    info = session_info(settings)     # engine code reads the settings from its session
    db_engine = make_engine(settings.database_url)
    app.extensions["lscb.db_engine"] = db_engine
    app.extensions["lscb.sessions"] = make_session_factory(db_engine, info)
    # Pages that only read (GET outside the API) use plain deferred transactions on SQLite, so
    # they never queue behind the write lock; elsewhere this is the same database.
    reader = make_engine(settings.database_url, immediate=False) \
        if db_engine.dialect.name == "sqlite" else db_engine
    app.extensions["lscb.readers"] = make_session_factory(reader, info)
    app.extensions["lscb.reader_db_engine"] = reader
    app.extensions["lscb.process_engine"] = ProcessEngine(settings=settings)
    app.teardown_appcontext(close_session)


def dispose(app: Flask) -> None:
    """Close every pooled connection of ``app`` (tests, and before a worker forks)."""
    app.extensions["lscb.db_engine"].dispose()
    app.extensions["lscb.reader_db_engine"].dispose()


def get_session() -> Session:
    """The request's session (created on first use)."""
    if "db_session" not in g:
        reading = request.method in ("GET", "HEAD") and not request.path.startswith("/api/")
        g.db_session = current_app.extensions["lscb.readers" if reading else "lscb.sessions"]()
    return g.db_session


def get_process_engine() -> ProcessEngine:
    """The app's process engine. Its commands bring the board's closure days up to date
    themselves, in their own transaction, before they compute a date."""
    return current_app.extensions["lscb.process_engine"]


def board_calendar():
    """The working-day calendar for a page that computes with it (dashboard figures), its
    closure days checked against the database once per request, so a day declared by another
    process is honoured here.

    The check reads in a short session of its own (a plain read, no SQLite write lock), not the
    request's session: a view may manage its own transactions (migrate runs one per case).
    """
    process_engine = get_process_engine()
    if not g.get("calendar_checked"):
        with current_app.extensions["lscb.readers"]() as session:
            process_engine.refresh_calendar(session)
        g.calendar_checked = True
    return process_engine.calendar


def board_tz() -> ZoneInfo:
    """The board's local time zone (``LSCB_TIMEZONE``)."""
    return current_app.extensions["lscb.process_engine"].calendar.tz


def close_session(exc: BaseException | None = None) -> None:
    """Roll back anything the view did not commit, and close the session."""
    session = g.pop("db_session", None)
    if session is not None:
        if exc is not None or session.in_transaction():
            session.rollback()
        session.close()
