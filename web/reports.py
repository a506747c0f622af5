"""Board reports from live data: the six-monthly LISG report, the annual report's learning and
review section, and the CDOP annual report (per board); each as a printable page and as a PDF.

Figures come from ``models/learning_reports.py``; ``sections`` turns them into titled tables
that both the page and the PDF render, so the two never disagree.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user

from engine import clock
from models.challenge import CHALLENGE_SOURCES, challenge_counts, challenge_log
from models.action_plans import RATINGS, S11_STANDARDS
from models.action_reports import lisg_assurance
from models.learning import DISSEMINATION_KINDS, REVIEW_KINDS
from models.cdop_reports import cdop_annual_figures
from models.learning_reports import annual_figures, default_period, lisg_figures, year_period
from models.performance import INDICATORS, performance_figures

from .auth import role_required
from .db import board_tz, get_session
from .report_pdf import render_pdf
from .wording import as_words, long_date, names

bp = Blueprint("reports", __name__, url_prefix="/reports")


@dataclass
class Section:
    """One titled table of a report (rows of plain values), with an optional note."""

    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    chart: bool = False        # the PDF draws its first number column as bars above the table
    widths: tuple | None = None    # the PDF's relative column widths (None: equal, justified)


READERS = ("reviewer", "manager")     # the roles that read reports (with the groups below)


def _check_access(cdop: bool = False) -> None:
    actor = current_user.actor
    if not (actor.reads_cdop_reports if cdop else actor.oversees):
        abort(403, "Reports are for the board's business unit, sub-groups and managers.")


def may_read_reports(user) -> bool:
    """The signed-in person may open the list of reports (so a link to it is shown)."""
    return user.has_role(*READERS) and user.actor.reads_cdop_reports


def _pct(share) -> str:
    return "–" if share is None else f"{round(share * 100)}%"


def review_kind(kind: str) -> str:
    """A review's or audit's kind by its name ("Research digest"), never its register id."""
    return REVIEW_KINDS.get(kind) or as_words(kind)


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def learning_sections(f: dict, annual: bool = False) -> list[Section]:
    """The sections of the LISG report (and, with ``annual``, the annual report's section)."""
    reviews = Section("Reviews and audits", ["Kind", "Category", "Started", "Completed"])
    for category in ("review", "audit"):
        counts = f["reviews"][category]
        for kind in sorted(set(counts["started"]) | set(counts["completed"])):
            reviews.rows.append([review_kind(kind), category.capitalize(),
                                 counts["started"].get(kind, 0), counts["completed"].get(kind, 0)])
    reviews.note = (f"Still open at the end of the period: "
                    f"{_count(f['reviews']['review']['open'], 'review')}, "
                    f"{_count(f['reviews']['audit']['open'], 'audit')}.")
    themes = Section("Learning themes", ["Theme", "Items identified"],
                     [[as_words(k), v] for k, v in f["learning"]["by_theme"].items()],
                     f"{f['learning']['identified']} learning items identified in the period.",
                     chart=True)
    reach = Section("Dissemination reach", ["Channel", "Events", "People reached"],
                    [[DISSEMINATION_KINDS.get(k, k), v["events"], v["reach"]]
                     for k, v in f["dissemination"]["by_kind"].items()],
                    f"In total {f['dissemination']['events']} events reached "
                    f"{f['dissemination']['reach']} people.", chart=True)
    acts = f["actions"]
    last_day = long_date(f["end"] - timedelta(days=1))
    rag = Section(f"Action plan RAG on {last_day}", ["Rating", "Actions"],
                  [[as_words(k), v] for k, v in acts["rag"].items()],
                  f"{acts['total']} actions in all; overdue actions count as red.", chart=True)
    overdue = Section("Overdue actions by agency", ["Agency or sub-group", "Overdue actions"],
                      [[names().group(k), v] for k, v in acts["overdue_by_agency"].items()],
                      chart=True)
    closure = f["closure"]
    loop = Section("Loop closure", ["Measure", "Value"], [
        ["Learning items counted", closure.cohort],
        ["Evaluated as embedded within 12 months", closure.closed],
        ["Share", _pct(closure.share)], ["Still inside their 12 months", closure.pending]])
    forward = f["forward"]
    plan_end = long_date(forward["until"] - timedelta(days=1))
    plan = Section(f"Forward plan to {plan_end}", ["Due", "Owner", "Action"],
                   [[long_date(a.due_date), names().group(a.owner), a.description]
                    for a in forward["actions_due"]],
                   f"{forward['awaiting_evaluation']} learning items await evaluation; "
                   f"{len(forward['open_reviews'])} reviews and audits are in progress.")
    out = [reviews, themes, reach, rag, overdue, loop, plan]
    if annual:
        ev = f["evaluations"]
        out.insert(5, Section("Evaluation of learning", ["Measure", "Value"], [
            ["Final evaluations", ev["final"]], ["Found embedded", ev["embedded"]],
            ["Actions completed in the year", f["actions_completed"]]]))
        detail = f["closure_detail"]
        out.append(Section("Loop closure by theme and agency", ["Group", "Embedded", "Counted",
                                                                 "Share"],
                           [[f"{kind}: {names().group(k) if kind == 'Agency' else as_words(k)}",
                             c.closed, c.cohort, _pct(c.share)]
                            for kind, groups in (("Theme", detail["by_theme"]),
                                                 ("Agency", detail["by_agency"]))
                            for k, c in groups.items()]))
    return out


def _days(value) -> str | int:
    return "–" if value is None else round(value)


def assurance_sections(a: dict) -> list[Section]:
    """The LISG report's computed assurance sections: action plans, section 11 and s175/157
    status, learning workshops (``models/action_reports.lisg_assurance``)."""
    tracker, s11, s175, shops = a["tracker"], a["s11"], a["s175"], a["workshops"]
    return [
        Section("Action plans", ["Measure", "Count"], [
            ["Actions open", tracker["open"]], ["Actions overdue", tracker["actions"]["overdue"]],
            ["Plans due a whole-plan follow-up", tracker["plans_due"]],
            ["Plans past their follow-up date", tracker["plans_overdue"]]],
            f"Action plans overall: {tracker['overall']}."),
        Section("Section 11 status", ["Measure", "Count"], [
            ["Agencies whose latest return is in", s11["agencies"]],
            *[[f"Standards rated {RATINGS[k].lower()}", v] for k, v in s11["ratings"].items()],
            ["Actions for standards below met", s11["actions"]],
            ["Of which done", s11["actions_done"]], ["Of which overdue", s11["actions_overdue"]],
            ["Section 11 audits in progress", s11["audits_open"]]],
            "Each agency's latest return; a standard below met needs an action in the agency's "
            "section 11 action plan."),
        Section("Section 11 standards rated below met", ["Standard", "Agencies"],
                [[S11_STANDARDS[k], v] for k, v in s11["below_met_by_standard"].items() if v],
                chart=True),
        Section("s175/157 school audits", ["Measure", "Count"], [
            ["School returns received in the period", s175["returns"]],
            ["Actions in schools' s175 plans", s175["actions"]],
            ["Of which done", s175["actions_done"]], ["Of which overdue", s175["actions_overdue"]],
            ["s175/157 audits in progress", s175["audits_open"]]]),
        Section("Learning and improvement workshops", ["Measure", "Count"], [
            ["Held", shops["held"]], ["Due but not held", shops["not_held"]],
            ["The least the framework asks for the period", shops["expected"]],
            ["Shortfall", shops["shortfall"]]],
            "The framework holds workshops 3-4 times a year."),
    ]


def cdop_sections(f: dict) -> list[Section]:
    """The CDOP annual report: every figure per board the CDOP serves and for all boards
    (counts only: no child is identified)."""
    boards, total = f["boards"], f["total"]

    def line(name: str, d: dict) -> list:
        return [name, d["notified"], d["reviewed"], _pct(d["preventable_share"]),
                _days(d["median_days"]), d["over_six_months"], d["alerts"], d["themed_reports"]]

    deaths = Section("Child deaths by board", [
        "Board", "Deaths notified", "Deaths reviewed", "Modifiable factors identified",
        "Median days from death to review", "Reviewed more than 6 months after the death",
        "Pattern alerts", "Themed reports to the board"],
        [line(b, f["by_board"][b]) for b in boards],
        "Notified: deaths in the CDOP's scope and, under 2018/2023, unattended stillbirths. "
        "Reviewed: the panel's analysis (Form C) recorded in the year.", chart=True,
        widths=(2, 1, 1, 1, 1, 1, 1, 1))
    everyone = Section("All boards", deaths.columns, [line("All boards", total)],
                       widths=deaths.widths)

    def by_board(title, column, figure, totals, note=""):
        return Section(title, [column, "All boards", *boards],
                       [[label, n, *(figure.get(b, {}).get(label, 0) for b in boards)]
                        for label, n in totals.items()],
                       note, chart=True, widths=(3, *([1] * (len(boards) + 1))))
    return [everyone, deaths,
            by_board("Category of death (reviewed)", "Category", f["categories"],
                     total["categories"]),
            by_board("Modifiable factors (reviewed)", "Judgement", f["modifiable"],
                     total["modifiable"]),
            by_board("Themes of the pattern alerts", "Theme", f["themes"], total["themes"],
                     "Figures only: no child is identified in this report.")]


def _day(name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.args.get(name) or "")
    except ValueError:
        return default


def _moment(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=board_tz())


def _period() -> tuple[datetime, datetime]:
    """The report's period: ``period`` (``start/end``, as the form's choices give it) or
    ``start`` and ``end`` (ISO dates; the end is the day after the last day reported)."""
    if request.args.get("period"):
        try:
            start, end = (_moment(date.fromisoformat(d))
                          for d in request.args["period"].split("/", 1))
        except ValueError:
            abort(400, "Choose a period from the list, or give its first and last days.")
    else:
        start, end = default_period(clock.now().astimezone(board_tz()))
        start, end = _moment(_day("start", start.date())), _moment(_day("end", end.date()))
    if end <= start:
        abort(400, "The end of the period must be after its start.")
    return start, end


def _span(start: datetime, end: datetime) -> str:
    """"1 April 2026 to 30 September 2026": the first and last days of a period."""
    return f"{long_date(start)} to {long_date(end - timedelta(days=1))}"


def business_years(now: datetime, count: int = 4) -> list[int]:
    """The current business year (from 1 April) and the ones before it, newest first."""
    current = now.year - 1 if now.month < 4 else now.year
    return [current - n for n in range(count)]


def half_years(now: datetime, count: int = 6) -> list[tuple[str, str]]:
    """``(start/end, "1 April 2026 to 30 September 2026")`` of the business half-years,
    newest first (the current one included)."""
    out = []
    for year in business_years(now, count // 2 + 1):
        for start, end in ((date(year, 10, 1), date(year + 1, 4, 1)),
                           (date(year, 4, 1), date(year, 10, 1))):
            if start <= now.date():
                out.append((f"{start}/{end}", _span(_moment(start), _moment(end))))
    return out[:count]


def _year() -> int:
    now = clock.now().astimezone(board_tz())
    default = now.year - 1 if now.month < 4 else now.year
    value = request.args.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else default


def _render(title: str, subtitle: str, sections: list[Section], pdf: bool, endpoint: str):
    if pdf:
        body = render_pdf(title, subtitle, sections, current_app.config.get("ORGANISATION_NAME") or "",
                          clock.now().astimezone(board_tz()))
        return Response(body, mimetype="application/pdf",
                        headers={"Content-Disposition":
                                 f'inline; filename="{endpoint.replace("_", "-")}.pdf"'})
    return render_template("reports/report.html", title=title, subtitle=subtitle,
                           sections=sections, pdf_url=request.path + ".pdf",
                           query=request.query_string.decode(), page_title=title)


@bp.route("/")
@role_required(*READERS)
def index():
    """The list of reports."""
    _check_access(cdop=True)
    now = clock.now().astimezone(board_tz())
    years = [(str(y), _span(*year_period(y, board_tz()))) for y in business_years(now)]
    return render_template("reports/index.html", halves=half_years(now), years=years,
                           page_title="Reports")


@bp.route("/lisg", defaults={"pdf": False})
@bp.route("/lisg.pdf", defaults={"pdf": True})
@role_required(*READERS)
def lisg(pdf: bool):
    """The six-monthly LISG report to the Board (``start``/``end``: ISO dates)."""
    _check_access()
    start, end = _period()
    session = get_session()
    figures = lisg_figures(session, start, end)
    local = (start.astimezone(board_tz()).date(), end.astimezone(board_tz()).date())
    assurance = lisg_assurance(session, start, end, local[1])
    return _render("LISG report to the Board", _span(start, end),
                   learning_sections(figures) + assurance_sections(assurance)
                   + performance_sections(performance_figures(session, *local)), pdf,
                   "lisg-report")


@bp.route("/annual", defaults={"pdf": False})
@bp.route("/annual.pdf", defaults={"pdf": True})
@role_required(*READERS)
def annual(pdf: bool):
    """The annual report's learning and review section for a business year (``year``)."""
    _check_access()
    year = _year()
    start, end = year_period(year, board_tz())
    figures = annual_figures(get_session(), start, end)
    return _render("Annual report: learning and reviews",
                   f"Business year {year}-{year + 1}: {_span(start, end)}",
                   learning_sections(figures, annual=True), pdf, "annual-learning")


@bp.route("/cdop", defaults={"pdf": False})
@bp.route("/cdop.pdf", defaults={"pdf": True})
@role_required(*READERS)
def cdop(pdf: bool):
    """The CDOP annual report for a business year, per board, without any child's identity."""
    _check_access(cdop=True)
    year = _year()
    start, end = year_period(year, board_tz())
    return _render("CDOP annual report",
                   f"Business year {year}-{year + 1}: {_span(start, end)}",
                   cdop_sections(cdop_annual_figures(get_session(), start, end)), pdf,
                   "cdop-annual-report")


def performance_sections(f: dict) -> list[Section]:
    """The LISG report's performance data: each agreed indicator's total over the quarters of
    the period and each agency's figure, from the agencies' quarterly returns (C12)."""
    agencies = f["agencies"]
    table = Section("Performance data", ["Indicator", "Total", *[names().group(a) for a in agencies]],
                    [[INDICATORS.get(key, as_words(key)), entry["total"],
                      *[entry["by_agency"].get(a, 0) for a in agencies]]
                     for key, entry in f["by_indicator"].items()])
    quarters = ", ".join(long_date(q) for q in f["quarters"]) or "none"
    table.note = (f"{f['submissions']} quarterly returns from {len(agencies)} agencies; quarters "
                  f"starting {quarters}. Commentary is in the LISG report's narrative.")
    return [table]


def challenge_sections(session, day: date) -> list[Section]:
    """The Challenge Log on ``day``: its figures, then every entry, overdue ones first."""
    counts = challenge_counts(session, day)
    figures = Section("Challenge Log figures", ["Measure", "Entries"], [
        ["Open, waiting for an answer", counts["open"]],
        ["Answered, waiting for the Chair", counts["answered"]],
        ["Overdue", counts["overdue"]], ["Closed", counts["closed"]]])
    entries = Section("Entries", ["Raised", "Raised by", "Agency", "Challenge", "Answer by",
                                  "Due", "Status", "Answer"],
                      [[long_date(c.raised_on), c.raised_by, names().group(c.agency),
                        c.challenge, names().group(c.owner), long_date(c.due_date),
                        "Overdue" if c.overdue_on(day) else c.status.capitalize(),
                        c.response or "–"] for c in challenge_log(session, day)],
                      "Sources: " + ", ".join(CHALLENGE_SOURCES.values()) + ".")
    return [figures, entries]


@bp.route("/challenges", defaults={"pdf": False})
@bp.route("/challenges.pdf", defaults={"pdf": True})
@role_required(*READERS)
def challenges(pdf: bool):
    """The Board's Challenge Log as it stands today."""
    _check_access()
    today = clock.now().astimezone(board_tz()).date()
    return _render("Challenge Log", f"As at {long_date(today)}",
                   challenge_sections(get_session(), today), pdf, "challenge-log")
