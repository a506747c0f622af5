"""Deploy-time checks of BPMN/DMN trees: every problem with its file, line and element id.

SpiffWorkflow checks no Python at parse time and its own exceptions carry no line numbers, so
everything a diagram will evaluate (conditions, scripts, timers, multi-instance and message
expressions, ``${...}`` parts of assignments) is compiled here with ``ast`` and RestrictedPython
and mapped back to the line in the file. Nothing here raises: every check returns Problems.
"""
from __future__ import annotations

import ast
import re
import warnings
from collections import Counter
from dataclasses import replace

from lxml import etree
from RestrictedPython import compile_restricted_eval, compile_restricted_exec

from .errors import Problem
from .parser import (ASSIGNMENT_ATTRIBUTES, CAMUNDA_NS, NSMAP, BusinessRuleTaskParser, assignment_from_node,
                     camunda, collection_name, form_problems, iso_literal, string_literal,
                     task_properties, timer_expression)

_EXPRESSIONS = (  # (xpath below an executable process, compile mode, what it is)
    (".//bpmn:sequenceFlow/bpmn:conditionExpression", "eval", "condition"),
    (".//bpmn:scriptTask/bpmn:script", "exec", "script"),
    (".//spiffworkflow:preScript", "exec", "pre-script"),
    (".//spiffworkflow:postScript", "exec", "post-script"),
    (".//bpmn:loopCardinality", "eval", "loop cardinality"),
    (".//bpmn:completionCondition", "eval", "completion condition"),
    (".//bpmn:standardLoopCharacteristics/bpmn:loopCondition", "eval", "loop condition"),
    (".//bpmn:conditionalEventDefinition/bpmn:condition", "eval", "event condition"),
    (".//spiffworkflow:messagePayload", "eval", "message payload"),
    (".//spiffworkflow:processVariableCorrelation/spiffworkflow:expression", "eval",
     "correlation expression"),
)
_CORRELATION = ".//bpmn:correlationPropertyRetrievalExpression/*"
_TIMER = ".//bpmn:timerEventDefinition/*"
_KIND_WORDS = {"timeDate": "date-time", "timeDuration": "duration", "timeCycle": "repeating cycle"}
_ISO_LOOKALIKE = re.compile(r"P\d|PT(\d|$)|R\d*/|\d{4}-", re.IGNORECASE)
_EL_PART = re.compile(r"\$\{((?:[^{}]|\{[^{}]*\})*)\}")
_RESTRICTED_LINE = re.compile(r"^Line (\d+): (.*)$", re.DOTALL)
_PREFIXED = re.compile(r"\{([^{}]+)\}")
_PREFIXES = {uri: f"{prefix}:" for prefix, uri in NSMAP.items()}
_CONTAINERS = ("EventDefinition", "LoopCharacteristics", "Expression", "messagePath")


def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _xpath(node, path: str) -> list:
    return node.xpath(path, namespaces=NSMAP)


def owner_id(element) -> str | None:
    """The id of the diagram element a nested element (condition, script...) belongs to."""
    while element is not None:
        if element.get("id") and not _local(element).endswith(_CONTAINERS):
            return element.get("id")
        element = element.getparent()
    return None


