"""Managers' pages under load: the filtered case list and the dashboard on 20,000 instances and
100,000 tasks, through the Flask app (queries + templates), SQLite file by default.

Prints figures, then one JSON object as its last line. ``dashboard_p95_ms`` is warm (nothing
changed since the previous render, so the memo answers); ``dashboard_cold_p95_ms`` is measured
with a real change committed before every sample (a task completed, a case cancelled or a case
started, with its audit event; see ``bench/changes.py``), so every figure is recomputed.
Usage: python bench/manager.py [--quick] [--instances 20000] [--tasks-per 5] [--runs 30]
                              [--state-kb 9] [--postgres URL]
       python bench/manager.py --region [--cases 100000] [--keep] [--reuse] [--runs 30]
                              [--pages dashboard,board_report]
                              [--admin-url postgresql://postgres@127.0.0.1:5432/postgres]
``--region``: ten years of six boards on PostgreSQL, every page people read (bench/region_pages.py).
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

import models  # noqa: E402
from engine import people  # noqa: E402
from models import Definition, HumanTask, ProcessInstance, TaskCandidate  # noqa: E402
from models.session import make_engine, make_session_factory  # noqa: E402
from models.statistics import open_by_pathway  # noqa: E402

from bench import region_pages  # noqa: E402
from bench.changes import Changes  # noqa: E402

AGENCIES = ["police", "health", "childrens-social-care", "education", "probation"]
BOARD = ["lisg", "lscb-chair", "business-unit"]
PATHWAYS = [f"p{n:02d}_pathway" for n in range(1, 13)]
# Statutory steps occur in the intake and review pathways only; so do the statutory dates the
# compliance measures read from the case data (statutory_dates).
STATUTORY = {"p01_pathway": ["take_immediate_action", "notify_regulator", "log_case",
                             "decide_scr", "record_panel_notification"],
             "p02_pathway": ["record_panel_notification", "rapid_review", "appoint_reviewer",
                             "write_report", "board_acceptance"]}
STEPS = ["commission", "gather", "analyse", "write_report", "sign_off"]
PASSWORD = "bench-password-1"


def seed(url: str, instances: int, tasks_per: int, now: datetime, state_kb: int = 0) -> None:
    """Bulk-insert instances with ``tasks_per`` task rows each (last one open when active);
    ``state_kb``: pad each ``state_json`` to about that size (a real case holds 7-12 KB when it starts, more later)."""
    db = make_engine(url)
    models.Base.metadata.drop_all(db)
    models.Base.metadata.create_all(db)
    sessions = make_session_factory(db)
    rnd = random.Random(7)
    state = json.dumps({"padding": "x" * (state_kb * 1024)}) if state_kb else "{}"
    with sessions.begin() as s:
        for slug in AGENCIES:
            people.add_group(s, slug, slug.replace("-", " ").title(), kind="agency")
        for slug in BOARD:
            people.add_group(s, slug)
        people.add_user(s, "manager", PASSWORD, roles=["manager"])
        definition = Definition(process_id="bench", version=1, content_hash="x", files={},
                                spec_json="", lanes=[])
        s.add(definition)
        s.flush()
        rows, tasks, cands = [], [], []
        for i in range(1, instances + 1):
            started = now - timedelta(days=rnd.uniform(0, 730))
            status = rnd.choices(["active", "completed", "suspended", "incident", "cancelled"],
                                 [60, 30, 4, 2, 4])[0]
            pid = rnd.choice(PATHWAYS)
            at = started
            for k in range(tasks_per):
                created = at
                at = created + timedelta(hours=rnd.uniform(2, 24 * 30))
                is_open = status != "completed" and k == tasks_per - 1
                group = rnd.choice(AGENCIES + BOARD)
                task_id = f"{i}-{k}"
                tasks.append(dict(
                    id=task_id, instance_id=i, process_id=pid, bpmn_id=STATUTORY.get(pid, STEPS)[k % 5],
                    title=f"Step {k}", lane=None, candidate_groups=[group], candidate_users=[],
                    status="open" if is_open else "completed", created_at=created,
                    completed_at=None if is_open else min(at, now),
                    due_at=created + timedelta(days=rnd.uniform(5, 60)), form={},
                    deadline_step=0, escalation_level=0, documentation=""))
                if is_open:
                    cands.append(dict(task_id=task_id, group_slug=group, assignee=None,
                                      due_at=tasks[-1]["due_at"], process_id=pid))
            rows.append(dict(id=i, definition_id=definition.id, process_id=pid,
                             reference=f"LSCB-{started:%Y}-{i:05d}", title=f"Case {i}",
                             status=status, state_json=state, serializer_version="1",
                             data=statutory_dates(rnd, pid, started),
                             started_at=started, updated_at=at,
                             finished_at=min(at, now) if status in ("completed", "cancelled")
                             else None, row_version=1))
        s.execute(insert(ProcessInstance), rows)
        for start in range(0, len(tasks), 10_000):
            s.execute(insert(HumanTask), tasks[start:start + 10_000])
        s.execute(insert(TaskCandidate), cands)
    if db.dialect.name == "postgresql":
        # What autovacuum does to a live database (and has not yet done to a bulk load):
        # statistics, and the visibility map that lets covering indexes answer alone.
        with db.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    db.dispose()


def statutory_dates(rnd: random.Random, pid: str, started: datetime) -> dict:
    """The dates the compliance measures read (models/compliance.py), for intake and review
    cases: each start date, and most end dates, a few days to months later."""
    if pid not in STATUTORY:
        return {}
    data = {"regime": rnd.choice(["LSCB_WT2015", "MASA_WT2018"]), "la_must_notify": True}
    day = started.date()
    for start, end in (("la_aware_on", "notification_sent_on"), ("received_on", "route_decided_on"),
                       ("panel_notified_on", "rapid_review_sent_on"),
                       ("review_started_on", "published_on")):
        data[start] = day.isoformat()
        if rnd.random() < 0.8:
            data[end] = (day + timedelta(days=rnd.choice([2, 6, 20, 40, 200]))).isoformat()
    return data


def timed(client, url: str, runs: int, invalidate=None) -> list[float]:
    """Milliseconds per GET of ``url`` (each must answer 200); ``invalidate()`` before each."""
    return region_pages.sample(client, [url], runs, invalidate)


p95 = region_pages.p95


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=20_000)
    parser.add_argument("--tasks-per", type=int, default=5)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="10 runs per figure")
    parser.add_argument("--postgres")
    parser.add_argument("--state-kb", type=int, default=9,
                        help="pad every instance's state_json to about this many KB (a "
                             "reference case holds ~9 KB mid-flight, see bench/engine.py)")
    parser.add_argument("--region", action="store_true",
                        help="ten years of six boards on PostgreSQL (bench/region_pages.py)")
    parser.add_argument("--cases", type=int, default=100_000, help="--region: cases to seed")
    parser.add_argument("--admin-url", default=region_pages.ADMIN_URL,
                        help="--region: a database on the server to create the region's from")
    parser.add_argument("--database", default="lscb_region", help="--region: its name")
    parser.add_argument("--keep", action="store_true", help="--region: keep the database")
    parser.add_argument("--reuse", action="store_true", help="--region: measure a kept one")
    parser.add_argument("--pages", help="--region: only these pages, comma-separated, by name or by "
                        "their key in the JSON line (e.g. 'cases list,deadlines' or "
                        "dashboard_all_years,board_report; default all)")
    args = parser.parse_args()
    if args.quick:
        args.runs = 10
    if args.region:
        region_pages.run(args)
        return
    from web import create_app
    now = datetime.now(timezone.utc)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.postgres or f"sqlite:///{tmp}/bench.sqlite3"
        t0 = time.perf_counter()
        seed(url, args.instances, args.tasks_per, now, args.state_kb)
        db = make_engine(url)
        print(f"seeded {args.instances} instances, {args.instances * args.tasks_per} tasks "
              f"in {time.perf_counter() - t0:.1f}s ({url.split(':')[0]})")
        app = create_app({"DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                          "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False,
                          "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
        client = app.test_client()
        client.post("/login", data={"username": "manager", "password": PASSWORD})
        lists = ["/instances", "/instances?status=active&pathway=p03_pathway",
                 "/instances?overdue=1&agency=police", "/instances?q=LSCB-2025&sort=reference&dir=asc",
                 "/instances?status=active&page=40"]
        list_times = [t for u in lists for t in timed(client, u, args.runs)]
        timed(client, "/dashboard", 1)          # first render: templates compile, memo fills
        dash_times = timed(client, "/dashboard", args.runs)
        with make_session_factory(db)() as s:   # the pathway the dashboard shows by default
            shown = next(iter(open_by_pathway(s)))
        cold_times = timed(client, "/dashboard", args.runs, invalidate=Changes(db, shown))
        db.dispose()
        report_times = timed(client, "/dashboard/board-report", max(5, args.runs // 3))
    figures = {
        "instances": args.instances, "tasks": args.instances * args.tasks_per,
        "instances_p50_ms": round(statistics.median(list_times), 1),
        "instances_p95_ms": round(p95(list_times), 1),
        "dashboard_p50_ms": round(statistics.median(dash_times), 1),
        "dashboard_p95_ms": round(p95(dash_times), 1),
        "dashboard_cold_p50_ms": round(statistics.median(cold_times), 1),
        "dashboard_cold_p95_ms": round(p95(cold_times), 1),
        "board_report_p95_ms": round(p95(report_times), 1),
    }
    for key, value in figures.items():
        print(f"{key:>22}: {value}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
