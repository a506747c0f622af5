"""``LscbParser``: SpiffWorkflow's parser, taught to read what the browser modeler writes.

Process owners edit diagrams with bpmn-js and the Camunda 7 properties panel, so user tasks carry
``camunda:*`` attributes and ``camunda:formData``, multi-instance tasks carry ``camunda:collection``,
business rule tasks ``camunda:decisionRef`` and timers unquoted ISO 8601 text. Spiff-style files
(``spiffworkflow:*`` extensions, quoted Python timers) keep working. Only standard Spiff spec
classes are produced, so the stock ``SPIFF_CONFIG`` serializer round-trips every spec.

Multi-instance, Camunda style: each instance gets the element variable; when the element has no
BPMN output (``loopDataOutputRef`` + ``outputDataItem``) we make the collection its own output and
the element variable its output item, updated in place. Without that, Spiff merges each child's
data into the parent, so the element variable leaks there and the next sequential instance (or
the next multi-instance over the same variable) fails with "input item ... already exists".
Data a child writes besides its element variable is not merged back in that mode; to collect
per-instance results, model a BPMN output collection and item.
"""
from __future__ import annotations

import ast
import re
from datetime import datetime, timezone

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition, DurationTimerEventDefinition, TimeDateEventDefinition)
from SpiffWorkflow.spiff.parser import event_parsers as spiff_events
from SpiffWorkflow.spiff.parser import task_spec as spiff_tasks
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from models.dates import BOARD_TZ
from models.status import GroupKind

from .forms import DATE_RULES

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
FIELD_TYPES = frozenset({"string", "text", "long", "number", "boolean", "date", "enum", "group",
                         "groups"})
GROUP_KINDS = tuple(k.value for k in GroupKind)       # a group field's property ``kind``
CONSTRAINTS = frozenset({"required", "readonly", "minlength", "maxlength", "min", "max", "pattern"})
NSMAP = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "camunda": CAMUNDA_NS,
    "spiffworkflow": spiff_tasks.SPIFFWORKFLOW_NSMAP["spiffworkflow"],
}
ASSIGNMENT_ATTRIBUTES = {
    "candidate_groups": "candidateGroups", "candidate_users": "candidateUsers",
    "assignee": "assignee", "due_date": "dueDate", "follow_up_date": "followUpDate",
    "priority": "priority",
}
_TIMER_CLASSES = {
    "timeDate": TimeDateEventDefinition,
    "timeDuration": DurationTimerEventDefinition,
    "timeCycle": CycleTimerEventDefinition,
}

_DURATION = re.compile(r"P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+([.,]\d+)?S)?)?",
                       re.IGNORECASE)
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}([.,]\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?",
                        re.IGNORECASE)
_CYCLE = re.compile(r"R\d*/[^/]+(/[^/]+)?", re.IGNORECASE)
_WORKING_DAYS = re.compile(r"P(\d+)WD", re.IGNORECASE)


def camunda(node, name: str) -> str | None:
    """The ``camunda:name`` attribute of ``node``."""
    return node.get(f"{{{CAMUNDA_NS}}}{name}")


def _aware_iso(text: str) -> str | None:
    try:
        moment = datetime.fromisoformat(text.upper().replace(",", "."))
    except ValueError:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=BOARD_TZ)
    return aware.astimezone(timezone.utc).isoformat()


def _duration_iso(text: str) -> str | None:
    try:
        TimeDateEventDefinition.parse_iso_duration(text)
    except Exception:  # noqa: BLE001 - Spiff raises a bare Exception for a bad duration
        return None
    return text.upper()


def iso_literal(text: str) -> tuple[str, str] | None:
    """``(timer kind, normalised text)`` when ``text`` is ISO 8601, else None.

    Date-times come back in UTC; those written without an offset are board local time
    (``BOARD_TZ``; SpiffWorkflow itself would use the server's fixed UTC offset of import time, ignoring DST).
    """
    text = text.strip()
    if _DURATION.fullmatch(text):
        value = _duration_iso(text)
        return ("timeDuration", value) if value else None
    if _DATE_TIME.fullmatch(text):
        value = _aware_iso(text)
        return ("timeDate", value) if value else None
    if _CYCLE.fullmatch(text):
        head, *parts = text.split("/")
        durations = [p.upper().startswith("P") for p in parts]
        values = [_duration_iso(p) if d else _aware_iso(p) for p, d in zip(parts, durations)]
        valid = all(values) and any(durations)  # Spiff needs a duration: R/start/end fails later
        return ("timeCycle", "/".join([head.upper(), *values])) if valid else None
    return None


