from sqlalchemy import func, select

from models import ProcessInstance, User
from web.demo import USERS, load_demo


def test_demo_is_idempotent_and_has_live_cases(sessions, process_engine):
    messages = []
    with sessions.begin() as session:
        first = load_demo(session, process_engine, echo=messages.append)
    with sessions.begin() as session:
        second = load_demo(session, process_engine, echo=messages.append)
    assert first["source"] == "workflows/", messages
    assert len(first["cases"]) >= 3 and second["cases"] == []
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(User)) == len(USERS)
        assert session.scalar(select(func.count()).select_from(ProcessInstance)) >= 3
    roles = {r for _, rs, _ in USERS for r in rs}
    assert roles == {"admin", "manager", "process_owner", "reviewer"}


def test_demo_falls_back_to_the_test_diagram_when_lint_refuses_the_library(sessions, process_engine,
                                                                          monkeypatch):
    from pathlib import Path

    from web import demo
    refused = Path(__file__).parent / "data/definitions/lint_refused.bpmn"
    monkeypatch.setattr(demo, "WORKFLOWS", refused)
    messages = []
    with sessions.begin() as session:
        loaded = load_demo(session, process_engine, echo=messages.append)
    assert loaded["source"] == "tests/data/engine" and len(loaded["cases"]) == 2
    assert any("ghost-panel" in m and "dead end" in m for m in messages), messages
