"""Pieces every pathway shares: lanes, common fields, the escalation ladder, entering the loop."""
from __future__ import annotations

from bpmn_builder import GROUP, F, YESNO, Process

PA, SCH, BU, CDOP, LISG, IR = ("Partner agencies", "Schools", "LSCB Business Unit", "CDOP", "LISG",
                               "Independent Reviewer")
PBS11, BFS11, TPD, COMMS, CHAIR, BOARD = ("Pan-Berks S11 Sub-Group", "BF S11 Panel", "T&PD Sub-Group",
                                          "Comms & Comm Eng Sub-Group", "LSCB Chair", "LSCB Board")
# 2018/2023 governance: the three safeguarding partners acting jointly, each partner, and the
# partnership chair (WT2023; under WT2018 whoever the partners' arrangements name).
SP, LA_SP, ICB_SP, POLICE_SP, PCHAIR = ("Safeguarding Partners", "Local Authority Partner",
                                        "ICB Partner", "Police Partner", "Partnership Chair")
# WT2018 ch.3 / WT2023 ch.2: independent scrutiny of the partners' arrangements
SCRUTINEER = "Independent Scrutineer"
# (task id prefix, lane, group): one sign-off per safeguarding partner
PARTNERS = [("la", LA_SP, "local-authority-partner"), ("icb", ICB_SP, "icb-partner"),
            ("police", POLICE_SP, "police-partner")]
# Who signs for a partner: its lead representative (WT2018 ch.3; the "lead safeguarding partner"
# of WT2023: the local authority's chief executive, the ICB's, the chief officer of police) or the
# delegated safeguarding partner acting for them, who keeps the lead's accountability.
DELEGATE_QUESTION = ("Is this signed by the delegated safeguarding partner acting for the lead "
                     "safeguarding partner?")

REGIMES = [("LSCB_WT2015", "LSCB regime, Working Together 2015 (SCR)"),
           ("MASA_WT2018", "Safeguarding partners, Working Together 2018 (rapid review, LCSPR)"),
           ("MASA_WT2023", "Safeguarding partners, Working Together 2023 (rapid review, LCSPR)")]
CONCERNS = [("none_definitive", "None: definitive evidence of no concerns"), ("limited", "Limited"),
            ("some", "Some"), ("significant", "Significant")]
LEARNING_POTENTIAL = [("none", "None"), ("single_agency", "Single-agency learning"),
                      ("multi_agency", "Multi-agency learning")]
# What LISG may recommend: the statutory review is the case's regime's own (an SCR decided by the
# LSCB Chair under 2015, a rapid review under 2018/2023), never the other regime's.
ROUTES = [("statutory", "The statutory review of the case's regime (2015: SCR, the LSCB Chair "
                        "decides; 2018/2023: rapid review)"),
          ("macr", "Multi-agency case review (P3)"), ("imr", "Individual management review (P4)"),
          ("roundtable", "Roundtable discussion (P8)"), ("close", "Close, recording any learning")]

# Who may start a pathway (camunda:candidateStarterGroups): the agency groups the library's tasks
# name, and the business unit; managers may start any pathway.
AGENCY_STARTERS = "partner-agencies,police,health,childrens-social-care,business-unit"


def title_field(required=False):
    """The case's title, asked by a start form (it reaches notifications and email subjects)."""
    return F("case_title", "Short title for the case (no names: use initials or a reference)",
             "string", required, minlength=5, maxlength=120)


# The list the per-agency (multi-instance) tasks iterate over: the agencies ticked in the form (a
# list of group slugs), or a comma-separated string where case data came from elsewhere.
AGENCY_LIST_SCRIPT = ("agencies = list(agencies_involved) if isinstance(agencies_involved, list) "
                      "else [a.strip().lower() for a in str(agencies_involved).split(',') if a.strip()]")


def agencies_field(label="Agencies involved"):
    return GROUP("agencies_involved", label, "agency", many=True)


def learning_field():
    return YESNO("learning_identified", "Has this work identified learning to take into the learning loop?")


