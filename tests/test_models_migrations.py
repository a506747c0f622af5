import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData

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


def built_on(dialect: str) -> MetaData:
    """The models' schema as they build it on ``dialect``: an index declared for another dialect
    only (``Index(...).ddl_if(dialect="postgresql")``, e.g. the cases list's trigram index) is
    left out there and compared where it is built (Alembic does not read ``ddl_if``)."""
    elsewhere = {ix.name for table in models.Base.metadata.tables.values() for ix in table.indexes
                 if ix._ddl_if is not None and ix._ddl_if.dialect not in (None, dialect)}
    built = MetaData(naming_convention=models.Base.metadata.naming_convention)
    for table in models.Base.metadata.sorted_tables:
        copy = table.to_metadata(built)
        for ix in [ix for ix in copy.indexes if ix.name in elsewhere]:
            copy.indexes.discard(ix)
    return built


def test_migrations_build_exactly_the_models_schema(db_url):
    db_engine = make_engine(db_url)
    schema.upgrade_schema(db_engine)
    schema.upgrade_schema(db_engine)                     # idempotent
    with db_engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, built_on(conn.dialect.name))
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


def test_upgrading_enters_the_child_deaths_notified_before_the_cdop_register(db_url):
    from datetime import datetime, timezone

    from alembic import command
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from models import AuditEvent, ChildDeath, ProcessInstance
    from models.cdop_reports import cdop_annual_figures
    from models.learning_reports import year_period

    def at(*parts):
        return datetime(*parts, tzinfo=timezone.utc)

    form_a = dict(date_of_death="2026-05-02", child_age_at_death=4,
                  stillbirth_or_planned_termination=False, jar_trigger="none",
                  abuse_or_neglect_suspected=False, regime="LSCB_WT2015")
    cases = {   # as P5 before the register stored them: no board, no worked-out scope
        1: {**form_a, "category_of_death": "cat_10", "modifiable_factors": "identified",
            "contributing_factors": "Co-sleeping", "pattern_alert": True},     # reviewed
        2: {**form_a, "board": "reading", "abuse_or_neglect_suspected": True,
            "referred_to_chair": True},                                         # unreviewed
        3: {**form_a, "child_age_at_death": 18},                                # out of scope
        4: {"case_title": "Form A still open"},                                 # not notified yet
        5: {**form_a, "regime": "MASA_WT2018", "stillbirth_or_planned_termination": True,
            "jar_trigger": "unattended_stillbirth"},                            # 2018: counted
    }
    db_engine = make_engine(db_url)
    schema.upgrade_schema(db_engine, "0014_region_indexes")   # the revision before the backfill
    with Session(db_engine) as session, session.begin():
        insert_old_definition(session, 1, "p05_child_death_review", "{}")
        for iid, data in cases.items():
            session.add(ProcessInstance(id=iid, definition_id=1, process_id="p05_child_death_review",
                                        reference=f"CDR-{iid}", status="active", data=data,
                                        serializer_version="1", state_json="{}",
                                        started_at=at(2026, 5, 3, 9), updated_at=at(2026, 11, 1)))
        session.add_all([
            AuditEvent(at=at(2026, 5, 4, 10), action="task_completed", instance_id=1,
                       bpmn_id="notify_death", detail={"values": form_a}),
            AuditEvent(at=at(2026, 10, 20, 14), action="task_completed", instance_id=1,
                       bpmn_id="panel_review",
                       detail={"values": {"panel_abuse_or_neglect_suspected": False}}),
            AuditEvent(at=at(2026, 5, 5, 10), action="task_completed", instance_id=2,
                       bpmn_id="notify_death", detail={"values": cases[2]})])
    schema.upgrade_schema(db_engine)
    with Session(db_engine) as session:
        rows = {r.instance_id: r for r in session.scalars(select(ChildDeath))}
        assert sorted(rows) == [1, 2, 3, 5]
        reviewed, unreviewed, outside, stillbirth = rows[1], rows[2], rows[3], rows[5]
        assert (reviewed.case_ref, reviewed.board, reviewed.regime, reviewed.in_scope) == (
            "CDR-1", "Bracknell Forest", "LSCB_WT2015", True)
        assert (reviewed.notified_at, reviewed.reviewed_at) == (at(2026, 5, 4, 10),
                                                                at(2026, 10, 20, 14))
        assert (reviewed.category, reviewed.modifiable_factors, reviewed.factors,
                reviewed.pattern_alert, reviewed.pattern_theme) == (
            "cat_10", "identified", "Co-sleeping", True, "other_pattern")
        assert (unreviewed.board, unreviewed.referred_at, unreviewed.reviewed_at) == (
            "Reading", at(2026, 5, 5, 10), None)
        assert (outside.in_scope, outside.counted, outside.notified_at) == (
            False, False, at(2026, 5, 3, 9))                 # no Form A event: when it started
        assert stillbirth.unattended_stillbirth and stillbirth.counted
        figures = cdop_annual_figures(session, *year_period(2026))
        assert figures["notified"] == {"Bracknell Forest": 2, "Reading": 1}
        assert figures["reviewed"] == {"Bracknell Forest": 1}
        assert figures["total"]["alerts"] == 1
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "child_death_registered")) == 4
    with db_engine.begin() as connection:                    # and again: nothing twice
        config = schema.alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0014_region_indexes")
    schema.upgrade_schema(db_engine)
    with Session(db_engine) as session:
        assert session.scalar(select(func.count()).select_from(ChildDeath)) == 4
    db_engine.dispose()


