"""The region drill's load: reviewers and managers on the host, failing over between nodes.

Reviewers use the JSON API with their tokens: read their worklist, and every few seconds
complete one of the first tasks on it (reviewers of a team race for the same tasks, so some
completions are refused as already done, and the engine must never complete one twice).
Managers sign in once through the form (the session is good on every node: they share the
secret key and the database) and read the dashboard and the deadlines page.

Every request goes to the client's own node first; a connection that fails or times out
(a killed node, a cut link) marks that node down for a few seconds and the request goes to
the next one. A completion is *acknowledged* only when a node answered 200: those task ids
are what the checks hold the database to.
"""
from __future__ import annotations

import http.client
import json
import random
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TIMEOUT = 8.0                 # seconds a client waits for an answer before trying another node
DOWN_FOR = 3.0                # seconds a node that failed is skipped
# a reviewer completes a task at most this often: paced by the clock, not by rounds, so that on
# a fast, quiet machine the reviewers do not finish every case before its review falls due (the
# drill needs work left for every phase and reviews left to escalate)
COMPLETE_INTERVAL_S = 3.0
PORT = 8000


class NodeDown(Exception):
    """No answer from any node."""


@dataclass
class Tally:
    """What the clients saw, shared by every client thread (under ``lock``)."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    timings: list[tuple[str, float]] = field(default_factory=list)   # (kind, seconds)
    errors: int = 0             # requests no node answered, or not answered as expected
    failovers: int = 0          # attempts that failed and went on to another node
    acknowledged: list[str] = field(default_factory=list)     # task ids completed (200)
    completed: int = 0          # completions acknowledged in this phase
    refused: int = 0            # completions refused: the task was already done (409)
    unknown: int = 0            # completions no node answered

    def reset(self) -> None:
        with self.lock:
            self.timings, self.errors, self.failovers, self.completed = [], 0, 0, 0


class Nodes:
    """The web nodes the clients may use, and which of them looked down lately."""

    def __init__(self, addresses: list[str]):
        self.addresses, self.in_use = addresses, len(addresses)
        self.down_until: dict[str, float] = {}

    def order(self, first: int) -> list[str]:
        """The nodes in use, starting from a client's own, those down lately last."""
        used = self.addresses[:self.in_use]
        ring = used[first % len(used):] + used[:first % len(used)]
        now = time.monotonic()
        return sorted(ring, key=lambda a: self.down_until.get(a, 0) > now)


def call(nodes: Nodes, first: int, tally: Tally, method: str, path: str, headers: dict,
         body: str | None = None) -> tuple[int, str, str | None]:
    """One request, to the client's node else the next; ``(status, text, Set-Cookie)``."""
    for address in nodes.order(first):
        connection = http.client.HTTPConnection(address, PORT, timeout=TIMEOUT)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode(), response.getheader("Set-Cookie")
        except (OSError, http.client.HTTPException):
            nodes.down_until[address] = time.monotonic() + DOWN_FOR
            with tally.lock:
                tally.failovers += 1
        finally:
            connection.close()
    raise NodeDown(path)


def timed(kind, nodes, first, tally, method, path, headers, body=None, ok=(200,)):
    """``call``, timed (the time a person waits, failovers included) and counted: an error
    when no node answers, or the answer's status is not one of ``ok``."""
    started = time.perf_counter()
    try:
        status, text, cookie = call(nodes, first, tally, method, path, headers, body)
    except NodeDown:
        with tally.lock:
            tally.errors += 1
        raise
    with tally.lock:
        tally.timings.append((kind, time.perf_counter() - started))
        tally.errors += status not in ok
    return status, text, cookie


