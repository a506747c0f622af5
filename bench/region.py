"""A region on one machine: PostgreSQL, 3 web nodes and 2 schedulers, load, and faults.

    python bench/region.py [--quick]      (as root: it makes network namespaces)

Builds a small region (bench/region_net.py, bench/region_cluster.py): its own PostgreSQL
cluster on 10.213.0.1, three web nodes (gunicorn, sync workers, no scheduler) and two
standalone schedulers (``lscb scheduler``), each in its own network namespace. Seeds a board
(bench/region_seed.py) whose cases have reviews falling due (reminders, escalations) and timers
firing during the run, then puts load on it from the host (bench/region_load.py):

1. throughput: the clients use 1, then 2, then 3 web nodes (requests/s, p95);
2. faults while the load runs on all three: one web node killed with SIGKILL, one scheduler
   killed, another node's link cut for 10 s and restored; the clients fail over.

Then it waits for the last due step and checks the database (bench/region_checks.py). It
prints figures, then one JSON object as its last line, and exits 1 when a check fails (2: it
cannot run here, 75: another drill is running). Everything it made (namespaces, links, the
cluster and its folder, processes) is removed at the end, also on Ctrl+C or SIGTERM; a run
first removes what an earlier, killed run left.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import Settings  # noqa: E402
from bench import region_checks, region_cluster, region_load, region_seed  # noqa: E402
from bench.region_net import (HOST_ADDRESS, NETWORK, Busy, Node, add_node, kill_all,  # noqa: E402
                              lock, make_bridge, remove_leftovers, set_link, spawn)

WEB = [Node(f"web{n}", f"10.213.0.{10 + n}") for n in (1, 2, 3)]
SCHEDULERS = [Node(f"sched{n}", f"10.213.0.{20 + n}") for n in (1, 2)]
REMINDER, ESCALATIONS, LAST_RUNG_S = "PT4S", "P0D,PT6S", 6     # a short deadline ladder
CUT_SECONDS = 10
SIZES = {True: {"cases": 150, "warm_s": 3, "phase_s": 5, "fault_s": 22, "reviewers": 6},
         False: {"cases": 500, "warm_s": 10, "phase_s": 20, "fault_s": 60, "reviewers": 6}}
START_S = 0.08          # seconds to start a case on a busy 2-core machine, to plan by


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="A shorter run (about a minute).")
    parser.add_argument("--workers", type=int, default=1,
                        help="gunicorn sync workers per web node (default 1)")
    args = parser.parse_args()
    reason = cannot_run()
    if reason:
        print(f"region drill cannot run here: {reason}", file=sys.stderr)
        return 2
    try:
        held = lock()
    except Busy as exc:
        print(f"region drill: {exc}", file=sys.stderr)
        return 75
    for item in remove_leftovers(region_cluster.stop):
        print(f"removed a leftover of an earlier run: {item}")
    signal.signal(signal.SIGTERM, _stop)
    folder = Path(tempfile.mkdtemp(prefix="lscb-region-", dir="/tmp"))
    folder.chmod(0o755)
    processes: list = []
    try:
        result = drill(SIZES[args.quick], args.workers, folder, processes)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        clean_up(processes)
        held.close()
    print(json.dumps({"quick": args.quick, **result}))
    return 0 if result["ok"] else 1


def cannot_run() -> str | None:
    """Why the drill cannot run on this machine, or None."""
    if os.geteuid() != 0:
        return "it must run as root (it makes network namespaces)"
    if shutil.which("ip") is None:
        return "no ip command (iproute2)"
    probe = "lscbr-probe"
    if os.system(f"ip netns add {probe} 2>/dev/null") != 0:
        return "ip netns add is not permitted"
    os.system(f"ip netns del {probe}")
    return region_cluster.missing()


def _stop(signum, _frame):
    raise SystemExit(128 + signum)


def clean_up(processes) -> None:
    """Every process, namespace, link, the cluster and its folder: gone."""
    for node in WEB + SCHEDULERS:
        kill_all(node.netns)
    for process in processes:
        try:
            process.wait(10)
        except Exception:  # noqa: BLE001 - cleaning up: go on with the rest
            pass
    removed = remove_leftovers(region_cluster.stop)
    print(f"cleaned up: {len(removed)} namespaces, links and folders")


def drill(size: dict, workers: int, folder: Path, processes: list) -> dict:
    """Build the region, run the phases, check; the result's figures."""
    started = time.monotonic()
    board, factory, moments = build(size, workers, folder, processes)
    print(f"region up in {time.monotonic() - started:.1f} s: {len(WEB)} web nodes "
          f"({workers} worker each), {len(SCHEDULERS)} schedulers, {size['cases']} cases")
    tally, phases = load(board, size)
    last_due = max(max(due for due, _ in moments) + timedelta(seconds=LAST_RUNG_S),
                   max(fires for _, fires in moments))
    time.sleep(max(3.0, (last_due - datetime.now(timezone.utc)).total_seconds() + 3))
    settled = datetime.now(timezone.utc) - timedelta(seconds=2)      # two sweeps' grace
    figures, failures = region_checks.run(factory, tally.acknowledged, settled)
    factory.kw["bind"].dispose()
    failed = sorted(k for k, v in failures.items() if v)
    print(f"checks: {figures}; failures: {failures}")
    print("every check passed" if not failed else f"CHECKS FAILED: {', '.join(failed)}")
    return {"ok": not failed, "failed": failed, **phases, **figures,
            "completions_refused": tally.refused, "completions_unanswered": tally.unknown,
            **failures, "web_nodes": len(WEB), "workers_per_node": workers,
            "schedulers": len(SCHEDULERS), "seconds": round(time.monotonic() - started, 1)}


