"""Lint rules that matter to the board, on top of the deploy-time checks in ``validation``.

- every starter group of a process exists (``camunda:candidateStarterGroups``);
- every user task reaches people: literal candidate groups exist, expressions are flagged, a
  task without candidates goes to a lane that maps to an existing group;
- every statutory deadline (a boundary timer, or a ``camunda:dueDate`` marked statutory) has an
  escalation path: a boundary timer whose flow reaches a task someone must act on (ordinary due
  dates are escalated by the engine's reminder ladder, ``deadline_plan``);
- every review pathway (``p0*``/``p1*``) feeds the learning loop, itself or through a process it
  calls or that calls it;
- no dead ends: every flow node reaches an end event, and only start events lack incoming flow.

Pure functions over parsed lxml trees; the caller supplies what the database knows
(``LintContext``). Each finding is a ``Problem`` with file, line, element id and severity.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .assignment import group_slug, lane_group
from .errors import Problem
from .parser import NSMAP, assignment_from_node, camunda, starters_from_node, task_properties
from .validation import executable_processes

LEARNING_TARGETS = frozenset({"learning_capture", "learning_loop"})
LEARNING_MESSAGES = frozenset({"learning_item_identified"})
REVIEW_PATHWAY = re.compile(r"^p[01]\d")
ACTIVITIES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask",
              "receiveTask", "businessRuleTask", "callActivity", "subProcess", "transaction"}
EVENTS = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent",
          "boundaryEvent"}
GATEWAYS = {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway",
            "complexGateway"}
FLOW_NODES = ACTIVITIES | EVENTS | GATEWAYS
ESCALATION_TASKS = {"userTask", "manualTask", "callActivity"}
_EL = re.compile(r"\$\{\s*([^}]*?)\s*\}")
_LITERAL_ASSIGNMENT = re.compile(r"^\s*([A-Za-z_]\w*)\s*=\s*['\"]([^'\"]*)['\"]\s*$", re.MULTILINE)


@dataclass(frozen=True)
class LintContext:
    """What the lint rules need to know beyond the files: groups, lanes, the call graph."""

    groups: frozenset[str] = frozenset()
    agency_groups: frozenset[str] = frozenset()
    lane_groups: Mapping[str, str] = field(default_factory=dict)
    calls: Mapping[str, frozenset[str]] = field(default_factory=dict)   # process -> callees
    feeders: frozenset[str] = frozenset()       # processes that feed the loop directly


def lint(trees: Mapping, context: LintContext) -> list[Problem]:
    """Every lint finding in the executable processes of ``trees`` (filename -> lxml tree)."""
    problems = []
    for filename, tree in trees.items():
        root = tree.getroot() if hasattr(tree, "getroot") else tree
        for process in executable_processes(root):
            problems += _assignment(filename, process, context)
            problems += _starters(filename, process, context)
            problems += _deadlines(filename, process)
            problems += _learning(filename, process, context)
            for container in [process, *_x(process, ".//bpmn:subProcess | .//bpmn:transaction")]:
                problems += _dead_ends(filename, container)
    return problems


def call_graph(trees: Mapping) -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """``({process id: called process ids}, processes that feed the learning loop directly)``."""
    calls, feeders = {}, set()
    for tree in trees.values():
        root = tree.getroot() if hasattr(tree, "getroot") else tree
        messages = {m.get("id"): m.get("name") for m in _x(root, "./bpmn:message")}
        for process in _x(root, "./bpmn:process"):
            called = {c.get("calledElement") for c in _x(process, ".//bpmn:callActivity")}
            calls[process.get("id")] = frozenset(c for c in called if c)
            thrown = {messages.get(d.get("messageRef")) for d in _x(
                process, ".//bpmn:intermediateThrowEvent/bpmn:messageEventDefinition"
                " | .//bpmn:endEvent/bpmn:messageEventDefinition | .//bpmn:sendTask")}
            thrown |= {messages.get(t.get("messageRef")) for t in _x(process, ".//bpmn:sendTask")}
            if called & LEARNING_TARGETS or thrown & LEARNING_MESSAGES:
                feeders.add(process.get("id"))
    return calls, frozenset(feeders)




# -- user tasks reach people -------------------------------------------------------------------
def _assignment(filename, process, context) -> list[Problem]:
    problems = []
    lanes = {ref.text.strip(): lane.get("name") or lane.get("id")
             for lane in _x(process, ".//bpmn:lane") for ref in _x(lane, "./bpmn:flowNodeRef")
             if ref.text}
    set_in = _group_variables(process)
    for task in _x(process, ".//bpmn:userTask"):
        assignment = assignment_from_node(task, task_properties(task))
        groups = [g.strip() for g in (assignment["candidate_groups"] or "").split(",") if g.strip()]
        for group in groups:
            problems += _group_problem(filename, task, group, context, set_in)
        if groups or assignment["candidate_users"] or assignment["assignee"]:
            continue
        lane = lanes.get(task.get("id"))
        if lane is None:
            problems.append(_p(filename, task, "nobody would get this task: set candidate groups, "
                               "candidate users or an assignee, or put it in a lane"))
            continue
        slug = lane_group(lane, context.lane_groups.get(lane))
        if slug not in context.groups:
            problems.append(_p(filename, task, f"goes to lane {lane!r} (group {slug!r}), which is "
                               "not an existing group: set candidate groups, or map the lane to a "
                               "group in Admin > Lanes"))
    return problems


def _group_variables(process) -> dict[str, list[str] | None]:
    """Variables the process sets to a group: ``None`` for a ``group``/``groups`` form field
    (the form accepts only existing groups), else the literals scripts assign (``x = 'lisg'``)."""
    found: dict[str, list[str] | None] = {}
    for field_ in _x(process, ".//camunda:formField[@type='group' or @type='groups']"):
        found[field_.get("id")] = None
    for script in _x(process, ".//bpmn:script"):
        for name, literal in _LITERAL_ASSIGNMENT.findall(script.text or ""):
            if name not in found or found[name] is not None:
                found.setdefault(name, []).append(literal)
    return found


def _group_problem(filename, task, group, context, set_in) -> list[Problem]:
    found = _EL.fullmatch(group)
    if found is None and "${" not in group:
        if group_slug(group) in context.groups:
            return []
        return [_p(filename, task, f"candidate group {group!r} does not exist (create it in "
                   "Admin > Groups, or use an existing group's slug)")]
    loop = _x(task, "./bpmn:multiInstanceLoopCharacteristics")
    element_variable = camunda(loop[0], "elementVariable") if loop else None
    if found is not None and found.group(1) == element_variable and context.agency_groups:
        return [_p(filename, task, f"candidate group {group} is each agency in turn; it must be one "
                   f"of the agency groups ({', '.join(sorted(context.agency_groups))})", "info")]
    variable = found.group(1) if found is not None else None
    if variable in set_in and set_in[variable] is None:
        return []                         # a group field: only existing groups are accepted
    unknown = sorted({v for v in set_in.get(variable) or () if group_slug(v) not in context.groups})
    if unknown:
        return [_p(filename, task, f"candidate group {group} may be {', '.join(map(repr, unknown))}, "
                   "which is not an existing group (create it in Admin > Groups)", "warning")]
    return [_p(filename, task, f"candidate group {group} is only known when the task starts; if "
               "the case data names no existing group, the task is reported to managers as one "
               "nobody can act on", "info")]


# -- who may start a process -------------------------------------------------------------------
def _starters(filename, process, context) -> list[Problem]:
    """Starter groups are literal groups that exist (no expression: nothing to evaluate it
    over before the case exists)."""
    problems = []
    for group in starters_from_node(process)["groups"]:
        if "${" in group:
            problems.append(_p(filename, process, f"candidate starter group {group!r} must name "
                               "a group, not an expression"))
        elif group_slug(group) not in context.groups:
            problems.append(_p(filename, process, f"candidate starter group {group!r} does not "
                               "exist (create it in Admin > Groups, or use an existing group's "
                               "slug)"))
    return problems


# -- deadlines escalate ------------------------------------------------------------------------
def _deadlines(filename, process) -> list[Problem]:
    problems = []
    for host in _x(process, ".//*[@id]"):
        if _local(host) not in ACTIVITIES:
            continue
        timers = [b for b in _siblings(host, "boundaryEvent")
                  if b.get("attachedToRef") == host.get("id")
                  and _x(b, "./bpmn:timerEventDefinition")]
        due = camunda(host, "dueDate")
        if timers:
            if not any(_reaches_escalation(b) for b in timers):
                ids = ", ".join(repr(b.get("id")) for b in timers)
                problems.append(_p(filename, host, f"deadline without escalation: boundary timer "
                                   f"{ids} leads to no task that someone must act on", "warning"))
        elif due and _statutory(host):
            problems.append(_p(filename, host, f"due date {due!r} has no escalation path: add a "
                               "boundary timer that leads to an escalation task", "warning"))
    return problems


def _statutory(host) -> bool:
    """A due date is statutory when the task says so (property ``statutory``, or the word in its
    name); other due dates are escalated by the system ladder alone. Documentation that merely
    mentions a statutory clock (an escalation task explaining the deadline it chases) does not
    make the task's own due date statutory."""
    flag = (task_properties(host).get("statutory") or "").strip().lower()
    return flag in ("true", "yes", "1") or "statutory" in (host.get("name") or "").lower()


