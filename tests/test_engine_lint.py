from pathlib import Path

import pytest

from engine.assignment import lane_group
from engine.lint import LintContext, call_graph, lint
from engine.xmlsafe import parse_xml

DATA = Path(__file__).parent / "data"
TWO_LANE = (DATA / "engine/two_lane.bpmn").read_text()
LIBRARY = Path(__file__).parent.parent / "workflows"
GROUPS = frozenset({"intake", "lscb-chair", "police"})


def findings(xml, groups=GROUPS, lanes=None, extra=None, agencies=frozenset()):
    trees = {"two_lane.bpmn": parse_xml(xml, "two_lane.bpmn")}
    calls, feeders = call_graph({**trees, **(extra or {})})
    context = LintContext(groups=groups, agency_groups=agencies, lane_groups=lanes or {},
                          calls=calls, feeders=feeders)
    return lint(trees, context)


def test_a_clean_diagram_has_no_findings():
    assert findings(TWO_LANE) == []


def test_a_candidate_group_that_does_not_exist_is_an_error_with_element_and_line():
    xml = TWO_LANE.replace('candidateGroups="intake"', 'candidateGroups="intake,nobody"')
    [problem] = findings(xml)
    assert problem.severity == "error" and problem.element_id == "triage"
    assert "'nobody' does not exist" in problem.message
    assert problem.line == next(i for i, l in enumerate(xml.splitlines(), 1) if 'id="triage"' in l)


def test_an_expression_group_is_information_unless_a_group_field_or_script_literals_set_it():
    xml = TWO_LANE.replace('candidateGroups="intake"', 'candidateGroups="${agency}"')
    [problem] = findings(xml)
    assert problem.severity == "info" and "only known when the task starts" in problem.message
    assert "reported to managers" in problem.message
    field = xml.replace('<camunda:formField id="summary" label="Summary" type="text">',
                        '<camunda:formField id="agency" label="Agency" type="group"/>'
                        '<camunda:formField id="summary" label="Summary" type="text">')
    assert findings(field) == []                  # a group field accepts only existing groups
    scripted = xml.replace('<bpmn:startEvent id="start">',
                           '<bpmn:scriptTask id="pick"><bpmn:script>agency = \'police\'\n'
                           'agency = \'polise\'</bpmn:script></bpmn:scriptTask>'
                           '<bpmn:startEvent id="start">')
    warned = [p for p in findings(scripted) if p.element_id == "triage"]
    assert [p.severity for p in warned] == ["warning"] and "'polise'" in warned[0].message
    looped = xml.replace('camunda:priority="60">', 'camunda:priority="60"><bpmn:multiInstanceLoopCharacteristics '
                         'camunda:collection="agencies" camunda:elementVariable="agency" />', 1)
    [problem] = findings(looped, agencies=frozenset({"police"}))
    assert problem.severity == "info" and "police" in problem.message


def test_a_lane_task_needs_a_mapped_or_existing_group():
    [problem] = findings(TWO_LANE, groups=frozenset({"intake"}))
    assert problem.element_id == "decide" and "lane 'LSCB Chair'" in problem.message
    assert findings(TWO_LANE, groups=frozenset({"intake", "chair"}), lanes={"LSCB Chair": "chair"}) == []
    assert lane_group("T&PD Sub-Group") == "t-pd-sub-group"
    assert lane_group("T&PD Sub-Group", "tpd") == "tpd"


def test_literal_groups_and_lane_mappings_match_whatever_their_case():
    assert findings(TWO_LANE.replace('candidateGroups="intake"', 'candidateGroups="Intake"')) == []
    assert findings(TWO_LANE, groups=frozenset({"intake", "chair"}), lanes={"LSCB Chair": "Chair"}) == []
    [problem] = findings(TWO_LANE.replace('candidateGroups="intake"', 'candidateGroups="Intaker"'))
    assert "'Intaker' does not exist" in problem.message


