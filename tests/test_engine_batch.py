"""Batch operations on a selection of cases: previewed (what each case would become, or why it
is skipped), then applied case by case with one reason and an audit entry each."""
from datetime import datetime, timedelta, timezone
from pathlib import Path

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


def _audited(sessions, action) -> list[tuple]:
    with sessions() as s:
        return [(e.instance_id, e.actor, e.detail.get("reason"))
                for e in s.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id))]


def test_a_batch_resumes_then_cancels_previewing_each_and_auditing_each(sessions, process_engine,
                                                                       three):
    with sessions() as s:
        mia = load_actor(s, "mia")
        resume = process_engine.preview_batch(s, mia, "resume", three, "Police finished")
    assert [(i.ok, i.change) for i in resume] == [
        (False, "Skipped: the case is active"), (False, "Skipped: the case is active"),
        (True, "suspended → active")]
    done = process_engine.apply_batch(sessions, mia, "resume", three[2:], "Police finished")
    assert [(i.instance_id, i.ok, i.change) for i in done] == [(three[2], True, "Now active")]
    assert _audited(sessions, "instance_resumed") == [(three[2], "mia", "Police finished")]
    with sessions() as s:
        cancel = process_engine.preview_batch(s, mia, "cancel", three[:2], "Duplicates")
        assert [i.change for i in cancel] == ["active → cancelled"] * 2
        assert {s.get(ProcessInstance, i).status for i in three} == {"active"}   # nothing written
    done = process_engine.apply_batch(sessions, mia, "cancel", three[:2], "Duplicates")
    assert [(i.ok, i.change) for i in done] == [(True, "Now cancelled")] * 2
    assert _audited(sessions, "instance_cancelled") == [(i, "mia", "Duplicates") for i in three[:2]]
    with sessions() as s:
        again = process_engine.preview_batch(s, mia, "cancel", three[:1], "Duplicates")
    assert [(i.ok, i.change) for i in again] == [(False, "Skipped: the case is cancelled")]


def test_a_batch_retries_incidents_and_says_which_failed_again(sessions, process_engine, deploy,
                                                               three):
    deploy("incidents/divide.bpmn")
    cases = []
    with sessions.begin() as s:
        ann = load_actor(s, "ann")
        for _ in range(2):
            record = process_engine.start(s, "divide", ann, {"log": []})
            process_engine.complete(s, record.tasks[0].id, ann, {"divisor": 0, "kind": "plain"})
            cases.append(record.id)
        mia = load_actor(s, "mia")
        process_engine.set_data(s, cases[0], mia, {"divisor": 4}, "divisor corrected")
    with sessions() as s:
        preview = process_engine.preview_batch(s, mia, "retry", [*cases, three[0]], "Fixed")
    assert [i.ok for i in preview] == [True, True, False]
    assert "ZeroDivisionError" in preview[0].change and preview[2].change == "Skipped: the case is active"
    done = process_engine.apply_batch(sessions, mia, "retry", cases, "Fixed")
    assert done[0].ok and done[0].change.startswith("Now ")
    assert not done[1].ok and done[1].change.startswith("Failed again: ") and "ZeroDivision" in done[1].change
    assert [(i, r) for i, _, r in _audited(sessions, "incident_retried")] == [(c, "Fixed") for c in cases]


def test_a_batch_moves_cases_to_the_latest_version_and_skips_those_already_there(
        sessions, process_engine, three):
    xml = (Path(__file__).parent / "data/engine/two_lane.bpmn").read_text()
    with sessions.begin() as s:
        process_engine.deploy(s, {"two_lane.bpmn": xml.replace("Triage the notification", "Triage")},
                              "tester", "shorter title")
        newer = process_engine.start(s, "two_lane", load_actor(s, "ann"), {}).id
        mia = load_actor(s, "mia")
    with sessions() as s:
        preview = process_engine.preview_batch(s, mia, "migrate", [three[0], newer], "New title")
    assert [(i.ok, i.change) for i in preview] == [
        (True, "version 1 → 2 (checked again when applied)"),
        (False, "Skipped: already on the latest version (2)")]
    done = process_engine.apply_batch(sessions, mia, "migrate", three[:2], "New title")
    assert [(i.ok, i.change) for i in done] == [(True, "Now on version 2")] * 2
    with sessions() as s:
        assert {t.title for t in s.scalars(select(HumanTask).where(
            HumanTask.instance_id.in_(three[:2])))} == {"Triage"}
    assert [i for i, _, _ in _audited(sessions, "instance_migrated")] == three[:2]


def test_a_batch_gives_the_open_tasks_to_a_person(sessions, process_engine, three):
    with sessions() as s:
        mia = load_actor(s, "mia")
        preview = process_engine.preview_batch(s, mia, "reassign", three[:1], "Bob covers",
                                               assignee="bob")
        assert preview[0].change == "Triage the notification: intake → bob"
        with pytest.raises(InputError) as refused:
            process_engine.preview_batch(s, mia, "reassign", three[:1], "x", assignee="nobody")
        assert refused.value.context["field"] == "assignee"
    done = process_engine.apply_batch(sessions, mia, "reassign", three[:2], "Bob covers",
                                      assignee="bob")
    assert [r.change for r in done] == ["1 open task(s) given to bob"] * 2
    with sessions() as s:
        assert {t.assignee for t in s.scalars(select(HumanTask).where(
            HumanTask.instance_id.in_(three[:2])))} == {"bob"}
    assert _audited(sessions, "task_reassigned") == [(i, "mia", "Bob covers") for i in three[:2]]


def test_a_batch_over_ticked_tasks_reassigns_and_moves_due_dates_with_a_result_each(
        sessions, process_engine, three):
    with sessions() as s:
        mia = load_actor(s, "mia")
        tasks = [t.id for t in s.scalars(select(HumanTask).where(
            HumanTask.instance_id.in_(three[:2])).order_by(HumanTask.instance_id))]
        preview = process_engine.preview_batch(s, mia, "reassign", tasks, "Police lead",
                                               on="tasks", group="police")
        assert [(i.task_id, i.change, i.ok) for i in preview] == [
            (t, "Triage the notification: intake → police", True) for t in tasks]
        with pytest.raises(InputError) as refused:
            process_engine.preview_batch(s, mia, "suspend", tasks, "x", on="tasks")
        assert refused.value.context["field"] == "action"
        with pytest.raises(NotAllowed):
            process_engine.preview_batch(s, load_actor(s, "ann"), "due", tasks, "x",
                                         on="tasks", due_at=T0)
    done = process_engine.apply_batch(sessions, mia, "reassign", tasks[:1] + ["gone"],
                                      "Police lead", on="tasks", group="police")
    assert [(i.ok, i.change) for i in done] == [(True, "Offered to police"),
                                                (False, "No such task")]
    new_due = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=60)
    done = process_engine.apply_batch(sessions, mia, "due", tasks, "Agreed", on="tasks",
                                      due_at=new_due)
    assert [i.ok for i in done] == [True, True] and done[0].change.startswith("Due ")
    with sessions() as s:
        rows = {t.id: t for t in s.scalars(select(HumanTask).where(HumanTask.id.in_(tasks)))}
    assert rows[tasks[0]].candidate_groups == ["police"] and rows[tasks[1]].candidate_groups == ["intake"]
    assert {r.due_at for r in rows.values()} == {new_due}
    assert [r for _, _, r in _audited(sessions, "task_reassigned")] == ["Police lead"]
    assert [i for i, _, _ in _audited(sessions, "due_date_changed")] == three[:2]
