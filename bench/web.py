"""Web benchmark: the app on loopback (2 gunicorn workers), 100,000 open tasks, concurrent clients.

Seeding is done fast and directly, not through the engine: the bulk of the 100,000 open tasks
are rows inserted with Core bulk inserts (``human_task`` + ``task_candidate``, on placeholder
``process_instance`` rows whose state is never loaded) spread over 16 agency groups, about 10 %
already claimed. A few thousand real, completable cases are cloned from one started instance
(bench/seed.py) so that completions run the whole engine path. Clients sign in through the real
login form (CSRF on) before the clock starts, then loop: worklist, a task page, and now and then
complete a real task.

Two runs of ``--clients`` clients: first with no pause between requests (the server saturated:
each client stands for far more than one person), then as people use it, pausing ``--think``
seconds on average between requests. Prints figures, then one JSON object as its last line:
worklist_p95_ms, task_page_p95_ms, complete_p95_ms, requests_per_s and errors of the second
run, and the same figures of the first under "saturated". Usage: python bench/web.py [--quick]
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import http.client
import json
import os
import random
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import models  # noqa: E402
from bench.seed import clone_instance  # noqa: E402
from engine import ProcessEngine, people  # noqa: E402
from engine.actors import load_actor  # noqa: E402
from models import HumanTask, ProcessInstance, TaskCandidate  # noqa: E402
from models.session import make_engine, make_session_factory  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

GROUPS = [f"agency-{n:02d}" for n in range(16)]
PASSWORD = "bench-password-1"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TASK_LINK = re.compile(r'href="/tasks/([0-9a-f-]{36})"')
GOOD = {"route": "close", "summary": "Benchmark summary", "children": "2"}


def seed(url: str, total: int, real: int, clients: int) -> list[list[str]]:
    """Fill the database; returns each client's own completable task ids."""
    db = make_engine(url)
    models.Base.metadata.create_all(db)
    factory, process_engine = make_session_factory(db), ProcessEngine()
    with factory.begin() as session:
        for slug in GROUPS + ["intake", "lscb-chair"]:
            people.add_group(session, slug)
        for n in range(clients):
            people.add_user(session, f"user{n}", PASSWORD, groups=[GROUPS[n % 16], "intake"])
        process_engine.deploy(session, {"two_lane.bpmn": (ROOT / "tests/data/engine/two_lane.bpmn")
                                .read_bytes()}, "bench")
        template = process_engine.start(session, "two_lane", load_actor(session, "user0"), {}).id
    clone_instance(factory, template, [timedelta(0)] * (real - 1))
    _bulk_tasks(factory, total - real)
    with factory() as session:
        ids = list(session.scalars(select(HumanTask.id).where(
            HumanTask.process_id == "two_lane", HumanTask.status == "open")))
    db.dispose()
    return [ids[n::clients] for n in range(clients)]


