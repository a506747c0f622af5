from pathlib import Path

import pytest
from sqlalchemy import select

from engine import NotAllowed, people
from engine.actors import load_actor
from models import AuditEvent, HumanTask, Notification, ProcessInstance, TaskCandidate
from models.status import TaskStatus

TWO_LANE = (Path(__file__).parent / "data/engine/two_lane.bpmn").read_text()
EXTRA = ('<camunda:formField id="extra" label="Extra" type="string"><camunda:validation>'
         '<camunda:constraint name="required" /></camunda:validation></camunda:formField>'
         '<camunda:formField id="children"')
GOOD = {"route": "scr", "summary": "A fine summary", "children": "2"}


@pytest.fixture
def case(sessions, process_engine, people_factory):
    people_factory("ann", groups=["intake", "police"])
    people_factory("owner", roles=["process_owner", "manager"])
    with sessions.begin() as s:
        people.add_group(s, "lscb-chair")    # the lane of 'decide'
        process_engine.deploy(s, {"two_lane.bpmn": TWO_LANE.encode()}, "tester")
    with sessions.begin() as s:
        return process_engine.start(s, "two_lane", load_actor(s, "ann"), {"case_title": "T"})


def deploy_v(sessions, process_engine, xml):
    with sessions.begin() as s:
        return process_engine.deploy(s, {"two_lane.bpmn": xml.encode()}, "owner", "next")[0].version


def test_an_instance_moves_to_a_version_with_a_new_field_and_group_keeping_its_due_date(
        sessions, process_engine, case):
    v2 = deploy_v(sessions, process_engine, TWO_LANE.replace('<camunda:formField id="children"', EXTRA)
                  .replace('candidateGroups="intake"', 'candidateGroups="police"'))
    with sessions() as s:
        [plan] = process_engine.preview_migration(s, "two_lane", v2)
        assert plan.ok and plan.from_version == 1 and plan.to_version == 2
        assert s.get(ProcessInstance, case.id).definition.version == 1      # preview wrote nothing
    with sessions.begin() as s:
        assert process_engine.migrate(s, case.id, v2, load_actor(s, "owner")).ok
    with sessions() as s:
        row = s.get(ProcessInstance, case.id)
        task = s.scalars(select(HumanTask).where(HumanTask.instance_id == row.id)).one()
        assert row.definition.version == 2 and task.id == case.tasks[0].id
        assert [f["id"] for f in task.form["fields"]] == ["route", "summary", "extra", "children"]
        assert task.candidate_groups == ["police"] and task.due_at == case.tasks[0].due_at
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "instance_migrated")).one()
        assert (event.actor, event.detail["from_version"], event.detail["to_version"]) == ("owner", 1, 2)
    with sessions.begin() as s:
        done = process_engine.complete(s, case.tasks[0].id, load_actor(s, "ann"), {**GOOD, "extra": "x"})
    assert done.tasks[0].bpmn_id == "decide"


def test_a_migration_is_refused_when_the_active_step_changed_type(sessions, process_engine, case):
    v2 = deploy_v(sessions, process_engine, TWO_LANE.replace('<bpmn:userTask id="triage"', '<bpmn:manualTask id="triage"')
                  .replace("</bpmn:userTask>\n    <bpmn:exclusiveGateway", "</bpmn:manualTask>\n    <bpmn:exclusiveGateway"))
    with sessions.begin() as s:
        plan = process_engine.migrate(s, case.id, v2, load_actor(s, "owner"))
    assert not plan.ok and "active step 'triage' changed type" in plan.reasons[0]
    with sessions() as s:
        assert s.get(ProcessInstance, case.id).definition.version == 1
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "instance_migrated")).all() == []


