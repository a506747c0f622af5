"""The regime the board works under (Working Together 2015 LSCB, or the 2018/2023 safeguarding
partnership), as a board setting admins change, and the regime each new case takes.

A case keeps the regime it started under (in-flight cases do not switch). A new case takes the
board's unless its start data names another with a reason (``regime_override_reason``); both
the setting and every start are in the audit trail.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import BoardSetting
from models.setting import DEFAULT_REGIME

from . import clock
from .errors import InputError
from .trail import audit_and_notify as audit

REGIMES = {"LSCB_WT2015": "LSCB, Working Together 2015 (serious case reviews)",
           "MASA_WT2018": "Safeguarding partners, Working Together 2018 (rapid reviews, LCSPRs)",
           "MASA_WT2023": "Safeguarding partners, Working Together 2023 (rapid reviews, LCSPRs)"}
SETTING = "regime"

# The board's regime as a column, for a statement that has another purpose to carry it: a start
# reads it with the process's latest version (``CaseCommands.start``).
BOARD_REGIME = func.coalesce(
    select(BoardSetting.value).where(BoardSetting.name == SETTING).scalar_subquery(),
    DEFAULT_REGIME).label("board_regime")


def board_regime(session: Session) -> str:
    """The board's regime: the admins' setting, else the seed framework's."""
    row = session.get(BoardSetting, SETTING)
    return row.value if row is not None else DEFAULT_REGIME


def set_board_regime(session: Session, regime: str, actor_name: str | None) -> None:
    """Set the regime new cases take; audited with the one it replaces."""
    check_regime(regime, "regime")
    row = session.get(BoardSetting, SETTING)
    previous = row.value if row is not None else DEFAULT_REGIME
    row = row or BoardSetting(name=SETTING)
    row.value, row.changed_by, row.changed_at = regime, actor_name, clock.now()
    session.add(row)
    audit(session, actor_name, "board_regime_set", regime=regime, previous=previous)


def regime_for_new_case(session: Session, data: dict, board: str | None = None) -> dict:
    """The regime a case started with ``data`` runs under, as case data: the board's, or another
    the data names with a reason (InputError without one, or for a regime that does not exist),
    then with the board's beside it (``board_regime``) so the case page can say it differs.
    ``board``: the board's regime, when this transaction has read it (``BOARD_REGIME``)."""
    board = board or board_regime(session)
    regime = data.get("regime", board)
    check_regime(regime, "start data regime")
    if regime == board:
        return {"regime": regime}
    if not str(data.get("regime_override_reason") or "").strip():
        raise InputError(f"the board works under {board}: a case under {regime} needs a reason "
                         "(regime_override_reason)")
    return {"regime": regime, "board_regime": board}


def check_regime(regime, what: str) -> None:
    """InputError unless ``regime`` is one of ``REGIMES``."""
    if regime not in REGIMES:
        raise InputError(f"{what} must be one of {', '.join(REGIMES)}, not {regime!r}")
