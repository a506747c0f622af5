"""P2 serious case review (and the 2018/2023 rapid review), P3, P4, P5 child death review."""
from __future__ import annotations

from bpmn_builder import DATE, GROUP, F, YESNO, Process
from library_common import (AGENCY_LIST_SCRIPT, AGENCY_STARTERS, BOARD, BU, CDOP, CHAIR, COMMS,
                            CONCERNS, DELEGATE_QUESTION, IR, LISG, PA, PARTNERS, PCHAIR, SP,
                            agencies_field, agency_ladder, by_regime, capture_learning,
                            close_review, ladder, learning_field, open_record, open_review,
                            title_field)


# Who commissions the review, appoints its reviewer and decides its publication: the LSCB Chair
# under 2015 (SCR), the safeguarding partners under 2018/2023 (LCSPR; WT2018 ch.4 paras 36-44).
REVIEW_DECIDER = "${'lscb-chair' if regime == 'LSCB_WT2015' else 'safeguarding-partners'}"


def serious_case_review() -> Process:
    p = Process("p02_serious_case_review", "P2 Serious case review (SCR) / rapid review and LCSPR",
                "P2, started from triage. 2015 regime: the LSCB Chair has decided to start an SCR; "
                "the National Panel and Ofsted are told, independent lead reviewers appointed, terms "
                "of reference set, and the review (p02a_scr_review) runs with a six-month completion "
                "timer from the start (delay report to LISG and the Board) and monthly progress "
                "checkpoints. 2018/2023 regime: a rapid review goes to the Child Safeguarding "
                "Practice Review Panel within 15 working days of the notification reaching it, and "
                "decides whether a local child safeguarding practice review (LCSPR) follows, which "
                "then runs the same way. The Board accepts the report, response and action plan; the "
                "Chair decides publication (advice from the Panel for anything short of full "
                "publication); learning enters the loop.",
                starters="business-unit,lscb-chair")
    p.start("scr_start", "Review decided", CHAIR, fields=[title_field()])
    open_review(p, "open_scr_review", CHAIR, "scr",
                title="'Serious case review' if regime == 'LSCB_WT2015' else 'Rapid review'")
    p.script("start_review_clock", "Start the review clock", CHAIR, """
review_started_on = today().isoformat()
review_due = deadline('P6M', review_started_on)
""")
    p.xor("which_regime", "Regime?", CHAIR)
    p.user("notify_scr_started", "Tell the National Panel and Ofsted that an SCR has started", CHAIR,
           "lscb-chair",
           "Case {{ case_ref }}: tell the National Panel of independent experts and Ofsted that a "
           "serious case review has started, and record when.",
           [F("panel_told_on", "Date the National Panel and Ofsted were told", "date")],
           due="P5WD", priority=80)
    p.script("notification_known", "Read the notification date", BU, """
try:
    panel_notified_on = notification_sent_on
except NameError:
    panel_notified_on = None
""")
    p.xor("notification_date_gw", "Notification date recorded?", BU)
    p.user("record_panel_notification", "Record when the notification reached the Panel", BU,
           "business-unit",
           "Case {{ case_ref }} runs under {{ regime }}: a rapid review is mandatory once the local "
           "authority has notified the Child Safeguarding Practice Review Panel. Record the date the "
           "notification was sent to the Panel: the 15 working days run from it.",
           [F("panel_notified_on", "Date the notification was sent to the Panel", "date")],
           due="P1WD", priority=90)
    p.xor("notification_date_known", None, BU)
    p.script("start_rr_clock", "Start the rapid review clock", BU, """
rapid_review_due = working_days(15, start=panel_notified_on)
rapid_review_reminder = working_days(12, start=panel_notified_on)
rapid_review_information_due = working_days(5, start=panel_notified_on)
try:
    agencies
except NameError:
    agencies = ['childrens-social-care', 'police', 'health']
""")
    p.user("rr_agency_information", "Give the rapid review your agency's involvement", PA, "${agency}",
           "Rapid review of case {{ case_ref }}: describe your agency's involvement with the child "
           "and family and any immediate safeguarding concern, by {{ rapid_review_information_due }}, "
           "so the rapid review reaches the Panel by {{ rapid_review_due }} (15 working days from "
           "the notification).",
           [F("rr_agency_involvement", "Your agency's involvement and any immediate concern", "text",
              minlength=10)],
           due="${rapid_review_information_due}", priority=90, mi=("agencies", "agency"))
    p.user("rapid_review", "Conduct the rapid review", LISG, "lisg",
           "Rapid review of case {{ case_ref }}: with the agencies' information, establish the facts, "
           "decide any immediate action to keep children safe, consider the potential for "
           "improvement, and recommend whether a local child safeguarding practice review (LCSPR) is "
           "needed. Each safeguarding partner signs it off before it goes to the Panel by "
           "{{ rapid_review_due }}.",
           [F("rapid_review_facts", "Facts and agency involvement", "text", minlength=20),
            F("rapid_review_actions", "Immediate actions agreed", "text"),
            YESNO("lcspr_recommended", "Is a local child safeguarding practice review recommended?"),
            F("rapid_review_rationale", "Rationale", "text", minlength=20),
            F("lead_partner", "Which safeguarding partner leads this rapid review?", "enum",
              values=[(prefix, lane) for prefix, lane, _ in PARTNERS])],
           due="${rapid_review_due}", follow_up="${rapid_review_reminder}", priority=90)
    ladder(p, "rapid_review", kind="date", reminder="rapid_review_reminder",
           overdue="rapid_review_due", what="the rapid review", steps=[
               (PCHAIR, "partnership-chair", "Rapid review late: record the reason and tell the Panel",
                "The rapid review has missed the 15 working days. Record why, tell the Child "
                "Safeguarding Practice Review Panel when it will arrive, and report it to the "
                "safeguarding partners."),
               (SP, "safeguarding-partners", "Partners: note the late rapid review",
                "Note the late rapid review of case {{ case_ref }} and record it for the "
                "independent scrutineer and the yearly report.")])
    p.par("sign_off_fork", None, SP)
    for prefix, lane, group in PARTNERS:
        p.user(f"{prefix}_sign_off", "Sign off the rapid review for your partner", lane, group,
               "Rapid review of case {{ case_ref }}: as a safeguarding partner, approve the rapid "
               "review and its recommendation on an LCSPR ({{ lcspr_recommended }}), or return it "
               "with your comments. Name who signs: under WT2023 the lead safeguarding partner or "
               "the delegated safeguarding partner acting for them. It must reach the Panel by "
               "{{ rapid_review_due }}.",
               [YESNO(f"{prefix}_approves", "Do you approve the rapid review and its recommendation?"),
                F(f"{prefix}_signatory", "Signed by (name and role)", "string"),
                YESNO(f"{prefix}_signed_by_delegate", DELEGATE_QUESTION),
                F(f"{prefix}_comments", "Comments", "text", required=False)],
               due="${rapid_review_due}", priority=90)
    p.par("sign_off_join", None, SP)
    p.xor("signed_off_gw", "Approved by every partner?", SP)
    p.user("send_rapid_review", "Send the rapid review to the Panel", SP, "safeguarding-partners",
           "The safeguarding partners have signed off the rapid review of case {{ case_ref }}. Send "
           "it to the Child Safeguarding Practice Review Panel by {{ rapid_review_due }} and record "
           "the date. The Panel's response (agrees, disagrees, or a national review) is recorded as "
           "the message 'panel_response' on this case.",
           [F("rapid_review_sent_on", "Date the rapid review was sent to the Panel", "date"),
            YESNO("rapid_review_learning_identified", "Has the rapid review identified learning for "
                  "the learning loop?")],
           due="${rapid_review_due}", priority=90)
    p.user("record_panel_response", "Record the Panel's response to the rapid review", SP,
           "safeguarding-partners",
           "Record the Child Safeguarding Practice Review Panel's response to the rapid review of "
           "case {{ case_ref }}: it agrees with the local decision, disagrees, or takes a national "
           "review. (A partner system may deliver it instead as the message 'panel_response'.)",
           [F("panel_response", "The Panel's response", "enum",
              values=[("agrees", "Agrees with the local decision"),
                      ("disagrees", "Disagrees with the local decision"),
                      ("national_review", "Will carry out a national review")]),
            F("panel_comments", "The Panel's comments", "text", required=False)],
           due="P15WD", priority=80)
    p.boundary("panel_response_received", "The Panel's response arrives", "record_panel_response",
               interrupting=True, message="panel_response", variable="panel_reply")
    p.script("read_panel_response", "Read the Panel's response", SP, """
panel_response = panel_reply['response']
panel_comments = panel_reply.get('comments', '')
""")
    p.xor("panel_response_recorded", None, SP)
    p.xor("panel_gw", "The Panel...", SP)
    p.script("partners_decide", "The partners' decision stands", SP,
             "lcspr_decided = lcspr_recommended")
    p.user("reconsider_lcspr", "Reconsider the LCSPR decision after the Panel's challenge", SP,
           "safeguarding-partners",
           "The Panel disagrees with the local decision on case {{ case_ref }}: "
           "{{ panel_comments }}. Decide jointly whether a local child safeguarding practice review "
           "goes ahead, with your rationale (it goes back to the Panel).",
           [YESNO("lcspr_decided", "Will a local child safeguarding practice review go ahead?"),
            F("lcspr_reconsider_rationale", "Rationale", "text", minlength=20)],
           due="P10WD", priority=90)
    p.xor("lcspr_gw", "LCSPR?", SP)
    p.script("start_lcspr_clock", "Start the LCSPR clock", SP, """
lcspr_decided_on = today().isoformat()
review_started_on = lcspr_decided_on
review_due = deadline('P6M', review_started_on)
""")
    p.xor("rapid_review_closed", None, LISG)
    close_review(p, "close_rapid_review", LISG, "scr",
                 outcome="'national review by the Panel' if panel_response == 'national_review' "
                         "else 'rapid review, no LCSPR'")
    capture_learning(p, "rapid_review_learning", LISG, "P2",
                     flag="rapid_review_learning_identified")
    p.end("no_lcspr", "No LCSPR: learning recorded", LISG)
    p.xor("review_go", None, CHAIR)
    p.user("appoint_reviewer", "Appoint the independent lead reviewer", CHAIR, REVIEW_DECIDER,
           "Appoint one or more lead reviewers for case {{ case_ref }} who are independent of the "
           "case and of the organisations whose actions are reviewed, and tell the Panel their names "
           "(for information). (The LSCB Chair under 2015; the safeguarding partners, who "
           "commission the LCSPR, under 2018/2023.)",
           [F("reviewer_name", "Lead reviewer(s)", "string"),
            YESNO("reviewer_independent", "Is the reviewer independent of the case and of every "
                  "agency involved?"),
            F("independence_statement", "Statement of independence", "text", minlength=10)],
           due="P10WD", priority=70)
    p.xor("independent_gw", "Independent?", CHAIR)
    p.user("set_terms_of_reference", "Set the terms of reference, scope and methodology", LISG, "lisg",
           "With the lead reviewer {{ reviewer_name }}, set the review team, terms of reference, "
           "scope, period under review and methodology (any learning model consistent with Working "
           "Together, e.g. SCIE Learning Together). Name the agencies asked for an IMR or report.",
           [F("methodology", "Methodology", "enum",
              values=[("learning_together", "SCIE Learning Together (systems)"),
                      ("systems_other", "Other systems approach"),
                      ("imr_based", "IMR-based review"), ("hybrid", "Hybrid")]),
            F("period_under_review", "Period under review", "string"),
            F("parallel_proceedings", "Parallel proceedings", "enum",
              values=[("none", "None"), ("criminal", "Criminal investigation or proceedings"),
                      ("inquest", "Inquest"), ("disciplinary", "Disciplinary"),
                      ("several", "Several of these")]),
            agencies_field("Agencies asked for an IMR or agency report")],
           due="P10WD", priority=70)
    p.script("prepare_review", "Prepare the agency contributions", LISG, AGENCY_LIST_SCRIPT)
    p.call("conduct_review", "Conduct the review (p02a)", IR, "p02a_scr_review")
    p.boundary("review_overdue", "Six months since the review started", "conduct_review",
               date="review_due")
    p.user("delay_report", "Report the delay to LISG and the Board", LISG, "lisg",
           "The review of case {{ case_ref }} has passed six months from its start "
           "({{ review_started_on }}). Report the reason, the revised timetable and the interim "
           "learning to LISG and the Board, log the extension, and tell the Panel if the delay is "
           "material.",
           [F("delay_reason", "Reason for the delay", "text", minlength=10),
            F("revised_timetable", "Revised timetable", "string"),
            F("interim_learning", "Interim learning acted on", "text"),
            YESNO("panel_told_of_delay", "Has the Panel been told?")], due="P10WD", priority=80)
    p.end("delay_reported", "Delay reported", LISG)
    p.boundary("progress_check", "Monthly progress checkpoint", "conduct_review", cycle="R/P1M")
    p.user("monthly_checkpoint", "Check the review's progress and quality", LISG, "lisg",
           "Monthly checkpoint for the review of case {{ case_ref }}: check progress against the "
           "timetable and the quality of the work (WT2018 reg 14: partners must monitor time and "
           "quality). Escalate slippage to the LISG chair.",
           [F("progress_rag", "Progress", "enum",
              values=[("green", "On track"), ("amber", "At risk"), ("red", "Off track")]),
            F("progress_notes", "Notes", "text", required=False)], due="P5WD", priority=50)
    p.end("checkpoint_done", "Checkpoint recorded", LISG)
    p.user("board_acceptance", "Accept the report; agree the response and action plans", BOARD, "board",
           "The final report of the review of case {{ case_ref }} is ready. Accept it, agree the "
           "LSCB's response and the multi-agency action plan, and confirm the agencies have agreed "
           "their single-agency action plans.",
           [YESNO("report_accepted", "Report accepted?"),
            F("lscb_response", "LSCB response to the findings", "text", minlength=20),
            YESNO("action_plans_agreed", "Multi-agency and single-agency action plans agreed?"),
            F("review_impact", "The review's impact on practice so far (for the yearly or annual "
              "report; it can be updated on the review later)", "text", minlength=10),
            learning_field()],
           due="P1M", priority=70)
    p.service("record_scr_impact", "Record the review's impact on the review register", BOARD,
              "review.record_impact", "scr_impact", review_id="scr_review['id']",
              impact="review_impact")
    p.user("publication_decision", "Decide on publication", CHAIR, REVIEW_DECIDER,
           "Decide how the final report and the response on case {{ case_ref }} are published "
           "(the LSCB Chair under 2015; the safeguarding partners, who publish an LCSPR, under "
           "2018/2023). "
           "Full publication is the default; consider redaction, anonymisation and timing (delay for "
           "criminal proceedings or an inquest delays publication, not the learning). Anything "
           "short of full publication needs the Panel's advice first.",
           [F("publication", "Publication", "enum",
              values=[("publish_full", "Publish in full"), ("publish_redacted", "Publish redacted"),
                      ("publish_summary", "Publish a summary"), ("not_publish", "Do not publish")]),
            F("publication_notes", "Timing, redaction or delay reason", "text", required=False)],
           due="P10WD", priority=70)
    p.xor("publish_full_gw", "Full publication?", CHAIR)
    p.user("seek_panel_advice", "Seek the Panel's advice on publication", CHAIR, REVIEW_DECIDER,
           "You propose '{{ publication }}' for case {{ case_ref }}. Seek the Panel's advice and "
           "record the final decision.",
           [F("panel_advice", "Panel's advice", "text"),
            F("final_publication", "Final decision", "enum",
              values=[("then_publish_redacted", "Publish redacted"),
                      ("then_publish_summary", "Publish a summary"),
                      ("then_not_publish", "Do not publish")])],
           due="P1M", priority=60)
    p.xor("publication_decided", None, CHAIR)
    p.xor("publishing_gw", "Publishing?", CHAIR)
    publication_management(p)
    close_review(p, "close_scr_review", LISG, "scr",
                 outcome="publication if publication == 'publish_full' else "
                         "final_publication.replace('then_', '')")
    capture_learning(p, "review_learning", LISG, "P2")
    p.end("scr_done", "Review complete, not published", CHAIR)

    p.chain("scr_start", "open_scr_review", "which_regime")
    p.flow("which_regime", "start_review_clock", cond="regime == 'LSCB_WT2015'", name="2015: SCR")
    p.flow("start_review_clock", "notify_scr_started")
    p.flow("which_regime", "notification_known", default=True, name="2018/2023: rapid review")
    p.chain("notification_known", "notification_date_gw")
    p.flow("notification_date_gw", "notification_date_known", cond="panel_notified_on is not None",
           name="Yes")
    p.flow("notification_date_gw", "record_panel_notification", default=True, name="No")
    p.chain("record_panel_notification", "notification_date_known", "start_rr_clock",
            "rr_agency_information", "rapid_review", "sign_off_fork")
    for prefix, _, _ in PARTNERS:
        p.chain("sign_off_fork", f"{prefix}_sign_off", "sign_off_join")
    p.chain("sign_off_join", "signed_off_gw")
    p.flow("signed_off_gw", "send_rapid_review",
           cond=" and ".join(f"{prefix}_approves == True" for prefix, _, _ in PARTNERS), name="Yes")
    p.flow("signed_off_gw", "rapid_review", default=True, name="Returned")
    p.chain("send_rapid_review", "record_panel_response", "panel_response_recorded", "panel_gw")
    p.chain("panel_response_received", "read_panel_response", "panel_response_recorded")
    p.flow("panel_gw", "rapid_review_closed", cond="panel_response == 'national_review'",
           name="takes a national review")
    p.flow("panel_gw", "reconsider_lcspr", cond="panel_response == 'disagrees'", name="disagrees")
    p.flow("panel_gw", "partners_decide", default=True, name="agrees")
    p.flow("reconsider_lcspr", "lcspr_gw")
    p.flow("partners_decide", "lcspr_gw")
    p.flow("lcspr_gw", "start_lcspr_clock", cond="lcspr_decided == True", name="Yes")
    p.flow("lcspr_gw", "rapid_review_closed", default=True, name="No")
    p.chain("rapid_review_closed", "close_rapid_review", "rapid_review_learning_source")
    p.flow("rapid_review_learning", "no_lcspr")
    p.chain("start_lcspr_clock", "review_go")
    p.chain("notify_scr_started", "review_go", "appoint_reviewer", "independent_gw")
    p.flow("independent_gw", "set_terms_of_reference", cond="reviewer_independent == True", name="Yes")
    p.flow("independent_gw", "appoint_reviewer", default=True, name="No")
    p.chain("set_terms_of_reference", "prepare_review", "conduct_review", "board_acceptance",
            "record_scr_impact", "publication_decision", "publish_full_gw")
    p.chain("review_overdue", "delay_report", "delay_reported")
    p.chain("progress_check", "monthly_checkpoint", "checkpoint_done")
    # the review closes and its learning enters the loop once publication is decided: a delay
    # for proceedings delays the publication, not the learning
    p.flow("publish_full_gw", "publication_decided", cond="publication == 'publish_full'",
           name="Yes")
    p.flow("publish_full_gw", "seek_panel_advice", default=True, name="No")
    p.chain("seek_panel_advice", "publication_decided", "close_scr_review",
            "review_learning_source")
    p.flow("review_learning", "publishing_gw")
    p.flow("publishing_gw", "publication_planning",
           cond="publication == 'publish_full' or final_publication != 'then_not_publish'",
           name="Yes")
    p.flow("publishing_gw", "scr_done", default=True, name="Not published")
    return p


