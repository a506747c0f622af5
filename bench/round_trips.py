"""How many times one persisted task completion talks to the database, on SQLite and PostgreSQL.

For each completion (``ProcessEngine.complete``, one transaction) it counts:

- ``statements``: what SQLAlchemy hands the driver (its ``before_cursor_execute`` event), BEGIN
  and COMMIT included: on SQLite each is a call into the library;
- ``round_trips`` (PostgreSQL): the times the client spoke and then waited for the server,
  counted by a TCP relay between them. A relay sees every exchange, however the driver
  groups statements (psycopg's pipeline sends several before it reads their results), so it
  is the figure network latency multiplies.

It runs the reference process of bench/engine.py (13 completions per instance; the median is
reported) and a two-step diagram whose first completion closes one task and opens the next
(what tests/test_engine_round_trips.py holds to its figure), and counts each start
(``ProcessEngine.start``) the same way. Prints figures, then one JSON line.
Usage: python bench/round_trips.py [--postgres URL] [--sqlite-only]
"""
from __future__ import annotations

import argparse
import json
import os
import selectors
import socket
import statistics
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.engine import prepare_database  # noqa: E402
from bench.reference import reference_bpmn  # noqa: E402
from engine import ProcessEngine  # noqa: E402

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
DATA = {"note": "ok", "score": 3}


def two_step_bpmn() -> bytes:
    """Two user tasks in a row, both offered to ``group0``."""
    tasks = "".join(
        f'<bpmn:userTask id="{t}" name="Step {t}" camunda:candidateGroups="group0" '
        f'camunda:dueDate="P10WD"><bpmn:extensionElements><camunda:formData>'
        f'<camunda:formField id="note" label="Note" type="string" />'
        f'<camunda:formField id="score" label="Score" type="long" />'
        f'</camunda:formData></bpmn:extensionElements></bpmn:userTask>' for t in ("a", "b"))
    flows = "".join(f'<bpmn:sequenceFlow id="f{n}" sourceRef="{s}" targetRef="{t}" />'
                    for n, (s, t) in enumerate([("start", "a"), ("a", "b"), ("b", "end")]))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" '
        'targetNamespace="http://bpmn.io/schema/bpmn">'
        '<bpmn:process id="two_step" name="Two steps" isExecutable="true" camunda:candidateStarterGroups="group0">'
        f'<bpmn:startEvent id="start" />{tasks}<bpmn:endEvent id="end" />{flows}'
        '</bpmn:process></bpmn:definitions>').encode()


class Relay:
    """A TCP relay in front of a server that counts the client's turns: each time the client
    sends after the server last spoke (or first) is one round trip."""

    def __init__(self, host: str, port: int):
        self.upstream = (host, port)
        self.turns = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:       # closed
                return
            server = socket.create_connection(self.upstream)
            for s in (client, server):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._pump, args=(client, server), daemon=True).start()

    def _pump(self, client: socket.socket, server: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, server)
        selector.register(server, selectors.EVENT_READ, client)
        client_spoke_last = False
        with client, server:
            while True:
                for key, _ in selector.select():
                    data = key.fileobj.recv(65536)
                    if not data:
                        return
                    if key.fileobj is client and not client_spoke_last:
                        with self._lock:
                            self.turns += 1
                    client_spoke_last = key.fileobj is client
                    key.data.sendall(data)

    def close(self) -> None:
        self._listener.close()


@contextmanager
def relayed(url: str):
    """``(url, relay)``: on PostgreSQL, the URL through a new ``Relay`` that counts round
    trips; elsewhere ``url`` itself and None."""
    if not url.startswith("postgresql"):
        yield url, None
        return
    parsed = make_url(url)
    relay = Relay(parsed.host or "127.0.0.1", parsed.port or 5432)
    try:
        yield parsed.set(host="127.0.0.1", port=relay.port).render_as_string(
            hide_password=False), relay
    finally:
        relay.close()


def completions(url: str, bpmn: bytes, process_id: str, instances: int = 2) -> list[dict]:
    """``statements`` and ``round_trips`` (None on SQLite) of each completion of ``instances``
    instances of the diagram (the first instance only warms up: not reported), on a fresh
    schema at ``url`` (bench/engine.py's people)."""
    return counted(url, bpmn, process_id, instances)[1]


def counted(url: str, bpmn: bytes, process_id: str, instances: int = 2) -> tuple[list, list]:
    """``(starts, completions)``: the counts (as ``completions`` gives them) of each start and
    each completion of ``instances`` instances of the diagram, the first not reported."""
    process_engine = ProcessEngine()
    counts = {"statements": 0}

    def statement(_conn, _cursor=None, sql="", *_args):
        if not sql.startswith("BEGIN"):      # SQLite's BEGIN IMMEDIATE: counted at "begin"
            counts["statements"] += 1

    def figure(before) -> dict:
        return dict(statements=counts["statements"] - before[0],
                    round_trips=relay.turns - before[1] if relay else None)

    with relayed(url) as (url, relay):
        db, sessions, actor = prepare_database(url, process_engine,
                                               {f"{process_id}.bpmn": bpmn})
        for name in ("before_cursor_execute", "begin", "commit"):
            event.listen(db, name, statement)
        starts, figures = [], []
        for instance in range(instances):
            before = counts["statements"], relay.turns if relay else 0
            with sessions.begin() as s:
                record = process_engine.start(s, process_id, actor)
            if instance:
                starts.append(figure(before))
            while record.tasks:
                before = counts["statements"], relay.turns if relay else 0
                with sessions.begin() as s:
                    record = process_engine.complete(s, record.tasks[0].id, actor, DATA)
                if instance:
                    figures.append(figure(before))
        db.dispose()
    return starts, figures


def summary(figures: list[dict]) -> dict:
    """Median and range of each count over completions."""
    out = {}
    for key in ("statements", "round_trips"):
        values = [f[key] for f in figures if f[key] is not None]
        if values:
            out[key] = dict(median=statistics.median(values), min=min(values), max=max(values))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", default=os.environ.get("LSCB_BENCH_POSTGRES_URL", PG_DEFAULT))
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        databases = [("sqlite", f"sqlite:///{tmp}/round_trips.sqlite3")]
        if not args.sqlite_only:
            databases.append(("postgres", args.postgres))
        for name, url in databases:
            for diagram, bpmn in (("reference", reference_bpmn()), ("two_step", two_step_bpmn())):
                starts, figures = counted(url, bpmn, diagram)
                results[f"{name}_{diagram}"] = summary(figures)
                results[f"{name}_{diagram}_start"] = summary(starts)
                if diagram == "two_step":
                    results[f"{name}_{diagram}"]["first"] = figures[0]
    for key, figures in results.items():
        parts = [f"{what} median {f['median']:g} (min {f['min']}, max {f['max']})"
                 for what, f in figures.items() if what != "first"]
        what = "per start" if key.endswith("_start") else "per completion"
        print(f"{key:26s} {what}: {'; '.join(parts)}")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
