from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import Actor, Conflict, FormInvalid, InvalidState, NotAllowed, NotFound
from engine import people
from engine.store import flush
from engine.timers import fire_due_timers
from models import AuditEvent, HumanTask, ProcessInstance
from models.queries import open_tasks

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)   # a Monday


@pytest.fixture
def staff(people_factory):
    return {
        "intake": people_factory("ivy", groups=["intake"]),
        "chair": people_factory("chris", groups=["lscb-chair"]),
        "police": people_factory("pat", groups=["police"]),
        "health": people_factory("hana", groups=["health"]),
        "bu": people_factory("bea", groups=["business-unit"]),
        "board": people_factory("bob", groups=["board"]),
        "reviewer": people_factory("rory", groups=["reviewers"]),
        "lead": people_factory("lee", groups=["leads"]),
        "manager": people_factory("mia", roles=["manager"]),
        "system": people_factory("sys", roles=["admin"]),
    }


def only_task(session, instance_id):
    tasks = open_tasks(session, instance_id=instance_id)
    assert len(tasks) == 1, [t.bpmn_id for t in tasks]
    return tasks[0]


def test_lanes_groups_gateway_and_deadlines(sessions, process_engine, deploy, staff):
    deploy("engine/two_lane.bpmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", staff["intake"], {"case_title": "Child A"}, now=T0)
    assert record.status == "active" and record.reference.startswith("LSCB-2027-")
    task = record.tasks[0]
    assert task.bpmn_id == "triage" and task.candidate_groups == ["intake"]
    assert task.lane == "Intake" and task.priority == 60
    # 5 working days from Monday 1 March 2027, same local time
    assert task.due_at == datetime(2027, 3, 8, 9, 0, tzinfo=timezone.utc)
    assert [f["id"] for f in task.form["fields"]] == ["route", "summary", "children"]
    with sessions.begin() as s:
        after = process_engine.complete(s, task.id, staff["intake"],
                                {"route": "scr", "summary": "Serious injury", "children": "2"},
                                now=T0 + timedelta(hours=1))
    decide = after.tasks[0]
    assert decide.bpmn_id == "decide" and decide.candidate_groups == ["lscb-chair"]
    assert after.data["route"] == "scr" and after.data["children"] == 2
    with sessions.begin() as s:
        done = process_engine.complete(s, decide.id, staff["chair"], {"scr_agreed": "yes"})
    assert done.status == "completed" and done.tasks == []


def test_default_flow_closes_the_case(sessions, process_engine, deploy, staff):
    deploy("engine/two_lane.bpmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", staff["intake"])
        done = process_engine.complete(s, record.tasks[0].id, staff["intake"],
                               {"route": "close", "summary": "No concerns"})
    assert done.status == "completed"


def test_lane_mapping_decides_the_group_of_a_lane_task(sessions, process_engine, deploy, staff):
    deploy("engine/two_lane.bpmn")
    with sessions.begin() as s:
        people.add_group(s, "chairs-office")
        people.map_lane(s, "LSCB Chair", "chairs-office")
        record = process_engine.start(s, "two_lane", staff["intake"])
        after = process_engine.complete(s, record.tasks[0].id, staff["intake"],
                                {"route": "scr", "summary": "Serious injury"})
    assert after.tasks[0].candidate_groups == ["chairs-office"]


@pytest.mark.parametrize("data, field", [
    ({"route": "maybe", "summary": "Serious injury"}, "route"),
    ({"route": "scr", "summary": "shrt"}, "summary"),
    ({"route": "scr"}, "summary"),
    ({"route": "scr", "summary": "Serious", "children": "two"}, "children"),
    ({"route": "scr", "summary": "Serious", "children": 21}, "children"),
    ({"route": "scr", "summary": "Serious", "injected": "x"}, "injected"),
])
def test_bad_form_values_are_refused_and_nothing_is_written(sessions, process_engine, deploy, staff,
                                                            data, field):
    deploy("engine/two_lane.bpmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", staff["intake"])
        version = s.get(ProcessInstance, record.id).row_version
    with pytest.raises(FormInvalid) as err, sessions.begin() as s:
        process_engine.complete(s, record.tasks[0].id, staff["intake"], data)
    assert field in err.value.errors
    with sessions() as s:
        assert s.get(ProcessInstance, record.id).row_version == version
        assert only_task(s, record.id).status == "open"


