"""Drafts: BPMN or DMN files a process owner is editing, not yet deployed."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class Draft(Base):
    """One person's unsaved-to-the-library edit of one file (a process or a decision table).

    Keyed by file name and author: saving again overwrites the same draft. ``process_id`` is the
    executable process the file defines (None for a DMN file).
    """

    __tablename__ = "draft"
    __table_args__ = (
        UniqueConstraint("filename", "created_by"),
        Index("ix_draft_process_id", "process_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))            # "bpmn" or "dmn"
    process_id: Mapped[str | None] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    xml: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