# Pre-publication copy: 2018/2023, to the Panel and the Secretary of State at least 7 working
# days before publication (WT2018 [VERIFY]); 2015, to the national panel, Ofsted and the DfE,
# taken as one week (5 working days) before [VERIFY: the WT2015 lead time is not in our sources].
# A report stays online at least 12 months (2018: at least a year; 2015: [VERIFY] [S14]).
PUBLICATION_RULES = """
if regime == 'LSCB_WT2015':
    prepublication_lead = 5
    prepublication_to = 'the national panel of independent experts, Ofsted and the DfE'
else:
    prepublication_lead = 7
    prepublication_to = 'the Child Safeguarding Practice Review Panel and the Secretary of State (DfE)'
prepublication_due = working_days(-prepublication_lead, start=planned_publication_on)
"""
ONLINE_PERIOD = """
report_online_until = deadline('P12M', published_on)[:10]
removal_reminder_at = deadline('P11M', published_on)
"""
RECHECK_LOG = """
try:
    publication_rechecks
except NameError:
    publication_rechecks = []
publication_rechecks = publication_rechecks + [{'on': today().isoformat(),
                                                'still_delayed': still_delayed,
                                                'notes': recheck_notes}]
"""
def publication_management(p: Process) -> None:
    """Publication of an SCR / LCSPR report (issue 18 part 2): plan the date; while proceedings
    delay it, re-check every three months with a recorded decision; send the pre-publication copy
    by the working day the regime gives before the planned date (a copy sent late moves the
    date); publish, record the publication on the review and as a ``publication`` dissemination
    of its learning; a month before the report may come down, decide whether it stays online."""
    p.xor("publication_planning", None, BU)
    p.user("plan_publication", "Plan the publication date", BU, "business-unit",
           "Plan the publication of the final report and the response on case {{ case_ref }}. "
           "If criminal proceedings or an inquest must finish first, say so: publication waits "
           "and is re-checked every three months (the learning does not wait). "
           "{{ publication_replan_reason }}",
           [DATE("planned_publication_on", "Planned publication date", not_before="today"),
            YESNO("publication_delayed", "Must publication wait for proceedings or an inquest?"),
            F("publication_delay_reason", "What publication waits for", "text", required=False)],
           due="P10WD", priority=60)
    p.xor("delayed_gw", "Delayed by proceedings?", BU)
    p.wait("publication_wait", "Three months", BU, duration="P3M")
    p.user("recheck_publication", "Re-check the delayed publication", CHAIR, REVIEW_DECIDER,
           "Publication of the report on case {{ case_ref }} waits for: "
           "{{ publication_delay_reason }}. Check with the police, the CPS or the coroner whether "
           "it still must wait, and record the decision (it is re-checked every three months).",
           [YESNO("still_delayed", "Must publication still wait?"),
            F("recheck_notes", "Decision and the reason for it", "text", minlength=10)],
           due="P10WD", priority=60)
    p.script("log_recheck", "Record the re-check decision", CHAIR, RECHECK_LOG)
    p.xor("still_delayed_gw", "Still delayed?", CHAIR)
    p.script("publication_rules", "Compute the pre-publication copy date", BU, PUBLICATION_RULES)
    p.user("send_prepublication", "Send the pre-publication copy", BU, "business-unit",
           "Send the final report (and the action plan) on case {{ case_ref }} to "
           "{{ prepublication_to }} at least {{ prepublication_lead }} working days before the "
           "planned publication on {{ planned_publication_on }}. A copy sent later than that "
           "moves the publication date.",
           [DATE("prepublication_sent_on", "Date sent", not_after="today")],
           due="${prepublication_due}", priority=70)
    p.xor("copy_in_time_gw", "Sent in time?", BU)
    p.script("copy_late", "Note why the date moves", BU,
             "publication_replan_reason = f'The pre-publication copy was sent on "
             "{prepublication_sent_on}, fewer than {prepublication_lead} working days before "
             "{planned_publication_on}: plan a later date.'")
    p.user("publish_report", "Publish the report and the response", COMMS, "comms",
           "Publish the final report and the response for case {{ case_ref }} on "
           "www.bflscb.org.uk on {{ planned_publication_on }}. It stays online for at least 12 "
           "months.",
           [F("published_url", "Published page", "string"),
            DATE("published_on", "Date published", not_before="prepublication_sent_on",
                 not_after="today")],
           due="${planned_publication_on}", priority=60)
    p.script("online_period", "Compute how long the report stays online", COMMS, ONLINE_PERIOD)
    p.service("record_publication", "Record the publication on the review and its learning",
              COMMS, "review.record_publication", "scr_publication",
              review_id="scr_review['id']", published_on="published_on",
              online_until="report_online_until", title="f'Published report {case_ref}'")
    p.wait("online_reminder", "A month before the report may come down", COMMS,
           date="removal_reminder_at")
    p.user("review_online_report", "Decide whether the report stays online", COMMS, "comms",
           "The report on case {{ case_ref }} ({{ published_url }}) has been online since "
           "{{ published_on }} and may come down after {{ report_online_until }}. Decide whether "
           "it stays online; after it comes down it is available on request.",
           [YESNO("keep_online", "Should the report stay online?"),
            F("online_decision_notes", "Reason", "text", required=False)],
           due="${deadline(report_online_until)}", priority=30)
    p.xor("keep_online_gw", "Stays online?", COMMS)
    p.end("report_stays_online", "Report stays online", COMMS)
    p.wait("online_period_ends", "The day the report may come down", COMMS,
           date="deadline(report_online_until)")
    p.user("take_report_down", "Take the report down", COMMS, "comms",
           "The report on case {{ case_ref }} has been online for its full period. Take it down "
           "from {{ published_url }} and note that it is available on request.",
           [DATE("report_removed_on", "Date taken down", not_before="report_online_until",
                 not_after="today")], due="P5WD", priority=30)
    p.end("report_taken_down", "Report taken down", COMMS)
    p.chain("publication_planning", "plan_publication", "delayed_gw")
    p.flow("delayed_gw", "publication_wait", cond="publication_delayed == True", name="Yes")
    p.flow("delayed_gw", "publication_rules", default=True, name="No")
    p.chain("publication_wait", "recheck_publication", "log_recheck", "still_delayed_gw")
    p.flow("still_delayed_gw", "publication_wait", cond="still_delayed == True", name="Yes")
    p.flow("still_delayed_gw", "publication_planning", default=True, name="No: plan the date")
    p.chain("publication_rules", "send_prepublication", "copy_in_time_gw")
    p.flow("copy_in_time_gw", "publish_report",
           cond="working_days_between(prepublication_sent_on, planned_publication_on) "
                ">= prepublication_lead", name="Yes")
    p.flow("copy_in_time_gw", "copy_late", default=True, name="No: the date moves")
    p.flow("copy_late", "publication_planning")
    p.chain("publish_report", "online_period", "record_publication", "online_reminder",
            "review_online_report", "keep_online_gw")
    p.flow("keep_online_gw", "report_stays_online", cond="keep_online == True", name="Yes")
    p.flow("keep_online_gw", "online_period_ends", default=True, name="No")
    p.chain("online_period_ends", "take_report_down", "report_taken_down")


