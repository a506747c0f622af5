"""The managers' dashboard: live statistics as server-rendered charts, exports, the board report
and a heatmap on any pathway's diagram. Managers and admins only (403 otherwise).

Measures are defined in ``models/statistics.py`` and ``models/compliance.py``.
"""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request

from engine import clock
from models import compliance, deadline_queries, reporting, statistics
from models.challenge import challenge_counts
from models.learning_queries import loop_closure

from . import charts
from .auth import role_required
from .db import board_calendar, get_session
from .exports import table_response

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
charts.register(bp)
MANAGER = "manager"
PERIODS = {"12m": 365, "24m": 730, "all": None}


def _since(now):
    days = PERIODS.get(request.args.get("period", "12m"), 365)
    return None if days is None else now - timedelta(days=days)


def overview(now, pathway: str | None = None) -> dict:
    """Everything the dashboard and the board report show, read from live data.

    Memoized per app on (newest audit event id, minute, pathway, period): every engine command
    writes an audit event, so a figure is never older than the last change, and time-dependent
    figures (overdue, compliance) are at most a minute old.
    """
    now = now.replace(second=0, microsecond=0)
    cache = current_app.extensions.setdefault("lscb.dashboard_cache", {})
    key = (statistics.latest_change(get_session()), now, pathway,
           request.args.get("period", "12m"))
    if key not in cache:
        if len(cache) > 64:
            cache.clear()
        cache[key] = _overview(now, pathway)
    return cache[key]


def _overview(now, pathway: str | None) -> dict:
    session, calendar = get_session(), board_calendar()
    by_pathway, pathways = statistics.open_by_pathway(session), reporting.pathways(session)
    pathway = pathway if pathway in by_pathway or pathway in pathways \
        else next(iter(by_pathway), None)
    return {
        "now": now, "pathway": pathway, "period": request.args.get("period", "12m"),
        "open_by_pathway": by_pathway, "stages": statistics.open_by_stage(session),
        "loads": statistics.overdue_by_group(session, now),
        "overdue_total": statistics.overdue_count(session, now),
        "figures": compliance.compliance(session, calendar, now, since=_since(now)),
        "steps": statistics.step_times(session, pathway) if pathway else [],
        "throughput": statistics.throughput(session, now),
        "closure": loop_closure(session, now),
        "unassignable": deadline_queries.unassignable_count(session),
        "challenges": challenge_counts(session, now.astimezone(calendar.tz).date()),
        "pathways": pathways,
    }


@bp.route("")
@role_required(MANAGER)
def index():
    """Charts of open reviews, overdue work, compliance, time in steps and throughput."""
    data = overview(clock.now(), request.args.get("pathway"))
    return render_template("dashboard/index.html", **data, bars=charts.bars,
                           page_title="Dashboard")


@bp.route("/board-report")
@role_required(MANAGER)
def board_report():
    """A printable summary for a Board meeting (print CSS, no script)."""
    data = overview(clock.now(), request.args.get("pathway"))
    late = {f.measure.key: f.late_ids[:50] for f in data["figures"]}
    return render_template("dashboard/board_report.html", **data, late=late,
                           measures=compliance.MEASURES, page_title="Board report")


def _rows(what: str, now):
    session = get_session()
    if what == "compliance":
        figures = compliance.compliance(session, board_calendar(), now, since=_since(now))
        return (["Measure", "Limit", "On time", "Late", "Open past the limit", "Open in time",
                 "Share on time"],
                [[f.measure.title, f.measure.limit_text, f.on_time, f.late, f.open_overdue,
                  f.open_in_time, None if f.share is None else round(f.share, 4)]
                 for f in figures])
    if what == "step-times":
        return (["Pathway", "Step id", "Step", "Completed", "Median (hours)", "90th percentile (hours)"],
                [[s.process_id, s.bpmn_id, s.title, s.count, round(s.median / 3600, 2),
                  round(s.p90 / 3600, 2)] for s in statistics.step_times(session)])
    rows = (statistics.overdue_tasks(session, now) if what == "overdue"
            else statistics.open_task_rows(session))
    return (["Case id", "Reference", "Pathway", "Step", "Groups", "Assignee", "Created (UTC)",
             "Due (UTC)", "Days overdue"],
            [[i.id, i.reference, i.process_id, t.title, t.candidate_groups, t.assignee,
              t.created_at, t.due_at,
              (now - t.due_at).days if t.due_at and t.due_at < now else 0] for t, i in rows])


@bp.route("/export/<any(tasks, overdue, compliance, 'step-times'):what>.<fmt>")
@role_required(MANAGER)
def export(what: str, fmt: str):
    """Open tasks, overdue tasks, compliance figures or step times as CSV or XLSX."""
    header, rows = _rows(what, clock.now())
    return table_response(what, fmt, header, rows)


@bp.route("/heatmap/<process_id>")
@role_required(MANAGER)
def heatmap(process_id: str):
    """A pathway's diagram with how many cases reached each step and the time spent there."""
    session = get_session()
    if reporting.diagram_xml(reporting.latest_files(session, process_id) or {}, process_id) is None:
        abort(404)
    state = statistics.heatmap(session, process_id)
    by = _heat_by()
    _, bounds = charts.heat(state["durations"] if by == "time" else state["counts"])
    return render_template("dashboard/heatmap.html", process_id=process_id, state=state, by=by,
                           bounds=bounds, page_title=f"Heatmap: {process_id}")


def _heat_by() -> str:
    """What the heatmap colours steps by: ``time`` spent (median) or ``count`` of cases."""
    return "count" if request.args.get("by") == "count" else "time"


@bp.route("/heatmap/<process_id>.xml")
@role_required(MANAGER)
def heatmap_xml(process_id: str):
    """The newest deployed version's XML of a pathway."""
    xml = reporting.diagram_xml(reporting.latest_files(get_session(), process_id) or {},
                                process_id)
    if xml is None:
        abort(404)
    return Response(xml, mimetype="application/xml")


@bp.route("/heatmap/<process_id>.json")
@role_required(MANAGER)
def heatmap_json(process_id: str):
    """Viewer state for the heatmap: counts and median durations per step, steps open now."""
    state = statistics.heatmap(get_session(), process_id)
    durations = {k: charts.human_duration(v) for k, v in state["durations"].items()}
    levels, _ = charts.heat(state["durations"] if _heat_by() == "time" else state["counts"])
    return jsonify({"active": state["active"], "counts": state["counts"],
                    "durations": durations, "heat": levels, "names": state["names"]})
