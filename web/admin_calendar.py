"""Admin: the board's closure days, with the region's bank holidays shown for reference."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from engine import clock
from engine.errors import NotFound
from models import ClosureDay
from models.status import Role

from .auth import role_required
from .db import board_calendar, get_process_engine, get_session
from .wording import long_date

bp = Blueprint("admin_calendar", __name__, url_prefix="/admin")
MAX_REASON = ClosureDay.__table__.c.reason.type.length


def _read_form(form) -> tuple[date | None, str, dict[str, str]]:
    """The posted day and reason, and {field id: message} for what is wrong."""
    errors, day, reason = {}, None, form.get("reason", "").strip()
    try:
        day = date.fromisoformat(form.get("day", "").strip())
    except ValueError:
        errors["day"] = "Enter a real date, for example 2027-12-29"
    if not reason:
        errors["reason"] = "Enter why the board is closed"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"Reason must be {MAX_REASON} characters or fewer"
    return day, reason, errors


def _saved(message: str):
    """After a change: this process's working-day calendar follows at once; back to the list."""
    get_process_engine().refresh_calendar(get_session())
    flash(message, "success")
    return redirect(url_for(".closures"))


@bp.route("/closures", methods=["GET", "POST"])
@role_required(Role.ADMIN.value)
def closures():
    """List closure days; add (or re-describe) one."""
    session, errors = get_session(), {}
    if request.method == "POST":
        day, reason, errors = _read_form(request.form)
        if not errors:
            get_process_engine().add_closure_day(session, current_user.actor, day, reason)
            session.commit()
            return _saved(f"{long_date(day)} is a closure day.")
    calendar = board_calendar()
    year = clock.now().astimezone(calendar.tz).year
    holidays = {y: sorted(calendar.bank_holidays(y)) for y in (year, year + 1)}
    rows = session.scalars(select(ClosureDay).order_by(ClosureDay.day)).all()
    return render_template("admin/closures.html", rows=rows, holidays=holidays, errors=errors,
                           today=clock.now().astimezone(calendar.tz).date(),
                           page_title="Closure days"), 400 if errors else 200


@bp.post("/closures/<day>/remove")
@role_required(Role.ADMIN.value)
def remove(day: str):
    """Withdraw a closure day (it becomes a working day again unless a weekend or bank holiday)."""
    try:
        when = date.fromisoformat(day)
    except ValueError:
        raise NotFound("closure day", day) from None
    session = get_session()
    get_process_engine().remove_closure_day(session, current_user.actor, when)
    session.commit()
    return _saved(f"{long_date(when)} is no longer a closure day.")
