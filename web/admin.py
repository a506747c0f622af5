"""Admin pages: users, groups, memberships (on the user page), lane -> group mapping, tokens."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from engine.errors import EngineError, NotFound
from models import Group, User
from models.status import GroupKind, Role

from .auth import role_required, same_site
from .db import get_process_engine, get_session

bp = Blueprint("admin", __name__, url_prefix="/admin")
ADMIN = Role.ADMIN.value


def _user_or_404(session, name: str) -> User:
    user = session.scalars(select(User).where(User.name == name)).first()
    if user is None:
        raise NotFound("user", name)
    return user


def _groups(session) -> list[Group]:
    return list(session.scalars(select(Group).order_by(Group.slug)))


@bp.route("/users")
@role_required(ADMIN)
def users():
    """Everyone who can sign in, with roles and groups."""
    rows = get_session().scalars(select(User).order_by(User.name)).all()
    return render_template("admin/users.html", users=rows, page_title="Users")


@bp.route("/users/new", methods=["GET", "POST"], defaults={"name": None})
@bp.route("/users/<name>", methods=["GET", "POST"])
@role_required(ADMIN)
def edit_user(name: str | None):
    """Create or edit a user: details, password, roles, group memberships."""
    session = get_session()
    user = _user_or_404(session, name) if name else None
    error, form = None, request.form
    if request.method == "POST":
        try:
            saved = get_process_engine().add_user(
                session, current_user.actor, name or form.get("name", ""),
                form.get("password") or None, groups=form.getlist("groups"),
                roles=form.getlist("roles"), display_name=form.get("display_name", ""),
                email=form.get("email") or None, lead_of=form.getlist("leads"),
                active=form.get("active", "true") == "true")
            session.commit()
            flash(f"User {saved.name} saved.", "success")
            return redirect(url_for("admin.users"))
        except EngineError as exc:
            session.rollback()
            error = exc.message
    tokens = get_process_engine().user_tokens(session, user.name) if user else []
    return render_template("admin/user.html", user=user, groups=_groups(session), error=error,
                           roles=[r.value for r in Role], tokens=tokens, form=form,
                           page_title=f"User {user.name}" if user else "New user"), \
        400 if error else 200


@bp.route("/users/<name>/tokens", methods=["POST"])
@role_required(ADMIN)
def new_token(name: str):
    """Create an API token for a user; the token is shown once."""
    session = get_session()
    messages = request.form.get("messages", "").replace(",", " ").split()
    token, row = get_process_engine().create_token(session, current_user.actor, name,
                                                   request.form.get("label", ""), messages)
    session.commit()
    return render_template("admin/token.html", token=token, row=row, owner=name,
                           back=url_for("admin.edit_user", name=name), page_title="New API token")


@bp.route("/users/<name>/sign-out", methods=["POST"])
@role_required(ADMIN)
def sign_out_everywhere(name: str):
    """End every session of a user (they sign in again on every device)."""
    session = get_session()
    get_process_engine().sign_out_everywhere(session, current_user.actor, name)
    session.commit()
    flash(f"{name} is signed out everywhere.", "success")
    return redirect(url_for("admin.edit_user", name=name))


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@role_required(ADMIN)
def revoke(token_id: int):
    """Revoke any token."""
    session = get_session()
    get_process_engine().revoke_token(session, current_user.actor, token_id)
    session.commit()
    flash("Token revoked.", "success")
    return redirect(same_site(urlsplit(request.referrer or "").path or None, "admin.users"))


@bp.route("/groups", methods=["GET", "POST"])
@role_required(ADMIN)
def groups():
    """Agencies and board groups; add or rename one."""
    session, error = get_session(), None
    if request.method == "POST":
        try:
            get_process_engine().add_group(session, current_user.actor, request.form.get("slug", ""),
                                   request.form.get("title", ""),
                                   request.form.get("kind", GroupKind.BOARD.value))
            session.commit()
            flash("Group saved.", "success")
            return redirect(url_for("admin.groups"))
        except EngineError as exc:
            session.rollback()
            error = exc.message
    return _groups_page(session, error)


@bp.route("/groups/<slug>/rename", methods=["POST"])
@role_required(ADMIN)
def rename_group(slug: str):
    """A group's new title; its slug and kind stay."""
    session = get_session()
    try:
        group = get_process_engine().rename_group(session, current_user.actor, slug,
                                                  request.form.get("title", ""))
        session.commit()
    except EngineError as exc:
        session.rollback()
        return _groups_page(session, exc.message, f"#title-{slug}")
    flash(f"Group {group.slug} is now called {group.title}.", "success")
    return redirect(url_for("admin.groups"))


def _groups_page(session, error: str | None, error_href: str = "#slug"):
    return render_template("admin/groups.html", groups=_groups(session), error=error,
                           error_href=error_href, kinds=[k.value for k in GroupKind],
                           page_title="Groups"), 400 if error else 200


@bp.route("/lanes", methods=["GET", "POST"])
@role_required(ADMIN)
def lanes():
    """Which group gets the tasks of each BPMN lane that names no candidate group: the lane is
    picked from the diagrams' lanes and the group from the groups, so a typo cannot map."""
    session, error = get_session(), None
    if request.method == "POST":
        try:
            get_process_engine().map_lane(session, current_user.actor, request.form.get("lane", ""),
                                          request.form.get("group", ""))
            session.commit()
            flash("Lane mapping saved.", "success")
            return redirect(url_for("admin.lanes"))
        except EngineError as exc:
            session.rollback()
            error = exc.message
    rows = get_process_engine().lanes(session)
    titles = {group.slug: group.title or group.slug for group in _groups(session)}
    return render_template("admin/lanes.html", rows=rows, titles=titles, error=error,
                           page_title="Lanes"), 400 if error else 200


@bp.route("/lanes/remove", methods=["POST"])
@role_required(ADMIN)
def unmap_lane():
    """Remove a lane's mapping: its tasks go to the group its name stands for again."""
    session = get_session()
    lane = request.form.get("lane", "")
    get_process_engine().unmap_lane(session, current_user.actor, lane)
    session.commit()
    flash(f"The mapping of lane {lane} was removed.", "success")
    return redirect(url_for("admin.lanes"))