def string_literal(text: str) -> str | None:
    """The value of ``text`` when it is exactly one Python string literal, else None."""
    try:
        body = ast.parse(text, mode="eval").body
    except (SyntaxError, ValueError):
        return None
    return body.value if isinstance(body, ast.Constant) and isinstance(body.value, str) else None


def timer_expression(kind: str, text: str) -> tuple[str, str]:
    """The Spiff timer kind and Python expression for a timer as written in a diagram.

    ISO 8601 text (quoted or not) becomes a normalised string literal; ``P<n>WD`` in a duration
    becomes the time-date expression ``working_days(n)``; ``${expr}`` becomes ``expr``; anything
    else is a Python expression, unchanged.
    """
    text = (text or "").strip()
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1].strip()
    literal = string_literal(text)
    candidate = text if literal is None else literal.strip()
    working_days = _WORKING_DAYS.fullmatch(candidate)
    if working_days and kind == "timeDuration":
        return "timeDate", f"working_days({int(working_days.group(1))})"
    iso = iso_literal(candidate)
    return (kind, repr(iso[1])) if iso else (kind, text)


def _children(node, path: str) -> list:
    return node.xpath(path, namespaces=NSMAP)


def form_field_nodes(task_node) -> list:
    """The ``camunda:formField`` elements of a user task."""
    return _children(task_node, "./bpmn:extensionElements/camunda:formData/camunda:formField")


def _constraints(field) -> dict[str, str]:
    found = _children(field, "./camunda:validation/camunda:constraint")
    return {c.get("name"): "true" if c.get("config") is None else c.get("config") for c in found}


def form_field(field) -> dict:
    """One ``camunda:formField`` as the plain dict stored in ``extensions['form']``."""
    validation = _constraints(field)
    required = validation.pop("required", "false").strip().lower() == "true"
    return {
        "id": field.get("id"), "label": field.get("label") or field.get("id"),
        "type": field.get("type"), "default": field.get("defaultValue"),
        "required": required, "validation": validation,
        "options": [{"id": v.get("id"), "name": v.get("name") or v.get("id")}
                    for v in _children(field, "./camunda:value")],
        "properties": {p.get("id") or p.get("name"): p.get("value")
                       for p in _children(field, "./camunda:properties/camunda:property")},
    }


def form_from_node(task_node) -> dict:
    """``{'fields': [...]}`` for a user task (empty when it has no ``camunda:formData``)."""
    return {"fields": [form_field(f) for f in form_field_nodes(task_node)]}


def _number_problem(name: str, value: str, integer: bool) -> str | None:
    try:
        int(value) if integer else float(value)
    except ValueError:
        return f"constraint {name} needs a {'whole ' if integer else ''}number, not {value!r}"
    return None


def _constraint_problems(field: dict) -> list[str]:
    problems = []
    for name, value in field["validation"].items():
        if name not in CONSTRAINTS:
            problems.append(f"unknown constraint {name!r} (supported: {', '.join(sorted(CONSTRAINTS))})")
        elif name in ("minlength", "maxlength"):
            problems.append(_number_problem(name, value, integer=True))
        elif name in ("min", "max") and field["type"] in ("long", "number"):
            problems.append(_number_problem(name, value, integer=field["type"] == "long"))
        elif name == "pattern":
            try:
                re.compile(value)
            except re.error as exc:
                problems.append(f"constraint pattern is not a valid regular expression: {exc}")
    return [p for p in problems if p]


def _field_problems(field: dict) -> list[str]:
    problems = []
    if not (field["id"] or "").isidentifier() or field["id"].startswith("_"):
        problems.append("the field id must be a Python identifier not starting with '_'")
    if field["type"] not in FIELD_TYPES:
        problems.append(f"unsupported type {field['type']!r} (supported: {', '.join(sorted(FIELD_TYPES))})")
    if field["type"] == "enum" and not field["options"]:
        problems.append("an enum field needs at least one value")
    kind = field["properties"].get("kind")
    if field["type"] in ("group", "groups") and kind not in (None, *GROUP_KINDS):
        problems.append(f"property kind must be one of {', '.join(GROUP_KINDS)}, not {kind!r}")
    return problems + _date_rule_problems(field) + _constraint_problems(field)


def _date_rule_problems(field: dict) -> list[str]:
    """A ``not_before``/``not_after`` property (engine/forms.py) sits on a date field and names
    ``today`` or another field's id."""
    problems = []
    for rule in DATE_RULES:
        other = field["properties"].get(rule)
        if other is None:
            continue
        if field["type"] != "date":
            problems.append(f"property {rule} applies to date fields only")
        elif not other.strip().isidentifier():
            problems.append(f"property {rule} must be 'today' or a date field's id, not {other!r}")
    return problems