def ladder(p: Process, host: str, *, reminder: str, overdue: str, steps, kind="duration",
           what: str = "this work"):
    """Attach the escalation ladder of pathways.md section 4.3 to a user task.

    A non-interrupting timer reminds the owner before the due date; another fires at the due date
    and starts the human chain: each step is a user task whose holder either confirms the work is
    now done (``<host>_resolved``) or passes it up to the next rung (owner's agency lead or the
    Business Unit, then the LISG chair, then the LSCB Chair's Board Challenge Log). Neither timer
    interrupts the work: a statutory process carries on when its deadline is missed.

    ``steps`` is a list of (lane, group, title, instructions).
    """
    lane = p.nodes[host].lane
    rem = p.boundary(f"{host}_reminder", "Reminder", host,
                     **{kind: reminder})
    remind = p.script(f"{host}_remind", "Remind the owner", lane,
                      f"reminder = {{'task': '{host}', 'sent_at': now().isoformat()}}")
    done = p.end(f"{host}_reminded", "Owner reminded", lane)
    p.chain(rem, remind, done)
    over = p.boundary(f"{host}_overdue", "Overdue", host, **{kind: overdue})
    closed = p.end(f"{host}_escalation_closed", "Escalation closed", steps[-1][0])
    prev = over
    for i, (slane, group, title, instructions) in enumerate(steps):
        resolved = f"{host}_resolved_{i + 1}"
        fields = [F(f"{host}_escalation_note_{i + 1}", "What was done, and the reason for the delay", "text")]
        if i < len(steps) - 1:
            fields.append(YESNO(resolved, f"Is {what} now done or firmly agreed? (No passes it up "
                                          "the escalation ladder)"))
        task = p.user(f"{host}_escalate_{i + 1}", title, slane, group, instructions, fields,
                      due="P10WD", priority=80)
        p.flow(prev, task)
        if i < len(steps) - 1:
            gw = p.xor(f"{host}_escalated_{i + 1}", "Resolved?", slane)
            p.flow(task, gw)
            p.flow(gw, closed, cond=f"{resolved} == True", name="Yes")
            prev = gw
        else:
            p.flow(task, closed)
    ladder_nodes = [n for n in p.nodes if n.startswith(f"{host}_escalat")]
    for node_id in [rem, remind, done, over, closed] + ladder_nodes:
        p.nodes[node_id].attrs["aux"] = True
    # the last gateway's default goes to the next step: rewire defaults
    for i in range(len(steps) - 1):
        gw = f"{host}_escalated_{i + 1}"
        nxt = f"{host}_escalate_{i + 2}"
        for f in p.flows:
            if f["src"] == gw and f["tgt"] == nxt:
                f["default"], f["name"] = True, "No"
    return over


def agency_ladder(p: Process, host: str, *, reminder: str, overdue: str, kind="duration",
                  first=None, what="the overdue return"):
    """The standard ladder for partner-agency returns (multi-instance or single agency)."""
    first = first or (BU, "business-unit", "Chase the overdue return with the agency lead",
                      "The return below is overdue. Mark it overdue on the case record and "
                      "contact the agency's safeguarding lead (or its Board member) to agree "
                      "a date. Record what was agreed. If it is still outstanding by the next LISG "
                      "meeting, answer No to pass it to the LISG chair.")
    steps = [first,
             (LISG, "lisg", "LISG chair: write to the agency about the overdue return",
              "The return is overdue for more than one LISG cycle. Put it on the LISG agenda and "
              "write to the agency's senior lead. If it stays unresolved, answer No to pass it "
              "to the LSCB Chair for the Board Challenge Log."),
             (CHAIR, "lscb-chair", "Enter the overdue return on the Board Challenge Log",
              "The return is still outstanding after the LISG chair's letter. Enter it on the "
              "Board Challenge Log, owned by the LSCB Chair, for challenge at the next Board "
              "meeting, and record the entry.")]
    return ladder(p, host, reminder=reminder, overdue=overdue, steps=steps, kind=kind, what=what)


