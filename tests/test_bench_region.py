"""The region drill (bench/region.py --quick) as a test: it needs root, ``ip netns`` and the
PostgreSQL 15 binaries, and skips naming what is missing. It runs its own cluster, so it runs
once: in the SQLite pass of scripts/test, not again in the PostgreSQL one."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUSY = 75          # bench/region.py's exit status when another drill holds the lock


def why_not() -> str | None:
    if os.environ.get("LSCB_TEST_DB") == "postgres":
        return "the region drill runs its own PostgreSQL cluster: it runs in the SQLite pass"
    from bench.region import cannot_run
    return cannot_run()


pytestmark = [pytest.mark.slow, pytest.mark.skipif(bool(why_not()), reason=why_not() or "")]


def test_a_region_through_a_lost_node_a_lost_scheduler_and_a_cut_link_loses_nothing():
    done = subprocess.run([sys.executable, "bench/region.py", "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    if done.returncode == BUSY:
        pytest.skip(done.stderr.strip())
    output = done.stdout + done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["ok"] and result["failed"] == [], output[-4000:]
    assert done.returncode == 0
    for check in ("acknowledged_not_in_database", "acknowledged_twice", "tasks_completed_twice",
                  "timers_late", "timers_lost", "timers_fired_twice", "escalations_sent_twice",
                  "escalations_not_matching_level", "escalation_notifications_wrong",
                  "escalation_emails_wrong", "deadline_steps_late", "stuck_cases", "incidents",
                  "cases_without_start_event", "tasks_without_created_event",
                  "completions_without_event", "completion_events_without_completion"):
        assert result[check] == 0, check
    # the drill did what it says: work done through every fault, on 1, 2 and 3 nodes
    assert result["completions_acknowledged"] > 0 and result["timers_fired"] > 0
    assert result["escalations_sent"] > 0 and result["reminders_sent"] > 0
    assert result["under_faults"]["completions"] > 0 and result["under_faults"]["failovers"] > 0
    assert all(result["throughput"][n]["requests"] > 0 for n in ("1", "2", "3"))
    assert result["faults"]["web_node_killed"]["processes"] > 0
    assert result["faults"]["scheduler_killed"]["processes"] > 0
    assert "lscbr-" not in subprocess.run(["ip", "netns", "list"], capture_output=True,
                                          text=True).stdout
    assert not list(Path("/tmp").glob("lscb-region-*"))