def form_problems(task_node) -> list[tuple[int, str]]:
    """``(line, message)`` for everything wrong with a user task's ``camunda:formData``."""
    problems, seen = [], set()
    for node in form_field_nodes(task_node):
        field = form_field(node)
        messages = _field_problems(field)
        if field["id"] in seen:
            messages.append("duplicate field id")
        seen.add(field["id"])
        problems += [(node.sourceline, f"form field {field['id']!r}: {m}") for m in messages]
    return problems


def none_start_event(process):
    """The process's none start event (one with no event definition), or None."""
    found = [s for s in _children(process, "./bpmn:startEvent")
             if not any(etree.QName(c).localname.endswith("EventDefinition")
                        for c in s if isinstance(c.tag, str))]
    return found[0] if found else None


def start_form_from_node(process) -> dict:
    """The form of a process's none start event (``camunda:formData``), like a user task's."""
    start = none_start_event(process)
    return form_from_node(start) if start is not None else {"fields": []}


def starters_from_node(process) -> dict[str, list[str]]:
    """Who may start a process: ``camunda:candidateStarterGroups`` and
    ``candidateStarterUsers`` (comma-separated), as ``{'groups': [...], 'users': [...]}``."""
    return {key: [n.strip() for n in (camunda(process, attr) or "").split(",") if n.strip()]
            for key, attr in (("groups", "candidateStarterGroups"),
                              ("users", "candidateStarterUsers"))}


def description_from_node(process) -> str:
    """What the "Start a case" page says of a process, as one line: its ``summary`` property
    (``camunda:properties``), written for the person starting a case, else its
    ``bpmn:documentation``, which is the process owner's (ids, sources, assumptions)."""
    summary = camunda_properties(process).get("summary")
    docs = _children(process, "./bpmn:documentation")
    text = summary or (docs[0].text if docs else "")
    return " ".join((text or "").split())


def camunda_properties(node) -> dict[str, str]:
    """``camunda:properties`` directly in ``node``'s extension elements, as name -> value."""
    found = node.xpath("./bpmn:extensionElements/camunda:properties/camunda:property",
                       namespaces=NSMAP)
    return {p.get("name") or p.get("id"): p.get("value") for p in found}


def task_properties(node) -> dict[str, str]:
    """``camunda:properties`` merged with ``spiffworkflow:properties`` (Spiff wins on a clash)."""
    spiff = spiff_tasks.SpiffTaskParser._parse_extensions(node).get("properties", {})
    return {**camunda_properties(node), **spiff}


def assignment_from_node(node, properties: dict) -> dict:
    """Who may do a user task and by when, as raw (unevaluated) strings."""
    return {key: camunda(node, attr) if camunda(node, attr) is not None else properties.get(attr)
            for key, attr in ASSIGNMENT_ATTRIBUTES.items()}


def collection_name(text: str) -> str:
    """The variable a ``camunda:collection`` names: ``agencies`` or ``${agencies}``."""
    text = text.strip()
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1].strip()
    return text


class TaskExtensionsMixin:
    """Camunda properties and camunda-style multi-instance for any task parser."""

    def parse_extensions(self, node=None):
        node = self.node if node is None else node
        extensions = spiff_tasks.SpiffTaskParser._parse_extensions(node)
        properties = task_properties(node)
        if properties:
            extensions["properties"] = properties
        return extensions

    def create_task(self):
        task = super().create_task()
        # Spiff's script task parser drops spiffworkflow:preScript/postScript silently.
        if getattr(task, "prescript", False) is None and getattr(task, "postscript", False) is None:
            extensions = self.parse_extensions()
            task.prescript, task.postscript = extensions.get("preScript"), extensions.get("postScript")
        return task

    def _add_multiinstance_task(self, loop_characteristics):
        collection = camunda(loop_characteristics, "collection")
        if collection is None:
            return super()._add_multiinstance_task(loop_characteristics)
        name = collection_name(collection)
        if not name.isidentifier():
            self.raise_validation_exception(
                f"camunda:collection must name a process variable, not {collection!r}")
        element = camunda(loop_characteristics, "elementVariable")
        data_output, output_item = self._mi_output(loop_characteristics, name, element)
        condition = loop_characteristics.find(f"{{{NSMAP['bpmn']}}}completionCondition")
        sequential = loop_characteristics.get("isSequential") == "true"
        original = self.spec.task_specs.pop(self.task.name)
        spec_class = self.SEQUENTIAL_MI_CLASS if sequential else self.PARALLEL_MI_CLASS
        self.task = spec_class(
            self.spec, original.name, task_spec="", cardinality=None,
            data_input=TaskDataReference(name),
            input_item=TaskDataReference(element) if element else None,
            data_output=data_output, output_item=output_item,
            condition=condition.text if condition is not None else None,
            description=f"{'Sequential' if sequential else 'Parallel'} MultiInstance")
        self._copy_task_attrs(original, loop_characteristics)

    def _mi_output(self, loop_characteristics, collection, element):
        ref = loop_characteristics.find(f"{{{NSMAP['bpmn']}}}loopDataOutputRef")
        item = loop_characteristics.find(f"{{{NSMAP['bpmn']}}}outputDataItem")
        if ref is not None and item is not None:
            return TaskDataReference(ref.text.strip()), self.create_data_spec(item, TaskDataReference)
        if element:
            return TaskDataReference(collection), TaskDataReference(element)
        return None, None


