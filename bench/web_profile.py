"""In-process web timings: each kind of request of bench/web.py, one thread, no HTTP server.

Seeds a SQLite file database as bench/web.py does (100,000 open tasks by default), signs one
user in through the Flask test client (CSRF on), then times worklist pages, task pages and
completions after a warm-up, as bench/web.py's clients send them: median and p95 wall time and
median CPU time per request, and with ``--profile`` the top cProfile entries of a worklist and
a task page. The default user, user1, is a typical client (an agency and intake); user0 and
user10 also have 5,000 tasks assigned. It uses one core, so it can run beside other benchmarks.

Usage: python bench/web_profile.py [--tasks N] [--requests N] [--user NAME] [--profile]
[--db PATH] (PATH is seeded when missing; every run works on a fresh copy of it, so runs
compare on the same data).
"""
from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402

from bench.web import CSRF, PASSWORD, SETTINGS, TASK_LINK, one_round, seed  # noqa: E402
from models import HumanTask  # noqa: E402
from models.session import make_engine, make_session_factory  # noqa: E402
from web import create_app  # noqa: E402

CLIENTS = 20                        # as bench/web.py: userN gets every 20th completable task


def timed(client, kinds: dict, kind: str, method: str, path: str, form=None, ok=200) -> str:
    """One request; its wall and CPU seconds are added to ``kinds[kind]``."""
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.open(path, method=method, data=form)
    kinds[kind].append((time.perf_counter() - wall, time.process_time() - cpu))
    assert response.status_code == ok, f"{method} {path}: {response.status_code}"
    return response.get_data(as_text=True)


def rounds(client, own: list[str], count: int) -> dict:
    """``count`` rounds as bench/web.py's clients do them; the timings per kind."""
    kinds: dict[str, list] = {"worklist": [], "task": [], "complete": []}
    for n in range(1, count + 1):
        one_round(n, own, lambda *request, **options: timed(client, kinds, *request, **options))
    return kinds


def summary(kinds: dict) -> dict:
    """Median and p95 wall time and median CPU time per kind, in ms."""
    def ms(value):
        return round(value * 1000, 2)
    result = {}
    for kind, pairs in kinds.items():
        walls = [w for w, _ in pairs]
        if len(walls) > 1:
            result[kind] = {"n": len(walls), "median_ms": ms(statistics.median(walls)),
                            "p95_ms": ms(statistics.quantiles(walls, n=20)[18]),
                            "cpu_median_ms": ms(statistics.median(c for _, c in pairs))}
    return result


def profile(client, path: str, count: int, top: int) -> None:
    """The ``top`` cProfile entries (by cumulative time) of ``count`` GETs of ``path``."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        client.get(path)
    profiler.disable()
    print(f"\n== cProfile: {count} x GET {path} (cumulative)")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--real", type=int, default=600, help="completable tasks seeded")
    parser.add_argument("--requests", type=int, default=150, help="measured rounds")
    parser.add_argument("--user", default="user1", help="who signs in (user0 to user19)")
    parser.add_argument("--profile", action="store_true", help="print cProfile tops")
    parser.add_argument("--db", help="SQLite file to reuse (seeded when missing)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lscb-prof-"))
    pristine = Path(args.db) if args.db else folder / "pristine.sqlite3"
    fresh = not pristine.exists()
    if fresh:
        seed(f"sqlite:///{pristine}", args.tasks, args.real, CLIENTS)
    shutil.copyfile(pristine, folder / "run.sqlite3")
    url = f"sqlite:///{folder / 'run.sqlite3'}"
    own = _own_tasks(url, int(args.user.removeprefix("user")))
    app = create_app({**SETTINGS, "DATABASE_URL": url})
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": args.user, "password": PASSWORD,
                                "csrf_token": CSRF.search(login).group(1)})
    rounds(client, own, 20)                                  # warm-up
    result = summary(rounds(client, own, args.requests))
    if args.profile:
        task = TASK_LINK.findall(client.get("/tasks").get_data(as_text=True))[0]
        profile(client, "/tasks", 100, 60)
        profile(client, f"/tasks/{task}", 100, 60)
    print(f"database: copy of {pristine}{' (seeded now)' if fresh else ''}")
    print(json.dumps(result))


def _own_tasks(url: str, client: int) -> list[str]:
    """Client number ``client``'s share of the completable tasks, as bench/web.py hands them
    out."""
    db = make_engine(url)
    with make_session_factory(db)() as session:
        ids = list(session.scalars(select(HumanTask.id).where(
            HumanTask.process_id == "two_lane", HumanTask.status == "open")))
    db.dispose()
    return ids[client::CLIENTS]


if __name__ == "__main__":
    main()
