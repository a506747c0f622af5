"""Hard limits for diagram code: single C-level calls that build huge values or run for long are
stopped by the worker process's CPU and memory limits (issue 16 point 2)."""
import os
import pickle
import resource
import time
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import clock, script_workers
from engine.actors import load_actor
from engine.calendar import WorkingCalendar
from engine.dryrun import dry_run
from engine.errors import ScriptError
from engine.scripting import RestrictedEnvironment, ScriptLimits
from engine.trivial import is_trivial
from models import ProcessInstance

UTC = timezone.utc
AMPLIFY = {"amplify.bpmn": (Path(__file__).parent / "data/engine/amplify.bpmn").read_bytes()}
ATTACKS = {
    "repr": "len(repr([list(range(10**6))]*60))",
    "punycode": "len(''.join(map(chr, range(256, 12256))).encode('punycode'))",
    "str": "len(str([[list(range(1000))]*1000]*1000))",
}
# limits that the in-process checks never reach, so only the worker's hard limits remain
PERMISSIVE = ScriptLimits(max_length=10**12, allocation=10**13, max_int_bits=10**10)
BOUND = 5.0                             # seconds, generous for a loaded machine
pytestmark = pytest.mark.usefixtures("script_workers_started")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stopped(env, source, data=None):
    data = {"a": 1} if data is None else data
    before, started = peak_rss_mb(), time.monotonic()
    with pytest.raises(ScriptError, match="Script stopped") as caught:
        env.execute("marker = 1\nsize = " + source, data)
    return caught.value, time.monotonic() - started, peak_rss_mb() - before


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_the_reported_attacks_stop_within_seconds_without_growing_the_server(attack):
    data = {"a": 1}
    error, elapsed, grown = stopped(RestrictedEnvironment(), ATTACKS[attack], data)
    assert elapsed < BOUND and grown < 100
    assert data == {"a": 1}


def test_a_single_call_past_the_memory_limit_is_stopped_by_the_worker():
    error, elapsed, grown = stopped(RestrictedEnvironment(limits=PERMISSIVE),
                                    "len('a' * (300 * 2**20))")
    assert "used more than 256 MB" in error.message
    assert elapsed < BOUND and grown < 100


def test_a_single_call_past_the_cpu_limit_is_stopped_by_the_worker():
    error, elapsed, grown = stopped(RestrictedEnvironment(limits=PERMISSIVE), "7 ** 10**7 > 0")
    assert "ran out of CPU time (1 s)" in error.message or "ran longer than 1 s" in error.message
    assert elapsed < BOUND + 1


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_the_attacks_are_stopped_before_the_worker_limits_by_the_in_process_checks(attack):
    env = RestrictedEnvironment(workers=False)
    started = time.monotonic()
    with pytest.raises(ScriptError, match="Script stopped: (the result would have|the codec)"):
        env.evaluate(ATTACKS[attack], {})
    assert time.monotonic() - started < BOUND


def test_a_breached_worker_is_replaced_and_the_next_evaluation_works():
    env = RestrictedEnvironment(limits=PERMISSIVE)
    env.evaluate("[n for n in a]", {"a": [1]})
    before = set(script_workers.worker_pids())
    stopped(env, "len('a' * (300 * 2**20))")
    after = set(script_workers.worker_pids())
    assert len(after) == len(before) and after != before
    assert env.evaluate("[n * 2 for n in a]", {"a": [1, 2]}) == [2, 4]


def test_values_that_share_parts_are_sized_as_they_would_be_stored():
    too_big = "would be stored as more than 20,000,000 items or characters"
    with pytest.raises(ScriptError, match=too_big + r" \(at variable 'x'\)"):
        RestrictedEnvironment().execute("x = [[list(range(1000))] * 100] * 300", {})
    data = {"log": ["entry"]}
    with pytest.raises(ScriptError, match=too_big + r" \(at variable 'log'\)"):
        RestrictedEnvironment().execute("log.append([[list(range(1000))] * 100] * 300)", data)
    doubling = "a = [1]\n" + "\n".join("a = [a, a]" for _ in range(25))
    assert is_trivial(doubling, "exec")
    with pytest.raises(ScriptError, match=too_big):
        RestrictedEnvironment().execute(doubling, {})
    parts = "x = [list(range(10**5))] * 80\n" + "\n".join(f"y{i} = x" for i in range(3))
    with pytest.raises(ScriptError, match=too_big):
        RestrictedEnvironment().execute(parts, {})


