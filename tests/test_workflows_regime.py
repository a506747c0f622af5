"""The statutory route under each regime (issue 17): the criteria put a case on the statutory
route whatever LISG recommends, only the regime's decision-maker departs from it (recorded and
notified), and the 2018/2023 intake runs one rapid-review clock from the notification to the
Panel, the partners' joint sign-off and the Panel's response. Scenarios run through the deployed
library with controlled time, as the board's groups would (cache on and off: ``live_cache``)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from engine import FormInvalid
from engine.errors import InputError
from models import AuditEvent
from models.learning import Review
from test_workflows import (CRITERIA_NONE, DMN_PROBE, INCIDENT_KNOWN, T0, WORKFLOWS, db_url, lib,  # noqa: F401
                            library_template, notify_death)

PARTNERS = {"la_sign_off": ("local-authority-partner", "la"),
            "icb_sign_off": ("icb-partner", "icb"), "police_sign_off": ("police-partner", "police")}


PANEL = ("the Child Safeguarding Practice Review Panel, through the Child Safeguarding Incident "
         "Notification System (shared with Ofsted and the DfE), and the local safeguarding partners")
SOS = "the Secretary of State and Ofsted"
NOTIFICATION_CASES = [  # criteria overrides, regime -> (must notify, to whom (start), basis (start))
    ({"abuse_or_neglect_suspected": True, "child_died": True}, "LSCB_WT2015",
     (True, "Ofsted and the LSCB", "WT2015 ch.4")),
    ({"looked_after_child": True, "child_died": True}, "LSCB_WT2015",
     (True, "Ofsted and the LSCB", "WT2015: the death of a looked-after")),
    ({"died_in_regulated_setting": True, "child_died": True}, "LSCB_WT2015",
     (True, "Ofsted and the LSCB", "WT2015: a child died in a regulated")),
    ({"abuse_or_neglect_suspected": True, "seriously_harmed": True}, "MASA_WT2018",
     (True, PANEL, "Children Act 2004 s16C(1)")),
    ({"abuse_or_neglect_suspected": True, "child_died": True, "incident_in_bf": False,
      "incident_outside_england": True}, "MASA_WT2023", (True, PANEL, "Children Act 2004 s16C(1)")),
    ({"abuse_or_neglect_suspected": True, "child_died": True, "incident_in_bf": False},
     "MASA_WT2018", (False, "nobody", "no notification duty")),
    ({"looked_after_child": True, "child_died": True}, "MASA_WT2018",
     (True, SOS, "Children Act 2004 s16C: death of a looked-after")),
    ({"care_leaver_under_25": True, "child_died": True}, "MASA_WT2023", (True, SOS, "WT2023 ch.5")),
    ({"care_leaver_under_25": True, "child_died": True}, "MASA_WT2018",
     (False, "nobody", "no notification duty")),
    ({"died_in_regulated_setting": True, "child_died": True}, "MASA_WT2018",
     (False, "nobody", "no notification duty")),
    ({}, "LSCB_WT2015", (False, "nobody", "no notification duty")),
]


@pytest.mark.parametrize("criteria, regime, expected", NOTIFICATION_CASES)
def test_dmn_notification_rules(sessions, process_engine, people_factory, criteria, regime, expected):
    probe = DMN_PROBE.replace(b'camunda:decisionRef="triage_route"', b'camunda:decisionRef="notification_rules"')
    files = {"probe.bpmn": probe, **{n: (WORKFLOWS / n).read_bytes()
                                     for n in ("scr_criteria.dmn", "notification_rules.dmn")}}
    with sessions.begin() as s:
        process_engine.deploy(s, files, "tester")
    actor = people_factory("dmn-tester", groups=["lisg"], roles=["manager"])   # no starters
    with sessions.begin() as s:
        done = process_engine.start(s, "dmn_probe", actor, {**CRITERIA_NONE, **criteria, "regime": regime,
                                     "regime_override_reason": "probe"},
                                    now=T0)
    must, to, basis = expected
    assert done.data["la_must_notify"] is must
    assert done.data["notify_to"].startswith(to) and done.data["notification_basis"].startswith(basis)


def intake(lib, regime, **criteria):
    """A partner agency notifies an incident involving police and health under ``regime``;
    the Business Unit logs it. Returns the case id."""
    lib.set_regime(regime)
    iid = lib.start("p01_incident_notification", "partner-agencies", INCIDENT_KNOWN).id
    lib.do(iid, "take_immediate_action", "partner-agencies", notifying_agency="police",
           immediate_action="Referred to the MASH; siblings safe", siblings_considered=True,
           referral_to_csc_made=True)
    lib.do(iid, "notification_form", "police", {**CRITERIA_NONE, **criteria},
           child_reference="AB 01/02/2015", incident_summary="Child admitted to hospital with injuries",
           incident_date="2027-02-26", la_aware_on="2027-03-01", agencies_involved="police, health")
    lib.do(iid, "log_case", "business-unit", received_on="2027-03-01", acknowledgement_sent=True)
    return iid


def summaries(lib, iid):
    lib.do_each(iid, "agency_summary", {
        g: dict(involvement_summary=f"{g} knew the family for two years", chronology_provided=True,
                agency_view_of_concerns="some") for g in ("police", "health")})


def screen(lib, iid, route):
    lib.do(iid, "lisg_screening", "lisg", lisg_route=route,
           lisg_rationale="Screened the agency summaries against the criteria",
           learning_identified=False)


def notify_panel(lib, iid, sent_on="2027-03-03"):
    lib.on(sent_on)
    notify = lib.task(iid, "notify_regulator")
    assert notify.candidate_groups == ["childrens-social-care"]
    lib.do(iid, "notify_regulator", "childrens-social-care", notified_body="cspr_panel",
           notification_sent_on=sent_on)


def rapid_review(lib, iid, lcspr=False, approvals=(True, True, True)):
    """Agencies inform the rapid review, the panel writes it, each partner signs it off."""
    lib.do_each(iid, "rr_agency_information", {
        g: dict(rr_agency_involvement=f"{g}: contact with the family since 2025")
        for g in ("police", "health")})
    lib.do(iid, "rapid_review", "lisg", rapid_review_facts="Facts and agency involvement gathered",
           rapid_review_actions="Sibling plan", lcspr_recommended=lcspr,
           rapid_review_rationale="Considered the potential for learning", lead_partner="la")
    for (task, (group, prefix)), approves in zip(PARTNERS.items(), approvals):
        lib.do(iid, task, group, {f"{prefix}_approves": approves,
                                  f"{prefix}_signatory": f"{prefix} lead safeguarding partner",
                                  f"{prefix}_signed_by_delegate": prefix == "police"})


def panel_replies(lib, iid, response):
    with lib.sessions.begin() as s:
        reached = lib.process_engine.send_message(
            s, "panel_response", {"case_ref": lib.show(iid).reference, "response": response,
                                  "comments": "Panel letter of 2 April"},
            lib.staff["safeguarding-partners"], correlation={"case_ref": lib.show(iid).reference},
            now=lib.now)
    assert reached == [iid]


def notified_2015_death(lib):
    """A 2015 case whose criteria say SCR (abuse suspected, the child died), notified to Ofsted
    and with the agency summaries in: waiting for LISG's screening."""
    iid = intake(lib, "LSCB_WT2015", abuse_or_neglect_suspected=True, child_died=True)
    lib.on("2027-03-03")
    lib.do(iid, "notify_regulator", "childrens-social-care", notified_body="ofsted",
           notification_sent_on="2027-03-03")
    summaries(lib, iid)
    return iid


