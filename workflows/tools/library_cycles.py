"""The board cycles (pathways.md section 5): timer-started calendar processes.

Each is started once (for example when the library is first deployed) and then runs for ever: its
timer start event carries an ISO 8601 repeating cycle (``R/P6M``) and every firing starts a new
round inside the same instance. The first round comes one period after the instance starts, so
start each calendar on the day its cycle should be anchored to.
"""
from __future__ import annotations

from bpmn_builder import F, YESNO, Process
from library_common import (AGENCY_LIST_SCRIPT, BOARD, BU, CHAIR, COMMS, LISG, PA, TPD,
                            agencies_field)


def lisg_six_monthly_report() -> Process:
    p = Process("c02_lisg_six_monthly_report", "C2 LISG six-monthly report to the Board",
                "C2: every six months the engine computes the LISG report's figures for the last "
                "six months from the registers (reviews and audits started and completed, learning "
                "identified, dissemination reach, action RAG: report.lisg_summary, kept in "
                "lisg_report with the address of the full report; action plans, section 11 and "
                "s175 status and workshop shortfalls: report.lisg_assurance, kept in assurance); the Business Unit compiles the "
                "LISG report from them (case audit programme and findings, single-agency audits "
                "received, performance data, S11 and s175 status, review progress, action plan "
                "RAG, forward plan); the LISG chair reviews and presents it; the Board notes and "
                "challenges it, and challenges go on the Challenge Log.")
    p.start("every_six_months", "Every six months", BU, cycle="R/P6M")
    p.service("lisg_figures", "Compute the report's figures for the last six months", BU,
              "report.lisg_summary", "lisg_report", months="6")
    p.service("assurance_figures", "Compute the action plan, S11/s175 and workshop figures", BU,
              "report.lisg_assurance", "assurance", months="6")
    p.user("compile_report", "Compile the six-monthly LISG report", BU, "business-unit",
           "Compile the six-monthly LISG report for the Board, for {{ lisg_report.period_start }} "
           "to {{ lisg_report.period_end }}. The figures from the registers are in the LISG "
           "report at {{ lisg_report.url }}: {{ lisg_report.reviews_started }} reviews started and "
           "{{ lisg_report.reviews_completed }} completed, {{ lisg_report.audits_completed }} "
           "audits completed, {{ lisg_report.learning_identified }} learning items identified, "
           "{{ lisg_report.people_reached }} people reached, {{ lisg_report.actions_overdue }} "
           "actions overdue ({{ lisg_report.actions_red }} red). Computed from the registers too: "
           "action plans overall {{ assurance.action_plan_rag }} ({{ assurance.plans_follow_up_overdue "
           "}} plans late for follow-up); section 11: {{ assurance.s11_agencies_returned }} agencies' "
           "returns, {{ assurance.s11_standards_below_met }} standards below met, "
           "{{ assurance.s11_actions_open }} S11 actions open; s175/157: "
           "{{ assurance.s175_returns }} school returns, {{ assurance.s175_actions_open }} actions "
           "open; workshops: {{ assurance.workshops_held }} held, shortfall "
           "{{ assurance.workshop_shortfall }}. Add the narrative below; comment on the figures "
           "beside them.",
           [F("audit_programme_summary", "Case audit programme and findings", "text"),
            F("single_agency_audits", "Single-agency audits received", "text"),
            F("performance_overview", "Performance data overview", "text"),
            F("s11_s175_commentary", "Commentary on the section 11 and s175/157 figures", "text"),
            F("workshop_commentary", "Commentary on the workshops held and any shortfall", "text",
              required=False),
            F("review_progress", "Progress of reviews", "text"),
            F("action_plan_commentary", "Commentary on the action plans", "text", required=False),
            F("forward_plan", "Forward plan for the next six months", "text")],
           due="P15WD", priority=50)
    p.user("present_report", "Approve and present the report to the Board", LISG, "lisg",
           "As LISG chair, review the six-monthly report (figures for {{ lisg_report.period_start }} "
           "to {{ lisg_report.period_end }} at {{ lisg_report.url }}; action plans overall: "
           "{{ assurance.action_plan_rag }}), approve it and present it at the next Board meeting.",
           [F("board_meeting_on", "Board meeting date", "date")], due="P1M", priority=50)
    p.user("board_notes_report", "Note and challenge the LISG report", BOARD, "board",
           "The Board receives the six-monthly LISG report. Record any challenge.",
           [YESNO("board_challenge", "Does the Board raise a challenge?"),
            F("challenge_summary", "Challenge", "text", required=False)], due="P1M", priority=50)
    p.xor("challenge_gw", "Challenge?", BOARD)
    p.user("log_challenge", "Enter the challenge on the Challenge Log", CHAIR, "lscb-chair",
           "Enter the Board's challenge on the LISG report on the Challenge Log: {{ challenge_summary }}.",
           [F("challenge_log_ref", "Challenge Log reference", "string")], due="P10WD", priority=40)
    p.xor("challenge_done", None, BOARD)
    p.end("report_done", "Report received", BOARD)
    p.chain("every_six_months", "lisg_figures", "assurance_figures", "compile_report", "present_report",
            "board_notes_report", "challenge_gw")
    p.flow("challenge_gw", "log_challenge", cond="board_challenge == True", name="Yes")
    p.flow("challenge_gw", "challenge_done", default=True, name="No")
    p.chain("log_challenge", "challenge_done", "report_done")
    return p


