"""Read queries behind the email outbox page and ``lscb mail list``."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .notification import EmailOutbox
from .status import OutboxStatus

FAILED = (OutboxStatus.FAILED, OutboxStatus.PARKED)


def outbox(session: Session, failed: bool = False, limit: int = 200) -> list[EmailOutbox]:
    """Outbox rows, newest first; ``failed``: only those whose last attempt failed (waiting for
    a retry, or parked after the last one)."""
    stmt = select(EmailOutbox).order_by(EmailOutbox.id.desc()).limit(limit)
    if failed:
        stmt = stmt.where(EmailOutbox.status.in_(FAILED))
    return list(session.scalars(stmt))
