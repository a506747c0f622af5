"""The CDOP register (domain/pathways.md section 3.5): one row per child death notified to the
pan-Berkshire CDOP, written by P5's steps, and one row per themed report a pattern led to.

The register holds what the CDOP's reports count (the board the case belongs to, whether the
death is in the CDOP's scope, the panel's category and modifiable factors, pattern alerts) and
the case reference only: no child's identity is ever stored here.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from .audit import AuditEvent
from .base import Base, UTCDateTime, utcnow
from .setting import DEFAULT_REGIME

# The CDOP's own pattern themes (what a themed report is about); a learning item from a themed
# report carries the learning loop's theme ``child_deaths``.
PATTERN_THEMES = {
    "safe_sleeping": "Safe sleeping and co-sleeping", "suicide_self_harm": "Suicide and self-harm",
    "road_water_safety": "Road, water and home safety", "infection": "Infection",
    "perinatal": "Prematurity and perinatal care", "maternal_risk": "Maternal risk factors "
    "(smoking, obesity, alcohol, late booking)", "neglect_abuse": "Abuse or neglect",
    "other_pattern": "Other pattern or trend"}

# The boards the CDOP serves (P5's Form A 'board', workflows/tools/library_reviews.py
# CDOP_BOARDS) and the one a case belongs to when Form A names none: the running board.
CDOP_BOARDS = {"bracknell_forest": "Bracknell Forest", "reading": "Reading", "slough": "Slough",
               "west_berkshire": "West Berkshire", "windsor_maidenhead": "Windsor and Maidenhead",
               "wokingham": "Wokingham"}
RUNNING_BOARD = "bracknell_forest"
CHILD_DEATH_REVIEW = "p05_child_death_review"


class ChildDeath(Base):
    """One child death notified to the CDOP (Form A), as the CDOP's reports count it."""

    __tablename__ = "child_death"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"), unique=True)
    case_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    board: Mapped[str] = mapped_column(String(120), index=True)
    regime: Mapped[str] = mapped_column(String(20))
    date_of_death: Mapped[date] = mapped_column(Date)
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # counted as notified: in the CDOP's scope, or (2018/2023) an unattended stillbirth
    in_scope: Mapped[bool] = mapped_column(Boolean, default=True)
    unattended_stillbirth: Mapped[bool] = mapped_column(Boolean, default=False)
    referred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    category: Mapped[str | None] = mapped_column(String(20))
    modifiable_factors: Mapped[str | None] = mapped_column(String(30))
    factors: Mapped[str] = mapped_column(Text, default="")     # Form C's contributing factors
    pattern_alert: Mapped[bool] = mapped_column(Boolean, default=False)
    pattern_theme: Mapped[str | None] = mapped_column(String(40))

    @property
    def counted(self) -> bool:
        """Counted as a death notified to the CDOP."""
        return self.in_scope or self.unattended_stillbirth


class ThemedReport(Base):
    """A themed report on a pattern or trend the panel recorded, from its draft to the board."""

    __tablename__ = "cdop_themed_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("process_instance.id", ondelete="SET NULL"), index=True)
    theme: Mapped[str] = mapped_column(String(40))
    board: Mapped[str] = mapped_column(String(120))
    raised_by_ref: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(300), default="")
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    received_by: Mapped[str | None] = mapped_column(String(80))     # lscb-chair or partners
    response: Mapped[str] = mapped_column(Text, default="")
    learning_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_item.id", ondelete="SET NULL"))


# What a P5 case's data says about its death, for a case the register has no row for: one that
# began before the register existed, or runs an older P5 version. The steps whose completion
# dates the register: Form A notifies the death, the panel reviews it; a step recording
# suspected abuse or neglect (Form A, the rapid response's discussions, a Form B, the panel)
# refers the case.
NOTIFIED, REVIEWED = "notify_death", "panel_review"
SUSPICIONS = {"notify_death": "abuse_or_neglect_suspected",
              "initial_discussion": "abuse_or_neglect_suspected",
              "final_case_discussion": "rr_abuse_or_neglect_suspected",
              "form_b": "form_b_abuse_or_neglect_suspected",
              "panel_review": "panel_abuse_or_neglect_suspected"}


def step_times(connection, instance_ids: list[int]) -> dict[int, dict[str, datetime]]:
    """When each case's death was notified, first referred and reviewed, from the audit trail's
    completed steps: ``{instance_id: {"notified"|"referred"|"reviewed": at}}`` (what is known).
    ``connection``: a Session or a Core connection (the backfill migration's)."""
    a = AuditEvent.__table__
    times: dict[int, dict[str, datetime]] = {}
    for start in range(0, len(instance_ids), 500):
        for instance_id, step, at, detail in connection.execute(
                select(a.c.instance_id, a.c.bpmn_id, a.c.at, a.c.detail)
                .where(a.c.action == "task_completed", a.c.bpmn_id.in_(SUSPICIONS),
                       a.c.instance_id.in_(instance_ids[start:start + 500]))
                .order_by(a.c.at, a.c.id)):
            known = times.setdefault(instance_id, {})
            if step == NOTIFIED:
                known.setdefault("notified", at)
            if step == REVIEWED:
                known.setdefault("reviewed", at)
            if ((detail or {}).get("values") or {}).get(SUSPICIONS[step]) is True:
                known.setdefault("referred", at)
    return times


def death_from_case(data: dict, times: dict[str, datetime], started_at: datetime,
                    updated_at: datetime | None = None) -> dict | None:
    """The register's columns for a P5 case from its data (Form A, what the step that opens the
    CDOP case works out, the panel's Form C) and ``times`` (``step_times``); None while Form A
    has not given the date of death. A case of an older P5 version lacks what that step works
    out: it is worked out here as the step does. Dated by the audit trail, else by when the case
    started (notified) and was last changed (reviewed)."""
    try:
        died = date.fromisoformat(str(data.get("date_of_death") or "")[:10])
    except ValueError:
        return None
    regime = data.get("regime") or DEFAULT_REGIME
    stillbirth = data.get("stillbirth_or_planned_termination") is True
    age = data.get("child_age_at_death")
    in_scope = data.get("cdop_in_scope")
    if in_scope is None:
        in_scope = not stillbirth and (not isinstance(age, (int, float)) or age < 18)
    unattended = data.get("unattended_stillbirth")
    if unattended is None:
        unattended = (stillbirth and regime != "LSCB_WT2015"
                      and data.get("jar_trigger") == "unattended_stillbirth")
    board = data.get("board") or RUNNING_BOARD
    notified_at = times.get("notified") or started_at
    referred_at = times.get("referred") or (notified_at if data.get("referred_to_chair") is True
                                            else None)
    row = dict(board=data.get("board_name") or CDOP_BOARDS.get(board, board), regime=regime,
               date_of_death=died, notified_at=notified_at, in_scope=bool(in_scope),
               unattended_stillbirth=bool(unattended), referred_at=referred_at, reviewed_at=None,
               category=None, modifiable_factors=None, factors="", pattern_alert=False,
               pattern_theme=None)
    if data.get("category_of_death"):
        alert = data.get("pattern_alert") is True
        row.update(reviewed_at=times.get("reviewed") or updated_at or notified_at,
                   category=data["category_of_death"],
                   modifiable_factors=data.get("modifiable_factors"),
                   factors=data.get("contributing_factors") or "", pattern_alert=alert,
                   pattern_theme=(data.get("pattern_theme") or "other_pattern") if alert else None)
    return row
