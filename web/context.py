"""What a CLI command or a server process needs: configuration, sessions and one engine."""
from __future__ import annotations

import functools
import os

from engine import ProcessEngine
from engine.calendar import WorkingCalendar
from models.session import database_url, make_engine, make_session_factory


_DATABASES: dict[str, tuple] = {}


def _database(url: str):
    """One engine and session factory per database URL in this process."""
    if url not in _DATABASES:
        engine = make_engine(url)
        _DATABASES[url] = (engine, make_session_factory(engine))
    return _DATABASES[url]


def dispose_all() -> None:
    """Close every pooled connection this process opened through a Context."""
    while _DATABASES:
        _DATABASES.popitem()[1][0].dispose()


class Context:
    """Lazily built database engine, session factory and process engine for one process."""

    def __init__(self, url: str | None = None, engine: ProcessEngine | None = None):
        self.url = url or database_url()
        if engine is not None:        # share one engine (and its calendar) with a web app
            self.__dict__["engine"] = engine

    @property
    def db(self):
        """The SQLAlchemy engine."""
        return _database(self.url)[0]

    @property
    def sessions(self):
        """The session factory."""
        return _database(self.url)[1]

    @functools.cached_property
    def engine(self) -> ProcessEngine:
        """The process engine, with the configured working-day calendar."""
        region = os.environ.get("LSCB_HOLIDAY_REGION", "ENG")
        return ProcessEngine(calendar=WorkingCalendar(region=region))
