"""The definitions layer: parser extensions, deploy-time validation, parse_definitions."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.definitions import ParsedProcess, parse_definitions, read_paths
from engine.errors import DefinitionError
from engine.parser import LscbParser, timer_expression
from engine.validation import expression_errors, problem_from_spiff, timer_problem
from engine.xmlsafe import parse_xml

DEFS = Path(__file__).parent / "data" / "defs"
GOOD, BAD = DEFS / "good", DEFS / "bad"
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=timezone.utc)  # a Tuesday
SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def fake_working_days(days: int) -> str:
    """Stand-in for the sandbox helper: ``days`` weekdays after now (no bank holidays)."""
    moment = clock.now()
    while days:
        moment += timedelta(days=1)
        days -= moment.weekday() < 5
    return moment.isoformat()


ENGINE = PythonScriptEngine(environment=TaskDataEnvironment({"working_days": fake_working_days}))


@pytest.fixture(scope="module", autouse=True)
def engine_clock():
    clock.install()


@pytest.fixture(scope="module")
def good() -> dict[str, ParsedProcess]:
    return parse_definitions(read_paths([GOOD]))


def start(parsed: ParsedProcess, **data) -> BpmnWorkflow:
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=ENGINE)
    for task in workflow.get_tasks(state=TaskState.READY):
        task.data.update(data)
    workflow.do_engine_steps()
    return workflow


def ready(workflow: BpmnWorkflow) -> list:
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def complete(workflow: BpmnWorkflow, task, **data) -> None:
    task.data.update(data)
    task.run()
    workflow.refresh_timers()
    workflow.do_engine_steps()


def reload(workflow: BpmnWorkflow) -> BpmnWorkflow:
    restored = SERIALIZER.deserialize_json(SERIALIZER.serialize_json(workflow))
    restored.script_engine = ENGINE
    return restored


def problems_of(*names: str, folder: Path = BAD) -> list:
    with pytest.raises(DefinitionError) as caught:
        parse_definitions(read_paths([folder / name for name in names]))
    return caught.value.problems


def line_of(path: Path, marker: str) -> int:
    lines = path.read_text().splitlines()
    return next(number for number, text in enumerate(lines, 1) if marker in text)


# -- Camunda user tasks --------------------------------------------------------------------------

TRIAGE_EXTENSIONS = {
    "assignment": {
        "candidate_groups": "business_unit, lscb_chair", "candidate_users": "alice,bob",
        "assignee": "${referrer}", "due_date": "${due_at}", "follow_up_date": "P2D",
        "priority": "80",
    },
    "form": {"fields": [
        {"id": "summary", "label": "Summary", "type": "string", "default": "none",
         "required": True, "validation": {"minlength": "3", "maxlength": "200",
                                          "pattern": "[A-Za-z ]+"},
         "options": [], "properties": {}},
        {"id": "details", "label": "Details", "type": "text", "default": None, "required": False,
         "validation": {}, "options": [], "properties": {"rows": "6"}},
        {"id": "children", "label": "Number of children", "type": "long", "default": "1",
         "required": False, "validation": {"min": "0", "max": "20"}, "options": [],
         "properties": {}},
        {"id": "score", "label": "Risk score", "type": "number", "default": None,
         "required": False, "validation": {}, "options": [], "properties": {}},
        {"id": "child_died", "label": "Did a child die?", "type": "boolean", "default": "false",
         "required": False, "validation": {}, "options": [], "properties": {}},
        {"id": "concerns_about_agency_working", "label": "Concerns about agency working?",
         "type": "boolean", "default": None, "required": False, "validation": {}, "options": [],
         "properties": {}},
        {"id": "incident_date", "label": "Date of incident", "type": "date", "default": None,
         "required": False, "validation": {"readonly": "true"}, "options": [], "properties": {}},
        {"id": "category", "label": "Category", "type": "enum", "default": "neglect",
         "required": False, "validation": {},
         "options": [{"id": "neglect", "name": "Neglect"}, {"id": "abuse", "name": "Physical abuse"}],
         "properties": {}},
    ]},
    "properties": {"formTitle": "Triage", "sla": "P2D", "reminder": "P1D"},
}


def test_camunda_user_task_extensions(good):
    spec = good["camunda_review"].spec
    assert spec.task_specs["triage"].extensions == TRIAGE_EXTENSIONS
    assert spec.task_specs["triage"].lane == "Business Unit"
    assert spec.task_specs["triage"].documentation == "Case {{case_id}}: triage"


def test_extensions_survive_a_serializer_round_trip(good):
    parsed = good["camunda_review"]
    workflow = reload(start(parsed))
    assert workflow.spec.task_specs["triage"].extensions == TRIAGE_EXTENSIONS
    spec = SERIALIZER.from_dict(SERIALIZER.to_dict(parsed.spec))
    assert spec.task_specs["triage"].extensions == TRIAGE_EXTENSIONS


def test_a_user_task_without_camunda_attributes_has_empty_assignment_and_form(good):
    extensions = good["mi_standard"].spec.task_specs["b_review [child]"].extensions
    assert extensions == {"assignment": dict.fromkeys(TRIAGE_EXTENSIONS["assignment"]),
                          "form": {"fields": []}, "properties": {}}


def test_spiff_properties_still_feed_assignment_and_extensions(good):
    extensions = good["spiff_review"].spec.task_specs["sp_review"].extensions
    assert extensions["assignment"]["candidate_groups"] == "business_unit"
    assert extensions["assignment"]["due_date"] == "P5WD"
    assert extensions["properties"]["formKey"] == "review_v1"
    assert extensions["instructionsForEndUser"] == "Review case {{case_id}}"


# -- Multi-instance and decisions ----------------------------------------------------------------

def test_camunda_multi_instance_runs_to_completion_with_decision_ref(good):
    workflow = start(good["camunda_review"])
    [triage] = ready(workflow)
    complete(workflow, triage, agencies=["Police", "Health", "Education"], child_died=True,
             concerns_about_agency_working=True)
    workflow = reload(workflow)
    checks = ready(workflow)
    assert [t.data["agency"] for t in checks] == ["Police", "Health", "Education"]
    for task in checks:
        assert task.task_spec.bpmn_id == "agency_check"
        assert task.task_spec.lane == "Agencies"
        assert task.task_spec.extensions["assignment"]["candidate_groups"] == "${agency}"
        complete(workflow, task, known_to_agency=True)
    assert workflow.is_completed()
    assert workflow.data["pathway"] == "SCR"
    assert "agency" not in workflow.data  # the element variable stays in the instances
    assert workflow.get_tasks(spec_name="end_scr")[0].state == TaskState.COMPLETED


@pytest.mark.parametrize("died, concerns, pathway, end", [
    (True, True, "SCR", "end_scr"), (True, False, "MACR", "end_other"),
    (False, False, "MACR", "end_other")])
def test_decision_ref_picks_the_pathway(good, died, concerns, pathway, end):
    workflow = start(good["camunda_review"])
    complete(workflow, ready(workflow)[0], agencies=[], child_died=died,
             concerns_about_agency_working=concerns)
    assert workflow.is_completed()
    assert workflow.data["pathway"] == pathway
    assert workflow.get_tasks(spec_name=end)[0].state == TaskState.COMPLETED


def test_sequential_camunda_mi_then_parallel_over_the_same_variable(good):
    workflow = start(good["mi_sequential"], agencies=["Police", "Health"])
    seen = []
    for _ in range(2):
        [task] = ready(workflow)
        seen.append(task.data["agency"])
        complete(workflow, task)
    assert seen == ["Police", "Health"]
    assert sorted(t.data["agency"] for t in ready(workflow)) == ["Health", "Police"]
    for task in ready(workflow):
        complete(workflow, task)
    assert workflow.is_completed()
    assert workflow.data == {"agencies": ["Police", "Health"]}


def test_camunda_mi_completion_condition(good):
    workflow = start(good["mi_sequential"], agencies=["Police", "Stop", "Health"])
    for _ in range(3):
        complete(workflow, ready(workflow)[0])
    stop = next(t for t in ready(workflow) if t.data["agency"] == "Stop")
    complete(workflow, stop)
    assert workflow.is_completed()


def test_standard_bpmn_mi_collects_its_output(good):
    workflow = start(good["mi_standard"], agencies=["Police", "Health"])
    for task in ready(workflow):
        complete(workflow, task, agency_return=f"{task.data['agency']} return")
    assert workflow.data["returns"] == ["Police return", "Health return"]


def test_cardinality_and_an_explicit_camunda_output(good):
    workflow = start(good["mi_cardinality"], agencies=["Police", "Health"], panel_size=3)
    assert len(ready(workflow)) == 3
    for task in ready(workflow):
        complete(workflow, task)
    for task in ready(workflow):
        complete(workflow, task, view=f"{task.data['agency']} view")
    assert workflow.data["views"] == ["Police view", "Health view"]


# -- Timers --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, text, expected", [
    ("timeDuration", "P14D", ("timeDuration", "'P14D'")),
    ("timeDuration", "\n   PT4H\n ", ("timeDuration", "'PT4H'")),
    ("timeDuration", "p1y2m3dt4h5m6.5s", ("timeDuration", "'P1Y2M3DT4H5M6.5S'")),
    ("timeDuration", '"P14D"', ("timeDuration", "'P14D'")),
    ("timeDuration", "P15WD", ("timeDate", "working_days(15)")),
    ("timeDuration", "'P3WD'", ("timeDate", "working_days(3)")),
    ("timeDate", "2027-01-01T09:00:00Z", ("timeDate", "'2027-01-01T09:00:00+00:00'")),
    ("timeDate", "2027-01-01T09:00:00+02:00", ("timeDate", "'2027-01-01T07:00:00+00:00'")),
    ("timeDate", "2027-07-15T09:00:00", ("timeDate", "'2027-07-15T08:00:00+00:00'")),
    ("timeDate", "2027-01-15T09:00", ("timeDate", "'2027-01-15T09:00:00+00:00'")),
    ("timeDate", "2027-07-15", ("timeDate", "'2027-07-14T23:00:00+00:00'")),
    ("timeDate", '"2027-07-15T09:00:00"', ("timeDate", "'2027-07-15T08:00:00+00:00'")),
    ("timeCycle", "R/P1M", ("timeCycle", "'R/P1M'")),
    ("timeCycle", "R3/PT10M", ("timeCycle", "'R3/PT10M'")),
    ("timeCycle", "R2/2027-07-01T09:00:00/P1D", ("timeCycle", "'R2/2027-07-01T08:00:00+00:00/P1D'")),
    ("timeDate", "due_at", ("timeDate", "due_at")),
    ("timeDate", "${due_at}", ("timeDate", "due_at")),
    ("timeDate", "working_days(15)", ("timeDate", "working_days(15)")),
    ("timeDuration", "f'P{days}D'", ("timeDuration", "f'P{days}D'")),
    ("timeDuration", "P14X", ("timeDuration", "P14X")),
    ("timeDate", "P15WD", ("timeDate", "P15WD")),
])
def test_timer_expression(kind, text, expected):
    assert timer_expression(kind, text) == expected


@pytest.mark.parametrize("process_id, due", [
    ("timer_duration", "2026-03-24T10:00:00+00:00"),
    ("timer_hours", "2026-03-10T14:00:00+00:00"),
    ("timer_date", "2027-01-01T09:00:00+00:00"),
    ("timer_naive", "2027-07-15T08:00:00+00:00"),
    ("timer_working_days", "2026-03-31T10:00:00+00:00"),
    ("timer_quoted", "2026-03-24T10:00:00+00:00"),
    ("timer_variable", "2027-02-03T04:05:06+00:00"),
    ("timer_helper", "2026-03-31T10:00:00+00:00"),
    ("timer_count", "2026-03-10T10:10:00+00:00"),
])
def test_timers_are_due_when_written_and_fire_after(good, process_id, due):
    with clock.frozen(NOW):
        workflow = start(good[process_id], due_at="2027-02-03T04:05:06+00:00")
    assert [event.value for event in workflow.waiting_events()] == [due]
    workflow = reload(workflow)
    due_at = datetime.fromisoformat(due)
    with clock.frozen(due_at - timedelta(seconds=1)):
        workflow.refresh_timers()
        workflow.do_engine_steps()
    assert not workflow.is_completed()
    for _ in range(3):  # a cycle fires once per due time: R3 needs three
        with clock.frozen(due_at + timedelta(hours=1)):
            workflow.refresh_timers()
            workflow.do_engine_steps()
    assert workflow.is_completed()


def test_a_cycle_boundary_timer_reminds_and_keeps_the_task(good):
    with clock.frozen(NOW):
        workflow = start(good["timer_cycle"])
    assert [e.value for e in workflow.waiting_events()] == ["2026-04-10T10:00:00+00:00"]
    with clock.frozen(datetime(2026, 4, 10, 11, 0, tzinfo=timezone.utc)):
        workflow.refresh_timers()
        workflow.do_engine_steps()
    assert workflow.get_tasks(spec_name="timer_cycle_remind")[0].state == TaskState.COMPLETED
    assert [t.task_spec.bpmn_id for t in ready(workflow)] == ["timer_cycle_review"]
    # SpiffWorkflow fixes the length of "P1M" once (31 days from 10 March), not per month.
    assert [e.value for e in workflow.waiting_events()] == ["2026-05-11T10:00:00+00:00"]


# -- Spiff-style files, call activities, messages ------------------------------------------------

def test_a_valid_multi_file_set_passes(good):
    parsed = parse_definitions(read_paths(
        [GOOD / "spiff_review.bpmn", GOOD / "agency_summary.bpmn", GOOD / "pathway.dmn"]))
    assert sorted(parsed) == ["agency_summary", "spiff_review"]
    review = parsed["spiff_review"]
    assert review.name == "Spiff-style review"
    assert sorted(review.files) == ["agency_summary.bpmn", "pathway.dmn", "spiff_review.bpmn"]
    assert review.files["pathway.dmn"] == (GOOD / "pathway.dmn").read_text()
    assert list(review.subprocess_specs) == ["agency_summary"]
    assert review.lanes == ("Business Unit", "Independent Reviewer")
    assert review.start_messages == () and review.is_executable


def test_spiff_style_process_runs_through_call_activity(good):
    workflow = start(good["spiff_review"], agencies=["Police"])
    [review] = ready(workflow)
    assert review.data["agency_count"] == 1
    assert review.data["summaries"] == ["Police: pending"]
    complete(workflow, review, child_died=False, concerns_about_agency_working=False)
    [write] = ready(workflow)
    assert (write.task_spec.bpmn_id, write.task_spec.lane) == ("as_write", "Independent Reviewer")
    complete(workflow, write, summary="done")
    assert workflow.is_completed() and workflow.data["pathway"] == "MACR"


def test_call_activity_without_its_process_is_a_problem():
    [problem] = problems_of("spiff_review.bpmn", "pathway.dmn", folder=GOOD)
    assert (problem.element_id, problem.file) == ("sp_summary", "spiff_review.bpmn")
    assert problem.line == line_of(GOOD / "spiff_review.bpmn", 'id="sp_summary"')


def test_message_start_events_and_correlation(good):
    assert good["scr"].start_messages == ("scr_referral",)
    assert good["cdr"].start_messages == ()
    assert good["concern_intake"].start_messages == ("agency_concern",)
    assert "coroner" not in good  # isExecutable="false" pools are skipped
    assert good["scr"].name == "Serious case review"

    [event] = start(good["cdr"], case_id="C-1").get_events()
    assert event.payload == {"case_id": "C-1", "reason": "child died"}
    assert event.correlations == {"case_key": {"case_id_prop": "C-1"}}
    review = start(good["scr"])
    review.send_event(event)
    review.do_engine_steps()
    review = reload(review)
    update = BpmnEvent(MessageEventDefinition("scr_update"), {"case_id": "C-1", "text": "hi"},
                       {"case_key": {"case_id_prop": "C-1"}})
    review.send_event(update)
    review.do_engine_steps()
    assert review.is_completed()
    assert review.data["referral"]["case_id"] == "C-1" and review.data["update"]["text"] == "hi"


def test_parsed_process_is_frozen(good):
    with pytest.raises(dataclasses.FrozenInstanceError):
        good["cdr"].name = "other"


def test_a_utf16_file_parses_and_keeps_its_text():
    text = (GOOD / "camunda_message.bpmn").read_text().replace('"UTF-8"', '"UTF-16"')
    parsed = parse_definitions({"concern.bpmn": text.encode("utf-16")})
    assert parsed["concern_intake"].files == {"concern.bpmn": text}


# -- read_paths ----------------------------------------------------------------------------------

def test_read_paths_reads_folders_recursively_and_sorts(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "b.bpmn").write_bytes(b"b")
    (tmp_path / "sub" / "a.dmn").write_bytes(b"a")
    (tmp_path / "notes.txt").write_bytes(b"x")
    single = tmp_path / "sub" / "c.BPMN"
    single.write_bytes(b"c")
    assert read_paths([tmp_path]) == {"b.bpmn": b"b", "sub/a.dmn": b"a", "sub/c.BPMN": b"c"}
    assert read_paths([str(single)]) == {"c.BPMN": b"c"}


def test_read_paths_refuses_missing_paths_and_clashing_names(tmp_path):
    with pytest.raises(DefinitionError, match="no such file"):
        read_paths([tmp_path / "missing"])
    (tmp_path / "x.bpmn").write_bytes(b"x")
    with pytest.raises(DefinitionError, match="two files"):
        read_paths([tmp_path, tmp_path / "x.bpmn"])


# -- Validation: one Problem per rule, with element id and line -----------------------------------

EXPRESSION_PROBLEMS = [
    ("bad_prop", "case_id.__class__", '"__class__" is an invalid attribute name'),
    ("f_syntax", "pathway == 'SCR<", "condition: syntax error"),
    ("f_import", "__import__('os').getcwd()", '"__import__" is an invalid variable name'),
    ("f_nocond", 'id="f_nocond"', "needs a condition"),
    ("script_bad", "c = a.__class__", "script: not allowed"),
    ("script_hooks", 'id="script_hooks"', "scripts are Python, not 'groovy'"),
    ("script_hooks", "x = = 1", "pre-script: syntax error"),
    ("script_hooks", "y = [", "post-script: syntax error"),
    ("timer_lookalike", ">P14X<", "not a valid ISO 8601 duration"),
    ("timer_wrong_kind", ">P14D<", "timeDate needs an ISO 8601 date-time"),
    ("timer_syntax", "due_at +", "timer timeDate: syntax error"),
    ("timer_wd_date", ">P15WD<", "only in a timeDuration"),
    ("mi_cardinality", "3 +", "loop cardinality: syntax error"),
    ("mi_collection", "case.agencies", "must name a process variable"),
    ("mi_collection", "_secret == 1", "completion condition: not allowed"),
    ("assign_bad", "agency[", "candidateGroups: syntax error"),
    ("assign_bad", "agency[", "dueDate: not allowed"),
    ("form_bad", 'id="upload"', "form field 'upload': unsupported type 'file'"),
    ("form_bad", 'label="Custom"', "unknown constraint 'validator'"),
    ("form_bad", 'label="Custom"', "minlength needs a whole number"),
    ("form_bad", 'id="choice"', "an enum field needs at least one value"),
    ("form_bad", 'label="Again"', "form field 'custom': duplicate field id"),
    ("form_bad", 'id="_hidden"', "Python identifier"),
    ("form_bad", '<bpmn:userTask id="form_bad">', "assignee: not allowed"),
    ("throw_bad", "{'case_id': case_id,<", "message payload: syntax error"),
]
STRUCTURE_PROBLEMS = [
    ("sub_nostart", 'id="sub_nostart"', "no start event"),
    ("dup_task", '<bpmn:task id="dup_task" />', "duplicate id 'dup_task'"),
    ("call_unknown", 'id="call_unknown"', "'no_such_process', which is not among the files"),
    ("call_nonexec", 'id="call_nonexec"', "'coroner_pool', which is not executable"),
    ("rule_unknown", 'id="rule_unknown"', "'no_such_decision', which is not in any DMN file"),
    ("rule_none", 'id="rule_none"', "names no decision"),
    ("f_missing", 'id="f_missing"', "targetRef 'nowhere' is not an element of this process"),
    ("no_start", 'id="no_start"', "no start event"),
]
CASES = ([("expressions.bpmn", *case) for case in EXPRESSION_PROBLEMS]
         + [("structure.bpmn", *case) for case in STRUCTURE_PROBLEMS])


@pytest.fixture(scope="module")
def bad_problems():
    return problems_of("expressions.bpmn", "structure.bpmn")


@pytest.mark.parametrize("filename, element_id, marker, fragment", CASES,
                         ids=[f"{c[1]}:{c[3][:30]}" for c in CASES])
def test_each_rule_names_element_and_line(bad_problems, filename, element_id, marker, fragment):
    line = line_of(BAD / filename, marker)
    found = [p for p in bad_problems if p.file == filename and fragment in p.message
             and p.element_id == element_id]
    assert [p.line for p in found] == [line], bad_problems


def test_every_problem_is_expected_and_none_is_repeated(bad_problems):
    assert len(bad_problems) == len(CASES) == len(set(bad_problems))


@pytest.mark.parametrize("kind, text, fragment", [
    ("timeDuration", "P14D", None),
    ("timeDuration", "P15WD", None),
    ("timeCycle", "R/P1M", None),
    ("timeDate", "due_at", None),
    ("timeDuration", "'P' + str(days) + 'D'", None),
    ("timeDate", '"tomorrow"', "needs an ISO 8601 date-time, not 'tomorrow'"),
    ("timeDate", "P14D", "needs an ISO 8601 date-time, not 'P14D'"),
    ("timeCycle", "P1M", "needs an ISO 8601 repeating cycle"),
    ("timeDate", "2027-13-01", "'2027-13-01' is not a valid ISO 8601 date-time"),
    ("timeDuration", "PT", "'PT' is not a valid ISO 8601 duration"),
    ("timeCycle", "R/P1X", "is not a valid ISO 8601 repeating cycle"),
    ("timeCycle", "R2/2027-01-01T09:00:00Z/2027-02-01T09:00:00Z", "is not a valid ISO 8601"),
    ("timeCycle", "R2/P1D/2027-02-01T09:00:00Z", None),
])
def test_timer_problem(kind, text, fragment):
    problem = timer_problem(kind, text)
    assert problem == fragment if fragment is None else fragment in problem


@pytest.mark.parametrize("source, mode, expected", [
    ("a = 1\nb = a.__dict__", "exec", [(2, 'not allowed: "__dict__" is an invalid attribute name '
                                        'because it starts with "_".')]),
    ("x = 1\nfrom os import path", "exec", [(2, "not allowed: import (scripts get their helpers "
                                                  "without importing)")]),
    ("x ==", "eval", [(1, "syntax error: invalid syntax")]),
    ("  ", "eval", [(1, "is empty")]),
    ("getattr(x, 'y')", "eval", []),  # allowed names are the sandbox's business at run time
    ("lambda: 1", "eval", []),
    ("1+" * 100_000 + "1", "eval", [(1, "is too deeply nested to compile")]),
    ("x\0", "eval", [(1, "syntax error: source code string cannot contain null bytes")]),
])
def test_expression_errors(source, mode, expected):
    assert expression_errors(source, mode) == expected


def test_problems_from_all_files_are_collected_together():
    problems = problems_of("expressions.bpmn", "form_type.bpmn", "two_decisions.dmn")
    assert {p.file for p in problems} == {"expressions.bpmn", "form_type.bpmn", "two_decisions.dmn"}


def test_a_spiff_validation_exception_gets_file_line_and_element():
    [problem] = problems_of("unsupported.bpmn")
    assert problem.file == "unsupported.bpmn"
    assert problem.element_id == "cx"
    assert problem.line == line_of(BAD / "unsupported.bpmn", 'id="cx"')
    assert "no support" in problem.message


def test_problem_from_spiff_recovers_the_line_by_id():
    tree = parse_xml((GOOD / "camunda_review.bpmn").read_bytes(), "camunda_review.bpmn")
    exc = ValidationException("something is wrong", file_name="camunda_review.bpmn", id="triage")
    problem = problem_from_spiff(exc, None, {"camunda_review.bpmn": tree})
    assert problem.line == line_of(GOOD / "camunda_review.bpmn", 'id="triage"')
    assert (problem.element_id, problem.message) == ("triage", "something is wrong")
    unknown = problem_from_spiff(ValidationException("no file"), "x.bpmn", {})
    assert (unknown.file, unknown.line, unknown.element_id) == ("x.bpmn", None, None)


def test_a_schema_error_keeps_its_line_and_finds_its_element():
    [problem] = problems_of("schema_order.bpmn")
    assert problem.line == line_of(BAD / "schema_order.bpmn", "<bpmn:documentation>")
    assert problem.element_id == "start"
    assert "'bpmn:documentation': This element is not expected" in problem.message


def test_an_unknown_field_type_is_refused_by_the_parser_too():
    parser = LscbParser()
    tree = parse_xml((BAD / "form_type.bpmn").read_bytes(), "form_type.bpmn")
    parser.add_bpmn_xml(tree, "form_type.bpmn")
    with pytest.raises(ValidationException) as caught:
        parser.get_spec("form_type")
    assert caught.value.id == "upload_task"
    assert "form field 'report': unsupported type 'file'" in str(caught.value)
    [problem] = problems_of("form_type.bpmn")
    assert (problem.file, problem.element_id) == ("form_type.bpmn", "upload_task")
    assert problem.line == line_of(BAD / "form_type.bpmn", 'id="report"')


def test_a_dmn_file_needs_exactly_one_decision():
    [problem] = problems_of("two_decisions.dmn")
    assert "exactly one decision, found 2" in problem.message


def test_a_decision_id_in_two_files_is_a_problem():
    dmn = (GOOD / "pathway.dmn").read_bytes()
    with pytest.raises(DefinitionError) as caught:
        parse_definitions({"a.dmn": dmn, "b.dmn": dmn})
    assert sorted(p.file for p in caught.value.problems) == ["a.dmn", "b.dmn"]
    assert all(p.element_id == "pathway_decision" for p in caught.value.problems)


def test_a_process_id_in_two_files_is_a_problem():
    bpmn = (GOOD / "camunda_message.bpmn").read_bytes()
    with pytest.raises(DefinitionError) as caught:
        parse_definitions({"a.bpmn": bpmn, "b.bpmn": bpmn})
    [problem] = caught.value.problems
    assert "Duplicate process ID: concern_intake" in problem.message
    assert problem.element_id == "concern_intake" and problem.line


def test_malformed_and_foreign_documents_are_problems_next_to_others():
    files = {"broken.bpmn": b"<bpmn:definitions>\n<oops>", "page.bpmn": b"<html/>",
             "form_type.bpmn": (BAD / "form_type.bpmn").read_bytes()}
    with pytest.raises(DefinitionError) as caught:
        parse_definitions(files)
    by_file = {p.file: p for p in caught.value.problems}
    assert set(by_file) == set(files)
    assert by_file["broken.bpmn"].line in (1, 2)
    assert "not a BPMN 2.0 or DMN document" in by_file["page.bpmn"].message


def test_an_empty_set_parses_to_nothing():
    assert parse_definitions({}) == {}
