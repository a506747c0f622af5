import os
import time
from datetime import date, datetime, timedelta, timezone
from xml.sax.saxutils import escape

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_environment import TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine import clock
from engine.calendar import WorkingCalendar
from engine.errors import ScriptError
from engine.run import ProcessRun
from engine.scripting import (RestrictedEnvironment, ScriptLimits, check_expression, check_script,
                              make_script_engine, render_template)

UTC = timezone.utc
T0 = datetime(2027, 1, 8, 10, tzinfo=UTC)         # a Friday
BOUND = 1.5                                         # seconds any refused script may take

ENV = RestrictedEnvironment()
pytestmark = pytest.mark.usefixtures("script_workers_started")


# -- the environment on its own ------------------------------------------------------------------
def test_evaluate_reads_task_data_and_external_context():
    assert ENV.evaluate("a > 3", {"a": 5}) is True
    assert ENV.evaluate("dmninputexpr >= 7", {}, {"dmninputexpr": 9}) is True
    assert ENV.evaluate("a", {"a": 1}, {"a": 2}) == 1      # task data wins, as in Spiff


def test_typical_script_runs_and_writes_back_plain_variables():
    data = {"agencies": ["Police", "Health", "Education"], "drop": 1}
    ENV.execute(
        "lines = []\n"
        "for i, name in enumerate(agencies, start=1):\n"
        "    lines.append(f'{i}. {name:<10}|')\n"
        "lengths = {a: len(a) for a in agencies if a != 'Health'}\n"
        "counts = {}\n"
        "for a in agencies + ['Police']:\n"
        "    counts[a] = counts.get(a, 0)\n"
        "    counts[a] += 1\n"
        "first, *rest = sorted(agencies)\n"
        "total = sum(x * 2 for x in range(10))\n"
        "helper = lambda x: x + 1\n"
        "bumped = helper(1)\n"
        "when = datetime(2027, 1, 4, tzinfo=timezone.utc) + timedelta(days=1)\n"
        "print('ignored')\n"
        "del drop\n", data)
    assert data["lines"] == ["1. Police    |", "2. Health    |", "3. Education |"]
    assert data["lengths"] == {"Police": 6, "Education": 9}
    assert data["counts"] == {"Police": 2, "Health": 1, "Education": 1}
    assert (data["first"], data["rest"]) == ("Education", ["Health", "Police"])
    assert data["total"] == 90 and data["bumped"] == 2
    assert data["when"] == datetime(2027, 1, 5, tzinfo=UTC)
    assert "helper" not in data and "drop" not in data
    assert not [key for key in data if key.startswith("_")]


def test_task_data_may_shadow_helpers_but_not_guards():
    data = {"date": "2027-01-01", "_getattr_": "data", "__builtins__": "data", "a": 1}
    ENV.execute("seen = date\nreal = a.real", data)
    assert data["seen"] == "2027-01-01" and data["real"] == 1
    assert data["_getattr_"] == "data" and data["__builtins__"] == "data"


def test_compiler_warnings_do_not_escape():
    assert ENV.evaluate("a is 1", {"a": 1}) is True


def test_external_context_clash_is_refused_like_spiff():
    with pytest.raises(ValueError, match="overwrites a predefined"):
        ENV.execute("x = 1", {"score": 1}, {"score": 2})


def test_failed_script_leaves_task_data_untouched():
    data = {"a": 1}
    with pytest.raises(ZeroDivisionError):
        ENV.execute("a = 2\nb = 1 / 0", data)
    assert data == {"a": 1}


def test_clock_helpers_read_the_engine_clock():
    with clock.frozen(datetime(2027, 7, 1, 23, 30, tzinfo=UTC)):   # 00:30 BST on 2 July
        assert ENV.evaluate("now()", {}) == datetime(2027, 7, 1, 23, 30, tzinfo=UTC)
        assert ENV.evaluate("today()", {}) == date(2027, 7, 2)
        assert ENV.evaluate("date.today()", {}) == date(2027, 7, 2)
        assert ENV.evaluate("datetime.now()", {}) == datetime(2027, 7, 2, 0, 30)
        assert ENV.evaluate("datetime.now(timezone.utc)", {}) == datetime(2027, 7, 1, 23, 30,
                                                                          tzinfo=UTC)