def test_only_candidates_claim_and_only_the_assignee_completes(sessions, process_engine, deploy, staff):
    deploy("engine/two_lane.bpmn")
    with sessions.begin() as s:
        task = process_engine.start(s, "two_lane", staff["intake"]).tasks[0]
    with pytest.raises(NotFound), sessions.begin() as s:
        process_engine.claim(s, task.id, staff["police"])        # not offered: invisible
    with sessions.begin() as s:
        people.add_user(s, "ian", "correct horse battery", groups=["intake"])
    with sessions.begin() as s:
        assert process_engine.claim(s, task.id, staff["intake"]).assignee == "ivy"
    with pytest.raises(NotAllowed), sessions.begin() as s:
        from engine.actors import load_actor
        process_engine.complete(s, task.id, load_actor(s, "ian"), {"route": "close", "summary": "None!"})
    with sessions.begin() as s:
        assert process_engine.unclaim(s, task.id, staff["intake"]).assignee is None


def test_parallel_multi_instance_over_agencies(sessions, process_engine, deploy, staff):
    deploy("engine/mi_agencies.bpmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "mi_agencies", staff["system"], {"agencies": ["police", "health"]})
    groups = sorted(t.candidate_groups[0] for t in record.tasks)
    assert groups == ["health", "police"]
    by_group = {t.candidate_groups[0]: t for t in record.tasks}
    with pytest.raises(NotFound), sessions.begin() as s:      # takes no part in the case
        process_engine.complete(s, by_group["health"].id, staff["intake"], {"findings": "x"})
    with pytest.raises(NotAllowed), sessions.begin() as s:    # sees the case, not its task
        process_engine.complete(s, by_group["health"].id, staff["police"], {"findings": "x"})
    with sessions.begin() as s:
        process_engine.complete(s, by_group["police"].id, staff["police"], {"findings": "Known to police"})
    with sessions.begin() as s:
        done = process_engine.complete(s, by_group["health"].id, staff["health"], {"findings": "GP saw"})
    assert done.status == "completed" and done.data["reported"] == 2


def test_call_activity_and_dmn_decision(sessions, process_engine, deploy, staff):
    deploy("engine/call_parent.bpmn", "engine/call_child.bpmn", "engine/route_decision.dmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "call_parent", staff["bu"])
        task = record.tasks[0]
        assert task.bpmn_id == "summarise" and task.candidate_groups == ["business-unit"]
        after = process_engine.complete(s, task.id, staff["bu"], {"child_died": True, "concerns": True})
    assert after.data["route"] == "scr"
    assert [t.bpmn_id for t in after.tasks] == ["final"]


def test_boundary_timers_and_intermediate_timer_with_controlled_time(sessions, process_engine, deploy,
                                                                    staff):
    deploy("engine/timers.bpmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "timers", staff["system"], now=T0)
    due = {t.bpmn_id: t.due_at for t in record.timers}
    assert due == {"remind_timer": T0 + timedelta(days=2), "escalate_timer": T0 + timedelta(days=5)}
    assert fire_due_timers(sessions, process_engine, T0 + timedelta(days=1)) == 0
    assert fire_due_timers(sessions, process_engine, T0 + timedelta(days=2, seconds=1)) == 1
    with sessions() as s:
        shown = process_engine.show(s, record.id)
    assert [t.bpmn_id for t in shown.tasks] == ["review"]       # non-interrupting: still open
    assert shown.data.get("reminded") is True
    assert fire_due_timers(sessions, process_engine, T0 + timedelta(days=5, seconds=1)) == 1
    with sessions() as s:
        shown = process_engine.show(s, record.id)
        review = s.get(HumanTask, record.tasks[0].id)
        assert review.status == "cancelled"
    assert [t.bpmn_id for t in shown.tasks] == ["escalation"]
    assert shown.tasks[0].candidate_groups == ["leads"]
    with sessions.begin() as s:
        waiting = process_engine.complete(s, shown.tasks[0].id, staff["lead"], {},
                                  now=T0 + timedelta(days=6))
    assert [t.bpmn_id for t in waiting.timers] == ["cool_off"]
    assert fire_due_timers(sessions, process_engine, T0 + timedelta(days=7, seconds=1)) == 1
    with sessions() as s:
        assert process_engine.show(s, record.id).status == "completed"
        fired = s.scalar(select(func.count()).select_from(AuditEvent)
                         .where(AuditEvent.action == "timer_fired"))
    assert fired == 3


def test_timer_inside_a_call_activity_fires(sessions, process_engine, deploy, staff):
    deploy("engine/call_parent.bpmn", "engine/call_child.bpmn", "engine/route_decision.dmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "call_parent", staff["bu"], now=T0)
    assert [t.bpmn_id for t in record.timers] == ["c_late"]
    assert fire_due_timers(sessions, process_engine, T0 + timedelta(days=3, seconds=1)) == 1
    with sessions() as s:
        shown = process_engine.show(s, record.id)
    assert [t.bpmn_id for t in shown.tasks] == ["summarise"] and shown.timers == []


def test_wall_clock_timers_with_time_machine(sessions, process_engine, deploy, staff, time_machine):
    time_machine.move_to(T0, tick=False)
    deploy("engine/timers.bpmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "timers", staff["system"])
    assert record.timers[0].due_at in (T0 + timedelta(days=2), T0 + timedelta(days=5))
    time_machine.move_to(T0 + timedelta(days=2, minutes=1), tick=False)
    assert fire_due_timers(sessions, process_engine) == 1


def test_thrown_message_starts_another_process_and_correlates_updates(sessions, process_engine, deploy,
                                                                     staff):
    deploy("engine/thrower.bpmn", "engine/receiver.bpmn")
    with sessions.begin() as s:
        for ref in ("C-1", "C-2"):
            process_engine.start(s, "thrower", staff["system"], {"case_ref": ref, "reason": "death"})
    with sessions() as s:
        receivers = s.scalars(select(ProcessInstance).where(
            ProcessInstance.process_id == "receiver").order_by(ProcessInstance.id)).all()
        assert [r.data["referral"]["case_ref"] for r in receivers] == ["C-1", "C-2"]
        assert [r.reference for r in receivers] == ["C-1", "C-2"]
    with pytest.raises(NotFound), sessions.begin() as s:
        process_engine.send_message(s, "scr_update", {"case_ref": "C-9"}, staff["system"])
    with sessions.begin() as s:
        hit = process_engine.send_message(s, "scr_update", {"case_ref": "C-2", "text": "inquest"},
                                  staff["system"])
    assert hit == [receivers[1].id]
    with sessions() as s:
        assert [t.bpmn_id for t in process_engine.show(s, receivers[1].id).tasks] == ["consider"]
        assert process_engine.show(s, receivers[0].id).tasks == []


def test_deploy_versions_only_on_change_and_instances_keep_their_version(sessions, process_engine,
                                                                         deploy, staff, tmp_path):
    first = deploy("engine/two_lane.bpmn")[0]
    assert (first.version, first.created) == (1, True)
    again = deploy("engine/two_lane.bpmn")[0]
    assert (again.version, again.created) == (1, False)
    with sessions.begin() as s:
        old = process_engine.start(s, "two_lane", staff["intake"])
    changed = (Path(__file__).parent / "data/engine/two_lane.bpmn").read_text().replace(
        'name="Triage the notification"', 'name="Triage the incident"')
    with sessions.begin() as s:
        second = process_engine.deploy(s, {"two_lane.bpmn": changed.encode()}, "po", "rename")[0]
        new = process_engine.start(s, "two_lane", staff["intake"])
    assert (second.version, second.created) == (2, True)
    assert (old.definition_version, new.definition_version) == (1, 2)
    assert (old.tasks[0].title, new.tasks[0].title) == ("Triage the notification",
                                                        "Triage the incident")
    with sessions.begin() as s:
        done = process_engine.complete(s, old.tasks[0].id, staff["intake"],
                               {"route": "close", "summary": "Old version"})
    assert done.status == "completed" and done.definition_version == 1


def test_cancel_suspend_and_audit_trail(sessions, process_engine, deploy, staff):
    deploy("engine/two_lane.bpmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", staff["intake"])
    with pytest.raises(NotAllowed), sessions.begin() as s:
        process_engine.cancel(s, record.id, staff["intake"], "no")
    with sessions.begin() as s:
        process_engine.set_suspended(s, record.id, staff["manager"], True, "waiting for police")
    with pytest.raises(InvalidState), sessions.begin() as s:
        process_engine.complete(s, record.tasks[0].id, staff["intake"], {"route": "close", "summary": "x" * 6})
    with sessions.begin() as s:
        process_engine.set_suspended(s, record.id, staff["manager"], False, "police replied")
        cancelled = process_engine.cancel(s, record.id, staff["manager"], "duplicate referral")
    assert cancelled.status == "cancelled" and cancelled.tasks == []
    with sessions() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == record.id).order_by(AuditEvent.id))]
    assert actions == ["instance_started", "task_created", "instance_suspended",
                       "instance_resumed", "instance_cancelled"]


def test_a_completed_task_cannot_be_completed_twice(sessions, process_engine, deploy, staff):
    deploy("engine/two_lane.bpmn")
    with sessions.begin() as s:
        task = process_engine.start(s, "two_lane", staff["intake"]).tasks[0]
        process_engine.complete(s, task.id, staff["intake"], {"route": "close", "summary": "Closed now"})
    with pytest.raises(InvalidState), sessions.begin() as s:
        process_engine.complete(s, task.id, staff["intake"], {"route": "close", "summary": "Closed now"})


def test_stale_write_is_a_conflict(sessions, process_engine, deploy, staff):
    deploy("engine/two_lane.bpmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", staff["intake"])
    with sessions() as first, sessions() as second:
        stale = second.get(ProcessInstance, record.id)
        second.commit()                      # the row stays loaded, as on an open form
        first.get(ProcessInstance, record.id).title = "first"
        first.commit()
        stale.title = "second"
        with pytest.raises(Conflict):
            flush(second)


def test_a_thrown_message_is_sent_once_even_when_the_thrower_acts_again(sessions, process_engine, deploy,
                                                                        people_factory):
    deploy("engine/thrower_wait.bpmn", "engine/receiver.bpmn")
    cdop = people_factory("cara", groups=["cdop"])
    with sessions.begin() as s:
        record = process_engine.start(s, "thrower_wait", cdop, {"case_ref": "C-1", "reason": "death"})
    with sessions.begin() as s:
        process_engine.complete(s, record.tasks[0].id, cdop, {})
    with sessions() as s:
        receivers = s.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.process_id == "receiver"))
    assert receivers == 1