def learning_workshops() -> Process:
    p = Process("c03_learning_workshops", "C3 Learning and improvement workshops",
                "C3: learning and improvement workshops 3-4 times a year (every three months). T&PD "
                "picks the theme from open learning items, Comms publishes the event on "
                "bflscb.org.uk/training, T&PD runs and evaluates it and, 8 weeks later, checks the "
                "impact on practice with managers. A workshop that does not happen is reported as a "
                "shortfall in the six-monthly LISG report.")
    p.start("every_quarter", "Every three months", TPD, cycle="R/P3M")
    p.user("plan_workshop", "Choose the workshop theme and date", TPD, "tpd",
           "Choose the theme of the next learning and improvement workshop from the open learning "
           "items, and book it.",
           [F("workshop_theme", "Theme", "string"), F("workshop_date", "Date", "date")],
           due="P10WD", priority=40)
    p.user("publish_workshop", "Publish the workshop on the training calendar", COMMS, "comms",
           "Publish the workshop '{{ workshop_theme }}' on {{ workshop_date }} on "
           "www.bflscb.org.uk/training.",
           [F("workshop_page", "Calendar link", "string")], due="P5WD", priority=30)
    p.user("run_workshop", "Run the workshop", TPD, "tpd",
           "Run the workshop '{{ workshop_theme }}' and record attendance and the immediate "
           "evaluation.",
           [YESNO("workshop_held", "Was the workshop held?"),
            F("attendance", "Attendance", "long", min=0),
            F("immediate_evaluation", "Immediate evaluation", "text", required=False)],
           due="${deadline(workshop_date)}", priority=40)
    p.xor("held_gw", "Held?", TPD)
    p.user("report_shortfall", "Report the missed workshop to LISG", TPD, "tpd",
           "The workshop was not held. Record why, for the six-monthly LISG report.",
           [F("shortfall_reason", "Reason", "text")], due="P5WD", priority=40)
    p.end("shortfall_reported", "Shortfall reported", TPD)
    p.wait("impact_wait", "Eight weeks after the workshop", TPD, duration="P8W")
    p.user("impact_check", "Check the impact on practice", TPD, "tpd",
           "Eight weeks after '{{ workshop_theme }}', check with managers how practice has changed.",
           [F("practice_impact", "Impact on practice", "text", minlength=10)], due="P15WD", priority=30)
    p.end("workshop_done", "Workshop evaluated", TPD)
    p.chain("every_quarter", "plan_workshop", "publish_workshop", "run_workshop", "held_gw")
    p.flow("held_gw", "impact_wait", cond="workshop_held == True", name="Yes")
    p.flow("held_gw", "report_shortfall", default=True, name="No")
    p.chain("report_shortfall", "shortfall_reported")
    p.chain("impact_wait", "impact_check", "workshop_done")
    return p


