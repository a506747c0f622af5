"""Figures of the CDOP's reports from the CDOP register, per board, for a period
``[start, end)``: one query per figure, each answering ``{board: value}``.

A death counts as notified when it is in the CDOP's scope, or is an unattended stillbirth (which
P5 records as such only under 2018/2023). A reviewed death is one whose panel analysis (Form C)
was recorded in the period. Counts and case references only: no child's identity.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from statistics import median

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .cdop import PATTERN_THEMES, ChildDeath, ThemedReport
from .dates import add_months

DEATH_CATEGORIES = {f"cat_{i}": f"{i} {name}" for i, name in enumerate([
    "Deliberately inflicted injury, abuse or neglect", "Suicide or deliberate self-inflicted harm",
    "Trauma and other external factors", "Malignancy", "Acute medical or surgical condition",
    "Chronic medical condition", "Chromosomal, genetic and congenital anomalies",
    "Perinatal/neonatal event", "Infection", "Sudden unexpected, unexplained death"], start=1)}
MODIFIABLE = {"identified": "Modifiable factors identified",
              "not_identified": "No modifiable factors identified",
              "insufficient_information": "Insufficient information"}
THEME_ORDER = {label: n for n, label in enumerate([*PATTERN_THEMES.values(), "Unknown"])}
REVIEW_TARGET_MONTHS = 6          # [ASSUME] pathways.md 3.5.3: reviewed within 6 months of death

D = ChildDeath


def _in(column, start: datetime, end: datetime):
    return (column >= start) & (column < end)


def _reviewed(start, end):
    return _in(D.reviewed_at, start, end)


def deaths_notified(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Deaths notified in the period that the CDOP counts (in scope, or an unattended
    stillbirth), by board."""
    return dict(session.execute(select(D.board, func.count()).where(
        _in(D.notified_at, start, end), D.in_scope.is_(True) | D.unattended_stillbirth.is_(True))
        .group_by(D.board)).all())


