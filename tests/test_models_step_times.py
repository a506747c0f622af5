"""Time in each step (``statistics.step_times``) over all years: nearest-rank median and 90th
percentile, read on PostgreSQL at their ranks from an index of the durations instead of sorting
ten years of a pathway's tasks."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, text

from models import Definition, HumanTask, ProcessInstance, statistics

START = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
BOTH = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


def seed(session, durations: dict[str, list[float]], process_id: str = "p1") -> None:
    """One case of ``process_id`` and, per step, a completed task for each duration (seconds),
    plus an open and a cancelled task that must not count."""
    session.add(Definition(id=1, process_id=process_id, version=1, name="", content_hash="x",
                           files={}, spec_json="{}", lanes=[]))
    session.add(ProcessInstance(id=1, definition_id=1, process_id=process_id, status="active",
                                state_json="{}", serializer_version="1"))
    session.flush()
    for bpmn_id, values in durations.items():
        for n, seconds in enumerate(values):
            session.add(HumanTask(id=f"{bpmn_id}-{n}", instance_id=1, process_id=process_id,
                                  bpmn_id=bpmn_id, title=f"Step {bpmn_id}", status="completed",
                                  created_at=START,
                                  completed_at=START + timedelta(seconds=seconds)))
        session.add(HumanTask(id=f"{bpmn_id}-open", instance_id=1, process_id=process_id,
                              bpmn_id=bpmn_id, title=f"Step {bpmn_id} (renamed)", status="open",
                              created_at=START))
        session.add(HumanTask(id=f"{bpmn_id}-cancelled", instance_id=1, process_id=process_id,
                              bpmn_id=bpmn_id, title="A", status="cancelled", created_at=START,
                              completed_at=START + timedelta(days=999)))
    session.commit()


@pytest.mark.parametrize("backend", BOTH)
def test_median_and_90th_percentile_are_the_values_at_the_nearest_ranks(backend, sessions):
    durations = {"one": [7.5], "two": [20, 10], "ten": list(range(10, 0, -1)),
                 "eleven": [5.0] * 6 + [1.25] * 5,
                 "hours": [3600 * h + 0.001 for h in range(1, 22)]}
    with sessions() as session:
        seed(session, durations)
        found = {s.bpmn_id: s for s in statistics.step_times(session, "p1")}
    # rank ceil(n * p) of the sorted values, 1-based (SQLite's julianday is good to ~0.1 ms)
    expected = {"one": (1, 7.5, 7.5), "two": (2, 10, 20), "ten": (10, 5, 9),
                "eleven": (11, 5.0, 5.0), "hours": (21, 3600 * 11 + 0.001, 3600 * 19 + 0.001)}
    assert {b: (s.count, s.median, s.p90) for b, s in found.items()} == {
        b: (n, pytest.approx(median, abs=1e-3), pytest.approx(p90, abs=1e-3))
        for b, (n, median, p90) in expected.items()}
    assert found["one"].title == "Step one"     # the greatest title of the tasks counted


@pytest.mark.postgres
def test_postgresql_reads_the_ranks_from_the_durations_index(sessions):
    """Each percentile is one index-only walk to its rank: no sort of the step's durations
    (``percentile_disc`` sorted a pathway's 285,000 tasks on every cold dashboard)."""
    with sessions() as session:
        seed(session, {"a": list(range(1, 40)), "b": [3, 1, 2]})
        statements = []
        listen = lambda conn, cursor, sql, params, context, many: statements.append((sql, params))
        event.listen(session.get_bind(), "before_cursor_execute", listen)
        try:
            statistics.step_times(session, "p1")
        finally:
            event.remove(session.get_bind(), "before_cursor_execute", listen)
        ranked = [(sql, params) for sql, params in statements if "human_task" in sql]
        assert len(ranked) == 1 and "percentile" not in ranked[0][0]
        # a table this small would be scanned: the plan wanted on ten years of tasks is forced
        session.execute(text("SET LOCAL enable_seqscan = off"))
        session.execute(text("SET LOCAL enable_bitmapscan = off"))
        plan = "\n".join(row[0] for row in session.connection().exec_driver_sql(
            "EXPLAIN " + ranked[0][0], ranked[0][1]))
    assert "Index Only Scan using ix_human_task_step_seconds" in plan
    assert "Sort" not in plan


@pytest.mark.postgres
def test_the_ranking_settings_last_only_as_long_as_the_ranking(sessions):
    """No parallel workers and 32 MB to sort in while step times are ranked; the transaction's
    own settings again afterwards, over all years and over a period."""
    with sessions() as session:
        seed(session, {"a": [1, 2, 3]})
        show = ("SELECT current_setting('work_mem'), "
                "current_setting('max_parallel_workers_per_gather')")
        session.execute(text("SET LOCAL work_mem = '5MB'"))
        session.execute(text("SET LOCAL max_parallel_workers_per_gather = 1"))
        before = session.execute(text(show)).one()
        seen = []
        listen = lambda conn, *args: seen.append(conn.exec_driver_sql(show).one()) \
            if "human_task" in args[1] else None
        event.listen(session.get_bind(), "before_cursor_execute", listen)
        try:
            statistics.step_times(session, "p1")
            statistics.step_times(session, "p1", since=START)
        finally:
            event.remove(session.get_bind(), "before_cursor_execute", listen)
        assert session.execute(text(show)).one() == before == ("5MB", "1")
    assert seen == [("32MB", "0")] * 2


def counts_kept(session) -> dict:
    return {(p, b): n for p, b, n in session.execute(text(
        "SELECT process_id, bpmn_id, completed FROM step_count WHERE completed <> 0"))}


def counts_of_tasks(session) -> dict:
    return {(p, b): n for p, b, n in session.execute(text(
        "SELECT process_id, bpmn_id, count(*) FROM human_task WHERE status = 'completed' "
        "AND completed_at IS NOT NULL GROUP BY process_id, bpmn_id"))}


@pytest.mark.postgres
def test_the_database_keeps_each_steps_count_of_completed_tasks_whatever_writes_them(sessions):
    """``step_count`` (what all-years step times count a step's tasks from, instead of reading
    ten years of them) follows every write to the tasks, the ORM's and raw SQL alike."""
    with sessions() as session:
        seed(session, {"a": [1, 2, 3], "b": [5]})
        assert counts_kept(session) == counts_of_tasks(session) == {("p1", "a"): 3, ("p1", "b"): 1}
        changes = [
            "UPDATE human_task SET status = 'completed', completed_at = created_at "
            "WHERE id = 'a-open'",                                           # completed
            "UPDATE human_task SET status = 'cancelled' WHERE id = 'a-0'",  # no longer counted
            "UPDATE human_task SET completed_at = NULL WHERE id = 'a-1'",
            "UPDATE human_task SET bpmn_id = 'b' WHERE id = 'a-2'",          # moved to another step
            "UPDATE human_task SET process_id = 'p2' WHERE id = 'b-0'",
            "UPDATE human_task SET title = 'x', completed_at = completed_at + interval '1 day' "
            "WHERE id = 'a-2'",                                              # still counted once
            "INSERT INTO human_task (id, instance_id, process_id, bpmn_id, title, status, "
            "created_at, completed_at, deadline_step, escalation_level, candidate_groups, "
            "candidate_users, form, documentation) SELECT 'c-0', 1, 'p1', 'c', 'C', 'completed', "
            "now(), now(), 0, 0, '[]', '[]', '{}', ''",
            "DELETE FROM human_task WHERE id = 'b-open'",                    # not counted
            "DELETE FROM human_task WHERE id = 'c-0'",
        ]
        for sql in changes:
            session.execute(text(sql))
            assert counts_kept(session) == counts_of_tasks(session), sql
        session.commit()
        assert counts_kept(session) == {("p1", "a"): 1, ("p1", "b"): 1, ("p2", "b"): 1}
        session.execute(text("DELETE FROM process_instance"))              # cascades
        assert counts_kept(session) == counts_of_tasks(session) == {}
        session.rollback()
        session.execute(text("TRUNCATE human_task CASCADE"))
        assert counts_kept(session) == counts_of_tasks(session) == {}