def test_working_day_helpers_use_the_injected_calendar():
    env = RestrictedEnvironment(calendar=WorkingCalendar(closures=[date(2027, 1, 11)]))
    with clock.frozen(T0):
        assert env.evaluate("working_days(1)", {}) == "2027-01-12T10:00:00+00:00"
        assert env.evaluate("working_days(2, '2027-01-04T09:00:00+00:00')", {}) == \
            "2027-01-06T09:00:00+00:00"
        assert env.evaluate("working_days_between(date(2027, 1, 8), date(2027, 1, 13))", {}) == 2
        assert env.evaluate("deadline('P15WD')", {}) == "2027-02-01T10:00:00+00:00"
        assert env.evaluate("is_working_day()", {}) is True
        assert env.evaluate("is_working_day(date(2027, 1, 11))", {}) is False


def test_next_round_helper_anchors_a_cycle_to_the_business_or_school_year():
    with clock.frozen(datetime(2027, 11, 17, 15, 0, tzinfo=UTC)):
        assert ENV.evaluate("next_round(3, 4)", {}) == "2028-01-01T09:00:00+00:00"
        assert ENV.evaluate("next_round(12, 9)", {}) == "2028-09-01T08:00:00+00:00"
        assert ENV.evaluate("next_round(12, 4, after='2027-03-31')", {}) == \
            "2027-04-01T08:00:00+00:00"


def test_subscript_augmented_assignment_works_but_attribute_one_is_refused():
    data = {"d": {"n": 1}, "l": [1]}
    ENV.execute("d['n'] += 2\nl[0] *= 5", data)
    assert data["d"] == {"n": 3} and data["l"] == [5]
    assert check_script("x.y += 1")


HOSTILE = [
    ("open('/tmp/lscb_sandbox_probe', 'w').write('x')", "open"),
    ("__import__('os').getcwd()", "__import__"),
    ("import os", "import statements are not allowed"),
    ("from os import path", "import statements are not allowed"),
    ("().__class__.__base__.__subclasses__()", "invalid attribute name"),
    ("x = '{0.__class__}'.format(1)", "format"),
    ("x = '{}'.format_map({})", "format"),
    ("x = getattr(1, 'real')", "getattr"),
    ("x = type(1)", "type"),
    ("x = vars()", "vars"),
    ("x = globals()", "globals"),
    ("x = str.mro()", "mro"),
    ("x = now().tzinfo.clear_cache()", "not available"),
    ("x = iter(int, 1)", "iter"),
    ("x = eval('1')", "Eval calls are not allowed"),
    ("class A:\n    pass", "class definitions are not allowed"),
    ("raise SystemExit", "SystemExit"),
    ("def f():\n    return f.__globals__", "__globals__"),
    ("g = (i for i in [1])\nx = g.gi_frame", "gi_frame"),
    ("while True:\n    pass", "more than 1,000,000 loop iterations"),
    ("while True:\n    x = 1", "more than 1,000,000 loop iterations"),
    ("x = [i for i in range(10**9)]", "range.. of 1,000,000,000 numbers is over the limit"),
    ("x = [i * j for i in range(10**6) for j in range(10**6)]", "loop iterations"),
    ("def g():\n    while True:\n        yield 1\nx = sum(y for y in (z for z in g()))",
     "loop iterations"),
    ("x = 'a' * 10**10", "the result would have 10,000,000,000"),
    ("x = [0] * 10**10", "the result would have 10,000,000,000"),
    ("x = 10**10**10", "the number would have about"),
    ("x = pow(10, 10**10)", "the number would have about"),
    ("x = 1 << 10**10", "the number would have about"),
    ("x = 3 ** 10**6", "the number would have about"),
    ("f = lambda n: n and f(n - 1) + f(n - 1)\nx = f(100)", "loop iterations or calls"),
    ("f = lambda n: f(n + 1)\nx = f(0)", "recursion"),
    ("x = '%10000000000d' % 1", "the result would have"),
    ("x = '%*d' % (10**9, 1)", "'\\*' widths"),
    ("x = f'{1:>10000000000}'", "the result would have"),
    ("n = 10**10\nx = f'{1:>{n}}'", "the result would have"),
    ("x = 'a'.ljust(10**10)", "the result would have"),
    ("x = str.center('a', 10**10)", "the result would have"),
    ("s = 'a' * 10**6\nx = s.replace('', s)", "the result would have"),
    ("s = 'a' * 10**6\nx = s.join(['', ''] * 3)", "the result would have"),
    ("x = (1).to_bytes(10**10, 'big')", "the result would have"),
    ("x = round(5, -10**9)", "round.. to more than 1000 digits"),
    ("x = sum([[1] * 1000] * 1000, [])", "sum.. adds numbers only"),
    ("a = [1]\nwhile True:\n    a += a", "the result would have"),
    ("s = 'ab'\nwhile True:\n    s = s + s", "the result would have"),
    ("x = 'a' * 10**6\n" + "\n".join(f"y{i} = x * 1" for i in range(30)), "built more than"),
    ("while True:\n    try:\n        while True:\n            pass\n    except:\n        pass",
     "loop iterations"),
]


