from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import models
from engine import schema
from models.session import make_engine


def insert_old_definition(conn, row_id: int, process_id: str, files_json: str) -> None:
    """A definition row as the table was before 0007_starters (the models have more columns)."""
    from sqlalchemy import text
    conn.execute(text(
        "INSERT INTO definition (id, process_id, version, name, content_hash, files, spec_json, "
        "lanes, deployed_at, change_note) VALUES (:id, :pid, 1, '', 'x', :files, '{}', '[]', "
        "'2027-01-01 00:00:00', '')"), {"id": row_id, "pid": process_id, "files": files_json})


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

    from models import HumanTask, LaneMapping, ProcessInstance, TaskCandidate

    db_engine = make_engine(db_url)
    schema.upgrade_schema(db_engine, "0003_unassignable")   # the revision before 0004_groups
    with Session(db_engine) as session, session.begin():
        insert_old_definition(session, 1, "p", "{}")
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


def test_upgrading_reads_starters_description_and_start_form_from_each_deployed_diagram(db_url):
    import json
    from pathlib import Path

    from sqlalchemy.orm import Session

    from models import Definition
    xml = (Path(__file__).parent / "data/engine/start_form.bpmn").read_text()
    db_engine = make_engine(db_url)
    schema.upgrade_schema(db_engine, "0006_token_messages")   # the revision before 0007_starters
    with db_engine.begin() as conn:
        for row_id, process_id in ((1, "notify"), (2, "gone")):
            insert_old_definition(conn, row_id, process_id, json.dumps({"start_form.bpmn": xml}))
    schema.upgrade_schema(db_engine)
    with Session(db_engine) as session:
        notify, gone = session.get(Definition, 1), session.get(Definition, 2)
        assert notify.starter_groups == ["police", "health"] and notify.starter_users == ["sam"]
        assert notify.description.startswith("An agency notifies a serious incident. The")
        assert [f["id"] for f in notify.start_form["fields"]] == [
            "case_title", "incident_date", "children"]
        assert notify.start_form["fields"][0]["validation"] == {"minlength": "5"}
        assert (gone.starter_groups, gone.start_form) == ([], {"fields": []})
    db_engine.dispose()
