"""Hostile diagrams through the whole engine: refused at deploy, or stopped at run, never run."""
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import DefinitionError, ScriptError, people
from models import Definition, ProcessInstance

DATA = Path(__file__).parent / "data"
TWO_LANE = (DATA / "engine/two_lane.bpmn").read_text()
pytestmark = pytest.mark.usefixtures("script_workers_started")


@pytest.mark.parametrize("old, new, element, message", [
    ("route == 'scr'", "__import__('os').system('touch /tmp/lscb-pwned')", "f_scr", "__import__"),
    ("route == 'scr'", "route.__class__.__subclasses__()", "f_scr", "__subclasses__"),
    ("route == 'scr'", "route == 'scr", "f_scr", "unterminated"),
])
def test_hostile_expressions_are_refused_at_deploy(sessions, process_engine, old, new, element, message):
    source = TWO_LANE.replace(old, new)
    with sessions.begin() as s:
        for slug in ("intake", "lscb-chair"):
            people.add_group(s, slug)
    with pytest.raises(DefinitionError) as err, sessions.begin() as s:
        process_engine.deploy(s, {"two_lane.bpmn": source.encode()}, "mallory")
    problem = err.value.problems[0]
    assert problem.element_id == element and message in problem.message
    assert problem.line == next(i for i, l in enumerate(source.splitlines(), 1) if new in l)
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Definition)) == 0
    assert not Path("/tmp/lscb-pwned").exists()


RUNAWAY = (DATA / "engine/runaway.bpmn").read_text()
SPIN = """n = 0
while True:
    n += 1"""


@pytest.mark.parametrize("script", [
    SPIN,
    "x = [i for i in range(10 ** 12)]",
    "x = 'a' * 10 ** 10",
    "x = 10 ** 10 ** 10",
    "x = '{0.__class__}'.format(1)",
    "f = lambda g: g(g)\nf(f)",
    "x = open('/tmp/lscb-pwned', 'w')",
])
def test_a_hostile_or_runaway_script_is_stopped_and_nothing_is_written(
        sessions, process_engine, people_factory, script):
    with sessions.begin() as s:
        process_engine.deploy(s, {"runaway.bpmn": RUNAWAY.replace(SPIN, script).encode()}, "mallory")
    actor = people_factory("sys", roles=["admin"])
    started = time.monotonic()
    with pytest.raises(ScriptError) as err, sessions.begin() as s:
        process_engine.start(s, "runaway", actor)
    assert time.monotonic() - started < 3
    assert err.value.context.get("element_id") == "spin"
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(ProcessInstance)) == 0
    assert not Path("/tmp/lscb-pwned").exists()
