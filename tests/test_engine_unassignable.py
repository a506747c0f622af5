from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine import InputError, NotAllowed, people
from engine.actors import load_actor
from models import EmailOutbox, HumanTask, Notification
from models.queries import history

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)          # Monday 09:00 GMT


@pytest.fixture
def board(sessions):
    """The business unit (one manager in it), a manager outside it, and agency staff."""
    with sessions.begin() as s:
        for slug in ("business-unit", "police", "health", "intake"):
            people.add_group(s, slug)
        people.add_user(s, "bea", None, groups=["business-unit"], roles=["manager"],
                        email="bea@board.test")
        people.add_user(s, "mia", None, roles=["manager"], email="mia@board.test")
        people.add_user(s, "pat", None, groups=["police"], email="pat@police.test")
        people.add_user(s, "ada", None, roles=["admin"])


def start_agencies(sessions, process_engine, deploy, agencies, reference="UA-1"):
    deploy("engine/mi_agencies.bpmn")
    with sessions.begin() as s:
        return process_engine.start(s, "mi_agencies", load_actor(s, "mia"),
                                    {"agencies": agencies}, reference=reference, now=T0)


def task_rows(sessions, instance_id):
    with sessions() as s:
        return {t.candidate_groups[0]: t for t in s.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id))}


def test_a_task_for_a_group_with_no_active_member_is_unassignable_and_the_business_unit_is_told(
        sessions, process_engine, deploy, board):
    with sessions.begin() as s:
        people.add_user(s, "hal", None, groups=["health"], active=False)
    case = start_agencies(sessions, process_engine, deploy, ["police", "health", "nowhere"])
    rows = task_rows(sessions, case.id)
    assert rows["police"].unassignable_since is None
    assert rows["health"].unassignable_since == T0          # its only member is deactivated
    assert rows["nowhere"].unassignable_since == T0         # the group does not exist
    with sessions() as s:
        events = history(s, case.id, action="task_unassignable")
        notes = s.scalars(select(Notification).where(Notification.kind == "unassignable")).all()
        mails = s.scalars(select(EmailOutbox).where(EmailOutbox.subject.contains("Nobody can act"))).all()
    assert sorted(e.detail["groups"] for e in events) == [["health"], ["nowhere"]]
    assert {e.task_id for e in events} == {rows["health"].id, rows["nowhere"].id}
    # the business unit's manager, in-app and by email, naming the case and the group asked for
    assert sorted((n.user_name, n.link) for n in notes) == [
        ("bea", f"/instances/{case.id}"), ("bea", f"/instances/{case.id}")]
    assert sorted(n.subject for n in notes) == [
        "Nobody can act on “Agency report (health)” of case UA-1 (asked for: health)",
        "Nobody can act on “Agency report (nowhere)” of case UA-1 (asked for: nowhere)"]
    assert sorted(m.to_address for m in mails) == ["bea@board.test", "bea@board.test"]
    assert "UA-1" in mails[0].body and f"/instances/{case.id}" in mails[0].body


def test_without_a_business_unit_every_manager_is_told(sessions, process_engine, deploy, board):
    with sessions.begin() as s:
        people.add_user(s, "bea", None, groups=[], roles=["manager"])
    case = start_agencies(sessions, process_engine, deploy, ["health"])
    with sessions() as s:
        notes = s.scalars(select(Notification).where(Notification.kind == "unassignable")).all()
    assert sorted(n.user_name for n in notes) == ["bea", "mia"]
    assert all(n.instance_id == case.id for n in notes)


def test_a_task_offered_to_active_people_is_not_reported(sessions, process_engine, deploy, board):
    case = start_agencies(sessions, process_engine, deploy, ["police"])
    with sessions() as s:
        assert history(s, case.id, action="task_unassignable") == []
        assert s.scalars(select(Notification).where(Notification.kind == "unassignable")).all() \
            == []


def unassignable_reports(sessions, instance_id):
    with sessions() as s:
        return [(e.actor, e.detail["asked_for"])
                for e in history(s, instance_id, action="task_unassignable")]


def test_deactivating_the_last_member_reports_the_groups_tasks(sessions, process_engine, deploy,
                                                               board):
    case = start_agencies(sessions, process_engine, deploy, ["police"])
    with sessions.begin() as s:
        process_engine.add_user(s, load_actor(s, "ada"), "pat", None, groups=["police"],
                                active=False)
    assert task_rows(sessions, case.id)["police"].unassignable_since is not None
    assert unassignable_reports(sessions, case.id) == [("ada", ["police"])]
    with sessions() as s:
        notes = s.scalars(select(Notification).where(Notification.kind == "unassignable")).all()
    assert [(n.user_name, n.instance_id) for n in notes] == [("bea", case.id)]


def test_leaving_the_group_reports_it_and_a_new_member_clears_it(sessions, process_engine, deploy,
                                                                 board):
    case = start_agencies(sessions, process_engine, deploy, ["police"])
    with sessions.begin() as s:
        process_engine.add_user(s, load_actor(s, "ada"), "pat", None, groups=["health"])
    assert task_rows(sessions, case.id)["police"].unassignable_since is not None
    assert unassignable_reports(sessions, case.id) == [("ada", ["police"])]
    with sessions.begin() as s:
        process_engine.add_user(s, load_actor(s, "ada"), "pam", None, groups=["police"])
    assert task_rows(sessions, case.id)["police"].unassignable_since is None


