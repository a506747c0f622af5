"""The facade's commands for process owners (``ProcessEngine`` mixes them in): diagram drafts,
checks, deploys from the browser, version sources, comparisons, dry runs, and moving running
cases to another version. Deploying goes through the one deploy path (``deployment.deploy``)
whoever calls it; a migration ends in the engine's one save."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from models import Definition, Draft
from models.status import Role

from . import clock, compare, deployment, drafts, library, migrate, people, store, trail
from .actors import Actor, require_manager_to_migrate
from .definitions import read_paths
from .dryrun import DryRun, dry_run
from .errors import NotFound
from .records import DeployResult
from .xmlsafe import MAX_XML_BYTES


class DefinitionCommands:
    """Drafts, checks, deploys, version sources, comparisons, dry runs and migrations."""

    MAX_XML_BYTES = MAX_XML_BYTES

    def validate(self, session: Session, files: Mapping[str, bytes]) -> list[str]:
        """Check files exactly as deploy would (validation and lint, against the groups and lanes
        in the database); returns their process ids or raises DefinitionError."""
        return sorted(deployment.validate(session, files))

    def deploy(self, session: Session, files: Mapping[str, bytes], user: str | None,
               note: str = "", only: set[str] | None = None):
        """Deploy files through the one deploy path (parse, validate, lint, store); a process
        gets a new version only when its content changed. Raises DefinitionError listing every
        error (nothing stored) when validation or lint refuses."""
        return deployment.deploy(session, files, user, note, only)

    @staticmethod
    def read_definition_files(paths: Iterable[str | Path]) -> dict[str, bytes]:
        """The BPMN and DMN files at ``paths`` (files or folders), by name, for deploy."""
        return read_paths(paths)

    def drafts(self, session: Session, process_id: str | None = None) -> list[Draft]:
        """Every draft (of one process), newest first."""
        return drafts.list_drafts(session, process_id)

    def draft(self, session: Session, draft_id: int) -> Draft:
        """One draft, or NotFound."""
        return drafts.get(session, draft_id)

    def my_draft(self, session: Session, actor: Actor, process_id: str | None = None,
                 filename: str | None = None) -> Draft | None:
        """The actor's newest draft of a process or of a file, if any."""
        return session.scalars(drafts.select_mine(actor.name, process_id=process_id,
                                                  filename=filename)).first()

    def save_diagram_draft(self, session: Session, actor: Actor, xml: str,
                           note: str = "") -> Draft:
        """Keep the actor's edited diagram as a draft (checked only when deployed)."""
        return drafts.save(session, actor.name, xml, note)

    def discard_diagram_draft(self, session: Session, actor: Actor, draft_id: int) -> None:
        """Delete a draft (its author, or an admin)."""
        drafts.discard(session, draft_id, actor.name, Role.ADMIN.value in actor.roles)

    def check_diagram(self, session: Session, actor: Actor, xml: str):
        """Every problem deploying ``xml`` would meet (validation and lint), none stored."""
        return drafts.check(session, xml, actor.name)

    def deploy_diagram(self, session: Session, actor: Actor, xml: str,
                       note: str = "") -> list[DeployResult]:
        """Deploy an edited diagram with what it needs from the library, by the one path."""
        return drafts.deploy(session, xml, actor.name, note)

    def version_source(self, definition: Definition) -> tuple[str, str]:
        """``(file name, XML)`` of a deployed version's own diagram."""
        return library.own_file(definition)

    def decision_source(self, session: Session, filename: str) -> str | None:
        """The newest deployed copy of a DMN file, or None."""
        for name, xml in library.load_library(session).decisions.values():
            if name == filename:
                return xml
        return None

    def compare_versions(self, xml_a: str, xml_b: str, filename: str) -> compare.Comparison:
        """What changed between two versions of a diagram, element by element."""
        return compare.compare(xml_a, xml_b, filename)

    def dry_run(self, session: Session, actor: Actor, process_id: str, source: str | Definition,
                **inputs) -> DryRun:
        """Run a process in memory from the actor's draft (``source`` "draft") or a deployed
        version, with the board's lane mapping and calendar; writes nothing (service operations
        are simulated, reading the registers at most)."""
        files = self._dry_run_files(session, actor, process_id, source)
        self.refresh_calendar(session)
        return dry_run(files, process_id, calendar=self.calendar,
                       lane_groups=people.lane_mappings(session),
                       groups=people.group_kinds(session), session=session, **inputs)

    def _dry_run_files(self, session, actor, process_id, source) -> Mapping[str, bytes]:
        if isinstance(source, Definition):
            files = source.files
        else:
            draft = self.my_draft(session, actor, process_id=process_id)
            if draft is None:
                raise NotFound("draft of", process_id)
            _, files, _ = drafts.bundle(session, draft.xml, actor.name)
        return {name: xml.encode() for name, xml in files.items()}

    def preview_migration(self, session: Session, process_id: str, to_version: int,
                          instance_ids: list[int] | None = None,
                          now: datetime | None = None) -> list[migrate.MigrationPlan]:
        """What migrating each running instance of a process would do; writes nothing."""
        now = now or clock.now()
        self.refresh_calendar(session)
        return [migrate.attempt(row, self._run_of(row, now), target)[0]
                for row, target in migrate.candidates(session, process_id, to_version,
                                                      instance_ids)]

    def migrate(self, session: Session, instance_id: int, to_version: int, actor: Actor,
                now: datetime | None = None) -> migrate.MigrationPlan:
        """Move one instance to another deployed version of its process, or refuse (a plan
        with ``ok`` False, nothing written). Its open tasks take the new version's titles,
        forms and groups; new tasks are created and notified like any other."""
        require_manager_to_migrate(actor)
        now = now or clock.now()
        row, run, loaded = self._load(session, instance_id, now)
        target = migrate.target(session, row, to_version)
        plan, migrated = migrate.attempt(row, run, target)
        if not plan.ok:
            return plan
        row.definition_id, row.definition = target.id, target
        refresh = {t.id for t in store.open_tasks(session, row.id)}
        self._save(session, row, migrated, actor.name, now, loaded=loaded, refresh=refresh,
                   events=[trail.event(actor.name, "instance_migrated", instance_id=row.id,
                                       now=now, process_id=row.process_id,
                                       from_version=plan.from_version,
                                       to_version=plan.to_version, notes=plan.notes)])
        return plan

    def migrate_many(self, session_factory, instance_ids: list[int], to_version: int,
                     actor: Actor, now: datetime | None = None) -> list[migrate.MigrationPlan]:
        """Migrate each instance in its own transaction; one refusal never stops the others."""
        return migrate.migrate_many(session_factory, self, instance_ids, to_version, actor, now)
