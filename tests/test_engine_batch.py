"""Batch operations on a selection of cases: previewed (what each case would become, or why it
is skipped), then applied case by case with one reason and an audit entry each."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import InputError, NotAllowed
from engine.actors import load_actor
from models import AuditEvent, HumanTask, ProcessInstance

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def three(sessions, process_engine, deploy, people_factory):
    people_factory("ann", groups=["intake"])
    people_factory("mia", roles=["manager"])
    people_factory("bob", groups=["police"])
    deploy("engine/two_lane.bpmn")
    with sessions.begin() as s:
        ann = load_actor(s, "ann")
        ids = [process_engine.start(s, "two_lane", ann, {"case_title": f"Child {n}"}).id
               for n in "ABC"]
        process_engine.set_suspended(s, ids[2], load_actor(s, "mia"), True, "police asked")
    return ids


def test_a_batch_is_previewed_then_applied_case_by_case_with_one_reason(sessions, process_engine,
                                                                       three):
    with sessions() as s:
        mia = load_actor(s, "mia")
        preview = process_engine.preview_batch(s, mia, "suspend", three, "Awaiting police")
    assert [(i.instance_id, i.ok) for i in preview] == [(three[0], True), (three[1], True),
                                                        (three[2], False)]
    assert preview[0].change == "active → suspended" and "suspended" in preview[2].change
    with sessions() as s:
        assert s.get(ProcessInstance, three[0]).status == "active"          # nothing written
    done = process_engine.apply_batch(sessions, mia, "suspend", three, "Awaiting police")
    assert [(i.ok, i.change) for i in done] == [(True, "Now suspended"), (True, "Now suspended"),
                                                (False, f"instance {three[2]} is suspended")]
    with sessions() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "instance_suspended")
                           .order_by(AuditEvent.id)).all()
    assert [(e.instance_id, e.detail["reason"]) for e in events[-2:]] == \
        [(three[0], "Awaiting police"), (three[1], "Awaiting police")]


def test_a_batch_gives_open_tasks_to_a_group_and_moves_due_dates(sessions, process_engine, three):
    with sessions() as s:
        mia = load_actor(s, "mia")
        preview = process_engine.preview_batch(s, mia, "reassign", three[:2], "Police lead",
                                               group="police")
        assert preview[0].change == "Triage the notification: intake → police"
        past = process_engine.preview_batch(s, mia, "due", three[:1], "agreed",
                                            due_at=datetime(2020, 1, 6, 17, tzinfo=timezone.utc))
        assert "(in the past: overdue at once)" in past[0].change
    process_engine.apply_batch(sessions, mia, "reassign", three[:2], "Police lead", group="police")
    new_due = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=90)
    results = process_engine.apply_batch(sessions, mia, "due", three[:2], "agreed", due_at=new_due)
    assert [r.change for r in results] == ["1 open task(s) due date changed"] * 2
    with sessions() as s:
        tasks = s.scalars(select(HumanTask).where(HumanTask.instance_id.in_(three[:2]))).all()
    assert {(tuple(t.candidate_groups), t.due_at) for t in tasks} == {(("police",), new_due)}


def test_a_batch_needs_a_manager_a_reason_and_a_selection(sessions, process_engine, three):
    with sessions() as s:
        with pytest.raises(NotAllowed):
            process_engine.preview_batch(s, load_actor(s, "ann"), "cancel", three, "x")
        mia = load_actor(s, "mia")
        for action, ids, reason, field in [("cancel", three, " ", "reason"),
                                           ("cancel", [], "x", "instance_id"),
                                           ("explode", three, "x", "action"),
                                           ("reassign", three, "x", "group")]:
            with pytest.raises(InputError) as refused:
                process_engine.preview_batch(s, mia, action, ids, reason)
            assert refused.value.context["field"] == field
