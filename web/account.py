"""The signed-in person's own account: who they are, notification mode, password, API tokens."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user
from sqlalchemy import select

from engine.errors import InputError, NotFound
from models import User

from .auth import SignedIn
from .db import get_process_engine, get_session

bp = Blueprint("account", __name__, url_prefix="/account")
NOTIFY_CHOICES = [("immediate", "Immediately", "An email for each notification."),
                  ("digest", "Daily digest", "One email a day listing that day's notifications.")]


def _me(session) -> User:
    return session.scalars(select(User).where(User.name == current_user.name)).one()


def _page(session, errors: dict | None = None):
    """The account page; with ``errors`` ({field id: message}) it is a 400 re-display."""
    user = _me(session)
    tokens = get_process_engine().user_tokens(session, user.name)
    return render_template("account/index.html", user=user, tokens=tokens,
                           errors=errors or {}, choices=NOTIFY_CHOICES,
                           min_password=get_process_engine().MIN_PASSWORD, page_title="Your account"), \
        400 if errors else 200


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


@bp.get("/")
@login_required
def index():
    """My name, groups, roles, notification setting and API tokens."""
    return _page(get_session())


def _update(done: str, field: str, **changes):
    """Save my settings through the engine (audited); field errors re-show the page."""
    session = get_session()
    try:
        get_process_engine().update_account(session, current_user.actor, **changes)
        session.commit()
    except InputError as exc:
        session.rollback()
        return _page(session, {exc.context.get("field", field): _sentence(exc.message)})
    if changes.get("password") is not None:    # every other session ended; this one goes on
        login_user(SignedIn.of(_me(session)))
    flash(done, "success")
    return redirect(url_for(".index"))


@bp.post("/notifications")
@login_required
def notifications():
    """Choose immediate emails or a daily digest."""
    return _update("Notification setting saved.", "notify_mode",
                   notify_mode=request.form.get("notify_mode", ""))


@bp.post("/password")
@login_required
def password():
    """Change my password (the current one is required)."""
    return _update("Your password has been changed.", "new_password",
                   password=request.form.get("new_password", ""),
                   current_password=request.form.get("current_password", ""))


@bp.post("/tokens")
@login_required
def new_token():
    """Create an API token for myself; the token is shown once and only its hash is kept."""
    session = get_session()
    try:
        token, row = get_process_engine().create_token(session, current_user.actor, current_user.name,
                                  request.form.get("label", ""))
        session.commit()
    except InputError as exc:
        session.rollback()
        return _page(session, {"label": _sentence(exc.message)})
    return render_template("admin/token.html", token=token, row=row, owner=current_user.name,
                           back=url_for(".index"), page_title="New API token")


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of my own tokens (admins revoke other people's on the admin pages)."""
    session = get_session()
    mine = {t.id: t for t in get_process_engine().user_tokens(session, current_user.name)}
    if token_id not in mine:
        raise NotFound("token", token_id)
    if mine[token_id].revoked_at is None:
        get_process_engine().revoke_token(session, current_user.actor, token_id)
        session.commit()
    flash("Token revoked.", "success")
    return redirect(url_for(".index"))
