"""What action plans answer: a review's recommendations, and the section 11 standards each
agency rates itself against in its return (the standards and the rating scale are spelled here
and only here; the library's forms are built from them).

A standard rated below met needs an action, opened in the agency's single-agency S11 action
plan (``engine/action_plans.py``); ``StandardRating.action_id`` keeps the link.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

# Working Together 2015 chapter 2 paragraph 4 (the same nine in WT2018 chapter 2 paragraph 4 and
# WT2023 paragraph 4 of "Organisational responsibilities", with "safeguarding partners" for the
# LSCB): the key features of arrangements under section 11 of the Children Act 2004.
S11_STANDARDS = {
    "s11_a": "Clear line of accountability for services that safeguard children",
    "s11_b": "A senior board-level lead for safeguarding",
    "s11_c": "A culture of listening to children and taking account of their wishes and feelings",
    "s11_d": "Clear whistleblowing procedures and a culture that lets concerns be raised",
    "s11_e": "Clear arrangements for sharing information with other professionals and the board",
    "s11_f": "A designated professional lead (named professionals in health) for safeguarding",
    "s11_g": "Safe recruitment, including when to obtain a criminal record check",
    "s11_h": "Supervision and support for staff, including safeguarding training",
    "s11_i": "Clear policies, in line with the board's, for allegations against staff",
}
# The pathways' own scale (pathways.md 3.10: met green, partially amber, not met red).
RATINGS = {"met": "Met", "partially": "Partially met", "not_met": "Not met"}
BELOW_MET = ("partially", "not_met")


class Recommendation(Base):
    """One recommendation of a review or audit (numbered as in its report); actions answer it."""

    __tablename__ = "recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    source_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    source_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    number: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    learning_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_item.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def label(self) -> str:
        """"Recommendation 3: ..." (or the text alone when it has no number)."""
        return f"Recommendation {self.number}: {self.text}" if self.number else self.text


class StandardRating(Base):
    """One agency's rating of one standard in one section 11 (or s175) return."""

    __tablename__ = "standard_rating"
    __table_args__ = (UniqueConstraint("source_instance_id", "agency", "standard"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), index=True)          # s11 | s175
    source_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"))
    source_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    agency: Mapped[str] = mapped_column(String(80), index=True)
    standard: Mapped[str] = mapped_column(String(20))
    rating: Mapped[str] = mapped_column(String(20))
    action_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_action.id", ondelete="SET NULL"))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    @property
    def title(self) -> str:
        """The standard's words."""
        return S11_STANDARDS.get(self.standard, self.standard)
