"""Sign-in and access: Flask-Login users, role checks, and the navigation every page shows."""
from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   url_for)
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from engine import Actor
from models import User
from models.queries import identity
from models.status import Role

from .db import get_process_engine, get_session
from .extensions import limiter, login_manager

bp = Blueprint("auth", __name__)


class SignedIn(UserMixin):
    """The signed-in person: their user row's names, groups and roles, as an engine Actor."""

    def __init__(self, user_id: int, name: str, display_name: str, groups, roles,
                 generation: int):
        self.id = f"{user_id}.{generation}"     # the session's id: ends with the generation
        self.name = name
        self.display_name = display_name or name
        self.actor = Actor(name, frozenset(groups), frozenset(roles))

    @classmethod
    def of(cls, user: User) -> SignedIn:
        """The signed-in person for a User row."""
        return cls(user.id, user.name, user.display_name, user.group_slugs, user.role_names,
                   user.session_generation)

    def has_role(self, *roles: str) -> bool:
        """Holds any of ``roles`` (admins hold every role)."""
        return bool(self.actor.roles & ({*roles, Role.ADMIN.value}))

    @property
    def is_manager(self) -> bool:
        """Managers and admins see every case."""
        return self.actor.is_manager


@login_manager.user_loader
def load_user(user_id: str) -> SignedIn | None:
    """The signed-in person for a session, or None when the user is gone or deactivated, or the
    session was ended (sign-out, password change, an admin's "sign out everywhere")."""
    user, _, generation = user_id.partition(".")
    if not (user.isdigit() and generation.isdigit()):
        return None
    found = identity(get_session(), int(user), int(generation))
    return SignedIn(*found) if found is not None else None


def role_required(*roles: str):
    """Decorator: signed in and holding one of ``roles`` (else 403)."""
    def wrap(view):
        @functools.wraps(view)
        @login_required
        def inner(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403, "You do not have access to this page.")
            return view(*args, **kwargs)
        return inner
    return wrap


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
               key_func=lambda: "account:" + request.form.get("username", "").strip().lower())
@limiter.limit(lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"], methods=["POST"])
def login():
    """Sign in with user name and password."""
    errors, name = {}, request.form.get("username", "").strip()
    if request.method == "POST":
        session = get_session()
        user = get_process_engine().authenticate(session, name, request.form.get("password", ""))
        session.commit()                                  # the attempt is audited either way
        if user is not None:
            login_user(SignedIn.of(user))
            return redirect(same_site(request.args.get("next")))
        errors = {"username": "Enter a correct user name and password"}
    return render_template("auth/login.html", errors=errors, username=name,
                           page_title="Sign in"), 401 if errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out."""
    if current_user.is_authenticated:
        session = get_session()
        get_process_engine().sign_out(session, current_user.actor)
        session.commit()
    logout_user()
    flash("You have signed out.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/")
def home():
    """The start page is the worklist."""
    return redirect(url_for("worklist.index"))


@bp.app_context_processor
def navigation() -> dict:
    """What base.html needs: navigation, the sign-out form and the organisation name."""
    if not current_user.is_authenticated:
        return {"organisation_name": current_app.config.get("ORGANISATION_NAME")}
    manager = current_user.is_manager
    items = [("worklist.index", "My tasks", True),
             ("starting.index", "Start a case", _may_start_something()),
             ("manager.index", "Cases", True),
             ("deadlines.index", "Deadlines", manager),
             ("dashboard.index", "Dashboard", manager),
             ("learning.register", "Learning", True),
             ("reports.index", "Reports", manager),
             ("definitions.index", "Processes", current_user.has_role(Role.PROCESS_OWNER.value)),
             ("admin.users", "Admin", current_user.has_role(Role.ADMIN.value))]
    section = (request.blueprint or "").split("_")[0]     # admin_calendar belongs to Admin
    nav = [{"href": url_for(endpoint), "text": text, "active": section == endpoint.split(".")[0]}
           for endpoint, text, shown in items if shown]
    return {"nav_items": nav, "sign_out_url": url_for("auth.logout"),
            "organisation_name": current_app.config.get("ORGANISATION_NAME")}


def _may_start_something() -> bool:
    """Whether the user may start any pathway (managers may start every one)."""
    return current_user.is_manager or bool(get_process_engine().startable(
        get_session(), current_user.actor))


def same_site(target: str | None, fallback: str = "worklist.index") -> str:
    """``target`` when it is a same-site relative path, else the page of endpoint ``fallback``:
    every redirect a request names goes through here, so none leaves the site."""
    if target and target.startswith("/") and not target.startswith("//") \
            and not urlsplit(target).netloc and "\\" not in target:
        return target
    return url_for(fallback)
