"""Deploy definitions: a new version of a process only when its content changed."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Definition, MessageStart

from .definitions import ParsedProcess, parse_definitions
from .records import DeployResult
from .serialization import spec_to_json
from .trail import audit_and_notify as audit


def content_hash(parsed: ParsedProcess) -> str:
    """SHA-256 over every file the process needs (names and contents)."""
    blob = json.dumps(sorted(parsed.files.items()), ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


def latest_definition(session: Session, process_id: str) -> Definition | None:
    """The newest deployed version of a process, or None."""
    stmt = (select(Definition).where(Definition.process_id == process_id)
            .order_by(Definition.version.desc()).limit(1))
    return session.scalars(stmt).first()


def deploy(session: Session, files: Mapping[str, bytes], user: str | None,
           note: str = "", only: set[str] | None = None) -> list[DeployResult]:
    """Validate every file together and store a new version of each changed process.

    ``only`` limits the new versions to those processes (the others' files still take part in
    validation). Raises DefinitionError (nothing stored) when any file has a problem.
    """
    parsed = parse_definitions(files)
    results = []
    for process_id in sorted(p for p in parsed if only is None or p in only):
        results.append(_deploy_one(session, parsed[process_id], user, note))
    session.flush()
    return results


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
        deployed_by=user, change_note=note or "",
        message_starts=[MessageStart(message_name=m) for m in sorted(set(parsed.start_messages))])
    session.add(row)
    session.flush()
    audit(session, user, "definition_deployed", process_id=parsed.process_id, version=version,
          note=note or "")
    return DeployResult(parsed.process_id, version, row.id, True)