class TimerMixin:
    """Timers as modelers write them: unquoted ISO 8601, ``P15WD`` working days, or Python."""

    def parse_timer_event(self, event):
        description = self.get_event_description(event)
        name = self.node.get("name", self.node.get("id"))
        for child in event:
            kind = etree.QName(child).localname if isinstance(child.tag, str) else None
            if kind in _TIMER_CLASSES:
                kind, expression = timer_expression(kind, child.text or "")
                return _TIMER_CLASSES[kind](name, expression, description=description)
        raise ValidationException("A timer needs a timeDate, timeDuration or timeCycle",
                                  node=self.node, file_name=self.filename)


class UserTaskParser(TaskExtensionsMixin, spiff_tasks.UserTaskParser):
    """User tasks with ``extensions['assignment']`` and ``extensions['form']``."""

    def parse_extensions(self, node=None):
        extensions = super().parse_extensions(node)
        if node is None or node is self.node:
            problems = form_problems(self.node)
            if problems:
                raise ValidationException(problems[0][1], node=self.node, file_name=self.filename)
            extensions["assignment"] = assignment_from_node(
                self.node, extensions.get("properties", {}))
            extensions["form"] = form_from_node(self.node)
            extensions.setdefault("properties", {})
        return extensions


class BusinessRuleTaskParser(TaskExtensionsMixin, spiff_tasks.BusinessRuleTaskParser):
    """Business rule tasks naming their decision the Spiff or the Camunda way."""

    @staticmethod
    def get_decision_ref(node):
        spiff_ref = spiff_tasks.SpiffTaskParser._parse_extensions(node).get("calledDecisionId")
        return spiff_ref or camunda(node, "decisionRef")


def _extend(base, *mixins):
    return type(base.__name__, (*mixins, base), {"__module__": __name__})


_TASK_PARSERS = {
    "task": spiff_tasks.SpiffTaskParser, "manualTask": spiff_tasks.SpiffTaskParser,
    "scriptTask": spiff_tasks.ScriptTaskParser, "subProcess": spiff_tasks.SubWorkflowParser,
    "transaction": spiff_tasks.SubWorkflowParser, "callActivity": spiff_tasks.CallActivityParser,
    "serviceTask": spiff_tasks.ServiceTaskParser, "sendTask": spiff_events.SpiffSendTaskParser,
    "receiveTask": spiff_events.SpiffReceiveTaskParser,
}
_EVENT_PARSERS = {
    "startEvent": spiff_events.SpiffStartEventParser,
    "endEvent": spiff_events.SpiffEndEventParser,
    "boundaryEvent": spiff_events.SpiffBoundaryEventParser,
    "intermediateCatchEvent": spiff_events.SpiffIntermediateCatchEventParser,
    "intermediateThrowEvent": spiff_events.SpiffIntermediateThrowEventParser,
}


def _override_classes() -> dict:
    spiff = SpiffBpmnParser.OVERRIDE_PARSER_CLASSES
    classes = dict(spiff)
    for tag, parser in _TASK_PARSERS.items():
        classes[full_tag(tag)] = (_extend(parser, TaskExtensionsMixin), spiff[full_tag(tag)][1])
    for tag, parser in _EVENT_PARSERS.items():
        classes[full_tag(tag)] = (_extend(parser, TimerMixin, TaskExtensionsMixin),
                                  spiff[full_tag(tag)][1])
    classes[full_tag("userTask")] = (UserTaskParser, spiff[full_tag("userTask")][1])
    classes[full_tag("businessRuleTask")] = (BusinessRuleTaskParser,
                                             spiff[full_tag("businessRuleTask")][1])
    return classes


class LscbParser(SpiffBpmnParser):
    """``SpiffBpmnParser`` with the XSD validator and the Camunda 7 attributes the modeler edits."""

    OVERRIDE_PARSER_CLASSES = _override_classes()

    def __init__(self):
        super().__init__(validator=VALIDATOR)
