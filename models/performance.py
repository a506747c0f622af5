"""Performance data (pathways.md section 5, C12): the indicators the partnership agreed, as
each agency submitted them for a quarter of the business year.

One row per (quarter, agency, indicator); an agency that submits again for the same quarter
replaces its figure (``engine/performance.py``). The LISG report's performance-data section is
computed from these rows by ``performance_figures``, never typed.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .base import Base, UTCDateTime, utcnow

# The agreed multi-agency indicators [ASSUME: the seed names the "LSCB Performance Management
# Orange Book" without listing it; these are counts every partner can give each quarter].
INDICATORS = {
    "referrals_to_csc": "Referrals made to children's social care",
    "strategy_discussions": "Strategy discussions attended",
    "child_protection_conferences": "Child protection conferences attended",
    "staff_trained": "Staff trained in safeguarding",
    "supervision_sessions": "Safeguarding supervision sessions held",
}


class PerformanceFigure(Base):
    """One agency's figure for one indicator in one quarter."""

    __tablename__ = "performance_figure"
    __table_args__ = (UniqueConstraint("quarter_start", "agency", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quarter_start: Mapped[date] = mapped_column(Date, index=True)
    agency: Mapped[str] = mapped_column(String(80))
    indicator: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by: Mapped[str | None] = mapped_column(String(80))
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)


def performance_figures(session: Session, start: date, end: date) -> dict:
    """The performance-data section for the quarters starting on or after ``start`` and before
    ``end``: per indicator the total and each agency's figure, the quarters covered and the
    agencies that submitted. The one query the LISG report and its process both read."""
    rows = session.scalars(select(PerformanceFigure).where(
        PerformanceFigure.quarter_start >= start, PerformanceFigure.quarter_start < end)
        .order_by(PerformanceFigure.quarter_start, PerformanceFigure.agency)).all()
    by_indicator = {key: {"total": 0, "by_agency": {}} for key in INDICATORS}
    for row in rows:
        entry = by_indicator.setdefault(row.indicator, {"total": 0, "by_agency": {}})
        entry["total"] += row.value
        entry["by_agency"][row.agency] = entry["by_agency"].get(row.agency, 0) + row.value
    return {"quarters": sorted({r.quarter_start for r in rows}),
            "agencies": sorted({r.agency for r in rows}), "by_indicator": by_indicator,
            "submissions": len({(r.quarter_start, r.agency) for r in rows})}
