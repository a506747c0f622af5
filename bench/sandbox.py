"""Sandbox benchmark: the cost of one evaluation of diagram code, in-process and in a worker.

    python bench/sandbox.py [--quick]

Measures, per evaluation, over ``ROUNDS`` rounds of ``N`` evaluations each (after a warm-up that
starts the worker processes and compiles each text once):
- ``trivial``: a gateway condition (``route == 'scr' and score > 3``), in-process under the
  budget (``engine/trivial.py``);
- ``template``: a ``${...}`` literal group, in-process;
- ``script_worker``: a typical shipped-library script (a comprehension over the agencies, a
  deadline), run in a worker process with hard CPU and memory limits;
- ``script_in_process``: the same script with ``workers=False`` (what it cost before the
  workers; the difference is the price of the hard limits);
- ``breach_s``: wall time of one evaluation stopped by the worker's memory limit, replacement
  of the worker included.
Prints min / median / max microseconds per evaluation (of the round means), then one JSON object
as its last line.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.errors import ScriptError  # noqa: E402
from engine.scripting import (RestrictedEnvironment, ScriptLimits,  # noqa: E402
                              make_script_engine, render_template)

ROUNDS = 5
DATA = {"route": "scr", "score": 4, "agency": "police",
        "agencies_involved": "Police, Health, Education, Children's Social Care",
        "received_on": "2027-01-04T09:00:00+00:00", "case_ref": "SCR-2027-001"}
CONDITION = "route == 'scr' and score > 3"
TEMPLATE = "agency-${agency}"
SCRIPT = ("agencies = [a.strip().lower() for a in str(agencies_involved).split(',') if a.strip()]\n"
          "due = working_days(15, start=received_on)\n"
          "reminder = {'task': 'rapid_review', 'sent_at': now().isoformat()}")


def per_evaluation_us(action, count: int) -> list[float]:
    """Mean microseconds per call of ``action`` in each of ``ROUNDS`` rounds."""
    means = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(count):
            action()
        means.append((time.perf_counter() - started) / count * 1e6)
    return means


def breach_seconds(env: RestrictedEnvironment) -> float:
    """Wall time of one evaluation stopped by the worker's address-space limit."""
    started = time.perf_counter()
    try:
        env.evaluate("len('a' * (300 * 2**20))", {})
    except ScriptError:
        return time.perf_counter() - started
    raise AssertionError("the worker's memory limit did not stop the evaluation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    count = 200 if parser.parse_args().quick else 1000
    env, local = RestrictedEnvironment(), RestrictedEnvironment(workers=False)
    script_engine = make_script_engine()
    cases = {
        "trivial": lambda: env.evaluate(CONDITION, DATA),
        "template": lambda: render_template(TEMPLATE, DATA, script_engine),
        "script_worker": lambda: env.execute(SCRIPT, dict(DATA)),
        "script_in_process": lambda: local.execute(SCRIPT, dict(DATA)),
    }
    for action in cases.values():                 # warm-up: workers started, texts compiled
        action()
    figures = {}
    for name, action in cases.items():
        rounds = per_evaluation_us(action, count)
        figures[name] = {"min_us": round(min(rounds), 1),
                         "median_us": round(statistics.median(rounds), 1),
                         "max_us": round(max(rounds), 1)}
        print(f"{name:18} min {min(rounds):9.1f}  median {statistics.median(rounds):9.1f}  "
              f"max {max(rounds):9.1f} us per evaluation ({ROUNDS} x {count})")
    breach = breach_seconds(RestrictedEnvironment(limits=ScriptLimits(
        max_length=10**12, allocation=10**13)))
    print(f"breach of the 256 MB limit, worker replaced: {breach:.2f} s")
    print(json.dumps({**figures, "breach_s": round(breach, 2)}))


if __name__ == "__main__":
    main()