def reviewer(n: int, token: str, nodes: Nodes, tally: Tally, stop: threading.Event) -> None:
    """Read the worklist; every few seconds complete one of its first tasks."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    pick = random.Random(n)
    next_completion = time.monotonic() + pick.uniform(0, COMPLETE_INTERVAL_S)
    while not stop.is_set():
        try:
            status, text, _ = timed("worklist", nodes, n, tally, "GET", "/api/v1/tasks?per_page=20",
                                    headers)
            tasks = json.loads(text)["tasks"] if status == 200 else []
            if tasks and time.monotonic() >= next_completion:
                next_completion = time.monotonic() + COMPLETE_INTERVAL_S
                complete(n, tasks[pick.randrange(min(3, len(tasks)))]["id"], headers, nodes,
                         tally)
        except NodeDown:
            time.sleep(0.5)


def complete(n, task_id, headers, nodes, tally) -> None:
    """Complete one task. When a node fails mid-request the same completion goes to the next
    (done already, it is refused with 409); acknowledged only by a 200."""
    body = json.dumps({"data": {"note": f"Reviewed in the region drill by reviewer {n}"}})
    try:
        status, _, _ = timed("complete", nodes, n, tally, "POST",
                             f"/api/v1/tasks/{task_id}/complete", headers, body, ok=(200, 409))
    except NodeDown:
        with tally.lock:
            tally.unknown += 1
        return
    with tally.lock:
        if status == 200:
            tally.acknowledged.append(task_id)
            tally.completed += 1
        elif status == 409:
            tally.refused += 1


def manager(n: int, name: str, password: str, nodes: Nodes, tally: Tally,
            stop: threading.Event) -> None:
    """Sign in once, then read the dashboard and the deadlines page in turn."""
    cookie = sign_in(n, name, password, nodes, tally)
    pages = ("/dashboard", "/deadlines/")
    rounds = 0
    while not stop.is_set():
        rounds += 1
        try:
            timed("manager_page", nodes, n, tally, "GET", pages[rounds % 2],
                  {"Cookie": cookie})
        except NodeDown:
            time.sleep(0.5)


def sign_in(n, name, password, nodes, tally) -> str:
    """The session cookie of a manager signed in through the form."""
    _, page, cookie = call(nodes, n, tally, "GET", "/login", {})
    cookie = cookie.split(";", 1)[0]
    form = urlencode({"username": name, "password": password,
                      "csrf_token": CSRF.search(page).group(1)})
    status, _, new = call(nodes, n, tally, "POST", "/login", {
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"}, form)
    if status != 302:
        raise RuntimeError(f"{name} could not sign in: HTTP {status}")
    return new.split(";", 1)[0]


def start_clients(board, password: str, nodes: Nodes, tally: Tally,
                  stop: threading.Event) -> list[threading.Thread]:
    """One thread per reviewer and per manager (daemons: an interrupted drill leaves none)."""
    threads = [threading.Thread(target=reviewer, args=(n, token, nodes, tally, stop),
                                daemon=True)
               for n, token in enumerate(board.reviewer_tokens.values())]
    threads += [threading.Thread(target=manager, args=(n, name, password, nodes, tally, stop),
                                 daemon=True) for n, name in enumerate(board.managers)]
    for thread in threads:
        thread.start()
    return threads


def figures(tally: Tally, seconds: float) -> dict:
    """Requests per second, p95 and median (ms; also p95 by kind of request), completions,
    errors and failovers of a phase."""
    with tally.lock:
        timings, errors, failovers = list(tally.timings), tally.errors, tally.failovers
        completed = tally.completed
    times = [t for _, t in timings]
    kinds = sorted({k for k, _ in timings})
    return {"requests_per_s": round(len(times) / seconds, 1), "p95_ms": _p95(times),
            "median_ms": round(statistics.median(times) * 1000, 1) if times else 0.0,
            "p95_ms_by_kind": {k: _p95([t for j, t in timings if j == k]) for k in kinds},
            "requests": len(times), "completions": completed, "errors": errors,
            "failovers": failovers}


def _p95(values: list[float]) -> float:
    if len(values) < 2:
        return round(values[0] * 1000, 1) if values else 0.0
    return round(statistics.quantiles(values, n=20)[18] * 1000, 1)