def expression_errors(source: str, mode: str) -> list[tuple[int, str]]:
    """``(line inside source, message)`` for Python that will not compile or that the sandbox refuses."""
    if not (source or "").strip():
        return [(1, "is empty")]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode=mode)
            compiled = (compile_restricted_eval if mode == "eval" else compile_restricted_exec)(source)
    except (SyntaxError, ValueError) as exc:
        return [(getattr(exc, "lineno", None) or 1, f"syntax error: {getattr(exc, 'msg', exc)}")]
    except (RecursionError, MemoryError):
        return [(1, "is too deeply nested to compile")]
    errors = [(node.lineno, "not allowed: import (scripts get their helpers without importing)")
              for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
    for message in compiled.errors:
        found = _RESTRICTED_LINE.match(message)
        line, text = (int(found.group(1)), found.group(2)) if found else (1, message)
        errors.append((line, f"not allowed: {text}"))
    return errors


def _problems_in(filename, element, source, mode, what) -> list[Problem]:
    hint = " (write Python, not ${...})" if (source or "").strip().startswith("${") else ""
    return [Problem(filename, f"{what}: {message}{hint}", (element.sourceline or 1) + line - 1,
                    owner_id(element))
            for line, message in expression_errors(source, mode)]


def executable_processes(root) -> list:
    """The ``bpmn:process`` elements that will run (``isExecutable`` true or absent)."""
    return [p for p in _xpath(root, "./bpmn:process") if p.get("isExecutable", "true") == "true"]


def _expression_problems(filename, process) -> list[Problem]:
    problems = [Problem(filename, f"scripts are Python, not {task.get('scriptFormat')!r}",
                        task.sourceline, task.get("id"))
                for task in _xpath(process, ".//bpmn:scriptTask[@scriptFormat]")
                if task.get("scriptFormat").strip().lower() not in ("python", "python3", "")]
    for path, mode, what in _EXPRESSIONS:
        for element in _xpath(process, path):
            problems += _problems_in(filename, element, element.text, mode, what)
    return problems


def timer_problem(kind: str, text: str) -> str | None:
    """What is wrong with a timer's text for its kind (timeDate, timeDuration, timeCycle), if anything.

    Only the ISO 8601 side is judged here; a Python expression is compiled by the caller.
    """
    new_kind, expression = timer_expression(kind, text)
    literal = string_literal(expression)
    if new_kind != kind:
        return None
    if literal is not None:
        found = iso_literal(literal)
        if found is None or found[0] != kind:
            return f"a {kind} needs an ISO 8601 {_KIND_WORDS[kind]}, not {literal!r}"
    elif _ISO_LOOKALIKE.match(expression):
        extra = " (working days, P<n>WD, only in a timeDuration)" if "WD" in expression.upper() else ""
        return f"{expression!r} is not a valid ISO 8601 {_KIND_WORDS[kind]}{extra}"
    return None


def _timer_problems(filename, process) -> list[Problem]:
    problems = []
    for element in _xpath(process, _TIMER):
        kind, text = _local(element), (element.text or "")
        if kind not in _KIND_WORDS:
            continue
        message = timer_problem(kind, text)
        if message:
            problems.append(Problem(filename, message, element.sourceline, owner_id(element)))
            continue
        offset = text[:len(text) - len(text.lstrip())].count("\n")
        problems += [replace(p, line=p.line + offset) for p in _problems_in(
            filename, element, timer_expression(kind, text)[1], "eval", f"timer {kind}")]
    return problems


def _assignment_problems(filename, process) -> list[Problem]:
    problems = []
    for task in _xpath(process, ".//bpmn:userTask"):
        assignment = assignment_from_node(task, task_properties(task))
        for key, attribute in ASSIGNMENT_ATTRIBUTES.items():
            for part in _EL_PART.findall(assignment[key] or ""):
                problems += _problems_in(filename, task, part.strip(), "eval", attribute)
        problems += [Problem(filename, message, line, task.get("id"))
                     for line, message in form_problems(task)]
    for start in _xpath(process, "./bpmn:startEvent"):
        problems += [Problem(filename, message, line, start.get("id"))
                     for line, message in form_problems(start)]
    return problems


def _loop_problems(filename, process) -> list[Problem]:
    problems = []
    for loop in _xpath(process, ".//bpmn:multiInstanceLoopCharacteristics"):
        collection = camunda(loop, "collection")
        if collection is not None and not collection_name(collection).isidentifier():
            problems.append(Problem(filename, "camunda:collection must name a process variable, "
                                    f"not {collection!r}", loop.sourceline, owner_id(loop)))
    return problems

SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


def _duplicate_ids(filename, root) -> list[Problem]:
    """BPMN/DMN/DI element ids are unique. Camunda form fields and enum values and Spiff service
    operations and parameters have ids of their own kind (two fields may both offer "yes", two
    service tasks may call the same operation), but SpiffWorkflow's parser looks flow targets up
    by id across the whole document, so none of them may equal an element's id."""
    seen, extensions, problems = set(), [], []
    for element in root.iter():
        element_id = element.get("id") if isinstance(element.tag, str) else None
        if not element_id:
            continue
        if element.tag.startswith(("{" + CAMUNDA_NS, "{" + SPIFF_NS)):
            extensions.append(element)
            continue
        if element_id in seen:
            problems.append(Problem(filename, f"duplicate id {element_id!r}", element.sourceline,
                                    element_id))
        seen.add(element_id)
    for element in extensions:
        if element.get("id") in seen:
            problems.append(Problem(filename, f"id {element.get('id')!r} of a form field, value "
                                    "or service operation is also the id of an element",
                                    element.sourceline, element.get("id")))
    return problems


def _flow_problems(filename, process) -> list[Problem]:
    ids = {e.get("id") for e in _xpath(process, ".//*[@id]")}
    problems = []
    for flow in _xpath(process, ".//bpmn:sequenceFlow"):
        for end in ("sourceRef", "targetRef"):
            if flow.get(end) not in ids:
                problems.append(Problem(filename, f"sequence flow {end} {flow.get(end)!r} is not an "
                                        "element of this process", flow.sourceline, flow.get("id")))
    return problems


def _start_problems(filename, process) -> list[Problem]:
    containers = [process] + _xpath(process, ".//bpmn:subProcess | .//bpmn:transaction")
    return [Problem(filename, "no start event", c.sourceline, c.get("id"))
            for c in containers if not _xpath(c, "./bpmn:startEvent")]


def _gateway_problems(filename, process) -> list[Problem]:
    problems = []
    for gateway in _xpath(process, ".//bpmn:exclusiveGateway | .//bpmn:inclusiveGateway"):
        flows = gateway.getparent().xpath("./bpmn:sequenceFlow[@sourceRef=$id]", namespaces=NSMAP,
                                          id=gateway.get("id") or "")
        if len(flows) < 2:
            continue
        problems += [Problem(filename, f"flow out of gateway {gateway.get('id')!r} needs a condition "
                             "(or make it the gateway's default flow)", f.sourceline, f.get("id"))
                     for f in flows if f.get("id") != gateway.get("default")
                     and not _xpath(f, "./bpmn:conditionExpression")]
    return problems


_PROCESS_CHECKS = (_flow_problems, _start_problems, _gateway_problems, _expression_problems,
                   _timer_problems, _assignment_problems, _loop_problems)


def check_bpmn(tree, filename: str) -> list[Problem]:
    """Every problem in one BPMN file that can be found without the other files."""
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    problems = _duplicate_ids(filename, root)
    for process in executable_processes(root):
        for check in _PROCESS_CHECKS:
            problems += check(filename, process)
    for element in _xpath(root, _CORRELATION):
        problems += _problems_in(filename, element, element.text, "eval", "correlation expression")
    return problems


def check_dmn(tree, filename: str) -> list[Problem]:
    """Problems in one DMN file: duplicate ids, and not exactly one decision."""
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    problems = _duplicate_ids(filename, root)
    decisions = [e for e in root if _local(e) == "decision"]
    if len(decisions) != 1:
        problems.append(Problem(filename, f"a DMN file needs exactly one decision, found {len(decisions)}",
                                root.sourceline, root.get("id")))
    return problems


def check_references(bpmn: dict, process_ids: dict, decision_ids: set) -> list[Problem]:
    """Call activities and business rule tasks that name nothing in the deployed set.

    ``bpmn`` maps filename -> tree; ``process_ids`` maps every process id in the set to whether
    it is executable; ``decision_ids`` holds every DMN decision id.
    """
    problems = []
    for filename, tree in bpmn.items():
        for process in executable_processes(tree.getroot()):
            problems += _call_problems(filename, process, process_ids)
            problems += _decision_problems(filename, process, decision_ids)
    return problems


def _call_problems(filename, process, process_ids) -> list[Problem]:
    problems = []
    for call in _xpath(process, ".//bpmn:callActivity"):
        target = call.get("calledElement")
        if target not in process_ids:
            message = f"calls process {target!r}, which is not among the files deployed"
        elif not process_ids[target]:
            message = f"calls process {target!r}, which is not executable"
        else:
            continue
        problems.append(Problem(filename, message, call.sourceline, call.get("id")))
    return problems


def _decision_problems(filename, process, decision_ids) -> list[Problem]:
    problems = []
    for task in _xpath(process, ".//bpmn:businessRuleTask"):
        ref = BusinessRuleTaskParser.get_decision_ref(task)
        if ref in decision_ids:
            continue
        message = ("names no decision (set camunda:decisionRef)" if not ref
                   else f"uses decision {ref!r}, which is not in any DMN file deployed")
        problems.append(Problem(filename, message, task.sourceline, task.get("id")))
    return problems


def problem_from_spiff(exc, filename: str | None, trees: dict) -> Problem:
    """A Problem for a SpiffWorkflow ``ValidationException``, with the line found by element id."""
    file = getattr(exc, "file_name", "") or filename or "?"
    tree = trees.get(file)
    element_id = getattr(exc, "id", "") or None
    line = getattr(exc, "line_number", None)
    if not isinstance(line, int) or not line:
        line = _line_of(tree, element_id)
    elif element_id is None and tree is not None:
        element_id = next((owner_id(e) for e in tree.iter() if e.sourceline == line
                           and isinstance(e.tag, str)), None)
    message = str(exc.args[0] if exc.args else exc)
    return Problem(file, _PREFIXED.sub(lambda m: _PREFIXES.get(m.group(1), m.group(0)), message),
                   line, element_id)


def _line_of(tree, element_id) -> int | None:
    if tree is None or not element_id:
        return None
    found = tree.getroot().xpath("//*[@id=$id]", id=element_id)
    return found[0].sourceline if found else None


def duplicates(names) -> list[str]:
    """Names that occur more than once, sorted."""
    return sorted(name for name, count in Counter(names).items() if count > 1)
