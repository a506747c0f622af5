import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from engine import Actor
from engine.errors import ScriptError, log_text
from models import Group

MARKER = "Jane Marker-Doe born 2019-01-01"
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)
FAILING_TIMER = Path(__file__).parent / "data/deadlines/failing_timer.bpmn"


def test_a_failing_timer_logs_where_it_failed_never_the_case_data(
        sessions, process_engine, caplog):
    with sessions.begin() as s:
        process_engine.deploy(s, {FAILING_TIMER.name: FAILING_TIMER.read_bytes()}, "tester")
        case = process_engine.start(s, "failing_timer", Actor("sys", roles=frozenset({"admin"})),
                                    {"start_day": MARKER}, now=T0)
    with caplog.at_level(logging.DEBUG):
        process_engine.fire_due_timers(sessions, T0 + timedelta(hours=2))
    with sessions() as s:
        assert process_engine.show(s, case.id).status == "incident"     # it did fail
    assert f"instance {case.id}" in caplog.text and "divide" in caplog.text
    assert "Marker-Doe" not in caplog.text


def test_unexpected_errors_are_logged_by_type_and_place_only():
    def convert(value):
        return int(value)
    with pytest.raises(ValueError) as failure:
        convert(MARKER)
    text = log_text(failure.value)
    assert "ValueError" in text and "convert" in text and "Marker-Doe" not in text
    refused = ScriptError(f"invalid literal: {MARKER!r}", element_id="divide", line=2)
    assert "divide" in log_text(refused) and "Marker-Doe" not in log_text(refused)


def test_database_errors_never_carry_statement_values(sessions):
    with sessions.begin() as s:
        s.add(Group(slug="police", title="Police", kind="agency"))
    with pytest.raises(IntegrityError) as failure, sessions.begin() as s:
        s.add(Group(slug="police", title=MARKER, kind="agency"))
    assert "Marker-Doe" not in str(failure.value)


def test_a_crashing_page_logs_its_place_not_the_values_it_held(app_factory, caplog):
    app = app_factory(RATELIMIT_ENABLED=False)

    @app.get("/crash-for-test")
    def crash():
        return int(MARKER)

    with caplog.at_level(logging.ERROR):
        answer = app.test_client().get("/crash-for-test")
    assert answer.status_code == 500 and b"Marker-Doe" not in answer.data
    assert "ValueError" in caplog.text and "crash" in caplog.text
    assert "Marker-Doe" not in caplog.text
