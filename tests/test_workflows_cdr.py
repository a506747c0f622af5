"""Child death review on the real timeline (issue 18 part 1): an unattended stillbirth has a
Joint Agency Response under 2018/2023; the rapid response starts at notification, beside the
residency check, with every deadline anchored to the time of death (across the Easter bank
holiday and the clock change); suspected abuse or neglect refers the case at once, from any step,
while the review goes on. Driven through the deployed library as the board's groups would."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from test_workflows import (db_url, lib, library_template, notify_death, rapid_response_steps,  # noqa: F401
                            return_form_bs)


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


def ended_at(lib, iid, end_id):
    with lib.sessions() as s:
        return end_id in lib.process_engine.element_states(s, iid)["completed"]


STILLBIRTH = dict(stillbirth_or_planned_termination=True, child_age_at_death=0, death_unexpected=True,
                  jar_trigger="unattended_stillbirth")


def test_d_2018_an_unattended_stillbirth_has_a_joint_agency_response_but_no_cdop_review(lib):
    lib.set_regime("MASA_WT2018")
    iid = notify_death(lib, **STILLBIRTH)
    assert lib.show(iid).status == "active"                    # not "out of scope"
    assert lib.ids(iid) == ["immediate_response"]               # the JAR; no residency check
    for step, group, data in rapid_response_steps():
        lib.do(iid, step, group, data)
    assert lib.show(iid).status == "completed"
    assert ended_at(lib, iid, "jar_only_done") and not ended_at(lib, iid, "out_of_scope")
    assert lib.instances("p01_case_referral") == []


def test_d_2015_a_stillbirth_stays_outside_the_cdop(lib):
    iid = notify_death(lib, **STILLBIRTH)
    assert lib.show(iid).status == "completed" and ended_at(lib, iid, "out_of_scope")


# Death on Saturday 27 March 2027 at 22:30 GMT, the night before the clocks go forward (Sunday 28
# March, 01:00 GMT -> 02:00 BST), in the Easter weekend (Good Friday 26 March, Easter Monday 29
# March are bank holidays); notified an hour later.
DEATH = dict(date_of_death="2027-03-27", time_of_death="22:30", death_unexpected=True,
             jar_trigger="sudden_no_apparent_cause", abuse_or_neglect_suspected=True)
NOTIFIED = utc(2027, 3, 27, 23, 30)
DEADLINES = {"immediate_response": utc(2027, 3, 28, 2, 30),     # 4 h elapsed: 03:30 BST
             "home_visit": utc(2027, 3, 28, 22, 30),            # 24 h elapsed: 23:30 BST
             "initial_discussion": utc(2027, 3, 29, 22, 30),    # 48 h, on Easter Monday
             "post_mortem_discussion": utc(2027, 4, 3, 21, 30),  # 7 days: 22:30 BST
             "final_case_discussion": utc(2027, 6, 27, 21, 30)}  # 3 months: 22:30 BST


@pytest.mark.parametrize("regime", ["LSCB_WT2015", "MASA_WT2018"])
def test_f_abuse_suspected_at_notification_starts_the_rapid_response_and_refers_at_once(lib, regime):
    lib.set_regime(regime)
    lib.now = NOTIFIED
    iid = notify_death(lib, **DEATH)
    # the rapid response and the residency check run side by side from the notification
    assert lib.ids(iid) == ["immediate_response", "residency_check"]
    assert lib.task(iid, "immediate_response").due_at == DEADLINES["immediate_response"]
    # 5 working days from the notification: the count starts on Tuesday 30 March, after Easter
    assert lib.task(iid, "residency_check").due_at == utc(2027, 4, 6, 22, 30)
    # referred to the decision-maker at once, not after the rapid response
    case_ref = lib.show(iid).reference
    [(rid, status, ref)] = lib.instances("p01_case_referral")
    assert (status, ref) == ("active", case_ref)
    assert lib.ids(rid) == ["confirm_referral"]
    # each step's deadline runs from the death, whenever the previous step was done
    for step, group, data in rapid_response_steps(suspected=True)[:-1]:
        assert lib.task(iid, step).due_at == DEADLINES[step], step
        lib.now = DEADLINES[step]                     # each done only at its deadline
        lib.do(iid, step, group, data)
    final = lib.task(iid, "final_case_discussion")
    assert final.due_at == DEADLINES["final_case_discussion"]
    assert len(lib.instances("p01_case_referral")) == 1          # referred once, not again
    # the residency check is independent of the rapid response
    lib.do(iid, "residency_check", "cdop", bf_cdop_reviews=False, residency_notes="Reading CDOP")
    assert "final_case_discussion" in lib.ids(iid)
    if regime == "MASA_WT2018":        # the LA's notification, from issue 17's rules
        lib.do(rid, "confirm_referral", "business-unit", concerns_about_agency_working="some",
               learning_potential="multi_agency", context_needs_exploring=False,
               agencies_involved="health, police")
        lib.do(rid, "log_case", "business-unit", received_on="2027-04-06", acknowledgement_sent=True)
        assert lib.task(rid, "notify_regulator").candidate_groups == ["childrens-social-care"]


def test_f_the_final_discussion_reminder_and_overdue_run_from_the_death(lib):
    lib.now = NOTIFIED
    iid = notify_death(lib, **{**DEATH, "abuse_or_neglect_suspected": False})
    lib.do(iid, "residency_check", "cdop", bf_cdop_reviews=True)
    for step, group, data in rapid_response_steps()[:-1]:
        lib.do(iid, step, group, data)
    lib.fire(utc(2027, 6, 5, 21, 31))                 # the reminder: 10 weeks after the death
    assert lib.tasks(iid, "final_case_discussion") and not lib.tasks(iid, "final_case_discussion_escalate_1")
    lib.fire(DEADLINES["final_case_discussion"] - timedelta(minutes=1))
    assert not lib.tasks(iid, "final_case_discussion_escalate_1")
    lib.fire(DEADLINES["final_case_discussion"] + timedelta(minutes=1))
    assert lib.task(iid, "final_case_discussion_escalate_1").candidate_groups == ["cdop"]


def test_suspicion_first_recorded_in_the_rapid_response_refers_at_once(lib):
    iid = notify_death(lib, death_unexpected=True, jar_trigger="sudden_no_apparent_cause")
    lib.do(iid, "residency_check", "cdop", bf_cdop_reviews=True)
    lib.do(iid, "immediate_response", "health", immediate_response_notes="Attended",
           family_support_offered=True)
    lib.do(iid, "home_visit", "police", visit_done=True, visit_notes="Bruising seen")
    assert lib.instances("p01_case_referral") == []
    lib.do(iid, "initial_discussion", "health", siblings_safe=False, s47_started=True,
           abuse_or_neglect_suspected=True)
    [(rid, _, ref)] = lib.instances("p01_case_referral")
    assert ref == lib.show(iid).reference
    assert "post_mortem_discussion" in lib.ids(iid)               # the response goes on


def review_to_the_panel(lib, regime):
    """An expected death under ``regime`` reviewed here, up to the panel: Form Bs, the papers and
    (2018/2023) the child death review meeting, which must come before the panel."""
    lib.set_regime(regime)
    iid = notify_death(lib)
    lib.do(iid, "residency_check", "cdop", bf_cdop_reviews=True)
    return_form_bs(lib, iid, "saw the child regularly")
    lib.do(iid, "collate_papers", "cdop", post_mortem_received=True, inquest_pending=False)
    if regime != "LSCB_WT2015":
        assert lib.ids(iid) == ["child_death_review_meeting"]      # not the panel yet
        lib.do(iid, "child_death_review_meeting", "health", cdrm_held_on="2027-04-20",
               cdrm_summary="Reviewed with the professionals who knew the child")
    assert lib.ids(iid) == ["panel_review"]
    return iid


def panel_review(lib, iid, suspected):
    lib.do(iid, "panel_review", "cdop", category_of_death="cat_1" if suspected else "cat_6",
           modifiable_factors="identified" if suspected else "not_identified",
           contributing_factors="Neglect" if suspected else "None", pattern_alert=False,
           panel_abuse_or_neglect_suspected=suspected, learning_identified=False)


@pytest.mark.parametrize("regime", ["LSCB_WT2015", "MASA_WT2023"])
def test_suspicion_first_recorded_by_the_panel_refers_at_once_and_the_review_goes_on(lib, regime):
    iid = review_to_the_panel(lib, regime)
    panel_review(lib, iid, suspected=True)
    [(rid, _, ref)] = lib.instances("p01_case_referral")
    assert ref == lib.show(iid).reference
    assert lib.ids(iid) == ["inform_professionals"]                 # not waiting for the decision
    lib.do(rid, "confirm_referral", "business-unit", concerns_about_agency_working="some",
           learning_potential="multi_agency", context_needs_exploring=False,
           agencies_involved="health, education")
    lib.do(rid, "log_case", "business-unit", received_on="2027-09-01", acknowledgement_sent=True)
    notify = lib.tasks(rid, "notify_regulator")
    assert [t.candidate_groups for t in notify] == [["childrens-social-care"]]


@pytest.mark.parametrize("regime", ["MASA_WT2018", "MASA_WT2023"])
def test_2018_a_child_death_review_meeting_precedes_the_panel_and_the_data_go_to_the_ncmd(lib, regime):
    iid = review_to_the_panel(lib, regime)
    panel_review(lib, iid, suspected=False)
    lib.do(iid, "inform_professionals", "cdop", professionals_told=True)
    assert lib.ids(iid) == ["submit_to_ncmd"]
    lib.do(iid, "submit_to_ncmd", "cdop", ncmd_submitted_on="2027-05-02")
    lib.do(iid, "close_cdop_case", "cdop", added_to_dataset=True)
    assert lib.show(iid).status == "completed"
    assert lib.show(iid).data["ncmd_submitted_on"] == "2027-05-02"


def test_the_registrar_and_coroner_notifications_are_checked_against_their_deadlines(lib):
    iid = notify_death(lib)
    lib.do(iid, "residency_check", "cdop", bf_cdop_reviews=True)
    return_form_bs(lib, iid, "saw the child regularly")
    # the registrar: 7 days after registration (12 March), here 10 days; the coroner: 3 working
    # days after deciding on Good Friday (a bank holiday): counted from Tuesday 30 March, after
    # Easter Monday, so 2 April, and the notification on 1 April is on time
    lib.do(iid, "collate_papers", "cdop", post_mortem_received=True, inquest_pending=False,
           death_registered_on="2027-03-05", registrar_informed_on="2027-03-15",
           coroner_decided_on="2027-03-26", coroner_notified_on="2027-04-01")
    data = lib.show(iid).data
    assert data["registrar_information_due"] == "2027-03-12"
    assert data["coroner_notification_due"] == "2027-04-02"
    assert data["statutory_notifications_late"] == ["registrar"]
    assert lib.ids(iid) == ["panel_review"]


def test_suspicion_first_recorded_in_a_form_b_refers_at_once_and_the_panel_waits_for_the_decision(lib):
    iid = notify_death(lib)
    lib.do(iid, "residency_check", "cdop", bf_cdop_reviews=True)
    health, education = sorted(lib.tasks(iid, "form_b"), key=lambda t: t.candidate_groups)[::-1]
    lib.complete(health, "health", {"agency_knowledge": "Repeated unexplained injuries seen in clinic",
                                    "form_b_abuse_or_neglect_suspected": True})
    [(rid, _, ref)] = lib.instances("p01_case_referral")             # at once
    assert ref == lib.show(iid).reference
    assert lib.ids(iid) == ["form_b"]                                 # education's return goes on
    lib.complete(education, "education", {"agency_knowledge": "Attended nursery regularly until May",
                                          "form_b_abuse_or_neglect_suspected": False})
    assert lib.ids(iid) == []                                         # waiting for the decision
    assert len(lib.instances("p01_case_referral")) == 1


# --- issue 18 part 1: the CDOP duties (register, per board, themed reports, annual report) ---

def test_notified_deaths_exclude_those_out_of_scope_and_count_unattended_stillbirths_only_2018(lib):
    from models.learning_reports import cdop_figures, year_period
    notify_death(lib, child_age_at_death=18)                          # out of scope
    notify_death(lib, **STILLBIRTH)                                   # 2015: out of scope
    notify_death(lib)                                                 # in scope
    lib.set_regime("MASA_WT2018")
    notify_death(lib, **STILLBIRTH)                                   # 2018: a JAR, counted
    notify_death(lib, stillbirth_or_planned_termination=True)         # 2018, attended: not
    with lib.sessions() as s:
        assert cdop_figures(s, *year_period(2026))["notified"] == 2


def test_two_form_bs_suspecting_abuse_at_once_refer_the_case_once(lib):
    iid = notify_death(lib)
    lib.do(iid, "residency_check", "cdop", bf_cdop_reviews=True)
    health, education = sorted(lib.tasks(iid, "form_b"), key=lambda t: t.candidate_groups)[::-1]
    for task, group in ((health, "health"), (education, "education")):
        lib.complete(task, group, {"agency_knowledge": f"{group}: injuries seen, not explained",
                                   "form_b_abuse_or_neglect_suspected": True})
    assert len(lib.instances("p01_case_referral")) == 1
    assert lib.ids(iid) == []                                         # waiting for the decision


def reviewed_with_pattern(lib, board=None, theme="safe_sleeping", factors="Co-sleeping on a sofa"):
    """A death (of ``board``'s area, else the form's default) reviewed by the panel, which
    records a pattern of ``theme``; returns the case id."""
    iid = notify_death(lib, **({"board": board} if board else {}))
    lib.do(iid, "residency_check", "cdop", bf_cdop_reviews=True)
    return_form_bs(lib, iid, "saw the child regularly")
    lib.do(iid, "collate_papers", "cdop", post_mortem_received=True, inquest_pending=False)
    if lib.tasks(iid, "child_death_review_meeting"):
        lib.do(iid, "child_death_review_meeting", "health", cdrm_held_on="2027-03-01",
               cdrm_summary="Reviewed with the professionals who knew the child")
    lib.do(iid, "panel_review", "cdop", category_of_death="cat_10", modifiable_factors="identified",
           contributing_factors=factors, pattern_alert=True, pattern_theme=theme,
           pattern_description="Infants co-sleeping after parental alcohol use",
           panel_abuse_or_neglect_suspected=False, learning_identified=False)
    return iid


def register(lib):
    from models import ChildDeath, ThemedReport
    from sqlalchemy import select
    with lib.sessions() as s:
        return (s.scalars(select(ChildDeath).order_by(ChildDeath.id)).all(),
                s.scalars(select(ThemedReport).order_by(ThemedReport.id)).all())


@pytest.mark.parametrize("regime, board_task, group, response", [
    ("LSCB_WT2015", "lscb_chair_receives", "lscb-chair", "chair_response"),
    ("MASA_WT2023", "partners_receive", "safeguarding-partners", "partners_response")])
def test_a_pattern_goes_to_a_themed_report_the_chair_decides_and_the_board_receives_it(
        lib, regime, board_task, group, response):
    from models.learning import LearningItem
    from sqlalchemy import select
    from web.instructions import render_instructions
    lib.set_regime(regime)
    first = reviewed_with_pattern(lib, board="reading", factors="Sofa sharing")
    second = reviewed_with_pattern(lib)
    assert lib.ids(second) == ["inform_professionals"]                 # the review goes on
    reports = lib.instances("p05c_cdop_themed_report")
    assert len(reports) == 2 and lib.ids(first) == ["inform_professionals"]
    rid = reports[1][0]
    draft = lib.task(rid, "draft_themed_report")
    assert draft.candidate_groups == ["cdop"]
    data = lib.show(rid).data
    assert data["themed_deaths"]["count"] == 2             # both deaths with the pattern
    shown = str(render_instructions(draft.documentation, data))
    refs = [lib.show(i).reference for i in (first, second)]
    assert f"{refs[0]} (Reading): 10 Sudden unexpected, unexplained death; Modifiable factors " \
           "identified (Sofa sharing)" in shown and f"{refs[1]} (Bracknell Forest)" in shown
    themed = dict(themed_findings="Both infants shared a sofa with a parent who had drunk alcohol",
                  themed_recommendations="Safe sleeping advice at every health visit",
                  themed_learning="Give safe sleeping advice where a parent drinks",
                  action_owner="health", action_description="Add safe sleeping to visits",
                  action_due_date="2027-09-30")
    lib.do(rid, "draft_themed_report", "cdop", themed)
    lib.do(rid, "chair_decides", "cdop", chair_decision="revise", chair_comments="Add the data")
    assert "Add the data" in str(render_instructions(lib.task(rid, "draft_themed_report")
                                                     .documentation, lib.show(rid).data))
    lib.do(rid, "draft_themed_report", "cdop", themed)
    lib.do(rid, "chair_decides", "cdop", chair_decision="to_board")
    assert lib.ids(rid) == [board_task]
    lib.do(rid, board_task, group, {response: "Noted: a safe sleeping campaign this winter"})
    assert lib.show(rid).status == "completed"
    with lib.sessions() as s:
        [item] = s.scalars(select(LearningItem).where(
            LearningItem.source_pathway == "P5 themed report")).all()
        assert item.themes == ["child_deaths"] and item.source_ref == refs[1]
    [(loop, _, _)] = lib.instances("learning_loop")           # it reaches the learning loop
    assert lib.ids(loop) == ["validate_item"] and lib.show(loop).data["item_theme"] == "child_deaths"
    deaths, themed_reports = register(lib)
    assert [d.board for d in deaths] == ["Reading", "Bracknell Forest"]
    assert [d.pattern_theme for d in deaths] == ["safe_sleeping", "safe_sleeping"]
    assert themed_reports[1].received_by == group and themed_reports[1].learning_item_id == item.id
    assert themed_reports[0].received_at is None                        # the first still drafting


def test_a_case_carries_its_board_with_the_running_board_as_default(lib):
    from models.cdop import CDOP_BOARDS, RUNNING_BOARD
    notify_death(lib, board="wokingham")
    notify_death(lib)
    form = lib.task(notify_death(lib, board="slough"), "residency_check")
    assert form                                     # the case goes on as before
    fields = {f["id"]: f for f in lib.task(lib.start("p05_child_death_review",
                                                     "partner-agencies").id, "notify_death").form["fields"]}
    assert fields["board"]["default"] == RUNNING_BOARD and len(fields["board"]["options"]) == 6
    # the register enters a case without a row (one from before it) with the same boards
    assert {o["id"]: o["name"] for o in fields["board"]["options"]} == CDOP_BOARDS
    assert [d.board for d in register(lib)[0]] == ["Wokingham", "Bracknell Forest", "Slough"]


# The business year starts on Thursday 1 April 2027, 09:00 BST (the clocks changed on 28 March).
APRIL_2027 = utc(2027, 4, 1, 8, 0)


@pytest.mark.parametrize("regime, receive, group, data", [
    ("LSCB_WT2015", "lscb_chair_receives_report", "lscb-chair",
     {"cdop_report_received_notes": "For the annual report"}),
    ("MASA_WT2018", "partners_publish_report", "safeguarding-partners",
     {"cdr_report_published_at": "https://example.org/cdr-annual-report"})])
def test_c09_the_cdop_annual_report_is_assembled_from_the_register_each_april(
        lib, regime, receive, group, data):
    from web.instructions import render_instructions
    lib.set_regime(regime)
    reviewed_with_pattern(lib, board="reading")        # in business year 2026-2027
    notify_death(lib, child_age_at_death=18)           # out of scope: not counted
    lib.now = utc(2027, 3, 10, 9)
    cid = lib.start("c09_cdop_annual_report", "manager").id
    [timer] = lib.show(cid).timers
    assert timer.due_at == APRIL_2027                   # anchored to the business year
    lib.fire(APRIL_2027 - timedelta(seconds=1))
    assert lib.ids(cid) == []
    lib.fire(APRIL_2027 + timedelta(seconds=1))
    report = lib.show(cid).data["cdop_report"]
    assert report["year"] == "2026-2027" and report["url"] == "/reports/cdop?year=2026"
    assert (report["notified"], report["reviewed"], report["pattern_alerts"]) == (1, 1, 1)
    compile_ = lib.task(cid, "compile_cdop_report")
    assert compile_.candidate_groups == ["cdop"]
    shown = str(render_instructions(compile_.documentation, lib.show(cid).data))
    assert "1 deaths notified, 1 reviewed" in shown and "/reports/cdop?year=2026" in shown
    lib.do(cid, "compile_cdop_report", "cdop", cdop_report_themes="Safe sleeping in infants",
           cdop_report_recommendations="A safe sleeping campaign")
    lib.do(cid, receive, group, data)
    assert lib.show(cid).status == "active"
    [timer] = lib.show(cid).timers
    assert timer.due_at == utc(2028, 4, 1, 8, 0)         # next year's round waits


def test_c14_the_unexpected_death_procedure_is_reviewed_yearly_and_escalates_when_overdue(lib):
    lib.now = utc(2027, 4, 20, 9)                       # after 1 April: the first round is 2028
    cid = lib.start("c14_unexpected_death_procedure", "manager").id
    [timer] = lib.show(cid).timers
    assert timer.due_at == utc(2028, 4, 1, 8, 0)
    lib.fire(timer.due_at + timedelta(seconds=1))
    review = lib.task(cid, "review_procedure")
    assert review.candidate_groups == ["cdop"] and review.due_at.date().isoformat() == "2028-06-01"
    lib.fire(utc(2028, 6, 1, 8, 1))                     # two months on: overdue
    lib.do(cid, "review_procedure_escalate_1", "cdop", review_procedure_escalation_note_1="Chased",
           review_procedure_resolved_1=False)
    assert lib.task(cid, "review_procedure_escalate_2").candidate_groups == ["lscb-chair"]
    lib.do(cid, "review_procedure", "cdop", procedure_changes="Home visit within 24 hours",
           procedure_version="2028.1")
    lib.do(cid, "chair_agrees_procedure", "lscb-chair", chair_agrees=False,
           chair_procedure_comments="Name the on-call paediatrician")
    review = lib.task(cid, "review_procedure")           # back to the CDOP, with the comments
    lib.do(cid, "review_procedure", "cdop", procedure_changes="On-call paediatrician named",
           procedure_version="2028.2")
    lib.do(cid, "chair_agrees_procedure", "lscb-chair", chair_agrees=True)
    assert lib.ids(cid) == ["review_procedure_escalate_2"]      # the Challenge Log entry stays
    assert lib.show(cid).data["procedure_agreed"] is True


def test_c14_under_2018_the_safeguarding_partners_agree_the_procedure(lib):
    lib.set_regime("MASA_WT2023")
    cid = lib.start("c14_unexpected_death_procedure", "manager").id
    lib.fire(APRIL_2027 + timedelta(seconds=1))
    lib.do(cid, "review_procedure", "cdop", procedure_changes="Joint agency response steps",
           procedure_version="2027.1")
    lib.do(cid, "partners_agree_procedure", "safeguarding-partners", partners_agree=True)
    assert lib.ids(cid) == [] and lib.show(cid).timers


def test_a_pattern_without_a_theme_is_reported_as_other_and_no_pattern_raises_no_report(lib):
    quiet = review_to_the_panel(lib, "LSCB_WT2015")
    panel_review(lib, quiet, suspected=False)                    # pattern_alert False
    assert lib.instances("p05c_cdop_themed_report") == []
    iid = review_to_the_panel(lib, "LSCB_WT2015")
    lib.do(iid, "panel_review", "cdop", category_of_death="cat_3", modifiable_factors="identified",
           contributing_factors="Unfenced garden pond", pattern_alert=True,
           panel_abuse_or_neglect_suspected=False, learning_identified=False)
    [(rid, _, _)] = lib.instances("p05c_cdop_themed_report")
    assert lib.show(rid).data["themed_deaths"]["theme_name"] == "Other pattern or trend"
    deaths, _ = register(lib)
    assert [(d.category, d.pattern_theme) for d in deaths] == [("cat_6", None), ("cat_3", "other_pattern")]


@pytest.mark.parametrize("regime", ["LSCB_WT2015", "MASA_WT2023"])
def test_a_case_the_register_lacks_is_entered_from_its_data_when_the_panel_reviews_it(lib, regime):
    """A case begun before the register (or moved mid-way from an older P5 version) has no row:
    the panel's step enters the death from the case data, then its review and the referral."""
    from models import AuditEvent, ChildDeath
    from sqlalchemy import delete, select
    iid = review_to_the_panel(lib, regime)
    [before], _ = register(lib)
    with lib.sessions() as s, s.begin():
        s.execute(delete(ChildDeath).where(ChildDeath.instance_id == iid))
    lib.now += timedelta(days=3)
    panel_review(lib, iid, suspected=True)               # no "not found" incident
    assert lib.ids(iid) == ["inform_professionals"]
    assert len(lib.instances("p01_case_referral")) == 1
    [death], _ = register(lib)
    assert (death.case_ref, death.board, death.regime, death.date_of_death, death.notified_at) == (
        before.case_ref, before.board, regime, before.date_of_death, before.notified_at)
    assert (death.in_scope, death.category, death.modifiable_factors, death.factors) == (
        True, "cat_1", "identified", "Neglect")
    assert death.reviewed_at == death.referred_at == lib.now
    with lib.sessions() as s:
        [entered] = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "child_death_registered", AuditEvent.instance_id == iid)
            .order_by(AuditEvent.id)).all()[1:]
        assert entered.detail["from_case_data"] is True