def test_a_statutory_due_date_needs_a_boundary_timer_leading_to_an_escalation_task():
    named = TWO_LANE.replace('name="Triage the notification"', 'name="Statutory triage"')
    [problem] = findings(named)
    assert problem.severity == "warning" and problem.element_id == "triage"
    assert "no escalation path" in problem.message
    flagged = TWO_LANE.replace('camunda:priority="60">', 'camunda:priority="60"><bpmn:extensionElements>'
                               '<camunda:properties><camunda:property name="statutory" value="true"/>'
                               '</camunda:properties></bpmn:extensionElements>', 1)
    assert [p.element_id for p in findings(flagged)] == ["triage"]
    mentioned = TWO_LANE.replace("Triage case {{ case_ref }}.",
                                 "The statutory clock runs from the notification: triage case {{ case_ref }}.")
    assert findings(mentioned) == []    # documentation that mentions a statutory clock is not a flag


def test_a_boundary_timer_that_leads_to_no_task_is_a_deadline_without_escalation():
    timer = ('<bpmn:boundaryEvent id="late" attachedToRef="triage" cancelActivity="false">'
             '<bpmn:outgoing>f_late</bpmn:outgoing><bpmn:timerEventDefinition id="t1">'
             '<bpmn:timeDuration>P5D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>'
             '<bpmn:endEvent id="late_end"><bpmn:incoming>f_late</bpmn:incoming></bpmn:endEvent>'
             '<bpmn:sequenceFlow id="f_late" sourceRef="late" targetRef="{target}" />')
    xml = TWO_LANE.replace("</bpmn:process>", timer.format(target="late_end") + "</bpmn:process>")
    [problem] = findings(xml)
    assert "boundary timer 'late' leads to no task" in problem.message
    escalating = TWO_LANE.replace("</bpmn:process>", timer.format(target="decide") + "</bpmn:process>")
    assert [p for p in findings(escalating) if "escalation" in p.message] == []


def test_dead_ends_and_unreachable_steps_are_found():
    xml = TWO_LANE.replace('<bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="done" />', "")
    problems = {(p.element_id, p.severity) for p in findings(xml)}
    assert ("decide", "error") in problems and ("done", "warning") in problems


@pytest.mark.parametrize("calls, warned", [("", True), ("learning_capture", False), ("p99_helper", False)])
def test_a_review_pathway_must_feed_the_learning_loop(calls, warned):
    xml = TWO_LANE.replace('id="two_lane"', 'id="p09_test"').replace('processRef="two_lane"', 'processRef="p09_test"')
    if calls:
        xml = xml.replace('<bpmn:endEvent id="done"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>',
                          f'<bpmn:callActivity id="learn" calledElement="{calls}"><bpmn:incoming>f3</bpmn:incoming>'
                          '<bpmn:outgoing>f4</bpmn:outgoing></bpmn:callActivity><bpmn:endEvent id="done">'
                          '<bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>'
                          '<bpmn:sequenceFlow id="f4" sourceRef="learn" targetRef="done" />')
        xml = xml.replace('<bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="done" />',
                          '<bpmn:sequenceFlow id="f3" sourceRef="decide" targetRef="learn" />')
    helper = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
              '<bpmn:process id="p99_helper" isExecutable="true"><bpmn:callActivity id="c" '
              'calledElement="learning_loop" /></bpmn:process></bpmn:definitions>')
    problems = findings(xml, extra={"helper.bpmn": parse_xml(helper, "helper.bpmn")})
    learning = [p for p in problems if "learning loop" in p.message]
    assert bool(learning) == warned
    if warned:
        assert learning[0].element_id == "p09_test" and learning[0].severity == "warning"


def test_the_library_has_no_lint_errors_when_its_groups_exist():
    trees = {p.name: parse_xml(p.read_bytes(), p.name) for p in LIBRARY.glob("*.bpmn")}
    groups = {"bf-s11-panel", "board", "business-unit", "cdop", "childrens-social-care", "comms",
              "health", "independent-reviewer", "lisg", "lscb-chair", "partner-agencies", "police",
              "s11-panel", "tpd", "safeguarding-partners", "local-authority-partner", "icb-partner",
              "police-partner", "partnership-chair", "independent-scrutineer"}
    calls, feeders = call_graph(trees)
    problems = lint(trees, LintContext(groups=frozenset(groups), calls=calls, feeders=feeders))
    assert [str(p) for p in problems if p.severity == "error"] == []
    assert not [p for p in problems if "learning loop" in p.message]
