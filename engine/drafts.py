"""Drafts of BPMN and DMN files: save, list, discard, check and deploy.

A draft is checked and deployed together with what it needs from the latest deployed versions
(called processes, DMN files), through the one deploy path in ``deployment``: every deploy-time
check, then the board's lint rules. Errors block deployment; warnings and notes do not.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Draft

from . import clock, deployment, library
from .errors import DefinitionError, NotAllowed, NotFound, Problem
from .records import DeployResult
from .trail import audit_and_notify as audit
from .xmlsafe import parse_xml


@dataclass(frozen=True)
class DraftFile:
    """What an uploaded or edited document is: its kind, file name and main id."""

    kind: str               # "bpmn" or "dmn"
    filename: str
    process_id: str | None  # the executable process (BPMN) or None
    decision_id: str | None


@dataclass(frozen=True)
class CheckResult:
    """Problems found in a draft (errors, warnings, notes) and the processes it would deploy."""

    problems: list[Problem]
    process_ids: list[str]

    @property
    def ok(self) -> bool:
        """Nothing blocks deployment."""
        return not any(p.severity == "error" for p in self.problems)


def identify(session: Session, xml: str | bytes, filename: str | None = None,
             lib: library.Library | None = None) -> DraftFile:
    """Parse ``xml`` safely and say what it is; DefinitionError for anything unusable."""
    name = filename or "upload"
    tree = parse_xml(xml, name)
    kind = library.document_kind(tree)
    if kind == "bpmn":
        executable = library.process_ids(tree)
        if not executable:
            raise library.refuse(name, "the file defines no process")
        pid = executable[0]
        current = (lib or library.load_library(session)).processes.get(pid)
        return DraftFile("bpmn", current[0] if current else f"{pid}.bpmn", pid, None)
    if kind == "dmn":
        decisions = library.decision_ids(tree)
        if not decisions:
            raise library.refuse(name, "the file defines no decision")
        current = (lib or library.load_library(session)).decisions.get(decisions[0])
        return DraftFile("dmn", current[0] if current else f"{decisions[0]}.dmn", None, decisions[0])
    raise library.refuse(name, "not a BPMN 2.0 or DMN document")


def save(session: Session, user: str, xml: str, note: str = "",
         now: datetime | None = None) -> Draft:
    """Save ``xml`` as the user's draft of its file (created, or overwritten)."""
    now = now or clock.now()
    about = identify(session, xml)
    draft = session.scalars(select(Draft).where(Draft.filename == about.filename,
                                                Draft.created_by == user)).first()
    if draft is None:
        draft = Draft(filename=about.filename, created_by=user, created_at=now)
        session.add(draft)
    draft.kind, draft.process_id = about.kind, about.process_id
    draft.xml, draft.note, draft.updated_by, draft.updated_at = xml, note or "", user, now
    session.flush()
    return draft


def list_drafts(session: Session, process_id: str | None = None) -> list[Draft]:
    """Every draft (or those of one process), most recently changed first."""
    stmt = select(Draft).order_by(Draft.updated_at.desc(), Draft.id.desc())
    if process_id is not None:
        stmt = stmt.where(Draft.process_id == process_id)
    return list(session.scalars(stmt))


def get(session: Session, draft_id: int) -> Draft:
    """One draft, or NotFound."""
    draft = session.get(Draft, draft_id)
    if draft is None:
        raise NotFound("draft", draft_id)
    return draft


def select_mine(user: str, process_id: str | None = None, filename: str | None = None):
    """A query for the user's drafts of a process or of a file."""
    stmt = select(Draft).where(Draft.created_by == user)
    if process_id is not None:
        stmt = stmt.where(Draft.process_id == process_id)
    if filename is not None:
        stmt = stmt.where(Draft.filename == filename)
    return stmt.order_by(Draft.updated_at.desc())


def mine(session: Session, user: str, filename: str) -> Draft | None:
    """The user's draft of a file, if any."""
    return session.scalars(select(Draft).where(Draft.filename == filename,
                                               Draft.created_by == user)).first()


def discard(session: Session, draft_id: int, user: str, may_discard_others: bool = False) -> None:
    """Delete a draft (its author, or an admin)."""
    draft = get(session, draft_id)
    if draft.created_by != user and not may_discard_others:
        raise NotAllowed(f"only {draft.created_by} or an admin can discard this draft")
    audit(session, user, "definition_draft_discarded", draft_id=draft.id,
          filename=draft.filename, author=draft.created_by)
    session.delete(draft)
    session.flush()


def bundle(session: Session, xml: str, user: str | None = None,
           lib: library.Library | None = None) -> tuple[DraftFile, dict, list]:
    """``(what the draft is, files to check or deploy, processes that get a new version)``."""
    lib = lib or library.load_library(session)
    about = identify(session, xml, lib=lib)
    extra = _user_decisions(session, user) if user else {}
    if about.kind == "bpmn":
        files = library.with_dependencies(lib, {about.filename: xml}, extra)
        return about, files, [about.process_id]
    users = library.users_of_decision(lib, about.decision_id)
    files = {about.filename: xml}
    for pid in users:
        files = library.with_dependencies(lib, {**files, lib.processes[pid][0]: lib.processes[pid][1]})
    return about, files, users


def check(session: Session, xml: str, user: str | None = None) -> CheckResult:
    """What deploying the draft would find: deploy-time checks and lint rules, on the draft
    with what it needs from the library."""
    lib = library.load_library(session)
    try:
        _, files, targets = bundle(session, xml, user, lib)
    except DefinitionError as exc:
        return CheckResult(list(exc.problems), [])
    checked = deployment.check(session, _encoded(files), only=set(targets), lib=lib)
    return CheckResult(checked.problems, targets)


def deploy(session: Session, xml: str, user: str, note: str = "") -> list[DeployResult]:
    """Deploy the draft (through the one deploy path) as new version(s); the user's draft of
    it is then removed. Raises DefinitionError listing every error (nothing deployed)."""
    lib = library.load_library(session)
    about, files, targets = bundle(session, xml, user, lib)
    if not targets:
        raise library.refuse(about.filename, f"no deployed process uses decision "
                             f"{about.decision_id!r}: deploy a process that uses it")
    results = deployment.deploy(session, _encoded(files), user, note, only=set(targets), lib=lib)
    draft = mine(session, user, about.filename)
    if draft is not None:
        session.delete(draft)
        session.flush()
    return results


def _encoded(files: dict) -> dict[str, bytes]:
    return {k: v.encode() if isinstance(v, str) else v for k, v in files.items()}


def _user_decisions(session: Session, user: str) -> dict[str, tuple[str, str]]:
    """The user's DMN drafts by decision id (used when the library lacks a decision)."""
    found = {}
    for draft in session.scalars(select(Draft).where(Draft.kind == "dmn", Draft.created_by == user)):
        try:
            for decision in library.decision_ids(parse_xml(draft.xml, draft.filename)):
                found[decision] = (draft.filename, draft.xml)
        except DefinitionError:
            continue
    return found