def test_a_trivial_script_repeating_parts_is_checked_by_its_distinct_parts():
    doubling = "a = [1]\n" + "\n".join("a = [a, a]" for _ in range(22))   # 12.6 million written
    assert is_trivial(doubling, "exec")
    data = {}
    started = time.monotonic()
    RestrictedEnvironment().execute(doubling, data)
    assert time.monotonic() - started < 1
    leaf = data["a"]
    for _ in range(22):
        leaf = leaf[1]
    assert leaf == [1]


def test_worker_evaluations_see_the_engine_clock_the_calendar_and_task_data():
    env = RestrictedEnvironment(calendar=WorkingCalendar(closures=[date(2027, 1, 11)]))
    data = {"items": ["a", "b"], "when": date(2027, 1, 8)}
    with clock.frozen(datetime(2027, 1, 8, 10, tzinfo=UTC)):
        env.execute("seen = [now() for _ in items]\n"
                    "due = [working_days(1) for _ in items][0]\n"
                    "local = [datetime.now() for _ in items][0]\n"
                    "items.append('c')\n"
                    "del when", data)
    assert data["seen"] == [datetime(2027, 1, 8, 10, tzinfo=UTC)] * 2
    assert data["due"] == "2027-01-12T10:00:00+00:00"       # 11 January is a closure day
    assert data["local"] == datetime(2027, 1, 8, 10)
    assert data["items"] == ["a", "b", "c"] and "when" not in data


def test_worker_errors_keep_their_class_arguments_and_line():
    env = RestrictedEnvironment()
    data = {"a": [1]}
    with pytest.raises(ZeroDivisionError) as caught:
        env.execute("b = [n for n in a]\nc = 1 / 0", data)
    assert caught.value.script_line == 2 and data == {"a": [1]}
    with pytest.raises(KeyError) as caught:
        env.evaluate("[n for n in a][0] and {}['missing']", data)
    assert caught.value.args == ("missing",)
    with pytest.raises(ScriptError, match="cannot be used outside the expression"):
        env.evaluate("(n for n in a)", data)


def _in_a_fresh_child(work):
    """``work()``'s answer, run in a forked child (which has no workers of its own yet)."""
    read, write = os.pipe()
    child = os.fork()
    if child == 0:                                  # pragma: no cover - runs in the child
        try:
            answer = work()
        except BaseException as exc:
            answer = repr(exc)
        os.write(write, pickle.dumps(answer))
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as answers:
        answer = pickle.loads(answers.read())
    os.waitpid(child, 0)
    return answer


def test_a_forked_child_starts_its_own_workers_and_leaves_the_parents_alone():
    env = RestrictedEnvironment()
    assert env.evaluate("[n for n in a]", {"a": [1]}) == [1]
    parents = set(script_workers.worker_pids())
    value, child_workers = _in_a_fresh_child(
        lambda: (env.evaluate("[n + 1 for n in a]", {"a": [1]}), script_workers.worker_pids()))
    assert value == [2] and not parents & set(child_workers)
    assert set(script_workers.worker_pids()) == parents
    assert env.evaluate("[n + 2 for n in a]", {"a": [1]}) == [3]


@pytest.mark.parametrize("source, mode, trivial", [
    ("route == 'scr'", "eval", True),
    ("child_age_at_death < 18 and stillbirth_or_planned_termination == False", "eval", True),
    ("route in ('scr', 'rapid_review')", "eval", True),
    ("'IMR-' + now().isoformat()", "eval", True),
    ("deadline('P15WD')", "eval", True),
    ("source_pathway = 'P4'", "exec", True),
    ("reminder = {'task': 'x', 'sent_at': now().isoformat()}", "exec", True),
    ("try:\n    case_ref\nexcept NameError:\n    case_ref = 'S11-' + now().isoformat()", "exec", True),
    ("str(x)", "eval", False),
    ("repr(x)", "eval", False),
    ("f'{x}'", "eval", False),
    ("x * 1000", "eval", False),
    ("'%s' % x", "eval", False),
    ("x.encode('punycode')", "eval", False),
    ("','.join(x)", "eval", False),
    ("working_days(15, start=received_on)", "eval", True),
    (" + ".join(["deadline(x)"] * 5), "eval", False),
    ("[a for a in x]", "eval", False),
    ("while True:\n    pass", "exec", False),
    ("f = lambda: 1", "exec", False),
    (" + ".join(["x"] * 200), "eval", False),
])
def test_only_code_that_cannot_amplify_runs_in_process(source, mode, trivial):
    assert is_trivial(source, mode) is trivial


