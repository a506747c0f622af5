"""P6 multi-agency case audit, P7 surveys, P8 roundtables, P9 single-agency audits, P10 section 11,
P11 s175/157 school audits, P12 research digest."""
from __future__ import annotations

from bpmn_builder import GROUP, F, YESNO, Process
from library_common import (AGENCY_LIST_SCRIPT, AGENCY_STARTERS, BFS11, BOARD, BU, CHAIR, COMMS, LISG, PA, PBS11, SCH,
                            agencies_field, agency_ladder, capture_learning, close_review, ladder,
                            learning_field, open_record, open_review, title_field)


def multi_agency_case_audit() -> Process:
    p = Process("p06_multi_agency_case_audit", "P6 Multi-agency case audit (including thematic audits)",
                "P6: audit of practice on a child's journey through the system or a specific "
                "safeguarding issue, using a case sample. One instance per audit in the annual audit "
                "programme (c04), per re-audit from the learning loop, or per ad-hoc LISG commission. "
                "Agencies audit their own records against the tool (section 14B duty to supply "
                "information; returns in 4 weeks [ASSUME] with the escalation ladder), the "
                "moderation meeting grades the cases, the Business Unit writes the overview report, "
                "LISG approves it and the action plan, and the learning enters the loop.",
                starters="business-unit,lisg")
    p.start("audit_start", "Audit commissioned", LISG, fields=[title_field()])
    open_record(p, "open_audit", LISG, "AUDIT")
    p.user("set_theme", "Set the audit theme and key lines of enquiry", LISG, "lisg",
           "Set the theme and key lines of enquiry for audit {{ case_ref }} (from business-plan "
           "priorities, performance data, review learning or inspection themes), the sample size and "
           "the agencies taking part.",
           [F("audit_theme", "Theme", "string"),
            F("lines_of_enquiry", "Key lines of enquiry", "text", minlength=10),
            F("case_sample_size", "Number of cases in the sample", "long", min=1, max=50),
            agencies_field("Agencies taking part")],
           due="P10WD", priority=50)
    open_review(p, "open_audit_review", LISG, "multi_agency_audit", "audit",
                title="str(audit_theme)[:300]")
    p.script("prepare_audit", "Prepare the audit", LISG, AGENCY_LIST_SCRIPT)
    p.user("select_sample", "Select the case sample and send the audit tool", BU, "business-unit",
           "Select {{ case_sample_size }} cases for the '{{ audit_theme }}' audit against the sample "
           "criteria and send the audit tool and request to each agency.",
           [F("sample_criteria", "Sample criteria", "text"),
            F("cases_selected", "Cases selected", "long", min=1)], due="P10WD", priority=50)
    p.user("agency_audit", "Audit your agency's records against the audit tool", PA, "${agency}",
           "Audit '{{ audit_theme }}' ({{ case_ref }}): audit your agency's records for the sampled "
           "cases against the tool, involving the practitioners and, where appropriate, the children "
           "and families. Return within 4 weeks.",
           [F("agency_findings", "Findings for your agency", "text", minlength=20),
            F("agency_grade", "Overall grade of your agency's practice", "enum",
              values=[("outstanding", "Outstanding"), ("good", "Good"),
                      ("requires_improvement", "Requires improvement"), ("inadequate", "Inadequate")]),
            YESNO("practitioners_involved", "Were practitioners involved?")],
           due="P20WD", follow_up="P15WD", priority=50, mi=("agencies", "agency"))
    agency_ladder(p, "agency_audit", reminder="P15WD", overdue="P20WD")
    p.user("moderation_meeting", "Hold the multi-agency moderation meeting", LISG, "lisg",
           "Hold the multi-agency audit meeting for '{{ audit_theme }}': grade the cases and agree "
           "strengths and areas for development.",
           [F("strengths", "Strengths", "text"), F("areas_for_development", "Areas for development", "text")],
           due="P10WD", priority=50)
    p.user("overview_report", "Write the audit overview report", BU, "business-unit",
           "Write the overview report of the '{{ audit_theme }}' audit with learning and "
           "recommendations. LISG's comments, if it was sent back: {{ report_comments }}",
           [F("overview_summary", "Summary of findings and recommendations", "text", minlength=20)],
           due="P15WD", priority=50)
    p.user("approve_audit_report", "Approve the report and the multi-agency action plan", LISG, "lisg",
           "Consider the overview report of the '{{ audit_theme }}' audit: {{ overview_summary }}. "
           "Approve it and the action plan, or send it back. Issues for other boards are recorded "
           "here; the findings go into the six-monthly LISG report.",
           [YESNO("audit_report_approved", "Approved?"),
            F("report_comments", "Comments", "text", required=False),
            YESNO("escalate_to_other_board", "Escalate an issue to another board?"),
            learning_field()], due="P1M", priority=50)
    p.xor("approved_gw", "Approved?", LISG)
    close_review(p, "close_audit_review", LISG, "multi_agency_audit")
    capture_learning(p, "audit_learning", LISG, "P6")
    p.end("audit_done", "Audit complete", LISG)
    p.chain("audit_start", "open_audit", "set_theme", "open_audit_review", "prepare_audit",
            "select_sample", "agency_audit", "moderation_meeting", "overview_report",
            "approve_audit_report", "approved_gw")
    p.flow("approved_gw", "close_audit_review", cond="audit_report_approved == True", name="Yes")
    p.chain("close_audit_review", "audit_learning_source")
    p.flow("approved_gw", "overview_report", default=True, name="No")
    p.flow("audit_learning", "audit_done")
    return p


