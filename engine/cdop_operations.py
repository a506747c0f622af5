"""The CDOP register's service operations (P5 and its themed reports), run inside the engine
command's transaction like every operation in ``engine/operations.py``:

  cdop.notify(board, regime, date_of_death, within_scope, unattended_stillbirth, referred=False)
      -> {id, board}          (the death enters the register; once per case)
  cdop.refer() -> {first}      (a referral to the decision-maker; first is False when the case
                                was already referred, so parallel Form Bs refer once)
  cdop.reviewed(category, modifiable_factors, factors='', pattern_alert=False, pattern_theme=None)
      -> {id}
  cdop.pattern_deaths(theme) -> {theme, theme_name, count, deaths, modifiable}
  cdop.open_themed_report(theme, board, raised_by_ref=None, title='') -> {id}
  cdop.themed_report_received(report_id, received_by, response='', learning_item_id=None) -> {id}
  report.cdop_annual() -> {year, period_start, period_end, url, figures...}
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from models import ProcessInstance
from models.cdop import PATTERN_THEMES, ChildDeath, ThemedReport, death_from_case, step_times
from models.cdop_reports import cdop_summary, pattern_deaths
from models.learning_reports import year_period

from . import settings
from .errors import InputError, NotFound
from .operations import ACTOR, _now, _ref, operation
from .trail import audit_and_notify as audit


def _death(session, instance_id) -> ChildDeath | None:
    return session.scalars(select(ChildDeath).where(ChildDeath.instance_id == instance_id)).first()


def _death_or_from_case(session, instance_id) -> ChildDeath | None:
    """The case's death in the register, entered now from the case data if the case has none
    (it began before the register, or on an older P5 version); None without Form A's data."""
    row = _death(session, instance_id)
    case = session.get(ProcessInstance, instance_id) if row is None else None
    values = case and death_from_case(case.data or {}, step_times(session, [instance_id])
                                      .get(instance_id, {}), case.started_at, _now())
    if values:
        row = ChildDeath(instance_id=instance_id, case_ref=case.reference, **values)
        session.add(row)
        session.flush()
        audit(session, ACTOR, "child_death_registered", instance_id=instance_id, now=_now(),
              board=row.board, counted=row.counted, from_case_data=True)
    return row


@operation
def notify(session, instance_id, board, regime, date_of_death, within_scope, unattended_stillbirth,
           referred=False):
    """The death enters the register (a second call for the same case changes nothing)."""
    row = _death(session, instance_id)
    if row is None:
        if not str(board or "").strip():
            raise InputError("a child death needs the board the case belongs to")
        row = ChildDeath(instance_id=instance_id, case_ref=_ref(session, instance_id),
                         board=str(board).strip(), regime=str(regime),
                         date_of_death=date.fromisoformat(str(date_of_death)[:10]),
                         notified_at=_now(), in_scope=bool(within_scope),
                         unattended_stillbirth=bool(unattended_stillbirth),
                         referred_at=_now() if referred else None)
        session.add(row)
        session.flush()
        audit(session, ACTOR, "child_death_registered", instance_id=instance_id, now=_now(),
              board=row.board, counted=row.counted)
    return {"id": row.id, "board": row.board}


@operation
def refer(session, instance_id):
    """Note a referral to the statutory decision-maker; ``first`` is False if already referred."""
    row = _death_or_from_case(session, instance_id)
    if row is None:
        return {"first": True}
    first = row.referred_at is None
    if first:
        row.referred_at = _now()
    return {"first": first}


@operation
def reviewed(session, instance_id, category, modifiable_factors, factors="", pattern_alert=False,
             pattern_theme=None):
    """The panel's analysis (Form C) in the register; a pattern alert names its theme."""
    row = _death_or_from_case(session, instance_id)
    if row is None:
        raise NotFound("child death of case", _ref(session, instance_id))
    if pattern_alert and pattern_theme not in PATTERN_THEMES:
        raise InputError(f"a pattern alert needs one of the themes {', '.join(PATTERN_THEMES)}")
    row.reviewed_at, row.category, row.modifiable_factors = _now(), category, modifiable_factors
    row.factors = factors or ""
    row.pattern_alert = bool(pattern_alert)
    row.pattern_theme = pattern_theme if pattern_alert else None
    audit(session, ACTOR, "child_death_reviewed", instance_id=instance_id, now=_now(),
          category=category, modifiable_factors=modifiable_factors,
          pattern_theme=row.pattern_theme)
    return {"id": row.id}


@operation
def deaths_with_pattern(session, instance_id, theme):
    """The reviewed deaths whose panel recorded a pattern of ``theme`` (no child's identity)."""
    return pattern_deaths(session, theme)


@operation
def open_themed_report(session, instance_id, theme, board, raised_by_ref=None, title=""):
    """A themed report is drafted on a pattern the panel recorded."""
    report = ThemedReport(instance_id=instance_id, theme=str(theme), board=str(board),
                          raised_by_ref=raised_by_ref, title=title or "", drafted_at=_now())
    session.add(report)
    session.flush()
    audit(session, ACTOR, "themed_report_drafted", instance_id=instance_id, now=_now(),
          report_id=report.id, theme=report.theme)
    return {"id": report.id}


@operation
def themed_report_received(session, instance_id, report_id, received_by, response="",
                           learning_item_id=None):
    """The board (the LSCB Chair, or the safeguarding partners) has received the report."""
    report = session.get(ThemedReport, int(report_id))
    if report is None:
        raise NotFound("themed report", report_id)
    report.received_at, report.received_by = _now(), str(received_by)
    report.response = response or ""
    report.learning_item_id = int(learning_item_id) if learning_item_id else None
    audit(session, ACTOR, "themed_report_received", instance_id=instance_id, now=_now(),
          report_id=report.id, received_by=report.received_by)
    return {"id": report.id}


@operation
def compile_cdop_annual(session, instance_id):
    """Figures of the CDOP annual report for the business year that has just ended (the one
    before the year ``now`` is in), with its page's address."""
    now = _now().astimezone(settings.of(session).tz)
    year = (now.year - 1 if now.month < 4 else now.year) - 1
    start, end = year_period(year, settings.of(session).tz)
    return {**cdop_summary(session, start, end), "year": f"{year}-{year + 1}",
            "period_start": start.date(), "period_end": (end.date()),
            "url": f"/reports/cdop?year={year}"}


CDOP_OPERATIONS = {
    "cdop.notify": notify, "cdop.refer": refer, "cdop.reviewed": reviewed,
    "cdop.pattern_deaths": deaths_with_pattern, "cdop.open_themed_report": open_themed_report,
    "cdop.themed_report_received": themed_report_received,
    "report.cdop_annual": compile_cdop_annual,
}
