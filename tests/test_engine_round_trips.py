"""How often one persisted completion talks to the database (bench/round_trips.py counts it):
a change that adds a round trip, or a statement, fails here."""
import pytest

from bench.round_trips import completions, counted, two_step_bpmn


@pytest.mark.postgres
def test_a_completion_makes_three_round_trips_to_postgresql(db_url):
    """BEGIN with the instance lock, its open tasks and the closure days
    (models/postgres_transactions.py); the task rows' writes with the instance's UPDATE and who can
    act and who hears (engine/writes.py ``send_and_read``); the audit events with their
    notifications, and COMMIT (a write nobody reads goes with what follows it)."""
    opening_the_next, ending_the_case = completions(db_url, two_step_bpmn(), "two_step")
    assert opening_the_next["round_trips"] <= 3
    assert ending_the_case["round_trips"] <= 3


def test_a_completion_makes_eleven_statements_on_sqlite(tmp_path):
    opening_the_next, ending_the_case = completions(f"sqlite:///{tmp_path}/rt.sqlite3",
                                                    two_step_bpmn(), "two_step")
    assert opening_the_next["statements"] <= 11
    assert ending_the_case["statements"] <= 7


@pytest.mark.postgres
def test_a_start_makes_four_round_trips_to_postgresql(db_url):
    """BEGIN with the latest version, the board's closure days and its regime; the case's
    INSERT; the task rows' writes with the instance's UPDATE; the audit event and COMMIT. The
    case's reference is written with its UPDATE, not on its own before it."""
    (start,), _completions = counted(db_url, two_step_bpmn(), "two_step")
    assert start["round_trips"] <= 4


def test_a_start_makes_ten_statements_on_sqlite(tmp_path):
    (start,), _completions = counted(f"sqlite:///{tmp_path}/rt.sqlite3", two_step_bpmn(),
                                     "two_step")
    assert start["statements"] <= 10