def survey() -> Process:
    p = Process("p07_survey_consultation", "P7 Surveys and consultations",
                "P7: electronic questionnaires to gather the views of children, young people, "
                "families and frontline staff to influence decisions, policies or procedures. LISG "
                "(or the requesting sub-group) defines the purpose; the Business Unit designs it "
                "(consent for children); Comms distributes it; it stays open 4 weeks with a reminder "
                "to respondents at week 2 [ASSUME]; the analysis goes to LISG and, where needed, the "
                "Board; respondents get 'you said, we did' feedback.",
                starters="business-unit,lisg")
    p.start("survey_start", "Survey requested", LISG, fields=[title_field()])
    open_record(p, "open_survey", LISG, "SURVEY")
    open_review(p, "open_survey_review", LISG, "survey", "audit")
    p.user("define_survey", "Define the purpose, audience and decision", LISG, "lisg",
           "Define survey {{ case_ref }}: its purpose, who it is for, and the decision, policy or "
           "procedure it will inform.",
           [F("survey_purpose", "Purpose", "text", minlength=10),
            F("survey_audience", "Audience", "enum",
              values=[("practitioners", "Practitioners"),
                      ("children_young_people", "Children and young people"),
                      ("families", "Families"), ("mixed", "Mixed")]),
            F("decision_informed", "Decision it will inform", "text")], due="P10WD", priority=40)
    p.user("design_survey", "Design the questionnaire and get it approved", BU, "business-unit",
           "Design the e-questionnaire for '{{ survey_purpose }}' and get it approved, including "
           "consent arrangements for children and young people.",
           [F("survey_link", "Questionnaire link", "string"),
            F("consent_arrangements", "Consent arrangements", "text"),
            YESNO("survey_approved", "Approved?")], due="P15WD", priority=40)
    p.xor("approved_gw", "Approved?", BU)
    p.user("distribute_survey", "Distribute the survey", COMMS, "comms",
           "Distribute the survey {{ survey_link }} through partner agencies, schools and youth "
           "forums.",
           [F("distribution_channels", "Channels used", "text")], due="P5WD", priority=40)
    p.wait("survey_week_two", "Two weeks open", COMMS, duration="P2W")
    p.user("survey_reminder", "Remind respondents", COMMS, "comms",
           "The survey closes in two weeks: send a reminder through the same channels.",
           [YESNO("reminder_sent", "Reminder sent?")], due="P2WD", priority=30)
    p.wait("survey_closes", "Survey closes", COMMS, duration="P2W")
    p.user("analyse_survey", "Analyse the responses and write the report", BU, "business-unit",
           "The survey '{{ survey_purpose }}' has closed. Analyse the responses and write the report.",
           [F("responses", "Number of responses", "long", min=0),
            F("survey_findings", "Findings", "text", minlength=20)], due="P15WD", priority=40)
    p.user("consider_survey", "Consider the survey report", LISG, "lisg",
           "Consider the survey report: {{ survey_findings }}. Agree changes to policy, procedure or "
           "training, and whether the Board should see it.",
           [F("changes_agreed", "Changes agreed", "text", minlength=10),
            YESNO("refer_to_board", "Refer to the Board?"), learning_field()], due="P1M", priority=40)
    p.xor("board_gw", "To the Board?", LISG)
    p.user("board_considers_survey", "Consider the survey report", BOARD, "board",
           "LISG refers the survey report '{{ survey_purpose }}': {{ survey_findings }}.",
           [F("board_decision", "Board's decision", "text")], due="P2M", priority=30)
    p.xor("board_done", None, LISG)
    p.user("you_said_we_did", "Give 'you said, we did' feedback", COMMS, "comms",
           "Tell respondents what changed because of the survey: {{ changes_agreed }}.",
           [F("feedback_published", "Where the feedback was published", "string")], due="P15WD",
           priority=30)
    close_review(p, "close_survey_review", LISG, "survey", outcome="survey_audience")
    # "you said, we did" is the survey's impact: the yearly report's "what children and
    # families said" reads it from the register for the surveys that heard them
    p.service("record_survey_impact", "Record what respondents said and what changed", LISG,
              "review.record_impact", "survey_impact", review_id="survey_review['id']",
              impact="f'You said: {survey_findings} We did: {changes_agreed}'")
    capture_learning(p, "survey_learning", LISG, "P7")
    p.end("survey_done", "Survey complete", LISG)
    p.chain("survey_start", "open_survey", "open_survey_review", "define_survey", "design_survey",
            "approved_gw")
    p.flow("approved_gw", "distribute_survey", cond="survey_approved == True", name="Yes")
    p.flow("approved_gw", "design_survey", default=True, name="No")
    p.chain("distribute_survey", "survey_week_two", "survey_reminder", "survey_closes", "analyse_survey",
            "consider_survey", "board_gw")
    p.flow("board_gw", "board_considers_survey", cond="refer_to_board == True", name="Yes")
    p.flow("board_gw", "board_done", default=True, name="No")
    p.chain("board_considers_survey", "board_done", "you_said_we_did", "close_survey_review",
            "record_survey_impact", "survey_learning_source")
    p.flow("survey_learning", "survey_done")
    return p


