import stat
import threading
import time
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

import models
from conftest import _drop_postgres, _fresh_postgres
from engine import clock
from models.session import make_engine, make_session_factory
from web.cli import main
from web.cli.context import dispose_all

CASES = 40
BOTH = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


def lscb(url, *args, ok=True):
    result = CliRunner().invoke(main, [*args, "--json"], env={"LSCB_DATABASE_URL": url},
                                catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output + result.stderr
    return result


@pytest.fixture(params=BOTH)
def backend(request):
    """SQLite, and PostgreSQL through its mark (which makes ``db_url`` a PostgreSQL one)."""
    return request.param


@pytest.fixture
def empty_url(db_url, tmp_path, request):
    """A second, empty database of the same kind as the test's (created, without tables)."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    else:
        admin = request.getfixturevalue("postgres_admin_url")
        url = _fresh_postgres(admin)
        yield url
        dispose_all()
        _drop_postgres(admin, url)
    dispose_all()


@pytest.fixture
def board(sessions, people_factory, deploy, process_engine):
    """Reviewer rita and CASES cases of the timers diagram, each waiting at her review task
    (a reminder after 2 days, an escalation after 5): the tasks' ids."""
    rita = people_factory("rita", groups=["reviewers"])
    mo = people_factory("mo", roles=["manager"])
    deploy("engine/timers.bpmn")
    with sessions.begin() as session:
        return rita, [process_engine.start(session, "timers", mo).tasks[0].id for _ in range(CASES)]


def trail(sessions):
    with sessions() as session:
        return [(e.id, e.action, e.instance_id, e.task_id, e.detail) for e in
                session.scalars(select(models.AuditEvent).order_by(models.AuditEvent.id))]


def wait_for(condition, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_a_backup_taken_while_cases_complete_restores_a_consistent_running_board(
        backend, db_url, empty_url, sessions, process_engine, board, tmp_path, time_machine):
    rita, task_ids = board
    done, stop = [], threading.Event()

    def reviewer():                     # completes the cases one by one, each its own commits
        for task_id in task_ids:
            if stop.is_set():
                return
            with sessions.begin() as session:
                process_engine.claim(session, task_id, rita)
            with sessions.begin() as session:
                process_engine.complete(session, task_id, rita, {})
            done.append(task_id)
            time.sleep(0.01)

    worker = threading.Thread(target=reviewer)
    worker.start()
    try:
        wait_for(lambda: len(done) >= 5)
        path = tmp_path / "board.backup"
        written = lscb(db_url, "backup", str(path))
        at_backup = len(done)
        wait_for(lambda: len(done) >= at_backup + 5 or not worker.is_alive())
    finally:
        stop.set()
        worker.join()
    assert '"bytes"' in written.stdout and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "not empty" in lscb(db_url, "restore", str(path), ok=False).stderr    # the live board
    lscb(empty_url, "restore", str(path))

    target = make_engine(empty_url)
    restored = make_session_factory(target)
    try:
        restored_trail, live_trail = trail(restored), trail(sessions)
        assert restored_trail[-1][1] == "database_restored"
        kept = restored_trail[:-1]                       # the live trail up to the backup's moment
        assert kept == live_trail[:len(kept)] and len(kept) < len(live_trail)
        completed = {e[3] for e in kept if e[1] == "task_completed"}
        assert 5 <= len(completed) < len(done) and completed <= set(done)
        with restored() as session:                      # no half-saved case
            assert session.scalar(select(func.count()).select_from(models.ProcessInstance)) == CASES
            records = [process_engine.show(session, i) for i in
                       session.scalars(select(models.ProcessInstance.id).order_by(models.ProcessInstance.id))]
        for record in records:
            finished = record.status == "completed"
            assert finished == (not record.tasks) == (not record.timers)
            assert finished or (len(record.timers) == 2 and record.tasks[0].id not in completed)
        assert sum(r.status == "completed" for r in records) == len(completed)

        waiting = [r.tasks[0].id for r in records if r.tasks]
        with restored.begin() as session:                # the restored board runs: a task ...
            process_engine.claim(session, waiting[0], rita)
        with restored.begin() as session:
            assert process_engine.complete(session, waiting[0], rita, {}).status == "completed"
        later = clock.now() + timedelta(days=2, hours=1)   # ... and the reminders come due
        time_machine.move_to(later, tick=False)
        assert process_engine.fire_due_timers(restored, later) == len(waiting) - 1
        with restored() as session:
            reminded = process_engine.show(session, next(r.id for r in records if r.tasks
                                                         and r.tasks[0].id != waiting[0]))
        assert reminded.data.get("reminded") is True and len(reminded.timers) == 1
    finally:
        target.dispose()


@pytest.mark.parametrize("backend", BOTH)
def test_a_restore_refuses_a_file_that_is_not_a_backup_of_this_kind_of_database(
        backend, empty_url, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("not a backup")
    assert "not an lscb backup" in lscb(empty_url, "restore", str(junk), ok=False).stderr
    other = tmp_path / "other.backup"
    other.write_bytes(b"PGDMP" if empty_url.startswith("sqlite") else b"SQLite format 3\x00")
    assert "backup, but the database is" in lscb(empty_url, "restore", str(other), ok=False).stderr


@pytest.mark.parametrize("backend", BOTH)
def test_a_backup_never_overwrites_a_file_unless_forced(backend, db_url, db_engine, tmp_path):
    path = tmp_path / "board.backup"
    path.write_text("yesterday's backup")
    assert "exists" in lscb(db_url, "backup", str(path), ok=False).stderr
    assert path.read_text() == "yesterday's backup"
    lscb(db_url, "backup", str(path), "--force")
    assert path.stat().st_size > 1000 and not list(tmp_path.glob(".board.backup.*"))


@pytest.mark.postgres
def test_postgres_backup_names_a_missing_or_older_pg_dump(db_url, db_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert "pg_dump is not on PATH" in lscb(db_url, "backup", str(tmp_path / "b"), ok=False).stderr
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    old.chmod(0o755)
    refused = lscb(db_url, "backup", str(tmp_path / "b"), ok=False).stderr
    assert "pg_dump 9 is older than the PostgreSQL" in refused and not (tmp_path / "b").exists()


def test_a_backup_piped_through_standard_output_restores_from_standard_input(
        db_url, empty_url, board):
    piped = CliRunner().invoke(main, ["backup", "-"], env={"LSCB_DATABASE_URL": db_url})
    magic = b"SQLite format 3\x00" if db_url.startswith("sqlite") else b"PGDMP"
    assert piped.exit_code == 0 and piped.stdout_bytes.startswith(magic)
    assert "written to standard output" in piped.stderr
    restored = CliRunner().invoke(main, ["restore", "-", "--json"], input=piped.stdout_bytes,
                                  env={"LSCB_DATABASE_URL": empty_url})
    assert restored.exit_code == 0, restored.output
    assert f'"process_instance": {CASES}' in restored.stdout