def build(size: dict, workers: int, folder: Path, processes: list):
    """Network, cluster, board, nodes and cases, up at the moment the plan begins; returns
    the board, a session factory and each case's ``(due, fires)`` moments."""
    make_bridge()
    for node in WEB + SCHEDULERS:
        add_node(node)
    env = environment(region_cluster.start(folder, HOST_ADDRESS, NETWORK))
    board, factory, process_engine = region_seed.prepare(
        Settings.from_env(env), size["reviewers"])
    processes += [spawn(n, web_command(n, workers), env, folder / f"{n.name}.log", ROOT)
                  for n in WEB]
    processes += [spawn(n, [str(Path(sys.executable).with_name("lscb")), "scheduler"], env,
                        folder / f"{n.name}.log", ROOT) for n in SCHEDULERS]
    load_s = size["warm_s"] + 3 * size["phase_s"] + size["fault_s"]
    begins = datetime.now(timezone.utc) + timedelta(seconds=8 + size["cases"] * START_S)
    moments = plan(size["cases"], begins, load_s)
    region_seed.start_cases(factory, process_engine, board, moments)
    wait_ready(folder)
    time.sleep(max(0.0, (begins - datetime.now(timezone.utc)).total_seconds()))
    return board, factory, moments


def load(board, size: dict):
    """The clients on 1, 2, then 3 nodes, then through the faults; ``(tally, figures)``."""
    nodes, tally, stop = region_load.Nodes([n.address for n in WEB]), region_load.Tally(), \
        threading.Event()
    threads = region_load.start_clients(board, region_seed.MANAGER_PASSWORD, nodes, tally, stop)
    time.sleep(size["warm_s"])      # every node's worker past its first requests: not measured
    throughput = {}
    for count in (1, 2, 3):
        nodes.in_use = count
        throughput[str(count)] = measure(tally, size["phase_s"])
        print(f"{count} web node(s): {throughput[str(count)]}")
    faults, under_faults = fault_phase(tally, size["fault_s"])
    print(f"under faults: {under_faults}; faults: {faults}")
    stop.set()
    for thread in threads:
        thread.join(region_load.TIMEOUT * 2)
    return tally, {"throughput": throughput, "under_faults": under_faults, "faults": faults}


