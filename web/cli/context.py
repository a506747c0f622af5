"""What a CLI command or a server process needs: settings, sessions and one engine."""
from __future__ import annotations

import dataclasses
import functools
import os

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from engine import ProcessEngine, Settings, SettingsError, session_info
from models.session import make_engine, make_session_factory

_DATABASES: dict[str, tuple] = {}


def load_settings() -> Settings:
    """The process's settings from the environment; a bad value stops the command with one
    line naming the variable (click prints it and exits 1), never a traceback."""
    try:
        return Settings.from_env(os.environ)
    except SettingsError as exc:
        raise click.ClickException(f"configuration: {exc}") from None


def _database(settings: Settings):
    """One engine and session factory per database URL in this process."""
    url = settings.database_url
    if url not in _DATABASES:
        db_engine = make_engine(url)
        _DATABASES[url] = (db_engine, make_session_factory(db_engine, session_info(settings)))
    return _DATABASES[url]


def dispose_all() -> None:
    """Close every pooled connection this process opened through a Context."""
    while _DATABASES:
        _DATABASES.popitem()[1][0].dispose()


class Context:
    """Lazily built database engine, session factory and process engine for one process."""

    def __init__(self, url: str | None = None, process_engine: ProcessEngine | None = None,
                 settings: Settings | None = None):
        settings = settings or (process_engine.settings if process_engine is not None else load_settings())
        self.settings = settings if url is None else dataclasses.replace(settings,
                                                                         database_url=url)
        self.url = self.settings.database_url
        if process_engine is not None:        # share one engine (and its calendar) with a web app
            self.__dict__["process_engine"] = process_engine

    @property
    def db_engine(self):
        """The SQLAlchemy engine."""
        return _database(self.settings)[0]

    @property
    def sessions(self):
        """The session factory."""
        return _database(self.settings)[1]

    @functools.cached_property
    def process_engine(self) -> ProcessEngine:
        """The process engine, its calendar loaded with the board's closure days."""
        process_engine = ProcessEngine(settings=self.settings)
        try:
            with self.sessions() as session:
                process_engine.refresh_calendar(session)
        except (OperationalError, ProgrammingError):
            pass     # no schema yet (before ``lscb db upgrade``): no closure days to load
        return process_engine
