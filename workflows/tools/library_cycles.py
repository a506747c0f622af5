"""The board cycles (pathways.md section 5): calendar processes that run in rounds.

Each is started once (for example when the library is first deployed) and then runs for ever:
``anchored_rounds`` works out the next round from the year the cycle belongs to (the April
business year, or the September school year for schools), waits for it and, when it comes,
starts the round and waits for the one after. Rounds are on the year's dates (1 April, 1 July...
at 09:00 board time), whenever the instance was started: a quarterly cycle started in November
has its first round on 1 January.
"""
from __future__ import annotations

import sys
from pathlib import Path

from bpmn_builder import DATE, GROUP, F, YESNO, Process
from library_common import (AGENCY_LIST_SCRIPT, BOARD, BU, CHAIR, COMMS, LISG, PA, SCHOOL_YEAR,
                            SCRUTINEER, SP, TPD, agencies_field, agency_ladder, anchored_rounds,
                            in_round)

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))     # this checkout's models
from models.performance import INDICATORS  # noqa: E402  (the agreed indicators, one list)

def learning_item_field(id: str, label: str):
    """The learning item an event takes forward: its number in the learning register."""
    return F(id, label, "long", min=1)


def staged_evaluation(p: Process, prefix: str, lane: str, group: str, *, item: str, kind: str,
                      title: str, held_on: str, reach: str, feedback: str, wait: str,
                      wait_words: str, what: str) -> tuple[str, str]:
    """Record a course or workshop that was held in the registers, then check its impact later.

    The event goes to the dissemination register (``kind``, the people reached) and its
    immediate feedback to the evaluation register at once; after ``wait`` the group checks with
    managers whether practice changed, and that impact check is evaluated too. Both evaluations
    are interim (``final=False``): the learning loop's own evaluation closes the item.
    ``item``, ``title``, ``held_on``, ``reach`` and ``feedback`` are expressions over the case
    data. Returns (first node, last node)."""
    spread = p.service(f"record_{prefix}", f"Record the {what} in the dissemination register",
                       lane, "learning.record_dissemination", f"{prefix}_dissemination",
                       item_id=item, kind=f"'{kind}'", held_on=held_on, reach=reach, title=title)
    heard = p.service(f"record_{prefix}_feedback", "Record the immediate feedback", lane,
                      "learning.record_evaluation", f"{prefix}_feedback_evaluation",
                      item_id=item, method="'immediate_feedback'", findings=feedback,
                      embedded="False", evaluated_on=held_on, final="False")
    waited = p.wait("impact_wait", f"{wait_words} after the {what}", lane, duration=wait)
    check = p.user("impact_check", "Check the impact on practice", lane, group,
                   f"{wait_words} after the {what} '{{{{ {title} }}}}', check with managers how "
                   "practice has changed. What you find goes to the evaluation register.",
                   [F("practice_impact", "Impact on practice", "text", minlength=10),
                    YESNO("practice_changed", "Has practice changed as the learning intended?")],
                   due="P15WD", priority=30)
    impact = p.service(f"record_{prefix}_impact", "Record the impact check", lane,
                       "learning.record_evaluation", f"{prefix}_impact_evaluation",
                       item_id=item, method="'training_impact'", findings="practice_impact",
                       embedded="practice_changed", final="False")
    p.chain(spread, heard, waited, check, impact)
    return spread, impact


