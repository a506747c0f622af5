"""Send the email outbox over SMTP with retries, and queue daily digests.

Settings (``engine/settings.py``): ``LSCB_SMTP_HOST`` (unset: development, emails are *held*
and shown on the outbox page instead of sent), ``LSCB_SMTP_PORT`` (default 25, or 465 with
``ssl``), ``LSCB_SMTP_TLS`` (``none``, ``starttls`` or ``ssl``), ``LSCB_SMTP_USER``,
``LSCB_SMTP_PASSWORD``, ``LSCB_MAIL_FROM`` and ``LSCB_DIGEST_HOUR`` (board local time, default 7).

Each outbox row is sent in its own transaction that holds the row (``FOR UPDATE SKIP LOCKED``
on PostgreSQL), so two schedulers never send the same email. A row that fails for any reason
(the server, or a value no email header may carry) is marked ``failed`` with its error and
retried with exponential backoff; after ``MAX_ATTEMPTS`` it is ``parked`` (``lscb mail list
--failed``, the outbox page). It never stops the rows behind it.
"""
from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, sessionmaker

from models import EmailOutbox, Notification, User
from models.status import OutboxStatus

from .notify import base_url, email_body
from .settings import DEFAULTS, Settings, SmtpSettings

__all__ = ["SmtpSettings", "backoff", "digest_moment", "drain_outbox", "queue_digests", "send"]

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BATCH = 50


def send(settings: SmtpSettings, to: str, subject: str, body: str) -> None:
    """Send one plain-text email (raises smtplib.SMTPException or OSError on failure)."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, to, subject
    message.set_content(body)
    smtp_class = smtplib.SMTP_SSL if settings.tls == "ssl" else smtplib.SMTP
    with smtp_class(settings.host, settings.port, timeout=10) as smtp:
        if settings.tls == "starttls":
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(message)


def backoff(attempts: int) -> timedelta:
    """Wait before retry number ``attempts``: 30 s doubling, at most an hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def drain_outbox(factory: sessionmaker, now: datetime, settings: SmtpSettings) -> int:
    """Send (or, without an SMTP host, hold) due outbox rows; returns how many were sent."""
    with factory() as session:
        ids = list(session.scalars(_DUE, {"now": now}))
    sent = 0
    for outbox_id in ids:
        try:
            with factory.begin() as session:
                sent += _send_one(session, outbox_id, now, settings)
        except Exception as exc:       # its own transaction failed: mark it apart, go on
            log.exception("email %s could not be sent", outbox_id)
            with factory.begin() as session:
                row = session.get(EmailOutbox, outbox_id)
                if row is not None and row.status in _SENDABLE:
                    _failed(row, now, exc)
    return sent


_SENDABLE = (OutboxStatus.PENDING, OutboxStatus.FAILED)
_DUE = (select(EmailOutbox.id).where(EmailOutbox.status.in_(_SENDABLE),
                                     EmailOutbox.next_attempt_at <= bindparam("now"))
        .order_by(EmailOutbox.next_attempt_at).limit(BATCH))


def _send_one(session: Session, outbox_id: int, now: datetime, settings: SmtpSettings) -> int:
    row = session.execute(
        select(EmailOutbox).where(EmailOutbox.id == outbox_id, EmailOutbox.status.in_(_SENDABLE),
                                  EmailOutbox.next_attempt_at <= now)
        .with_for_update(skip_locked=True)).scalar_one_or_none()
    if row is None:
        return 0
    if settings.host is None:
        row.status = OutboxStatus.HELD
        return 0
    try:
        send(settings, row.to_address, row.subject, row.body)
    except Exception as exc:           # any reason: this row waits, the others go on
        _failed(row, now, exc)
        return 0
    row.status, row.sent_at, row.attempts = OutboxStatus.SENT, now, row.attempts + 1
    return 1


def _failed(row: EmailOutbox, now: datetime, exc: Exception) -> None:
    """Count a failed attempt: retry after ``backoff``, or park the row after the last one."""
    row.attempts += 1
    row.last_error = f"{exc.__class__.__name__}: {exc}"[:1000]
    row.status = OutboxStatus.PARKED if row.attempts >= MAX_ATTEMPTS else OutboxStatus.FAILED
    row.next_attempt_at = now + backoff(row.attempts)
    log.warning("email %s to %s failed (attempt %s, %s): %s", row.id, row.user_name,
                row.attempts, row.status.value, exc)


def digest_moment(now: datetime, settings: Settings = DEFAULTS) -> datetime:
    """Today's digest time (``digest_hour``, board local time) as aware UTC."""
    local = now.astimezone(settings.tz)
    return local.replace(hour=settings.digest_hour, minute=0, second=0,
                         microsecond=0).astimezone(now.tzinfo)


def queue_digests(factory: sessionmaker, now: datetime, settings: Settings = DEFAULTS) -> int:
    """Queue one digest email per person waiting for one, once a day; returns how many."""
    moment = digest_moment(now, settings)
    if now < moment:
        return 0
    with factory() as session:
        names = list(session.scalars(select(Notification.user_name).distinct()
                                     .where(Notification.email == "digest")))
    queued = 0
    for name in names:
        with factory.begin() as session:
            queued += _queue_digest(session, name, moment, now)
    return queued


def _queue_digest(session: Session, name: str, moment: datetime, now: datetime) -> int:
    already = session.scalar(select(EmailOutbox.id).where(
        EmailOutbox.user_name == name, EmailOutbox.kind == "digest",
        EmailOutbox.created_at >= moment).limit(1))
    notes = list(session.scalars(
        select(Notification).where(Notification.user_name == name, Notification.email == "digest")
        .order_by(Notification.created_at).with_for_update(skip_locked=True)))
    user = session.scalars(select(User).where(User.name == name)).first()
    if already is not None or not notes or user is None or not user.email:
        return 0
    for note in notes:
        note.email = "queued"
    session.add(EmailOutbox(user_name=name, to_address=user.email, kind="digest",
                            subject=f"[LSCB] Daily digest: {len(notes)} notification(s)",
                            body=email_body(notes, base_url(session)), next_attempt_at=now, created_at=now))
    return 1