@pytest.mark.parametrize("source, message", HOSTILE, ids=[s for s, _ in HOSTILE])
def test_hostile_script_is_refused_quickly_and_changes_nothing(source, message):
    data = {"a": 1}
    started = time.perf_counter()
    with pytest.raises(Exception, match=message) as caught:
        ENV.execute("marker = 1\n" + source, data)
    assert time.perf_counter() - started < BOUND
    assert data == {"a": 1}
    assert not os.path.exists("/tmp/lscb_sandbox_probe")
    if isinstance(caught.value, ScriptError) and "Script stopped" in str(caught.value):
        assert caught.value.context["line"] >= 2


def test_a_swallowed_stop_still_fails_the_script():
    data = {}
    with pytest.raises(ScriptError, match="loop iterations"):
        ENV.execute("try:\n    while True:\n        pass\nexcept:\n    pass\nafter = 1", data)
    assert data == {}


def test_limits_are_configurable_and_the_clock_limit_holds():
    env = RestrictedEnvironment(limits=ScriptLimits(seconds=0.2, iterations=10**12))
    started = time.perf_counter()
    # Whichever stops it first, the watcher's clock or the worker's CPU-time rlimit (on a loaded
    # machine), the script fails inside the README's promised second.
    with pytest.raises(ScriptError, match=r"longer than 0\.2 s|out of CPU time \(0\.2 s\)"):
        env.execute("x = 0\nwhile True:\n    x = x + 1", {})
    assert time.perf_counter() - started < 1.0


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="memory watch needs Linux")
def test_memory_growth_is_stopped():
    env = RestrictedEnvironment(limits=ScriptLimits(memory_mb=64, seconds=5))
    with pytest.raises(ScriptError, match="more than 64 MB of memory"):
        env.execute("keep = []\nbig = [0] * 10**6\nfor i in range(1000):\n"
                    "    keep.append(list(big))", {})


def test_stop_reports_the_script_line():
    with pytest.raises(ScriptError) as caught:
        ENV.execute("a = 1\nb = 2\nwhile True:\n    pass", {})
    assert caught.value.context["line"] == 4


def test_source_size_is_limited():
    with pytest.raises(ScriptError, match="longer than"):
        ENV.evaluate("1 + " * 30_000 + "1", {})


# -- templates and deploy-time checks ------------------------------------------------------------
ENGINE = make_script_engine()


@pytest.mark.parametrize("text, expected", [
    (None, None),
    ("lisg", "lisg"),
    ("agency-${agency}", "agency-police"),
    ("${agencies}", "police,health"),
    ("${ {'a': 'b'}['a'] }-${agency.upper()}", "b-POLICE"),
    ("${'}'}", "}"),
    ("${missing_ok}", ""),
    ("${when}", "2027-01-05"),
])
def test_render_template(text, expected):
    data = {"agency": "police", "agencies": ["police", "health"], "missing_ok": None,
            "when": date(2027, 1, 5)}
    assert render_template(text, data, ENGINE) == expected