def test_a_migration_is_refused_when_the_case_is_at_a_removed_step(sessions, process_engine, case):
    with sessions.begin() as s:
        process_engine.complete(s, case.tasks[0].id, load_actor(s, "ann"), GOOD)     # now at 'decide'
    without_decide = (TWO_LANE.split('<bpmn:userTask id="decide"')[0]
                      + TWO_LANE.split("</bpmn:userTask>")[-1].split("\n", 1)[1])
    without_decide = (without_decide.replace('targetRef="decide"', 'targetRef="done"')
                      .replace('<bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="done" />', "")
                      .replace("<bpmn:incoming>f3</bpmn:incoming>", "<bpmn:incoming>f_scr</bpmn:incoming>")
                      .replace("<bpmn:flowNodeRef>decide</bpmn:flowNodeRef>", ""))
    v2 = deploy_v(sessions, process_engine, without_decide)
    with sessions() as s:
        [plan] = process_engine.preview_migration(s, "two_lane", v2)
    assert not plan.ok
    assert any("'decide'" in r and "no longer has" in r for r in plan.reasons), plan.reasons


def test_bulk_migration_reports_each_instance(sessions, process_engine, case, people_factory):
    with sessions.begin() as s:
        second = process_engine.start(s, "two_lane", load_actor(s, "ann"), {})
        process_engine.complete(s, second.tasks[0].id, load_actor(s, "ann"), {**GOOD, "route": "close"})
    v2 = deploy_v(sessions, process_engine, TWO_LANE.replace("Triage the notification", "Triage"))
    with sessions() as s:
        owner = load_actor(s, "owner")
    plans = process_engine.migrate_many(sessions, [case.id, second.id], v2, owner)
    assert plans[0].ok and not plans[1].ok and "completed" in plans[1].reasons[0]
    with sessions() as s:
        task = s.get(HumanTask, case.tasks[0].id)
        assert task.title == "Triage" and task.status == TaskStatus.OPEN


def test_a_migrated_task_offered_to_a_new_group_is_announced_to_that_group(
        sessions, process_engine, case, people_factory):
    people_factory("pia", groups=["police"])
    v2 = deploy_v(sessions, process_engine, TWO_LANE.replace('candidateGroups="intake"',
                                                     'candidateGroups="intake,police"'))
    with sessions.begin() as s:
        assert process_engine.migrate(s, case.id, v2, load_actor(s, "owner")).ok
    with sessions() as s:
        told = s.execute(select(Notification.user_name, Notification.task_id)
                         .where(Notification.kind == "assigned")
                         .order_by(Notification.id)).all()
        offered = s.scalars(select(AuditEvent).where(AuditEvent.action == "task_offered")).one()
        copies = s.scalars(select(TaskCandidate.group_slug)
                           .where(TaskCandidate.task_id == case.tasks[0].id)).all()
    assert ("pia", case.tasks[0].id) in told                     # police hears of it
    assert offered.detail["groups"] == ["police"] and offered.actor == "owner"
    assert sorted(copies) == ["intake", "police"]                 # and finds it in its queue


def test_migrating_cases_is_for_managers_not_process_owners_alone(
        sessions, process_engine, case, people_factory):
    people_factory("olga", roles=["process_owner"])
    v2 = deploy_v(sessions, process_engine, TWO_LANE.replace('candidateGroups="intake"',
                                                             'candidateUsers="olga"'))
    for name in ("ann", "olga"):        # a reviewer; a process owner granting themselves the task
        with pytest.raises(NotAllowed), sessions.begin() as s:
            process_engine.migrate(s, case.id, v2, load_actor(s, name))
    with sessions() as s:
        [plan] = process_engine.preview_migration(s, "two_lane", v2)
    assert any("who may act on step 'triage' changes" in n and "olga" in n for n in plan.notes)
    with sessions.begin() as s:
        assert process_engine.migrate(s, case.id, v2, load_actor(s, "owner")).ok
    with sessions() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "instance_migrated")).one()
    assert any("who may act on step 'triage' changes" in n for n in event.detail["notes"])
