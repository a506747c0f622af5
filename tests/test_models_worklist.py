"""The worklist's index-only queries (models/queries.py inbox_page, inbox_counts) give exactly
what the reference ``inbox_query`` gives, and task_candidate's copies of the task's assignee,
due date and process follow every change the engine makes (engine/task_rows.py)."""
import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import case, func, select

from engine import task_rows
from models import Definition, HumanTask, ProcessInstance, TaskCandidate
from models.queries import inbox_counts, inbox_page, inbox_query
from models.status import TaskStatus

UTC = timezone.utc
NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
GROUPS = ["g1", "g2", "g3"]
USERS = ["ann", "bob"]


def _seed(session, rnd: random.Random, n: int = 160) -> None:
    definition = Definition(process_id="px", version=1, content_hash="x", files={},
                            spec_json="", lanes=[])
    session.add(definition)
    session.flush()
    for i in range(n // 8):
        session.add(ProcessInstance(id=i + 1, definition_id=definition.id, process_id="px",
                                    reference=f"R{i}", title="", status="active", state_json="{}",
                                    serializer_version="1", data={}, started_at=NOW,
                                    updated_at=NOW))
    session.flush()
    for i in range(n):
        groups = rnd.sample(GROUPS, rnd.choice([0, 1, 1, 2, 3]))
        due = None if rnd.random() < 0.15 else NOW + timedelta(hours=rnd.randint(-48, 96))
        process_id, assignee = rnd.choice(["px", "py"]), rnd.choice([None, None, None, "ann", "bob"])
        session.add(HumanTask(
            id=f"t{i:03d}", instance_id=i // 8 + 1, process_id=process_id,
            bpmn_id="u", title=f"Task {rnd.randint(0, 9)}", status="open", created_at=NOW,
            due_at=due, assignee=assignee, candidate_groups=groups,
            candidates=[TaskCandidate(group_slug=g, assignee=assignee, due_at=due,
                                      process_id=process_id) for g in groups]))
    session.flush()


def _change_some(session, rnd: random.Random) -> None:
    """Claims, releases, due date changes and completions through the engine's one writer of
    task rows (engine/task_rows.py), which keeps the worklist copies in step."""
    tasks = session.scalars(select(HumanTask).order_by(HumanTask.id)).all()
    for task in rnd.sample(tasks, 60):
        what = rnd.choice(["claim", "unclaim", "due", "regroup", "complete"])
        if what == "claim":
            task_rows.update_task(session, task, assignee=rnd.choice(USERS))
        elif what == "unclaim":
            task_rows.update_task(session, task, assignee=None)
        elif what == "due":
            task_rows.update_task(session, task, due_at=None if rnd.random() < 0.2
                                  else NOW + timedelta(hours=rnd.randint(-9, 9)))
        elif what == "regroup":
            task_rows.update_task(session, task, candidate_groups=rnd.sample(GROUPS, 2))
        else:
            task_rows.close(session, [task], TaskStatus.COMPLETED, NOW, by="ann")
    session.flush()


def _reference(session, user, groups, filters, now, descending, offset, limit):
    order = HumanTask.due_at.desc() if descending else HumanTask.due_at.asc()
    stmt = inbox_query(user, groups, **filters)
    rows = session.scalars(stmt.order_by(HumanTask.due_at.is_(None), order, HumanTask.id)
                           .offset(offset).limit(limit)).all()
    total, mine, overdue = session.execute(inbox_query(
        user, groups, func.count(),
        func.coalesce(func.sum(case((HumanTask.assignee == user, 1), else_=0)), 0),
        func.coalesce(func.sum(case((HumanTask.due_at < now, 1), else_=0)), 0),
        **filters)).one()
    return [t.id for t in rows], {"total": total, "mine": int(mine), "overdue": int(overdue)}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_index_only_worklist_matches_the_reference_query(sessions, seed):
    rnd = random.Random(seed)
    with sessions.begin() as session:
        _seed(session, rnd)
        _change_some(session, rnd)
    with sessions() as session:
        copies = session.execute(select(TaskCandidate.task_id, TaskCandidate.assignee,
                                        TaskCandidate.due_at, TaskCandidate.process_id)).all()
        assert copies
        for task_id, assignee, due_at, process_id in copies:
            task = session.get(HumanTask, task_id)
            assert task.status == "open"
            assert (assignee, due_at, process_id) == (task.assignee, task.due_at, task.process_id)
        for _ in range(60):
            user = rnd.choice(USERS + ["cat"])
            groups = set(rnd.sample(GROUPS, rnd.randint(0, 3)))
            filters = {"process_id": rnd.choice([None, "px"]),
                       "group": rnd.choice([None, None, *GROUPS]),
                       "due_before": rnd.choice([None, NOW + timedelta(hours=24)]),
                       "overdue_at": rnd.choice([None, NOW])}
            descending, offset, limit = rnd.random() < 0.3, rnd.choice([0, 5, 20]), 7
            ids, counts = _reference(session, user, groups, filters, NOW, descending, offset,
                                     limit)
            page = inbox_page(session, user, groups, offset=offset, limit=limit,
                              descending=descending, **filters)
            assert [t.id for t in page] == ids, (user, groups, filters, descending, offset)
            assert inbox_counts(session, user, groups, NOW, **filters) == counts