def test_a_2015_criteria_met_and_lisg_recommends_close_the_chair_still_decides(lib):
    iid = notified_2015_death(lib)
    screen(lib, iid, "close")
    decide = lib.task(iid, "decide_scr")
    assert decide.candidate_groups == ["lscb-chair"]
    lib.now = T0 + timedelta(days=10)
    lib.do(iid, "decide_scr", "lscb-chair", chair_decision="no_scr",
           chair_rationale="The review LISG proposes is proportionate here",
           alternative_route="then_close")
    report = lib.task(iid, "report_no_scr")       # the departure goes to the National Panel
    assert report.candidate_groups == ["lscb-chair"]
    assert report.due_at == lib.now + timedelta(days=14)
    lib.do(iid, "report_no_scr", "lscb-chair", panel_informed_on="2027-03-12",
           panel_rationale_sent=True)
    data = lib.show(iid)
    assert data.status == "completed"
    assert (data.data["route"], data.data["route_rationale"]) == (
        "close", "The review LISG proposes is proportionate here")


def test_2015_lisg_cannot_pick_a_rapid_review_and_its_statutory_pick_goes_to_the_chair(lib):
    iid = notified_2015_death(lib)
    task = lib.task(iid, "lisg_screening")
    with pytest.raises(FormInvalid) as refused, lib.sessions.begin() as s:
        lib.process_engine.complete(s, task.id, lib.staff["lisg"], {
            "lisg_route": "rapid_review", "lisg_rationale": "A rapid review would be quicker",
            "learning_identified": False})
    assert set(refused.value.errors) == {"lisg_route"}
    screen(lib, iid, "statutory")
    assert lib.ids(iid) == ["decide_scr"]