def annual_audit_programme() -> Process:
    p = Process("c04_annual_audit_programme", "C4 Annual audit programme",
                "C4: each business year LISG drafts the multi-agency audit programme from "
                "business-plan priorities, performance data and review themes, the Board approves "
                "it, and one multi-agency case audit (P6) runs per planned theme; progress goes into "
                "the six-monthly report and the year-end summary into the annual report.")
    p.start("every_year", "Start of the business year", LISG, cycle="R/P1Y")
    p.user("draft_programme", "Draft the annual audit programme", LISG, "lisg",
           "Draft this year's multi-agency audit programme. Board comments on an earlier draft: "
           "{{ programme_comments }}",
           [F("planned_audits_text", "Audit themes (comma-separated)", "string", minlength=3),
            F("programme_rationale", "Why these themes", "text")], due="P1M", priority=40)
    p.user("approve_programme", "Approve the audit programme", BOARD, "board",
           "Approve the audit programme: {{ planned_audits_text }}.",
           [YESNO("programme_approved", "Approved?"),
            F("programme_comments", "Comments", "text", required=False)], due="P2M", priority=40)
    p.xor("approved_gw", "Approved?", BOARD)
    p.script("plan_audits", "Schedule one audit per theme", LISG,
             "planned_audits = [t.strip() for t in str(planned_audits_text).split(',') if t.strip()]")
    p.call("run_audits", "Multi-agency case audit (P6), one per theme", LISG,
           "p06_multi_agency_case_audit", mi=("planned_audits", "audit_theme"))
    p.user("year_end_summary", "Write the year-end audit summary", LISG, "lisg",
           "All of this year's audits are complete. Write the year-end summary for the annual "
           "report.",
           [F("year_end_summary_text", "Summary", "text", minlength=10)], due="P1M", priority=30)
    p.end("programme_done", "Programme complete", LISG)
    p.chain("every_year", "draft_programme", "approve_programme", "approved_gw")
    p.flow("approved_gw", "plan_audits", cond="programme_approved == True", name="Yes")
    p.flow("approved_gw", "draft_programme", default=True, name="No")
    p.chain("plan_audits", "run_audits", "year_end_summary", "programme_done")
    return p


def action_plan_tracker() -> Process:
    p = Process("c06_action_plan_tracker", "C6 Action plan follow-up (tracker review)",
                "C6: every LISG cycle (two months [ASSUME]) the engine computes the consolidated "
                "action tracker from the action plans (report.tracker: open and overdue actions, "
                "RAG, plans late for their follow-up), the Business Unit adds its commentary and "
                "LISG reviews it; persistent overdue actions go to the Challenge Log. Each action's own reminder and escalation ladder runs in its "
                "learning_loop instance.")
    p.start("every_lisg_cycle", "Every LISG cycle", BU, cycle="R/P2M")
    p.service("tracker_figures", "Compute the action tracker from the action plans", BU,
              "report.tracker", "tracker")
    p.user("update_tracker", "Comment on the consolidated action tracker", BU, "business-unit",
           "The action tracker, computed from the action plans ({{ tracker.url }}): "
           "{{ tracker.actions_open }} actions open, {{ tracker.actions_overdue }} overdue, RAG "
           "{{ tracker.rag.red }} red, {{ tracker.rag.amber }} amber, {{ tracker.rag.green }} green, "
           "{{ tracker.rag.complete }} complete (overall {{ tracker.overall }}); "
           "{{ tracker.plans_follow_up_overdue }} of {{ tracker.plans_follow_up_due }} action plans "
           "due a follow-up are past its date. Add the commentary LISG needs beside the figures.",
           [F("tracker_commentary", "Commentary", "text", minlength=10)], due="P10WD", priority=40)
    p.user("review_tracker", "Review the action tracker", LISG, "lisg",
           "Review the tracker: {{ tracker.actions_open }} open, {{ tracker.actions_overdue }} "
           "overdue, {{ tracker.plans_follow_up_overdue }} plans late for follow-up. Commentary: "
           "{{ tracker_commentary }}. Sign off completed actions and decide whether persistent "
           "overdue actions go to the Challenge Log.",
           [YESNO("escalate_overdue", "Escalate persistent overdue actions to the Challenge Log?"),
            F("tracker_notes", "Notes", "text", required=False)], due="P1M", priority=40)
    p.xor("escalate_gw", "Escalate?", LISG)
    p.user("challenge_log_actions", "Enter persistent overdue actions on the Challenge Log", CHAIR,
           "lscb-chair",
           "LISG escalates persistently overdue actions: {{ tracker_notes }}. Enter them on the "
           "Challenge Log for the next Board meeting.",
           [F("challenge_entries", "Entries made", "text")], due="P10WD", priority=50)
    p.xor("escalate_done", None, LISG)
    p.end("tracker_done", "Tracker reviewed", LISG)
    p.chain("every_lisg_cycle", "tracker_figures", "update_tracker", "review_tracker", "escalate_gw")
    p.flow("escalate_gw", "challenge_log_actions", cond="escalate_overdue == True", name="Yes")
    p.flow("escalate_gw", "escalate_done", default=True, name="No")
    p.chain("challenge_log_actions", "escalate_done", "tracker_done")
    return p