def scr_review() -> Process:
    p = Process("p02a_scr_review", "P2a Conduct the serious case review",
                "The body of an SCR or LCSPR, called by P2 so that the six-month completion timer and "
                "the monthly checkpoints can sit on it. Every agency provides an IMR or agency report "
                "(P4 in SCR-contribution mode, one per agency); the reviewer engages the family, "
                "including surviving children; the Business Unit checks parallel processes; "
                "practitioners contribute at a learning event without fear of blame; the reviewer "
                "drafts the report and LISG quality-assures it with the agencies until it is "
                "accurate.")
    p.start("review_start", "Review under way", IR)
    p.script("prepare_imrs", "Ask every agency for its contribution", IR, "imr_mode = 'scr_contribution'")
    p.par("contributions", None, IR)
    p.call("agency_imrs", "Agency IMR or report (P4, one per agency)", PA,
           "p04_individual_management_review", mi=("agencies", "agency"))
    p.user("engage_family", "Engage the family, including surviving children", IR, "independent-reviewer",
           "Invite the family of the child in case {{ case_ref }}, including surviving children, to "
           "contribute to the review, and record their views and how they were involved.",
           [YESNO("family_engaged", "Did the family take part?"),
            F("family_views", "Family's views and how they were involved", "text")],
           due="P2M", priority=60)
    p.user("check_parallel_processes", "Check parallel processes and agree information sharing", BU,
           "business-unit",
           "Check parallel processes for case {{ case_ref }} (police and CPS, coroner, CDOP, "
           "disciplinary) and agree with them how information is shared and whether publication may "
           "need to wait.",
           [F("parallel_process_notes", "Parallel processes and what was agreed", "text"),
            YESNO("publication_block_expected", "Could publication have to wait for them?")],
           due="P15WD", priority=60)
    p.par("contributions_in", None, IR)
    p.user("learning_event", "Hold the practitioner learning event", IR, "independent-reviewer",
           "Hold the practitioners' learning event for case {{ case_ref }}: professionals contribute "
           "their perspectives without fear of being blamed for actions taken in good faith.",
           [F("learning_event_on", "Date held", "date"),
            F("practitioners_attended", "Practitioners who attended", "long", min=0)],
           due="P1M", priority=60)
    p.user("draft_report", "Draft the report with findings and recommendations", IR,
           "independent-reviewer",
           "Draft the report for case {{ case_ref }}: analysis, findings and recommendations. If "
           "LISG sent the draft back, address its comments: {{ qa_comments }}.",
           [F("draft_summary", "Summary of the findings", "text", minlength=20),
            F("draft_recommendations", "Recommendations", "text", minlength=10)],
           due="P1M", priority=70)
    p.user("quality_assure_draft", "Quality-assure the draft and check factual accuracy", LISG, "lisg",
           "Quality-assure the draft report for case {{ case_ref }} and check its factual accuracy "
           "with the agencies. Accept it, or send it back with your comments; challenge that cannot "
           "be agreed is recorded.",
           [YESNO("draft_accepted", "Is the draft accurate and of sufficient quality?"),
            F("qa_comments", "Comments for the reviewer", "text", required=False)],
           due="P15WD", priority=70)
    p.xor("draft_ok", "Accepted?", LISG)
    p.end("review_body_done", "Final report ready", LISG)
    p.chain("review_start", "prepare_imrs", "contributions")
    for t in ("agency_imrs", "engage_family", "check_parallel_processes"):
        p.flow("contributions", t)
        p.flow(t, "contributions_in")
    p.chain("contributions_in", "learning_event", "draft_report", "quality_assure_draft", "draft_ok")
    p.flow("draft_ok", "review_body_done", cond="draft_accepted == True", name="Yes")
    p.flow("draft_ok", "draft_report", default=True, name="No")
    return p