def test_a_draft_is_seen_by_its_author_only(sessions, process_engine, deploy, staff):
    deploy("engine/mi_agencies.bpmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "mi_agencies", staff["system"],
                                      {"agencies": ["police", "health"]})
    by_group = {t.candidate_groups[0]: t for t in record.tasks}
    health_task = by_group["health"].id
    with sessions.begin() as s:
        process_engine.save_draft(s, health_task, staff["health"], {"findings": "GP saw JB"})
    with sessions() as s:
        assert process_engine.task(s, health_task, staff["health"]).draft == {"findings": "GP saw JB"}
        assert process_engine.task(s, health_task, staff["police"]).draft is None   # takes part
        assert all(t.draft is None for t in process_engine.show(s, record.id).tasks)


def test_a_message_reaches_only_cases_the_sender_may_see_or_is_trusted_to_message(
        sessions, process_engine, deploy, staff):
    deploy("engine/thrower.bpmn", "engine/receiver.bpmn")
    with sessions.begin() as s:
        process_engine.start(s, "thrower", staff["system"], {"case_ref": "C-1", "reason": "death"})
    outsider = staff["police"]                       # takes no part in the receiving case
    with pytest.raises(NotFound), sessions.begin() as s:       # same answer as nothing waiting
        process_engine.send_message(s, "scr_update", {"case_ref": "C-1", "text": "forged"},
                                    outsider)
    with pytest.raises(NotFound), sessions.begin() as s:       # nor may it start a case
        process_engine.send_message(s, "scr_referral", {"case_ref": "C-7"}, outsider)
    partner = Actor("partner-system", roles=frozenset({"integration"}),
                    messages=frozenset({"scr_update"}))
    with sessions.begin() as s:                      # a partner trusted with this message
        [hit] = process_engine.send_message(s, "scr_update", {"case_ref": "C-1", "text": "ok"},
                                            partner)
    with sessions() as s:
        assert [t.bpmn_id for t in process_engine.show(s, hit).tasks] == ["consider"]
        assert s.scalar(select(func.count()).select_from(ProcessInstance)
                        .where(ProcessInstance.reference == "C-7")) == 0


def test_a_draft_keeps_invalid_and_incomplete_values_as_typed_until_complete(
        sessions, process_engine, deploy, staff):
    deploy("engine/mi_agencies.bpmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "mi_agencies", staff["system"], {"agencies": ["health"]})
    task_id, health = record.tasks[0].id, staff["health"]
    typed = {"findings": "  GP  "}      # as typed: not stripped, not checked
    with sessions.begin() as s:
        process_engine.save_draft(s, task_id, health, typed, now=datetime(2026, 3, 2, 14, 5, tzinfo=timezone.utc))
    with sessions() as s:
        kept = process_engine.task(s, task_id, health)
        assert kept.draft == typed
        assert kept.draft_saved_at == datetime(2026, 3, 2, 14, 5, tzinfo=timezone.utc)
        assert process_engine.task(s, task_id, staff["system"]).draft_saved_at is None
    with sessions.begin() as s, pytest.raises(FormInvalid):
        process_engine.save_draft(s, task_id, health, {"no_such_field": "x"})
    with sessions.begin() as s, pytest.raises(FormInvalid):
        process_engine.save_draft(s, task_id, health, {"findings": "x" * 20_001})