def roundtable() -> Process:
    p = Process("p08_roundtable_discussion", "P8 Roundtable discussion",
                "P8: a facilitated discussion, standalone or as part of a case audit or review, to "
                "explore the wider context of identified issues where a full audit is not needed. "
                "LISG sets the question, the Business Unit invites practitioners and managers, LISG "
                "facilitates (not a blame process) within 6 weeks of the request [ASSUME] and notes "
                "the learning; where a further review is needed it is requested through triage "
                "('review_requested'); learning enters the loop.",
                starters="business-unit,lisg")
    p.start("roundtable_start", "Roundtable requested", LISG, fields=[title_field()])
    open_record(p, "open_roundtable", LISG, "RT", "roundtable_due = deadline('P6W')\n")
    open_review(p, "open_roundtable_review", LISG, "roundtable")
    p.user("set_question", "Set the question for the roundtable", LISG, "lisg",
           "Set the question roundtable {{ case_ref }} will explore and the agencies to invite.",
           [F("roundtable_question", "Question to explore", "text", minlength=10),
            agencies_field("Agencies to invite")], due="P5WD", priority=50)
    p.script("prepare_roundtable", "Prepare the invitation list", LISG, AGENCY_LIST_SCRIPT)
    p.user("invite_practitioners", "Invite practitioners and managers", BU, "business-unit",
           "Arrange roundtable {{ case_ref }} by {{ roundtable_due }} and invite practitioners and "
           "managers from each agency.",
           [F("roundtable_date", "Date of the roundtable", "date"),
            F("invitees", "Who is invited", "text")], due="P10WD", priority=50)
    p.user("facilitate_roundtable", "Facilitate the discussion and note the learning", LISG, "lisg",
           "Facilitate roundtable {{ case_ref }} on '{{ roundtable_question }}'. It is not a blame "
           "process. Note the learning and whether recommendations or a further review are needed.",
           [F("learning_note", "Note of the learning", "text", minlength=20),
            F("roundtable_recommendations", "Recommendations for further action", "text", required=False),
            YESNO("further_review_needed", "Is a further review needed?"), learning_field()],
           due="${roundtable_due}", priority=50)
    p.xor("further_gw", "Further review?", LISG)
    p.throw("request_further_review", "Request a review", LISG, "review_requested",
            "{'case_ref': case_ref, 'source_pathway': 'P8', 'statement': learning_note, "
            "'reason': 'Roundtable recommends a further review'}")
    p.xor("further_done", None, LISG)
    close_review(p, "close_roundtable_review", LISG, "roundtable",
                 outcome="'further review requested' if further_review_needed else None")
    capture_learning(p, "roundtable_learning", LISG, "P8")
    p.end("roundtable_done", "Roundtable complete", LISG)
    p.chain("roundtable_start", "open_roundtable", "open_roundtable_review", "set_question",
            "prepare_roundtable", "invite_practitioners", "facilitate_roundtable", "further_gw")
    p.flow("further_gw", "request_further_review", cond="further_review_needed == True", name="Yes")
    p.flow("further_gw", "further_done", default=True, name="No")
    p.chain("request_further_review", "further_done", "close_roundtable_review",
            "roundtable_learning_source")
    p.flow("roundtable_learning", "roundtable_done")
    return p


