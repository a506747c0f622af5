"""Message subscriptions: which waiting instance catches which message with which correlation."""
from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class MessageSubscription(Base):
    """An instance waiting for ``message_name``; ``correlation`` is canonical JSON of its keys."""

    __tablename__ = "message_subscription"
    __table_args__ = (Index("ix_message_subscription_name", "message_name", "correlation"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(
        ForeignKey("process_instance.id", ondelete="CASCADE"), index=True)
    message_name: Mapped[str] = mapped_column(String(200))
    correlation: Mapped[str] = mapped_column(Text, default="{}")
