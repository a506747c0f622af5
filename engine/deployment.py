"""The one deploy path: parse, validate, lint, store, whoever calls it (browser, API, CLI, demo).

Every file is parsed once (``check_definitions``); the board's lint rules (``lint``) run on the
same trees with what the database knows (groups, lane mappings, the deployed call graph). An
error from either refuses the whole set with every problem; warnings and notes do not. A
process gets a new version only when its content changed.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Definition, Group, MessageStart
from models.status import GroupKind

from . import library, people
from .definitions import ParsedProcess, check_definitions
from .errors import DefinitionError, Problem
from .lint import LintContext, call_graph, lint
from .records import DeployResult
from .serialization import spec_to_json
from .trail import audit_and_notify as audit
from .validation import executable_processes

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Checked:
    """Every problem found in a set of files (errors, warnings, notes) and, when nothing blocks
    deployment, their parsed processes."""

    problems: list[Problem]
    processes: dict[str, ParsedProcess]

    @property
    def ok(self) -> bool:
        """Nothing blocks deployment."""
        return not self.errors

    @property
    def errors(self) -> list[Problem]:
        """The problems that block deployment."""
        return [p for p in self.problems if p.severity == "error"]


def content_hash(parsed: ParsedProcess) -> str:
    """SHA-256 over every file the process needs (names and contents)."""
    blob = json.dumps(sorted(parsed.files.items()), ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def latest_definition(session: Session, process_id: str) -> Definition | None:
    """The newest deployed version of a process, or None."""
    stmt = (select(Definition).where(Definition.process_id == process_id)
            .order_by(Definition.version.desc()).limit(1))
    return session.scalars(stmt).first()


def check(session: Session, files: Mapping[str, bytes], only: set[str] | None = None,
          lib: library.Library | None = None) -> Checked:
    """Deploy-time checks over every file, and lint rules over the files of the processes that
    would get a new version (``only``, or all)."""
    checked = check_definitions(files)
    linted = {name: tree for name, tree in checked.bpmn_trees.items()
              if any(only is None or p.get("id") in only
                     for p in executable_processes(tree.getroot()))}
    problems = checked.problems
    if linted:
        lib = lib or library.load_library(session)
        problems = problems + lint(linted, context(session, {**lib.own_trees(),
                                                             **checked.bpmn_trees}))
    problems = sorted(dict.fromkeys(problems), key=lambda p: (
        SEVERITY_ORDER.get(p.severity, 0), p.file, p.line or 0))
    return Checked(problems, {} if checked.problems else checked.processes)


def validate(session: Session, files: Mapping[str, bytes], only: set[str] | None = None,
             lib: library.Library | None = None) -> dict[str, ParsedProcess]:
    """The parsed processes of ``files``, or DefinitionError with every error that blocks them."""
    checked = check(session, files, only, lib)
    if not checked.ok:
        raise DefinitionError(checked.errors)
    return checked.processes


def deploy(session: Session, files: Mapping[str, bytes], user: str | None,
           note: str = "", only: set[str] | None = None,
           lib: library.Library | None = None) -> list[DeployResult]:
    """Validate and lint every file together and store a new version of each changed process.

    ``only`` limits the new versions (and the lint rules) to those processes; the others'
    files still take part in validation. Raises DefinitionError (nothing stored) listing every
    error when any file has one.
    """
    parsed = validate(session, files, only, lib)
    results = []
    for process_id in sorted(p for p in parsed if only is None or p in only):
        results.append(_deploy_one(session, parsed[process_id], user, note))
    session.flush()
    return results


def context(session: Session, trees: dict) -> LintContext:
    """What the lint rules need from the database, with the call graph over ``trees``."""
    groups = session.execute(select(Group.slug, Group.kind)).all()
    lanes = people.lane_mappings(session)
    calls, feeders = call_graph(trees)
    return LintContext(groups=frozenset(g for g, _ in groups),
                       agency_groups=frozenset(g for g, k in groups if k == GroupKind.AGENCY.value),
                       lane_groups=lanes, calls=calls, feeders=feeders)


def _deploy_one(session: Session, parsed: ParsedProcess, user, note) -> DeployResult:
    digest = content_hash(parsed)
    latest = latest_definition(session, parsed.process_id)
    if latest is not None and latest.content_hash == digest:
        return DeployResult(parsed.process_id, latest.version, latest.id, False)
    version = (session.scalar(select(func.max(Definition.version))
                              .where(Definition.process_id == parsed.process_id)) or 0) + 1
    row = Definition(
        process_id=parsed.process_id, version=version, name=parsed.name or parsed.process_id,
        content_hash=digest, files=dict(parsed.files),
        spec_json=spec_to_json(parsed.spec, parsed.subprocess_specs), lanes=list(parsed.lanes),
        deployed_by=user, change_note=note or "", description=parsed.description,
        starter_groups=list(parsed.starter_groups), starter_users=list(parsed.starter_users),
        start_form=parsed.start_form,
        message_starts=[MessageStart(message_name=m) for m in sorted(set(parsed.start_messages))])
    session.add(row)
    session.flush()
    audit(session, user, "definition_deployed", process_id=parsed.process_id, version=version,
          note=note or "")
    return DeployResult(parsed.process_id, version, row.id, True)
