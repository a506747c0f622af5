"""The process library keeps the learning register in step: learning_capture and learning_loop
call the learning operations in the same transaction as their steps."""
from datetime import date, timedelta

from sqlalchemy import select

from models.learning import Action, Dissemination, Evaluation, LearningItem
from test_workflows import (ITEM, T0, db_url, lib, library_template,  # noqa: F401
                            notify_incident, start_loop, triage)


def one(lib, model):
    with lib.sessions() as s:
        return s.scalars(select(model)).one()


def all_of(lib, model):
    with lib.sessions() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def test_learning_recorded_by_a_review_enters_the_register_before_the_loop(lib):
    iid = notify_incident(lib)
    triage(lib, iid, "close", learning_identified=True)
    lib.do(iid, "record_learning_item", "lisg", learning_statement="Share referral outcomes with GPs",
           learning_theme="information_sharing", learning_audience="health", action_owner="health",
           action_description="Add feedback loop to the referral form", action_due_date="2027-06-30",
           more_learning=False)
    item = one(lib, LearningItem)
    assert (item.status, item.source_instance_id, item.identified_at) == ("proposed", iid, T0)
    assert (item.themes, item.audiences, item.agencies) == \
        (["information_sharing"], ["health"], ["health"])
    [(loop_id, _, _)] = lib.instances("learning_loop")
    assert lib.show(loop_id).data["learning_item_id"] == item.id
    lib.do(loop_id, "validate_item", "lisg", item_valid=False, item_theme="information_sharing",
           disseminate_training=False, disseminate_briefing=False, disseminate_single_agency=False,
           item_owner="health", item_action="None", item_due_date="2027-06-30")
    item = one(lib, LearningItem)
    assert (item.status, item.loop_instance_id) == ("rejected", loop_id)


def test_the_loop_keeps_item_action_disseminations_and_evaluation_in_step(lib):
    lid = start_loop(lib)                    # a message without a register entry: the loop adds it
    item = one(lib, LearningItem)
    assert (item.source_instance_id, item.loop_instance_id, item.source_ref) == \
        (None, lid, "MACR-7")
    lib.do(lid, "validate_item", "lisg", item_valid=True, item_theme="escalation",
           disseminate_training=True, disseminate_briefing=False, disseminate_single_agency=True,
           item_owner="police", item_action="Refresh the escalation policy", item_due_date="2027-09-30")
    lib.do(lid, "disseminate_tpd", "tpd", tpd_channel="workshop", tpd_reach=40)
    lib.do(lid, "disseminate_agency", "police", agency_dissemination="Briefed all sergeants")
    assert [(d.kind, d.reach, d.agency) for d in all_of(lib, Dissemination)] == [
        ("workshop", 40, None), ("single_agency_training", 0, "police")]
    action = one(lib, Action)
    assert (action.owner, action.due_date, action.status) == ("police", date(2027, 9, 30), "open")
    lib.do(lid, "implement_action", "police", action_evidence="Draft policy circulated",
           action_completed=False)
    assert one(lib, Action).status == "in_progress"
    lib.do(lid, "sign_off_action", "lisg", action_signed_off=False, signoff_comments="Not yet")
    lib.do(lid, "implement_action", "police", action_evidence="Audit shows the policy in use",
           action_completed=True)
    lib.do(lid, "sign_off_action", "lisg", action_signed_off=True)
    action = one(lib, Action)
    assert (action.status, action.evidence_of_completion) == \
        ("signed_off", "Audit shows the policy in use")
    assert one(lib, LearningItem).status == "embedded"
    lib.fire(T0 + timedelta(days=95))
    lib.do(lid, "plan_evaluation", "lisg", evaluation_method="practitioner_survey")
    lib.do(lid, "record_evaluation", "lisg", learning_embedded="learnt",
           evaluation_summary="Practitioners describe escalating early")
    item, evaluation = one(lib, LearningItem), one(lib, Evaluation)
    assert (item.status, item.outcome) == ("evaluated", "learnt")
    assert (evaluation.method, evaluation.embedded) == ("survey", True)
    assert one(lib, Action).status == "impact_evaluated"
    assert lib.show(lid).status == "completed"


def test_learning_not_embedded_is_recorded_and_the_new_review_carries_the_item(lib):
    lid = start_loop(lib)
    lib.do(lid, "validate_item", "lisg", item_valid=True, item_theme="escalation",
           disseminate_training=False, disseminate_briefing=True, disseminate_single_agency=False,
           item_owner="police", item_action="Refresh the escalation policy", item_due_date="2027-09-30")
    lib.do(lid, "disseminate_comms", "comms", briefing_reference="7-minute briefing 12",
           social_media_shared=True, briefing_reach=300)
    lib.do(lid, "implement_action", "police", action_evidence="Policy reissued in June",
           action_completed=True)
    lib.do(lid, "sign_off_action", "lisg", action_signed_off=True)
    lib.fire(T0 + timedelta(days=95))
    lib.do(lid, "plan_evaluation", "lisg", evaluation_method="action_plan_report")
    lib.do(lid, "record_evaluation", "lisg", learning_embedded="not_learnt",
           evaluation_summary="Disagreements are still not escalated")
    lib.do(lid, "commission_review", "lisg", review_reason="Practice has not changed after a year")
    item = one(lib, LearningItem)
    assert (item.status, item.outcome, item.review_requested_at) == \
        ("evaluated", "not_learnt", T0 + timedelta(days=95))
    assert one(lib, Action).status == "signed_off"
    [(rid, _, _)] = lib.instances("p01_case_referral")
    assert lib.show(rid).data["review_request"]["learning_item_id"] == item.id
    assert ITEM["statement"] == item.statement