def single_agency_audit() -> Process:
    p = Process("p09_single_agency_audit", "P9 Single-agency audit",
                "P9: a partner agency audits its own practice (case sample) and submits a summary "
                "(scope, sample, findings, actions) to the Business Unit. LISG reviews it: anything "
                "with multi-agency implications goes into the audit programme, a case review "
                "(through triage) or a roundtable; the agency's action plan and learning enter the "
                "loop.",
                starters=AGENCY_STARTERS)
    p.start("saa_start", "Agency audit done", PA, fields=[title_field()])
    open_record(p, "open_saa", PA, "SAA")
    p.user("register_audit", "Register the single-agency audit", PA, "partner-agencies",
           "Register your agency's audit so the LSCB can receive its summary.",
           [GROUP("auditing_agency", "Your agency", "agency"),
            F("audit_title", "Audit title", "string")], due="P5WD", priority=40)
    p.user("submit_summary", "Submit the audit summary", PA, "${auditing_agency}",
           "Submit the summary of '{{ audit_title }}': scope, sample, findings and actions.",
           [F("audit_scope", "Scope", "text"), F("sample_size", "Sample size", "long", min=1),
            F("audit_findings", "Findings", "text", minlength=20),
            F("audit_actions", "Agency actions", "text")], due="P10WD", priority=40)
    open_review(p, "open_saa_review", PA, "single_agency_audit", "audit",
                title="str(audit_title)[:300]",
                agency="auditing_agency")
    p.user("log_summary", "Log the summary for LISG", BU, "business-unit",
           "Log the summary of '{{ audit_title }}' from {{ auditing_agency }} and put it on the next "
           "LISG agenda.",
           [F("lisg_meeting_on", "LISG meeting date", "date")], due="P5WD", priority=40)
    p.user("review_saa", "Review the single-agency audit", LISG, "lisg",
           "Review '{{ audit_title }}' from {{ auditing_agency }}: {{ audit_findings }}. Decide "
           "whether it has multi-agency implications.",
           [F("multi_agency_implications", "Multi-agency implications", "enum",
              values=[("none", "None: the agency's own action plan is enough"),
                      ("audit_programme", "Add a multi-agency audit to the programme"),
                      ("case_review", "Request a case review (through triage)"),
                      ("roundtable", "Hold a roundtable (P8)")]),
            learning_field()], due="P1M", priority=40)
    p.xor("implications_gw", "Implications?", LISG)
    p.user("add_to_programme", "Add the theme to the audit programme", BU, "business-unit",
           "Add a multi-agency audit on the theme of '{{ audit_title }}' to the annual audit "
           "programme.",
           [F("programme_quarter", "Planned quarter", "enum",
              values=[("q1", "Q1"), ("q2", "Q2"), ("q3", "Q3"), ("q4", "Q4")])], due="P10WD", priority=30)
    p.throw("request_case_review", "Request a case review", LISG, "review_requested",
            "{'case_ref': case_ref, 'source_pathway': 'P9', 'statement': audit_findings, "
            "'reason': 'Single-agency audit with multi-agency implications'}")
    p.call("saa_roundtable", "Roundtable discussion (P8)", LISG, "p08_roundtable_discussion")
    p.xor("implications_done", None, LISG)
    close_review(p, "close_saa_review", LISG, "single_agency_audit",
                 outcome="multi_agency_implications")
    capture_learning(p, "saa_learning", LISG, "P9")
    p.end("saa_done", "Audit reviewed", LISG)
    p.chain("saa_start", "open_saa", "register_audit", "open_saa_review", "submit_summary",
            "log_summary", "review_saa",
            "implications_gw")
    p.flow("implications_gw", "add_to_programme", cond="multi_agency_implications == 'audit_programme'",
           name="Audit programme")
    p.flow("implications_gw", "request_case_review", cond="multi_agency_implications == 'case_review'",
           name="Case review")
    p.flow("implications_gw", "saa_roundtable", cond="multi_agency_implications == 'roundtable'",
           name="Roundtable")
    p.flow("implications_gw", "implications_done", default=True, name="None")
    for t in ("add_to_programme", "request_case_review", "saa_roundtable"):
        p.flow(t, "implications_done")
    p.chain("implications_done", "close_saa_review", "saa_learning_source")
    p.flow("saa_learning", "saa_done")
    return p


