"""Board closure days: extra non-working days on top of weekends and bank holidays."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ClosureDay(Base):
    """A day the board's business unit is closed (e.g. between Christmas and New Year)."""

    __tablename__ = "closure_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    reason: Mapped[str] = mapped_column(String(200), default="")
