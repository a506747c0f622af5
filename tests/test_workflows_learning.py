"""The process library keeps the learning register in step: learning_capture and learning_loop
call the learning operations in the same transaction as their steps, and every review and audit
pathway opens and closes its row of the review register the same way."""
from datetime import date, timedelta

from sqlalchemy import select

from models.learning import Action, Dissemination, Evaluation, LearningItem, Review
from test_workflows import (ITEM, T0, db_url, lib, library_template,  # noqa: F401
                            learning, notify_incident, run_audit, start_loop, triage)


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


def register(lib):
    """The review register: (kind, category, instance, started, completed, outcome) per row."""
    return [(r.kind, r.category, r.instance_id, r.started_at, r.completed_at, r.outcome)
            for r in all_of(lib, Review)]


def complete_then_roll_back(lib, instance_id, bpmn_id, group, data):
    """Complete the task in a transaction that is then rolled back; the register as the step
    saw it inside that transaction."""
    task = lib.task(instance_id, bpmn_id)
    session = lib.sessions()
    try:
        lib.process_engine.complete(session, task.id, lib.staff[group], data, now=lib.now)
        return [(r.kind, r.started_at, r.completed_at)
                for r in session.scalars(select(Review).order_by(Review.id))]
    finally:
        session.rollback()
        session.close()


def test_a_case_review_opens_and_closes_its_register_row_with_its_steps(lib):
    iid = lib.start("p03_multi_agency_case_review", "lisg").id        # opened by the start itself
    assert register(lib) == [("macr", "review", iid, T0, None, None)]
    lib.do(iid, "commission_review", "lisg", review_method="desktop",
           concerns_about_agency_working="limited", conflict_of_interest=False,
           roundtable_needed=True, agencies_involved="police")
    lib.do(iid, "form_review_group", "lisg", review_lead="LISG vice-chair")
    lib.do(iid, "agency_chronology", "police", chronology_summary="Police: chronology of contacts",
           agency_learning="Earlier referral")
    t1 = lib.now = T0 + timedelta(days=20)
    lib.do(iid, "family_involvement", "lisg", family_involved=False)   # starts the roundtable (P8)
    assert lib.ids(iid) == ["set_question"]
    assert register(lib) == [("macr", "review", iid, T0, None, None),
                             ("roundtable", "review", iid, t1, None, None)]
    lib.do(iid, "set_question", "lisg", roundtable_question="Why was neglect not escalated?",
           agencies_involved="police")
    lib.do(iid, "invite_practitioners", "business-unit", roundtable_date="2027-04-01",
           invitees="Practitioners")
    t2 = lib.now = T0 + timedelta(days=31)
    lib.do(iid, "facilitate_roundtable", "lisg", learning_note="Thresholds were misunderstood",
           further_review_needed=False, learning_identified=False)
    assert register(lib) == [("macr", "review", iid, T0, None, None),
                             ("roundtable", "review", iid, t1, t2, None)]
    lib.do(iid, "write_report", "lisg", findings="Neglect was not escalated by agencies",
           recommendations="Multi-agency neglect training")
    lib.do(iid, "consider_report", "lisg", report_accepted=True, publication="briefing",
           learning_identified=True)
    t3 = lib.now = T0 + timedelta(days=60)
    # the chair's step closes the review: inside its transaction, and not without it
    inside = complete_then_roll_back(lib, iid, "inform_chair", "lscb-chair", {"chair_noted": True})
    assert inside[0] == ("macr", T0, t3)
    assert register(lib)[0][4] is None and lib.ids(iid) == ["inform_chair"]
    lib.do(iid, "inform_chair", "lscb-chair", chair_noted=True)
    assert register(lib)[0] == ("macr", "review", iid, T0, t3, "briefing")
    assert lib.ids(iid) == ["record_learning_item"]             # closed before the learning capture
    learning(lib, iid)
    assert lib.show(iid).status == "completed"


def test_an_audit_opens_its_register_row_when_commissioned_and_closes_it_when_approved(lib):
    iid = lib.start("p06_multi_agency_case_audit", "lisg").id
    assert register(lib) == []
    t1 = lib.now = T0 + timedelta(days=2)
    inside = complete_then_roll_back(lib, iid, "set_theme", "lisg", dict(
        audit_theme="Neglect", lines_of_enquiry="Is neglect recognised early?", case_sample_size=6,
        agencies_involved="police"))
    assert inside == [("multi_agency_audit", t1, None)] and register(lib) == []
    t2 = lib.now = T0 + timedelta(days=90)
    run_audit(lib, iid, agencies=("police",), approve_first=False)
    [audit] = all_of(lib, Review)
    assert (audit.kind, audit.category, audit.title, audit.instance_id, audit.case_ref) == \
        ("multi_agency_audit", "audit", "Neglect", iid, lib.show(iid).reference)
    assert (audit.started_at, audit.completed_at) == (t2, t2)
    assert lib.show(iid).status == "completed"
    assert t1 < t2


