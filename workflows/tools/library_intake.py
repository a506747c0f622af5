"""P1: incident notification (CPIR), triage and the SCR decision; referrals into triage."""
from __future__ import annotations

from bpmn_builder import GROUP, F, YESNO, Process
from library_common import AGENCY_STARTERS, title_field
from library_common import (AGENCY_LIST_SCRIPT, BOARD, BU, CHAIR, CONCERNS, LEARNING_POTENTIAL, LISG,
                            PA, REGIMES, ROUTES, agencies_field, agency_ladder, capture_learning,
                            close_review, ladder, learning_field, open_review)

CRITERIA_FIELDS = [
    YESNO("abuse_or_neglect_suspected", "Is abuse or neglect known or suspected?"),
    YESNO("child_died", "Has the child died (including suspected suicide)?"),
    YESNO("seriously_harmed", "Has the child been seriously harmed (potentially life-threatening "
          "injury, or serious or likely long-term impairment of health or development)?"),
    YESNO("died_in_custody_or_detained_mha", "Did the child die in custody or while detained under "
          "the Mental Health Act?"),
    YESNO("looked_after_child", "Is (was) the child looked after by a local authority?"),
    YESNO("died_in_regulated_setting", "Did the child die in a regulated setting?"),
    F("concerns_about_agency_working", "Concerns about how organisations or professionals worked "
      "together", "enum", values=CONCERNS),
    F("learning_potential", "Learning potential", "enum", values=LEARNING_POTENTIAL),
    YESNO("context_needs_exploring", "Does the wider context need exploring with practitioners "
          "(roundtable) even if no formal review is needed?"),
    YESNO("incident_in_bf", "Did the incident happen in Bracknell Forest?"),
    YESNO("normally_resident_in_bf", "Does the child normally live in Bracknell Forest?"),
    YESNO("incident_outside_england", "Did the incident happen outside England?"),
    YESNO("care_leaver_under_25", "Is (was) the young person a care leaver aged 24 or under?"),
]
# Fields a referral does not collect, defaulted so the decision tables can read them.
REFERRAL_DEFAULTS = """
incident_in_bf = True
normally_resident_in_bf = True
incident_outside_england = False
care_leaver_under_25 = False
died_in_regulated_setting = False
"""


def incident_notification() -> Process:
    p = Process("p01_incident_notification", "P1 Incident notification and triage (CPIR)",
                "P1: a partner agency that becomes aware of a serious incident involving a child, "
                "or of a case with significant learning potential, takes immediate safeguarding "
                "action and completes the CPIR / case notification form. The case then goes to "
                "triage (p01_case_triage) under the regime it started with (the board's setting): "
                "the local authority's notification where the notification rules require it, the "
                "statutory route (the LSCB Chair's SCR decision, or the rapid review) and the chosen "
                "review route.",
                starters=AGENCY_STARTERS)
    p.start("incident_known", "Serious incident involving a child", PA,
            fields=[title_field(required=True),
                    F("agency_aware_on", "Date your agency became aware of the incident", "date")])
    p.user("take_immediate_action", "Take immediate safeguarding action", PA, "partner-agencies",
           "Make sure the child, siblings and other children are safe now: refer to children's "
           "social care or the MASH if you have not already. Then record what you did and which "
           "agency you are notifying for.",
           [GROUP("notifying_agency", "Your agency", "agency"),
            F("immediate_action", "Immediate safeguarding action taken", "text", minlength=10),
            YESNO("siblings_considered", "Have siblings and other children in the household been "
                  "considered?"),
            YESNO("referral_to_csc_made", "Has a referral been made to children's social care or the "
                  "MASH?")],
           due="P1D", priority=90)
    p.user("notification_form", "Confirm the criteria and complete the CPIR notification", PA,
           "${notifying_agency}",
           "As your agency's safeguarding lead, confirm whether the incident may meet the criteria "
           "for a serious case review (regulation 5) or offers significant learning, and complete "
           "the notification. Do not enter the child's name: use initials and date of birth or your "
           "agency's reference.",
           [F("child_reference", "Child's reference (initials and date of birth, or agency reference)",
              "string"),
            F("incident_summary", "Summary of the incident", "text", minlength=20),
            F("incident_date", "Date of the incident", "date"),
            F("la_aware_on", "Date the local authority became aware", "date"),
            *CRITERIA_FIELDS, agencies_field()],
           due="P2WD", priority=80)
    p.script("open_case", "Open the case record", BU, """
referral_source = 'agency'
""" + AGENCY_LIST_SCRIPT)
    p.call("triage", "Notify, triage the case and decide the route", BU, "p01_case_triage")
    p.end("case_concluded", "Case concluded", BU)

    p.chain("incident_known", "take_immediate_action", "notification_form", "open_case", "triage",
            "case_concluded")
    return p


