"""The CDOP register (domain/pathways.md section 3.5): one row per child death notified to the
pan-Berkshire CDOP, written by P5's steps, and one row per themed report a pattern led to.

The register holds what the CDOP's reports count (the board the case belongs to, whether the
death is in the CDOP's scope, the panel's category and modifiable factors, pattern alerts) and
the case reference only: no child's identity is ever stored here.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

# The CDOP's own pattern themes (what a themed report is about); a learning item from a themed
# report carries the learning loop's theme ``child_deaths``.
PATTERN_THEMES = {
    "safe_sleeping": "Safe sleeping and co-sleeping", "suicide_self_harm": "Suicide and self-harm",
    "road_water_safety": "Road, water and home safety", "infection": "Infection",
    "perinatal": "Prematurity and perinatal care", "maternal_risk": "Maternal risk factors "
    "(smoking, obesity, alcohol, late booking)", "neglect_abuse": "Abuse or neglect",
    "other_pattern": "Other pattern or trend"}


class ChildDeath(Base):
    """One child death notified to the CDOP (Form A), as the CDOP's reports count it."""

    __tablename__ = "child_death"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"), unique=True)
    case_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    board: Mapped[str] = mapped_column(String(120), index=True)
    regime: Mapped[str] = mapped_column(String(20))
    date_of_death: Mapped[date] = mapped_column(Date)
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # counted as notified: in the CDOP's scope, or (2018/2023) an unattended stillbirth
    in_scope: Mapped[bool] = mapped_column(Boolean, default=True)
    unattended_stillbirth: Mapped[bool] = mapped_column(Boolean, default=False)
    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    category: Mapped[str | None] = mapped_column(String(20))
    modifiable_factors: Mapped[str | None] = mapped_column(String(30))
    factors: Mapped[str] = mapped_column(Text, default="")     # Form C's contributing factors
    pattern_alert: Mapped[bool] = mapped_column(Boolean, default=False)
    pattern_theme: Mapped[str | None] = mapped_column(String(40))

    @property
    def counted(self) -> bool:
        """Counted as a death notified to the CDOP."""
        return self.in_scope or self.unattended_stillbirth


class ThemedReport(Base):
    """A themed report on a pattern or trend the panel recorded, from its draft to the board."""

    __tablename__ = "cdop_themed_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    theme: Mapped[str] = mapped_column(String(40))
    board: Mapped[str] = mapped_column(String(120))
    raised_by_ref: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300), default="")
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    received_by: Mapped[str | None] = mapped_column(String(80))     # lscb-chair or partners
    response: Mapped[str] = mapped_column(Text, default="")
    learning_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_item.id", ondelete="SET NULL"))