def finish_audit(lib, cid, select_task):
    lib.complete(select_task, "business-unit", dict(sample_criteria="CP plans", cases_selected=5))
    lib.do(cid, "agency_audit", "police", agency_findings="Police recognised it late in two cases",
           agency_grade="good", practitioners_involved=True)
    lib.do(cid, "moderation_meeting", "lisg", strengths="Good", areas_for_development="Chronologies")
    lib.do(cid, "overview_report", "business-unit", overview_summary="Recognised late by agencies")
    lib.do(cid, "approve_audit_report", "lisg", audit_report_approved=True,
           escalate_to_other_board=False, learning_identified=False)


def test_each_audit_of_the_programme_closes_its_own_row(lib):
    cid = lib.start("c04_annual_audit_programme", "manager").id
    lib.fire(T0 + timedelta(days=32))
    lib.do(cid, "draft_programme", "lisg", planned_audits_text="Neglect: April, Domestic abuse: April",
           programme_rationale="Business plan priorities")
    lib.do(cid, "approve_programme", "board", programme_approved=True)
    for theme in ("Neglect", "Domestic abuse"):
        audit = lib.tasks(cid, "set_theme")[0]
        lib.complete(audit, "lisg", dict(audit_theme=theme, lines_of_enquiry="Early recognition",
                                         case_sample_size=5, agencies_involved="police"))
    assert [(r.title, r.instance_id, r.completed_at) for r in all_of(lib, Review)] == \
        [("Neglect", cid, None), ("Domestic abuse", cid, None)]
    first = lib.now = T0 + timedelta(days=100)
    finish_audit(lib, cid, lib.tasks(cid, "select_sample")[1])   # one audit finishes first
    assert sorted(r.completed_at is None for r in all_of(lib, Review)) == [False, True]
    second = lib.now = T0 + timedelta(days=120)
    finish_audit(lib, cid, lib.task(cid, "select_sample"))
    assert sorted(r.completed_at for r in all_of(lib, Review)) == [first, second]
    assert lib.ids(cid) == ["year_end_summary"]


def test_a_review_requested_by_a_learning_item_is_registered_as_triggered_by_it(lib):
    lid = start_loop(lib)
    lib.do(lid, "validate_item", "lisg", item_valid=True, item_theme="escalation",
           disseminate_training=False, disseminate_briefing=False, disseminate_single_agency=False,
           item_owner="police", item_action="Refresh the escalation policy", item_due_date="2027-09-30")
    lib.do(lid, "implement_action", "police", action_evidence="Policy reissued", action_completed=True)
    lib.do(lid, "sign_off_action", "lisg", action_signed_off=True)
    lib.fire(T0 + timedelta(days=95))
    lib.do(lid, "plan_evaluation", "lisg", evaluation_method="action_plan_report")
    lib.do(lid, "record_evaluation", "lisg", learning_embedded="not_learnt",
           evaluation_summary="Disagreements are still not escalated")
    lib.do(lid, "commission_review", "lisg", review_reason="Practice has not changed after a year")
    item = one(lib, LearningItem)
    [(rid, _, ref)] = lib.instances("p01_case_referral")
    referral = one(lib, Review)
    assert (referral.kind, referral.category, referral.instance_id, referral.case_ref) == \
        ("referral", "review", rid, ref)
    assert (referral.triggered_by_item_id, referral.title, referral.completed_at) == \
        (item.id, "Practice has not changed after a year", None)
    lib.do(rid, "confirm_referral", "business-unit", concerns_about_agency_working="limited",
           learning_potential="single_agency", context_needs_exploring=True,
           agencies_involved="police, health")
    triage(lib, rid, "roundtable")
    lib.do(rid, "set_question", "lisg", roundtable_question="Why is escalation still rare?",
           agencies_involved="police")
    lib.do(rid, "invite_practitioners", "business-unit", roundtable_date="2027-06-20",
           invitees="Sergeants")
    lib.do(rid, "facilitate_roundtable", "lisg", learning_note="Sergeants do not know the policy",
           further_review_needed=False, learning_identified=False)
    assert register(lib)[0][4] is None           # open until the triage (and its review) ends
    lib.do(rid, "lisg_screening_escalate_1", "business-unit",     # screened after its deadline
           lisg_screening_escalation_note_1="Screened at the next LISG meeting")
    assert lib.show(rid).status == "completed"
    assert [(r.kind, r.instance_id, r.triggered_by_item_id, r.completed_at is not None, r.outcome)
            for r in all_of(lib, Review)] == [("referral", rid, item.id, True, "roundtable"),
                                              ("roundtable", rid, None, True, None)]


def test_requests_for_review_not_from_a_learning_item_are_not_registered_as_referrals(lib):
    iid = lib.start("p08_roundtable_discussion", "lisg").id
    lib.do(iid, "set_question", "lisg", roundtable_question="Why was the Prevent referral late?",
           agencies_involved="education")
    lib.do(iid, "invite_practitioners", "business-unit", roundtable_date="2027-03-20", invitees="DSLs")
    lib.do(iid, "facilitate_roundtable", "lisg", learning_note="Referral pathway not known to schools",
           further_review_needed=True, learning_identified=False)
    [(rid, _, _)] = lib.instances("p01_case_referral")
    assert [(r.kind, r.instance_id, r.outcome) for r in all_of(lib, Review)] == \
        [("roundtable", iid, "further review requested")]
