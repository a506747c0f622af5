"""A small builder that writes the process library's BPMN files (semantic part only).

The `.bpmn` files in `workflows/` are the source of truth once process owners edit them in the
browser. This builder only produced their first version: each pathway is declared in a few lines
of Python (`workflows/tools/library_*.py`) so that lanes, forms, deadlines and escalation ladders
come out consistent across the whole library. `layout.py` then writes the diagram (DI).

Output follows the format contract in `workflows/README.md`: Camunda 7 attributes
(`camunda:candidateGroups`, `camunda:dueDate`, `camunda:formData`, ...) that bpmn-js with
camunda-bpmn-moddle edits, Python conditions and scripts, Spiff message payloads, and Spiff
service task operators (`spiffworkflow:serviceTaskOperator`) naming the engine's operations
(`engine/operations.py`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI, "camunda": CAMUNDA,
         "spiffworkflow": SPIFF, "xsi": XSI}

# The framework's roles, in the order lanes are drawn when a process uses them.
LANE_ORDER = [
    "Partner agencies", "Schools", "LSCB Business Unit", "CDOP", "LISG", "Independent Reviewer",
    "Pan-Berks S11 Sub-Group", "BF S11 Panel", "T&PD Sub-Group", "Comms & Comm Eng Sub-Group",
    "LSCB Chair", "LSCB Board",
]
LANE_IDS = {
    "Partner agencies": "Lane_partner_agencies", "Schools": "Lane_schools",
    "LSCB Business Unit": "Lane_business_unit", "CDOP": "Lane_cdop", "LISG": "Lane_lisg",
    "Independent Reviewer": "Lane_independent_reviewer",
    "Pan-Berks S11 Sub-Group": "Lane_pan_berks_s11", "BF S11 Panel": "Lane_bf_s11_panel",
    "T&PD Sub-Group": "Lane_tpd", "Comms & Comm Eng Sub-Group": "Lane_comms",
    "LSCB Chair": "Lane_lscb_chair", "LSCB Board": "Lane_lscb_board",
    "Safeguarding Partners": "Lane_safeguarding_partners",
    "Local Authority Partner": "Lane_local_authority_partner", "ICB Partner": "Lane_icb_partner",
    "Police Partner": "Lane_police_partner", "Partnership Chair": "Lane_partnership_chair",
    "Independent Scrutineer": "Lane_independent_scrutineer",
}

# Messages whose payload carries the case reference used to correlate a reply with its case.
CORRELATED_MESSAGES = {"cdop_scr_referral", "scr_decision", "panel_response"}


def q(prefix: str, tag: str) -> str:
    return f"{{{NSMAP[prefix]}}}{tag}"


@dataclass
class Field:
    """One `camunda:formField`."""

    id: str
    label: str
    type: str = "string"
    required: bool = True
    values: list[tuple[str, str]] = field(default_factory=list)
    default: str | None = None
    constraints: dict[str, str] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)


def F(id, label, type="string", required=True, values=None, default=None, **constraints):
    """Shorthand for a form field; `values` is a list of (id, name) for enums."""
    return Field(id, label, type, required, list(values or []), default,
                 {k: str(v) for k, v in constraints.items()})


def DATE(id, label, required=True, **rules):
    """A date field; ``rules`` are its plausibility properties (``not_before``/``not_after``:
    another date field's id or ``today``, checked by the engine's forms)."""
    fd = F(id, label, "date", required)
    fd.properties = dict(rules)
    return fd


def YESNO(id, label, required=True):
    return F(id, label, "boolean", required)


def GROUP(id, label, kind=None, required=True, many=False):
    """A choice of the real groups (of one ``kind``, agency or board): one, or several."""
    fd = F(id, label, "groups" if many else "group", required)
    fd.properties = {"kind": kind} if kind else {}
    return fd


@dataclass
class Node:
    id: str
    kind: str
    name: str
    lane: str | None
    attrs: dict = field(default_factory=dict)


class Process:
    """One executable process in one participant, with lanes named after the framework's roles."""

    def __init__(self, pid: str, name: str, documentation: str, starters: str | None = None):
        """``starters``: the groups that may start it (``camunda:candidateStarterGroups``,
        comma-separated); None: started by managers, messages, timers or callers only."""
        self.pid, self.name, self.documentation = pid, name, documentation
        self.starters = starters
        self.nodes: dict[str, Node] = {}
        self.flows: list[dict] = []

    # -- nodes ---------------------------------------------------------------------------------
    def _add(self, kind, id, name, lane, **attrs):
        if id in self.nodes:
            raise ValueError(f"{self.pid}: duplicate node id {id}")
        if lane is not None and lane not in LANE_IDS:
            raise ValueError(f"{self.pid}: unknown lane {lane!r}")
        self.nodes[id] = Node(id, kind, name, lane, attrs)
        return id

    def start(self, id, name, lane, cycle=None, message=None, variable=None, fields=()):
        """A start event; ``fields``: the start form of a none start (what a starter fills)."""
        return self._add("startEvent", id, name, lane, cycle=cycle, message=message,
                         variable=variable, fields=list(fields))

    def end(self, id, name, lane, message=None, payload=None):
        return self._add("endEvent", id, name, lane, message=message, payload=payload)

    def user(self, id, name, lane, group, doc, fields=(), due=None, follow_up=None, priority=None,
             mi=None):
        return self._add("userTask", id, name, lane, group=group, doc=doc, fields=list(fields),
                         due=due, follow_up=follow_up, priority=priority, mi=mi)

    def script(self, id, name, lane, script):
        return self._add("scriptTask", id, name, lane, script=script.strip("\n"))

    def service(self, id, name, lane, operation, result, **params):
        """A service task calling the engine operation ``operation`` (``engine/operations.py``)
        with ``params``, each a Python expression over the case data (string literals need
        quotes: ``kind="'scr'"``); the returned dict is stored in the case variable ``result``.
        The operation runs in the same transaction as the step."""
        return self._add("serviceTask", id, name, lane, operation=operation, result=result,
                         params=dict(params))

    def rule(self, id, name, lane, decision):
        return self._add("businessRuleTask", id, name, lane, decision=decision)

    def call(self, id, name, lane, called, mi=None, doc=None):
        return self._add("callActivity", id, name, lane, called=called, mi=mi, doc=doc)

    def xor(self, id, name, lane):
        return self._add("exclusiveGateway", id, name, lane)

    def par(self, id, name, lane):
        return self._add("parallelGateway", id, name, lane)

    def inc(self, id, name, lane):
        return self._add("inclusiveGateway", id, name, lane)

    def throw(self, id, name, lane, message, payload):
        return self._add("intermediateThrowEvent", id, name, lane, message=message, payload=payload)

    def catch(self, id, name, lane, message, variable):
        return self._add("intermediateCatchEvent", id, name, lane, message=message, variable=variable)

    def wait(self, id, name, lane, duration=None, date=None):
        return self._add("intermediateCatchEvent", id, name, lane, duration=duration, date=date)

    def boundary(self, id, name, host, duration=None, date=None, cycle=None, interrupting=False,
                 message=None, variable=None):
        return self._add("boundaryEvent", id, name, self.nodes[host].lane, host=host,
                         duration=duration, date=date, cycle=cycle, interrupting=interrupting,
                         message=message, variable=variable)

    # -- flows ---------------------------------------------------------------------------------
    def flow(self, src, tgt, cond=None, default=False, name=None):
        for end in (src, tgt):
            if end not in self.nodes:
                raise ValueError(f"{self.pid}: flow to unknown node {end}")
        fid = f"Flow_{src}__{tgt}"
        n = 2
        while any(f["id"] == fid for f in self.flows):
            fid = f"Flow_{src}__{tgt}_{n}"
            n += 1
        self.flows.append({"id": fid, "src": src, "tgt": tgt, "cond": cond, "default": default,
                           "name": name})
        return fid

    def chain(self, *ids):
        for a, b in zip(ids, ids[1:]):
            self.flow(a, b)

    # -- XML -----------------------------------------------------------------------------------
    def messages(self):
        names = []
        for n in self.nodes.values():
            m = n.attrs.get("message")
            if m and m not in names:
                names.append(m)
        return names

    def lanes(self):
        """Lanes in the order the main flow first uses them; escalation-only lanes last."""
        first_seen = []
        for aux in (False, True):
            for n in self.nodes.values():
                if n.lane and bool(n.attrs.get("aux")) == aux and n.lane not in first_seen:
                    first_seen.append(n.lane)
        return first_seen

    def to_tree(self) -> etree._ElementTree:
        self.check()
        defs = etree.Element(q("bpmn", "definitions"), nsmap=NSMAP)
        defs.set("id", f"Definitions_{self.pid}")
        defs.set("targetNamespace", "http://bracknell-forest-lscb.example/workflows")
        defs.set("exporter", "lscb-workflow workflows/tools")
        defs.set("exporterVersion", "1.0")
        collab = etree.SubElement(defs, q("bpmn", "collaboration"), id=f"Collaboration_{self.pid}")
        etree.SubElement(collab, q("bpmn", "participant"), id=f"Participant_{self.pid}",
                         name=self.name, processRef=self.pid)
        msgs = self.messages()
        correlated = [m for m in msgs if m in CORRELATED_MESSAGES]
        if correlated:
            key = etree.SubElement(collab, q("bpmn", "correlationKey"), name="case_key")
            etree.SubElement(key, q("bpmn", "correlationPropertyRef")).text = "case_ref"
        for m in msgs:
            etree.SubElement(defs, q("bpmn", "message"), id=f"Message_{m}", name=m)
        if correlated:
            prop = etree.SubElement(defs, q("bpmn", "correlationProperty"), id="case_ref",
                                    name="Case reference")
            for m in correlated:
                expr = etree.SubElement(prop, q("bpmn", "correlationPropertyRetrievalExpression"),
                                        messageRef=f"Message_{m}")
                etree.SubElement(expr, q("bpmn", "messagePath")).text = "case_ref"
        proc = etree.SubElement(defs, q("bpmn", "process"), id=self.pid, name=self.name,
                                isExecutable="true")
        if self.starters:
            proc.set(q("camunda", "candidateStarterGroups"), self.starters)
        etree.SubElement(proc, q("bpmn", "documentation")).text = self.documentation
        lane_set = etree.SubElement(proc, q("bpmn", "laneSet"), id=f"LaneSet_{self.pid}")
        for lane in self.lanes():
            el = etree.SubElement(lane_set, q("bpmn", "lane"), id=LANE_IDS[lane], name=lane)
            for n in self.nodes.values():
                if n.lane == lane:
                    etree.SubElement(el, q("bpmn", "flowNodeRef")).text = n.id
        incoming, outgoing = {}, {}
        for f in self.flows:
            outgoing.setdefault(f["src"], []).append(f["id"])
            incoming.setdefault(f["tgt"], []).append(f["id"])
        defaults = {f["src"]: f["id"] for f in self.flows if f["default"]}
        for n in self.nodes.values():
            self._node_xml(proc, n, incoming.get(n.id, []), outgoing.get(n.id, []), defaults.get(n.id))
        for f in self.flows:
            el = etree.SubElement(proc, q("bpmn", "sequenceFlow"), id=f["id"], sourceRef=f["src"],
                                  targetRef=f["tgt"])
            if f["name"]:
                el.set("name", f["name"])
            if f["cond"]:
                c = etree.SubElement(el, q("bpmn", "conditionExpression"))
                c.set(q("xsi", "type"), "bpmn:tFormalExpression")
                c.text = f["cond"]
        return etree.ElementTree(defs)

    def _node_xml(self, proc, n: Node, inc, out, default):
        a = n.attrs
        el = etree.SubElement(proc, q("bpmn", n.kind), id=n.id)
        if n.name:
            el.set("name", n.name)
        if default:
            el.set("default", default)
        doc = a.get("doc")
        if doc:
            etree.SubElement(el, q("bpmn", "documentation")).text = doc
        if n.kind == "serviceTask":
            ext = etree.SubElement(el, q("bpmn", "extensionElements"))
            operator = etree.SubElement(ext, q("spiffworkflow", "serviceTaskOperator"),
                                        id=a["operation"], resultVariable=a["result"])
            params = etree.SubElement(operator, q("spiffworkflow", "parameters"))
            for name, expression in a["params"].items():
                etree.SubElement(params, q("spiffworkflow", "parameter"), id=name, type="any",
                                 value=expression)
        if n.kind == "userTask":
            el.set(q("camunda", "candidateGroups"), a["group"])
            if a["due"]:
                el.set(q("camunda", "dueDate"), a["due"])
            if a["follow_up"]:
                el.set(q("camunda", "followUpDate"), a["follow_up"])
            if a["priority"] is not None:
                el.set(q("camunda", "priority"), str(a["priority"]))

        if a.get("fields"):
            ext = etree.SubElement(el, q("bpmn", "extensionElements"))
            form = etree.SubElement(ext, q("camunda", "formData"))
            for fd in a["fields"]:
                self._field_xml(form, fd)
        if n.kind == "businessRuleTask":
            el.set(q("camunda", "decisionRef"), a["decision"])
        if n.kind == "callActivity":
            el.set("calledElement", a["called"])
        if n.kind == "boundaryEvent":
            el.set("attachedToRef", a["host"])
            el.set("cancelActivity", "true" if a["interrupting"] else "false")
        if n.kind == "scriptTask":
            el.set("scriptFormat", "python")
        for fid in inc:
            etree.SubElement(el, q("bpmn", "incoming")).text = fid
        for fid in out:
            etree.SubElement(el, q("bpmn", "outgoing")).text = fid
        if n.kind == "scriptTask":
            etree.SubElement(el, q("bpmn", "script")).text = a["script"]
        if a.get("mi"):
            collection, element = a["mi"]
            mi = etree.SubElement(el, q("bpmn", "multiInstanceLoopCharacteristics"))
            mi.set(q("camunda", "collection"), collection)
            mi.set(q("camunda", "elementVariable"), element)
        # event definitions
        if a.get("message"):
            md = etree.SubElement(el, q("bpmn", "messageEventDefinition"),
                                  id=f"MessageEventDefinition_{n.id}", messageRef=f"Message_{a['message']}")
            if a.get("payload") or a.get("variable"):
                ext = etree.SubElement(md, q("bpmn", "extensionElements"))
                if a.get("payload"):
                    etree.SubElement(ext, q("spiffworkflow", "messagePayload")).text = a["payload"]
                if a.get("variable"):
                    etree.SubElement(ext, q("spiffworkflow", "messageVariable")).text = a["variable"]
        for kind, tag in (("duration", "timeDuration"), ("date", "timeDate"), ("cycle", "timeCycle")):
            if a.get(kind):
                td = etree.SubElement(el, q("bpmn", "timerEventDefinition"),
                                      id=f"TimerEventDefinition_{n.id}")
                t = etree.SubElement(td, q("bpmn", tag))
                t.set(q("xsi", "type"), "bpmn:tFormalExpression")
                t.text = a[kind]

    @staticmethod
    def _field_xml(form, fd: Field):
        el = etree.SubElement(form, q("camunda", "formField"), id=fd.id, label=fd.label, type=fd.type)
        if fd.default is not None:
            el.set("defaultValue", fd.default)
        if fd.properties:
            props = etree.SubElement(el, q("camunda", "properties"))
            for name, value in fd.properties.items():
                etree.SubElement(props, q("camunda", "property"), id=name, value=value)
        if fd.required or fd.constraints:
            val = etree.SubElement(el, q("camunda", "validation"))
            if fd.required:
                etree.SubElement(val, q("camunda", "constraint"), name="required")
            for name, config in fd.constraints.items():
                etree.SubElement(val, q("camunda", "constraint"), name=name, config=config)
        for vid, vname in fd.values:
            etree.SubElement(el, q("camunda", "value"), id=vid, name=vname)

    def check(self):
        """Structural checks the builder can make before any parser sees the file."""
        seen = {}
        ids = list(self.nodes) + [f["id"] for f in self.flows]
        for n in self.nodes.values():
            for fd in n.attrs.get("fields") or []:
                ids.append(fd.id)
                ids += [vid for vid, _ in fd.values]
        for i in ids:  # the engine treats form field and enum value ids as document ids too
            seen[i] = seen.get(i, 0) + 1
        dups = sorted(i for i, c in seen.items() if c > 1)
        if dups:
            raise ValueError(f"{self.pid}: ids used more than once: {dups}")
        outs = {}
        for f in self.flows:
            outs.setdefault(f["src"], []).append(f)
        for n in self.nodes.values():
            if n.kind == "exclusiveGateway" and len(outs.get(n.id, [])) > 1:
                if not any(f["default"] for f in outs[n.id]):
                    raise ValueError(f"{self.pid}: exclusive gateway {n.id} has no default flow")
                for f in outs[n.id]:
                    if not f["default"] and not f["cond"]:
                        raise ValueError(f"{self.pid}: flow {f['id']} needs a condition")
            if n.kind not in ("endEvent",) and n.id not in outs:
                raise ValueError(f"{self.pid}: {n.id} has no outgoing flow")
            if n.kind == "userTask" and not n.attrs["doc"]:
                raise ValueError(f"{self.pid}: user task {n.id} has no instructions")