def section11_cycle() -> Process:
    p = Process("c07_section11_cycle", "C7 Section 11 cycle",
                "C7: the section 11 audit (P10) every two years [PRAC; change the cycle to R/P1Y for "
                "an annual audit].")
    p.start("every_two_years", "Every two years", BU, cycle="R/P2Y")
    p.call("run_s11", "Section 11 audit (P10)", BU, "p10_section11_audit")
    p.end("s11_cycle_done", "Cycle complete", BU)
    p.chain("every_two_years", "run_s11", "s11_cycle_done")
    return p


def s175_cycle() -> Process:
    p = Process("c08_s175_cycle", "C8 s175/157 school audit cycle",
                "C8: the s175/157 school safeguarding audit (P11) every year.")
    p.start("every_school_year", "Every year", BU, cycle="R/P1Y")
    p.call("run_s175", "s175/157 school audit (P11)", BU, "p11_school_s175_audit")
    p.end("s175_cycle_done", "Cycle complete", BU)
    p.chain("every_school_year", "run_s175", "s175_cycle_done")
    return p


def framework_review() -> Process:
    p = Process("c11_framework_review", "C11 Annual framework review",
                "C11: the framework is 'formally reviewed annually' as defined by LISG. LISG "
                "redrafts it (including for statutory change such as WT2018 or WT2023), partners "
                "are consulted, the Board approves it, Comms publishes it and every partner embeds "
                "it in its organisational and workforce learning and development policies.")
    p.start("every_framework_year", "Every year", LISG, cycle="R/P1Y")
    p.user("redraft_framework", "Redraft the learning and improvement framework", LISG, "lisg",
           "Review the Quality Assurance, Learning and Improvement Framework and redraft it. Board "
           "comments on an earlier draft: {{ framework_comments }}",
           [F("framework_changes", "Changes proposed", "text", minlength=10),
            F("statutory_change", "Statutory change driving it", "enum",
              values=[("no_change", "None"), ("wt2018", "Working Together 2018"),
                      ("wt2023", "Working Together 2023"), ("other_change", "Other")]),
            agencies_field("Partners to consult")], due="P2M", priority=30)
    p.script("prepare_consultation", "Prepare the consultation list", LISG,
             AGENCY_LIST_SCRIPT)
    p.user("consult_partner", "Comment on the revised framework", PA, "${agency}",
           "LISG proposes these changes to the framework: {{ framework_changes }}. Comment for your "
           "agency.",
           [F("partner_comments", "Comments", "text", required=False),
            YESNO("partner_endorses", "Does your agency endorse the revised framework?")],
           due="P20WD", priority=30, mi=("agencies", "agency"))
    p.user("approve_framework", "Approve the revised framework", BOARD, "board",
           "Approve the revised framework: {{ framework_changes }}.",
           [YESNO("framework_approved", "Approved?"),
            F("framework_comments", "Comments", "text", required=False)], due="P2M", priority=30)
    p.xor("framework_gw", "Approved?", BOARD)
    p.user("publish_framework", "Publish the framework", COMMS, "comms",
           "Publish the approved framework on www.bflscb.org.uk and brief partners.",
           [F("framework_url", "Published page", "string")], due="P10WD", priority=30)
    p.user("embed_framework", "Embed the framework in your organisation", PA, "${agency}",
           "Embed the revised framework in your organisation's and workforce's learning and "
           "development policies, and confirm it.",
           [F("embedding_notes", "What was done", "text", minlength=10)], due="P2M", priority=30,
           mi=("agencies", "agency"))
    p.end("framework_done", "Framework reviewed", PA)
    p.chain("every_framework_year", "redraft_framework", "prepare_consultation", "consult_partner",
            "approve_framework", "framework_gw")
    p.flow("framework_gw", "publish_framework", cond="framework_approved == True", name="Yes")
    p.flow("framework_gw", "redraft_framework", default=True, name="No")
    p.chain("publish_framework", "embed_framework", "framework_done")
    return p


def processes():
    return [lisg_six_monthly_report(), learning_workshops(), annual_audit_programme(),
            action_plan_tracker(), section11_cycle(), s175_cycle(), framework_review()]
