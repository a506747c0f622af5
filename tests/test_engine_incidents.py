"""Incidents stay until resolved: retries, corrections of case data, unstorable values,
stuck cases (issue 15 §3)."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import delete, select

from engine.actors import load_actor
from engine.scheduler import sweep
from engine.errors import FormInvalid, InputError, NotAllowed
from models import AuditEvent, HumanTask, ProcessInstance

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def divide(deploy, people_factory):
    deploy("incidents/divide.bpmn")
    people_factory("ann", groups=["intake"])
    people_factory("mia", groups=["intake"], roles=["manager"])


def start_and_enter(sessions, process_engine, **values):
    with sessions.begin() as s:
        record = process_engine.start(s, "divide", load_actor(s, "ann"), {"log": []}, now=T0)
        process_engine.complete(s, record.tasks[0].id, load_actor(s, "ann"),
                                {"divisor": 0, "kind": "plain", **values}, now=T0)
    return record.id


def events(sessions, instance_id, action):
    with sessions() as s:
        return s.scalars(select(AuditEvent).where(AuditEvent.instance_id == instance_id,
                                                  AuditEvent.action == action)
                         .order_by(AuditEvent.id)).all()


def test_a_retry_that_fails_again_keeps_the_incident_open_with_the_new_error_and_time(
        sessions, process_engine, divide):
    iid = start_and_enter(sessions, process_engine)
    with sessions() as s:
        first = s.get(ProcessInstance, iid)
        assert first.status == "incident" and first.error["element_id"] == "compute"
    later = T0 + timedelta(hours=2)
    with sessions.begin() as s:
        record = process_engine.retry(s, iid, load_actor(s, "mia"), now=later)
    assert record.status == "incident"
    with sessions() as s:
        row = s.get(ProcessInstance, iid)
        assert row.status == "incident" and "ZeroDivisionError" in row.error["message"]
        assert row.error["at"] == later.isoformat() and row.error["element_id"] == "compute"
        assert s.scalars(select(HumanTask).where(HumanTask.instance_id == iid,
                                                 HumanTask.status == "open")).all() == []
    retried = events(sessions, iid, "incident_retried")
    assert [e.detail["ok"] for e in retried] == [False]


@pytest.mark.parametrize("kind, reason", [
    ("range", "is a range"), ("tuple_key", "has a key that is not text"),
    ("complex", "is a complex"), ("nan", "not a finite number"),
    ("exception", "is a ValueError"), ("deep", "nested more than"),
    ("huge", "too large to store"), ("in_place", "is a set")])
def test_a_step_producing_a_value_that_cannot_be_stored_is_an_incident_naming_element_and_variable(
        sessions, process_engine, divide, kind, reason):
    iid = start_and_enter(sessions, process_engine, divisor=4, kind=kind)
    with sessions() as s:
        row = s.get(ProcessInstance, iid)
        assert row.status == "incident", row.error
        variable = "log" if kind == "in_place" else "value"
        assert row.error["element_id"] == "compute" and row.error["variable"] == variable
        assert f"variable '{variable}" in row.error["message"] and reason in row.error["message"]
    with sessions.begin() as s:       # corrected, the step runs again and the case goes on
        process_engine.set_data(s, iid, load_actor(s, "mia"), {"kind": "fine"},
                                "the kind was mistyped")
        record = process_engine.retry(s, iid, load_actor(s, "mia"))
    assert record.status == "active" and [t.bpmn_id for t in record.tasks] == ["review"]
    assert record.data["value"] == "fine" and record.data["share"] == 25


def nested(depth):
    value = "bottom"
    for _ in range(depth):
        value = {"inner": value}
    return value


@pytest.mark.parametrize("data, field", [
    ({"ratio": float("nan")}, "ratio"), ({"child": {"age": float("inf")}}, "child.age"),
    ({"deep": nested(1000)}, "deep.inner.inner"), ({"count": 10 ** 30}, "count"),
    ({"ids": [1, {"x": range(2)}]}, "ids[1].x")])
def test_starting_with_data_that_cannot_be_stored_is_refused_naming_the_field(
        sessions, process_engine, divide, data, field):
    with sessions.begin() as s, pytest.raises(InputError) as refused:
        process_engine.start(s, "divide", load_actor(s, "ann"), data)
    assert refused.value.context["field"].startswith(field)
    assert f"field '{field}" in refused.value.message


def test_a_task_answer_too_large_to_store_is_refused_naming_the_field(
        sessions, process_engine, divide):
    with sessions.begin() as s:
        record = process_engine.start(s, "divide", load_actor(s, "ann"))
    with sessions.begin() as s, pytest.raises(FormInvalid) as refused:
        process_engine.complete(s, record.tasks[0].id, load_actor(s, "ann"),
                                {"divisor": 10 ** 30, "kind": "x"})
    assert list(refused.value.errors) == ["divisor"]


def test_case_data_corrections_are_for_managers_need_a_reason_and_are_audited(
        sessions, process_engine, divide):
    iid = start_and_enter(sessions, process_engine)
    with sessions.begin() as s, pytest.raises(NotAllowed):
        process_engine.set_data(s, iid, load_actor(s, "ann"), {"divisor": 5}, "fix")
    with sessions.begin() as s, pytest.raises(InputError):
        process_engine.set_data(s, iid, load_actor(s, "mia"), {"divisor": 5}, " ")
    with sessions.begin() as s, pytest.raises(InputError):
        process_engine.set_data(s, iid, load_actor(s, "mia"), {"divisor": float("nan")}, "x")
    with sessions.begin() as s:
        process_engine.set_data(s, iid, load_actor(s, "mia"), {"divisor": 5, "note": "ok"},
                                "the divisor was entered as 0 by mistake")
    assert len(events(sessions, iid, "incident")) == 1      # managers are not told again
    with sessions.begin() as s:
        assert process_engine.retry(s, iid, load_actor(s, "mia")).data["share"] == 20
    [changed] = events(sessions, iid, "instance_data_changed")
    assert changed.actor == "mia"
    assert changed.detail["before"] == {"divisor": 0, "note": None}
    assert changed.detail["after"] == {"divisor": 5, "note": "ok"}
    assert changed.detail["reason"] == "the divisor was entered as 0 by mistake"


def test_a_stuck_case_is_reported_by_the_sweep_as_an_incident_and_a_retry_brings_its_task_back(
        sessions, process_engine, divide):
    with sessions.begin() as s:
        stuck = process_engine.start(s, "divide", load_actor(s, "ann"), now=T0).id
        fine = process_engine.start(s, "divide", load_actor(s, "ann"), now=T0).id
        s.execute(delete(HumanTask).where(HumanTask.instance_id == stuck))   # a lost task row
    result = sweep(sessions, process_engine, T0 + timedelta(minutes=1))
    assert result["stuck"] == 1
    with sessions() as s:
        row = s.get(ProcessInstance, stuck)
        assert row.status == "incident" and row.error["code"] == "stuck"
        assert row.error["source"] == "consistency check"
        assert s.get(ProcessInstance, fine).status == "active"
    assert [e.actor for e in events(sessions, stuck, "incident")] == ["consistency check"]
    with sessions.begin() as s:
        record = process_engine.retry(s, stuck, load_actor(s, "mia"))
    assert record.status == "active" and [t.bpmn_id for t in record.tasks] == ["enter"]
    assert sweep(sessions, process_engine, T0 + timedelta(minutes=3))["stuck"] == 0