def case_triage() -> Process:
    p = Process("p01_case_triage", "P1 Case triage and the statutory route",
                "Called by P1 (agency notification) and by p01_case_referral (a CDOP referral or a "
                "review requested by the learning loop). The Business Unit logs the case under the "
                "regime it started with (the board's setting; overriding it needs a reason). The "
                "decision tables give the statutory route (scr_criteria), the local authority's "
                "duty to notify (notification_rules: 5 working days from becoming aware) and the "
                "recommended route (triage_route). The statutory route is enforced: under 2018/2023 "
                "a serious child safeguarding case goes from the notification straight to the rapid "
                "review (P2), the agencies informing it inside its 15 working days; under 2015 every "
                "case the criteria put on the SCR route goes to the LSCB Chair whatever LISG "
                "recommends, and a decision not to hold an SCR goes to the National Panel within 14 "
                "days. Below the threshold every involved agency summarises its involvement and "
                "LISG recommends a route within 10 working days. The chosen review runs as a call "
                "activity; a closed case still records its learning.")
    p.start("triage_start", "Case notified", BU)
    p.user("log_case", "Log and acknowledge the notification", BU, "business-unit",
           "Log case {{ case_ref }} ({{ child_reference }}): acknowledge the notification to "
           "{{ notifying_agency }} and confirm the date the board received it (its clocks run "
           "from it). The case runs under the board's regime, {{ regime }}; choose another only "
           "with a reason (the reason is kept with the case).",
           [F("received_on", "Date the board received the notification", "date"),
            YESNO("acknowledgement_sent", "Acknowledgement sent to the notifying agency?"),
            F("regime_override", "Regime for this case", "enum",
              values=[("keep", "The board's regime")] + REGIMES, default="keep", required=False),
            F("regime_override_reason", "Reason for a regime other than the board's", "text",
              required=False)],
           due="P2WD", priority=70)
    p.script("check_regime", "Check the regime", BU, """
try:
    regime
except NameError:
    regime = 'LSCB_WT2015'
try:
    regime_override
except NameError:
    regime_override = 'keep'
try:
    regime_override_reason
except NameError:
    regime_override_reason = ''
regime_reason_missing = regime_override not in ('keep', regime) and not regime_override_reason.strip()
""")
    p.xor("regime_checked", "Reason given for another regime?", BU)
    p.script("start_clocks", "Start the triage clocks", BU, """
if regime_override not in ('keep', regime):
    board_regime = regime
    regime = regime_override
try:
    la_aware_on
except NameError:
    la_aware_on = received_on
la_notification_due = working_days(5, start=la_aware_on)
la_notification_reminder = working_days(4, start=la_aware_on)
lisg_recommendation_due = working_days(10, start=received_on)
lisg_recommendation_reminder = working_days(8, start=received_on)
chair_decision_due = deadline('P1M', received_on)
chair_decision_reminder = working_days(-5, start=chair_decision_due)
""")
    p.rule("apply_scr_criteria", "Apply the statutory criteria", LISG, "scr_criteria")
    p.rule("apply_notification_rules", "Apply the notification rules", BU, "notification_rules")
    p.xor("must_notify", "Must the local authority notify?", PA)
    p.user("notify_regulator", "Send the statutory notification", PA, "childrens-social-care",
           "Case {{ case_ref }} ({{ notification_basis }}): the local authority must notify "
           "{{ notify_to }} within 5 working days of becoming aware ({{ la_aware_on }}), by "
           "{{ la_notification_due }}. Record when and to whom you sent it: under 2018/2023 the "
           "rapid review's 15 working days run from the date the notification was sent.",
           [F("notified_body", "Notified", "enum",
              values=[("ofsted", "Ofsted and the LSCB (2015 regime)"),
                      ("cspr_panel", "Child Safeguarding Practice Review Panel and the safeguarding "
                                     "partners (2018/2023 regime)"),
                      ("sos_ofsted", "Secretary of State and Ofsted (death of a looked-after child)")]),
            F("notification_sent_on", "Date the notification was sent", "date"),
            F("notification_reference", "Notification reference", "string", required=False)],
           due="${la_notification_due}", follow_up="${la_notification_reminder}", priority=90)
    ladder(p, "notify_regulator", kind="date", reminder="la_notification_reminder",
           overdue="la_notification_due", what="the notification", steps=[
               (PA, "childrens-social-care", "Notification late: record the reason and notify at once",
                "The 5-working-day deadline to notify has passed. As the local authority's lead, send "
                "the notification now and record why it was late."),
               (BU, "business-unit", "Flag the late notification to the board's chair",
                "The notification is still not confirmed. Flag it to the LSCB Chair (2015) or the "
                "safeguarding partners (2018/2023) and record it on the case."),
               (CHAIR, "lscb-chair", "Enter the late notification on the Board Challenge Log",
                "Record the late statutory notification on the Board Challenge Log and tell the "
                "external body where the guidance expects it.")])
    p.xor("notified", None, PA)
    p.rule("recommend_route", "Work out the recommended route", LISG, "triage_route")
    p.xor("statutory_gw", "Serious child safeguarding case (2018/2023)?", LISG)
    p.user("agency_summary", "Summarise your agency's involvement", PA, "${agency}",
           "Case {{ case_ref }}: the board asks every involved agency for a summary of its "
           "involvement with the child and family, or a chronology (section 14B of the Children Act "
           "2004). Return it within 10 working days.",
           [F("involvement_summary", "Summary of your agency's involvement", "text", minlength=20),
            YESNO("chronology_provided", "Chronology attached or sent?"),
            F("agency_view_of_concerns", "Your view of concerns about how agencies worked together",
              "enum", values=CONCERNS)],
           due="P10WD", follow_up="P7WD", priority=70, mi=("agencies", "agency"))
    agency_ladder(p, "agency_summary", reminder="P7WD", overdue="P10WD")
    p.user("lisg_screening", "Screen the case and recommend a route", LISG, "lisg",
           "Case {{ case_ref }} under {{ regime }}. The criteria give statutory route "
           "'{{ statutory_route }}' ({{ criteria_basis }}) and the recommended route is "
           "'{{ recommended_route }}'. Read the agency summaries, then recommend a route with your "
           "rationale. A case on the statutory route goes to its decision-maker (the LSCB Chair "
           "under 2015) whatever you recommend: your recommendation and rationale go with it. For "
           "an IMR, name the agency that will carry it out.",
           [F("lisg_route", "Recommended route", "enum", values=ROUTES),
            F("lisg_rationale", "Rationale", "text", minlength=20),
            GROUP("imr_agency", "Agency to carry out an IMR (only for the IMR route)", "agency",
                  required=False),
            learning_field()],
           due="${lisg_recommendation_due}", follow_up="${lisg_recommendation_reminder}", priority=80)
    ladder(p, "lisg_screening", kind="date", reminder="lisg_recommendation_reminder",
           overdue="lisg_recommendation_due", what="the recommendation", steps=[
               (BU, "business-unit", "Alert the LISG chair: the recommendation is overdue",
                "LISG has not made its recommendation within 10 working days of the notification. "
                "Alert the LISG chair and arrange a virtual decision or an extraordinary meeting.")])
    p.xor("scr_recommended", "Statutory route?", LISG)
    p.script("adopt_lisg_route", "Adopt the LISG route", LISG,
             "route = lisg_route\nroute_rationale = lisg_rationale\n"
             "route_decided_on = today().isoformat()")
    p.script("go_rapid_review", "Take the rapid review route", LISG, """
route = 'rapid_review'
route_decided_on = today().isoformat()
try:
    route_rationale = lisg_rationale
except NameError:
    route_rationale = criteria_basis
""")
    p.user("decide_scr", "Decide whether to start a serious case review", CHAIR, "lscb-chair",
           "Case {{ case_ref }} is on the statutory route: the criteria give '{{ statutory_route }}' "
           "({{ criteria_basis }}); LISG recommends '{{ lisg_route }}': {{ lisg_rationale }}. Only "
           "you decide. Decide whether to start an SCR (normally within one month of the "
           "notification). If you decide not to, choose the route the case takes instead; the "
           "decision and your rationale go to the National Panel within 14 days.",
           [F("chair_decision", "Decision", "enum",
              values=[("start_scr", "Start a serious case review"), ("no_scr", "Do not start an SCR")]),
            F("chair_rationale", "Rationale", "text", minlength=20),
            F("alternative_route", "Route if no SCR (ignored when starting an SCR)", "enum",
              values=[("then_" + v[0], v[1]) for v in ROUTES
                      if v[0] in ("macr", "imr", "roundtable", "close")])],
           due="${chair_decision_due}", follow_up="${chair_decision_reminder}", priority=90)
    ladder(p, "decide_scr", kind="date", reminder="chair_decision_reminder",
           overdue="chair_decision_due", what="the SCR decision", steps=[
               (CHAIR, "lscb-chair", "SCR decision late: record the reason and tell the National Panel",
                "The SCR decision is past its statutory timescale (normally one month of the "
                "notification). Record why, tell the National Panel, and say when you will decide."),
               (BOARD, "board", "Board: note the delayed SCR decision",
                "The SCR decision for case {{ case_ref }} is still outstanding. Note it at the Board "
                "and record it on the Challenge Log.")])
    p.script("record_chair_decision", "Record the date of the decision", CHAIR,
             "route_decided_on = today().isoformat()")
    p.xor("start_scr_gw", "Start an SCR?", CHAIR)
    p.script("route_scr", "Route to the SCR", CHAIR, "route = 'scr'\nroute_rationale = chair_rationale")
    p.user("report_no_scr", "Tell the National Panel the decision not to start an SCR", CHAIR,
           "lscb-chair",
           "Send the decision not to start an SCR for case {{ case_ref }}, with the Serious Incident "
           "Notification and your rationale, to the National Panel of independent experts within 14 "
           "days of the decision.",
           [F("panel_informed_on", "Date the National Panel was told", "date"),
            YESNO("panel_rationale_sent", "Rationale sent with the notification?")],
           due="P14D", follow_up="P10D", priority=80)
    ladder(p, "report_no_scr", reminder="P10D", overdue="P14D", what="the report to the Panel", steps=[
        (CHAIR, "lscb-chair", "Send the overdue report to the National Panel at once",
         "The 14 days to report the decision not to start an SCR have passed. Send it now with the "
         "rationale and record why it was late.")])
    p.script("route_alternative", "Take the alternative route", CHAIR,
             "route = alternative_route.replace('then_', '')\nroute_rationale = chair_rationale")
    p.xor("route_decided", None, LISG)
    p.xor("from_cdop", "Referred by CDOP?", LISG)
    p.throw("reply_to_cdop", "Tell CDOP the SCR decision", LISG, "scr_decision",
            "{'case_ref': case_ref, 'route': route, 'scr_started': route in ('scr', 'rapid_review'), "
            "'rationale': route_rationale}")
    p.xor("replied", None, LISG)
    p.xor("route_gateway", "Route", LISG)
    p.call("run_scr", "Serious case review or rapid review (P2)", CHAIR, "p02_serious_case_review")
    p.call("run_macr", "Multi-agency case review (P3)", LISG, "p03_multi_agency_case_review")
    p.script("prepare_imr", "Prepare the standalone IMR", LISG, """
imr_mode = 'standalone'
try:
    agency = imr_agency or agencies[0]
except NameError:
    agency = agencies[0]
""")
    p.call("run_imr", "Individual management review (P4)", PA, "p04_individual_management_review")
    p.call("run_roundtable", "Roundtable discussion (P8)", LISG, "p08_roundtable_discussion")
    capture_learning(p, "close_with_learning", LISG, "P1")
    p.xor("review_done", None, LISG)
    p.end("triage_done", "Triage complete", LISG)

    p.chain("triage_start", "log_case", "check_regime", "regime_checked")
    p.flow("regime_checked", "log_case", cond="regime_reason_missing == True", name="No reason")
    p.flow("regime_checked", "start_clocks", default=True, name="Yes")
    p.chain("start_clocks", "apply_scr_criteria", "apply_notification_rules", "must_notify")
    p.flow("must_notify", "notify_regulator", cond="la_must_notify == True", name="Yes")
    p.flow("must_notify", "notified", default=True, name="No")
    p.chain("notify_regulator", "notified", "recommend_route", "statutory_gw")
    p.flow("statutory_gw", "go_rapid_review",
           cond="regime != 'LSCB_WT2015' and statutory_route == 'rapid_review'", name="Yes: rapid review")
    p.flow("statutory_gw", "agency_summary", default=True, name="No")
    p.chain("agency_summary", "lisg_screening", "scr_recommended")
    p.flow("scr_recommended", "decide_scr",
           cond="regime == 'LSCB_WT2015' and (statutory_route == 'scr' or lisg_route == 'statutory')",
           name="2015: the LSCB Chair decides")
    p.flow("scr_recommended", "go_rapid_review",
           cond="regime != 'LSCB_WT2015' and lisg_route == 'statutory'",
           name="2018/2023: rapid review")
    p.flow("scr_recommended", "adopt_lisg_route", default=True, name="Below the threshold")
    p.chain("decide_scr", "record_chair_decision", "start_scr_gw")
    p.flow("start_scr_gw", "route_scr", cond="chair_decision == 'start_scr'", name="Yes")
    p.flow("start_scr_gw", "report_no_scr", default=True, name="No")
    p.chain("report_no_scr", "route_alternative", "route_decided")
    p.flow("route_scr", "route_decided")
    p.flow("adopt_lisg_route", "route_decided")
    p.flow("go_rapid_review", "route_decided")
    p.flow("route_decided", "from_cdop")
    p.flow("from_cdop", "reply_to_cdop", cond="referral_source == 'cdop'", name="Yes")
    p.flow("from_cdop", "replied", default=True, name="No")
    p.chain("reply_to_cdop", "replied", "route_gateway")
    p.flow("route_gateway", "run_scr", cond="route in ('scr', 'rapid_review')", name="SCR / rapid review")
    p.flow("route_gateway", "run_macr", cond="route == 'macr'", name="MACR")
    p.flow("route_gateway", "prepare_imr", cond="route == 'imr'", name="IMR")
    p.flow("route_gateway", "run_roundtable", cond="route == 'roundtable'", name="Roundtable")
    p.flow("route_gateway", "close_with_learning_source", default=True, name="Close")
    p.flow("prepare_imr", "run_imr")
    for c in ("run_scr", "run_macr", "run_imr", "run_roundtable", "close_with_learning"):
        p.flow(c, "review_done")
    p.chain("review_done", "triage_done")
    return p