def board_meetings() -> Process:
    p = Process("c01_board_meetings", "C1 Board meetings and the Challenge Log",
                "C1: the Board meets every quarter of the business year [the brief's cadence; BF "
                "LSCB met every two months, Jan/Mar/May...: next_round(2, 5)]. The Business Unit "
                "builds the agenda; the Challenge Log's figures and overdue entries are computed "
                "for the meeting; the Board hears the LISG chair's update and agency updates, "
                "reviews the Action and Challenge Logs and decides; the LSCB Chair enters each "
                "challenge the Board raised on the Challenge Log (the challenge, who raised it, "
                "the agency challenged, the group that answers and by when); each is answered "
                "and closed through c01_challenge.")
    round_ = anchored_rounds(p, "every_board_quarter", "Every quarter of the business year",
                             BU, months=3)
    p.script("no_challenges_yet", "Start the meeting's list of challenges", BU,
             "raised_challenges = []")
    p.user("prepare_meeting", "Build the Board meeting's agenda", BU, "business-unit",
           "Book the Board meeting of this quarter and build its agenda: LISG chair's update, "
           "Action Log, Challenge Log, agency updates, decisions.",
           [F("meeting_date", "Meeting date", "date"), F("agenda", "Agenda", "text")],
           due=in_round("P10WD"), priority=40)
    p.service("challenge_figures", "Compute the Challenge Log for the meeting", BU,
              "challenge.log", "challenge_log")
    p.user("hold_meeting", "Hold the Board meeting", BOARD, "board",
           "Board meeting of {{ meeting_date }}. Challenge Log: {{ challenge_log.open }} open, "
           "{{ challenge_log.answered }} answered and awaiting the Chair, "
           "{{ challenge_log.overdue }} overdue ({{ challenge_log.overdue_text }}). Record the "
           "LISG chair's update, the decisions, and whether the Board raised a challenge.",
           [F("lisg_update", "LISG chair's update", "text"), F("decisions", "Decisions", "text"),
            YESNO("challenges_raised", "Did the Board raise a challenge?")],
           due="${deadline('P5WD', meeting_date)}", priority=40)
    p.xor("raised_gw", "Challenges?", BOARD)
    p.user("record_challenge", "Enter a challenge on the Challenge Log", CHAIR, "lscb-chair",
           "Enter one challenge the Board raised on {{ meeting_date }} on the Challenge Log.",
           [F("challenge_text", "The challenge", "text", minlength=10),
            F("raised_by", "Raised by (as minuted)", "string", minlength=3),
            GROUP("challenged_agency", "Agency challenged", "agency"),
            GROUP("challenge_owner", "Who must answer it"),
            DATE("challenge_due", "Answer due by", not_before="meeting_date"),
            YESNO("another_challenge", "Is there another challenge to enter?")],
           due="P10WD", priority=50)
    p.service("log_challenge_entry", "Record the challenge on the Challenge Log", CHAIR,
              "challenge.raise", "raised_challenge", challenge="challenge_text",
              raised_by="raised_by", agency="challenged_agency", owner="challenge_owner",
              due_date="challenge_due", raised_on="meeting_date")
    p.script("list_challenge", "Add it to the meeting's challenges", CHAIR,
             "raised_challenges = raised_challenges + [raised_challenge]")
    p.xor("another_gw", "Another?", CHAIR)
    p.call("follow_challenges", "Each challenge answered and closed", CHAIR, "c01_challenge",
           mi=("raised_challenges", "challenge"))
    p.xor("challenges_done", None, BOARD)
    p.end("meeting_done", "Meeting held", BOARD)
    p.chain(round_, "no_challenges_yet", "prepare_meeting", "challenge_figures", "hold_meeting",
            "raised_gw")
    p.flow("raised_gw", "record_challenge", cond="challenges_raised == True", name="Yes")
    p.flow("raised_gw", "challenges_done", default=True, name="No")
    p.chain("record_challenge", "log_challenge_entry", "list_challenge", "another_gw")
    p.flow("another_gw", "record_challenge", cond="another_challenge == True", name="Yes")
    p.flow("another_gw", "follow_challenges", default=True, name="No")
    p.chain("follow_challenges", "challenges_done", "meeting_done")
    return p