@pytest.fixture
def amplify(sessions, process_engine, people_factory):
    people_factory("ann", groups=["intake"])
    with sessions.begin() as s:
        process_engine.deploy(s, AMPLIFY, "owner")


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_attack_in_a_script_task_becomes_an_incident_naming_the_step(
        sessions, process_engine, amplify, attack):
    with sessions.begin() as s:
        record = process_engine.start(s, "amplify", load_actor(s, "ann"))
    started = time.monotonic()
    with sessions.begin() as s:
        process_engine.complete(s, record.tasks[0].id, load_actor(s, "ann"), {"attack": attack})
    assert time.monotonic() - started < BOUND
    with sessions() as s:
        row = s.get(ProcessInstance, record.id)
        assert row.status == "incident"
        assert row.error["element_id"] == "amplify_step" and "Script stopped" in row.error["message"]


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_attack_stops_a_dry_run_naming_the_step(attack):
    started = time.monotonic()
    result = dry_run(AMPLIFY, "amplify", answers={"enter": {"attack": attack}})
    assert time.monotonic() - started < BOUND
    assert result.outcome.startswith("stopped") and "amplify_step" in result.outcome
    assert "Script stopped" in result.outcome


def test_a_harmless_answer_runs_the_same_script_to_the_next_task(
        sessions, process_engine, amplify):
    with sessions.begin() as s:
        record = process_engine.start(s, "amplify", load_actor(s, "ann"))
        done = process_engine.complete(s, record.tasks[0].id, load_actor(s, "ann"),
                                       {"attack": "none"})
    assert done.status == "active" and done.data["size"] == 4
    with sessions() as s:
        assert s.scalars(select(ProcessInstance.status)).all() == ["active"]


PLACES = {"condition": "choose", "timer": "wait", "collection": "each", "assignment": "assigned",
          "decision": "decide", "message": "send"}


@pytest.mark.parametrize("place", sorted(PLACES))
def test_an_attack_wherever_diagram_code_runs_becomes_an_incident_naming_the_element(
        sessions, process_engine, deploy, people_factory, place):
    """The reported attack in a gateway condition, a timer expression, a multi-instance
    collection, ${...} in an assignment, a DMN cell and a message payload (one tiny diagram
    each, tests/data/engine/limits_*): stopped, the case an incident naming the element, within
    seconds and without growing the server."""
    people_factory("ann", groups=["intake"])
    deploy(f"engine/limits_{place}.bpmn", *(["engine/limits_decision.dmn"] if place == "decision" else []))
    with sessions.begin() as s:
        record = process_engine.start(s, f"limits_{place}", load_actor(s, "ann"))
    before, started = peak_rss_mb(), time.monotonic()
    with sessions.begin() as s:
        process_engine.complete(s, record.tasks[0].id, load_actor(s, "ann"), {})
    assert time.monotonic() - started < BOUND and peak_rss_mb() - before < 100
    with sessions() as s:
        row = s.get(ProcessInstance, record.id)
        assert row.status == "incident", row.error
        assert row.error["element_id"] == PLACES[place], row.error
        assert "Script stopped" in row.error["message"], row.error


def test_code_in_a_multi_instance_collection_is_refused_at_deploy(sessions, process_engine):
    """camunda:collection names a variable, so no code runs there (the count above can)."""
    from engine.errors import DefinitionError
    xml = (Path(__file__).parent / "data/engine/mi_agencies.bpmn").read_text().replace(
        'camunda:collection="agencies"', 'camunda:collection="agencies * 10**6"')
    with sessions.begin() as s, pytest.raises(DefinitionError, match="must name a process variable"):
        process_engine.deploy(s, {"mi_agencies.bpmn": xml.encode()}, "owner")


def test_a_served_app_starts_its_workers_before_the_first_script():
    """A fresh interpreter importing the engine takes seconds (7-9 s on a loaded machine): a
    served app starts its workers as it is built, so no reviewer's request waits for them. A
    test app does not unless asked (a suite builds hundreds)."""
    from web import create_app

    def build(config):
        def work():
            before = script_workers.worker_pids()
            create_app({"TESTING": True, "GC_FREEZE": False, **config})
            return before, script_workers.worker_pids()
        return work

    before, after = _in_a_fresh_child(build({"WARM_SCRIPT_WORKERS": True}))
    assert before == [] and len(after) == script_workers.POOL_SIZE
    assert _in_a_fresh_child(build({})) == ([], [])


def test_warm_workers_answer_the_first_evaluation():
    def work():
        script_workers.warm()
        script_workers.warm()                       # once is enough: no more are started
        pids = script_workers.worker_pids()
        return pids, RestrictedEnvironment().evaluate("[n for n in a]", {"a": [4]})
    pids, value = _in_a_fresh_child(work)
    assert len(pids) == script_workers.POOL_SIZE and value == [4]
