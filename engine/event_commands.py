"""The facade's commands for what arrives from outside a case (``ProcessEngine`` mixes them
in): timers falling due, the background sweep, and messages from other cases or partner
systems. Each delivery ends in the engine's one save (``ProcessEngine._save``)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Definition, MessageStart, MessageSubscription
from models.status import InstanceStatus

from . import (access, clock, deployment, references, scheduler, storable, store, timers,
               trail)
from .actors import Actor
from .errors import InputError, InvalidState, NotFound, ScriptError

MAX_MESSAGE_HOPS = 20


class EventCommands:
    """Fire timers, run the background sweep, deliver messages."""

    def fire_instance(self, session: Session, instance_id: int, now: datetime | None = None,
                      actor_name: str = "scheduler") -> int:
        """Fire one instance's due timers; returns how many fired (0: another sweeper has it,
        or nothing is due any more)."""
        now = now or clock.now()
        row = store.lock_due(session, instance_id, now)
        if row is None:
            return 0
        run, loaded = self._run(session, row, now)
        due = [t for t in run.waiting_timers() if t.due_at < now]   # Spiff fires strictly after
        run.advance()
        self._save(session, row, run, actor_name, now, loaded=loaded, events=[trail.event(
            actor_name, "timer_fired", instance_id=row.id, task_id=timer.task_id,
            bpmn_id=timer.bpmn_id, now=now, name=timer.name, due_at=timer.due_at)
            for timer in due])
        return len(due)

    def fire_due_timers(self, session_factory, now: datetime | None = None) -> int:
        """Fire every timer due at ``now``, one transaction per instance (``timers``)."""
        return timers.fire_due_timers(session_factory, self, now)

    def sweep(self, session_factory, now: datetime | None = None, smtp=None) -> dict:
        """One pass of the background work: closure days, timers, deadline steps, digests,
        the email outbox (``scheduler.sweep``); returns the counts."""
        return scheduler.sweep(session_factory, self, now, smtp)

    def start_scheduler(self, session_factory, interval: float | None = None,
                        blocking: bool = False):
        """Run ``sweep`` every ``interval`` seconds (default: the settings'), in a daemon
        thread or, ``blocking``, in this one until stopped; returns the scheduler."""
        return scheduler.start_scheduler(session_factory, self, interval, blocking)

    def send_message(self, session: Session, name: str, payload: dict, actor: Actor,
                     correlation: dict | None = None, now: datetime | None = None) -> list[int]:
        """Deliver a message from outside (a person, a partner system) to every waiting case it
        correlates with that the sender may reach, else start one if the sender may.

        A manager, or a partner whose token is trusted with this message, reaches any case
        and may start one by it; anyone else reaches only the cases they may see, and starts
        none. Cases out of reach behave as if they did not exist (the same "nothing waiting"
        answer), so references cannot be probed. Messages thrown inside the engine are routed
        without these checks (``_route`` from ``_save``)."""
        if not isinstance(payload, dict) or not isinstance(correlation or {}, dict):
            raise InputError("message data and correlation must be JSON objects")
        storable.check_input(payload, "message data")
        storable.check_input(correlation or {}, "message correlation")
        now = now or clock.now()
        trusted = actor.may_message_any_case(name)
        reach = None if trusted else (lambda instance_id: access.may_see_case(
            session, actor, instance_id))
        touched = self._route(session, name, payload, correlation or {}, actor, now, hops=0,
                              reach=reach)
        if not touched:
            raise NotFound("waiting receiver or start event for message", name)
        return touched

    def _route(self, session, name, payload, correlation, actor, now, hops,
               reach=None) -> list[int]:
        """Deliver to the waiting cases (those ``reach`` accepts, when given), else start
        cases by the message (only when no ``reach`` limits the sender)."""
        if hops > MAX_MESSAGE_HOPS:
            raise InvalidState(f"message {name!r} bounced more than {MAX_MESSAGE_HOPS} times")
        touched = []
        subs = session.scalars(select(MessageSubscription)
                               .where(MessageSubscription.message_name == name)
                               .order_by(MessageSubscription.instance_id)).all()
        for instance_id in dict.fromkeys(s.instance_id for s in subs):
            if reach is not None and not reach(instance_id):
                continue
            row, run, loaded = self._load(session, instance_id, now)
            if row.status != InstanceStatus.ACTIVE:
                continue
            try:
                caught = run.deliver(name, payload, correlation)
            except ScriptError as exc:
                caught, row.error = True, exc.to_dict()
            if caught:
                self._save(session, row, run, actor.name, now, hops, loaded=loaded,
                           events=[trail.event(actor.name, "message_received",
                                               instance_id=row.id, now=now, message=name,
                                               payload=payload)])
                touched.append(row.id)
        if not touched and reach is None:
            touched = self._start_by_message(session, name, payload, correlation, actor, now)
        return touched

    def _start_by_message(self, session, name, payload, correlation, actor, now) -> list[int]:
        references.check_message_reference(payload)
        stmt = (select(Definition).join(MessageStart)
                .where(MessageStart.message_name == name)
                .order_by(Definition.process_id, Definition.version.desc()))
        latest = {}
        for definition in session.scalars(stmt):
            if definition.process_id not in latest:
                current = deployment.latest_definition(session, definition.process_id)
                latest[definition.process_id] = current
        started = []
        for definition in latest.values():
            if name not in {m.message_name for m in definition.message_starts}:
                continue
            row, _ = self._start_row(session, definition, actor, {}, payload.get("case_ref"),
                                     now, message=(name, payload, correlation))
            started.append(row.id)
        return started
