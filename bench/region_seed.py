"""The region drill's board: schema, people, one purpose-built diagram and its cases.

Everything goes through the engine, as the browser and ``lscb`` would: groups, users (with
emails, so every notification queues an email), API tokens for the reviewers, the diagram
``bench/data/region_review.bpmn`` deployed, and cases started by a manager. Each case's review
falls due, and its timer fires, at a moment chosen by the drill (``due``, ``wait``: real
seconds from now, as PT..S durations), so reminders, escalations and timers come due while the
load runs.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from engine import ProcessEngine, Settings, people, session_info, upgrade_schema
from engine.actors import load_actor
from engine.tokens import create_token
from models.session import make_engine, make_session_factory

DIAGRAM = Path(__file__).resolve().parent / "data" / "region_review.bpmn"
TEAMS = ("team-a", "team-b")
MANAGER_PASSWORD = "drill-manager-password"


@dataclass
class Board:
    """What the clients and the checks need to know about the seeded board."""

    reviewer_tokens: dict[str, str] = field(default_factory=dict)   # name -> API token
    managers: list[str] = field(default_factory=list)
    cases: list[int] = field(default_factory=list)


def prepare(settings: Settings, reviewers: int) -> tuple[Board, object, ProcessEngine]:
    """Schema, groups, people, tokens and the diagram; returns the board, the session
    factory and the engine (with the drill's settings) to start cases with."""
    db = make_engine(settings.database_url)
    upgrade_schema(db)
    factory = make_session_factory(db, session_info(settings))
    process_engine, board = ProcessEngine(settings=settings), Board()
    with factory.begin() as session:
        for slug in (*TEAMS, settings.lisg_chair_group, settings.business_unit_group):
            people.add_group(session, slug)
        people.add_user(session, "drill-admin", None, roles=["admin"])
        for team in TEAMS:
            people.add_user(session, f"lead-{team}", None, groups=[team], lead_of=[team],
                            email=f"lead-{team}@drill.invalid")
        people.add_user(session, "chair", None, groups=[settings.lisg_chair_group],
                        email="chair@drill.invalid")
        for n in range(2):
            name = f"manager{n + 1}"
            people.add_user(session, name, MANAGER_PASSWORD, roles=["manager"],
                            email=f"{name}@drill.invalid")
            board.managers.append(name)
        admin = load_actor(session, "drill-admin")
        for n in range(reviewers):
            name = f"reviewer{n + 1}"
            people.add_user(session, name, None, groups=[TEAMS[n % 2]],
                            email=f"{name}@drill.invalid")
            board.reviewer_tokens[name] = create_token(session, admin, name, "drill")[0]
        process_engine.deploy(session, {DIAGRAM.name: DIAGRAM.read_bytes()}, "drill-admin",
                              "region drill")
    return board, factory, process_engine


def start_cases(factory, process_engine: ProcessEngine, board: Board,
                moments: list[tuple[datetime, datetime]]) -> None:
    """One case per ``(due, fires)`` pair: its review due and its timer firing then (at least
    a second from now); teams alternate."""
    with factory() as session:
        manager = load_actor(session, board.managers[0])
    for n, (due, fires) in enumerate(moments):
        with factory.begin() as session:
            now = datetime.now(timezone.utc)
            data = {"team": TEAMS[n % 2], "due": _seconds_from(now, due),
                    "wait": _seconds_from(now, fires)}
            board.cases.append(process_engine.start(session, "region_review", manager, data,
                                                    now=now).id)


def _seconds_from(now: datetime, moment: datetime) -> str:
    return f"PT{max(1, round((moment - now).total_seconds()))}S"
