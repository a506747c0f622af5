"""Two people completing the same task at the same moment: exactly one wins, state stays whole."""
import threading

import pytest
from sqlalchemy import func, select

from engine import Conflict, InvalidState
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
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt(factory, actor):
        barrier.wait()
        try:
            with factory.begin() as session:
                process_engine.complete(session, task_id, actor, data)
            outcomes.append("ok")
        except (Conflict, InvalidState) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=attempt, args=(f, a))
               for f, a in zip((first, second), actors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


@pytest.mark.postgres
def test_concurrent_completion_on_postgres(db_engine, sessions, process_engine, deploy, people_factory):
    test_concurrent_completion_has_exactly_one_winner(db_engine, sessions, process_engine, deploy,
                                                      people_factory, 5)
