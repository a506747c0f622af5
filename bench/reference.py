"""The ~30-node reference process the benchmarks run, generated (deterministic)."""
from __future__ import annotations

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
XSI = "http://www.w3.org/2001/XMLSchema-instance"


def reference_bpmn(stages: int = 8) -> bytes:
    """A process of ``stages`` x (user task + script), an XOR split/join with two-step branches,
    and an AND split/join over three user tasks: 30 flow nodes, 13 user tasks on each path."""
    nodes, flows = [], []

    def flow(a, b, condition=None):
        fid = f"f{len(flows) + 1}"
        body = (f'<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}'
                f'</bpmn:conditionExpression>') if condition else ""
        flows.append(f'<bpmn:sequenceFlow id="{fid}" sourceRef="{a}" targetRef="{b}">{body}'
                     f'</bpmn:sequenceFlow>')
        return fid

    def user(uid, group):
        nodes.append(
            f'<bpmn:userTask id="{uid}" name="Step {uid}" camunda:candidateGroups="{group}" '
            f'camunda:dueDate="P10WD"><bpmn:extensionElements><camunda:formData>'
            f'<camunda:formField id="note" label="Note" type="string" />'
            f'<camunda:formField id="score" label="Score" type="long" />'
            f'</camunda:formData></bpmn:extensionElements></bpmn:userTask>')

    nodes.append('<bpmn:startEvent id="start" />')
    previous = "start"
    for i in range(stages):
        user(f"u{i}", f"group{i % 4}")
        flow(previous, f"u{i}")
        nodes.append(f'<bpmn:scriptTask id="s{i}" scriptFormat="python"><bpmn:script>'
                     f'steps = {i + 1}</bpmn:script></bpmn:scriptTask>')
        flow(f"u{i}", f"s{i}")
        previous = f"s{i}"
    nodes.append('<bpmn:exclusiveGateway id="xor" default="fb1" />')
    flow(previous, "xor")
    user("a1", "group1")
    user("a2", "group2")
    user("b1", "group1")
    user("b2", "group2")
    flows.append('<bpmn:sequenceFlow id="fa1" sourceRef="xor" targetRef="a1">'
                 '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">steps &gt; 5'
                 '</bpmn:conditionExpression></bpmn:sequenceFlow>')
    flows.append('<bpmn:sequenceFlow id="fb1" sourceRef="xor" targetRef="b1" />')
    flow("a1", "a2")
    flow("b1", "b2")
    nodes.append('<bpmn:exclusiveGateway id="xjoin" />')
    flow("a2", "xjoin")
    flow("b2", "xjoin")
    nodes.append('<bpmn:parallelGateway id="and" />')
    nodes.append('<bpmn:parallelGateway id="ajoin" />')
    flow("xjoin", "and")
    for p in ("p1", "p2", "p3"):
        user(p, "group3")
        flow("and", p)
        flow(p, "ajoin")
    nodes.append('<bpmn:endEvent id="end" />')
    flow("ajoin", "end")
    return (f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions xmlns:bpmn="{BPMN}" '
            f'xmlns:camunda="{CAMUNDA}" xmlns:xsi="{XSI}" id="defs" targetNamespace="http://b">'
            f'<bpmn:process id="reference" isExecutable="true" '
            f'camunda:candidateStarterGroups="group0">{"".join(nodes)}'
            f'{"".join(flows)}</bpmn:process></bpmn:definitions>').encode()