@pytest.mark.postgres
def test_the_migration_bumps_row_version_on_postgres_as_create_all_does(db_url):
    """0018 installs the trigger that bumps ``row_version`` on an UPDATE that leaves it alone
    (compliance's stamps rely on it); its downgrade removes it, function and all."""
    from alembic import command
    from sqlalchemy import text
    db_engine = make_engine(db_url)
    schema.upgrade_schema(db_engine)
    with db_engine.begin() as conn:
        insert_old_definition(conn, 1, "p", "{}")
        conn.execute(text(
            "INSERT INTO process_instance (id, definition_id, process_id, title, status, "
            "serializer_version, started_at, updated_at, row_version, data, state_json) VALUES "
            "(1, 1, 'p', '', 'active', '1', now(), now(), 4, '{}', '{}')"))
        conn.execute(text("UPDATE process_instance SET data = '{\"received_on\": \"2025-01-02\"}'"))
        assert conn.scalar(text("SELECT row_version FROM process_instance")) == 5
        conn.execute(text("UPDATE process_instance SET row_version = 9, title = 'set'"))
        assert conn.scalar(text("SELECT row_version FROM process_instance")) == 9
        conn.execute(text("UPDATE process_instance SET title = 'again'"))
        assert conn.scalar(text("SELECT row_version FROM process_instance")) == 10
    with db_engine.begin() as connection:
        config = schema.alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0017_dashboard_summary")
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE process_instance SET title = 'untouched'"))
        assert conn.scalar(text("SELECT row_version FROM process_instance")) == 10
        assert conn.scalar(text("SELECT count(*) FROM pg_proc "
                                "WHERE proname = 'process_instance_row_version'")) == 0
    db_engine.dispose()


