"""``bench/manager.py --region``: ten years of six boards on PostgreSQL, and the pages people
read measured on it, cold (a task completed through the engine, committed, before each sample)
and warm (nothing changed since the previous sample).

The database (``lscb_region`` by default) is created on the server of ``--admin-url`` and
dropped afterwards unless ``--keep``; ``--reuse`` measures a kept one again without seeding.
"""
from __future__ import annotations

import itertools
import json
import statistics
import time
from datetime import datetime, timezone

from sqlalchemy import select, text

from engine import EngineError, upgrade_schema
from models import HumanTask, ProcessInstance
from models.session import make_engine, make_session_factory
from models.status import TaskStatus

from bench import decade_seed

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
REAL_CASES = 40          # intake cases started through the engine: the cold samples' supply
PAGE_TARGET_MS, REPORT_TARGET_MS = 200, 2000


def create_database(admin_url: str, name: str, fresh: bool) -> str:
    """The URL of database ``name`` on the server of ``admin_url``, (re)created when ``fresh``."""
    if fresh:
        admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(admin_url: str, name: str) -> None:
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_app(url: str):
    from web import create_app
    return create_app({"DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                       "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False,
                       "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING", "SCHEDULER": False,
                       "GC_FREEZE": True})          # as in production (web/__init__.py)


def seed(url: str, cases: int, echo=print) -> dict:
    """Schema, the library and real cases through the engine, then the bulk; seconds taken."""
    from web.demo import AWARE, load_demo
    started = time.perf_counter()
    db = make_engine(url)
    upgrade_schema(db)
    app = make_app(url)
    process_engine = app.extensions["lscb.process_engine"]
    sessions = make_session_factory(db)
    with app.app_context(), sessions.begin() as session:
        load_demo(session, process_engine, echo=lambda *_: None)
        admin = process_engine.load_actor(session, "admin")
        for n in range(REAL_CASES):
            process_engine.start(session, "p01_incident_notification", admin,
                                 {"case_title": f"Serious incident {n}", **AWARE},
                                 reference=f"REAL-{n:03d}")
    engine_seconds = time.perf_counter() - started
    echo(f"  library, people and {REAL_CASES + 6} cases through the engine: "
         f"{engine_seconds:.1f}s")
    with sessions() as session:
        rows = decade_seed.steps(session)
        state = session.scalar(select(ProcessInstance.state_json).where(
            ProcessInstance.reference == "REAL-000"))
    with db.begin() as conn:
        decade_seed.templates(conn, rows, state)
        seconds = decade_seed.bulk(conn, datetime.now(timezone.utc), cases, echo)
    vacuum = time.perf_counter()
    with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))        # what autovacuum does to a live database
    seconds["vacuum_analyze"] = round(time.perf_counter() - vacuum, 1)
    echo(f"  vacuum analyze: {seconds['vacuum_analyze']}s")
    db.dispose()
    seconds["engine"] = round(engine_seconds, 1)
    seconds["total"] = round(time.perf_counter() - started, 1)
    return seconds


class EngineChanges:
    """Callable: each call completes one open task of a real case through the engine, as a
    member of its group, and commits (the case's next step opens, its audit events written)."""

    def __init__(self, app, sessions):
        from web.demo import _complete_one
        self.app, self.sessions, self.complete_one = app, sessions, _complete_one
        self.engine = app.extensions["lscb.process_engine"]
        with sessions() as session:
            ids = session.scalars(select(ProcessInstance.id).where(
                ProcessInstance.reference.like("REAL-%")).order_by(ProcessInstance.id)).all()
        self.cases = itertools.cycle(ids)
        self.done = 0

    def __call__(self) -> None:
        for _ in range(REAL_CASES):
            instance_id = next(self.cases)
            with self.app.app_context(), self.sessions() as session:
                if session.scalar(select(HumanTask.id).where(
                        HumanTask.instance_id == instance_id,
                        HumanTask.status == TaskStatus.OPEN).limit(1)) is None:
                    continue
                try:
                    self.complete_one(session, self.engine, instance_id)
                    session.commit()
                    self.done += 1
                    return
                except EngineError:
                    session.rollback()
        raise RuntimeError("no real case has a task left to complete")


def pages(session) -> dict[str, list[str]]:
    """The URLs measured, by page: a few variants of each, on real rows of the region."""
    cases = session.scalars(select(ProcessInstance.id).where(
        ProcessInstance.reference.not_like("REAL-%"), ProcessInstance.reference.not_like("DEMO-%"))
        .order_by(ProcessInstance.id).limit(5).offset(40_000)).all() + session.scalars(
        select(ProcessInstance.id).where(ProcessInstance.status == "active")
        .order_by(ProcessInstance.id.desc()).limit(3)).all()
    return {
        "worklist": ["/tasks", "/tasks?due=overdue", "/tasks?sort=title", "/tasks?page=3",
                     "/tasks?q=review"],
        "cases list": ["/instances", "/instances?status=active&pathway=p03_multi_agency_case_review",
                       "/instances?overdue=1&agency=police",
                       "/instances?q=RDG-2019&sort=reference&dir=asc",
                       "/instances?status=completed&page=200"],
        "case page": [f"/instances/{i}" for i in cases],
        "dashboard": ["/dashboard", "/dashboard?pathway=p05_child_death_review"],
        "dashboard, all years": ["/dashboard?period=all"],
        "deadlines": ["/deadlines/"],
        "board report": ["/dashboard/board-report"],
        "LISG report": ["/reports/lisg"],
    }


