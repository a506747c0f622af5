"""Admin: the regime the board works under, which every new case takes."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from engine import REGIMES
from models.status import Role

from .auth import role_required
from .db import get_process_engine, get_session

bp = Blueprint("admin_regime", __name__, url_prefix="/admin")


@bp.route("/regime", methods=["GET", "POST"])
@role_required(Role.ADMIN.value)
def regime():
    """Show the board's regime; set another (cases already open keep theirs)."""
    session, process_engine, errors = get_session(), get_process_engine(), {}
    if request.method == "POST":
        chosen = request.form.get("regime", "")
        if chosen in REGIMES:
            process_engine.set_board_regime(session, current_user.actor, chosen)
            session.commit()
            flash(f"New cases now run under {REGIMES[chosen]}.", "success")
            return redirect(url_for(".regime"))
        errors["regime"] = "Select the regime the board works under"
    return render_template("admin/regime.html", regimes=REGIMES, errors=errors,
                           current=process_engine.board_regime(session),
                           page_title="Regime"), 400 if errors else 200
