"""The board's assurance cycles (issue 18 part 2): board meetings with the challenge log, the
training programme and the workshops with staged evaluation, the performance-data cycle, all in
rounds anchored to the business year (or the school year), whenever they were started."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import FormInvalid
from engine import learning as lc
from models.challenge import Challenge
from models.learning import Dissemination, Evaluation, LearningItem
from models.performance import PerformanceFigure
from test_workflows import T0, db_url, lib, library_template  # noqa: F401
from web.instructions import render_instructions


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


def validated_item(lib, statement="Escalate disagreements about thresholds") -> int:
    with lib.sessions.begin() as s:
        item = lc.record_item(s, "lisg", statement, themes=["escalation"], now=T0)
        lc.validate_item(s, item, "lisg", now=T0)
        return item.id


def all_of(lib, model):
    with lib.sessions() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def first_round(lib, cid, bpmn_id):
    [timer] = [t for t in lib.show(cid).timers if t.bpmn_id == bpmn_id]
    lib.fire(timer.due_at + timedelta(seconds=1))
    return timer.due_at


def test_c03_workshop_feedback_and_impact_check_reach_the_evaluation_register(lib):
    item_id = validated_item(lib)
    cid = lib.start("c03_learning_workshops", "manager").id
    assert first_round(lib, cid, "every_quarter") == utc(2027, 4, 1, 8, 0)   # 09:00 BST
    lib.do(cid, "plan_workshop", "tpd", workshop_theme="Escalation", workshop_date="2027-05-20",
           workshop_learning_item=item_id)
    lib.do(cid, "publish_workshop", "comms", workshop_page="bflscb.org.uk/training/escalation")
    lib.on("2027-05-20")
    lib.do(cid, "run_workshop", "tpd", workshop_held=True, attendance=34,
           immediate_evaluation="31 of 34 feedback forms: confident to escalate")
    [spread] = all_of(lib, Dissemination)
    assert (spread.learning_item_id, spread.kind, spread.reach, spread.held_on.isoformat()) == \
        (item_id, "workshop", 34, "2027-05-20")
    [timer] = [t for t in lib.show(cid).timers if t.bpmn_id == "impact_wait"]
    lib.fire(timer.due_at + timedelta(seconds=1))                       # eight weeks later
    lib.do(cid, "impact_check", "tpd", practice_impact="Managers see escalations in supervision",
           practice_changed=True)
    assert [(e.learning_item_id, e.method, e.final, e.embedded, e.findings) for e in
            all_of(lib, Evaluation)] == [
        (item_id, "immediate_feedback", False, False,
         "31 of 34 feedback forms: confident to escalate"),
        (item_id, "training_impact", False, True, "Managers see escalations in supervision")]
    [item] = all_of(lib, LearningItem)
    assert item.status == "disseminating"          # the loop's final evaluation still to come


def test_c05_training_programme_evaluates_each_course_at_once_and_six_weeks_later(lib):
    neglect, escalation = validated_item(lib, "Use the neglect toolkit"), validated_item(lib)
    cid = lib.start("c05_training_programme", "manager").id
    assert first_round(lib, cid, "every_business_year") == utc(2027, 4, 1, 8, 0)
    plan = lib.task(cid, "plan_programme")
    assert plan.candidate_groups == ["tpd"] and plan.due_at == utc(2027, 4, 22, 8, 0)   # 15 WD
    lib.do(cid, "plan_programme", "tpd", programme_courses=(
        f"Neglect toolkit: {neglect}\nEscalating disagreements: {escalation}"))
    courses = lib.tasks(cid, "run_course")
    assert [t.candidate_groups for t in courses] == [["tpd"], ["tpd"]]
    lib.on("2027-06-10")
    for task, reach in zip(courses, (20, 12)):
        lib.complete(task, "tpd", dict(course_date="2027-06-10", attendance=reach,
                                       immediate_evaluation=f"{reach} evaluation forms, all positive"))
    assert sorted((d.learning_item_id, d.kind, d.reach) for d in all_of(lib, Dissemination)) == \
        [(neglect, "training_course", 20), (escalation, "training_course", 12)]
    [timer, _] = [t for t in lib.show(cid).timers if t.bpmn_id == "impact_wait"]
    assert timer.due_at.date().isoformat() == "2027-07-22"              # six weeks on
    lib.fire(timer.due_at + timedelta(seconds=1))
    for task, changed in zip(lib.tasks(cid, "impact_check"), (True, False)):
        lib.complete(task, "tpd", dict(practice_impact="Audit of 10 cases after the course",
                                       practice_changed=changed))
    evaluations = [(e.method, e.final) for e in all_of(lib, Evaluation)]
    assert sorted(evaluations) == [("immediate_feedback", False)] * 2 + [("training_impact", False)] * 2
    lib.do(cid, "programme_report", "tpd", programme_summary="Two courses, 32 people trained")
    assert lib.ids(cid) == []
    [timer] = lib.show(cid).timers
    assert timer.due_at == utc(2028, 4, 1, 8, 0)


def test_c01_board_meetings_are_quarterly_on_business_year_dates_started_in_november(lib):
    lib.now = utc(2027, 11, 17, 15, 0)
    cid = lib.start("c01_board_meetings", "manager").id
    january = first_round(lib, cid, "every_board_quarter")
    assert january == utc(2028, 1, 1, 9, 0)                   # 09:00 GMT, a bank holiday weekend
    prepare = lib.task(cid, "prepare_meeting")
    # 10 working days from Saturday 1 January 2028: Monday 3 January is the substitute bank
    # holiday, so day 0 is Tuesday 4 January and the tenth working day Tuesday 18 January
    assert prepare.due_at == utc(2028, 1, 18, 9, 0)
    lib.do(cid, "prepare_meeting", "business-unit", meeting_date="2028-01-20",
           agenda="LISG update, action log, challenge log")
    [timer] = [t for t in lib.show(cid).timers if t.bpmn_id == "every_board_quarter"]
    assert timer.due_at == utc(2028, 4, 1, 8, 0)              # 09:00 BST after the clock change


def hold_meeting(lib, cid, *challenges):
    lib.do(cid, "prepare_meeting", "business-unit", meeting_date="2028-01-20",
           agenda="LISG update, action log, challenge log")
    lib.on("2028-01-20")
    lib.do(cid, "hold_meeting", "board", lisg_update="Two audits reported",
           decisions="Neglect strategy agreed", challenges_raised=bool(challenges))
    for i, (agency, due) in enumerate(challenges):
        lib.do(cid, "record_challenge", "lscb-chair", challenge_text=f"Why are {agency} returns late?",
               raised_by="Health Board member", challenged_agency=agency, challenge_owner=agency,
               challenge_due=due, another_challenge=i < len(challenges) - 1)


def test_c01_challenges_raised_at_the_meeting_are_answered_by_their_owner_and_closed(lib):
    lib.now = utc(2027, 11, 17, 15, 0)
    cid = lib.start("c01_board_meetings", "manager").id
    first_round(lib, cid, "every_board_quarter")
    hold_meeting(lib, cid, ("police", "2028-02-18"), ("health", "2028-03-03"))
    rows = all_of(lib, Challenge)
    assert [(c.agency, c.owner, c.raised_by, c.status, c.due_date.isoformat(), c.raised_on.isoformat())
            for c in rows] == [
        ("police", "police", "Health Board member", "open", "2028-02-18", "2028-01-20"),
        ("health", "health", "Health Board member", "open", "2028-03-03", "2028-01-20")]
    answers = {t.candidate_groups[0]: t for t in lib.tasks(cid, "answer_challenge")}
    police = answers["police"]
    assert police.due_at == utc(2028, 2, 18, 17, 0)
    lib.complete(police, "police", {"challenge_response": "A new returns officer from March"})
    review = lib.task(cid, "review_answer")
    assert review.candidate_groups == ["lscb-chair"]
    lib.complete(review, "lscb-chair", {"answer_accepted": False,
                                        "chair_note": "Say how returns will be monitored",
                                        "further_due": "2028-03-31"})
    again = [t for t in lib.tasks(cid, "answer_challenge") if t.candidate_groups == ["police"]][0]
    lib.complete(again, "police", {"challenge_response": "Monthly monitoring by the DSL"})
    lib.complete(lib.task(cid, "review_answer"), "lscb-chair",
                 {"answer_accepted": True, "chair_note": "Accepted"})
    rows = all_of(lib, Challenge)
    assert [(c.agency, c.status, c.due_date.isoformat()) for c in rows] == [
        ("police", "closed", "2028-03-31"), ("health", "open", "2028-03-03")]
    assert rows[0].response == "Monthly monitoring by the DSL" and rows[0].closed_by == "LSCB Chair"


def test_c01_the_next_meeting_sees_the_overdue_challenges(lib):
    lib.now = utc(2027, 11, 17, 15, 0)
    cid = lib.start("c01_board_meetings", "manager").id
    first_round(lib, cid, "every_board_quarter")
    hold_meeting(lib, cid, ("police", "2028-02-18"))
    first_round(lib, cid, "every_board_quarter")                 # the April meeting
    lib.do(cid, "prepare_meeting", "business-unit", meeting_date="2028-04-20", agenda="Challenge log")
    log = lib.show(cid).data["challenge_log"]
    assert (log["open"], log["overdue"], log["closed"]) == (1, 1, 0)
    assert log["overdue_entries"] == ["Why are police returns late? (police, due 18 February 2028)"]
    assert "1 overdue (Why are police returns late? (police, due 18 February 2028))" in \
        str(render_instructions(lib.task(cid, "hold_meeting").documentation, lib.show(cid).data))


FIGURES = {"referrals_to_csc": 40, "strategy_discussions": 12, "child_protection_conferences": 9,
           "staff_trained": 120, "supervision_sessions": 300}


def submit_quarter(lib, cid, scale):
    lib.do(cid, "open_collection", "business-unit", agencies_involved="police, health")
    returns = {t.candidate_groups[0]: t for t in lib.tasks(cid, "submit_figures")}
    assert set(returns) == {"police", "health"}
    for agency, task in returns.items():
        lib.complete(task, agency, {f"pi_{k}": v * scale for k, v in FIGURES.items()})


def test_c12_quarterly_performance_data_is_stored_and_feeds_the_lisg_report(lib):
    cid = lib.start("c12_performance_data", "manager").id
    lid = lib.start("c02_lisg_six_monthly_report", "manager").id
    first_round(lib, cid, "every_quarter")        # 1 April 2027: Jan-Mar's data, and LISG's round
    lib.do(lid, "compile_report", "business-unit", audit_programme_summary="None yet",
           single_agency_audits="None", performance_overview="No returns yet",
           s11_s175_status="On track", review_progress="None", action_plan_rag="green",
           forward_plan="Neglect audit")
    lib.do(lid, "present_report", "lisg", board_meeting_on="2027-04-16")
    lib.do(lid, "board_notes_report", "board", board_challenge=False)
    submit_quarter(lib, cid, 1)
    lib.do(cid, "lisg_scrutiny", "lisg", performance_commentary="Referrals steady")
    first_round(lib, cid, "every_quarter")                       # 1 July 2027: Apr-Jun's data
    assert lib.show(cid).data["data_quarter"] == "2027-04-01"
    submit_quarter(lib, cid, 2)
    rows = all_of(lib, PerformanceFigure)
    assert sorted({(r.quarter_start.isoformat(), r.agency) for r in rows}) == [
        ("2027-01-01", "health"), ("2027-01-01", "police"),
        ("2027-04-01", "health"), ("2027-04-01", "police")]
    scrutiny = lib.task(cid, "lisg_scrutiny")
    quarter = lib.show(cid).data["quarter_figures"]
    assert {i["indicator"]: i["total"] for i in quarter["indicators"]}["referrals_to_csc"] == 160
    assert scrutiny.candidate_groups == ["lisg"]
    lib.do(cid, "lisg_scrutiny", "lisg", performance_commentary="Referrals doubled")
    # the October LISG report counts the two quarters of its six months (April and July starts)
    assert first_round(lib, lid, "every_six_months") == utc(2027, 10, 1, 8, 0)
    report = lib.task(lid, "compile_report")
    data = lib.show(lid).data["performance_data"]
    assert (data["period_start"], data["period_end"]) == ("2027-04-01", "2027-10-01")
    assert data["quarters"] == ["2027-04-01"] and data["submissions"] == 2
    assert {i["indicator"]: i["total"] for i in data["indicators"]} == {
        k: v * 4 for k, v in FIGURES.items()}
    assert "{{ performance_data.text }}" in report.documentation
    assert "Referrals made to children's social care: 160" in data["text"]
    assert "performance_overview" in {f["id"] for f in report.form["fields"]}   # the commentary


def test_c04_the_audit_programme_starts_each_audit_in_its_planned_month(lib):
    lib.now = utc(2027, 11, 17, 15, 0)                   # started in November
    cid = lib.start("c04_annual_audit_programme", "manager").id
    assert first_round(lib, cid, "every_year") == utc(2028, 4, 1, 8, 0)   # 1 April, 09:00 BST
    draft = lib.task(cid, "draft_programme")
    assert draft.due_at == utc(2028, 5, 1, 8, 0)         # a month from 1 April, not from November
    lib.do(cid, "draft_programme", "lisg",
           planned_audits_text="Neglect: June, Domestic abuse, Exploitation: January",
           programme_rationale="Business plan priorities")
    lib.do(cid, "approve_programme", "board", programme_approved=True)
    assert lib.tasks(cid, "set_theme") == []             # nothing starts all at once
    waits = sorted(t.due_at for t in lib.show(cid).timers if t.bpmn_id == "wait_for_month")
    # June as planned; Domestic abuse, unplanned, spread to the second third of the year
    # (August); January in the next calendar year, after the clock went back (09:00 GMT)
    assert waits == [utc(2028, 6, 1, 8, 0), utc(2028, 8, 1, 8, 0), utc(2029, 1, 1, 9, 0)]
    lib.fire(waits[0] + timedelta(seconds=1))
    [audit] = lib.tasks(cid, "set_theme")
    assert audit.candidate_groups == ["lisg"]
    assert lib.show(cid).data["audit_theme"] == "Neglect"


def test_c04_a_month_that_is_not_a_month_is_refused_with_a_clear_message(lib):
    cid = lib.start("c04_annual_audit_programme", "manager").id
    first_round(lib, cid, "every_year")
    with pytest.raises(FormInvalid) as refused:
        lib.do(cid, "draft_programme", "lisg", planned_audits_text="Neglect: Juune",
               programme_rationale="Business plan priorities")
    assert "month" in str(refused.value.errors["planned_audits_text"])


def test_c02_a_challenge_to_the_lisg_report_goes_on_the_challenge_log_and_is_answered(lib):
    cid = lib.start("c02_lisg_six_monthly_report", "manager").id
    first_round(lib, cid, "every_six_months")
    lib.do(cid, "compile_report", "business-unit", audit_programme_summary="3 audits",
           single_agency_audits="2", performance_overview="Stable", s11_s175_status="On track",
           review_progress="1 SCR", action_plan_rag="amber", forward_plan="Neglect audit")
    lib.do(cid, "present_report", "lisg", board_meeting_on="2027-04-16")
    lib.do(cid, "board_notes_report", "board", board_challenge=True,
           challenge_summary="Why are health's actions amber?")
    lib.do(cid, "log_challenge", "lscb-chair", challenged_agency="health", challenge_owner="health",
           challenge_due="2027-05-28")
    [entry] = all_of(lib, Challenge)
    assert (entry.challenge, entry.raised_by, entry.source, entry.agency, entry.status) == \
        ("Why are health's actions amber?", "LSCB Board", "lisg_report", "health", "open")
    lib.do(cid, "answer_challenge", "health", challenge_response="Two actions closed in May")
    lib.do(cid, "review_answer", "lscb-chair", answer_accepted=True)
    assert all_of(lib, Challenge)[0].status == "closed"


def test_c01_a_chair_who_asks_for_more_without_a_date_gives_the_owner_ten_working_days(lib):
    lib.now = utc(2027, 11, 17, 15, 0)
    cid = lib.start("c01_board_meetings", "manager").id
    first_round(lib, cid, "every_board_quarter")
    hold_meeting(lib, cid, ("police", "2028-02-18"))
    lib.on("2028-02-10")
    lib.do(cid, "answer_challenge", "police", challenge_response="A new returns officer from March")
    lib.do(cid, "review_answer", "lscb-chair", answer_accepted=False)
    [entry] = all_of(lib, Challenge)
    assert (entry.status, entry.due_date.isoformat(), entry.closure_note) == \
        ("open", "2028-02-24", "The Chair asked for more")
    assert lib.task(cid, "answer_challenge").due_at == utc(2028, 2, 24, 17, 0)   # close of business