def challenge_follow_up() -> Process:
    p = Process("c01_challenge", "C1 A challenge answered and closed",
                "One Challenge Log entry (called by c01_board_meetings, one per challenge, and "
                "by c02_lisg_six_monthly_report, with the entry in "
                "``challenge``): the group that must answer does so by the due date (late "
                "answers are overdue tasks and overdue entries on the log); the LSCB Chair "
                "closes the entry or asks for more by a new date.")
    p.start("challenge_entered", "Challenge entered", CHAIR)
    p.script("read_challenge", "Read the entry", CHAIR,
             "challenge_id = challenge['id']\nchallenge_owner = challenge['owner']\n"
             "challenge_due = challenge['due_date']\nentry_text = challenge['challenge']\n"
             "entry_raised_on = challenge['raised_on']\n"
             "# a Board meeting's figures and list are the meeting's, not the entry's: a later "
             "meeting's must not be\n# overlaid by these while this entry waits for its answer\n"
             "try:\n    del challenge_log, raised_challenges\nexcept NameError:\n    pass")
    p.user("answer_challenge", "Answer the Board's challenge", PA, "${challenge_owner}",
           "The Board challenged your agency on {{ entry_raised_on }}: {{ entry_text }} "
           "Answer it for the Challenge Log by {{ challenge_due }}.",
           [F("challenge_response", "Your answer", "text", minlength=10)],
           due="${challenge_due}", priority=50)
    p.service("record_answer", "Record the answer on the Challenge Log", PA, "challenge.answer",
              "answered_challenge", challenge_id="challenge_id", response="challenge_response")
    p.script("clear_decision", "Clear the last decision's optional answers", CHAIR,
             "chair_note = ''\nfurther_due = ''")
    p.user("review_answer", "Close the challenge or ask for more", CHAIR, "lscb-chair",
           "Answer to the challenge '{{ entry_text }}': {{ challenge_response }}. Close the "
           "entry, or ask for more by a new date.",
           [YESNO("answer_accepted", "Does the answer close the challenge?"),
            F("chair_note", "Note for the Challenge Log", "text", required=False),
            DATE("further_due", "If not: new date for the answer (10 working days if you leave "
                 "it empty)", required=False, not_before="today")],
           due="P10WD", priority=50)
    p.service("decide_answer", "Close or reopen the entry", CHAIR, "challenge.decide",
              "decided_challenge", challenge_id="challenge_id", accepted="answer_accepted",
              note="chair_note or ('' if answer_accepted else 'The Chair asked for more')",
              due_date="further_due or deadline('P10WD')")
    p.xor("accepted_gw", "Closed?", CHAIR)
    p.script("new_due", "Take the new due date", CHAIR,
             "challenge_due = str(decided_challenge['due_date'])")
    p.end("challenge_closed", "Challenge closed", CHAIR)
    p.chain("challenge_entered", "read_challenge", "answer_challenge", "record_answer",
            "clear_decision", "review_answer", "decide_answer", "accepted_gw")
    p.flow("accepted_gw", "challenge_closed", cond="answer_accepted == True", name="Yes")
    p.flow("accepted_gw", "new_due", default=True, name="No")
    p.flow("new_due", "answer_challenge")
    return p


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
    round_ = anchored_rounds(p, "every_six_months", "Every six months (April and October)", BU,
                             months=6)
    p.service("lisg_figures", "Compute the report's figures for the last six months", BU,
              "report.lisg_summary", "lisg_report", months="6")
    p.service("lisg_performance", "Compute the performance data for the last six months", BU,
              "performance.summary", "performance_data", months="6")
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
           "{{ assurance.workshop_shortfall }}. Performance data from the agencies' quarterly returns "
           "(C12) for the quarters from {{ performance_data.period_start }}: "
           "{{ performance_data.text }} Add the narrative below; comment on the figures "
           "beside them.",
           [F("audit_programme_summary", "Case audit programme and findings", "text"),
            F("single_agency_audits", "Single-agency audits received", "text"),
            F("performance_overview", "Commentary on the performance data (the figures are "
              "computed from the agencies' returns)", "text"),
            F("s11_s175_commentary", "Commentary on the section 11 and s175/157 figures", "text"),
            F("workshop_commentary", "Commentary on the workshops held and any shortfall", "text",
              required=False),
            F("review_progress", "Progress of reviews", "text"),
            F("action_plan_commentary", "Commentary on the action plans", "text", required=False),
            F("forward_plan", "Forward plan for the next six months", "text")],
           due=in_round("P15WD"), priority=50)
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
           "Enter the Board's challenge on the LISG report on the Challenge Log: "
           "{{ challenge_summary }}. Say which agency it challenges and who answers it by when.",
           [GROUP("challenged_agency", "Agency challenged", "agency"),
            GROUP("challenge_owner", "Who must answer it"),
            DATE("challenge_due", "Answer due by", not_before="today")], due="P10WD", priority=40)
    p.service("lisg_challenge_entry", "Record the challenge on the Challenge Log", CHAIR,
              "challenge.raise", "challenge", challenge="challenge_summary",
              raised_by="'LSCB Board'", agency="challenged_agency", owner="challenge_owner",
              due_date="challenge_due", source="'lisg_report'")
    p.call("follow_lisg_challenge", "The challenge answered and closed", CHAIR, "c01_challenge")
    p.xor("challenge_done", None, BOARD)
    p.end("report_done", "Report received", BOARD)
    p.chain(round_, "lisg_figures", "lisg_performance", "assurance_figures", "compile_report",
            "present_report",
            "board_notes_report", "challenge_gw")
    p.flow("challenge_gw", "log_challenge", cond="board_challenge == True", name="Yes")
    p.flow("challenge_gw", "challenge_done", default=True, name="No")
    p.chain("log_challenge", "lisg_challenge_entry", "follow_lisg_challenge", "challenge_done",
            "report_done")
    return p


def learning_workshops() -> Process:
    p = Process("c03_learning_workshops", "C3 Learning and improvement workshops",
                "C3: learning and improvement workshops 3-4 times a year (every three months). T&PD "
                "picks the theme from open learning items, Comms publishes the event on "
                "bflscb.org.uk/training, T&PD runs it (the workshop goes to the dissemination "
                "register and its immediate feedback to the evaluation register) and, 8 weeks "
                "later, checks the impact on practice with managers (evaluated too). A workshop "
                "that does not happen is reported as a "
                "shortfall in the six-monthly LISG report.")
    round_ = anchored_rounds(p, "every_quarter", "Every quarter of the business year", TPD,
                             months=3)
    p.user("plan_workshop", "Choose the workshop theme and date", TPD, "tpd",
           "Choose the theme of the next learning and improvement workshop from the open learning "
           "items, and book it.",
           [F("workshop_theme", "Theme", "string"), F("workshop_date", "Date", "date"),
            learning_item_field("workshop_learning_item",
                                "Learning item the workshop takes forward (its number)")],
           due=in_round("P10WD"), priority=40)
    p.user("publish_workshop", "Publish the workshop on the training calendar", COMMS, "comms",
           "Publish the workshop '{{ workshop_theme }}' on {{ workshop_date }} on "
           "www.bflscb.org.uk/training.",
           [F("workshop_page", "Calendar link", "string")], due="P5WD", priority=30)
    p.user("run_workshop", "Run the workshop", TPD, "tpd",
           "Run the workshop '{{ workshop_theme }}' and record attendance and the immediate "
           "evaluation.",
           [YESNO("workshop_held", "Was the workshop held?"),
            F("attendance", "Attendance", "long", min=0),
            F("immediate_evaluation", "Immediate evaluation (feedback at the end of the workshop)",
              "text", required=False)],
           due="${deadline(workshop_date)}", priority=40)
    p.xor("held_gw", "Held?", TPD)
    p.user("report_shortfall", "Report the missed workshop to LISG", TPD, "tpd",
           "The workshop was not held. Record why, for the six-monthly LISG report.",
           [F("shortfall_reason", "Reason", "text")], due="P5WD", priority=40)
    p.end("shortfall_reported", "Shortfall reported", TPD)
    first, last = staged_evaluation(
        p, "workshop", TPD, "tpd", item="workshop_learning_item", kind="workshop",
        title="workshop_theme", held_on="workshop_date", reach="attendance",
        feedback="immediate_evaluation or 'No feedback recorded'", wait="P8W",
        wait_words="Eight weeks", what="workshop")
    p.end("workshop_done", "Workshop evaluated", TPD)
    p.chain(round_, "plan_workshop", "publish_workshop", "run_workshop", "held_gw")
    p.flow("held_gw", first, cond="workshop_held == True", name="Yes")
    p.flow("held_gw", "report_shortfall", default=True, name="No")
    p.chain("report_shortfall", "shortfall_reported")
    p.chain(last, "workshop_done")
    return p


MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
_AUDIT = rf"\s*[^,:]*[^,:\s][^,:]*(?::\s*(?:{'|'.join(MONTH_NAMES)})\s*)?"
# Each audit starts at 09:00 on the 1st of its month in the round's business year (a themes
# without a month: spread evenly, the i-th of n starting i*12/n months after 1 April).
SCHEDULE_SCRIPT = f"""months = {list(MONTH_NAMES)!r}
entries = [e.strip() for e in str(planned_audits_text).split(',') if e.strip()]
year_began = datetime.fromisoformat(round_start) - timedelta(seconds=1)
planned_audits = []
for i, entry in enumerate(entries):
    theme, colon, month = entry.partition(':')
    number = months.index(month.strip()) + 1 if colon else (3 + i * 12 // len(entries)) % 12 + 1
    planned_audits.append({{'theme': theme.strip(),
                           'starts_at': next_round(12, number, after=year_began)}})"""


def planned_audits_field():
    fd = F("planned_audits_text", "Audit themes, each with its month if it matters "
           "(comma-separated, e.g. 'Neglect: June, Domestic abuse')", "string", minlength=3,
           pattern=f"{_AUDIT}(?:,{_AUDIT})*")
    fd.properties = {"error_message_pattern": "Write the themes separated by commas, each with "
                                              "its month in full if it matters, for example "
                                              "'Neglect: June, Domestic abuse'"}
    return fd


def planned_audit() -> Process:
    p = Process("c04_planned_audit", "C4 One audit of the programme, in its month",
                "One audit of the annual audit programme (called by c04_annual_audit_programme "
                "with ``planned_audit``: its theme and the moment it starts): waits for its "
                "month, then runs the multi-agency case audit (P6) on the theme.")
    p.start("audit_planned", "Audit planned", LISG)
    p.script("read_plan", "Read the plan", LISG,
             "audit_theme = planned_audit['theme']\naudit_starts_at = planned_audit['starts_at']")
    p.wait("wait_for_month", "The audit's planned month", LISG, date="audit_starts_at")
    p.call("run_audit", "Multi-agency case audit (P6)", LISG, "p06_multi_agency_case_audit")
    p.end("planned_audit_done", "Audit complete", LISG)
    p.chain("audit_planned", "read_plan", "wait_for_month", "run_audit", "planned_audit_done")
    return p


def annual_audit_programme() -> Process:
    p = Process("c04_annual_audit_programme", "C4 Annual audit programme",
                "C4: each business year LISG drafts the multi-agency audit programme from "
                "business-plan priorities, performance data and review themes, the Board approves "
                "it, and one multi-agency case audit (P6) runs per planned theme, each starting "
                "in its planned month (c04_planned_audit) rather than all at once; progress goes into "
                "the six-monthly report and the year-end summary into the annual report.")
    round_ = anchored_rounds(p, "every_year", "Start of the business year (1 April)", LISG,
                             months=12)
    p.user("draft_programme", "Draft the annual audit programme", LISG, "lisg",
           "Draft this year's multi-agency audit programme: the themes, each with the month its "
           "audit should start if it matters ('Neglect: June, Domestic abuse'); themes without "
           "a month are spread through the business year. Board comments on an earlier draft: "
           "{{ programme_comments }}",
           [planned_audits_field(),
            F("programme_rationale", "Why these themes", "text")], due=in_round("P1M"),
           priority=40)
    p.user("approve_programme", "Approve the audit programme", BOARD, "board",
           "Approve the audit programme: {{ planned_audits_text }}.",
           [YESNO("programme_approved", "Approved?"),
            F("programme_comments", "Comments", "text", required=False)], due="P2M", priority=40)
    p.xor("approved_gw", "Approved?", BOARD)
    p.script("plan_audits", "Schedule each audit in its month", LISG, SCHEDULE_SCRIPT)
    p.call("run_audits", "Each audit in its planned month", LISG, "c04_planned_audit",
           mi=("planned_audits", "planned_audit"))
    p.user("year_end_summary", "Write the year-end audit summary", LISG, "lisg",
           "All of this year's audits are complete. Write the year-end summary for the annual "
           "report.",
           [F("year_end_summary_text", "Summary", "text", minlength=10)], due="P1M", priority=30)
    p.end("programme_done", "Programme complete", LISG)
    p.chain(round_, "draft_programme", "approve_programme", "approved_gw")
    p.flow("approved_gw", "plan_audits", cond="programme_approved == True", name="Yes")
    p.flow("approved_gw", "draft_programme", default=True, name="No")
    p.chain("plan_audits", "run_audits", "year_end_summary", "programme_done")
    return p