def multi_agency_case_review() -> Process:
    p = Process("p03_multi_agency_case_review", "P3 Multi-agency case review (below the SCR threshold)",
                "P3: a review of a safeguarding incident below the SCR threshold (a CPIR learning "
                "review), commissioned by LISG from triage or after an audit finding, CDOP learning or "
                "an inspection. Proportionate method; an independent reviewer where there are some or "
                "significant concerns about agencies working together or a conflict of interest; "
                "agency chronologies; family involvement; an optional roundtable (P8); report to "
                "LISG, action plan, the LSCB Chair informed; learning to the loop. Target 3 months "
                "from commission with a progress check at 6 weeks [ASSUME].",
                starters="business-unit,lisg")
    p.start("macr_start", "Review commissioned", LISG, fields=[title_field()])
    open_record(p, "open_macr", LISG, "MACR")
    open_review(p, "open_macr_review", LISG, "macr")
    p.user("commission_review", "Commission the review: terms of reference and method", LISG, "lisg",
           "Commission the multi-agency case review of case {{ case_ref }}: terms of reference, a "
           "proportionate method, whether an independent reviewer is needed, and the agencies "
           "involved.",
           [F("review_method", "Method", "enum",
              values=[("desktop", "Desktop review"), ("learning_event", "Practitioner learning event"),
                      ("learning_together_lite", "Learning Together (lite)")]),
            F("concerns_about_agency_working", "Concerns about how agencies worked together", "enum",
              values=CONCERNS),
            YESNO("conflict_of_interest", "Would a LISG-led review have a conflict of interest?"),
            YESNO("roundtable_needed", "Hold a roundtable with practitioners (P8)?"),
            agencies_field()],
           due="P10WD", priority=60)
    p.script("set_review_clock", "Set the review clock", LISG, AGENCY_LIST_SCRIPT + """
review_due = deadline('P3M')
review_checkpoint = deadline('P6W')
""")
    p.xor("independent_needed", "Independent reviewer needed?", LISG)
    p.user("appoint_independent", "Appoint an independent reviewer", LISG, "lisg",
           "Concerns about agencies working together, or a conflict of interest, mean case "
           "{{ case_ref }} needs an independent reviewer. Appoint one.",
           [F("reviewer_name", "Independent reviewer", "string")], due="P10WD", priority=60)
    p.script("reviewer_is_independent", "Assign the review to the independent reviewer", LISG,
             "reviewer_group = 'independent-reviewer'")
    p.user("form_review_group", "Form a review group led by a LISG member", LISG, "lisg",
           "Form a multi-agency review group for case {{ case_ref }}, led by a LISG member.",
           [F("review_lead", "LISG member leading the review", "string")], due="P10WD", priority=60)
    p.script("reviewer_is_lisg", "Assign the review to the LISG review group", LISG,
             "reviewer_group = 'lisg'")
    p.xor("reviewer_chosen", None, LISG)
    p.user("agency_chronology", "Provide a chronology or agency report", PA, "${agency}",
           "Multi-agency case review {{ case_ref }}: provide your agency's chronology or agency "
           "report for the period under review, within 20 working days.",
           [F("chronology_summary", "Chronology or report summary", "text", minlength=20),
            F("agency_learning", "What your agency has learnt", "text")],
           due="P20WD", follow_up="P15WD", priority=60, mi=("agencies", "agency"))
    agency_ladder(p, "agency_chronology", reminder="P15WD", overdue="P20WD")
    p.user("family_involvement", "Consider family involvement", IR, "${reviewer_group}",
           "Consider how the family of the child in case {{ case_ref }} can be involved and record "
           "their views.",
           [YESNO("family_involved", "Was the family involved?"),
            F("family_notes", "How, and what they said", "text", required=False)],
           due="P15WD", priority=50)
    p.xor("roundtable_gw", "Roundtable?", IR)
    p.call("run_roundtable", "Roundtable with practitioners (P8)", LISG, "p08_roundtable_discussion")
    p.xor("roundtable_done", None, IR)
    p.user("write_report", "Write the review report", IR, "${reviewer_group}",
           "Write the report of case review {{ case_ref }} with findings and recommendations, due "
           "{{ review_due }}. If LISG sent it back: {{ lisg_comments }}.",
           [F("findings", "Findings", "text", minlength=20),
            F("recommendations", "Recommendations", "text", minlength=10)],
           due="${review_due}", follow_up="${review_checkpoint}", priority=60)
    ladder(p, "write_report", kind="date", reminder="review_checkpoint", overdue="review_due",
           what="the report", steps=[
               (LISG, "lisg", "Review slipping: agree a revised timetable",
                "The case review has passed its 3-month target. As LISG chair, agree a revised "
                "timetable with the reviewer; the slippage goes into the six-monthly report.")])
    p.user("consider_report", "Consider the report and agree the action plan", LISG, "lisg",
           "Consider the report of case review {{ case_ref }}: {{ findings }}. Accept it and agree "
           "the action plan, or send it back.",
           [YESNO("report_accepted", "Report accepted?"),
            F("lisg_comments", "Comments for the reviewer", "text", required=False),
            F("action_plan", "Multi-agency action plan", "text", required=False),
            F("publication", "Publication", "enum",
              values=[("none", "Not published"), ("summary", "Summary published"),
                      ("briefing", "7-minute briefing")]),
            learning_field()],
           due="P1M", priority=60)
    p.xor("report_ok", "Accepted?", LISG)
    p.user("inform_chair", "Note the review's findings", CHAIR, "lscb-chair",
           "Case review {{ case_ref }} is complete: {{ findings }}. Note the findings and the "
           "action plan; publication: {{ publication }}.",
           [YESNO("chair_noted", "Noted?")], due="P10WD", priority=40)
    close_review(p, "close_macr_review", LISG, "macr", outcome="publication")
    capture_learning(p, "macr_learning", LISG, "P3")
    p.end("macr_done", "Review complete", LISG)

    p.chain("macr_start", "open_macr", "open_macr_review", "commission_review", "set_review_clock",
            "independent_needed")
    p.flow("independent_needed", "appoint_independent",
           cond="concerns_about_agency_working in ('some', 'significant') or conflict_of_interest == True",
           name="Yes")
    p.flow("independent_needed", "form_review_group", default=True, name="No")
    p.chain("appoint_independent", "reviewer_is_independent", "reviewer_chosen")
    p.chain("form_review_group", "reviewer_is_lisg", "reviewer_chosen")
    p.chain("reviewer_chosen", "agency_chronology", "family_involvement", "roundtable_gw")
    p.flow("roundtable_gw", "run_roundtable", cond="roundtable_needed == True", name="Yes")
    p.flow("roundtable_gw", "roundtable_done", default=True, name="No")
    p.chain("run_roundtable", "roundtable_done", "write_report", "consider_report", "report_ok")
    p.flow("report_ok", "inform_chair", cond="report_accepted == True", name="Yes")
    p.flow("report_ok", "write_report", default=True, name="No")
    p.chain("inform_chair", "close_macr_review", "macr_learning_source")
    p.flow("macr_learning", "macr_done")
    return p