@pytest.mark.parametrize("text, message", [
    ("${nope}", r"cannot evaluate \$\{nope\}: name 'nope' is not defined"),
    ("x-${__import__('os')}", "__import__"),
    ("${'a' * 10**10}", "the result would have"),
    ("${agency", "unterminated"),
])
def test_render_template_errors_name_the_expression(text, message):
    with pytest.raises(ScriptError, match=message):
        render_template(text, {"agency": "police"}, ENGINE)


def test_check_expression_and_script_report_lines():
    assert check_expression("pathway == 'SCR'") == []
    assert check_script("x = [a for a in range(3)]\ny = f'{x}'") == []
    [(line, message)] = check_expression("pathway == 'SCR")
    assert line == 1 and "syntax error" in message
    assert check_script("a = 1\nb = = 2")[0][0] == 2
    problems = check_script("a = 1\nx = __import__('os')\nimport sys")
    assert [line for line, _ in problems] == [2, 3]
    assert "starts with \"_\"" in problems[0][1] and "import" in problems[1][1]
    assert check_expression("x.__class__")[0][0] == 1


# -- inside a real SpiffWorkflow process ---------------------------------------------------------
NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')

DEMO_BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="defs" targetNamespace="http://lscb.test">
  <bpmn:process id="demo" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="prepare">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>summary = [f"{{i}}: {{a}}" for i, a in enumerate(agencies, 1)]
by_agency = {{}}
for a in agencies:
    by_agency[a] = {{"asked": True}}
score = len(agencies) * 3</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:businessRuleTask id="route">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>pathway_decision</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:exclusiveGateway id="gw" default="f_other">
      <bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f_scr</bpmn:outgoing><bpmn:outgoing>f_other</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:incoming>f_scr</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:timerEventDefinition id="wait_timer">
        <bpmn:timeDate>working_days(1)</bpmn:timeDate>
      </bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end_scr"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="end_other"><bpmn:incoming>f_other</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare"/>
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="route"/>
    <bpmn:sequenceFlow id="f3" sourceRef="route" targetRef="gw"/>
    <bpmn:sequenceFlow id="f_scr" sourceRef="gw" targetRef="wait">
      <bpmn:conditionExpression>pathway == 'SCR'</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_other" sourceRef="gw" targetRef="end_other"/>
    <bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="end_scr"/>
  </bpmn:process>
</bpmn:definitions>"""

DMN = """<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="dmn" name="D"
             namespace="http://lscb.test">
  <decision id="pathway_decision" name="Pathway">
    <decisionTable id="table" hitPolicy="UNIQUE">
      <input id="in_score" label="Score">
        <inputExpression id="in_score_expr" typeRef="integer"><text>score</text></inputExpression>
      </input>
      <output id="out_pathway" label="Pathway" name="pathway" typeRef="string"/>
      <rule id="r1">
        <inputEntry id="r1_in"><text>&gt;= 7</text></inputEntry>
        <outputEntry id="r1_out"><text>{high}</text></outputEntry>
      </rule>
      <rule id="r2">
        <inputEntry id="r2_in"><text>&lt; 7</text></inputEntry>
        <outputEntry id="r2_out"><text>"MACR"</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
