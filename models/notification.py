"""Notifications: in-app messages per person, the email outbox, and calendar feed tokens."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow
from .status import OutboxStatus


class Notification(Base):
    """One in-app message to one person (the bell); ``email`` says how it reaches their inbox.

    ``email`` is ``none`` (no address, or in-app only), ``queued`` (an outbox row was written)
    or ``digest`` (waiting for the person's daily digest).
    """

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_read", "user_name", "read", "created_at"),
        Index("ix_notification_email", "email", "user_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(30))        # assigned, reminder, escalation, incident
    subject: Mapped[str] = mapped_column(String(300))
    reference: Mapped[str | None] = mapped_column(String(100))
    link: Mapped[str] = mapped_column(String(500), default="")
    instance_id: Mapped[int | None] = mapped_column(Integer)
    task_id: Mapped[str | None] = mapped_column(String(36))
    read: Mapped[bool] = mapped_column(Boolean, default=False)
    email: Mapped[str] = mapped_column(String(10), default="none")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EmailOutbox(Base):
    """One email waiting to be sent (or sent): written in the business transaction, sent later.

    ``status`` (``OutboxStatus``): ``pending`` -> ``sent``, or ``held`` (no SMTP host
    configured: shown on the outbox page); a failed attempt makes it ``failed`` (retried at
    ``next_attempt_at``, ``last_error`` says why), the last one ``parked``. Bodies carry only a
    case reference and a link, never case details.
    """

    __tablename__ = "email_outbox"
    __table_args__ = (Index("ix_email_outbox_status_next", "status", "next_attempt_at"),
                      Index("ix_email_outbox_user_kind", "user_name", "kind", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(80))
    to_address: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(30))        # immediate or digest
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CalendarToken(Base):
    """The secret of a person's iCalendar feed URL; revoking deletes it (a new one can be made)."""

    __tablename__ = "calendar_token"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("user_account.name", ondelete="CASCADE"),
                                           index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
