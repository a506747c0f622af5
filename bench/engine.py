"""Engine benchmark: raw SpiffWorkflow vs the service facade with persistence, worklist query.

Raw, SQLite and PostgreSQL throughput are measured in three alternating rounds after a warm-up
(the sandbox compiles each expression once per process; each persisted round first runs
``WARM_UP`` instances untimed) and reported as medians, with each round's figure, and the CPU
time per task of this process and, for PostgreSQL on this machine, of its server backend: they
move far less than the rates when other work shares the machine.
Prints figures, then one JSON object as its last line. ``--quick`` finishes within 60 s.
Usage: python bench/engine.py [--quick] [--postgres URL]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, text  # noqa: E402

import models  # noqa: E402
from bench.reference import reference_bpmn  # noqa: E402
from engine import ProcessEngine, people  # noqa: E402
from engine.actors import load_actor  # noqa: E402
from engine.definitions import parse_definitions  # noqa: E402
from engine.run import ProcessRun  # noqa: E402
from models.queries import inbox_page  # noqa: E402
from models.session import make_engine, make_session_factory  # noqa: E402

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"


def raw_tasks_per_s(process_engine: ProcessEngine, runs: int) -> float:
    """Complete every user task of the reference process in memory (no persistence)."""
    parsed = parse_definitions({"reference.bpmn": reference_bpmn()})["reference"]
    done, started = 0, time.perf_counter()
    for _ in range(runs):
        for _run in raw_steps(parsed, process_engine):
            done += 1
    return done / (time.perf_counter() - started)


def raw_steps(parsed, process_engine: ProcessEngine):
    """Start one reference workflow in memory and complete its user tasks; yields the run
    after each completion."""
    run = ProcessRun.start(parsed.spec, parsed.subprocess_specs, process_engine.script_engine,
                           process_engine.calendar)
    run.advance()
    while True:
        ready = run.ready_tasks()
        if not ready:
            return
        run.complete(ready[0].id, {"note": "ok", "score": 3})
        yield run


def persisted_tasks_per_s(url: str, process_engine: ProcessEngine, runs: int):
    """Complete the same user tasks through the facade, one transaction each: ``(tasks/s,
    median state bytes, CPU ms per task of this process, CPU ms per task of the database
    server's backends or None)``. The CPU times move much less than the rate with other work
    on the machine; the server's is read from /proc where the server is on this machine."""
    db, sessions, actor = prepare_database(url, process_engine)
    backends = server_backends(db)
    for _ in range(WARM_UP):      # steady state: statements prepared, caches filled
        for _record in facade_steps(sessions, process_engine, actor):
            pass
    done, sizes = 0, []
    server_before = server_cpu_s(backends)
    cpu_before, started = time.process_time(), time.perf_counter()
    for _ in range(runs):
        for record in facade_steps(sessions, process_engine, actor):
            done += 1
            if done % 13 == 6:          # state size mid-flight, read outside the timing
                paused, paused_cpu = time.perf_counter(), time.process_time()
                with sessions() as s:
                    sizes.append(len(s.scalar(text(
                        f"select state_json from process_instance where id = {record.id}"))))
                started += time.perf_counter() - paused
                cpu_before += time.process_time() - paused_cpu
    rate = done / (time.perf_counter() - started)
    client_ms = (time.process_time() - cpu_before) / done * 1000
    server_after = server_cpu_s(backends)
    server_ms = None if None in (server_before, server_after) else \
        (server_after - server_before) / done * 1000
    db.dispose()
    return rate, int(statistics.median(sizes)) if sizes else 0, client_ms, server_ms


def server_backends(db) -> set[int]:
    """The process ids of the PostgreSQL backends ``db``'s connections use (empty elsewhere),
    filled in as connections are checked out."""
    pids: set[int] = set()
    if db.dialect.name == "postgresql":
        event.listen(db, "checkout", lambda dbapi, _record, _proxy: pids.add(dbapi.info.backend_pid))
        with db.connect():
            pass
    return pids


def server_cpu_s(pids: set[int]) -> float | None:
    """CPU seconds the backends ``pids`` have used (None where /proc does not show them)."""
    try:
        total = 0.0
        for pid in pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total if pids else None
    except (OSError, IndexError, ValueError):
        return None


def prepare_database(url: str, process_engine: ProcessEngine, documents: dict | None = None):
    """A fresh schema at ``url`` with four groups, one user in all of them and the reference
    process (or ``documents``) deployed: ``(db engine, session factory, the user's actor)``."""
    db = make_engine(url)
    models.Base.metadata.drop_all(db)
    models.Base.metadata.create_all(db)
    sessions = make_session_factory(db)
    with sessions.begin() as s:
        for g in range(4):
            people.add_group(s, f"group{g}")
        people.add_user(s, "bench", None, groups=[f"group{g}" for g in range(4)])
        process_engine.deploy(s, documents or {"reference.bpmn": reference_bpmn()}, "bench")
    with sessions() as s:
        actor = load_actor(s, "bench")
    return db, sessions, actor


def facade_steps(sessions, process_engine: ProcessEngine, actor):
    """Start one reference instance and complete its user tasks, one transaction per command;
    yields the instance record after each completion."""
    with sessions.begin() as s:
        record = process_engine.start(s, "reference", actor)
    while record.tasks:
        with sessions.begin() as s:
            record = process_engine.complete(s, record.tasks[0].id, actor, {"note": "ok", "score": 3})
        yield record


def worklist_p95_ms(instances: int, tasks_per_instance: int, samples: int) -> float:
    """p95 of the worklist's first page (``inbox_page``, as /tasks reads it) with many open
    tasks (SQLite file)."""
    path = Path(tempfile.mkdtemp()) / "worklist.sqlite3"
    db = make_engine(f"sqlite:///{path}")
    models.Base.metadata.create_all(db)
    now = datetime.now(timezone.utc)
    with db.begin() as conn:
        conn.execute(insert(models.Definition), [dict(
            id=1, process_id="reference", version=1, name="Reference", content_hash="x",
            files={}, spec_json="{}", lanes=[], change_note="")])
        conn.execute(insert(models.ProcessInstance), [dict(
            id=i + 1, definition_id=1, process_id="reference", status="active", state_json="{}",
            serializer_version="1.5", data={}, title="", started_at=now, updated_at=now,
            row_version=1) for i in range(instances)])
        task_rows, candidates = [], []
        for i in range(instances):
            for k in range(tasks_per_instance):
                task_id = str(uuid.UUID(int=i * 100 + k))
                task_rows.append(dict(
                    id=task_id, instance_id=i + 1, process_id=f"p{i % 12}", bpmn_id=f"u{k}",
                    title="Step", documentation="", lane=None, candidate_groups=[f"g{i % 40}"],
                    candidate_users=[], assignee=None, status="open", priority=None,
                    due_at=now + timedelta(hours=(i * 7 + k) % 2000), form={},
                    created_at=now))
                candidates.append(dict(task_id=task_id, group_slug=f"g{i % 40}", assignee=None,
                                       due_at=task_rows[-1]["due_at"],
                                       process_id=task_rows[-1]["process_id"]))
        conn.execute(insert(models.HumanTask), task_rows)
        conn.execute(insert(models.TaskCandidate), candidates)
    sessions = make_session_factory(db)
    timings = []
    with sessions() as s:
        for n in range(samples):
            groups = {f"g{n % 40}", f"g{(n + 7) % 40}"}
            t0 = time.perf_counter()
            rows = inbox_page(s, f"user{n}", groups, offset=0, limit=25)   # the worklist's page
            timings.append((time.perf_counter() - t0) * 1000)
            assert rows
    db.dispose()
    return statistics.quantiles(timings, n=20)[-1]


ROUNDS = 3
WARM_UP = 3         # instances run through before each persisted figure is timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--postgres", default=os.environ.get("LSCB_BENCH_POSTGRES_URL", PG_DEFAULT))
    args = parser.parse_args()
    process_engine = ProcessEngine()
    runs = 10 if args.quick else 40
    # Raw, SQLite and PostgreSQL alternate, three rounds, and each figure is the median of its
    # rounds: a 2-core machine drifts by 10-15 % within a minute, and the ratio compares like
    # with like.
    raws, sqlites, pgs, pg_missing = [], [], [], None
    sqlite_cpus, pg_cpus = [], []
    raw_tasks_per_s(process_engine, 2)       # warm-up: the sandbox compiles each expression once
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(ROUNDS):
            raws.append(raw_tasks_per_s(process_engine, runs))
            rate, state_bytes, sqlite_cpu, _ = persisted_tasks_per_s(
                f"sqlite:///{tmp}/bench{round_}.sqlite3", process_engine, runs)
            sqlites.append(rate)
            sqlite_cpus.append(sqlite_cpu)
            try:
                rate, _, client_cpu, server_cpu = persisted_tasks_per_s(args.postgres,
                                                                        process_engine, runs)
                pgs.append(rate)
                pg_cpus.append((client_cpu, server_cpu))
            except Exception as exc:   # report, don't fail: the figure is simply unavailable
                pg_missing = exc.__class__.__name__
    raw, sqlite = statistics.median(raws), statistics.median(sqlites)
    pg = statistics.median(pgs) if pgs else None
    print(f"raw SpiffWorkflow (in memory):   {raw:8.0f} user tasks/s  (rounds: {_rounds(raws)})")
    print(f"service facade on SQLite:        {sqlite:8.0f} user tasks/s  (rounds: "
          f"{_rounds(sqlites)}; state {state_bytes} bytes mid-flight)")
    sqlite_cpu = statistics.median(sqlite_cpus)
    print(f"  CPU per task: {sqlite_cpu:.2f} ms (the database works in this process)")
    client_cpu = server_cpu = None
    if pg is not None:
        print(f"service facade on PostgreSQL:    {pg:8.0f} user tasks/s  (rounds: {_rounds(pgs)})")
        client_cpu = statistics.median(c for c, _ in pg_cpus)
        servers = [s for _, s in pg_cpus if s is not None]
        server_cpu = statistics.median(servers) if servers else None
        print(f"  CPU per task: {client_cpu:.2f} ms here + "
              + (f"{server_cpu:.2f} ms in the server" if server_cpu is not None
                 else "the server's (not on this machine)"))
    else:
        print(f"PostgreSQL unavailable ({pg_missing}); skipped")
    instances = 20_000
    p95 = worklist_p95_ms(instances, 5, 200 if args.quick else 1000)
    print(f"worklist query, {instances * 5:,} open tasks: p95 {p95:.2f} ms")
    print(json.dumps({
        "raw_tasks_per_s": round(raw, 1), "sqlite_tasks_per_s": round(sqlite, 1),
        "postgres_tasks_per_s": round(pg, 1) if pg else None,
        "rounds": {"raw": _rounded(raws), "sqlite": _rounded(sqlites), "postgres": _rounded(pgs)},
        "cpu_ms_per_task": {"sqlite": round(sqlite_cpu, 2),
                            "postgres_client": round(client_cpu, 2) if client_cpu else None,
                            "postgres_server": round(server_cpu, 2) if server_cpu else None},
        "overhead_ratio": round(raw / sqlite, 2), "worklist_p95_ms": round(p95, 2),
        "state_bytes_per_instance": state_bytes}))


def _rounds(rates: list[float]) -> str:
    return ", ".join(f"{r:.0f}" for r in rates)


def _rounded(rates: list[float]) -> list[float]:
    return [round(r, 1) for r in rates]


if __name__ == "__main__":
    main()