def _reaches_escalation(boundary) -> bool:
    graph, kinds = _graph(boundary.getparent())
    seen, todo = set(), [boundary.get("id")]
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if node != boundary.get("id") and kinds.get(node) in ESCALATION_TASKS:
            return True
        todo += graph.get(node, [])
    return False


# -- review pathways feed the learning loop ----------------------------------------------------
def _learning(filename, process, context) -> list[Problem]:
    pid = process.get("id") or ""
    if not REVIEW_PATHWAY.match(pid) or _feeds(pid, context) or _fed_by_caller(pid, context):
        return []
    targets = " or ".join(sorted(LEARNING_TARGETS))
    return [_p(filename, process, f"review pathway {pid!r} does not feed the learning loop: call "
               f"{targets} (or throw {', '.join(sorted(LEARNING_MESSAGES))}) before it ends",
               "warning")]


def _feeds(pid: str, context, seen=None) -> bool:
    seen = seen if seen is not None else set()
    if pid in seen:
        return False
    seen.add(pid)
    return pid in context.feeders or any(_feeds(c, context, seen) for c in context.calls.get(pid, ()))


def _fed_by_caller(pid: str, context) -> bool:
    seen, todo = set(), [pid]
    while todo:
        current = todo.pop()
        callers = [p for p, callees in context.calls.items() if current in callees and p not in seen]
        if any(_feeds(c, context) for c in callers):
            return True
        seen.update(callers)
        todo += callers
    return False


