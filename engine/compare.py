"""Compare two versions of a process diagram: elements added, removed and changed, by id.

For each element present in both, the comparison says what changed: its name, type,
attributes (candidate groups, due dates, called process...), documentation, form fields,
conditions, timers, scripts, multi-instance settings and event definitions. Pure functions
over XML text; the web layer turns the result into a table and diagram markers.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .lint import FLOW_NODES
from .parser import NSMAP, camunda_properties, form_field, form_field_nodes
from .validation import executable_processes
from .xmlsafe import parse_xml

ELEMENTS = FLOW_NODES | {"sequenceFlow", "lane", "dataObjectReference", "dataStoreReference",
                         "textAnnotation", "association"}
_PREFIXES = {uri: prefix for prefix, uri in NSMAP.items()}


@dataclass(frozen=True)
class Change:
    """One difference in one element: what, before and after (as text)."""

    what: str
    before: str
    after: str


@dataclass(frozen=True)
class Element:
    """An element of a version, with every change to it (empty for added and removed ones)."""

    id: str
    type: str
    name: str
    changes: tuple[Change, ...] = ()


@dataclass(frozen=True)
class Comparison:
    """Elements added in b, removed from a, and changed between a and b."""

    added: list[Element] = field(default_factory=list)
    removed: list[Element] = field(default_factory=list)
    changed: list[Element] = field(default_factory=list)

    @property
    def same(self) -> bool:
        """No difference at all."""
        return not (self.added or self.removed or self.changed)

    def markers(self) -> dict[str, list[str]]:
        """Element ids per kind of change, for diagram markers."""
        return {"added": [e.id for e in self.added], "removed": [e.id for e in self.removed],
                "changed": [e.id for e in self.changed]}


def compare(xml_a: str | bytes, xml_b: str | bytes, filename: str = "diagram.bpmn") -> Comparison:
    """Compare the executable processes of two versions of one BPMN file."""
    a, b = elements(xml_a, filename), elements(xml_b, filename)
    result = Comparison()
    for element_id, facets in b.items():
        if element_id not in a:
            result.added.append(Element(element_id, facets["type"], facets["name"]))
    for element_id, facets in a.items():
        if element_id not in b:
            result.removed.append(Element(element_id, facets["type"], facets["name"]))
            continue
        changes = tuple(diff_facets(facets, b[element_id]))
        if changes:
            result.changed.append(Element(element_id, b[element_id]["type"],
                                          b[element_id]["name"] or facets["name"], changes))
    return result


def elements(xml: str | bytes, filename: str) -> dict[str, dict]:
    """Every diagram element of the file's executable processes, id -> facets."""
    root = parse_xml(xml, filename).getroot()
    found = {}
    for process in executable_processes(root):
        found[process.get("id")] = facets(process)
        for element in process.iter():
            if _local(element) in ELEMENTS and element.get("id"):
                found[element.get("id")] = facets(element)
    return found


def facets(element) -> dict:
    """What can change about one element, as comparable values."""
    def texts(path):
        return " | ".join((e.text or "").strip() for e in _x(element, path))
    timers = [f"{_local(t)}: {(t.text or '').strip()}"
              for t in _x(element, "./bpmn:timerEventDefinition/*")]
    events = [_local(d) + "".join(f" {k}={v}" for k, v in sorted(d.attrib.items()) if k != "id")
              for d in element if _local(d).endswith("EventDefinition")]
    loops = [" ".join(f"{_qname(k)}={v}" for k, v in sorted(loop.attrib.items()) if k != "id")
             + "".join(f" {_local(c)}={(c.text or '').strip()}" for c in loop)
             for loop in _x(element, "./bpmn:multiInstanceLoopCharacteristics")]
    return {
        "type": _local(element), "name": element.get("name") or "",
        "attributes": {_qname(k): v for k, v in element.attrib.items() if k not in ("id", "name")},
        "documentation": texts("./bpmn:documentation"),
        "condition": texts("./bpmn:conditionExpression"),
        "script": texts("./bpmn:script"),
        "timer": "; ".join(timers), "events": "; ".join(events), "loop": "; ".join(loops),
        "properties": camunda_properties(element),
        "form": {f["id"]: f for f in map(form_field, form_field_nodes(element))},
    }


def diff_facets(a: dict, b: dict) -> list[Change]:
    """The changes between two facet dicts of the same element."""
    changes = []
    for key in ("type", "name", "documentation", "condition", "script", "timer", "events", "loop"):
        if a[key] != b[key]:
            changes.append(Change(key, str(a[key]), str(b[key])))
    for key in sorted(set(a["attributes"]) | set(b["attributes"])):
        before, after = a["attributes"].get(key, ""), b["attributes"].get(key, "")
        if before != after:
            changes.append(Change(key, before, after))
    for key in sorted(set(a["properties"]) | set(b["properties"])):
        before, after = a["properties"].get(key) or "", b["properties"].get(key) or ""
        if before != after:
            changes.append(Change(f"property {key}", before, after))
    return changes + _form_changes(a["form"], b["form"])


def _form_changes(a: dict, b: dict) -> list[Change]:
    changes = []
    for field_id in [*a, *(f for f in b if f not in a)]:
        if field_id not in b:
            changes.append(Change(f"form field {field_id}", _field_text(a[field_id]), "removed"))
        elif field_id not in a:
            changes.append(Change(f"form field {field_id}", "added", _field_text(b[field_id])))
        elif a[field_id] != b[field_id]:
            changes.append(Change(f"form field {field_id}", _field_text(a[field_id]),
                                  _field_text(b[field_id])))
    return changes


def _field_text(f: dict) -> str:
    parts = [f"{f['label']} ({f['type']}{', required' if f['required'] else ''})"]
    parts += [f"{k}={v}" for k, v in sorted(f["validation"].items())]
    if f["options"]:
        parts.append("options " + ", ".join(o["id"] for o in f["options"]))
    if f["default"] is not None:
        parts.append(f"default {f['default']}")
    return "; ".join(parts)


def _qname(key: str) -> str:
    if key.startswith("{"):
        uri, local = key[1:].split("}", 1)
        return f"{_PREFIXES.get(uri, uri)}:{local}"
    return key


def _local(element) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _x(node, path: str) -> list:
    return node.xpath(path, namespaces=NSMAP)
