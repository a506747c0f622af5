"""The deployed library as files: the latest version of every process and decision table.

A draft is validated and deployed together with the files it needs (the processes it calls and
the DMN files of its decisions), taken from the latest deployed versions. A process's own file
is taken from that process's latest version; a DMN file from the newest version that holds it.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from models import Definition, Draft

from .definitions import BPMN_DEFINITIONS, DMN_DEFINITIONS
from .errors import DefinitionError, Problem
from .parser import NSMAP, BusinessRuleTaskParser
from .xmlsafe import parse_xml


SHIPPED = Path(__file__).resolve().parents[1] / "workflows"   # the library this product ships


@dataclass
class Library:
    """Own files of the latest deployed processes and the newest DMN file of each decision."""

    processes: dict[str, tuple[str, str]] = field(default_factory=dict)   # pid -> (file, xml)
    decisions: dict[str, tuple[str, str]] = field(default_factory=dict)   # decision -> (file, xml)
    trees: dict[str, etree._ElementTree] = field(default_factory=dict)    # file -> tree
    definitions: dict[str, Definition] = field(default_factory=dict)      # pid -> latest row

    def own_trees(self) -> dict:
        """filename -> tree of every process's own file."""
        return {name: self.trees[name] for name, _ in self.processes.values()}


def latest_definitions(session: Session) -> list[Definition]:
    """The latest version of every process, by process id."""
    newest = (select(Definition.process_id, func.max(Definition.version).label("version"))
              .group_by(Definition.process_id).subquery())
    stmt = (select(Definition).options(undefer(Definition.files))
            .join(newest, (Definition.process_id == newest.c.process_id)
                  & (Definition.version == newest.c.version))
            .order_by(Definition.deployed_at, Definition.id))
    return list(session.scalars(stmt))


def load_library(session: Session) -> Library:
    """Index the latest deployed files (parsed once each)."""
    library = Library()
    for definition in latest_definitions(session):
        library.definitions[definition.process_id] = definition
        for filename, xml in sorted((definition.files or {}).items()):
            tree = parse_xml(xml, filename)
            kind = document_kind(tree)
            if kind == "bpmn" and definition.process_id in process_ids(tree):
                library.processes[definition.process_id] = (filename, xml)
                library.trees[filename] = tree
            elif kind == "dmn":
                for decision in decision_ids(tree):
                    library.decisions[decision] = (filename, xml)   # newest deployment wins
                library.trees.setdefault(filename, tree)
    return library


def document_kind(tree) -> str | None:
    """'bpmn', 'dmn' or None, from the root element."""
    tag = tree.getroot().tag
    return "bpmn" if tag == BPMN_DEFINITIONS else "dmn" if tag in DMN_DEFINITIONS else None


def process_ids(tree) -> list[str]:
    """Ids of the processes in a BPMN tree, executable ones first."""
    processes = tree.getroot().xpath("./bpmn:process", namespaces=NSMAP)
    return [p.get("id") for p in sorted(processes, key=lambda p: p.get("isExecutable") == "false")]


def decision_ids(tree) -> list[str]:
    """Ids of the decisions in a DMN tree."""
    return [d.get("id") for d in tree.getroot() if etree.QName(d).localname == "decision"]


def needs(tree) -> tuple[set[str], set[str]]:
    """``(called process ids, decision ids)`` a BPMN tree refers to."""
    root = tree.getroot()
    calls = {c.get("calledElement") for c in root.xpath(".//bpmn:callActivity", namespaces=NSMAP)}
    decisions = {BusinessRuleTaskParser.get_decision_ref(t)
                 for t in root.xpath(".//bpmn:businessRuleTask", namespaces=NSMAP)}
    return {c for c in calls if c}, {d for d in decisions if d}


def with_dependencies(library: Library, files: Mapping[str, str],
                      extra_decisions: Mapping[str, tuple[str, str]] | None = None) -> dict[str, str]:
    """``files`` plus every file they need from the library, transitively (``files`` win).

    A file that cannot be parsed is returned as it is: ``parse_definitions`` reports it.
    """
    result = dict(files)
    defined_processes, defined_decisions, todo_calls, todo_decisions = set(), set(), set(), set()

    def visit(filename: str, xml: str) -> None:
        try:
            tree = parse_xml(xml, filename)
        except DefinitionError:
            return
        if document_kind(tree) == "bpmn":
            defined_processes.update(process_ids(tree))
            calls, decisions = needs(tree)
            todo_calls.update(calls)
            todo_decisions.update(decisions)
        elif document_kind(tree) == "dmn":
            defined_decisions.update(decision_ids(tree))

    for name, xml in files.items():
        visit(name, xml)
    while todo_calls - defined_processes:
        pid = (todo_calls - defined_processes).pop()
        defined_processes.add(pid)
        if pid in library.processes and library.processes[pid][0] not in result:
            result[library.processes[pid][0]] = library.processes[pid][1]
            visit(*library.processes[pid])
    for decision in sorted(todo_decisions - defined_decisions):
        found = library.decisions.get(decision) or (extra_decisions or {}).get(decision)
        if found and found[0] not in result:
            result[found[0]] = found[1]
    return result


def users_of_decision(library: Library, decision: str) -> list[str]:
    """Latest processes whose files use ``decision`` (directly or through a called process)."""
    users = []
    for pid, definition in sorted(library.definitions.items()):
        for filename, xml in (definition.files or {}).items():
            if filename.endswith(".bpmn") and decision in needs(parse_xml(xml, filename))[1]:
                users.append(pid)
                break
    return users


def refuse(filename: str, message: str) -> DefinitionError:
    """A DefinitionError with one problem about the whole file."""
    return DefinitionError([Problem(filename, message, 1)])


def own_file(definition: Definition) -> tuple[str, str]:
    """``(filename, xml)`` of the file that defines a deployed version's own process."""
    for filename, xml in sorted((definition.files or {}).items()):
        if filename.endswith(".bpmn") and definition.process_id in process_ids(parse_xml(xml, filename)):
            return filename, xml
    raise DefinitionError([Problem("?", f"version {definition.version} of "
                                   f"{definition.process_id} has no file defining it")])


def known_lanes(session: Session) -> set[str]:
    """The lane names of the deployed diagrams, of every saved draft and of the shipped library:
    the lanes an admin may map (a lane is matched exactly as the diagram writes it)."""
    deployed = {lane for lanes in session.scalars(select(Definition.lanes)) for lane in lanes or ()}
    drafted = {lane for xml in session.scalars(select(Draft.xml).where(Draft.kind == "bpmn"))
               for lane in _lane_names(xml.encode(), "draft")}
    return deployed | drafted | _shipped_lanes()


@functools.cache
def _shipped_lanes() -> frozenset[str]:
    return frozenset(lane for path in SHIPPED.glob("*.bpmn")
                     for lane in _lane_names(path.read_bytes(), path.name))


def _lane_names(xml: bytes, filename: str) -> list[str]:
    try:
        tree = parse_xml(xml, filename)
    except DefinitionError:
        return []                      # a draft that does not parse names no lanes
    return [name.strip() for name in tree.xpath("//bpmn:lane/@name", namespaces=NSMAP)
            if name.strip()]