def section11_audit() -> Process:
    p = Process("p10_section11_audit", "P10 Section 11 audit",
                "P10: self-assessment of each organisation's safeguarding arrangements under section "
                "11 of the Children Act 2004, on the biennial cycle (c07). The Pan-Berks S11 "
                "Sub-Group agrees the standards and the shared tool and launches it to pan-Berkshire "
                "agencies, the BF S11 Panel to Bracknell Forest agencies [ASSUME split]. Agencies "
                "self-assess within 3 months (reminder, then the escalation ladder: Business Unit, "
                "LISG chair, Chair's letter and Challenge Log); the panel moderates and holds the "
                "challenge event, sends feedback letters and an overview report to LISG and the "
                "Board; action plans enter the loop and are updated mid-cycle.",
                starters="business-unit,lisg")
    p.start("s11_start", "Section 11 cycle launched", PBS11, fields=[title_field()])
    open_record(p, "open_s11", PBS11, "S11")
    open_review(p, "open_s11_review", PBS11, "s11", "audit")
    p.user("agree_standards", "Agree the standards and the pan-Berkshire tool", PBS11, "s11-panel",
           "Agree the section 11 standards and the shared pan-Berkshire tool for cycle {{ case_ref }}, "
           "and list the agencies in scope.",
           [F("standards_version", "Standards and tool version", "string"),
            F("pan_berks_agencies", "Pan-Berkshire agencies (comma-separated group slugs)", "string"),
            F("bf_agencies", "Bracknell Forest agencies (comma-separated group slugs)", "string")],
           due="P1M", priority=40)
    p.script("plan_s11", "Plan the return window", PBS11, """
agencies = [a.strip() for a in (str(pan_berks_agencies) + ',' + str(bf_agencies)).split(',') if a.strip()]
s11_return_due = deadline('P3M')
s11_return_reminder = deadline('P10W')
""")
    p.par("launch_fork", None, PBS11)
    p.user("launch_pan_berks", "Launch to pan-Berkshire agencies", PBS11, "s11-panel",
           "Write to the executive lead of each pan-Berkshire agency ({{ pan_berks_agencies }}) with "
           "the tool and the deadline {{ s11_return_due }}.",
           [YESNO("pan_berks_letters_sent", "Letters sent?")], due="P5WD", priority=40)
    p.user("launch_bf", "Launch to Bracknell Forest agencies", BFS11, "bf-s11-panel",
           "Write to the executive lead of each Bracknell Forest agency ({{ bf_agencies }}) with the "
           "tool and the deadline {{ s11_return_due }}.",
           [YESNO("bf_letters_sent", "Letters sent?")], due="P5WD", priority=40)
    p.par("launched", None, PBS11)
    p.user("self_assessment", "Complete the section 11 self-assessment", PA, "${agency}",
           "Complete your agency's section 11 self-assessment against each standard (met, partially "
           "met, not met), upload the evidence and draft your action plan by {{ s11_return_due }}.",
           [F("standard_rating", "Overall rating", "enum",
              values=[("met", "Met (green)"), ("partially", "Partially met (amber)"),
                      ("not_met", "Not met (red)")]),
            YESNO("evidence_uploaded", "Evidence uploaded?"),
            F("draft_action_plan", "Draft action plan", "text", minlength=10)],
           due="${s11_return_due}", follow_up="${s11_return_reminder}", priority=50,
           mi=("agencies", "agency"))
    ladder(p, "self_assessment", kind="date", reminder="s11_return_reminder", overdue="s11_return_due",
           what="the return", steps=[
               (BU, "business-unit", "Chase the overdue section 11 returns with the agency leads",
                "Some section 11 returns are overdue. Contact each agency's executive lead and agree a "
                "date. If returns are still missing at the next LISG meeting, answer No."),
               (LISG, "lisg", "LISG chair: write to agencies with overdue section 11 returns",
                "Put the missing returns on the LISG agenda and write to the agencies. If still "
                "unresolved, answer No."),
               (CHAIR, "lscb-chair", "Chair's letter and Challenge Log entry for missing section 11 returns",
                "Write to the agencies' chief officers and enter the missing returns on the Board "
                "Challenge Log.")])
    p.user("moderate_returns", "Check completeness and moderate the returns", BU, "business-unit",
           "Check every section 11 return for completeness and send moderation queries to the "
           "authors.",
           [YESNO("all_returns_received", "Have all agencies returned?"),
            F("moderation_queries", "Moderation queries sent", "text", required=False)], due="P1M",
           priority=40)
    p.user("challenge_event", "Hold the challenge event and moderation panel", BFS11, "bf-s11-panel",
           "Hold the challenge event: agencies present their self-assessments and are peer "
           "challenged. Record the moderated picture.",
           [YESNO("evidence_sufficient", "Was the evidence sufficient overall?"),
            F("moderated_summary", "Moderated ratings and themes", "text", minlength=20)], due="P2M",
           priority=40)
    p.user("feedback_letters", "Send feedback letters with the agreed actions", BFS11, "bf-s11-panel",
           "Send each agency a feedback letter with the actions agreed at the challenge event.",
           [YESNO("feedback_sent", "Letters sent?")], due="P15WD", priority=40)
    p.user("s11_overview", "Consider the section 11 overview report", LISG, "lisg",
           "Consider the section 11 overview report: {{ moderated_summary }}. Agree what goes to the "
           "Board.",
           [F("s11_overview_summary", "Summary for the Board", "text", minlength=10), learning_field()],
           due="P1M", priority=40)
    p.user("board_s11", "Receive the section 11 report", BOARD, "board",
           "The Board receives the section 11 report: {{ s11_overview_summary }}.",
           [F("board_s11_challenge", "Board's challenge or comments", "text", required=False)],
           due="P2M", priority=30)
    close_review(p, "close_s11_review", LISG, "s11")
    capture_learning(p, "s11_learning", LISG, "P10")
    p.wait("mid_cycle", "Mid-cycle action plan update due", LISG, duration="P6M")
    p.user("action_plan_update", "Update your section 11 action plan", PA, "${agency}",
           "Mid-cycle: update your agency's section 11 action plan with progress and evidence.",
           [F("action_plan_progress", "Progress", "text", minlength=10)], due="P1M", priority=40,
           mi=("agencies", "agency"))
    p.user("review_updates", "Review the action plan updates", BFS11, "bf-s11-panel",
           "Review the agencies' mid-cycle action plan updates and feed exceptions into LISG.",
           [F("update_exceptions", "Exceptions for LISG", "text", required=False)], due="P1M", priority=30)
    p.end("s11_done", "Section 11 cycle complete", BFS11)
    p.chain("s11_start", "open_s11", "open_s11_review", "agree_standards", "plan_s11", "launch_fork")
    p.flow("launch_fork", "launch_pan_berks")
    p.flow("launch_fork", "launch_bf")
    p.flow("launch_pan_berks", "launched")
    p.flow("launch_bf", "launched")
    p.chain("launched", "self_assessment", "moderate_returns", "challenge_event", "feedback_letters",
            "s11_overview", "board_s11", "close_s11_review", "s11_learning_source")
    p.chain("s11_learning", "mid_cycle", "action_plan_update", "review_updates", "s11_done")
    return p