REPORTS = ("board report", "LISG report")


def sample(client, urls: list[str], runs: int, change=None) -> list[float]:
    """Milliseconds per GET, cycling through ``urls``; ``change()`` before each when cold."""
    times = []
    for n in range(runs):
        url = urls[n % len(urls)]
        if change:
            change()
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def p95(values: list[float]) -> float:
    """95th percentile, nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * 95 // 100) - 1)]


def key(page: str) -> str:
    """A page's name in the JSON line and in ``--pages``: "dashboard, all years" is
    ``dashboard_all_years``."""
    return page.replace(",", "").replace(" ", "_")


def measure(url: str, runs: int, echo=print, only: set[str] | None = None) -> dict:
    """Cold and warm p50/p95 of every page (of those whose ``key`` is in ``only``, when given);
    the worklist as a reviewer, the rest a manager."""
    from web.demo import PASSWORD
    app = make_app(url)
    db = make_engine(url)
    sessions = make_session_factory(db)
    with sessions() as session:
        urls = pages(session)
        counts = {name: session.scalar(text(f"SELECT count(*) FROM {name}")) for name in (
            "process_instance", "human_task", "audit_event", "learning_item", "learning_action")}
        counts["open_cases"] = session.scalar(text(
            "SELECT count(*) FROM process_instance WHERE status = 'active'"))
        counts["overdue_tasks"] = session.scalar(text(
            "SELECT count(*) FROM human_task WHERE status = 'open' AND due_at < now()"))
    known = {key(page) for page in urls}
    if only and only - known:
        raise SystemExit(f"unknown pages {sorted(only - known)}; known: {sorted(known)}")
    manager, reviewer = app.test_client(), app.test_client()
    manager.post("/login", data={"username": "manager", "password": PASSWORD})
    reviewer.post("/login", data={"username": "police.reviewer", "password": PASSWORD})
    change = EngineChanges(app, sessions)
    figures = {}
    for page, page_urls in urls.items():
        if only and key(page) not in only:
            continue
        client = reviewer if page == "worklist" else manager
        reps = max(6, runs // 3) if page in REPORTS else runs
        sample(client, page_urls, len(page_urls))                 # templates compile
        cold = sample(client, page_urls, reps, change)
        sample(client, page_urls, len(page_urls))                 # each seen since the change
        warm = sample(client, page_urls, reps)
        target = REPORT_TARGET_MS if page in REPORTS else PAGE_TARGET_MS
        figures[page] = {"cold_p50_ms": round(statistics.median(cold), 1),
                         "cold_p95_ms": round(p95(cold), 1),
                         "warm_p50_ms": round(statistics.median(warm), 1),
                         "warm_p95_ms": round(p95(warm), 1), "target_ms": target,
                         "met": max(p95(cold), p95(warm)) <= target}
        echo(f"  {page}: {figures[page]}")
    db.dispose()
    return {"counts": counts, "pages": figures, "completions": change.done}


def run(args) -> None:
    """Seed (unless ``--reuse``), measure, print a table and one JSON line last."""
    name = args.database
    url = create_database(args.admin_url, name, fresh=not args.reuse)
    try:
        seeded = {}
        if not args.reuse:
            print(f"seeding {args.cases} cases into {name} (2 cores shared with other work)")
            seeded = seed(url, args.cases)
            print(f"seeded in {seeded['total']:.0f}s")
        only = {key(page.strip()) for page in args.pages.split(",")} if args.pages else None
        result = measure(url, args.runs, only=only)
    finally:
        if not args.keep:
            drop_database(args.admin_url, name)
    print(f"\n{'page':<21}{'cold p50':>10}{'cold p95':>10}{'warm p50':>10}{'warm p95':>10}"
          f"{'target':>8}  met")
    for page, f in result["pages"].items():
        print(f"{page:<21}{f['cold_p50_ms']:>10}{f['cold_p95_ms']:>10}{f['warm_p50_ms']:>10}"
              f"{f['warm_p95_ms']:>10}{f['target_ms']:>8}  {'yes' if f['met'] else 'NO'}")
    keys = {page: key(page) for page in result["pages"]}
    print(json.dumps({"region": True, **result["counts"], "seed_s": seeded,
                      "completions": result["completions"],
                      **{f"{keys[page]}_{k}": v for page, f in result["pages"].items()
                         for k, v in f.items() if k.endswith("ms") and k != "target_ms"}}))
