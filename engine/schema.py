"""Create or upgrade the database schema through Alembic migrations."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at our migrations folder."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url)
    return config


def upgrade_schema(db_engine: Engine, revision: str = "head") -> None:
    """Bring the database to the newest schema, or to ``revision`` (idempotent)."""
    config = alembic_config()
    with db_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