def environment(url: str) -> dict:
    """Every node's settings: one database, one secret key, a short deadline ladder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LSCB_")}
    return {**env, "PYTHONPATH": str(ROOT), "LSCB_DATABASE_URL": url,
            "LSCB_SECRET_KEY": "region-drill-key-shared-by-every-node",
            "LSCB_SECURE_COOKIES": "false", "LSCB_RATELIMIT": "false",
            "LSCB_LOG_LEVEL": "WARNING", "LSCB_SCHEDULER_INTERVAL": "1",
            "LSCB_REMINDER_OFFSETS": REMINDER, "LSCB_ESCALATION_OFFSETS": ESCALATIONS,
            "LSCB_BASE_URL": f"http://{WEB[0].address}:{region_load.PORT}"}


def web_command(node: Node, workers: int) -> list[str]:
    """gunicorn on the node's address: sync workers, the app without a scheduler."""
    return [sys.executable, "-m", "gunicorn", "--bind", f"{node.address}:{region_load.PORT}",
            "--workers", str(workers), "--worker-class", "sync", "--timeout", "30",
            "--log-level", "warning", "web:create_app()"]


def plan(cases: int, begins: datetime, load_s: float) -> list[tuple[datetime, datetime]]:
    """Each case's ``(review due, timer fires)``: spread over the load, the last steps of the
    ladder falling due before it ends."""
    span = load_s - LAST_RUNG_S - 4
    due = [begins + timedelta(seconds=2 + span * n / cases) for n in range(cases)]
    fires = [begins + timedelta(seconds=2 + span * ((n * 7) % cases) / cases)
             for n in range(cases)]
    return list(zip(due, fires))


def wait_ready(folder: Path, limit: float = 90) -> None:
    """Until every web node answers and every scheduler says it runs."""
    deadline = time.monotonic() + limit
    waiting = {n.name for n in WEB + SCHEDULERS}
    while waiting:
        for node in WEB:
            if node.name in waiting and _answers(node):
                waiting.discard(node.name)
        for node in SCHEDULERS:
            if "scheduler running" in (folder / f"{node.name}.log").read_text():
                waiting.discard(node.name)
        if waiting and time.monotonic() > deadline:
            raise SystemExit(f"not up after {limit:.0f} s: {sorted(waiting)} "
                             f"(logs in {folder})")
        time.sleep(0.3)


def _answers(node: Node) -> bool:
    try:
        with urllib.request.urlopen(f"http://{node.address}:{region_load.PORT}/login",
                                    timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def measure(tally, seconds: float) -> dict:
    """The clients' figures over the next ``seconds``."""
    tally.reset()
    time.sleep(seconds)
    return region_load.figures(tally, seconds)


def fault_phase(tally, seconds: float) -> tuple[dict, dict]:
    """Load on all nodes while one web node is killed, then a scheduler, then another web
    node's link is cut for CUT_SECONDS; ``(what was done when, the clients' figures)``."""
    tally.reset()
    began, faults = time.monotonic(), {}

    def at(offset: float) -> float:
        time.sleep(max(0.0, began + offset - time.monotonic()))
        return round(time.monotonic() - began, 1)

    faults["web_node_killed"] = {"node": WEB[2].name, "at_s": at(0.1 * seconds),
                                 "processes": kill_all(WEB[2].netns)}
    faults["scheduler_killed"] = {"node": SCHEDULERS[0].name, "at_s": at(0.2 * seconds),
                                  "processes": kill_all(SCHEDULERS[0].netns)}
    cut = at(0.3 * seconds)
    set_link(WEB[1], up=False)
    restored = at(0.3 * seconds + CUT_SECONDS)
    set_link(WEB[1], up=True)
    faults["link_cut"] = {"node": WEB[1].name, "at_s": cut, "restored_at_s": restored}
    at(seconds)
    return faults, region_load.figures(tally, seconds)


if __name__ == "__main__":
    sys.exit(main())