def school_audit() -> Process:
    p = Process("p11_school_s175_audit", "P11 s175/157 school safeguarding audit",
                "P11: each school's self-assessment of its safeguarding arrangements (s175/157 of the "
                "Education Act 2002), on the annual cycle (c08). The Business Unit opens the window "
                "and issues the tool (current KCSIE); the designated safeguarding lead completes it "
                "with the safeguarding governor; non-returns at the window's close escalate to the "
                "head and chair of governors, then a letter from the LSCB Chair (s14B), then the "
                "Challenge Log. The BF S11 Panel analyses the returns, non-returners explain "
                "themselves to the Independent Chair, the Safeguarding in Education report goes to "
                "LISG and the Board, and governing bodies review progress mid-year.",
                starters="business-unit")
    p.start("s175_start", "Audit window opens", BU, fields=[title_field()])
    open_record(p, "open_s175", BU, "S175")
    open_review(p, "open_s175_review", BU, "s175", "audit")
    p.user("open_window", "Open the audit window and issue the tool", BU, "business-unit",
           "Open s175/157 audit {{ case_ref }}: issue the tool (updated for the current KCSIE) to the "
           "schools and set the closing date.",
           [F("schools_in_scope", "Schools (comma-separated group slugs)", "string", minlength=2),
            F("window_closes", "Window closes on", "date"),
            F("kcsie_version", "KCSIE version", "string")], due="P5WD", priority=40)
    p.script("plan_s175", "Plan the window", BU, """
schools = [s.strip() for s in str(schools_in_scope).split(',') if s.strip()]
window_close_at = deadline(window_closes)
window_reminder_at = working_days(-10, start=window_close_at)
""")
    p.user("school_self_audit", "Complete the s175/157 self-audit with the governing body", SCH,
           "${school}",
           "As designated safeguarding lead, complete the s175/157 self-audit with your safeguarding "
           "governor, present it to the governing body, agree the development areas and action plan, "
           "and submit it by {{ window_closes }}.",
           [F("dsl_name", "Designated safeguarding lead", "string"),
            YESNO("governors_reviewed", "Presented to the governing body?"),
            F("development_areas", "Development areas", "text"),
            F("school_action_plan", "Action plan", "text", minlength=10)],
           due="${window_close_at}", follow_up="${window_reminder_at}", priority=50,
           mi=("schools", "school"))
    ladder(p, "school_self_audit", kind="date", reminder="window_reminder_at", overdue="window_close_at",
           what="the return", steps=[
               (BFS11, "bf-s11-panel", "Ask the head and chair of governors for the missing returns",
                "Some schools have not returned their s175/157 audit by the close of the window. Ask "
                "each head and chair of governors for it. If still missing, answer No."),
               (CHAIR, "lscb-chair", "Write to non-returning schools (s14B)",
                "Write to the schools whose return is still missing, requiring it under section 14B "
                "of the Children Act 2004. If still missing, answer No."),
               (BOARD, "board", "Enter the missing school returns on the Challenge Log",
                "Enter the schools' missing s175/157 returns on the Board Challenge Log.")])
    p.user("analyse_returns", "Check and analyse the returns", BFS11, "bf-s11-panel",
           "Check the returns (the aim is 100%), analyse the themes and choose schools for sample "
           "challenge visits.",
           [YESNO("all_schools_returned", "Have all schools returned?"),
            F("school_themes", "Themes", "text", minlength=10),
            F("challenge_visits", "Schools for challenge visits", "string", required=False)],
           due="P1M", priority=40)
    p.xor("returned_gw", "All returned?", BFS11)
    p.user("non_returners_explain", "Hear the non-returners' explanations", CHAIR, "lscb-chair",
           "Schools that did not return must explain to the Independent Chair. Record their "
           "explanations and any follow-up.",
           [F("non_return_explanations", "Explanations and follow-up", "text")], due="P1M", priority=50)
    p.xor("returns_checked", None, BFS11)
    p.user("education_report", "Consider the Safeguarding in Education report", LISG, "lisg",
           "Consider the Safeguarding in Education report: {{ school_themes }}. It then goes to the "
           "Board.",
           [F("education_report_summary", "Summary for the Board", "text", minlength=10),
            learning_field()], due="P1M", priority=40)
    close_review(p, "close_s175_review", LISG, "s175",
                 outcome="'all returned' if all_schools_returned else 'non-returns explained'")
    capture_learning(p, "s175_learning", LISG, "P11")
    p.wait("mid_year", "Mid-year governor review due", LISG, duration="P6M")
    p.user("governor_review", "Review action plan progress with the governing body", SCH, "${school}",
           "Mid-year: review progress on your s175/157 action plan with the governing body.",
           [F("governor_review_notes", "Progress", "text", minlength=10)], due="P1M", priority=30,
           mi=("schools", "school"))
    p.end("s175_done", "Audit cycle complete", SCH)
    p.chain("s175_start", "open_s175", "open_s175_review", "open_window", "plan_s175", "school_self_audit",
            "analyse_returns", "returned_gw")
    p.flow("returned_gw", "returns_checked", cond="all_schools_returned == True", name="Yes")
    p.flow("returned_gw", "non_returners_explain", default=True, name="No")
    p.chain("non_returners_explain", "returns_checked", "education_report", "close_s175_review",
            "s175_learning_source")
    p.chain("s175_learning", "mid_year", "governor_review", "s175_done")
    return p


