from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import models
from engine import schema
from models.session import make_engine


def test_migrations_build_exactly_the_models_schema(db_url):
    db = make_engine(db_url)
    schema.upgrade_schema(db)
    schema.upgrade_schema(db)                     # idempotent
    with db.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, models.Base.metadata)
    db.dispose()
    assert diff == [], "models changed without a migration: run the autogenerate command " \
                       "in README 'Schema changes'"
