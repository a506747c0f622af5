"""Secrets that stand in for a sign-in: API tokens and calendar feed addresses. Each is shown
once, kept only as its hash, checked by hash, revocable, and audited."""
from __future__ import annotations

import dataclasses
import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from models import ApiToken, CalendarToken, User
from models.status import Role

from . import clock
from .actors import Actor, actor_of
from .errors import InputError, NotAllowed, NotFound
from .trail import audit_and_notify as audit

PREFIX = "lscb_"
TOUCH_EVERY = timedelta(minutes=5)


def hash_token(token: str) -> str:
    """SHA-256 hex of a token (tokens are 256 random bits, so a fast hash is enough)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, actor: Actor, user_name: str, name: str = "",
                 messages=()) -> tuple[str, ApiToken]:
    """A new token for ``user_name`` (themselves, or anyone when ``actor`` is an admin).

    ``messages``: message names a partner system may deliver to any case with it (admins
    only). Returns the token text, which is never stored and cannot be shown again, and its row.
    """
    admin = Role.ADMIN.value in actor.roles
    if user_name != actor.name and not admin:
        raise NotAllowed("only admins can create tokens for other people")
    messages = sorted({m.strip() for m in messages if m and m.strip()})
    if messages and not admin:
        raise NotAllowed("only admins can trust a token with messages")
    user = session.scalars(select(User).where(User.name == user_name)).first()
    if user is None:
        raise NotFound("user", user_name)
    if len(name) > 100:
        raise InputError("token name must be 100 characters or fewer")
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name.strip(), token_hash=hash_token(token),
                   prefix=token[:12], created_by=actor.name, messages=messages or None)
    session.add(row)
    session.flush()
    audit(session, actor.name, "token_created", user=user_name, token_id=row.id, name=row.name,
          messages=messages)
    return token, row


def verify_token(session: Session, token: str | None, now: datetime | None = None) -> Actor | None:
    """The Actor a valid, unrevoked token of an active user acts as, else None."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    now = now or clock.now()
    if row.last_used_at is None or now - row.last_used_at > TOUCH_EVERY:
        row.last_used_at = now   # not on every call: a read stays a read
    return dataclasses.replace(actor_of(user), messages=frozenset(row.messages or ()))


def user_tokens(session: Session, user_name: str) -> list[ApiToken]:
    """A user's tokens, newest first (hashes only)."""
    stmt = (select(ApiToken).join(User, User.id == ApiToken.user_id)
            .where(User.name == user_name).order_by(ApiToken.created_at.desc()))
    return list(session.scalars(stmt))


def revoke_token(session: Session, actor: Actor, token_id: int) -> None:
    """Revoke a token (its owner or an admin)."""
    row = session.get(ApiToken, token_id)
    owner = session.get(User, row.user_id) if row else None
    if row is None or (owner.name != actor.name and Role.ADMIN.value not in actor.roles):
        raise NotFound("token", token_id)
    row.revoked_at = clock.now()
    audit(session, actor.name, "token_revoked", token_id=token_id)


def create_calendar_feed(session: Session, actor: Actor) -> str:
    """A new secret for the actor's deadline calendar feed, replacing any old one; returned
    once, kept only as its hash."""
    session.execute(delete(CalendarToken).where(CalendarToken.user_name == actor.name))
    secret = secrets.token_urlsafe(32)
    session.add(CalendarToken(token=hash_token(secret), user_name=actor.name))
    audit(session, actor.name, "calendar_feed_created")
    return secret


def revoke_calendar_feed(session: Session, actor: Actor) -> None:
    """Revoke the actor's calendar feed secret (if any)."""
    session.execute(delete(CalendarToken).where(CalendarToken.user_name == actor.name))
    audit(session, actor.name, "calendar_feed_revoked")


def calendar_feed_user(session: Session, secret: str) -> User | None:
    """The active user whose calendar feed ``secret`` is, else None."""
    if not secret or len(secret) > 100:
        return None
    row = session.get(CalendarToken, hash_token(secret))
    user = session.scalars(select(User).where(User.name == row.user_name)).first() if row else None
    return user if user is not None and user.active else None


def has_calendar_feed(session: Session, actor: Actor):
    """When the actor's calendar feed was made, or None."""
    return session.scalar(select(CalendarToken.created_at)
                          .where(CalendarToken.user_name == actor.name))
