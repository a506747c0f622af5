"""Two people completing the same task at the same moment: exactly one wins, state stays whole."""
import threading

import pytest
from sqlalchemy import func, select

from engine import Conflict, InputError, InvalidState
from models import AuditEvent, HumanTask, ProcessInstance
from models.session import make_engine, make_session_factory




@pytest.mark.parametrize("rounds", [5])
def test_concurrent_completion_has_exactly_one_winner(db_engine, sessions, process_engine, deploy,
                                                      people_factory, rounds):
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    ian = people_factory("ian", groups=["intake"])
    data = {"route": "scr", "summary": "Both saw it"}
    # a second, independent connection pool, as a second server process would have
    other_db = make_engine(db_engine.url.render_as_string(hide_password=False))
    other = make_session_factory(other_db)
    try:
        _rounds(sessions, other, process_engine, ivy, ian, data, rounds)
    finally:
        other_db.dispose()


def _rounds(sessions, other, process_engine, ivy, ian, data, rounds):
    for _ in range(rounds):
        with sessions.begin() as s:
            record = process_engine.start(s, "two_lane", ivy)
        task_id = record.tasks[0].id
        outcomes = race_two(sessions, other, process_engine, task_id, (ivy, ian), data)
        assert sorted(outcomes) in (["InvalidState", "ok"], ["Conflict", "ok"]), outcomes
        with sessions() as s:
            assert s.get(HumanTask, task_id).status == "completed"
            open_tasks = s.scalars(select(HumanTask).where(
                HumanTask.instance_id == record.id, HumanTask.status == "open")).all()
            assert [t.bpmn_id for t in open_tasks] == ["decide"]      # one next task, not two
            completions = s.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.task_id == task_id, AuditEvent.action == "task_completed"))
            assert completions == 1
            assert s.get(ProcessInstance, record.id).status == "active"


def race_two(first, second, process_engine, task_id, actors, data):
    def complete(session, actor):
        process_engine.complete(session, task_id, actor, data)
    return together(complete, zip((first, second), actors))


def together(command, runs):
    """Run ``command(session, *args)`` for each ``(session factory, *args)`` in its own thread,
    all released at once; returns each outcome: ``ok`` or the engine error's class name."""
    runs = list(runs)
    barrier = threading.Barrier(len(runs))
    outcomes = []

    def attempt(factory, *args):
        barrier.wait(timeout=30)
        try:
            with factory.begin() as session:
                command(session, *args)
            outcomes.append("ok")
        except (Conflict, InvalidState, InputError) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt, args=run) for run in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.postgres
def test_concurrent_completion_on_postgres(db_engine, sessions, process_engine, deploy, people_factory):
    test_concurrent_completion_has_exactly_one_winner(db_engine, sessions, process_engine, deploy,
                                                      people_factory, 5)


@pytest.mark.parametrize("rounds", [6])
def test_concurrent_reassignments_end_with_the_audited_assignee(db_engine, sessions,
                                                                process_engine, deploy,
                                                                people_factory, rounds):
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    people_factory("ian", groups=["intake"])
    managers = (people_factory("mona", roles=("manager",)), people_factory("max", roles=("manager",)))
    other_db = make_engine(db_engine.url.render_as_string(hide_password=False))
    try:
        for _ in range(rounds):
            with sessions.begin() as s:
                task_id = process_engine.start(s, "two_lane", ivy).tasks[0].id
            outcomes = race_reassign(sessions, make_session_factory(other_db), process_engine,
                                     task_id, managers, ("ivy", "ian"))
            assert "ok" in outcomes and set(outcomes) <= {"ok", "Conflict"}, outcomes
            with sessions() as s:
                events = s.scalars(select(AuditEvent).where(
                    AuditEvent.task_id == task_id, AuditEvent.action == "task_reassigned")
                    .order_by(AuditEvent.id)).all()
                assert len(events) == outcomes.count("ok")
                assert s.get(HumanTask, task_id).assignee == events[-1].detail["assignee"]
                previous = [None] + [e.detail["assignee"] for e in events[:-1]]
                assert [e.detail["previous"] for e in events] == previous   # each saw the truth
    finally:
        other_db.dispose()


def race_reassign(first, second, process_engine, task_id, actors, assignees):
    def reassign(session, actor, assignee):
        process_engine.reassign(session, task_id, actor, assignee, "cover")
    return together(reassign, zip((first, second), actors, assignees))


@pytest.mark.postgres
def test_concurrent_reassignments_on_postgres(db_engine, sessions, process_engine, deploy,
                                              people_factory):
    test_concurrent_reassignments_end_with_the_audited_assignee(
        db_engine, sessions, process_engine, deploy, people_factory, 6)


@pytest.mark.postgres
@pytest.mark.parametrize("command", ["cancel", "suspend", "change_due_date"])
def test_manager_commands_act_on_what_they_read_under_the_lock(db_url, sessions, process_engine,
                                                               deploy, people_factory, command):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite begins every write with the lock (BEGIN IMMEDIATE): nothing to go stale")
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    mona, max_ = people_factory("mona", roles=("manager",)), people_factory("max", roles=("manager",))
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", ivy)
    with sessions() as mine, mine.begin():
        seen = mine.get(ProcessInstance, record.id)        # this page read the case first
        assert seen.status == "active"
        with sessions.begin() as theirs:                   # meanwhile another manager suspends it
            process_engine.set_suspended(theirs, record.id, max_, True, "police asked")
        if command == "cancel":
            assert process_engine.cancel(mine, record.id, mona, "duplicate").status == "cancelled"
        elif command == "suspend":
            with pytest.raises(InvalidState, match="suspended"):
                process_engine.set_suspended(mine, record.id, mona, True, "again")
        else:
            process_engine.change_due_date(mine, record.tasks[0].id, mona,
                                           record.tasks[0].due_at, "agreed")


@pytest.mark.parametrize("rounds", [4])
def test_concurrent_starts_with_one_reference_make_one_case(db_engine, sessions, process_engine,
                                                            deploy, people_factory, rounds):
    deploy("engine/two_lane.bpmn")
    ivy = people_factory("ivy", groups=["intake"])
    other_db = make_engine(db_engine.url.render_as_string(hide_password=False))
    try:
        for n in range(rounds):
            def start(session, reference):
                process_engine.start(session, "two_lane", ivy, {}, reference)
            outcomes = together(start, [(sessions, f"LSCB-R-{n}"),
                                        (make_session_factory(other_db), f"LSCB-R-{n}")])
            assert sorted(outcomes) == ["InvalidState", "ok"], outcomes   # taken: a conflict
        with sessions() as s:
            assert s.scalar(select(func.count()).select_from(ProcessInstance)) == rounds
    finally:
        other_db.dispose()


@pytest.mark.postgres
def test_concurrent_starts_with_one_reference_on_postgres(db_engine, sessions, process_engine,
                                                          deploy, people_factory):
    test_concurrent_starts_with_one_reference_make_one_case(db_engine, sessions, process_engine,
                                                            deploy, people_factory, 4)
