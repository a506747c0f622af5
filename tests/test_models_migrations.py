from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import models
from engine import schema
from models.session import make_engine


def test_migrations_build_exactly_the_models_schema(db_url):
    db_engine = make_engine(db_url)
    schema.upgrade_schema(db_engine)
    schema.upgrade_schema(db_engine)                     # idempotent
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, models.Base.metadata)
    db_engine.dispose()
    assert diff == [], "models changed without a migration: run the autogenerate command " \
                       "in README 'Schema changes'"
