from datetime import date

import pytest
from sqlalchemy import func, select

from engine import ProcessEngine, ScriptError
from engine.actors import load_actor
from engine.operations import OPERATIONS, bind, current
from engine.errors import InvalidState
from models import AuditEvent, ProcessInstance
from models.learning import Action, ActionPlan, LearningItem
from models.status import InstanceStatus

START = {"statement": "Share chronologies before strategy meetings", "theme": "information_sharing",
         "fail_early": False}


@pytest.fixture
def lisg(people_factory, deploy):
    deploy("learning/learning_steps.bpmn")
    return people_factory("lena", groups=["lisg"])


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def start(sessions, process_engine, data):
    with sessions.begin() as session:
        return process_engine.start(session, "learning_steps", load_actor(session, "lena"), data)


def complete(sessions, process_engine, case, values):
    with sessions.begin() as session:
        return process_engine.complete(session, case.tasks[0].id, load_actor(session, "lena"), values)


def test_the_engine_offers_the_learning_operations_by_default():
    names = set(ProcessEngine().script_engine.environment.services)
    assert {"learning.record_item", "learning.open_action", "learning.record_dissemination",
            "learning.record_evaluation", "learning.close_action", "review.open",
            "review.close"} <= names


def test_a_service_task_records_the_learning_item_in_the_step_transaction(sessions, process_engine, lisg):
    case = start(sessions, process_engine, START)
    with sessions() as session:
        item = session.scalars(select(LearningItem)).one()
        assert (item.status, item.source_pathway, item.source_instance_id) == \
            ("proposed", "P3", case.id)
        assert item.source_ref == case.reference
        assert item.themes == ["information_sharing"] and item.agencies == ["police"]
        assert case.data["learning_record"] == {"id": item.id, "status": "proposed"}
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "learning_item_recorded", AuditEvent.instance_id == case.id)) == 1


def test_a_failing_step_after_the_service_task_leaves_no_orphan_record(sessions, process_engine, lisg):
    with pytest.raises(ScriptError):
        start(sessions, process_engine, {**START, "fail_early": True})
    with sessions() as session:
        assert count(session, LearningItem) == 0
        assert count(session, ProcessInstance) == 0


def test_completing_a_task_runs_the_following_operations(sessions, process_engine, lisg):
    case = start(sessions, process_engine, START)
    done = complete(sessions, process_engine, case, {"item_valid": True, "owner": "police",
                                             "due": "2027-03-31"})
    assert done.status == InstanceStatus.COMPLETED
    with sessions() as session:
        item = session.scalars(select(LearningItem)).one()
        action = session.scalars(select(Action)).one()
        assert item.status == "validated"
        assert (action.owner, action.due_date, action.learning_item_id, action.status) == \
            ("police", date(2027, 3, 31), item.id, "open")
        assert action.plan.source_instance_id == case.id


def test_a_failing_operation_writes_nothing_and_the_case_becomes_an_incident(sessions, process_engine,
                                                                              lisg):
    case = start(sessions, process_engine, START)
    done = complete(sessions, process_engine, case, {"item_valid": True, "owner": "police",
                                             "due": "not a date"})
    assert done.status == InstanceStatus.INCIDENT
    assert "not a date" in done.error["message"]
    with sessions() as session:
        assert count(session, ActionPlan) == 0 and count(session, Action) == 0
        # the step before the failing one completed, and its record stays with it
        assert session.scalars(select(LearningItem)).one().status == "validated"


def test_an_illegal_transition_from_a_diagram_is_refused(sessions, process_engine, lisg):
    case = start(sessions, process_engine, START)
    with sessions.begin() as session:
        session.get(LearningItem, case.data["learning_record"]["id"]).status = "evaluated"
    done = complete(sessions, process_engine, case, {"item_valid": True, "owner": "police",
                                             "due": "2027-03-31"})
    assert done.status == InstanceStatus.INCIDENT
    assert "cannot become validated" in done.error["message"]
    with sessions() as session:
        assert count(session, Action) == 0


def test_operations_outside_an_engine_command_are_refused(sessions):
    import contextvars
    ctx = contextvars.Context()
    with pytest.raises(InvalidState, match="inside an engine command"):
        ctx.run(OPERATIONS["learning.record_item"], statement="x")
    with sessions() as session:
        ctx.run(bind, session, 7)
        assert ctx.run(current) == (session, 7)


def test_every_operation_moves_the_loop_on_from_inside_a_bound_command(sessions, process_engine, lisg):
    case = start(sessions, process_engine, START)
    op = OPERATIONS
    with sessions.begin() as session:
        bind(session, case.id)
        item_id = case.data["learning_record"]["id"]
        review = op["review.open"](kind="macr", title="Child K")
        assert op["learning.validate_item"](item_id=item_id, themes=["neglect"]) == \
            {"id": item_id, "status": "validated"}
        op["learning.record_dissemination"](item_id=item_id, kind="briefing", reach="25")
        action = op["learning.open_action"](item_id=item_id, owner="police", description="Train",
                                   due_date="2026-09-30")
        op["learning.update_action"](action_id=action["id"], status="in_progress", rag="amber")
        op["learning.complete_action"](action_id=action["id"], evidence="Slides and register")
        assert op["learning.sign_off_action"](action_id=action["id"], signed_off=False)["status"] == \
            "in_progress"
        op["learning.complete_action"](action_id=action["id"], evidence="Slides, register, quiz")
        op["learning.sign_off_action"](action_id=action["id"])
        assert op["learning.close_action"](action_id=action["id"], evidence_of_impact="Re-audit 9/10") == \
            {"id": action["id"], "status": "impact_evaluated"}
        assert op["learning.mark_embedded"](item_id=item_id)["status"] == "embedded"
        assert op["learning.record_evaluation"](item_id=item_id, method="survey", findings="Few knew",
                                       embedded="not_learnt")["outcome"] == "not_learnt"
        op["learning.request_review"](item_id=item_id, reason="Not embedded")
        assert op["review.close"](kind="macr", outcome="report accepted") == review
        with pytest.raises(Exception, match="open review"):
            op["review.close"](kind="macr")
        new_review = op["review.open"](kind="referral", learning_item_id=item_id)
        report = op["report.lisg_summary"](months=6)
        assert report["url"].startswith("/reports/lisg?start=")
        assert report["reviews_completed"] == 1 and report["people_reached"] == 25
    with sessions() as session:
        item = session.get(LearningItem, item_id)
        assert (item.status, item.outcome, item.themes) == ("evaluated", "not_learnt", ["neglect"])
        from models.learning_queries import trace
        assert [r.id for r in trace(session, item).triggered] == [new_review["id"]]
