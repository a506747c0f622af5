"""The CDOP's own yearly cycles (pathways.md section 5 C9, and the reg 6 duty to agree local
procedures for unexpected deaths): timer-started, anchored to the April business year.

Each round starts on 1 April at 09:00 board time (``anchored_rounds``), however late in the year
the calendar was started: start each once, at any time.
"""
from __future__ import annotations

from bpmn_builder import F, YESNO, Process
from library_common import CDOP, CHAIR, SP, anchored_rounds, by_regime, ladder

def cdop_annual_report() -> Process:
    p = Process("c09_cdop_annual_report", "C9 CDOP annual report",
                "C9: at the start of each business year (1 April) the engine computes the figures "
                "of the business year just ended from the CDOP register, per board "
                "(report.cdop_annual: deaths notified and reviewed, categories, modifiable "
                "factors, time from death to review, pattern alerts and themed reports; the full "
                "report at its address); the CDOP compiles the annual report's themes and "
                "recommendations; it goes to the LSCB Chair under 2015 (feeding the LSCB annual "
                "report [STAT15][S27]) or, under 2018/2023, the child death review partners "
                "approve and publish their annual report on local patterns, trends and actions "
                "[STAT18][S41]. Tasks left overdue escalate along the board's ladder.")
    round_ = anchored_rounds(p, "every_business_year", "Start of the business year (1 April)",
                             CDOP, months=12)
    p.service("cdop_figures", "Compute the year's figures from the CDOP register", CDOP,
              "report.cdop_annual", "cdop_report")
    p.user("compile_cdop_report", "Compile the CDOP annual report", CDOP, "cdop",
           "Compile the CDOP annual report for the business year {{ cdop_report.year }}. The "
           "figures from the CDOP register, per board, are in the report at "
           "{{ cdop_report.url }}: {{ cdop_report.notified }} deaths notified, "
           "{{ cdop_report.reviewed }} reviewed ({{ cdop_report.over_six_months }} more than six "
           "months after the death), {{ cdop_report.pattern_alerts }} pattern alerts and "
           "{{ cdop_report.themed_reports }} themed reports to the board. Add the themes and "
           "recommendations.",
           [F("cdop_report_themes", "Themes and trends of the year", "text", minlength=10),
            F("cdop_report_recommendations", "Recommendations", "text", minlength=10)],
           due="P2M", priority=40)
    p.xor("report_to", "Regime?", CDOP)
    p.user("lscb_chair_receives_report", "Receive the CDOP annual report", CHAIR, "lscb-chair",
           "The CDOP annual report for {{ cdop_report.year }} ({{ cdop_report.url }}) is ready: "
           "{{ cdop_report_themes }} Receive it for the LSCB annual report.",
           [F("cdop_report_received_notes", "Notes for the LSCB annual report", "text",
              required=False)], due="P1M", priority=40)
    p.user("partners_publish_report", "Approve and publish the child death review partners' "
           "annual report", SP, "safeguarding-partners",
           "The child death review partners' annual report for {{ cdop_report.year }} "
           "({{ cdop_report.url }}): {{ cdop_report_themes }} Approve it and publish it.",
           [F("cdr_report_published_at", "Where it is published", "string", minlength=5)],
           due="P1M", priority=40)
    p.xor("report_received", None, CDOP)
    p.end("cdop_report_done", "CDOP annual report received", CDOP)
    p.chain(round_, "cdop_figures", "compile_cdop_report", "report_to")
    by_regime(p, "report_to", "lscb_chair_receives_report", "partners_publish_report",
              "report_received")
    p.flow("report_received", "cdop_report_done")
    return p


def unexpected_death_procedure() -> Process:
    p = Process("c14_unexpected_death_procedure", "C14 Local procedure for unexpected child deaths",
                "C14: each business year (from 1 April) the CDOP reviews the local procedure for "
                "responding to unexpected deaths of children (the framework's duty 'agreeing "
                "local procedures for responding to unexpected deaths of children'; Berkshire's "
                "health-led rapid response protocol under 2015, the joint agency response under "
                "2018/2023) and the board agrees it (the LSCB Chair under 2015, the safeguarding "
                "partners under 2018/2023). The review is due in two months; a reminder a month "
                "before, then, overdue, it goes to the LSCB Chair's challenge log.")
    round_ = anchored_rounds(p, "every_procedure_year", "Start of the business year (1 April)",
                             CDOP, months=12)
    p.user("review_procedure", "Review the local procedure for unexpected child deaths", CDOP,
           "cdop",
           "Review the local procedure for responding to unexpected deaths of children "
           "(case {{ case_ref }}, under {{ regime }}): the rapid response or joint agency response "
           "steps and timings, who attends, the home visit, information sharing. Comments from "
           "the board on an earlier draft: {{ procedure_comments }}",
           [F("procedure_changes", "Changes proposed (or none)", "text", minlength=4),
            F("procedure_version", "Version or date of the procedure", "string")],
           due="P2M", priority=40)
    ladder(p, "review_procedure", reminder="P1M", overdue="P2M", what="the procedure review",
           steps=[(CDOP, "cdop", "CDOP chair: chase the overdue procedure review",
                   "The yearly review of the procedure for unexpected child deaths is overdue. "
                   "Agree a date. If it is still outstanding, answer No."),
                  (CHAIR, "lscb-chair", "Enter the overdue procedure review on the Challenge Log",
                   "The yearly review of the procedure for unexpected child deaths is still "
                   "overdue. Enter it on the Board Challenge Log.")])
    p.xor("agree_gw", "Regime?", CDOP)
    p.user("chair_agrees_procedure", "Agree the procedure for unexpected child deaths", CHAIR,
           "lscb-chair",
           "The CDOP proposes the procedure for unexpected child deaths, version "
           "{{ procedure_version }}: {{ procedure_changes }}. Agree it, or return it with comments.",
           [YESNO("chair_agrees", "Agreed?"),
            F("chair_procedure_comments", "Comments", "text", required=False)],
           due="P1M", priority=40)
    p.user("partners_agree_procedure", "Agree the procedure for unexpected child deaths", SP,
           "safeguarding-partners",
           "The CDOP proposes the procedure for unexpected child deaths (joint agency response), "
           "version {{ procedure_version }}: {{ procedure_changes }}. Agree it, or return it with "
           "comments.",
           [YESNO("partners_agree", "Agreed?"),
            F("partners_procedure_comments", "Comments", "text", required=False)],
           due="P1M", priority=40)
    p.script("note_agreement", "Note the board's answer", CDOP, """
procedure_comments = ''
if regime == 'LSCB_WT2015':
    procedure_agreed = chair_agrees
    try:
        procedure_comments = chair_procedure_comments
    except NameError:
        pass
else:
    procedure_agreed = partners_agree
    try:
        procedure_comments = partners_procedure_comments
    except NameError:
        pass
""")
    p.xor("agreed_gw", "Agreed?", CDOP)
    p.end("procedure_agreed_end", "Procedure agreed for the year", CDOP)
    p.chain(round_, "review_procedure", "agree_gw")
    by_regime(p, "agree_gw", "chair_agrees_procedure", "partners_agree_procedure",
              "note_agreement")
    p.flow("note_agreement", "agreed_gw")
    p.flow("agreed_gw", "procedure_agreed_end", cond="procedure_agreed == True", name="Yes")
    p.flow("agreed_gw", "review_procedure", default=True, name="No")
    return p


def processes():
    return [cdop_annual_report(), unexpected_death_procedure()]