def test_2015_below_the_criteria_lisg_route_is_adopted_without_the_chair(lib):
    iid = intake(lib, "LSCB_WT2015", learning_potential="multi_agency",
                 concerns_about_agency_working="some")
    assert lib.tasks(iid, "notify_regulator") == []
    summaries(lib, iid)
    screen(lib, iid, "macr")
    assert lib.ids(iid) == ["commission_review"]


def test_b_2018_criteria_met_goes_to_the_rapid_review_without_lisg_screening(lib):
    iid = intake(lib, "MASA_WT2018", abuse_or_neglect_suspected=True, seriously_harmed=True,
                 concerns_about_agency_working="limited", learning_potential="multi_agency")
    notify = lib.task(iid, "notify_regulator")
    assert notify.due_at == datetime(2027, 3, 8, 17, 0, tzinfo=timezone.utc)   # 5 WD of 1 March
    notify_panel(lib, iid)
    assert sorted(lib.ids(iid)) == ["rr_agency_information", "rr_agency_information"]
    rapid_review(lib, iid)
    assert lib.tasks(iid, "lisg_screening") == [] and lib.tasks(iid, "commission_review") == []
    assert lib.ids(iid) == ["send_rapid_review"]


def test_c_2018_one_rapid_review_clock_from_the_notification_for_every_step(lib):
    iid = intake(lib, "MASA_WT2018", abuse_or_neglect_suspected=True, child_died=True)
    notify_panel(lib, iid, sent_on="2027-03-03")
    due = datetime(2027, 3, 24, 17, 0, tzinfo=timezone.utc)     # 15 WD from Wednesday 3 March
    lib.now = datetime(2027, 3, 15, 16, 0, tzinfo=timezone.utc)  # work done late, on LISG's old due day
    lib.do_each(iid, "rr_agency_information", {
        g: dict(rr_agency_involvement=f"{g}: contact with the family") for g in ("police", "health")})
    assert lib.task(iid, "rapid_review").due_at == due
    lib.do(iid, "rapid_review", "lisg", rapid_review_facts="Facts and agency involvement gathered",
           rapid_review_actions="Sibling plan", lcspr_recommended=True,
           rapid_review_rationale="Considered the potential for learning", lead_partner="la")
    assert {t.bpmn_id: t.due_at for t in lib.tasks(iid)} == {task: due for task in PARTNERS}
    for task, (group, prefix) in PARTNERS.items():
        lib.do(iid, task, group, {f"{prefix}_approves": True, f"{prefix}_signatory": "Lead partner",
                                  f"{prefix}_signed_by_delegate": False})
    assert lib.task(iid, "send_rapid_review").due_at == due
    assert lib.show(iid).data["rapid_review_due"] == "2027-03-24T17:00:00+00:00"


def test_e_2018_cdop_referral_raises_the_local_authority_notification_to_the_panel(lib):
    lib.set_regime("MASA_WT2018")
    iid = notify_death(lib, abuse_or_neglect_suspected=True)
    lib.do(iid, "residency_check", "cdop", bf_cdop_reviews=True)
    [(rid, _, _)] = lib.instances("p01_case_referral")
    lib.do(rid, "confirm_referral", "business-unit", concerns_about_agency_working="some",
           learning_potential="multi_agency", context_needs_exploring=False,
           agencies_involved="health, police")
    lib.do(rid, "log_case", "business-unit", received_on="2027-03-10", acknowledgement_sent=True)
    notify = lib.task(rid, "notify_regulator")
    assert notify.candidate_groups == ["childrens-social-care"]
    notify_panel(lib, rid, sent_on="2027-03-11")
    assert sorted(lib.ids(rid)) == ["rr_agency_information", "rr_agency_information"]


def test_2018_a_partner_withholding_sign_off_returns_the_rapid_review(lib):
    iid = intake(lib, "MASA_WT2018", abuse_or_neglect_suspected=True, child_died=True)
    notify_panel(lib, iid)
    rapid_review(lib, iid, approvals=(True, False, True))
    assert lib.ids(iid) == ["rapid_review"]


