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


def test_upgrading_turns_group_names_written_in_capitals_into_slugs(db_url):
    from sqlalchemy.orm import Session

    from models import Definition, HumanTask, LaneMapping, ProcessInstance, TaskCandidate

    db_engine = make_engine(db_url)
    schema.upgrade_schema(db_engine, "0003_unassignable")   # the revision before 0004_groups
    with Session(db_engine) as session, session.begin():
        session.add(Definition(id=1, process_id="p", version=1, content_hash="x", files={},
                               spec_json="{}"))
        session.add(ProcessInstance(id=1, definition_id=1, process_id="p", status="active",
                                    serializer_version="1", state_json="{}"))
        session.flush()
        for task_id, groups in (("t1", ["Police", "health"]), ("t2", ["POLICE", "police"])):
            session.add(HumanTask(id=task_id, instance_id=1, process_id="p", bpmn_id="b", title="T",
                                  status="open", candidate_groups=groups))
            session.flush()
            session.add_all(TaskCandidate(task_id=task_id, group_slug=g) for g in groups)
        session.add(LaneMapping(lane="Agency", group_slug="Police"))
    schema.upgrade_schema(db_engine)
    with Session(db_engine) as session:
        assert session.get(HumanTask, "t1").candidate_groups == ["police", "health"]
        assert session.get(HumanTask, "t2").candidate_groups == ["police"]
        assert sorted(session.query(TaskCandidate.task_id, TaskCandidate.group_slug)) == [
            ("t1", "health"), ("t1", "police"), ("t2", "police")]
        assert session.get(LaneMapping, "Agency").group_slug == "police"
    db_engine.dispose()


def test_outbox_rows_that_had_given_up_are_parked_not_retried(db_url):
    from sqlalchemy import text
    db_engine = make_engine(db_url)
    schema.upgrade_schema(db_engine, "0004_groups")          # the revision before 0005_outbox
    with db_engine.begin() as conn:
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