# "Title: learning item number", one course a line
COURSE_LINE = r"[^:\n]*[^:\s][^:\n]*:\s*[0-9]+\s*"
COURSES_SCRIPT = """courses = []
for line in str(programme_courses).splitlines():
    if line.strip():
        title, number = line.rsplit(':', 1)
        courses.append({'title': title.strip(), 'learning_item_id': int(number)})"""


def courses_field():
    fd = F("programme_courses", "Courses (one a line: title: learning item number)", "text",
           pattern=f"(?:{COURSE_LINE}\n)*{COURSE_LINE}")
    fd.properties = {"error_message_pattern": "Write one course a line: its title, a colon and "
                                              "the learning item's number, for example "
                                              "'Neglect toolkit: 12'"}
    return fd


def training_programme() -> Process:
    p = Process("c05_training_programme", "C5 Multi-agency training programme",
                "C5: each business year T&PD plans the multi-agency training programme, each "
                "course taking forward a learning item; every course runs with staged evaluation "
                "(c05_training_course): the course goes to the dissemination register, its "
                "immediate feedback and, six weeks later, the impact check with managers to the "
                "evaluation register; T&PD reports the year's programme to the Board.")
    round_ = anchored_rounds(p, "every_business_year", "Start of the business year (1 April)",
                             TPD, months=12)
    p.user("plan_programme", "Plan this year's multi-agency training programme", TPD, "tpd",
           "Plan the multi-agency training programme for the business year from the validated "
           "learning items: one course a line, its title then, after a colon, the number of the "
           "learning item it takes forward (for example 'Neglect toolkit: 12').",
           [courses_field()],
           due=in_round("P15WD"), priority=40)
    p.script("list_courses", "List the courses", TPD, COURSES_SCRIPT)
    p.call("run_courses", "Run and evaluate each course", TPD, "c05_training_course",
           mi=("courses", "course"))
    p.user("programme_report", "Report the year's training programme to the Board", TPD, "tpd",
           "Every course of this year's programme has run and been evaluated (dissemination and "
           "evaluation registers). Summarise the programme for the Board and the annual report.",
           [F("programme_summary", "Summary", "text", minlength=10)], due="P1M", priority=30)
    p.end("programme_done", "Programme reported", TPD)
    p.chain(round_, "plan_programme", "list_courses", "run_courses", "programme_report",
            "programme_done")
    return p


def training_course() -> Process:
    p = Process("c05_training_course", "C5 Training course with staged evaluation",
                "One course of the training programme (C5): T&PD runs it and records attendance "
                "and the immediate feedback; six weeks later it checks the impact on practice. "
                "Called by c05_training_programme with the course in ``course``.")
    p.start("course_start", "Course planned", TPD)
    p.script("read_course", "Read the course", TPD,
             "course_title = course['title']\ncourse_learning_item = course['learning_item_id']")
    p.user("run_course", "Run the course and record its feedback", TPD, "tpd",
           "Run the multi-agency course '{{ course_title }}' (learning item "
           "{{ course_learning_item }}), then record its date, attendance and the feedback "
           "from the evaluation forms at the end of the course.",
           [F("course_date", "Date held", "date"), F("attendance", "Attendance", "long", min=0),
            F("immediate_evaluation", "Immediate evaluation (feedback at the end of the course)",
              "text", minlength=3)],
           due="${deadline('P11M', round_start)}", priority=40)
    first, last = staged_evaluation(
        p, "course", TPD, "tpd", item="course_learning_item", kind="training_course",
        title="course_title", held_on="course_date", reach="attendance",
        feedback="immediate_evaluation", wait="P6W", wait_words="Six weeks", what="course")
    p.end("course_done", "Course evaluated", TPD)
    p.chain("course_start", "read_course", "run_course", first)
    p.chain(last, "course_done")
    return p


def indicator_fields():
    """One whole-number field per agreed indicator (``models.performance.INDICATORS``)."""
    return [F(f"pi_{key}", label, "long", min=0) for key, label in INDICATORS.items()]