def individual_management_review() -> Process:
    p = Process("p04_individual_management_review", "P4 Individual management review (IMR)",
                "P4: one agency's review of its own involvement, by an author of appropriate "
                "seniority with no involvement in the case or its line management. Standalone (from "
                "triage: below the SCR threshold with limited concerns about agencies working "
                "together; 8 weeks [ASSUME]) or as an agency's contribution to an SCR (called per "
                "agency by p02a; 6 weeks [ASSUME]). Expects 'agency' (the agency's group slug) and "
                "'imr_mode' ('standalone' or 'scr_contribution').",
                starters="business-unit,lisg")
    p.start("imr_start", "IMR requested", PA,
            fields=[GROUP("agency", "Agency whose involvement is reviewed", "agency"), title_field()])
    open_record(p, "open_imr", PA, "IMR", """
try:
    imr_mode
except NameError:
    imr_mode = 'standalone'
if imr_mode == 'standalone':
    imr_due = deadline('P8W')
    imr_reminder = deadline('P6W')
else:
    imr_due = deadline('P6W')
    imr_reminder = deadline('P4W')
""")
    open_review(p, "open_imr_review", PA, "imr", agency="agency",
                title="'IMR for a serious case review' if imr_mode == 'scr_contribution' "
                      "else 'Standalone IMR'")
    p.user("appoint_author", "Appoint an IMR author", PA, "${agency}",
           "Case {{ case_ref }}: appoint an IMR author of appropriate seniority who had no direct "
           "involvement in the case or its line management.",
           [F("imr_author", "IMR author", "string"),
            YESNO("author_independent", "Is the author free of any involvement in the case and its "
                  "line management?")],
           due="P5WD", priority=60)
    p.xor("author_ok", "Independent author?", PA)
    p.user("secure_records", "Secure records, build the chronology and interview staff", PA, "${agency}",
           "Secure your agency's records for case {{ case_ref }}, build the chronology and interview "
           "the staff involved.",
           [YESNO("records_secured", "Records secured?"),
            YESNO("chronology_complete", "Chronology complete?")], due="P15WD", priority=60)
    p.user("write_imr", "Write the IMR analysis", PA, "${agency}",
           "Analyse your agency's involvement in case {{ case_ref }}: decisions, missed "
           "opportunities, good practice, and the context (workload, supervision, policy). Due "
           "{{ imr_due }}. Comments from the last review: {{ imr_challenge }}",
           [F("imr_summary", "Summary of the analysis", "text", minlength=20),
            F("missed_opportunities", "Missed opportunities", "text"),
            F("good_practice", "Good practice", "text"),
            F("imr_recommendations", "Recommendations for the agency", "text")],
           due="${imr_due}", follow_up="${imr_reminder}", priority=70)
    agency_ladder(p, "write_imr", kind="date", reminder="imr_reminder", overdue="imr_due",
                  what="the IMR",
                  first=(PA, "${agency}", "Agency Board member: resolve the overdue IMR",
                         "Your agency's IMR for case {{ case_ref }} is overdue. As the agency's Board "
                         "member or senior lead, agree a date with the author and record it. If it is "
                         "still outstanding at the next LISG meeting, answer No."))
    p.user("sign_off_imr", "Quality-assure and sign off the IMR", PA, "${agency}",
           "As a senior officer of the agency, quality-assure the IMR for case {{ case_ref }} and "
           "sign it off, or send it back to the author.",
           [YESNO("imr_signed_off", "Signed off?"),
            F("imr_challenge", "Comments for the author", "text", required=False)],
           due="P5WD", priority=70)
    p.xor("signed_gw", "Signed off?", PA)
    p.xor("mode_gw", "Contribution to an SCR?", PA)
    p.user("receive_imr", "Receive the IMR into the serious case review", IR, "independent-reviewer",
           "{{ agency }} has submitted its IMR for case {{ case_ref }}: {{ imr_summary }}. Confirm it "
           "answers the terms of reference.",
           [YESNO("imr_received_ok", "Does it answer the terms of reference?"),
            F("imr_queries", "Queries for the agency", "text", required=False)], due="P10WD", priority=60)
    close_review(p, "close_imr_contribution", IR, "imr", outcome="'contributed to the SCR'")
    p.end("imr_contributed", "IMR contributed to the SCR", IR)
    p.user("evaluate_imr", "Evaluate the IMR's quality", LISG, "lisg",
           "Evaluate the quality of {{ agency }}'s IMR for case {{ case_ref }}: {{ imr_summary }}. "
           "Challenge it if it is not good enough.",
           [F("imr_quality", "Quality", "enum",
              values=[("good", "Good"), ("adequate", "Adequate"), ("inadequate", "Inadequate: send back")]),
            F("lisg_challenge", "Challenge to the agency", "text", required=False)], due="P1M", priority=60)
    p.xor("quality_gw", "Good enough?", LISG)
    p.user("agency_action_plan", "Agree the single-agency action plan", PA, "${agency}",
           "Agree your agency's action plan from the IMR for case {{ case_ref }}; LISG monitors it.",
           [F("single_agency_action_plan", "Action plan", "text", minlength=10), learning_field()],
           due="P15WD", priority=60)
    close_review(p, "close_imr_review", LISG, "imr", outcome="imr_quality")
    capture_learning(p, "imr_learning", LISG, "P4")
    p.end("imr_done", "IMR complete", LISG)

    p.chain("imr_start", "open_imr", "open_imr_review", "appoint_author", "author_ok")
    p.flow("author_ok", "secure_records", cond="author_independent == True", name="Yes")
    p.flow("author_ok", "appoint_author", default=True, name="No")
    p.chain("secure_records", "write_imr", "sign_off_imr", "signed_gw")
    p.flow("signed_gw", "mode_gw", cond="imr_signed_off == True", name="Yes")
    p.flow("signed_gw", "write_imr", default=True, name="No")
    p.flow("mode_gw", "receive_imr", cond="imr_mode == 'scr_contribution'", name="SCR")
    p.flow("mode_gw", "evaluate_imr", default=True, name="Standalone")
    p.chain("receive_imr", "close_imr_contribution", "imr_contributed")
    p.chain("evaluate_imr", "quality_gw")
    p.flow("quality_gw", "write_imr", cond="imr_quality == 'inadequate'", name="No")
    p.flow("quality_gw", "agency_action_plan", default=True, name="Yes")
    p.chain("agency_action_plan", "close_imr_review", "imr_learning_source")
    p.flow("imr_learning", "imr_done")
    return p


JAR_TRIGGERS = [("none", "None"), ("external_causes", "External causes"),
                ("sudden_no_apparent_cause", "Sudden, no apparent cause (including SUDIC)"),
                ("custody_or_mha", "In custody or detained under the MHA"),
                ("suspicious", "Suspicious circumstances"),
                ("unattended_stillbirth", "Unattended stillbirth")]
CATEGORIES = [(f"cat_{i}", f"{i} {name}") for i, name in enumerate([
    "Deliberately inflicted injury, abuse or neglect", "Suicide or deliberate self-inflicted harm",
    "Trauma and other external factors", "Malignancy", "Acute medical or surgical condition",
    "Chronic medical condition", "Chromosomal, genetic and congenital anomalies",
    "Perinatal/neonatal event", "Infection", "Sudden unexpected, unexplained death"], start=1)]


# The boards the pan-Berkshire CDOP serves (the six unitary areas' boards): a case carries its
# board, and the CDOP's reports count per board. The running board is the form's default and
# stands in when the field is left empty: a board running this library changes RUNNING_BOARD
# (or the field's default value in the modeler, and the same default in open_cdop_case), and
# models/cdop.py's, with which the register enters a case from its data (tests compare them).
CDOP_BOARDS = [("bracknell_forest", "Bracknell Forest"), ("reading", "Reading"),
               ("slough", "Slough"), ("west_berkshire", "West Berkshire"),
               ("windsor_maidenhead", "Windsor and Maidenhead"), ("wokingham", "Wokingham")]
RUNNING_BOARD = "bracknell_forest"
BOARD_NAME = f"""
try:
    board
except NameError:
    board = None
board = board or '{RUNNING_BOARD}'
board_name = {dict(CDOP_BOARDS)!r}.get(board, board)
"""
# The CDOP's pattern themes (models/cdop.py PATTERN_THEMES, the register's keys).
PATTERN_THEMES = [("safe_sleeping", "Safe sleeping and co-sleeping"),
                  ("suicide_self_harm", "Suicide and self-harm"),
                  ("road_water_safety", "Road, water and home safety"), ("infection", "Infection"),
                  ("perinatal", "Prematurity and perinatal care"),
                  ("maternal_risk", "Maternal risk factors (smoking, obesity, alcohol, late booking)"),
                  ("neglect_abuse", "Abuse or neglect"), ("other_pattern", "Other pattern or trend")]
PATTERN_PAYLOAD = ("{'raised_by_ref': case_ref, 'regime': regime, 'board': board_name, "
                   "'pattern_theme': pattern_theme, 'pattern_description': pattern_description}")
PANEL_ANALYSIS = """
try:
    pattern_theme
except NameError:
    pattern_theme = None
try:
    pattern_description
except NameError:
    pattern_description = ''
if pattern_alert == True and not pattern_theme:
    pattern_theme = 'other_pattern'
"""

# The referral of a child death to the statutory decision-maker (the LSCB Chair under 2015, the
# safeguarding partners under 2018/2023, through P1 triage and the notification rules).
CDOP_REFERRAL = ("{'case_ref': case_ref, 'regime': regime, 'child_reference': child_reference, "
                 "'agencies_involved': agencies_involved, 'looked_after_child': looked_after_child, "
                 "'died_in_custody_or_detained_mha': died_in_custody_or_detained_mha, "
                 "'summary': 'Child death reviewed by CDOP: abuse or neglect suspected'}")
# The rapid response's deadlines, anchored to the time of death (local wall time): hours are
# elapsed time (a clock change or a bank holiday does not move them), days and months keep the
# wall time of the death.
RR_DEADLINES = """
death_at = date_of_death + 'T' + time_of_death
rr_immediate_due = deadline('PT4H', death_at)
rr_visit_due = deadline('PT24H', death_at)
rr_discussion_due = deadline('PT48H', death_at)
rr_post_mortem_due = deadline('P7D', death_at)
rr_final_reminder = deadline('P10W', death_at)
rr_final_due = deadline('P3M', death_at)
"""

# After P5's branches join: the last branch to arrive overwrites the others' data, so whether the
# rapid response referred is read from the flags only its referrals set.
SETTLE_REFERRALS = "".join(f"""
try:
    referred_to_chair = referred_to_chair or referred_by_{prefix}
except NameError:
    pass
""" for prefix in ("rr", "final", "form_b"))

# The statutory notifications that reach the CDOP [STAT15][S26]: the registrar's information no
# later than 7 days after the death is registered, the coroner's within 3 working days of deciding
# to investigate or commissioning a post-mortem. Checked when the papers are collated: each due
# date is kept in the case and a late one named in ``statutory_notifications_late``.
STATUTORY_NOTIFICATIONS = [("registrar", "death_registered_on", "registrar_informed_on",
                            "registrar_information_due", "deadline('P7D', {start})"),
                           ("coroner", "coroner_decided_on", "coroner_notified_on",
                            "coroner_notification_due", "working_days(3, {start})")]