@pytest.mark.parametrize("response, lcspr, ends, by", [
    ("agrees", False, "learning", "message"), ("agrees", True, "appoint_reviewer", "message"),
    ("disagrees", False, "reconsider_lcspr", "message"), ("national_review", True, "learning", "message"),
    ("disagrees", False, "reconsider_lcspr", "form"), ("national_review", True, "learning", "form")])
def test_2018_the_panel_response_routes_the_case(lib, response, lcspr, ends, by):
    iid = intake(lib, "MASA_WT2023", abuse_or_neglect_suspected=True, child_died=True)
    notify_panel(lib, iid)
    rapid_review(lib, iid, lcspr=lcspr)
    lib.do(iid, "send_rapid_review", "safeguarding-partners", rapid_review_sent_on="2027-03-20",
           rapid_review_learning_identified=True)
    assert lib.ids(iid) == ["record_panel_response"]  # waiting for the Panel
    lib.now = datetime(2027, 4, 2, 10, 0, tzinfo=timezone.utc)
    if by == "message":                               # e.g. from a partner system
        panel_replies(lib, iid, response)
    else:                                             # recorded by the partners
        lib.do(iid, "record_panel_response", "safeguarding-partners", panel_response=response,
               panel_comments="Panel letter of 2 April")
    assert lib.show(iid).data["panel_comments"] == "Panel letter of 2 April"
    if ends == "learning":                            # closed by the Panel or the partners
        assert lib.ids(iid) == ["record_learning_item"]
        lib.do(iid, "record_learning_item", "lisg", learning_statement="Share information earlier",
               learning_theme="information_sharing", learning_audience="all_agencies",
               action_owner="police", action_description="Joint protocol",
               action_due_date="2027-09-30", more_learning=False)
        assert lib.show(iid).status == "completed"
        assert len(lib.instances("learning_loop")) == 1
    else:
        assert lib.ids(iid) == [ends]
    if ends == "reconsider_lcspr":
        lib.do(iid, ends, "safeguarding-partners", lcspr_decided=True,
               lcspr_reconsider_rationale="The Panel's challenge is accepted")
        assert lib.ids(iid) == ["appoint_reviewer"]
    if ends != "learning":       # an LCSPR: six months from the partners' decision
        decided = lib.show(iid).data["lcspr_decided_on"]
        assert decided == "2027-04-02"
        assert lib.task(iid, "appoint_reviewer").candidate_groups == ["safeguarding-partners"]
        lib.do(iid, "appoint_reviewer", "safeguarding-partners", reviewer_name="J. Jones",
               reviewer_independent=True, independence_statement="No connection with any agency")
        lib.do(iid, "set_terms_of_reference", "lisg", methodology="learning_together",
               period_under_review="2025-2027", parallel_proceedings="none",
               agencies_involved="police, health")
        timers = {t.bpmn_id: t.due_at for t in lib.show(iid).timers}
        assert timers["review_overdue"] == datetime(2027, 10, 2, 16, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("aware, sent, notify_due, review_due", [
    # Christmas 2027 (substitute days 27 and 28 December) and New Year (3 January 2028)
    ("2027-12-20", "2027-12-22", datetime(2027, 12, 29, 17, 0, tzinfo=timezone.utc),
     datetime(2028, 1, 17, 17, 0, tzinfo=timezone.utc)),
    # Easter 2028 (Good Friday 14, Easter Monday 17 April) and the early May bank holiday; BST
    ("2028-04-06", "2028-04-10", datetime(2028, 4, 13, 16, 0, tzinfo=timezone.utc),
     datetime(2028, 5, 4, 16, 0, tzinfo=timezone.utc))])
def test_2023_statutory_deadlines_across_bank_holidays(lib, aware, sent, notify_due, review_due):
    lib.now = datetime.fromisoformat(aware + "T10:00:00+00:00")
    lib.set_regime("MASA_WT2023")
    iid = lib.start("p01_incident_notification", "partner-agencies", INCIDENT_KNOWN).id
    lib.do(iid, "take_immediate_action", "partner-agencies", notifying_agency="police",
           immediate_action="Referred to the MASH; siblings safe", siblings_considered=True,
           referral_to_csc_made=True)
    lib.do(iid, "notification_form", "police",
           {**CRITERIA_NONE, "abuse_or_neglect_suspected": True, "child_died": True},
           child_reference="AB 01/02/2015", incident_summary="Child admitted to hospital with injuries",
           incident_date=aware, la_aware_on=aware, agencies_involved="police, health")
    lib.do(iid, "log_case", "business-unit", received_on=aware, acknowledgement_sent=True)
    assert lib.task(iid, "notify_regulator").due_at == notify_due
    notify_panel(lib, iid, sent_on=sent)
    lib.do_each(iid, "rr_agency_information", {
        g: dict(rr_agency_involvement=f"{g}: contact with the family") for g in ("police", "health")})
    assert lib.task(iid, "rapid_review").due_at == review_due
    assert {t.bpmn_id: t.due_at for t in lib.show(iid).timers}["rapid_review_overdue"] == review_due


def test_new_cases_take_the_board_regime_and_keep_it_when_the_board_changes(lib):
    with lib.sessions() as s:
        assert lib.process_engine.board_regime(s) == "LSCB_WT2015"     # the seed's, until set
    before = lib.start("p01_incident_notification", "partner-agencies", INCIDENT_KNOWN).id
    lib.set_regime("MASA_WT2023")
    after = lib.start("p01_incident_notification", "partner-agencies", INCIDENT_KNOWN).id
    assert lib.show(before).data["regime"] == "LSCB_WT2015"
    assert lib.show(after).data["regime"] == "MASA_WT2023"
    with lib.sessions() as s:
        [event] = s.query(AuditEvent).filter(AuditEvent.action == "board_regime_set").all()
        assert (event.actor, event.detail["regime"], event.detail["previous"]) == (
            "admin", "MASA_WT2023", "LSCB_WT2015")


def test_a_case_under_another_regime_needs_a_reason_at_the_start(lib):
    lib.set_regime("MASA_WT2018")
    with pytest.raises(InputError, match="regime_override_reason"), lib.sessions.begin() as s:
        lib.process_engine.start(s, "p01_incident_notification", lib.staff["manager"],
                                 {**INCIDENT_KNOWN, "regime": "LSCB_WT2015"}, now=lib.now)
    with pytest.raises(InputError, match="must be one of"), lib.sessions.begin() as s:
        lib.process_engine.start(s, "p01_incident_notification", lib.staff["manager"],
                                 {**INCIDENT_KNOWN, "regime": "WT1999",
                                  "regime_override_reason": "Old case"}, now=lib.now)
    iid = lib.start("p01_incident_notification", "manager", {   # the business unit: a manager
        **INCIDENT_KNOWN, "regime": "LSCB_WT2015",
        "regime_override_reason": "Incident before the partnership began"}).id
    data = lib.show(iid).data        # the case page shows both, with the reason
    assert (data["regime"], data["board_regime"]) == ("LSCB_WT2015", "MASA_WT2018")
    same = lib.start("p01_incident_notification", "manager", {**INCIDENT_KNOWN, "regime": "MASA_WT2018"}).id
    assert "board_regime" not in lib.show(same).data


def test_the_business_unit_overrides_the_regime_only_with_a_reason(lib):
    iid = lib.start("p01_incident_notification", "partner-agencies", INCIDENT_KNOWN).id
    lib.do(iid, "take_immediate_action", "partner-agencies", notifying_agency="police",
           immediate_action="Referred to the MASH; siblings safe", siblings_considered=True,
           referral_to_csc_made=True)
    lib.do(iid, "notification_form", "police", {**CRITERIA_NONE, "abuse_or_neglect_suspected": True,
                                                "seriously_harmed": True},
           child_reference="AB 01/02/2015", incident_summary="Child admitted to hospital with injuries",
           incident_date="2027-02-26", la_aware_on="2027-03-01", agencies_involved="police, health")
    lib.do(iid, "log_case", "business-unit", received_on="2027-03-01", acknowledgement_sent=True,
           regime_override="MASA_WT2023")
    assert lib.ids(iid) == ["log_case"]                 # asked again: no reason given
    lib.do(iid, "log_case", "business-unit", received_on="2027-03-01", acknowledgement_sent=True,
           regime_override="MASA_WT2023",
           regime_override_reason="The partnership's arrangements took over this case")
    data = lib.show(iid).data
    assert (data["regime"], data["board_regime"]) == ("MASA_WT2023", "LSCB_WT2015")
    assert lib.task(iid, "notify_regulator").candidate_groups == ["childrens-social-care"]
    assert data["notify_to"].startswith("the Child Safeguarding Practice Review Panel")


def test_compliance_counts_both_regimes_from_the_statutory_dates(lib):
    from engine.calendar import WorkingCalendar
    from models import compliance
    closed = intake(lib, "LSCB_WT2015")                   # below the threshold, closed at triage
    summaries(lib, closed)
    lib.now = T0 + timedelta(days=40)                     # LISG decides after more than a month
    screen(lib, closed, "close")
    lib.now = T0
    rapid = intake(lib, "MASA_WT2018", abuse_or_neglect_suspected=True, child_died=True)
    notify_panel(lib, rapid, sent_on="2027-03-03")        # 2 working days after 1 March
    rapid_review(lib, rapid)
    lib.do(rapid, "send_rapid_review", "safeguarding-partners", rapid_review_sent_on="2027-03-25",
           rapid_review_learning_identified=False)       # the 16th working day
    with lib.sessions() as s:
        figures = {f.measure.key: f for f in compliance.compliance(
            s, WorkingCalendar(), T0 + timedelta(days=60))}
    assert (figures["decision_1m"].on_time, figures["decision_1m"].late_ids) == (1, [closed])
    assert (figures["notification_5wd"].on_time, figures["notification_5wd"].due) == (1, 1)
    assert figures["rapid_review_15wd"].late_ids == [rapid]


def test_2018_below_the_criteria_lisg_may_still_ask_for_a_rapid_review(lib):
    iid = intake(lib, "MASA_WT2018", learning_potential="multi_agency",
                 concerns_about_agency_working="significant")
    assert lib.tasks(iid, "notify_regulator") == []       # no duty: the criteria are not met
    summaries(lib, iid)
    screen(lib, iid, "statutory")
    assert lib.ids(iid) == ["record_panel_notification"]  # the rapid review waits for a notification
    assert lib.show(iid).data["route"] == "rapid_review"


def test_2018_the_partners_keep_no_lcspr_after_the_panel_disagrees_and_the_case_closes(lib):
    iid = intake(lib, "MASA_WT2018", abuse_or_neglect_suspected=True, child_died=True)
    notify_panel(lib, iid)
    rapid_review(lib, iid, lcspr=False)
    lib.do(iid, "send_rapid_review", "safeguarding-partners", rapid_review_sent_on="2027-03-20",
           rapid_review_learning_identified=False)
    panel_replies(lib, iid, "disagrees")
    lib.do(iid, "reconsider_lcspr", "safeguarding-partners", lcspr_decided=False,
           lcspr_reconsider_rationale="The rapid review already secured the learning")
    data = lib.show(iid).data
    assert lib.show(iid).status == "completed" and "lcspr_decided_on" not in data
    assert data["lcspr_reconsider_rationale"] == "The rapid review already secured the learning"
    with lib.sessions() as s:
        assert [r.outcome for r in s.query(Review).all()] == ["rapid review, no LCSPR"]


def test_the_rapid_review_names_its_lead_partner_and_each_sign_off_who_signed(lib):
    """One approval per partner, each saying whether the lead safeguarding partner signed or the
    delegated partner acting for them; the rapid review names the partner leading it."""
    iid = intake(lib, "MASA_WT2023", abuse_or_neglect_suspected=True, child_died=True)
    notify_panel(lib, iid)
    lib.do_each(iid, "rr_agency_information", {
        g: dict(rr_agency_involvement=f"{g}: contact with the family") for g in ("police", "health")})
    with pytest.raises(FormInvalid, match="lead_partner"):
        lib.do(iid, "rapid_review", "lisg", rapid_review_facts="Facts and agency involvement gathered",
               rapid_review_actions="Sibling plan", lcspr_recommended=False,
               rapid_review_rationale="Considered the potential for learning")
    lib.do(iid, "rapid_review", "lisg", rapid_review_facts="Facts and agency involvement gathered",
           rapid_review_actions="Sibling plan", lcspr_recommended=False,
           rapid_review_rationale="Considered the potential for learning", lead_partner="icb")
    with pytest.raises(FormInvalid, match="la_signed_by_delegate"):
        lib.do(iid, "la_sign_off", "local-authority-partner", la_approves=True,
               la_signatory="Chief executive")
    lib.do(iid, "la_sign_off", "local-authority-partner", la_approves=True,
           la_signatory="Director of children's services", la_signed_by_delegate=True)
    for task, (group, prefix) in list(PARTNERS.items())[1:]:
        lib.do(iid, task, group, {f"{prefix}_approves": True, f"{prefix}_signatory": "Chief officer",
                                  f"{prefix}_signed_by_delegate": False})
    assert lib.ids(iid) == ["send_rapid_review"]
    data = lib.show(iid).data
    assert data["lead_partner"] == "icb"
    assert [data[f"{p}_signed_by_delegate"] for p in ("la", "icb", "police")] == [True, False, False]
