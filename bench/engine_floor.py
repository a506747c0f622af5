"""Where a persisted task's time goes: the facade against the floor of what it must do.

bench/engine.py compares the service facade with SpiffWorkflow in memory (``overhead_ratio``).
This script splits the facade's time per completed task into measured layers:

- ``spiff_ms``: SpiffWorkflow alone, in memory (bench/engine.py's raw figure, inverted);
- ``serialize_ms``: writing the workflow's state JSON after each command, timed alone;
- ``driver_sql_ms``: the facade's own SQL, replayed: every statement and value the facade
  sent to the driver (recorded with SQLAlchemy's cursor events, BEGIN and COMMIT included) is
  sent again with the bare ``sqlite3`` driver, on a copy of the database as it was before;
- ``facade_ms``: the service facade, as bench/engine.py measures it;
- ``rest_ms``: what is left, SQLAlchemy (Core and ORM) and the engine's own code.

``floor_ratio`` is the overhead ratio of a facade that did nothing but run the library,
serialize and send its statements: no persistence layer can beat it without writing less.
Usage: python bench/engine_floor.py [--runs N] [--rounds N]
"""
from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402

from bench.engine import facade_steps, prepare_database, raw_steps  # noqa: E402
from bench.reference import reference_bpmn  # noqa: E402
from engine import ProcessEngine  # noqa: E402
from engine.definitions import parse_definitions  # noqa: E402
from engine.serialization import state_to_json  # noqa: E402

COMMIT = object()


def spiff_and_serialize_ms(process_engine: ProcessEngine, runs: int) -> tuple[float, float]:
    """Per task: SpiffWorkflow in memory, and serializing the state after each command."""
    parsed = parse_definitions({"reference.bpmn": reference_bpmn()})["reference"]
    done, serializing, started = 0, 0.0, time.perf_counter()
    for _ in range(runs):
        for run in raw_steps(parsed, process_engine):
            done += 1
            t0 = time.perf_counter()
            state_to_json(run.workflow)
            serializing += time.perf_counter() - t0
    total = time.perf_counter() - started
    return (total - serializing) / done * 1000, serializing / done * 1000


def facade_ms(path: Path, process_engine: ProcessEngine, runs: int) -> float:
    """Per task through the facade on a fresh SQLite file."""
    db, sessions, actor = prepare_database(f"sqlite:///{path}", process_engine)
    done, started = 0, time.perf_counter()
    for _ in range(runs):
        for _record in facade_steps(sessions, process_engine, actor):
            done += 1
    elapsed = time.perf_counter() - started
    db.dispose()
    return elapsed / done * 1000


def recorded(path: Path, process_engine: ProcessEngine, runs: int) -> tuple[list, Path]:
    """The same work as ``facade_ms`` (not timed: recording slows it), with every statement
    it sent and a copy of the database as it was before the first of them."""
    db, sessions, actor = prepare_database(f"sqlite:///{path}", process_engine)
    before = path.with_suffix(".before")
    with sqlite3.connect(path) as source, sqlite3.connect(before) as copy:
        source.backup(copy)
    sent = []
    event.listen(db, "before_cursor_execute",
                 lambda _c, _cur, sql, params, _ctx, many: sent.append((sql, params, many)))
    event.listen(db, "commit", lambda _conn: sent.append((COMMIT, None, False)))
    for _ in range(runs):
        for _record in facade_steps(sessions, process_engine, actor):
            pass
    db.dispose()
    return sent, before


def replay_ms(path: Path, sent: list, tasks: int) -> float:
    """Per task: the recorded statements sent again with the bare driver, as the facade's
    connections are set up (WAL, synchronous=NORMAL, foreign keys)."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL",
                   "mmap_size=268435456", "cache_size=-32768"):
        conn.execute(f"PRAGMA {pragma}")
    cursor = conn.cursor()
    started = time.perf_counter()
    for sql, params, many in sent:
        if sql is COMMIT:
            conn.commit()
        elif many:
            cursor.executemany(sql, params)
        else:
            cursor.execute(sql, params)
            cursor.fetchall()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed / tasks * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20, help="instances per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    process_engine = ProcessEngine()
    spiff_and_serialize_ms(process_engine, 2)           # warm-up: the sandbox compiles expressions once
    tasks_per_run = sum(1 for _ in raw_steps(
        parse_definitions({"reference.bpmn": reference_bpmn()})["reference"], process_engine))
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            spiff, serialize = spiff_and_serialize_ms(process_engine, args.runs)
            facade = facade_ms(Path(tmp) / f"timed{round_}.sqlite3", process_engine, args.runs)
            sent, before = recorded(Path(tmp) / f"recorded{round_}.sqlite3", process_engine, args.runs)
            driver = replay_ms(before, sent, args.runs * tasks_per_run)
            rounds.append(dict(spiff_ms=spiff, serialize_ms=serialize, driver_sql_ms=driver,
                               facade_ms=facade, statements_per_task=len(sent) / (
                                   args.runs * tasks_per_run)))
    figures = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    figures["rest_ms"] = (figures["facade_ms"] - figures["spiff_ms"] - figures["serialize_ms"]
                          - figures["driver_sql_ms"])
    floor = figures["spiff_ms"] + figures["serialize_ms"] + figures["driver_sql_ms"]
    figures["floor_ratio"] = floor / figures["spiff_ms"]
    figures["overhead_ratio"] = figures["facade_ms"] / figures["spiff_ms"]
    for key, label in [("spiff_ms", "SpiffWorkflow in memory"),
                       ("serialize_ms", "state JSON after each command"),
                       ("driver_sql_ms", "the facade's SQL on the bare driver"),
                       ("rest_ms", "SQLAlchemy and engine code"),
                       ("facade_ms", "service facade, in all")]:
        print(f"{label:40s} {figures[key]:6.3f} ms per task")
    print(f"statements per task (BEGIN and COMMIT included): {figures['statements_per_task']:.1f}")
    print(f"overhead ratio {figures['overhead_ratio']:.2f}; floor (library + state JSON + SQL, "
          f"nothing else) {figures['floor_ratio']:.2f}")
    print(json.dumps({key: round(value, 3) for key, value in figures.items()}))


if __name__ == "__main__":
    main()