</definitions>"""


def linear_bpmn(*nodes: str) -> str:
    """A process start -> nodes... -> end; each node is (tag, id, extensions, tail xml)."""
    ids = ["start"] + [node[1] for node in nodes] + ["end"]
    body = ['<bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>']
    for index, (tag, ident, extensions, tail) in enumerate(nodes):
        body.append(f'<bpmn:{tag} id="{ident}">{extensions}<bpmn:incoming>f{index}</bpmn:incoming>'
                    f'<bpmn:outgoing>f{index + 1}</bpmn:outgoing>{tail}</bpmn:{tag}>')
    body.append(f'<bpmn:endEvent id="end"><bpmn:incoming>f{len(nodes)}</bpmn:incoming>'
                '</bpmn:endEvent>')
    body += [f'<bpmn:sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
             for i, (a, b) in enumerate(zip(ids, ids[1:]))]
    return (f'<bpmn:definitions {NS} id="defs" targetNamespace="http://lscb.test">'
            f'<bpmn:process id="linear" isExecutable="true">{"".join(body)}</bpmn:process>'
            '</bpmn:definitions>')


def script_node(ident: str, script: str):
    return ("scriptTask", ident, "", f"<bpmn:script>{escape(script)}</bpmn:script>")


def workflow(bpmn: str, process_id: str, process_engine, dmn: str | None = None, data=None):
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_xml(etree.fromstring(bpmn.encode()), filename=f"{process_id}.bpmn")
    if dmn:
        parser.add_dmn_xml(etree.fromstring(dmn.encode()), filename="decision.dmn")
    wf = BpmnWorkflow(parser.get_spec(process_id), parser.get_subprocess_specs(process_id),
                      script_engine=process_engine)
    wf.get_tasks(state=TaskState.READY)[0].data.update(data or {})
    return wf


@pytest.fixture(autouse=True, scope="module")
def clock_installed():
    clock.install()


@pytest.mark.parametrize("agencies, pathway", [(["Police", "Health", "Education"], "SCR"),
                                               (["Police"], "MACR")])
def test_script_dmn_gateway_and_timer_run_in_the_sandbox(agencies, pathway):
    wf = workflow(DEMO_BPMN, "demo", ENGINE, DMN.format(high='"SCR"'), {"agencies": agencies})
    with clock.frozen(T0):
        wf.do_engine_steps()
    if pathway == "MACR":
        assert wf.is_completed() and wf.data["pathway"] == "MACR"
        return
    [(_, kind, due)] = [(e.name, e.event_type, e.value) for e in wf.waiting_events()]
    assert due == "2027-01-11T10:00:00+00:00"           # Friday + 1 working day
    with clock.frozen(T0 + timedelta(days=2)):
        wf.refresh_timers()
        wf.do_engine_steps()
    assert not wf.is_completed()
    with clock.frozen(T0 + timedelta(days=3, hours=1)):
        wf.refresh_timers()
        wf.do_engine_steps()
    assert wf.is_completed()
    assert wf.data["summary"] == ["1: Police", "2: Health", "3: Education"]
    assert wf.data["by_agency"]["Health"] == {"asked": True}
    assert wf.data["pathway"] == "SCR"


def test_hostile_dmn_cell_is_refused():
    wf = workflow(DEMO_BPMN, "demo", ENGINE, DMN.format(high="'x' * 10**10"),
                  {"agencies": ["a", "b", "c"]})
    with pytest.raises(WorkflowTaskException) as caught:
        wf.do_engine_steps()
    assert "the result would have 10,000,000,000" in str(caught.value)


def test_hostile_gateway_condition_is_refused():
    bpmn = DEMO_BPMN.replace("pathway == 'SCR'", "__import__('os').getcwd() != ''")
    wf = workflow(bpmn, "demo", ENGINE, DMN.format(high='"SCR"'), {"agencies": ["a", "b", "c"]})
    with pytest.raises(WorkflowTaskException) as caught:
        wf.do_engine_steps()
    assert "Error evaluating expression" in str(caught.value)
    assert "__import__" in str(caught.value)


IN_PROCESS = [
    ("open({path!r}, 'w').write('owned')", "name 'open' is not defined"),
    ("x = __import__('os').getcwd()", "invalid variable name"),
    ("x = ().__class__.__base__.__subclasses__()", "invalid attribute name"),
    ("x = '{{0.__class__}}'.format(1)", "format"),
    ("while True:\n    pass", "loop iterations"),
    ("x = [i for i in range(10**9)]", "over the limit"),
    ("x = [i for i in range(10**5) for j in range(10**5)]", "loop iterations"),
    ("x = 10**10**10", "the number would have"),
]


@pytest.mark.parametrize("script, message", IN_PROCESS, ids=[s for s, _ in IN_PROCESS])
def test_hostile_script_task_is_refused_in_a_process(script, message, tmp_path):
    path = str(tmp_path / "owned.txt")
    source = "marker = 1\n" + script.format(path=path)
    wf = workflow(linear_bpmn(script_node("hostile", source)), "linear", ENGINE)
    started = time.perf_counter()
    with pytest.raises(WorkflowTaskException) as caught:
        wf.do_engine_steps()
    assert time.perf_counter() - started < BOUND
    assert message in str(caught.value)
    [task] = wf.get_tasks(state=TaskState.ERROR)
    assert "marker" not in task.data
    assert not os.path.exists(path)


def test_process_error_carries_the_script_line():
    wf = workflow(linear_bpmn(script_node("loop", "a = 1\nwhile True:\n    a = 2")), "linear",
                  ENGINE)
    with pytest.raises(WorkflowTaskException) as caught:
        wf.do_engine_steps()
    assert caught.value.line_number == 3 and caught.value.error_line == "    a = 2"
    assert caught.value.task.task_spec.bpmn_id == "loop"


def test_process_syntax_error_carries_the_line():
    wf = workflow(linear_bpmn(script_node("bad", "a = 1\nb = = 2")), "linear", ENGINE)
    with pytest.raises(WorkflowTaskException) as caught:
        wf.do_engine_steps()
    assert caught.value.line_number == 2


def service_node(operation: str):
    extensions = (
        '<bpmn:extensionElements>'
        f'<spiffworkflow:serviceTaskOperator id="{operation}" resultVariable="notify_result">'
        '<spiffworkflow:parameters>'
        '<spiffworkflow:parameter id="to" type="str" value="agency.upper()"/>'
        '</spiffworkflow:parameters></spiffworkflow:serviceTaskOperator>'
        '</bpmn:extensionElements>')
    return ("serviceTask", "send", extensions, "")


def test_service_task_calls_a_registered_service():
    process_engine = make_script_engine(services={"notify": lambda to: {"sent_to": to}})
    wf = workflow(linear_bpmn(service_node("notify")), "linear", process_engine, data={"agency": "police"})
    wf.do_engine_steps()
    assert wf.is_completed() and wf.data["notify_result"] == {"sent_to": "POLICE"}


def test_unknown_service_operation_is_a_clear_error():
    wf = workflow(linear_bpmn(service_node("fax")), "linear", ENGINE, data={"agency": "police"})
    with pytest.raises(WorkflowTaskException, match="unknown service operation 'fax'"):
        wf.do_engine_steps()


SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def test_deserialized_workflow_must_be_reattached(tmp_path):
    path = tmp_path / "owned.txt"
    bpmn = linear_bpmn(("userTask", "review", "", ""),
                       script_node("after", f"done = 1\nwith open({str(path)!r}, 'w') as f:\n"
                                            "    f.write('x')"))
    wf = workflow(bpmn, "linear", ENGINE)
    wf.do_engine_steps()
    saved = SERIALIZER.serialize_json(wf)

    # The trap: the engine is not serialized, so a reload runs Spiff's unrestricted default.
    loaded = SERIALIZER.deserialize_json(saved)
    assert isinstance(loaded.script_engine.environment, TaskDataEnvironment)
    loaded.get_tasks(state=TaskState.READY, manual=True)[0].run()
    loaded.do_engine_steps()
    assert path.exists()
    path.unlink()

    loaded = ProcessRun(SERIALIZER.deserialize_json(saved), ENGINE, calendar=None).workflow
    assert loaded.script_engine is ENGINE
    loaded.get_tasks(state=TaskState.READY, manual=True)[0].run()
    with pytest.raises(WorkflowTaskException, match="name 'open' is not defined"):
        loaded.do_engine_steps()
    assert not path.exists()


def test_strftime_works_but_scripts_still_cannot_import():
    from engine.scripting import check_script, make_script_engine
    env = make_script_engine().environment
    context = {}
    env.execute("label = now().strftime('%d %B %Y')\nparsed = datetime.strptime('2027-01-02', '%Y-%m-%d').year", context)
    assert context["parsed"] == 2027 and len(context["label"]) > 8
    assert check_script("x = __import__('os')")
    assert check_script("import time")


def test_a_task_id_the_run_does_not_hold_is_not_found_not_a_spiff_error():
    from uuid import uuid4

    from engine.errors import NotFound
    run = ProcessRun(workflow(linear_bpmn(("userTask", "review", "", "")), "linear", ENGINE), ENGINE,
                     calendar=None)
    with pytest.raises(NotFound):
        run.task(str(uuid4()))
    assert run.fired([type("Timer", (), {"task_id": str(uuid4())})()]) == []
