"""Service operations of the board's assurance cycles: the Challenge Log (C1) and performance
data (C12). Registered with the others in ``operations.OPERATIONS``; see that module.

  challenge.raise(challenge, raised_by, agency, owner, due_date, raised_on=None,
      source='board_meeting') -> {id, challenge, agency, owner, raised_on, due_date}
  challenge.answer(challenge_id, response) -> {id, status}
  challenge.decide(challenge_id, accepted, note='', due_date=None) -> {id, status, due_date}
  challenge.log() -> {open, answered, overdue, closed, overdue_entries, overdue_text}
  performance.submit(agency, quarter_start, figures) -> {agency, quarter_start, figures}
  performance.summary(months=6, start=None) -> {period_start, period_end, quarters, agencies,
      submissions, indicators: [{indicator, label, total}], text}
"""
from __future__ import annotations

from models.challenge import challenge_counts, challenge_log
from models.dates import add_months, long_date
from models.performance import INDICATORS, performance_figures

from . import challenges, performance, settings
from .learning import as_date
from .operations import ACTOR, _now, operation


def _today(session):
    return _now().astimezone(settings.of(session).tz).date()


@operation
def raise_challenge(session, instance_id, challenge, raised_by, agency, owner, due_date,
                    raised_on=None, source="board_meeting"):
    """A new entry on the Challenge Log."""
    row = challenges.raise_challenge(session, ACTOR, challenge=challenge, raised_by=raised_by,
                                     agency=agency, owner=owner, due_date=due_date,
                                     raised_on=raised_on or _today(session), source=source,
                                     instance_id=instance_id, now=_now())
    return {"id": row.id, "challenge": row.challenge, "agency": row.agency, "owner": row.owner,
            "raised_on": row.raised_on, "due_date": row.due_date}


@operation
def answer_challenge(session, instance_id, challenge_id, response):
    """The owner's answer to an entry."""
    row = challenges.answer(session, challenges.get_challenge(session, challenge_id), ACTOR,
                            response, instance_id=instance_id, now=_now())
    return {"id": row.id, "status": row.status}


@operation
def decide_challenge(session, instance_id, challenge_id, accepted, note="", due_date=None):
    """The Chair closes the entry, or asks for more by a new due date."""
    row = challenges.get_challenge(session, challenge_id)
    if accepted:
        challenges.close(session, row, "LSCB Chair", note, instance_id=instance_id, now=_now())
    else:
        challenges.ask_again(session, row, "LSCB Chair", note, due_date,
                             instance_id=instance_id, now=_now())
    return {"id": row.id, "status": row.status, "due_date": row.due_date}


@operation
def challenge_log_figures(session, instance_id):
    """The Challenge Log's figures for a Board meeting, with its overdue entries spelled out."""
    today = _today(session)
    overdue = [f"{c.challenge} ({c.agency}, due {long_date(c.due_date)})"
               for c in challenge_log(session, today, include_closed=False) if c.overdue_on(today)]
    return {**challenge_counts(session, today), "overdue_entries": overdue,
            "overdue_text": "; ".join(overdue) or "none"}


@operation
def submit_performance(session, instance_id, agency, quarter_start, figures):
    """An agency's figures for the agreed indicators in a quarter."""
    rows = performance.submit(session, ACTOR, agency=agency, quarter_start=quarter_start,
                              figures=dict(figures), instance_id=instance_id, now=_now())
    return {"agency": agency, "quarter_start": rows[0].quarter_start if rows else None,
            "figures": {r.indicator: r.value for r in rows}}


@operation
def performance_summary(session, instance_id, months=6, start=None):
    """The performance-data section for the quarters starting in the ``months`` months from
    ``start`` (an ISO date), or in the last ``months`` months; ``text`` lists the totals."""
    if start:
        start = as_date(start)
        end = add_months(start, int(months))
    else:
        end = _today(session)
        start = add_months(end, -int(months))
    found = performance_figures(session, start, end)
    indicators = [{"indicator": key, "label": INDICATORS.get(key, key), "total": entry["total"]}
                  for key, entry in found["by_indicator"].items()]
    text = "; ".join(f"{i['label']}: {i['total']}" for i in indicators)
    return {"period_start": start, "period_end": end,
            "quarters": [q.isoformat() for q in found["quarters"]], "agencies": found["agencies"],
            "submissions": found["submissions"], "indicators": indicators,
            "text": f"{found['submissions']} returns from {len(found['agencies'])} agencies. {text}."}


CYCLE_OPERATIONS = {
    "challenge.raise": raise_challenge, "challenge.answer": answer_challenge,
    "challenge.decide": decide_challenge, "challenge.log": challenge_log_figures,
    "performance.submit": submit_performance, "performance.summary": performance_summary,
}