def capture_learning(p: Process, id: str, lane: str, pathway: str, flag: str | None = None):
    """Call the shared learning-capture process, which feeds each learning item to the loop.

    ``flag`` names the form field that says whether there is learning, when a file needs a
    second such field (field ids are unique within a file)."""
    script = f"source_pathway = '{pathway}'"
    if flag:
        script += f"\nlearning_identified = {flag}"
    s = p.script(f"{id}_source", "Note the source pathway", lane, script)
    c = p.call(id, "Record learning and enter the learning loop", lane, "learning_capture")
    p.flow(s, c)
    return s, c


def open_record(p: Process, id: str, lane: str, prefix: str, extra: str = ""):
    """Give the case a reference unless the caller (a parent process or message) supplied one."""
    script = (f"try:\n    case_ref\nexcept NameError:\n"
              f"    case_ref = '{prefix}-' + now().isoformat()\n")
    return p.script(id, "Open the record", lane, script + extra)


def open_review(p: Process, id: str, lane: str, kind: str, category: str = "review", **extra):
    """Record the start of this review or audit in the review register (``review.open``), so the
    LISG and annual reports count it. The register row's id is kept in ``<kind>_review``: each
    pathway has its own variable, so a review called inside another (P8 inside P3, one P4 per
    agency inside an SCR) closes its own row. ``extra``: more ``review.open`` parameters
    (``title``, ``agency``, ``learning_item_id``), as expressions over the case data."""
    return p.service(id, "Record the start in the review register", lane, "review.open",
                     f"{kind}_review", kind=f"'{kind}'", category=f"'{category}'", **extra)


def close_review(p: Process, id: str, lane: str, kind: str, outcome: str | None = None):
    """Record that the review or audit opened by ``open_review`` is complete (``review.close``),
    before its learning enters the loop. ``outcome``: an expression over the case data."""
    params = {"review_id": f"{kind}_review['id']"}
    if outcome:
        params["outcome"] = outcome
    return p.service(id, "Record the completion in the review register", lane, "review.close",
                     f"{kind}_review_closed", **params)


def by_regime(p: Process, gw: str, chair_task: str, partners_task: str, merge: str):
    """From the gateway ``gw``: the LSCB Chair's task under 2015, the safeguarding partners'
    under 2018/2023; both ways meet at ``merge``."""
    p.flow(gw, chair_task, cond="regime == 'LSCB_WT2015'", name="2015")
    p.flow(gw, partners_task, default=True, name="2018/2023")
    p.flow(chair_task, merge)
    p.flow(partners_task, merge)


BUSINESS_YEAR, SCHOOL_YEAR = 4, 9          # the month each year starts in


def in_round(duration: str) -> str:
    """A due date ``duration`` after the start of the round (on the year's dates, however late
    the round's first step became ready)."""
    return f"${{deadline('{duration}', round_start)}}"


def anchored_rounds(p: Process, id: str, name: str, lane: str, *, months: int,
                    year_start: int = BUSINESS_YEAR) -> str:
    """The calendar of a board cycle: a round every ``months`` months from the 1st of the
    month ``year_start`` (``next_round``), each round on its own branch while the calendar
    waits for the next. ``round_start`` in a round's data is the moment its round began.
    Returns the node the round's first step follows."""
    start = p.start(f"{id}_calendar", "Calendar started", lane)
    plan = p.script(f"{id}_next", "Work out the next round", lane,
                    f"round_start = next_round({months}, {year_start})")
    wait = p.wait(id, name, lane, date="round_start")
    fork = p.par(f"{id}_round", "New round", lane)
    # the way back goes through an exclusive gateway: SpiffWorkflow predicts the steps after a
    # parallel gateway as definite and would follow a loop of definite steps for ever
    again = p.xor(f"{id}_again", "Wait for the next round", lane)
    p.chain(start, plan, wait, fork, again)
    p.flow(again, plan, default=True)
    return fork
