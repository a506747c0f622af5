"""Board settings: a few named values an admin sets for the whole board (e.g. its regime)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow

# The regime of the seed framework: the board's until an admin sets another, and the one a case
# started before the regime setting existed ran under.
DEFAULT_REGIME = "LSCB_WT2015"


class BoardSetting(Base):
    """One named board setting, with who changed it last and when (the audit trail keeps the
    history)."""

    __tablename__ = "board_setting"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    changed_by: Mapped[str | None] = mapped_column(String(80), nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