def performance_data() -> Process:
    p = Process("c12_performance_data", "C12 Performance data",
                "C12: every quarter of the business year the Business Unit asks the partner "
                "agencies for the agreed indicators of the quarter just ended; each agency's "
                "return goes to the performance data register (c12_agency_return); LISG "
                "scrutinises the quarter's figures, computed from the register, before they go "
                "to the Board; the six-monthly LISG report (C2) computes its performance-data "
                "section from the same register [ASSUME quarterly; the seed names the "
                "'LSCB Performance Management Orange Book' without listing its indicators].")
    round_ = anchored_rounds(p, "every_quarter", "Every quarter of the business year", BU,
                             months=3)
    p.script("which_quarter", "Name the quarter just ended", BU,
             "data_quarter = next_round(3, 4, after=datetime.fromisoformat(round_start) "
             "- timedelta(days=100))[:10]")
    p.user("open_collection", "Ask the agencies for the quarter's performance data", BU,
           "business-unit",
           "Ask the partner agencies for the agreed indicators for the quarter starting "
           "{{ data_quarter }}.", [agencies_field("Agencies to ask")],
           due=in_round("P5WD"), priority=40)
    p.script("list_agencies", "List the agencies", BU, AGENCY_LIST_SCRIPT)
    p.call("agency_returns", "Each agency's return", PA, "c12_agency_return",
           mi=("agencies", "agency"))
    p.service("quarter_summary", "Compute the quarter's figures from the register", LISG,
              "performance.summary", "quarter_figures", months="3", start="data_quarter")
    p.user("lisg_scrutiny", "Scrutinise the quarter's performance data", LISG, "lisg",
           "Performance data for the quarter starting {{ data_quarter }}, from the agencies' "
           "returns: {{ quarter_figures.text }} Scrutinise the figures before they go to the "
           "Board and write LISG's commentary.",
           [F("performance_commentary", "LISG commentary", "text", minlength=10)],
           due=in_round("P2M"), priority=40)
    p.end("quarter_done", "Quarter scrutinised", LISG)
    p.chain(round_, "which_quarter", "open_collection", "list_agencies", "agency_returns",
            "quarter_summary", "lisg_scrutiny", "quarter_done")
    return p


def agency_return() -> Process:
    p = Process("c12_agency_return", "C12 An agency's quarterly performance return",
                "One agency's figures for the agreed indicators of a quarter (called by "
                "c12_performance_data with the agency in ``agency``), stored in the performance "
                "data register; a late return follows the escalation ladder.")
    p.start("return_asked", "Return asked for", PA)
    p.user("submit_figures", "Submit the quarter's performance data", PA, "${agency}",
           "Give your agency's figures for the quarter starting {{ data_quarter }}.",
           indicator_fields(), due="P15WD", priority=40)
    agency_ladder(p, "submit_figures", reminder="P10WD", overdue="P15WD",
                  what="the performance return")
    figures = ", ".join(f"'{f.id[3:]}': {f.id}" for f in indicator_fields())
    p.service("store_figures", "Store the figures in the performance data register", PA,
              "performance.submit", "stored_figures", agency="agency",
              quarter_start="data_quarter", figures="{" + figures + "}")
    p.end("return_done", "Return stored", PA)
    p.chain("return_asked", "submit_figures", "store_figures", "return_done")
    return p


def action_plan_tracker() -> Process:
    p = Process("c06_action_plan_tracker", "C6 Action plan follow-up (tracker review)",
                "C6: every LISG cycle (two months [ASSUME]) the engine computes the consolidated "
                "action tracker from the action plans (report.tracker: open and overdue actions, "
                "RAG, plans late for their follow-up), the Business Unit adds its commentary and "
                "LISG reviews it; persistent overdue actions go to the Challenge Log. Each action's own reminder and escalation ladder runs in its "
                "learning_loop instance.")
    round_ = anchored_rounds(p, "every_lisg_cycle", "Every LISG cycle (two months from April)",
                             BU, months=2)
    p.service("tracker_figures", "Compute the action tracker from the action plans", BU,
              "report.tracker", "tracker")
    p.user("update_tracker", "Comment on the consolidated action tracker", BU, "business-unit",
           "The action tracker, computed from the action plans ({{ tracker.url }}): "
           "{{ tracker.actions_open }} actions open, {{ tracker.actions_overdue }} overdue, RAG "
           "{{ tracker.rag.red }} red, {{ tracker.rag.amber }} amber, {{ tracker.rag.green }} green, "
           "{{ tracker.rag.complete }} complete (overall {{ tracker.overall }}); "
           "{{ tracker.plans_follow_up_overdue }} of {{ tracker.plans_follow_up_due }} action plans "
           "due a follow-up are past its date. Add the commentary LISG needs beside the figures.",
           [F("tracker_commentary", "Commentary", "text", minlength=10)], due=in_round("P10WD"), priority=40)
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
    p.chain(round_, "tracker_figures", "update_tracker", "review_tracker", "escalate_gw")
    p.flow("escalate_gw", "challenge_log_actions", cond="escalate_overdue == True", name="Yes")
    p.flow("escalate_gw", "escalate_done", default=True, name="No")
    p.chain("challenge_log_actions", "escalate_done", "tracker_done")
    return p


def section11_cycle() -> Process:
    p = Process("c07_section11_cycle", "C7 Section 11 cycle",
                "C7: the section 11 audit (P10) every two years, opening in April of even years "
                "[PRAC; for an annual audit change next_round(24, 4) to next_round(12, 4)].")
    round_ = anchored_rounds(p, "every_two_years", "Every two years (April of even years)", BU,
                             months=24)
    p.call("run_s11", "Section 11 audit (P10)", BU, "p10_section11_audit")
    p.end("s11_cycle_done", "Cycle complete", BU)
    p.chain(round_, "run_s11", "s11_cycle_done")
    return p