CHECK_NOTIFICATIONS = "statutory_notifications_late = []\n" + "".join(f"""
{due} = None
try:
    if {start}:
        {due} = {rule.format(start=start)}[:10]
        if {received} and {received} > {due}:
            statutory_notifications_late.append('{who}')
except NameError:
    pass
""" for who, start, received, due, rule in STATUTORY_NOTIFICATIONS)


def only_when(p: Process, gw: str, question: str, node: str, merge: str, cond: str, no: str = "No"):
    """A gateway ``gw`` (asking ``question``) that runs ``node`` when ``cond`` holds, else skips
    it; both ways meet at the merge ``merge``. The CDOP decides."""
    p.xor(gw, question, CDOP)
    p.xor(merge, None, CDOP)
    p.flow(gw, node, cond=cond, name="Yes")
    p.flow(gw, merge, default=True, name=no)
    p.flow(node, merge)


def refer_at_once(p: Process, prefix: str, lane: str, suspected: str, before: str, after: str):
    """Where ``suspected`` (an expression) newly says abuse or neglect, refer the case to the
    statutory decision-maker at once, in parallel with the work that goes on (``before`` ->
    ``after``), and wait on that side branch for the correlated decision. Refers once per case:
    the CDOP register notes the referral (``cdop.refer``), so of two steps running side by side
    (two agencies' Form Bs) only the first refers; ``referred_to_chair`` is set before the fork,
    and ``referred_by_<prefix>`` too, which no other branch sets, so it survives the merge of
    parallel branches' data (see SETTLE_REFERRALS)."""
    gw = p.xor(f"{prefix}_suspected", "Abuse or neglect newly suspected?", lane)
    note = p.service(f"{prefix}_register", "Note the referral in the CDOP register", lane,
                     "cdop.refer", f"{prefix}_referral")
    first = p.xor(f"{prefix}_first", "Not yet referred by another step?", lane)
    fork = p.par(f"{prefix}_fork", None, lane)
    mark = p.script(f"{prefix}_mark", "Note the referral", lane,
                    f"referred_to_chair = True\nreferred_by_{prefix} = True")
    throw = p.throw(f"{prefix}_refer", "Refer to the statutory decision-maker", lane,
                    "cdop_scr_referral", CDOP_REFERRAL)
    catch = p.catch(f"{prefix}_decision", "Decision on the referral received", lane, "scr_decision",
                    "scr_decision")
    done = p.end(f"{prefix}_decided", "Referral decided", lane)
    merge = p.xor(f"{prefix}_merge", None, lane)
    p.flow(before, gw)
    p.flow(gw, note, cond=f"({suspected}) == True and referred_to_chair == False", name="Yes")
    p.flow(gw, merge, default=True, name="No")
    p.flow(note, first)
    p.flow(first, mark, cond=f"{prefix}_referral['first'] == True", name="Yes")
    p.flow(first, merge, default=True, name="No: already referred")
    p.chain(mark, fork, throw, catch, done)
    p.chain(fork, merge, after)


