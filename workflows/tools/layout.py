"""Deterministic diagram layout for the process library: (re)writes the BPMN DI of a file.

Usage: ``python workflows/tools/layout.py workflows/*.bpmn`` (rewrites each file in place).

It reads only the semantic model (one participant, its process, the laneSet, flow nodes,
sequence flows, boundary events) and replaces every ``bpmndi:BPMNDiagram`` with a fresh one:

- columns by topological rank (longest path from the start events, back edges ignored);
- rows by lane, in laneSet order; several nodes in one lane and column are stacked in sub-rows,
  a node keeping its predecessor's sub-row when it can, so the main path stays on one line;
- boundary events sit on the bottom edge of their host; nodes reached only from boundary
  events (reminders and escalation ladders) are placed after the main flow;
- orthogonal edge waypoints: straight within a row, gateway splits leave from the top/bottom
  (or from the right, turning in the gap before the target's column, when a node sits below
  the gateway in the target's row), joins enter from the top/bottom, back edges (loops) run
  above the nodes.

Sizes follow bpmn-js: tasks 100x80, events 36x36, gateways 50x50, pool header 30, lane header 30.
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
NS = {"bpmn": BPMN, "bpmndi": BPMNDI, "dc": DC, "di": DI}

TASKS = {"task", "userTask", "scriptTask", "serviceTask", "businessRuleTask", "callActivity",
         "sendTask", "receiveTask", "manualTask", "subProcess"}
EVENTS = {"startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent",
          "boundaryEvent"}
GATEWAYS = {"exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway"}

COL_W = 150          # column pitch
ROW_H = 160          # sub-row pitch inside a lane (room for boundary events and labels)
LANE_PAD = 40        # space above the first and below the last sub-row
POOL_X, POOL_Y = 160, 60
HEADER = 30          # pool header and lane header widths
MARGIN = 50          # from the lane header to the first column


def local(tag: str) -> str:
    return etree.QName(tag).localname


def size(kind: str) -> tuple[int, int]:
    if kind in EVENTS:
        return 36, 36
    if kind in GATEWAYS:
        return 50, 50
    return 100, 80


class Model:
    """The semantic part of one file that the layout needs."""

    def __init__(self, root):
        self.root = root
        self.process = root.find("bpmn:process", NS)
        self.participant = root.find("bpmn:collaboration/bpmn:participant", NS)
        self.collaboration = root.find("bpmn:collaboration", NS)
        self.kind, self.order = {}, []
        self.host = {}
        for el in self.process:
            kind = local(el.tag)
            if kind in TASKS | EVENTS | GATEWAYS:
                self.kind[el.get("id")] = kind
                self.order.append(el.get("id"))
                if kind == "boundaryEvent":
                    self.host[el.get("id")] = el.get("attachedToRef")
        self.flows = [(f.get("id"), f.get("sourceRef"), f.get("targetRef"), f.get("name"))
                      for f in self.process.findall("bpmn:sequenceFlow", NS)]
        self.lanes = [(lane.get("id"), [r.text for r in lane.findall("bpmn:flowNodeRef", NS)])
                      for lane in self.process.findall("bpmn:laneSet/bpmn:lane", NS)]
        self.lane_of = {}
        for lane_id, refs in self.lanes:
            for ref in refs:
                self.lane_of[ref] = lane_id
        if not self.lanes:
            self.lanes = [(None, list(self.order))]
            self.lane_of = {n: None for n in self.order}
        self.out = defaultdict(list)
        for fid, s, t, _ in self.flows:
            self.out[s].append((fid, t))
        self.names = {el.get("id"): el.get("name") or "" for el in self.process}


def rank_nodes(m: Model):
    """Longest-path ranks over forward edges; returns (rank, back_edges, main_nodes)."""
    starts = [n for n in m.order if m.kind[n] == "startEvent"]
    boundaries_of = defaultdict(list)
    for b, h in m.host.items():
        boundaries_of[h].append(b)
    back, state = set(), {}

    def succ(n):
        res = list(m.out[n])
        for b in boundaries_of.get(n, []):
            res.append((None, b))
        return res

    def dfs(n):  # iterative DFS marking back edges
        stack = [(n, iter(succ(n)))]
        state[n] = 1
        while stack:
            node, it = stack[-1]
            for fid, t in it:
                if state.get(t) == 1:
                    if fid:
                        back.add(fid)
                elif t not in state:
                    state[t] = 1
                    stack.append((t, iter(succ(t))))
                    break
            else:
                state[node] = 2
                stack.pop()

    for s in starts + m.order:
        if s not in state:
            dfs(s)
    rank = {n: 0 for n in m.order}
    # relax in a topological order of the forward graph
    indeg = defaultdict(int)
    edges = [(s, t) for fid, s, t, _ in m.flows if fid not in back]
    edges += [(h, b) for b, h in m.host.items()]
    for s, t in edges:
        indeg[t] += 1
    ready = [n for n in m.order if indeg[n] == 0]
    fwd = defaultdict(list)
    for s, t in edges:
        fwd[s].append(t)
    while ready:
        n = ready.pop(0)
        for t in fwd[n]:
            step = 0 if m.host.get(t) == n else 1
            rank[t] = max(rank[t], rank[n] + step)
            indeg[t] -= 1
            if indeg[t] == 0:
                ready.append(t)
    # main nodes: reachable from starts without passing through a boundary event
    main, todo = set(), list(starts)
    while todo:
        n = todo.pop()
        if n in main:
            continue
        main.add(n)
        todo.extend(t for _, t in m.out[n])
    return rank, back, main


def place(m: Model, rank, main):
    """Assign (lane, column, sub-row) to every non-boundary node."""
    taken = defaultdict(set)     # (lane, rank) -> rows used
    row = {}
    preds = defaultdict(list)
    for fid, s, t, _ in m.flows:
        preds[t].append(s)

    def order_key(n):
        return (0 if n in main else 1, rank[n], m.order.index(n))

    # visit in BFS order from the starts so branches follow their predecessor
    visit, seen = [], set()
    queue = sorted([n for n in m.order if m.kind[n] == "startEvent"], key=order_key)
    while queue:
        n = queue.pop(0)
        if n in seen:
            continue
        seen.add(n)
        visit.append(n)
        nxt = [t for _, t in m.out[n]] + [b for b, h in m.host.items() if h == n]
        queue.extend(t for t in nxt if t not in seen)
        queue.sort(key=order_key)
    visit += [n for n in sorted(m.order, key=order_key) if n not in seen]
    for n in visit:
        if m.kind[n] == "boundaryEvent":
            continue
        lane = m.lane_of.get(n)
        want = 0
        for p in preds[n]:
            src = m.host.get(p, p)
            if src in row and m.lane_of.get(src) == lane:
                want = row[src]
                break
        r = want
        while r in taken[(lane, rank[n])]:
            r += 1
        taken[(lane, rank[n])].add(r)
        row[n] = r
    return row


def layout(root) -> None:
    """Replace the diagram of the document rooted at ``root`` by a computed one."""
    m = Model(root)
    rank, back, main = rank_nodes(m)
    row = place(m, rank, main)
    lane_rows = {}
    for lane_id, refs in m.lanes:
        rows = [row[n] for n in refs if n in row]
        lane_rows[lane_id] = (max(rows) + 1) if rows else 1
    max_rank = max(rank.values()) if rank else 0
    width = HEADER * 2 + MARGIN + (max_rank + 1) * COL_W + MARGIN
    lane_y, y = {}, POOL_Y
    for lane_id, _ in m.lanes:
        h = lane_rows[lane_id] * ROW_H + 2 * LANE_PAD - (ROW_H - 80)
        lane_y[lane_id] = (y, h)
        y += h
    pool_h = y - POOL_Y

    bounds = {}
    for n in m.order:
        if m.kind[n] == "boundaryEvent":
            continue
        w, h = size(m.kind[n])
        cx = POOL_X + HEADER * 2 + MARGIN + rank[n] * COL_W + 50
        ly, _ = lane_y[m.lane_of.get(n)]
        cy = ly + LANE_PAD + 40 + row[n] * ROW_H
        bounds[n] = (cx - w / 2, cy - h / 2, w, h)
    per_host = defaultdict(list)
    for b in m.order:
        if b in m.host:
            per_host[m.host[b]].append(b)
    for h, bs in per_host.items():
        hx, hy, hw, hh = bounds[h]
        for i, b in enumerate(bs):
            cx = hx + hw * (i + 1) / (len(bs) + 1)
            bounds[b] = (cx - 18, hy + hh - 18, 36, 36)

    for old in root.findall("bpmndi:BPMNDiagram", NS):
        root.remove(old)
    diagram = etree.SubElement(root, f"{{{BPMNDI}}}BPMNDiagram", id=f"BPMNDiagram_{m.process.get('id')}")
    plane_ref = m.collaboration.get("id") if m.collaboration is not None else m.process.get("id")
    plane = etree.SubElement(diagram, f"{{{BPMNDI}}}BPMNPlane", id=f"BPMNPlane_{m.process.get('id')}",
                             bpmnElement=plane_ref)

    def shape(el_id, x, y, w, h, **extra):
        s = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNShape", id=f"{el_id}_di", bpmnElement=el_id)
        for k, v in extra.items():
            s.set(k, v)
        etree.SubElement(s, f"{{{DC}}}Bounds", x=fmt(x), y=fmt(y), width=fmt(w), height=fmt(h))
        return s

    def label(s, x, y, w, h):
        lab = etree.SubElement(s, f"{{{BPMNDI}}}BPMNLabel")
        etree.SubElement(lab, f"{{{DC}}}Bounds", x=fmt(x), y=fmt(y), width=fmt(w), height=fmt(h))

    if m.participant is not None:
        shape(m.participant.get("id"), POOL_X, POOL_Y, width, pool_h, isHorizontal="true")
    for lane_id, _ in m.lanes:
        if lane_id is None:
            continue
        ly, lh = lane_y[lane_id]
        shape(lane_id, POOL_X + HEADER, ly, width - HEADER, lh, isHorizontal="true")
    for n in m.order:
        x, y, w, h = bounds[n]
        extra = {"isMarkerVisible": "true"} if m.kind[n] == "exclusiveGateway" else {}
        if m.kind[n] in ("callActivity", "subProcess"):
            extra["isExpanded"] = "false"
        s = shape(n, x, y, w, h, **extra)
        if m.kind[n] == "boundaryEvent" and m.names.get(n):
            siblings = per_host[m.host[n]]
            left = siblings.index(n) < len(siblings) / 2
            label(s, x - 62 if left else x + w + 2, y + h - 6, 60, 27)
        elif m.kind[n] in EVENTS | GATEWAYS and m.names.get(n):
            lw = 100
            label(s, x + w / 2 - lw / 2, y + h + 5, lw, 27)

    occupied = {(m.lane_of.get(n), row[n], rank[n]) for n in row}

    def blocked(s, t):
        """A straight same-row edge from s to t would run through another node."""
        s, lane = m.host.get(s, s), m.lane_of.get(t)
        return any((lane, row[t], r) in occupied for r in range(rank[s] + 1, rank[t]))

    def drop_blocked(s, t):
        """A gateway split dropping straight down (or up) to t's row would land on another node
        in the gateway's column, and the source row is free up to t's column."""
        if m.kind[s] not in GATEWAYS or s in m.host or t not in row:
            return False
        lane_s, lane_t = m.lane_of.get(s), m.lane_of.get(t)
        return (lane_t, row[t], rank[s]) in occupied and (lane_t, row[t]) != (lane_s, row[s]) \
            and not any((lane_s, row[s], r) in occupied for r in range(rank[s] + 1, rank[t]))

    for fid, s, t, name in m.flows:
        pts = route(m, bounds, s, t, fid in back, s not in m.host and blocked(s, t),
                    drop_blocked(s, t))
        e = etree.SubElement(plane, f"{{{BPMNDI}}}BPMNEdge", id=f"{fid}_di", bpmnElement=fid)
        for px, py in pts:
            etree.SubElement(e, f"{{{DI}}}waypoint", x=fmt(px), y=fmt(py))
        if name:
            (x1, y1), (x2, y2) = pts[0], pts[1]
            lx = (x1 + x2) / 2 if y1 == y2 else x1 + 4
            ly = y1 - 18 if y1 == y2 else (y1 + y2) / 2 - 7
            label(e, lx - (20 if y1 == y2 else 0), ly, 40, 14)


def route(m, bounds, s, t, is_back, detour=False, elbow=False):
    sx, sy, sw, sh = bounds[s]
    tx, ty, tw, th = bounds[t]
    scx, scy, tcx, tcy = sx + sw / 2, sy + sh / 2, tx + tw / 2, ty + th / 2
    if s in m.host:  # from a boundary event: leave downwards
        down = sy + sh
        if tcy > down:
            return [(scx, down), (scx, tcy), (tx, tcy)]
        return [(scx, down), (scx, down + 20), (tx - 25, down + 20), (tx - 25, tcy), (tx, tcy)]
    if is_back:
        top = min(sy, ty) - 25
        return [(scx, sy), (scx, top), (tcx, top), (tcx, ty)]
    if abs(scy - tcy) < 1 and detour:  # skip past the nodes in between, below them
        low = scy + 70
        start = [(scx, sy + sh), (scx, low)] if m.kind[s] in GATEWAYS else \
            [(sx + sw, scy), (sx + sw + 20, scy), (sx + sw + 20, low)]
        end = [(tcx, low), (tcx, ty + th)] if m.kind[t] in GATEWAYS else \
            [(tx - 20, low), (tx - 20, tcy), (tx, tcy)]
        return start + end
    if abs(scy - tcy) < 1:
        return [(sx + sw, scy), (tx, tcy)]
    if m.kind[s] in GATEWAYS and tx > scx and not elbow:
        port = sy if tcy < scy else sy + sh
        return [(scx, port), (scx, tcy), (tx, tcy)]
    if m.kind[t] in GATEWAYS and tcx > sx + sw:
        port = ty if scy < tcy else ty + th
        return [(sx + sw, scy), (tcx, scy), (tcx, port)]
    mx = tx - 25 if tx - 25 > sx + sw else (sx + sw + tx) / 2
    return [(sx + sw, scy), (mx, scy), (mx, tcy), (tx, tcy)]


def fmt(v: float) -> str:
    return str(int(round(v)))


def relayout_file(path: Path) -> None:
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True,
                             load_dtd=False)
    tree = etree.parse(str(path), parser)
    layout(tree.getroot())
    write(tree, path)


def write(tree, path: Path) -> None:
    etree.indent(tree, space="  ")
    path.write_bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def main(argv: list[str]) -> int:
    for name in argv:
        relayout_file(Path(name))
        print(f"laid out {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