def s175_cycle() -> Process:
    p = Process("c08_s175_cycle", "C8 s175/157 school audit cycle",
                "C8: the s175/157 school safeguarding audit (P11) every school year, opening on 1 "
                "September.")
    round_ = anchored_rounds(p, "every_school_year", "Start of the school year (1 September)",
                             BU, months=12, year_start=SCHOOL_YEAR)
    p.call("run_s175", "s175/157 school audit (P11)", BU, "p11_school_s175_audit")
    p.end("s175_cycle_done", "Cycle complete", BU)
    p.chain(round_, "run_s175", "s175_cycle_done")
    return p


def framework_review() -> Process:
    p = Process("c11_framework_review", "C11 Annual framework review",
                "C11: the framework is 'formally reviewed annually' as defined by LISG. LISG "
                "redrafts it (including for statutory change such as WT2018 or WT2023), partners "
                "are consulted, the Board approves it, Comms publishes it and every partner embeds "
                "it in its organisational and workforce learning and development policies.")
    round_ = anchored_rounds(p, "every_framework_year", "Every business year (1 April)", LISG,
                             months=12)
    p.user("redraft_framework", "Redraft the learning and improvement framework", LISG, "lisg",
           "Review the Quality Assurance, Learning and Improvement Framework and redraft it. Board "
           "comments on an earlier draft: {{ framework_comments }}",
           [F("framework_changes", "Changes proposed", "text", minlength=10),
            F("statutory_change", "Statutory change driving it", "enum",
              values=[("no_change", "None"), ("wt2018", "Working Together 2018"),
                      ("wt2023", "Working Together 2023"), ("other_change", "Other")]),
            agencies_field("Partners to consult")], due=in_round("P2M"), priority=30)
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
    p.chain(round_, "redraft_framework", "prepare_consultation", "consult_partner",
            "approve_framework", "framework_gw")
    p.flow("framework_gw", "publish_framework", cond="framework_approved == True", name="Yes")
    p.flow("framework_gw", "redraft_framework", default=True, name="No")
    p.chain("publish_framework", "embed_framework", "framework_done")
    return p


# The next 1 April at 09:00 (always British Summer Time: the clocks go forward by the last
# Sunday of March), then every year: the first round comes at the start of the next business
# year, whenever the calendar is started.

YEARLY_REPORT_SCRIPT = """
report_regime = yearly_report['regime']
partners = report_regime != 'LSCB_WT2015'
report_name = "the safeguarding partners' yearly report" if partners else 'the LSCB annual report'
approver = 'the safeguarding partners' if partners else 'the LSCB Chair'
if report_regime == 'MASA_WT2018':
    recipients = ("the Child Safeguarding Practice Review Panel and the What Works Centre for "
                  "Children's Social Care")
elif report_regime == 'MASA_WT2023':
    recipients = ("the Child Safeguarding Practice Review Panel, Foundations (the What Works "
                  "Centre) and the Department for Education")
else:
    recipients = ("the Chief Executive and the Leader of the Council, the Police and Crime "
                  "Commissioner and the Chair of the Health and Wellbeing Board")
"""