def case_referral() -> Process:
    p = Process("p01_case_referral", "P1 Referral for review consideration",
                "Starts triage for a case that is referred rather than notified by an agency: the "
                "CDOP refers a child death to the LSCB Chair for SCR consideration ("
                "'cdop_scr_referral', correlated on case_ref; the Chair's decision goes back to the "
                "waiting CDOP review as 'scr_decision'), or the learning loop finds learning not "
                "embedded and asks for a new review ('review_requested', also sent by P8 and P9). "
                "A request that names the learning item behind it is recorded in the review "
                "register as a referral triggered by that item (closed when triage and the review "
                "it chose are done). The Business Unit confirms the referral details, then "
                "p01_case_triage runs as for any notification.")
    p.start("cdop_referral", "Child death referred by CDOP", BU, message="cdop_scr_referral",
            variable="referral")
    p.start("review_request", "New review requested by the learning loop", BU,
            message="review_requested", variable="review_request")
    p.script("open_cdop_referral", "Open the CDOP referral", BU, """
case_ref = referral['case_ref']
referral_source = 'cdop'
notifying_agency = 'cdop'
regime = referral['regime']
child_reference = referral['child_reference']
agencies_involved = referral['agencies_involved']
abuse_or_neglect_suspected = True
child_died = True
seriously_harmed = False
looked_after_child = referral['looked_after_child']
died_in_custody_or_detained_mha = referral['died_in_custody_or_detained_mha']
incident_summary = referral['summary']
learning_item_id = None
la_aware_on = today().isoformat()
""" + REFERRAL_DEFAULTS)
    p.script("open_review_request", "Open the review request", BU, """
case_ref = review_request['case_ref']
referral_source = 'learning_loop'
notifying_agency = 'lisg'
child_reference = case_ref
incident_summary = 'Learning not embedded: ' + review_request['statement'] + '. ' + review_request['reason']
abuse_or_neglect_suspected = False
child_died = False
seriously_harmed = False
looked_after_child = False
died_in_custody_or_detained_mha = False
learning_item_id = review_request.get('learning_item_id')
""" + REFERRAL_DEFAULTS)
    p.xor("from_learning_item", "From a learning item?", BU)
    open_review(p, "open_referral_review", BU, "referral", learning_item_id="learning_item_id",
                title="review_request['reason'][:300]")
    p.xor("referral_opened", None, BU)
    p.user("confirm_referral", "Confirm the referral details", BU, "business-unit",
           "Referral {{ case_ref }} from {{ referral_source }}: {{ incident_summary }}. Confirm the "
           "facts triage needs and the agencies involved.",
           [F("concerns_about_agency_working", "Concerns about how organisations or professionals "
              "worked together", "enum", values=CONCERNS),
            F("learning_potential", "Learning potential", "enum", values=LEARNING_POTENTIAL),
            YESNO("context_needs_exploring", "Does the wider context need exploring with practitioners?"),
            agencies_field()],
           due="P2WD", priority=70)
    p.script("prepare_agencies", "Prepare the agency list", BU, AGENCY_LIST_SCRIPT)
    p.call("triage", "Triage the case and decide the route", BU, "p01_case_triage")
    p.xor("referral_recorded", "Recorded as a referral?", BU)
    close_review(p, "close_referral_review", BU, "referral", outcome="route")
    p.xor("referral_closed", None, BU)
    p.end("referral_done", "Referral concluded", BU)
    p.chain("cdop_referral", "open_cdop_referral", "referral_opened")
    p.chain("review_request", "open_review_request", "from_learning_item")
    p.flow("from_learning_item", "open_referral_review", cond="learning_item_id is not None",
           name="Yes")
    p.flow("from_learning_item", "referral_opened", default=True, name="No")
    p.chain("open_referral_review", "referral_opened")
    p.chain("referral_opened", "confirm_referral", "prepare_agencies", "triage", "referral_recorded")
    p.flow("referral_recorded", "close_referral_review", cond="learning_item_id is not None",
           name="Yes")
    p.flow("referral_recorded", "referral_closed", default=True, name="No")
    p.chain("close_referral_review", "referral_closed", "referral_done")
    return p


def processes():
    return [incident_notification(), case_triage(), case_referral()]