def child_death_review() -> Process:
    p = Process("p05_child_death_review", "P5 Child death review (pan-Berkshire CDOP)",
                "P5: the review of every death of a child under 18 who normally lived in, or died "
                "in, Bracknell Forest, except stillbirths and planned legal terminations (regulation "
                "6); under 2018/2023 an unattended stillbirth (not attended by a healthcare "
                "professional) has a Joint Agency Response but no CDOP review. At notification "
                "three things start in parallel: the rapid response (p05a: an unexpected death "
                "under 2015, a JAR trigger under 2018/2023), its deadlines anchored to the time of "
                "death; the residency check and the CDOP review (agency reports, Form B, 15 working "
                "days [ASSUME]); and, where abuse or neglect is suspected, the referral to the "
                "statutory decision-maker ('cdop_scr_referral' message, correlated on case_ref) "
                "waiting for its decision ('scr_decision'). Suspicion first recorded later (the "
                "initial discussion, an agency's Form B, the panel) refers at once, without stopping "
                "the review. The "
                "panel waits for the rapid response and the decision, completes the analysis "
                "(Form C: category, modifiable factors), the professionals are told, and "
                "recommendations enter the learning loop. Every death enters the CDOP register "
                "with the board it belongs to (Form A's 'board', the running board by default); "
                "a pattern or trend the panel records goes to a themed report for the board "
                "(P5c, message 'cdop_pattern_alert') while the review goes on.",
                starters=AGENCY_STARTERS + ",cdop")
    p.start("death_notified", "Child death notified", PA, fields=[title_field()])
    p.user("notify_death", "Notify the child death (Form A)", PA, "partner-agencies",
           "Notify the CDOP of the death of a child (the case runs under {{ regime }}, the board's "
           "regime). Do not enter the child's name: use initials and date of birth or your "
           "agency's reference.",
           [F("child_reference", "Child's reference (initials and date of birth, or agency reference)",
              "string"),
            F("date_of_death", "Date of death", "date"),
            F("time_of_death", "Time of death (24-hour local time, HH:MM; the best estimate if not "
              "known)", "string", pattern="([01][0-9]|2[0-3]):[0-5][0-9]"),
            F("child_age_at_death", "Age at death (years)", "number", min=0),
            YESNO("stillbirth_or_planned_termination", "Stillbirth or planned legal termination?"),
            YESNO("normally_resident_in_bf", "Did the child normally live in Bracknell Forest?"),
            YESNO("death_unexpected", "Was the death unexpected (not anticipated 24 hours before, or "
                  "an unexpected collapse)?"),
            F("jar_trigger", "Joint Agency Response trigger (2018/2023)", "enum", values=JAR_TRIGGERS),
            YESNO("abuse_or_neglect_suspected", "Is abuse or neglect suspected?"),
            YESNO("looked_after_child", "Was the child looked after?"),
            YESNO("died_in_custody_or_detained_mha", "Did the child die in custody or detained under "
                  "the Mental Health Act?"),
            agencies_field("Agencies that knew the child or family"),
            F("board", "Board the child belongs to (the CDOP serves six boards)", "enum",
              required=False, values=CDOP_BOARDS, default=RUNNING_BOARD)],
           due="P1D", priority=90)
    p.script("open_cdop_case", "Open the CDOP case", CDOP, AGENCY_LIST_SCRIPT + """
cdop_review_due = deadline('P6M', date_of_death)
cdop_in_scope = child_age_at_death < 18 and stillbirth_or_planned_termination == False
unattended_stillbirth = (stillbirth_or_planned_termination == True and regime != 'LSCB_WT2015'
                         and jar_trigger == 'unattended_stillbirth')
rapid_response_needed = ((regime == 'LSCB_WT2015' and death_unexpected == True) or
                         (regime != 'LSCB_WT2015' and jar_trigger != 'none'))
referred_to_chair = abuse_or_neglect_suspected == True
""" + RR_DEADLINES + BOARD_NAME)
    p.service("register_death", "Enter the death in the CDOP register", CDOP, "cdop.notify",
              "cdop_record", board="board_name", regime="regime", date_of_death="date_of_death",
              within_scope="cdop_in_scope", unattended_stillbirth="unattended_stillbirth",
              referred="referred_to_chair")
    p.xor("in_scope", "In scope?", CDOP)
    p.end("out_of_scope", "Outside the CDOP's remit (recorded)", CDOP)
    p.par("notified_fork", None, CDOP)
    # the rapid response / JAR, from notification
    p.call("rapid_response", "Rapid response / Joint Agency Response (P5a)", PA, "p05a_rapid_response")
    # the referral, from notification
    p.xor("referral_gw", "Abuse or neglect suspected?", CDOP)
    p.throw("refer_to_chair", "Refer to the statutory decision-maker", CDOP, "cdop_scr_referral",
            CDOP_REFERRAL)
    p.catch("scr_decision_received", "Decision on the referral received", CDOP, "scr_decision",
            "scr_decision")
    p.xor("referral_done", None, CDOP)
    # the residency check and the CDOP's review
    p.xor("cdop_review_gw", "Reviewed by a CDOP?", CDOP)
    p.user("residency_check", "Check residency and agree which CDOP reviews the death", CDOP, "cdop",
           "Case {{ case_ref }}: if the child normally lived outside Bracknell Forest, agree with the "
           "other CDOP which panel reviews the death (normally the area of residence) and how the "
           "other is told.",
           [YESNO("bf_cdop_reviews", "Will the pan-Berkshire CDOP review this death?"),
            F("residency_notes", "What was agreed", "text", required=False)], due="P5WD", priority=70)
    p.xor("bf_reviews", "Reviewed here?", CDOP)
    open_review(p, "open_cdop_review", CDOP, "cdop")
    p.call("agency_reports", "Agency reports (Form B, P5b)", PA, "p05b_agency_report",
           mi=("agencies", "agency"))
    p.xor("cdop_review_done", None, CDOP)
    p.par("review_join", None, CDOP)
    p.script("settle_referrals", "Note any referral the rapid response made", CDOP, SETTLE_REFERRALS)
    p.xor("outcome_gw", "Reviewed here?", CDOP)
    p.end("transferred", "Reviewed by the CDOP of residence", CDOP)
    p.end("jar_only_done", "Unattended stillbirth: Joint Agency Response complete (no CDOP review)",
          CDOP)
    p.user("collate_papers", "Collate and anonymise the case papers", CDOP, "cdop",
           "Collate and anonymise the papers for CDOP case {{ case_ref }} and confirm the "
           "prerequisites for the panel: post-mortem, inquest outcome if relevant, any SCR, the final "
           "case discussion.",
           [YESNO("post_mortem_received", "Post-mortem report received (or not applicable)?"),
            YESNO("inquest_pending", "Is an inquest or criminal case still pending?"),
            F("death_registered_on", "Date the death was registered", "date", required=False),
            F("registrar_informed_on", "Date the registrar's information reached the CDOP (due 7 "
              "days after registration)", "date", required=False),
            F("coroner_decided_on", "Date the coroner decided to investigate or commissioned a "
              "post-mortem (if so)", "date", required=False),
            F("coroner_notified_on", "Date the coroner told the CDOP (due within 3 working days)",
              "date", required=False)],
           due="P1M", priority=50)
    p.script("check_notifications", "Check the registrar's and coroner's notifications", CDOP,
             CHECK_NOTIFICATIONS)
    p.user("child_death_review_meeting", "Hold the child death review meeting", PA, "health",
           "CDOP case {{ case_ref }} (2018 Child Death Review statutory guidance): hold the child "
           "death review meeting with the professionals who were directly involved with the child, "
           "before the CDOP panel analyses the death, and record its conclusions for the panel.",
           [F("cdrm_held_on", "Date of the meeting", "date"),
            F("cdrm_summary", "Conclusions for the CDOP panel", "text", minlength=20)],
           due="P1M", priority=60)
    p.user("panel_review", "Panel review: complete the analysis (Form C)", CDOP, "cdop",
           "The CDOP panel reviews case {{ case_ref }}: category of death, modifiable factors "
           "(preventability: factors which, if acted on through national or local interventions, "
           "could reduce the risk of future child deaths), contributing factors and recommended "
           "actions. If the panel now suspects abuse or neglect, the case is referred at once.",
           [F("category_of_death", "Category of death", "enum", values=CATEGORIES),
            F("modifiable_factors", "Modifiable factors", "enum",
              values=[("identified", "Identified"), ("not_identified", "Not identified"),
                      ("insufficient_information", "Insufficient information")]),
            F("contributing_factors", "Contributing factors", "text"),
            F("cdop_recommendations", "Recommendations to the LSCB and agencies", "text",
              required=False),
            YESNO("pattern_alert", "Part of a pattern or trend to report to the board (a themed "
                  "report)?"),
            F("pattern_theme", "Theme of the pattern or trend (if so)", "enum", required=False,
              values=PATTERN_THEMES),
            F("pattern_description", "The pattern or trend the panel sees (if so)", "text",
              required=False),
            YESNO("panel_abuse_or_neglect_suspected", "Does the panel suspect abuse or neglect?"),
            learning_field()],
           due="${cdop_review_due}", priority=60)
    p.user("inform_professionals", "Tell the professionals directly involved", CDOP, "cdop",
           "Tell the professionals directly involved with the family of case {{ case_ref }} the "
           "outcome of the review, so they can convey it sensitively.",
           [YESNO("professionals_told", "Professionals told?")], due="P10WD", priority=40)
    close_review(p, "close_cdop_review", CDOP, "cdop", outcome="modifiable_factors")
    capture_learning(p, "cdop_learning", LISG, "P5")
    p.user("submit_to_ncmd", "Submit the case to the National Child Mortality Database", CDOP, "cdop",
           "Submit the notification, reporting and analysis data of CDOP case {{ case_ref }} to the "
           "National Child Mortality Database (through eCDOP or the NCMD portal).",
           [F("ncmd_submitted_on", "Date submitted to the NCMD", "date")], due="P10WD", priority=40)
    p.user("close_cdop_case", "Close the case and add it to the dataset", CDOP, "cdop",
           "Close CDOP case {{ case_ref }} and add it to the dataset for pattern analysis and the "
           "annual report.",
           [YESNO("added_to_dataset", "Added to the dataset (eCDOP / NCMD)?")], due="P10WD", priority=30)
    p.end("cdop_done", "Child death review complete", CDOP)
    p.script("note_analysis", "Note the panel's analysis", CDOP, PANEL_ANALYSIS)
    p.service("record_analysis", "Record the analysis in the CDOP register", CDOP, "cdop.reviewed",
              "cdop_reviewed", category="category_of_death", modifiable_factors="modifiable_factors",
              factors="contributing_factors", pattern_alert="pattern_alert",
              pattern_theme="pattern_theme")
    p.throw("raise_pattern", "Pattern or trend to a themed report (P5c)", CDOP,
            "cdop_pattern_alert", PATTERN_PAYLOAD)

    p.chain("death_notified", "notify_death", "open_cdop_case", "register_death", "in_scope")
    p.flow("in_scope", "notified_fork", cond="cdop_in_scope == True or unattended_stillbirth == True",
           name="Yes")
    p.flow("in_scope", "out_of_scope", default=True, name="No")
    only_when(p, "rapid_response_gw", "Rapid response?", "rapid_response", "rapid_response_done",
              "rapid_response_needed == True")
    p.flow("notified_fork", "rapid_response_gw")
    p.flow("rapid_response_done", "review_join")
    p.flow("notified_fork", "referral_gw")
    p.flow("referral_gw", "refer_to_chair", cond="abuse_or_neglect_suspected == True", name="Yes")
    p.flow("referral_gw", "referral_done", default=True, name="No")
    p.chain("refer_to_chair", "scr_decision_received", "referral_done", "review_join")
    p.flow("notified_fork", "cdop_review_gw")
    p.flow("cdop_review_gw", "residency_check", cond="cdop_in_scope == True", name="Yes")
    p.flow("cdop_review_gw", "cdop_review_done", default=True, name="No")
    p.chain("residency_check", "bf_reviews")
    p.flow("bf_reviews", "open_cdop_review", cond="bf_cdop_reviews == True", name="Yes")
    p.flow("bf_reviews", "cdop_review_done", default=True, name="No")
    p.chain("open_cdop_review", "agency_reports", "cdop_review_done", "review_join", "settle_referrals",
            "outcome_gw")
    p.flow("outcome_gw", "collate_papers", cond="cdop_in_scope == True and bf_cdop_reviews == True",
           name="Yes")
    p.flow("outcome_gw", "transferred", cond="cdop_in_scope == True and bf_cdop_reviews == False",
           name="No: other CDOP")
    p.flow("outcome_gw", "jar_only_done", default=True, name="No: unattended stillbirth")
    only_when(p, "cdrm_gw", "2018/2023: child death review meeting?", "child_death_review_meeting",
              "cdrm_done", "regime != 'LSCB_WT2015'", no="No (2015)")
    p.chain("collate_papers", "check_notifications", "cdrm_gw")
    p.flow("cdrm_done", "panel_review")
    p.chain("panel_review", "note_analysis", "record_analysis")
    only_when(p, "pattern_gw", "Pattern or trend?", "raise_pattern", "pattern_done",
              "pattern_alert == True")
    refer_at_once(p, "panel", CDOP, "panel_abuse_or_neglect_suspected", "record_analysis",
                  "pattern_gw")
    p.flow("pattern_done", "inform_professionals")
    p.chain("inform_professionals", "close_cdop_review", "cdop_learning_source")
    only_when(p, "ncmd_gw", "2018/2023: submit to the NCMD?", "submit_to_ncmd", "ncmd_done",
              "regime != 'LSCB_WT2015'", no="No (2015)")
    p.chain("cdop_learning", "ncmd_gw")
    p.chain("ncmd_done", "close_cdop_case", "cdop_done")
    return p


def agency_report() -> Process:
    p = Process("p05b_agency_report", "P5b Agency report (Form B) for a child death review",
                "Called by P5 once per agency that knew the child or family: the agency returns "
                "Form B within 15 working days [ASSUME], with the escalation ladder; an agency that "
                "suspects abuse or neglect refers the case to the statutory decision-maker at once "
                "(unless it is already referred) while the other returns go on, and this return "
                "waits for the decision.")
    p.start("form_b_start", "Agency report requested", PA)
    p.user("form_b", "Complete the agency report (Form B)", PA, "${agency}",
           "CDOP case {{ case_ref }}: complete the agency report (Form B, with any supplementary form "
           "for the type of death) about your agency's knowledge of the child and family, within 15 "
           "working days.",
           [F("agency_knowledge", "Your agency's involvement and knowledge of the child and family",
              "text", minlength=20),
            F("risk_factors", "Risk factors known (e.g. co-sleeping, smoking, domestic abuse, alcohol)",
              "text", required=False),
            YESNO("form_b_abuse_or_neglect_suspected", "Does your agency suspect abuse or neglect? "
                  "(Yes refers the case to the decision-maker at once)")],
           due="P15WD", follow_up="P10WD", priority=70)
    ladder(p, "form_b", reminder="P10WD", overdue="P15WD", what="the Form B", steps=[
        (CDOP, "cdop", "Escalate the overdue Form B to the agency's CDOP member",
         "An agency has not returned its Form B for case {{ case_ref }} within 15 working days. Ask "
         "the agency's CDOP member to secure it. If it is still outstanding, answer No."),
        (CHAIR, "lscb-chair", "LSCB Chair: escalate the overdue Form B",
         "A Form B for CDOP case {{ case_ref }} is still outstanding. Write to the agency and record "
         "it on the Challenge Log.")])
    p.end("form_b_done", "Agency report returned", CDOP)
    p.flow("form_b_start", "form_b")
    refer_at_once(p, "form_b", CDOP, "form_b_abuse_or_neglect_suspected", "form_b", "form_b_done")
    return p


