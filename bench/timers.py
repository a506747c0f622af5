"""Benchmark the timer sweep: many waiting timers, a few due, fired by the scheduler loop.

    python bench/timers.py [--quick] [--db URL]

Seeds 100,000 waiting timers (``--quick``: 10,000) by bulk-cloning the rows of one started
``tests/data/engine/timers.bpmn`` instance (see ``bench/seed.py``): all but 1,000 (``--quick``:
200) fall due next week; the rest fall due during the next ``DUE_WINDOW`` seconds, spread
evenly (timers do not all fall due at the same instant). It then measures:

- ``sweep_ms_no_due``: median time of a full sweep (timers, deadlines, digests, outbox) when
  nothing is due;
- ``fired``, ``lateness_p50_s``, ``lateness_p99_s``: the scheduler loop runs as in production
  (one sweep every ``LSCB_SCHEDULER_INTERVAL`` = 1 s) until every due timer fired; lateness is
  the wall time an instance's firing committed minus its timer's due time.

Uses PostgreSQL at ``--db`` (default the local test server, a fresh database), else SQLite.
The last line printed is one JSON object.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

import models  # noqa: E402
from engine import ProcessEngine, people, timers  # noqa: E402
from engine.actors import Actor  # noqa: E402
from engine.scheduler import sweep  # noqa: E402
from models.session import make_engine, make_session_factory  # noqa: E402
from bench.seed import clone_instance  # noqa: E402

DUE_WINDOW = 30.0
PG = "postgresql://postgres@127.0.0.1:5432/test"


def database(url: str | None):
    """A fresh database: a new PostgreSQL database when reachable, else a temp SQLite file."""
    try:
        admin = make_engine(url or PG, isolation_level="AUTOCOMMIT")
        name = f"lscb_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        return (url or PG).rsplit("/", 1)[0] + "/" + name, admin, name
    except Exception:
        return f"sqlite:////tmp/lscb_bench_{uuid.uuid4().hex[:8]}.sqlite3", None, None


def seed(factory, process_engine, total: int, due: int, start: datetime) -> list[int]:
    """One started instance cloned ``total - 1`` times; ``due`` remind timers in the window."""
    with factory.begin() as s:
        for slug in ("reviewers", "leads"):          # deploying lints: the groups must exist
            people.add_group(s, slug)
        diagram = (ROOT / "tests/data/engine/timers.bpmn").read_bytes()
        process_engine.deploy(s, {"timers.bpmn": diagram}, "bench")
        template = process_engine.start(s, "timers", Actor("bench", frozenset({"reviewers"})), now=start - timedelta(days=2)).id
    week = timedelta(days=7)
    shifts = [week] * (total - due) + [timedelta(seconds=DUE_WINDOW * i / due)
                                       for i in range(1, due)]
    with factory.begin() as s:                  # the template is due at ``start``
        s.get(models.ProcessInstance, template).next_timer_at = start
    clone_instance(factory, template, shifts)
    return [template]


def measure(factory, process_engine, due: int, interval: float = 1.0) -> list[tuple[int, datetime]]:
    """Run the sweep loop in real time until ``due`` instances fired: (id, commit time)."""
    fire, done = timers.fire_instance, []

    def timed(factory_, engine_, instance_id, now):
        count = fire(factory_, engine_, instance_id, now)
        if count:
            done.append((instance_id, datetime.now(timezone.utc)))
        return count
    timers.fire_instance = timed
    try:
        while len(done) < due:
            started = time.monotonic()
            sweep(factory, process_engine)
            time.sleep(max(0.0, interval - (time.monotonic() - started)))
    finally:
        timers.fire_instance = fire
    return done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--db")
    args = parser.parse_args()
    total, due = (10_000, 200) if args.quick else (100_000, 1_000)
    url, admin, name = database(args.db)
    db = make_engine(url)
    models.Base.metadata.create_all(db)
    factory, process_engine = make_session_factory(db), ProcessEngine()
    t = time.perf_counter()
    start = datetime.now(timezone.utc) + timedelta(seconds=20 + total * 0.0015)
    seed(factory, process_engine, total, due, start)
    seed_s = time.perf_counter() - t
    if db.dialect.name == "postgresql":           # fresh bulk-loaded tables: plan with stats
        with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    with factory() as s:                          # the due time of each due instance
        expected = {i: d for i, d in s.execute(text(
            "SELECT id, next_timer_at FROM process_instance WHERE next_timer_at < :limit"),
            {"limit": start + timedelta(days=1)}).all()}
    no_due = []
    for _ in range(20):
        t = time.perf_counter()
        sweep(factory, process_engine)
        no_due.append((time.perf_counter() - t) * 1000)
    time.sleep(max(0.0, (start - datetime.now(timezone.utc)).total_seconds()))
    done = measure(factory, process_engine, len(expected))
    lateness = sorted((at - _aware(expected[i])).total_seconds() for i, at in done)
    result = {"database": db.dialect.name, "waiting_timers": total, "fired": len(done),
              "seed_s": round(seed_s, 1), "sweep_ms_no_due": round(statistics.median(no_due), 2),
              "lateness_p50_s": round(_pct(lateness, 50), 3),
              "lateness_p99_s": round(_pct(lateness, 99), 3), "due_window_s": DUE_WINDOW}
    print(json.dumps(result))
    db.dispose()
    if admin is not None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _pct(values, p):
    return values[min(len(values) - 1, int(len(values) * p / 100))] if values else float("nan")


if __name__ == "__main__":
    main()
