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


def test_outbox_rows_that_had_given_up_are_parked_not_retried(db_url):
    from alembic import command
    from sqlalchemy import text
    db_engine = make_engine(db_url)
    config = schema.alembic_config()
    with db_engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0001")
        conn.execute(text(
            "INSERT INTO email_outbox (user_name, to_address, kind, subject, body, status, "
            "attempts, next_attempt_at, created_at) VALUES ('pat', 'p@x.test', 'immediate', 's', "
            "'b', :status, 8, '2027-01-01 00:00:00', '2027-01-01 00:00:00')"),
            [{"status": "failed"}, {"status": "pending"}])
    schema.upgrade_schema(db_engine)
    with db_engine.connect() as conn:
        statuses = conn.execute(text("SELECT status FROM email_outbox ORDER BY id")).scalars().all()
    db_engine.dispose()
    assert statuses == ["parked", "pending"]