@pytest.mark.postgres
def test_upgrading_counts_the_completed_tasks_already_there_and_keeps_counting(db_url):
    from sqlalchemy import text
    db_engine = make_engine(db_url)
    schema.upgrade_schema(db_engine, "0019_compliance_stamps")   # the revision before step_count
    with db_engine.begin() as conn:
        insert_old_definition(conn, 1, "p", "{}")
        conn.execute(text("INSERT INTO process_instance (id, definition_id, process_id, title, "
                          "status, serializer_version, started_at, updated_at, row_version, data, "
                          "state_json) VALUES (1, 1, 'p', '', 'active', '1', now(), now(), 1, "
                          "'{}', '{}')"))
        for n, status in enumerate(["completed", "completed", "open", "cancelled"]):
            conn.execute(text(
                "INSERT INTO human_task (id, instance_id, process_id, bpmn_id, title, status, "
                "created_at, completed_at, deadline_step, escalation_level, candidate_groups, "
                "candidate_users, form, documentation) VALUES (:id, 1, 'p', 'b', 'T', :status, "
                "now(), CASE WHEN :open THEN NULL ELSE now() END, 0, 0, '[]', '[]', '{}', '')"),
                {"id": f"t{n}", "status": status, "open": status == "open"})
    schema.upgrade_schema(db_engine)
    with db_engine.begin() as conn:
        assert conn.execute(text("SELECT process_id, bpmn_id, completed FROM step_count")).all() \
            == [("p", "b", 2)]
        conn.execute(text("UPDATE human_task SET status = 'completed', completed_at = now() "
                          "WHERE id = 't2'"))
        assert conn.scalar(text("SELECT completed FROM step_count")) == 3
    from alembic import command
    config = schema.alembic_config()
    with db_engine.begin() as conn:                                # and back down
        config.attributes["connection"] = conn
        command.downgrade(config, "0019_compliance_stamps")
    with db_engine.begin() as conn:
        conn.execute(text("UPDATE human_task SET status = 'cancelled' WHERE id = 't2'"))
        assert conn.scalar(text("SELECT to_regclass('step_count')")) is None
    db_engine.dispose()


@pytest.mark.postgres
def test_upgrading_compresses_new_states_with_lz4_and_reads_the_old_ones(db_url):
    """0021_state_lz4: values written before stay pglz and read the same; new ones are lz4.
    0022_hot_case_saves: the stamps' index is the one create_all builds, without the version."""
    from sqlalchemy import text
    from tests.test_models_case_saves import BIG, COMPRESSION, STORED
    db = make_engine(db_url)
    schema.upgrade_schema(db, "0020_step_counts")
    with db.begin() as conn:
        insert_old_definition(conn, 1, "p", "{}")
        for case in (1, 2):
            conn.execute(text("INSERT INTO process_instance (id, definition_id, process_id, "
                              "title, status, serializer_version, started_at, updated_at, "
                              "row_version, data, state_json) VALUES (:id, 1, 'p', '', 'active', "
                              "'1', now(), now(), 1, '{}', :big)"), {"id": case, "big": BIG})
        assert conn.execute(STORED).scalars().all() == ["pglz", "pglz"]
    schema.upgrade_schema(db)
    with db.begin() as conn:
        assert conn.scalar(text(
            "SELECT indexdef FROM pg_indexes WHERE indexname = "
            "'ix_process_instance_statutory_parts'")).endswith(
            "(statutory_start, id) INCLUDE (status, statutory_la_aware_on, statutory_received_on, "
            "statutory_panel_notified_on, statutory_review_started_on, "
            "statutory_notification_sent_on, statutory_route_decided_on, "
            "statutory_rapid_review_sent_on, statutory_published_on, statutory_la_must_notify)")
        assert conn.scalar(COMPRESSION) == "l"
        conn.execute(text("UPDATE process_instance SET state_json = :big || ' ' WHERE id = 2"),
                     {"big": BIG})
        assert conn.execute(STORED).scalars().all() == ["pglz", "lz4"]
        assert conn.scalar(text("SELECT state_json FROM process_instance WHERE id = 1")) == BIG
    from alembic import command
    config = schema.alembic_config()
    with db.begin() as conn:                                       # and back down
        config.attributes["connection"] = conn
        command.downgrade(config, "0020_step_counts")
    with db.connect() as conn:
        assert conn.scalar(COMPRESSION) == ""
    db.dispose()