def deaths_reviewed(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Deaths the panel reviewed (Form C recorded) in the period, by board."""
    return dict(session.execute(select(D.board, func.count()).where(_reviewed(start, end))
                                .group_by(D.board)).all())


def _by_board(rows, labels: dict) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: {label: 0 for label in labels.values()})
    for board, key, n in rows:
        label = labels.get(key, "Unknown")
        out[board][label] = out[board].get(label, 0) + n
    return dict(out)


def deaths_by_category(session: Session, start: datetime, end: datetime) -> dict[str, dict]:
    """Reviewed deaths by category of death, by board (every category listed, zeros too)."""
    return _by_board(session.execute(select(D.board, D.category, func.count()).where(
        _reviewed(start, end)).group_by(D.board, D.category)).all(), DEATH_CATEGORIES)


def deaths_by_modifiable(session: Session, start: datetime, end: datetime) -> dict[str, dict]:
    """Reviewed deaths by the panel's modifiable-factors judgement, by board."""
    return _by_board(session.execute(select(D.board, D.modifiable_factors, func.count()).where(
        _reviewed(start, end)).group_by(D.board, D.modifiable_factors)).all(), MODIFIABLE)


def death_to_review(session: Session, start: datetime, end: datetime) -> dict[str, dict]:
    """Time from death to the panel's review, by board and for all boards (key ``None``): the
    median in days and how many were reviewed more than six months after the death (days
    counted in the period's time zone)."""
    days: dict[str | None, list[tuple[int, bool]]] = defaultdict(list)
    for board, died, reviewed in session.execute(select(D.board, D.date_of_death, D.reviewed_at)
                                                 .where(_reviewed(start, end))):
        on = reviewed.astimezone(start.tzinfo).date()
        entry = ((on - died).days, on > add_months(died, REVIEW_TARGET_MONTHS))
        days[board].append(entry)
        days[None].append(entry)
    return {board: {"median_days": median(d for d, _ in values),
                    "over_six_months": sum(1 for _, late in values if late)}
            for board, values in days.items()}


def pattern_themes(session: Session, start: datetime, end: datetime) -> dict[str, dict]:
    """Pattern alerts the panel recorded at reviews in the period, by theme, by board (only
    themes that occurred)."""
    out: dict[str, dict[str, int]] = defaultdict(dict)
    for board, theme, n in session.execute(select(D.board, D.pattern_theme, func.count()).where(
            _reviewed(start, end), D.pattern_alert.is_(True))
            .group_by(D.board, D.pattern_theme).order_by(D.board, D.pattern_theme)):
        out[board][PATTERN_THEMES.get(theme, theme or "Unknown")] = n
    return dict(out)


def themed_reports_received(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    """Themed reports the board received in the period, by the board of the case that raised
    the pattern."""
    return dict(session.execute(select(ThemedReport.board, func.count()).where(
        _in(ThemedReport.received_at, start, end)).group_by(ThemedReport.board)).all())


def _boards(*figures) -> list[str]:
    return sorted({board for figure in figures for board in figure})


def _add(dicts) -> dict:
    total: dict = {}
    for d in dicts:
        for k, v in d.items():
            total[k] = total.get(k, 0) + v
    return total


def cdop_annual_figures(session: Session, start: datetime, end: datetime) -> dict:
    """Every figure of the CDOP annual report for ``[start, end)``: per board and in total."""
    f = {"start": start, "end": end, "notified": deaths_notified(session, start, end),
         "reviewed": deaths_reviewed(session, start, end),
         "categories": deaths_by_category(session, start, end),
         "modifiable": deaths_by_modifiable(session, start, end),
         "timeliness": death_to_review(session, start, end),
         "themes": pattern_themes(session, start, end),
         "themed_reports": themed_reports_received(session, start, end)}
    overall = f["timeliness"].pop(None, {"median_days": None, "over_six_months": 0})
    f["boards"] = _boards(f["notified"], f["reviewed"], f["themed_reports"], f["themes"])
    f["alerts"] = {b: sum(t.values()) for b, t in f["themes"].items()}
    f["total"] = {"notified": sum(f["notified"].values()),
                  "reviewed": sum(f["reviewed"].values()),
                  "categories": _add(f["categories"].values()) or
                  {label: 0 for label in DEATH_CATEGORIES.values()},
                  "modifiable": _add(f["modifiable"].values()) or
                  {label: 0 for label in MODIFIABLE.values()},
                  "themes": dict(sorted(_add(f["themes"].values()).items(),
                                        key=lambda kv: THEME_ORDER.get(kv[0], len(THEME_ORDER)))),
                  "alerts": sum(f["alerts"].values()),
                  "themed_reports": sum(f["themed_reports"].values()),
                  **overall}
    reviewed = f["total"]["reviewed"]
    identified = f["total"]["modifiable"].get(MODIFIABLE["identified"], 0)
    f["total"]["preventable_share"] = identified / reviewed if reviewed else None
    f["by_board"] = {board: _board_line(f, board) for board in f["boards"]}
    return f


def _board_line(f: dict, board: str) -> dict:
    """One board's headline figures, with the keys of the all-boards total."""
    reviewed = f["reviewed"].get(board, 0)
    identified = f["modifiable"].get(board, {}).get(MODIFIABLE["identified"], 0)
    return {"notified": f["notified"].get(board, 0), "reviewed": reviewed,
            "preventable_share": identified / reviewed if reviewed else None,
            **f["timeliness"].get(board, {"median_days": None, "over_six_months": 0}),
            "alerts": f["alerts"].get(board, 0),
            "themed_reports": f["themed_reports"].get(board, 0)}


def cdop_summary(session: Session, start: datetime, end: datetime) -> dict:
    """Headline counts of the CDOP annual report (small and plain enough for a task's data)."""
    t = cdop_annual_figures(session, start, end)["total"]
    share = t["preventable_share"]
    return {"notified": t["notified"], "reviewed": t["reviewed"],
            "preventable_percent": None if share is None else round(share * 100),
            "pattern_alerts": t["alerts"], "themed_reports": t["themed_reports"],
            "over_six_months": t["over_six_months"]}


def pattern_deaths(session: Session, theme: str) -> dict:
    """The reviewed deaths whose panel recorded a pattern of ``theme``, oldest review first:
    what a themed report is drafted from (case reference, board, category, modifiable factors)."""
    rows = session.scalars(select(D).where(D.pattern_alert.is_(True), D.pattern_theme == theme)
                           .order_by(D.reviewed_at, D.id)).all()
    deaths = [{"case_ref": r.case_ref, "board": r.board,
               "category": DEATH_CATEGORIES.get(r.category, "Unknown"),
               "modifiable": MODIFIABLE.get(r.modifiable_factors, "Unknown"),
               "factors": r.factors} for r in rows]
    modifiable: dict[str, int] = {}
    for d in deaths:
        modifiable[d["modifiable"]] = modifiable.get(d["modifiable"], 0) + 1
    return {"theme": theme, "theme_name": PATTERN_THEMES.get(theme, theme), "count": len(deaths),
            "deaths": deaths, "modifiable": modifiable}
