from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from engine import learning as lc
from engine.errors import InputError, InvalidState
from models import AuditEvent
from models.learning import LearningItemChild

NOW = datetime(2026, 5, 1, 12, tzinfo=timezone.utc)


@pytest.fixture
def session(sessions):
    with sessions.begin() as session:
        yield session


def new_item(session):
    return lc.record_item(session, "lena", "Check fathers' details at every contact",
                          themes=["voice_of_child", "information_sharing"], agencies="health,police",
                          source_pathway="P3", child_reference="AB 01/02/2015", now=NOW)


def actions(session):
    return [e.action for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_an_item_travels_the_whole_lifecycle_and_every_step_is_audited(session):
    item = new_item(session)
    assert (item.status, item.themes, item.agencies) == \
        ("proposed", ["information_sharing", "voice_of_child"], ["health", "police"])
    assert session.get(LearningItemChild, item.id).child_reference == "AB 01/02/2015"
    lc.validate_item(session, item, "lena", themes=["voice_of_child"], now=NOW)
    lc.record_dissemination(session, item, "tom", kind="workshop", held_on="2026-06-01", reach=40)
    lc.record_dissemination(session, item, "tom", kind="briefing", held_on=date(2026, 6, 5))
    lc.record_evaluation(session, item, "tom", method="training_impact", findings="Good recall",
                         embedded=True, final=False, now=NOW)
    lc.move_item(session, item, "lena", "embedded", now=NOW)
    lc.record_evaluation(session, item, "lena", method="case_file_reaudit",
                         findings="Fathers recorded in 9 of 10 files", embedded=True, now=NOW)
    assert (item.status, item.outcome, item.themes) == ("evaluated", "learnt", ["voice_of_child"])
    assert item.validated_at == item.embedded_at == item.evaluated_at == NOW
    assert actions(session) == [
        "learning_item_recorded", "learning_item_status", "learning_item_status",
        "dissemination_recorded", "dissemination_recorded", "evaluation_recorded",
        "learning_item_status", "learning_item_status", "evaluation_recorded"]


@pytest.mark.parametrize("path, refused", [
    ([], "embedded"), ([], "evaluated"), ([], "disseminating"),
    (["validated"], "validated"), (["validated"], "embedded"), (["rejected"], "validated"),
    (["validated", "disseminating"], "proposed"), (["validated", "disseminating"], "evaluated"),
])
def test_illegal_item_transitions_are_refused_and_change_nothing(session, path, refused):
    item = new_item(session)
    for step in path:
        lc.move_item(session, item, "lena", step)
    before = (item.status, len(actions(session)))
    with pytest.raises(InvalidState, match=f"cannot become {refused}"):
        lc.move_item(session, item, "lena", refused)
    assert (item.status, len(actions(session))) == before


def test_a_final_evaluation_needs_an_embedded_item_and_not_embedded_is_recorded(session):
    item = new_item(session)
    lc.validate_item(session, item, "lena")
    with pytest.raises(InvalidState):
        lc.record_evaluation(session, item, "lena", method="survey", findings="x", embedded=True)
    lc.record_dissemination(session, item, "tom", kind="publication", held_on=NOW)
    lc.move_item(session, item, "lena", "embedded")
    with pytest.raises(InvalidState, match="not evaluated as not embedded"):
        lc.request_review(session, item, "lena", "why")
    lc.record_evaluation(session, item, "lena", method="survey", findings="Few knew", embedded=False)
    assert (item.status, item.outcome) == ("evaluated", "not_learnt")
    lc.request_review(session, item, "lena", "Not embedded after re-audit", now=NOW)
    assert item.review_requested_at == NOW


def test_rejected_items_cannot_be_disseminated_and_bad_input_is_refused(session):
    item = new_item(session)
    lc.validate_item(session, item, "lena", valid=False, note="Single-agency issue")
    assert item.status == "rejected"
    with pytest.raises(InvalidState):
        lc.record_dissemination(session, item, "tom", kind="workshop", held_on=NOW)
    with pytest.raises(InputError, match="unknown dissemination kind"):
        lc.record_dissemination(session, item, "tom", kind="poster", held_on=NOW)
    with pytest.raises(InputError, match="statement"):
        lc.record_item(session, "lena", "  ")


def test_an_action_is_completed_with_evidence_signed_off_then_impact_evaluated(session):
    item = new_item(session)
    action = lc.open_action(session, "lena", owner="police", description="Audit 10 files",
                            due_date="2026-07-31", item=item)
    assert (action.status, action.due_date, action.plan.scope) == ("open", date(2026, 7, 31),
                                                                    "multi_agency")
    with pytest.raises(InputError, match="needs evidence"):
        lc.move_action(session, action, "pat", "completed")
    lc.move_action(session, action, "pat", "in_progress", rag="amber")
    lc.move_action(session, action, "pat", "completed", evidence="Audit report v2", now=NOW)
    lc.move_action(session, action, "LISG", "in_progress")            # sent back
    lc.move_action(session, action, "pat", "completed", evidence="Audit report v3", now=NOW)
    lc.move_action(session, action, "lena", "signed_off", now=NOW)
    lc.move_action(session, action, "lena", "impact_evaluated", evidence="Re-audit 9/10")
    assert (action.status, action.signed_off_by, action.evidence_of_completion, action.rag) == \
        ("impact_evaluated", "lena", "Audit report v3", "amber")


@pytest.mark.parametrize("path, refused", [
    ([], "signed_off"), ([], "impact_evaluated"), (["in_progress"], "signed_off"),
    (["completed"], "open"), (["completed", "signed_off"], "completed"),
])
def test_illegal_action_transitions_are_refused(session, path, refused):
    action = lc.open_action(session, "lena", owner="police", description="x", due_date=NOW)
    for step in path:
        lc.move_action(session, action, "pat", step, evidence="done")
    with pytest.raises(InvalidState, match=f"cannot become {refused}"):
        lc.move_action(session, action, "pat", refused, evidence="done")


def test_actions_of_one_source_share_a_plan_and_rag_and_overdue_are_derived(session):
    item = new_item(session)
    first = lc.open_action(session, "lena", owner="police", description="a", due_date="2026-05-10",
                           item=item, source_instance_id=None)
    second = lc.open_action(session, "lena", owner="health", description="b",
                            due_date="2026-06-10", rag="amber", source_instance_id=None)
    assert first.overdue_on(date(2026, 5, 11)) and first.rag_on(date(2026, 5, 11)) == "red"
    assert second.rag_on(date(2026, 5, 11)) == "amber"
    lc.move_action(session, first, "pat", "completed", evidence="done")
    assert not first.overdue_on(date(2026, 5, 11)) and first.rag_on(date(2026, 5, 11)) == "complete"
    with pytest.raises(InputError):
        lc.open_action(session, "lena", owner="police", description="c", due_date="soon")
