from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select

from engine.dryrun import default_answers, dry_run
from models import ProcessInstance
from models.learning import Review

DATA = Path(__file__).parent / "data/engine"
FILES = {"two_lane.bpmn": (DATA / "two_lane.bpmn").read_bytes()}
MONDAY = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)


def test_a_dry_run_follows_the_answers_to_the_end_with_groups_and_due_dates():
    result = dry_run(FILES, "two_lane", start_data={"case_title": "Dry"}, start_at=MONDAY,
                     answers={"triage": {"route": "scr", "summary": "A fine summary"}},
                     lane_groups={"LSCB Chair": "chair"})
    assert result.path == ["start", "triage", "route_gw", "decide", "done"]
    assert result.outcome.startswith("finished")
    triage, decide = result.tasks
    assert (triage.bpmn_id, triage.groups, triage.due_at) == ("triage", ["intake"], datetime(2025, 1, 13, 9, 0, tzinfo=timezone.utc))
    assert decide.groups == ["chair"] and [f["id"] for f in decide.fields] == ["scr_agreed"]


def test_default_answers_take_the_other_branch_and_stop_after_max_steps():
    result = dry_run(FILES, "two_lane", answers={"triage": {"route": "close"}}, start_at=MONDAY)
    assert result.path[-1] == "closed"
    stopped = dry_run(FILES, "two_lane", answers={"triage": {"route": "scr"}}, max_steps=1, start_at=MONDAY)
    assert "stopped after 1" in stopped.outcome and len(stopped.tasks) == 1


def test_refused_answers_stop_the_run_with_the_field_named():
    result = dry_run(FILES, "two_lane", answers={"triage": {"children": "500"}}, start_at=MONDAY)
    assert result.outcome.startswith("stopped") and "triage.children" in result.outcome


def test_a_dry_run_arms_timers_and_writes_nothing(sessions):
    timers = {"timers.bpmn": (DATA / "timers.bpmn").read_bytes()}
    from engine.definitions import parse_definitions
    [pid] = parse_definitions(timers)
    result = dry_run(timers, pid, start_at=MONDAY, max_steps=3)
    assert result.timers and all(t.due_at > MONDAY for t in result.timers)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0


def test_default_answers_pass_the_field_rules():
    fields = [{"id": "n", "type": "long", "validation": {"min": "3"}},
              {"id": "t", "type": "text", "validation": {"minlength": "12"}},
              {"id": "e", "type": "enum", "validation": {}, "options": [{"id": "a"}]}]
    values = default_answers(fields, MONDAY)
    assert values == {"n": "3", "t": "dry run.....", "e": "a"}


SERVICE = {"service_step.bpmn": (DATA / "service_step.bpmn").read_bytes()}


def test_a_dry_run_simulates_service_operations_and_writes_nothing(sessions):
    result = dry_run(SERVICE, "service_step", start_at=MONDAY,
                     answers={"register": {"audit_title": "Neglect audit", "audit_kind": "case"}})
    assert result.outcome.startswith("finished"), result.outcome
    opened, closed = result.calls
    assert (opened.operation, opened.params) == (
        "review.open", {"kind": "single_agency_audit", "category": "audit", "title": "Neglect audit"})
    assert closed.operation == "review.close" and closed.params == {"review_id": opened.result["id"]}
    assert result.data["audit_review"]["simulated"] is True
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Review)) == 0


def test_a_service_call_the_operation_would_refuse_stops_the_dry_run_naming_it():
    bad = {"service_step.bpmn": SERVICE["service_step.bpmn"].replace(b'id="title"', b'id="titel"')}
    result = dry_run(bad, "service_step", start_at=MONDAY,
                     answers={"register": {"audit_title": "Neglect audit"}})
    assert result.outcome.startswith("stopped") and "review.open" in result.outcome
    assert "titel" in result.outcome


def test_asking_stops_at_each_step_without_answers_with_its_form_and_errors():
    first = dry_run(SERVICE, "service_step", start_at=MONDAY, ask=True)
    assert first.asking.bpmn_id == "register" and first.outcome.startswith("waiting")
    assert [f["id"] for f in first.asking.fields] == ["audit_title", "audit_kind"]
    assert first.asking.answers == {"audit_title": "dry run", "audit_kind": "thematic"}
    wrong = dry_run(SERVICE, "service_step", start_at=MONDAY, ask=True,
                    answers={"register": {"audit_title": ""}})
    assert wrong.asking.bpmn_id == "register" and "audit_title" in wrong.errors
    second = dry_run(SERVICE, "service_step", start_at=MONDAY, ask=True,
                     answers={"register": {"audit_title": "Neglect audit"}})
    assert second.asking.bpmn_id == "summarise" and second.errors == {}
    assert [c.operation for c in second.calls] == ["review.open"]
