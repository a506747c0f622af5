"""Alembic environment: runs against the connection handed in by engine.schema (or a URL)."""
import os

from alembic import context

import models
from engine.settings import Settings
from models.session import make_engine

config = context.config
target_metadata = models.Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or Settings.from_env(os.environ).database_url
    db_engine = make_engine(url)
    with db_engine.connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite",
                      compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