def test_deactivating_the_assignee_reports_the_claimed_task(sessions, process_engine, deploy,
                                                            board):
    case = start_agencies(sessions, process_engine, deploy, ["police"])
    task_id = case.tasks[0].id
    with sessions.begin() as s:
        process_engine.add_user(s, load_actor(s, "ada"), "pam", None, groups=["police"])
        process_engine.claim(s, task_id, load_actor(s, "pat"))
    with sessions.begin() as s:
        process_engine.add_user(s, load_actor(s, "ada"), "pat", None, groups=["police"],
                                active=False)
    assert unassignable_reports(sessions, case.id) == [("ada", ["pat"])]
    with sessions.begin() as s:     # back to the group, where pam can take it
        process_engine.reassign(s, task_id, load_actor(s, "bea"), None, "pat has left")
    assert task_rows(sessions, case.id)["police"].unassignable_since is None


def test_a_manager_reassigns_an_unassignable_task_to_a_group(sessions, process_engine, deploy,
                                                             board):
    case = start_agencies(sessions, process_engine, deploy, ["nowhere"])
    task_id = case.tasks[0].id
    with sessions.begin() as s:
        record = process_engine.reassign(s, task_id, load_actor(s, "bea"), None,
                                         "police hold this case", groups=["police"])
    assert record.candidate_groups == ["police"] and record.unassignable_since is None
    with sessions() as s:
        task = s.get(HumanTask, task_id)
        assert [c.group_slug for c in task.candidates] == ["police"]       # pat's worklist
        event = history(s, case.id, action="task_reassigned")[-1]
        notes = s.scalars(select(Notification).where(Notification.kind == "assigned",
                                                     Notification.task_id == task_id)).all()
    assert event.detail["groups"] == ["police"] and event.detail["previous_groups"] == ["nowhere"]
    assert event.detail["reason"] == "police hold this case"
    assert [n.user_name for n in notes] == ["pat"]
    # the new group stays the task's when the run refreshes it (a due date change)
    with sessions.begin() as s:
        process_engine.change_due_date(s, task_id, load_actor(s, "bea"),
                                       datetime(2027, 4, 1, 17, tzinfo=timezone.utc), "extended",
                                       confirmed=True)
    assert task_rows(sessions, case.id)["police"].unassignable_since is None
    assert unassignable_reports(sessions, case.id) == [("mia", ["nowhere"])]


def test_reassigning_to_an_empty_group_is_reported_and_to_no_group_refused(
        sessions, process_engine, deploy, board):
    case = start_agencies(sessions, process_engine, deploy, ["police"])
    task_id = case.tasks[0].id
    with sessions.begin() as s:
        process_engine.reassign(s, task_id, load_actor(s, "bea"), None, "wrong agency",
                                groups=["health"])
    assert unassignable_reports(sessions, case.id) == [("bea", ["health"])]
    with pytest.raises(InputError), sessions.begin() as s:
        process_engine.reassign(s, task_id, load_actor(s, "bea"), None, "typo",
                                groups=["helth"])
    with pytest.raises(NotAllowed), sessions.begin() as s:
        process_engine.reassign(s, task_id, load_actor(s, "pat"), None, "mine",
                                groups=["police"])


def test_a_closed_task_no_longer_counts_as_unassignable(sessions, process_engine, deploy, board):
    case = start_agencies(sessions, process_engine, deploy, ["police", "nowhere"])
    with sessions.begin() as s:
        process_engine.cancel(s, case.id, load_actor(s, "mia"), "opened by mistake")
    rows = task_rows(sessions, case.id)
    assert rows["nowhere"].status == "cancelled" and rows["nowhere"].unassignable_since is None


def test_a_task_is_given_only_to_an_active_person(sessions, process_engine, deploy, board):
    """The engine itself refuses to hand a task to a name no active user has (the API, the
    batch and the case page all reassign through it): a task given to nobody would wait for
    ever."""
    case = start_agencies(sessions, process_engine, deploy, ["police"])
    task_id = case.tasks[0].id
    with sessions.begin() as s:
        process_engine.add_user(s, load_actor(s, "ada"), "pat", None, groups=["police"],
                                active=False)
    for name in ("nobody", "pat"):        # unknown; deactivated
        with pytest.raises(InputError) as refused, sessions.begin() as s:
            process_engine.reassign(s, task_id, load_actor(s, "bea"), name, "over to them")
        assert refused.value.context.get("field") == "assignee" and name in refused.value.message
    with sessions() as s:
        assert s.get(HumanTask, task_id).assignee is None
        assert not history(s, case.id, action="task_reassigned")
    with sessions.begin() as s:
        process_engine.reassign(s, task_id, load_actor(s, "bea"), "mia", "mia has capacity")
    assert task_rows(sessions, case.id)["police"].assignee == "mia"
