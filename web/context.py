"""What a CLI command or a server process needs: configuration, sessions and one engine."""
from __future__ import annotations

import functools
import os

from engine import ProcessEngine
from engine.calendar import WorkingCalendar
from models.session import database_url, make_engine, make_session_factory


@functools.lru_cache(maxsize=None)
def _database(url: str):
    engine = make_engine(url)
    return engine, make_session_factory(engine)


class Context:
    """Lazily built database engine, session factory and process engine for one process."""

    def __init__(self, url: str | None = None):
        self.url = url or database_url()

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