def rapid_response() -> Process:
    p = Process("p05a_rapid_response", "P5a Rapid response to an unexpected child death",
                "Called by P5 at notification, in parallel with the residency check, for an "
                "unexpected death (2015, Berkshire health-led rapid response protocol) or a Joint "
                "Agency Response trigger (2018/2023). Every deadline runs from the time of death "
                "(P5's rr_*_due, [PRAC S33/S34]): immediate response 4 hours, home or scene visit "
                "24 hours, initial multi-agency discussion 48 hours, post-mortem follow-up 7 days, "
                "final case discussion (usually 8-12 weeks) 3 months, its output going to the CDOP. "
                "If the initial discussion first suspects abuse or neglect, the case is referred at "
                "once while the response goes on; the s47 or criminal process takes precedence.")
    p.start("rr_start", "Unexpected death", PA)
    p.user("immediate_response", "Immediate response and support for the family", PA, "health",
           "Unexpected death, CDOP case {{ case_ref }}: the designated or on-call paediatrician and "
           "the Rapid Response service respond, with the police, and support the family.",
           [F("immediate_response_notes", "What was done", "text"),
            YESNO("family_support_offered", "Family support offered?")], due="${rr_immediate_due}",
           priority=100)
    p.user("home_visit", "Home or scene visit", PA, "police",
           "Police and a health professional visit the home or scene of the death in case "
           "{{ case_ref }}.",
           [YESNO("visit_done", "Visit done?"), F("visit_notes", "Findings", "text")],
           due="${rr_visit_due}", priority=100)
    p.user("initial_discussion", "Initial multi-agency information-sharing discussion", PA, "health",
           "Hold the initial multi-agency discussion for case {{ case_ref }} and consider the safety "
           "of siblings and other children. If there is a child protection concern, start the s47 or "
           "criminal process and record it: the case is referred to the decision-maker at once.",
           [YESNO("siblings_safe", "Are siblings and other children safe?"),
            YESNO("s47_started", "Has a s47 enquiry or criminal investigation started?"),
            YESNO("abuse_or_neglect_suspected", "Is abuse or neglect now suspected?")],
           due="${rr_discussion_due}", priority=90)
    p.user("post_mortem_discussion", "Post-mortem follow-up discussion", PA, "health",
           "When the post-mortem results are available, hold the follow-up discussion for case "
           "{{ case_ref }}.",
           [F("post_mortem_findings", "Findings and actions", "text")], due="${rr_post_mortem_due}",
           priority=70)
    p.user("final_case_discussion", "Final case discussion", PA, "health",
           "Hold the final case discussion (local case review) for case {{ case_ref }} and record "
           "its output for the CDOP.",
           [F("rapid_response_output", "Output for the CDOP", "text", minlength=20),
            YESNO("rr_abuse_or_neglect_suspected", "Is abuse or neglect suspected after the final "
                  "discussion?")],
           due="${rr_final_due}", follow_up="${rr_final_reminder}", priority=60)
    ladder(p, "final_case_discussion", reminder="rr_final_reminder", overdue="rr_final_due",
           kind="date", what="the final discussion",
           steps=[(CDOP, "cdop", "Escalate the overdue final case discussion to the designated doctor",
                   "The final case discussion for case {{ case_ref }} is overdue. Escalate it to the "
                   "designated doctor for child deaths and record the new date.")])
    p.end("rr_done", "Rapid response output to the CDOP", CDOP)
    p.chain("rr_start", "immediate_response", "home_visit", "initial_discussion")
    refer_at_once(p, "rr", PA, "abuse_or_neglect_suspected", "initial_discussion",
                  "post_mortem_discussion")
    p.chain("post_mortem_discussion", "final_case_discussion")
    refer_at_once(p, "final", CDOP, "rr_abuse_or_neglect_suspected", "final_case_discussion", "rr_done")
    return p


THEMED_ITEM_PAYLOAD = ("{'case_ref': case_ref, 'source_pathway': 'P5 themed report', "
                       "'statement': themed_learning, 'theme': 'child_deaths', "
                       "'audience': 'all_agencies', 'action_owner': action_owner, "
                       "'action': action_description, 'action_due_date': str(action_due_date), "
                       "'learning_item_id': learning_record['id']}")


def themed_report() -> Process:
    p = Process("p05c_cdop_themed_report", "P5c CDOP themed report on a pattern or trend",
                "Started by P5's 'cdop_pattern_alert' message when the panel records a pattern or "
                "trend: the CDOP coordinator drafts a themed report from the CDOP register (the "
                "deaths the panel tied to the same theme, their categories and modifiable "
                "factors), the CDOP chair decides whether it goes to the board or back for "
                "revision, and the board receives it (the LSCB Chair under 2015, the safeguarding "
                "partners under 2018/2023 [STAT15][S27]; [STAT18][S41]). Its learning is recorded "
                "in the learning register under the theme 'child_deaths' and enters the learning "
                "loop.")
    p.start("pattern_raised", "Pattern or trend recorded by the panel", CDOP,
            message="cdop_pattern_alert", variable="pattern")
    p.script("open_themed_report", "Open the themed report", CDOP, """
raised_by_ref = pattern['raised_by_ref']
regime = pattern['regime']
board_name = pattern['board']
pattern_theme = pattern['pattern_theme']
pattern_description = pattern['pattern_description']
chair_comments = ''
""")
    p.service("find_deaths", "Find the deaths with this pattern in the CDOP register", CDOP,
              "cdop.pattern_deaths", "themed_deaths", theme="pattern_theme")
    p.service("register_report", "Record the themed report in the CDOP register", CDOP,
              "cdop.open_themed_report", "themed_report", theme="pattern_theme", board="board_name",
              raised_by_ref="raised_by_ref", title="themed_deaths['theme_name']")
    p.user("draft_themed_report", "Draft the themed report", CDOP, "cdop",
           "The panel recorded a pattern or trend at case {{ raised_by_ref }} "
           "({{ board_name }}): {{ themed_deaths.theme_name }}. {{ pattern_description }} "
           "The CDOP register holds {{ themed_deaths.count }} reviewed deaths with this pattern: "
           "{% for d in themed_deaths.deaths %}{{ d.case_ref }} ({{ d.board }}): {{ d.category }}; "
           "{{ d.modifiable }}{% if d.factors %} ({{ d.factors }}){% endif %}. {% endfor %}"
           "Draft the themed report: what the deaths have in common, the modifiable factors and "
           "what should change. No child's name. The CDOP chair's comments on an earlier draft: "
           "{{ chair_comments }}",
           [F("themed_findings", "Findings: what the deaths have in common and the modifiable "
              "factors", "text", minlength=20),
            F("themed_recommendations", "Recommendations to the board and agencies", "text",
              minlength=10),
            F("themed_learning", "Learning statement for the learning loop", "text", minlength=10),
            GROUP("action_owner", "Agency or sub-group that owns the action"),
            F("action_description", "Action to improve practice", "text"),
            F("action_due_date", "Action due date", "date")],
           due="P1M", priority=50)
    p.user("chair_decides", "CDOP chair: decide on the themed report", CDOP, "cdop",
           "As CDOP chair, read the themed report on {{ themed_deaths.theme_name }}: "
           "{{ themed_findings }} Recommendations: {{ themed_recommendations }}. Send it to the "
           "board, or return it for revision with your comments.",
           [F("chair_decision", "Decision", "enum",
              values=[("to_board", "Send it to the board"), ("revise", "Return it for revision")]),
            F("chair_comments", "Comments", "text", required=False)], due="P10WD", priority=50)
    p.xor("chair_gw", "Decision?", CDOP)
    p.xor("board_gw", "Regime?", CDOP)
    p.user("lscb_chair_receives", "Receive the CDOP themed report", CHAIR, "lscb-chair",
           "The CDOP sends the LSCB Chair a themed report on {{ themed_deaths.theme_name }} "
           "({{ themed_deaths.count }} deaths): {{ themed_findings }} Recommendations: "
           "{{ themed_recommendations }}. Record the board's response.",
           [F("chair_response", "The board's response", "text", minlength=10)],
           due="P1M", priority=50)
    p.user("partners_receive", "Receive the CDOP themed report", SP, "safeguarding-partners",
           "The CDOP sends the safeguarding partners (the child death review partners) a themed "
           "report on {{ themed_deaths.theme_name }} ({{ themed_deaths.count }} deaths): "
           "{{ themed_findings }} Recommendations: {{ themed_recommendations }}. Record the "
           "partners' response.",
           [F("partners_response", "The partners' response", "text", minlength=10)],
           due="P1M", priority=50)
    p.xor("received", None, CDOP)
    p.script("note_receipt", "Note who received it", CDOP, """
if regime == 'LSCB_WT2015':
    received_by = 'lscb-chair'
    board_response = chair_response
else:
    received_by = 'safeguarding-partners'
    board_response = partners_response
case_ref = raised_by_ref
""")
    p.service("record_learning", "Add the learning to the learning register", CDOP,
              "learning.record_item", "learning_record", statement="themed_learning",
              themes="['child_deaths']", audiences="['all_agencies']", agencies="[action_owner]",
              source_pathway="'P5 themed report'", source_ref="raised_by_ref")
    p.service("record_receipt", "Record the board's receipt in the CDOP register", CDOP,
              "cdop.themed_report_received", "themed_report_receipt",
              report_id="themed_report['id']", received_by="received_by",
              response="board_response", learning_item_id="learning_record['id']")
    p.throw("send_learning", "Learning item to the loop", CDOP, "learning_item_identified",
            THEMED_ITEM_PAYLOAD)
    p.end("themed_report_done", "Themed report received by the board", CDOP)
    p.chain("pattern_raised", "open_themed_report", "find_deaths", "register_report",
            "draft_themed_report", "chair_decides", "chair_gw")
    p.flow("chair_gw", "draft_themed_report", cond="chair_decision == 'revise'", name="Revise")
    p.flow("chair_gw", "board_gw", default=True, name="To the board")
    by_regime(p, "board_gw", "lscb_chair_receives", "partners_receive", "received")
    p.chain("received", "note_receipt", "record_learning", "record_receipt", "send_learning",
            "themed_report_done")
    return p


def processes():
    return [serious_case_review(), scr_review(), multi_agency_case_review(),
            individual_management_review(), child_death_review(), agency_report(), rapid_response(),
            themed_report()]