# -- no dead ends ------------------------------------------------------------------------------
def _dead_ends(filename, container) -> list[Problem]:
    graph, kinds = _graph(container)
    nodes = {e.get("id"): e for e in container if _local(e) in FLOW_NODES and not _aside(e)}
    incoming = {t for targets in graph.values() for t in targets}
    reverse: dict[str, list[str]] = {}
    for source, targets in graph.items():
        for target in targets:
            reverse.setdefault(target, []).append(source)
    reaches_end, todo = set(), [n for n, k in kinds.items() if k == "endEvent"]
    while todo:
        node = todo.pop()
        if node not in reaches_end:
            reaches_end.add(node)
            todo += reverse.get(node, [])
    problems = []
    for node_id, element in nodes.items():
        kind = _local(element)
        if node_id not in reaches_end:
            problems.append(_p(filename, element, "dead end: no path from here reaches an end event"))
        elif node_id not in incoming and kind not in ("startEvent", "boundaryEvent"):
            problems.append(_p(filename, element, "nothing leads here (no incoming sequence flow)",
                               "warning"))
    return problems


def _graph(container) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Successors of each flow node in one container (sequence flows, host -> boundary event)."""
    graph: dict[str, list[str]] = {}
    kinds = {e.get("id"): _local(e) for e in container if _local(e) in FLOW_NODES}
    for flow in _x(container, "./bpmn:sequenceFlow"):
        graph.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
    for boundary in _x(container, "./bpmn:boundaryEvent"):
        graph.setdefault(boundary.get("attachedToRef"), []).append(boundary.get("id"))
    return graph, kinds


def _aside(element) -> bool:
    """Event subprocesses, compensation handlers and link events stand outside the main flow."""
    return (element.get("triggeredByEvent") == "true" or element.get("isForCompensation") == "true"
            or bool(_x(element, "./bpmn:linkEventDefinition")))


# -- helpers -----------------------------------------------------------------------------------
def _siblings(element, localname: str) -> list:
    parent = element.getparent()
    return [] if parent is None else _x(parent, f"./bpmn:{localname}")


def _local(element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _x(node, path: str) -> list:
    return node.xpath(path, namespaces=NSMAP)


def _p(filename, element, message, severity="error") -> Problem:
    return Problem(filename, message, element.sourceline, element.get("id"), severity)
