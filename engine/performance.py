"""Agencies' quarterly performance data (C12) into the register (``models/performance.py``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.performance import INDICATORS, PerformanceFigure

from . import clock
from .errors import InputError
from .learning import as_date
from .trail import audit_and_notify as audit


def submit(session: Session, actor_name: str, *, agency: str, quarter_start, figures: dict,
           instance_id: int | None = None, now: datetime | None = None) -> list[PerformanceFigure]:
    """Store an agency's figures for a quarter (``figures``: indicator -> whole number >= 0);
    a figure submitted again for the same quarter replaces the earlier one."""
    now = now or clock.now()
    unknown = sorted(set(figures) - set(INDICATORS))
    if unknown:
        raise InputError(f"unknown performance indicators: {', '.join(unknown)} (agreed: "
                         f"{', '.join(INDICATORS)})")
    if not agency:
        raise InputError("performance data needs the agency that submits it")
    quarter = as_date(quarter_start)
    rows = []
    for indicator, value in figures.items():
        number = _count(indicator, value)
        row = session.scalars(select(PerformanceFigure).where(
            PerformanceFigure.quarter_start == quarter, PerformanceFigure.agency == agency,
            PerformanceFigure.indicator == indicator)).first()
        if row is None:
            row = PerformanceFigure(quarter_start=quarter, agency=agency, indicator=indicator)
            session.add(row)
        row.value, row.submitted_at, row.recorded_by = number, now, actor_name
        row.instance_id = instance_id
        rows.append(row)
    session.flush()
    audit(session, actor_name, "performance_data_submitted", instance_id=instance_id, now=now,
          agency=agency, quarter_start=quarter, figures={r.indicator: r.value for r in rows})
    return rows


def _count(indicator: str, value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InputError(f"{INDICATORS[indicator]} must be a whole number, not {value!r}") from None
    if number < 0:
        raise InputError(f"{INDICATORS[indicator]} cannot be negative")
    return number