def research_digest() -> Process:
    p = Process("p12_research_digest", "P12 National and regional research, reviews and inspections",
                "P12: key messages from research, other areas' SCRs and LCSPRs, Panel national "
                "reviews, inspections and NCMD thematic reports. The Business Unit summarises them; "
                "if relevant to Bracknell Forest, LISG decides to disseminate (through the learning "
                "loop) or benchmark locally with a 'could it happen here?' audit (P6) or roundtable "
                "(P8).",
                starters="business-unit")
    p.start("digest_start", "Publication noticed", BU, fields=[title_field()])
    open_record(p, "open_digest", BU, "DIGEST")
    open_review(p, "open_digest_review", BU, "research_digest", "audit")
    p.user("summarise_messages", "Summarise the key messages", BU, "business-unit",
           "Summarise the key messages of the publication for LISG and say whether they are relevant "
           "to Bracknell Forest.",
           [F("source_type", "Source", "enum",
              values=[("national_review", "National review or Panel report"),
                      ("other_scr", "Another area's SCR or LCSPR"), ("inspection", "Inspection report"),
                      ("research", "Research"), ("ncmd", "NCMD thematic report")]),
            F("source_title", "Title", "string"),
            F("key_messages", "Key messages", "text", minlength=20),
            YESNO("relevant_to_bf", "Relevant to Bracknell Forest?")], due="P15WD", priority=30)
    p.xor("relevant_gw", "Relevant?", BU)
    close_review(p, "close_digest_not_relevant", BU, "research_digest", outcome="'not relevant'")
    p.end("not_relevant", "Logged, not relevant", BU)
    p.user("decide_digest_action", "Decide: disseminate or benchmark locally", LISG, "lisg",
           "Key messages from '{{ source_title }}': {{ key_messages }}. Disseminate them, or test "
           "locally whether it could happen here.",
           [F("digest_action", "Action", "enum",
              values=[("disseminate", "Disseminate the learning"),
                      ("audit_locally", "Benchmark with a multi-agency audit (P6)"),
                      ("roundtable_locally", "Benchmark with a roundtable (P8)")]),
            learning_field()], due="P1M", priority=30)
    p.xor("action_gw", "Action?", LISG)
    p.script("prepare_benchmark", "Prepare the benchmark audit", LISG,
             "audit_theme = 'Could it happen here? ' + source_title")
    p.call("benchmark_audit", "Benchmark audit (P6)", LISG, "p06_multi_agency_case_audit")
    p.call("benchmark_roundtable", "Benchmark roundtable (P8)", LISG, "p08_roundtable_discussion")
    p.xor("action_done", None, LISG)
    close_review(p, "close_digest_review", LISG, "research_digest", outcome="digest_action")
    capture_learning(p, "digest_learning", LISG, "P12")
    p.end("digest_done", "Digest complete", LISG)
    p.chain("digest_start", "open_digest", "open_digest_review", "summarise_messages", "relevant_gw")
    p.flow("relevant_gw", "decide_digest_action", cond="relevant_to_bf == True", name="Yes")
    p.flow("relevant_gw", "close_digest_not_relevant", default=True, name="No")
    p.chain("close_digest_not_relevant", "not_relevant")
    p.chain("decide_digest_action", "action_gw")
    p.flow("action_gw", "prepare_benchmark", cond="digest_action == 'audit_locally'", name="Audit")
    p.flow("action_gw", "benchmark_roundtable", cond="digest_action == 'roundtable_locally'",
           name="Roundtable")
    p.flow("action_gw", "action_done", default=True, name="Disseminate")
    p.chain("prepare_benchmark", "benchmark_audit", "action_done")
    p.chain("benchmark_roundtable", "action_done", "close_digest_review", "digest_learning_source")
    p.flow("digest_learning", "digest_done")
    return p


def processes():
    return [multi_agency_case_audit(), survey(), roundtable(), single_agency_audit(),
            section11_audit(), school_audit(), research_digest()]