def _bulk_tasks(factory, count: int, per_instance: int = 10) -> None:
    now = datetime.now(timezone.utc)
    with factory.begin() as session:
        conn = session.connection()
        definition_id = conn.scalar(select(models.Definition.id))
        first = conn.scalar(select(func.max(ProcessInstance.id))) + 1
        for start in range(0, count, 5000):
            n = min(5000, count - start)
            base = first + start // per_instance
            conn.execute(ProcessInstance.__table__.insert(), [
                {"id": base + i, "definition_id": definition_id, "process_id": "bulk_pathway",
                 "status": "active", "state_json": "", "serializer_version": "", "data": {},
                 "title": "Bulk case", "started_at": now, "updated_at": now, "row_version": 1}
                for i in range(-(-n // per_instance))])
            tasks, candidates = [], []
            for i in range(n):
                k, group = start + i, GROUPS[(start + i) % 16]
                tid = str(uuid.uuid4())
                tasks.append({"id": tid, "instance_id": base + i // per_instance,
                              "process_id": "bulk_pathway", "bpmn_id": "review",
                              "title": f"Bulk review {k}", "documentation": "", "lane": None,
                              "candidate_groups": [group], "candidate_users": [],
                              "assignee": f"user{k % 20}" if k % 10 == 0 else None,
                              "status": "open", "priority": 50, "form": {"fields": []},
                              "due_at": now + timedelta(hours=(k % 2000) - 200),
                              "created_at": now})
                candidates.append({"task_id": tid, "group_slug": group,   # copies of the task's
                                   **{c: tasks[-1][c] for c in ("assignee", "due_at", "process_id")}})
            conn.execute(HumanTask.__table__.insert(), tasks)
            conn.execute(TaskCandidate.__table__.insert(), candidates)


class Client:
    """One signed-in browser-like client: a keep-alive connection (opened again when the server
    closes it, as gunicorn's sync workers do after each response) and a session cookie."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""

    def request(self, method, path, form=None):
        body = urlencode(form) if form is not None else None
        headers = {"Cookie": self.cookie}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text

    def login(self, name):
        _, page = self.request("GET", "/login")
        status, _ = self.request("POST", "/login", {"username": name, "password": PASSWORD,
                                                   "csrf_token": CSRF.search(page).group(1)})
        assert status == 302, f"login failed: {status}"


def one_round(n: int, own: list[str], send) -> None:
    """Round ``n`` of a reviewer's work: a worklist page, a task from it and, every third round,
    one of my ``own`` tasks opened and completed. ``send(kind, method, path, form=None,
    ok=200)`` makes one request of that kind and returns the page."""
    html = send("worklist", "GET", f"/tasks?page={n % 5 + 1}")
    links = TASK_LINK.findall(html)
    if links:
        send("task", "GET", f"/tasks/{links[n % len(links)]}")
    if n % 3 == 0 and own:
        task = own.pop()
        html = send("task", "GET", f"/tasks/{task}")
        send("complete", "POST", f"/tasks/{task}",
             {**GOOD, "csrf_token": CSRF.search(html).group(1)}, ok=302)


def drive(client, name, own, until, stats, lock, think: float):
    """Loop ``one_round`` until ``until``, timing each request.

    ``think``: a person's mean pause (seconds) between two requests, drawn uniformly from
    0.5x to 1.5x it, as locust's ``between`` does; 0 sends the next request at once.
    """
    timings, errors, rounds = {"worklist": [], "task": [], "complete": []}, 0, 0
    pause = random.Random(name).uniform if think else None

    def timed(key, method, path, form=None, ok=200):
        nonlocal errors
        if pause:
            time.sleep(pause(0.5 * think, 1.5 * think))
        t0 = time.perf_counter()
        status, html = client.request(method, path, form)
        timings[key].append(time.perf_counter() - t0)
        errors += status != ok
        return html

    while time.monotonic() < until:
        rounds += 1
        one_round(rounds, own, timed)
    with lock:
        for key, values in timings.items():
            stats[key] += values
        stats["errors"] += errors


def p95(values) -> float:
    """95th percentile in milliseconds."""
    if not values:
        return 0.0
    return round(statistics.quantiles(values, n=20)[18] * 1000, 1) if len(values) > 1 \
        else round(values[0] * 1000, 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


ACCESS_LOG = "access.log"      # method, path, status, microseconds in the server, worker pid


def server_times(folder: Path, skip: int) -> dict:
    """p95 and median (ms) of the time the server itself spent per kind of request, from the
    access log lines after the first ``skip``: without the time requests waited for a thread.
    ``worker_shares``: the part of the requests each worker process served, largest first
    (keep-alive connections stay with the worker that accepted them). Empty for waitress,
    which writes no access log."""
    if not (folder / ACCESS_LOG).exists():
        return {}
    times: dict[str, list[float]] = {"worklist": [], "task": [], "complete": []}
    workers: collections.Counter = collections.Counter()
    with open(folder / ACCESS_LOG) as log:
        for line in list(log)[skip:]:
            method, path, _, micros, pid = line.split()
            workers[pid] += 1
            kind = ("complete" if method == "POST" else "worklist" if path == "/tasks"
                    else "task") if path.startswith("/tasks") else None
            if kind:
                times[kind].append(int(micros) / 1e6)
    total = sum(workers.values()) or 1
    return {f"{k}_p95_ms": p95(v) for k, v in times.items()} | \
        {f"{k}_median_ms": round(statistics.median(v) * 1000, 1) for k, v in times.items() if v} | \
        {"worker_shares": [round(n / total, 2) for _, n in workers.most_common()]}


def log_lines(folder: Path) -> int:
    path = folder / ACCESS_LOG
    return sum(1 for _ in open(path)) if path.exists() else 0


SETTINGS = {"DATABASE_URL": "", "SESSION_COOKIE_SECURE": False, "LOG_LEVEL": "WARNING",
            "LOGIN_RATE_LIMIT": "10000 per minute", "SECRET_KEY": "bench"}


def gunicorn_threads(threads: int) -> list[str]:
    """gunicorn's worker class options: sync workers for 0, else gthread with ``threads``.

    Requests are CPU-bound Python: a second thread in a process mostly waits for the GIL, and
    with gthread each keep-alive connection stays with one process, so a busy process cannot
    hand work to an idle one. Sync workers share one accept queue. Measured here, saturated,
    p95 worklist / task page: sync 78 / 70 ms, gthread 1 thread 96 / 87, 2 threads 134 / 125.
    """
    if not threads:
        return ["--worker-class", "sync"]
    return ["--worker-class", "gthread", "--threads", str(threads)]


@contextlib.contextmanager
def serve(url: str, workers: int, threads: int, folder: Path):
    """The app on a loopback port: ``workers`` gunicorn processes (threads in each), as the
    issue deploys it, or with 0 waitress in this process (where gunicorn does not run)."""
    port = free_port()
    if not workers:
        from waitress.server import create_server

        from web import create_app
        server = create_server(create_app({**SETTINGS, "DATABASE_URL": url}), host="127.0.0.1",
                               port=port, threads=threads or 4)
        threading.Thread(target=server.run, daemon=True).start()
        try:
            yield server.effective_port
        finally:
            server.close()
        return
    env = {**os.environ, "LSCB_DATABASE_URL": url, "LSCB_SECURE_COOKIES": "false",
           "LSCB_LOG_LEVEL": "WARNING", "LSCB_LOGIN_RATE_LIMIT": "10000 per minute",
           "LSCB_SECRET_KEY": "bench", "PYTHONPATH": str(ROOT)}
    log = folder / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
             "--workers", str(workers), *gunicorn_threads(threads),
             "--log-level", "warning", "--access-logfile", str(folder / ACCESS_LOG),
             "--access-logformat", "%(m)s %(U)s %(s)s %(D)s %(p)s", "web:create_app()"],
            env=env, cwd=ROOT, stdout=out,
            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the server did not start; see {log}")
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(30)
        cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"server CPU: {cpu.ru_utime + cpu.ru_stime:.1f} s (log: {log})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Shorter run (under ~90 s).")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--think", type=float, default=1.0,
                        help="people's mean pause between requests, seconds (the main figures)")
    parser.add_argument("--workers", type=int, default=2,
                        help="gunicorn worker processes (0: waitress in this process)")
    parser.add_argument("--threads", type=int, default=0,
                        help="0: gunicorn's sync workers, one request at a time per process, all "
                             "taking connections from one queue, as behind a reverse proxy; N: "
                             "gthread workers with N threads each (keep-alive connections then "
                             "stay with the process that accepted them); waitress: its threads")
    args = parser.parse_args()
    # completable tasks: enough that no client runs out in either run (~330 requests/s
    # saturated complete ~40 tasks a second)
    seconds, real = (20, 1500) if args.quick else (60, 5000)
    url = f"sqlite:///{tempfile.mkdtemp(prefix='lscb-bench-')}/bench.sqlite3"
    t0 = time.perf_counter()
    own = seed(url, args.tasks, real, args.clients)
    print(f"seeded {args.tasks} open tasks ({real} completable) in {time.perf_counter() - t0:.1f} s")
    folder = Path(url.split(":///", 1)[1]).parent
    with serve(url, args.workers, args.threads, folder) as port:
        run_clients(port, own, args.clients, 3, think=0.0)      # warm-up, not measured
        saturated = measured(port, own, args, seconds, 0.0, folder)
        report("no pause between requests", saturated)
        people = measured(port, own, args, seconds, args.think, folder)
        report(f"people pausing ~{args.think:g} s between requests", people)
    result = {**people, "think_s": args.think, "clients": args.clients,
              "open_tasks": args.tasks, "saturated": saturated}
    print(json.dumps(result))


def measured(port, own, args, seconds: float, think: float, folder: Path) -> dict:
    """A measured run, with the server's own times per request from its access log."""
    time.sleep(0.5)                      # the access log is written as requests finish
    skip = log_lines(folder)
    figures = run_clients(port, own, args.clients, seconds, think)
    time.sleep(0.5)
    return {**figures, "server": server_times(folder, skip)}


def run_clients(port, own, clients: int, seconds: float, think: float) -> dict:
    """``clients`` threads for ``seconds``; their figures (p95s, throughput, errors)."""
    stats, lock = {"worklist": [], "task": [], "complete": [], "errors": 0}, threading.Lock()
    signed_in = [Client(port) for _ in range(clients)]
    for n, client in enumerate(signed_in):  # before the clock: each sign-in hashes a password
        client.login(f"user{n}")            # for ~0.1 s of CPU, and a storm of 20 is no workload
    until = time.monotonic() + seconds
    started, cpu = time.perf_counter(), _cpu()
    threads = [threading.Thread(target=drive, args=(signed_in[n], f"user{n}", own[n], until,
                                                    stats, lock, think)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, _cpu() - cpu
    total = sum(len(stats[k]) for k in ("worklist", "task", "complete"))
    return {"client_cpu_s": round(cpu, 1),     # the clients share the server's 2 cores
            "worklist_p95_ms": p95(stats["worklist"]), "task_page_p95_ms": p95(stats["task"]),
            "complete_p95_ms": p95(stats["complete"]),
            "requests_per_s": round(total / elapsed, 1), "errors": stats["errors"],
            "requests": total, "completions": len(stats["complete"]),
            "clients_out_of_tasks": sum(1 for n in range(clients) if not own[n]),
            "seconds": round(elapsed, 1),
            "medians_ms": {k: round(statistics.median(stats[k]) * 1000, 1)
                           for k in ("worklist", "task", "complete") if stats[k]}}


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def report(label: str, figures: dict) -> None:
    print(f"{label}: {figures['requests_per_s']} requests/s, {figures['errors']} errors; "
          f"p95 worklist {figures['worklist_p95_ms']} ms, task page "
          f"{figures['task_page_p95_ms']} ms, complete {figures['complete_p95_ms']} ms "
          f"({figures['completions']} completions); medians {figures['medians_ms']}; "
          f"client CPU {figures['client_cpu_s']} s; in the server itself: {figures['server']}")
    if figures["clients_out_of_tasks"]:
        print(f"warning: {figures['clients_out_of_tasks']} clients ran out of tasks to complete")


if __name__ == "__main__":
    main()
