"""The definitions layer's entry point: BPMN/DMN files in, parsed and checked processes out.

``check_definitions`` parses every file once with the hardened XML parser, runs the deploy-time
checks in ``validation``, hands the trees to ``LscbParser`` and builds each executable process's
spec. It collects every problem across all files, so a process owner sees the whole list at
once; ``parse_definitions`` raises them as one ``DefinitionError``. The board's lint rules run
on the same trees in ``deployment``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree
from SpiffWorkflow.dmn.parser.BpmnDmnParser import SCHEMAS as DMN_SCHEMAS

from . import validation
from .assignment import group_slug
from .errors import DefinitionError, Problem
from .parser import (NSMAP, BusinessRuleTaskParser, LscbParser, description_from_node,
                     start_form_from_node, starters_from_node)
from .xmlsafe import MAX_XML_BYTES, parse_xml

BPMN_DEFINITIONS = f"{{{NSMAP['bpmn']}}}definitions"
DMN_DEFINITIONS = {f"{{{ns}}}definitions" for ns in DMN_SCHEMAS}
SUFFIXES = (".bpmn", ".dmn")


@dataclass(frozen=True)
class ParsedProcess:
    """One executable process, ready to deploy: its spec and every file it needs."""

    process_id: str
    name: str
    spec: Any
    subprocess_specs: dict
    files: dict[str, str]
    start_messages: tuple[str, ...]
    lanes: tuple[str, ...]
    is_executable: bool = True
    description: str = ""
    starter_groups: tuple[str, ...] = ()       # group slugs (``candidateStarterGroups``)
    starter_users: tuple[str, ...] = ()        # user names (``candidateStarterUsers``)
    start_form: dict = field(default_factory=lambda: {"fields": []})


def read_paths(paths: Iterable[str | Path]) -> dict[str, bytes]:
    """Read files, or folders recursively (``*.bpmn``, ``*.dmn``), as filename -> content, sorted.

    A folder's files are named by their path inside it; a file given directly by its name.
    """
    files: dict[str, bytes] = {}
    for path in map(Path, paths):
        if path.is_dir():
            found = [(f.relative_to(path).as_posix(), f) for f in sorted(path.rglob("*"))
                     if f.suffix.lower() in SUFFIXES and f.is_file()]
        elif path.is_file():
            found = [(path.name, path)]
        else:
            raise DefinitionError([Problem(str(path), "no such file or folder")])
        for name, file in found:
            if name in files:
                raise DefinitionError([Problem(name, "two files have this name")])
            with file.open("rb") as stream:  # never more than one byte over the limit
                files[name] = stream.read(MAX_XML_BYTES + 1)
    return dict(sorted(files.items()))


@dataclass(frozen=True)
class CheckedFiles:
    """What parsing a set of files found: every problem, the BPMN trees (parsed once, for the
    lint rules), and one ParsedProcess per executable process when there is no problem."""

    processes: dict[str, ParsedProcess]
    bpmn_trees: dict[str, Any]
    problems: list[Problem]


def check_definitions(files: Mapping[str, bytes]) -> CheckedFiles:
    """Parse and check a set of BPMN/DMN files, collecting every problem in every file."""
    bpmn, dmn, problems = _load(files)
    problems += _check(bpmn, dmn)
    parser = LscbParser()
    problems += _add_to_parser(parser, bpmn, dmn)
    broken = {p.file for p in problems}
    specs = _parse_specs(parser, bpmn, broken, problems)
    if problems:
        return CheckedFiles({}, bpmn, _unique(problems))
    trees = {**bpmn, **dmn}
    return CheckedFiles({pid: _parsed(parser, pid, spec, subs, files, trees)
                         for pid, (spec, subs) in sorted(specs.items())}, bpmn, [])


def parse_definitions(files: Mapping[str, bytes]) -> dict[str, ParsedProcess]:
    """Parse and check a set of BPMN/DMN files; one ParsedProcess per executable process.

    Raises DefinitionError listing every problem in every file when anything is wrong.
    """
    checked = check_definitions(files)
    if checked.problems:
        raise DefinitionError(checked.problems)
    return checked.processes


def _load(files: Mapping[str, bytes]) -> tuple[dict, dict, list[Problem]]:
    bpmn, dmn, problems = {}, {}, []
    for filename, data in files.items():
        try:
            tree = parse_xml(data, filename)
        except DefinitionError as exc:
            problems += exc.problems
            continue
        root_tag = tree.getroot().tag
        if root_tag == BPMN_DEFINITIONS:
            bpmn[filename] = tree
        elif root_tag in DMN_DEFINITIONS:
            dmn[filename] = tree
        else:
            problems.append(Problem(filename, "not a BPMN 2.0 or DMN document", 1))
    return bpmn, dmn, problems


def _check(bpmn: dict, dmn: dict) -> list[Problem]:
    problems = []
    for filename, tree in bpmn.items():
        problems += _guarded(validation.check_bpmn, tree, filename)
    for filename, tree in dmn.items():
        problems += _guarded(validation.check_dmn, tree, filename)
    processes = {p.get("id"): p.get("isExecutable", "true") == "true"
                 for tree in bpmn.values() for p in _xpath(tree.getroot(), "./bpmn:process")}
    decisions = [d.get("id") for tree in dmn.values() for d in tree.getroot()
                 if etree.QName(d).localname == "decision"]
    problems += [Problem(f, f"decision id {d!r} is used by more than one DMN file", None, d)
                 for d in validation.duplicates(decisions) for f in _files_with(dmn, d)]
    return problems + validation.check_references(bpmn, processes, set(decisions))


def _guarded(check, tree, filename: str) -> list[Problem]:
    try:
        return check(tree, filename)
    except Exception as exc:  # noqa: BLE001 - a checker bug must not hide the file's name
        return [Problem(filename, f"could not be checked: {exc!r}")]


def _add_to_parser(parser: LscbParser, bpmn: dict, dmn: dict) -> list[Problem]:
    trees = {**bpmn, **dmn}
    problems = []
    for filename, tree in trees.items():
        try:
            if filename in bpmn:
                parser.add_bpmn_xml(tree, filename)
            else:
                parser.add_dmn_xml(tree.getroot(), filename)
        except Exception as exc:  # noqa: BLE001 - every library failure becomes a Problem
            problems.append(_problem(exc, filename, trees))
    # The XSD repeats duplicate ids (as xs:ID errors) that check_bpmn reports more plainly.
    return [p for p in problems if "atomic type 'xs:ID'" not in p.message]


def _parse_specs(parser, bpmn: dict, broken: set, problems: list) -> dict:
    """``{process_id: (spec, subprocess_specs)}``; failures are appended to ``problems``."""
    specs = {}
    for filename, tree in bpmn.items():
        if filename in broken:
            continue  # its problems are reported already; Spiff would only repeat them
        for process in validation.executable_processes(tree.getroot()):
            try:
                specs[process.get("id")] = (parser.get_spec(process.get("id")), None)
            except Exception as exc:  # noqa: BLE001
                problems.append(_problem(exc, filename, bpmn))
    for process_id, (spec, _) in list(specs.items()):
        if problems:
            break  # a called process may be half-parsed; nothing will be returned anyway
        try:
            specs[process_id] = (spec, parser.get_subprocess_specs(process_id))
        except Exception as exc:  # noqa: BLE001
            problems.append(_problem(exc, parser.process_parsers[process_id].filename, bpmn))
    return specs


def _problem(exc: Exception, filename: str, trees: dict) -> Problem:
    if hasattr(exc, "file_name") or hasattr(exc, "line_number"):
        return validation.problem_from_spiff(exc, filename, trees)
    return Problem(filename, f"cannot be parsed: {exc!r}")


def _parsed(parser, process_id: str, spec, subs: dict, files: Mapping, trees: dict) -> ParsedProcess:
    process_parsers = [parser.process_parsers[pid] for pid in (process_id, *subs)]
    decisions = {BusinessRuleTaskParser.get_decision_ref(task) for pp in process_parsers
                 for task in pp.node.xpath(".//bpmn:businessRuleTask", namespaces=NSMAP)}
    needed = {pp.filename for pp in process_parsers}
    needed |= {parser.dmn_parsers[d].filename for d in decisions}
    node = process_parsers[0].node
    starters = starters_from_node(node)
    return ParsedProcess(
        process_id=process_id, name=_name(node), spec=spec, subprocess_specs=subs,
        files={name: _text(files[name], trees[name]) for name in sorted(needed)},
        start_messages=_start_messages(node), lanes=_lanes(process_parsers),
        is_executable=True, description=description_from_node(node),
        starter_groups=tuple(dict.fromkeys(map(group_slug, starters["groups"]))),
        starter_users=tuple(dict.fromkeys(starters["users"])),
        start_form=start_form_from_node(node))


def _name(process) -> str:
    participants = process.getroottree().getroot().xpath(
        "//bpmn:participant[@processRef=$id]", namespaces=NSMAP, id=process.get("id"))
    participant_name = participants[0].get("name") if participants else None
    return process.get("name") or participant_name or process.get("id")


def _start_messages(process) -> tuple[str, ...]:
    root = process.getroottree().getroot()
    names = []
    for definition in _xpath(process, "./bpmn:startEvent/bpmn:messageEventDefinition"):
        message = root.xpath("//bpmn:message[@id=$id]", namespaces=NSMAP,
                             id=definition.get("messageRef") or "")
        if message and message[0].get("name"):
            names.append(message[0].get("name"))
    return tuple(dict.fromkeys(names))


def _lanes(process_parsers) -> tuple[str, ...]:
    names = [lane.get("name") for pp in process_parsers
             for lane in _xpath(pp.node, "./bpmn:laneSet//bpmn:lane") if lane.get("name")]
    return tuple(dict.fromkeys(names))


def _text(data: bytes, tree) -> str:
    return data.decode(tree.docinfo.encoding or "utf-8") if isinstance(data, bytes) else data


def _xpath(node, path: str) -> list:
    return node.xpath(path, namespaces=NSMAP)


def _files_with(dmn: dict, decision_id: str) -> list[str]:
    return [f for f, tree in dmn.items() if tree.getroot().xpath("./*[@id=$id]", id=decision_id)]


def _unique(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file, p.line or 0))