def yearly_report() -> Process:
    p = Process("c13_yearly_report", "C13 Yearly report (2018/2023) / LSCB annual report (2015)",
                "C13 (C10 under 2015): at the start of each business year (1 April) the engine "
                "computes the report's figures for the year just ended from the registers "
                "(report.yearly_summary: reviews completed and their timeliness, the impact each "
                "review recorded, reports published, action on review recommendations, surveys "
                "that heard children and families, areas of little progress) and the full report "
                "is at /reports/yearly. The regime the board works under when the round runs "
                "decides the report: 2015, the LSCB annual report, approved and published by the "
                "LSCB Chair and submitted to the Chief Executive, the Leader of the Council, the "
                "PCC and the Health and Wellbeing Board; 2018/2023, the safeguarding partners' "
                "yearly report, approved by the partners, published and sent within seven days "
                "to the Panel and the What Works Centre (2023: Foundations and the DfE [VERIFY]).")
    round_ = anchored_rounds(p, "every_business_year", "Every business year, from 1 April", BU,
                             months=12)
    p.service("yearly_figures", "Compute the figures for the business year just ended", BU,
              "report.yearly_summary", "yearly_report")
    p.script("report_wording", "Choose the report and its wording for the regime", BU,
             YEARLY_REPORT_SCRIPT)
    p.user("draft_yearly_report", "Draft the yearly or annual report", BU, "business-unit",
           "Draft {{ report_name }} for the business year {{ yearly_report.year_label }} "
           "({{ yearly_report.period }}). The sections "
           "filled from the registers are at {{ yearly_report.url }}: "
           "{{ yearly_report.reviews_completed }} reviews completed "
           "({{ yearly_report.reviews_on_time }} within six months), "
           "{{ yearly_report.reports_published }} reports published, "
           "{{ yearly_report.recommendation_actions_done }} of "
           "{{ yearly_report.recommendation_actions }} actions on review recommendations done "
           "({{ yearly_report.recommendation_actions_overdue }} overdue), "
           "{{ yearly_report.learning_not_embedded }} learning items found not embedded. "
           "{{ yearly_report.impact_missing }} reviews have no impact on practice recorded yet: "
           "record it on each review before the report is approved. Add the narrative the "
           "registers cannot give.{% if chair_comments or partners_comments %} Comments from "
           "{{ approver }} on an earlier draft: {{ chair_comments }}{{ partners_comments }}"
           "{% endif %}",
           [F("effectiveness_narrative", "How effective the arrangements were", "text",
              minlength=20),
            F("voice_narrative", "What children and families said", "text", minlength=20),
            F("little_progress_narrative", "Areas where there has been little progress", "text",
              minlength=20),
            F("draft_link", "Link to the draft", "string")], due="P2M", priority=40)
    p.xor("approver_gw", "Who approves?", BU)
    p.user("chair_approves_report", "Approve the LSCB annual report", CHAIR, "lscb-chair",
           "As LSCB Chair, approve the annual report for {{ yearly_report.year_label }} "
           "({{ draft_link }}); the figures are at {{ yearly_report.url }}.",
           [YESNO("chair_approves", "Do you approve the annual report?"),
            F("chair_comments", "Comments", "text", required=False)], due="P1M", priority=40)
    p.user("scrutinise_yearly_report", "Give the independent scrutiny of the arrangements",
           SCRUTINEER, "independent-scrutineer",
           "As independent scrutineer, assess how well the safeguarding partners' arrangements "
           "worked in {{ yearly_report.year_label }} (the draft yearly report: {{ draft_link }}; "
           "the figures: {{ yearly_report.url }}), including the rapid reviews and practice "
           "reviews, and recommend what should change. Your assessment goes to the partners "
           "with the draft and into the published report.",
           [F("scrutiny_assessment", "Your assessment of the arrangements' effectiveness", "text",
              minlength=20),
            F("scrutiny_recommendations", "Your recommendations", "text", required=False)],
           due="P1M", priority=40)
    p.user("partners_approve_report", "Approve the safeguarding partners' yearly report", SP,
           "safeguarding-partners",
           "As the safeguarding partners, jointly approve the yearly report for "
           "{{ yearly_report.year_label }} ({{ draft_link }}); the figures are at "
           "{{ yearly_report.url }}. The independent scrutineer's assessment: "
           "{{ scrutiny_assessment }} {{ scrutiny_recommendations }}",
           [YESNO("partners_approve", "Do the safeguarding partners approve the yearly report?"),
            F("partners_comments", "Comments", "text", required=False)], due="P1M", priority=40)
    p.xor("approval_given", None, BU)
    p.xor("approved_gw", "Approved?", BU)
    p.user("publish_yearly_report", "Publish the report", COMMS, "comms",
           "Publish {{ report_name }} for {{ yearly_report.year_label }} on www.bflscb.org.uk.",
           [F("yearly_report_url", "Published page", "string"),
            DATE("yearly_report_published_on", "Date published", not_after="today")],
           due="P10WD", priority=40)
    p.user("circulate_yearly_report", "Send the report to those who must receive it", BU,
           "business-unit",
           "Send {{ report_name }} ({{ yearly_report_url }}) to {{ recipients }}"
           "{{ ' within seven days of publication' if partners else '' }}, and record when.",
           [DATE("yearly_report_sent_on", "Date sent", not_before="yearly_report_published_on",
                 not_after="today")],
           due="${deadline('P7D', yearly_report_published_on) if partners else "
               "deadline('P10WD', yearly_report_published_on)}", priority=50)
    p.end("yearly_report_done", "Report published and circulated", BU)
    p.chain(round_, "yearly_figures", "report_wording", "draft_yearly_report",
            "approver_gw")
    p.flow("approver_gw", "chair_approves_report", cond="report_regime == 'LSCB_WT2015'",
           name="2015: LSCB Chair")
    p.flow("approver_gw", "scrutinise_yearly_report", default=True,
           name="2018/2023: independent scrutiny, then the safeguarding partners")
    p.flow("scrutinise_yearly_report", "partners_approve_report")
    p.flow("chair_approves_report", "approval_given")
    p.flow("partners_approve_report", "approval_given")
    p.chain("approval_given", "approved_gw")
    p.flow("approved_gw", "publish_yearly_report",
           cond="(chair_approves if report_regime == 'LSCB_WT2015' else partners_approve) == True",
           name="Yes")
    p.flow("approved_gw", "draft_yearly_report", default=True, name="No")
    p.chain("publish_yearly_report", "circulate_yearly_report", "yearly_report_done")
    return p


def processes():
    return [board_meetings(), challenge_follow_up(), lisg_six_monthly_report(),
            learning_workshops(), annual_audit_programme(), planned_audit(),
            training_programme(), training_course(), action_plan_tracker(), section11_cycle(),
            s175_cycle(), framework_review(), performance_data(), agency_return(), yearly_report()]
