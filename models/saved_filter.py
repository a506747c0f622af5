"""Worklist filters a person saved under a name of their own."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class SavedFilter(Base):
    """One named worklist filter of one person: the worklist's query string (filters, search
    and order), opened again with one click. A name is unique per person (saving it again
    replaces it)."""

    __tablename__ = "saved_filter"
    __table_args__ = (UniqueConstraint("user_name", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
