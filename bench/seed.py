"""Seed many waiting timers fast by cloning one started instance's rows in bulk.

Starting instances through the engine costs about 15 ms each (parse nothing, but run, serialize
and project), too slow for 100,000. Instead one instance is started normally and its rows
(``process_instance``, ``human_task``, ``task_candidate``, ``pending_timer``) are copied with
Core bulk inserts. Each clone gets fresh Spiff task UUIDs (task ids are primary keys of
``human_task``) and its timer due times shifted by a per-clone offset, both in the columns and
inside ``state_json``, so every clone is a real instance the engine can load and fire.
"""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from models import HumanTask, PendingTimer, ProcessInstance, TaskCandidate

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?\+00:00")
CHUNK = 2000


def _rows(conn, model, column, value) -> list[dict]:
    """The rows' stored values (not the columns the database computes, which take no insert)."""
    columns = [c for c in model.__table__.columns if c.computed is None]
    return [dict(r._mapping) for r in conn.execute(select(*columns).where(column == value))]


def clone_instance(factory, template_id: int, shifts: list[timedelta]) -> list[int]:
    """Copy instance ``template_id`` once per shift (timers moved by it); returns the new ids."""
    with factory.begin() as session:
        conn = session.connection()
        instance = _rows(conn, ProcessInstance, ProcessInstance.id, template_id)[0]
        tasks = _rows(conn, HumanTask, HumanTask.instance_id, template_id)
        candidates = [c for t in tasks for c in _rows(conn, TaskCandidate, TaskCandidate.task_id,
                                                      t["id"])]
        timers = _rows(conn, PendingTimer, PendingTimer.instance_id, template_id)
        first = (conn.scalar(select(func.max(ProcessInstance.id))) or 0) + 1
        batch = {"instances": [], "tasks": [], "candidates": [], "timers": []}
        for offset, shift in enumerate(shifts):
            _clone_one(batch, first + offset, shift, instance, tasks, candidates, timers)
            if len(batch["instances"]) >= CHUNK:
                _flush(conn, batch)
        _flush(conn, batch)
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT setval(pg_get_serial_sequence('process_instance', 'id'), "
                              "(SELECT max(id) FROM process_instance))"))
    return list(range(first, first + len(shifts)))


def _clone_one(batch, new_id, shift, instance, tasks, candidates, timers) -> None:
    ids: dict[str, str] = {}

    def new_uuid(match):
        return ids.setdefault(match.group(0), str(uuid.uuid4()))

    def moved(match):
        return (datetime.fromisoformat(match.group(0)) + shift).isoformat()

    state = STAMP.sub(moved, UUID.sub(new_uuid, instance["state_json"]))
    batch["instances"].append({**instance, "id": new_id, "state_json": state,
                               "reference": f"CLONE-{new_id}", "row_version": 1,
                               "next_timer_at": _plus(instance["next_timer_at"], shift)})
    batch["tasks"] += [{**t, "id": ids.get(t["id"], t["id"]), "instance_id": new_id,
                        "next_deadline_at": _plus(t["next_deadline_at"], shift)} for t in tasks]
    batch["candidates"] += [{**c, "task_id": ids.get(c["task_id"])} for c in candidates]
    batch["timers"] += [{k: v for k, v in t.items() if k != "id"} | {
        "instance_id": new_id, "spiff_task_id": ids.get(t["spiff_task_id"]),
        "due_at": t["due_at"] + shift} for t in timers]


def _plus(value, shift):
    return None if value is None else value + shift


def _flush(conn, batch) -> None:
    for key, model in (("instances", ProcessInstance), ("tasks", HumanTask),
                       ("candidates", TaskCandidate), ("timers", PendingTimer)):
        if batch[key]:
            conn.execute(model.__table__.insert(), batch[key])
            batch[key].clear()
