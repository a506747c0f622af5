from sqlalchemy import func, select

from models import ProcessInstance, User
from web.demo import USERS, load_demo
from web_support import app, client, login  # noqa: F401


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


def test_demo_holds_cases_under_both_regimes_and_the_case_page_says_why(sessions, app, client):
    """The board works under WT2023; one demo case was notified before the partnership took over
    and runs under 2015: its case page names both regimes and the reason, as a manager sees it."""
    from web.demo import PASSWORD
    with app.app_context():
        process_engine = app.extensions["lscb.process_engine"]
        with sessions.begin() as session:
            load_demo(session, process_engine, echo=lambda _: None)
    with sessions() as session:
        cases = session.scalars(select(ProcessInstance).where(
            ProcessInstance.reference.like("DEMO-%"))).all()
        regimes = {c.data.get("regime") for c in cases}
        older = [c for c in cases if c.data.get("regime") == "LSCB_WT2015"]
    assert {"LSCB_WT2015", "MASA_WT2023"} <= regimes
    login(client, "manager", PASSWORD)
    page = client.get(f"/instances/{older[0].id}").get_data(as_text=True)
    regime_row = page[page.index('id="case-regime"'):].split("</div>")[0]
    assert "Working Together 2015" in regime_row
    assert "Not the board's" in regime_row and "Working Together 2023" in regime_row
    assert "notified before the partnership took over" in regime_row
