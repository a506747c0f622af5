"""The process library in workflows/: every file deploys, and each pathway's branches run
through the engine's public API as the real groups would, with controlled time."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import os
import re
import shutil

import pytest
from lxml import etree
from sqlalchemy import select

import models
from conftest import _drop_postgres, _fresh_postgres
from engine import Actor, FormInvalid, NotAllowed, ProcessEngine, deployment, people
from engine.actors import load_actor
from engine.calendar import WorkingCalendar
from engine.consistency import stuck_instance_ids
from engine.definitions import parse_definitions, read_paths
from engine.timers import fire_due_timers
from models import ProcessInstance
from models.action_plans import S11_STANDARDS
from models.learning import Review
from models.session import make_engine, make_session_factory

WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)   # a Monday
GROUPS = ["partner-agencies", "police", "health", "education", "childrens-social-care",
          "business-unit", "lisg", "lscb-chair", "board", "independent-reviewer", "cdop", "tpd",
          "comms", "s11-panel", "bf-s11-panel", "school-a", "school-b", "safeguarding-partners",
          "local-authority-partner", "icb-partner", "police-partner", "partnership-chair",
          "independent-scrutineer"]
AGENCIES = {"partner-agencies", "police", "health", "education", "childrens-social-care"}
LANES = {"Partner agencies", "Independent Reviewer", "LSCB Chair", "LISG", "CDOP",
         "LSCB Business Unit", "T&PD Sub-Group", "Comms & Comm Eng Sub-Group",
         "Pan-Berks S11 Sub-Group", "BF S11 Panel", "Schools", "LSCB Board", "Safeguarding Partners",
         "Local Authority Partner", "ICB Partner", "Police Partner", "Partnership Chair",
         "Independent Scrutineer"}


class Library:
    """Drives deployed library processes as the board's groups would."""

    def __init__(self, sessions, process_engine, staff):
        self.sessions, self.process_engine, self.staff = sessions, process_engine, staff
        self.now = T0

    def set_regime(self, regime):
        """The board's regime, set by an admin: new cases take it."""
        with self.sessions.begin() as s:
            self.process_engine.set_board_regime(s, Actor("admin", roles=frozenset({"admin"})), regime)

    def on(self, day: str):
        """Move the clock on to noon of ``day`` (an ISO date) unless it is already later: a date
        a person records may not be in the future."""
        self.now = max(self.now, datetime.fromisoformat(day + "T12:00:00+00:00"))

    def start(self, process_id, group, data=None):
        with self.sessions.begin() as s:
            return self.process_engine.start(s, process_id, self.staff[group], data or {}, now=self.now)

    def show(self, instance_id):
        with self.sessions.begin() as s:
            return self.process_engine.show(s, instance_id)

    def tasks(self, instance_id, bpmn_id=None):
        return [t for t in self.show(instance_id).tasks if bpmn_id in (None, t.bpmn_id)]

    def task(self, instance_id, bpmn_id):
        found = self.tasks(instance_id, bpmn_id)
        assert len(found) == 1, (bpmn_id, [t.bpmn_id for t in self.tasks(instance_id)])
        return found[0]

    def do(self, instance_id, bpmn_id, group, data=None, **more):
        """Complete the one open task ``bpmn_id`` as a member of ``group`` (asserted)."""
        task = self.task(instance_id, bpmn_id)
        return self.complete(task, group, {**(data or {}), **more})

    def complete(self, task, group, data):
        assert task.candidate_groups == [group], (task.bpmn_id, task.candidate_groups)
        fields = {f["id"] for f in task.form.get("fields", [])}
        assert set(data) <= fields, (task.bpmn_id, set(data) - fields)
        with self.sessions.begin() as s:
            record = self.process_engine.complete(s, task.id, self.staff[group], data, now=self.now)
        assert record.error is None, record.error
        return record

    def do_each(self, instance_id, bpmn_id, data_by_group):
        """Complete every instance of a multi-instance task, one per group."""
        tasks = self.tasks(instance_id, bpmn_id)
        assert sorted(g for t in tasks for g in t.candidate_groups) == sorted(data_by_group)
        for task in tasks:
            group = task.candidate_groups[0]
            self.complete(task, group, data_by_group[group])
        return self.show(instance_id)

    def ids(self, instance_id):
        return sorted(t.bpmn_id for t in self.tasks(instance_id))

    def instances(self, process_id):
        with self.sessions.begin() as s:
            rows = s.scalars(select(ProcessInstance).where(ProcessInstance.process_id == process_id)
                             .order_by(ProcessInstance.id)).all()
            return [(r.id, r.status, r.reference) for r in rows]

    def fire(self, at):
        self.now = at
        return fire_due_timers(self.sessions, self.process_engine, at)


def deploy_library(factory, process_engine):
    """Deploy every file in workflows/ and create one user per group."""
    with factory.begin() as s:
        for group in GROUPS:     # first: lint refuses tasks for groups that do not exist
            people.add_group(s, group, kind="agency" if group in AGENCIES else "board")
            people.add_user(s, f"user-{group}", "correct horse battery", groups=[group])
        people.add_user(s, "user-manager", "correct horse battery", groups=["business-unit"],
                        roles=["manager"])        # starts the board's cycles and any pathway
        process_engine.deploy(s, read_paths([WORKFLOWS]), "tester", "library")


@pytest.fixture(scope="module")
def library_template(tmp_path_factory):
    """A SQLite file with the schema, the deployed library and the staff, built once per module."""
    path = tmp_path_factory.mktemp("library") / "library.sqlite3"
    db_engine = make_engine(f"sqlite:///{path}")
    models.Base.metadata.create_all(db_engine)
    deploy_library(make_session_factory(db_engine), ProcessEngine(calendar=WorkingCalendar()))
    db_engine.dispose()
    return path


@pytest.fixture
def db_url(request, tmp_path):
    """As conftest's, but tests using ``lib`` on SQLite start from a copy of the deployed library."""
    wants_pg = os.environ.get("LSCB_TEST_DB") == "postgres"
    if "lib" in request.fixturenames and not wants_pg:
        copy = tmp_path / "library.sqlite3"
        shutil.copyfile(request.getfixturevalue("library_template"), copy)
        yield f"sqlite:///{copy}"
        return
    if wants_pg:
        admin_url = request.getfixturevalue("postgres_admin_url")
        url = _fresh_postgres(admin_url)
        yield url
        _drop_postgres(admin_url, url)
        return
    yield f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def lib(sessions, process_engine, db_url, live_cache, monkeypatch):
    if "library.sqlite3" not in db_url:     # PostgreSQL: deploy into the fresh database
        deploy_library(sessions, process_engine)
    never_stuck(process_engine, monkeypatch)
    with sessions() as s:
        staff = {g: load_actor(s, f"user-{g}") for g in [*GROUPS, "manager"]}
    return Library(sessions, process_engine, staff)


def never_stuck(process_engine, monkeypatch):
    """Fail any save of any pathway that leaves its case stuck: active, with no open task,
    no waiting timer and no message to wait for (the scheduler would report it)."""
    save = process_engine._save

    def checked(session, row, *args, **kwargs):
        saved = save(session, row, *args, **kwargs)
        session.flush()
        assert stuck_instance_ids(session, [row.id]) == [], \
            f"{row.process_id} instance {row.id} is stuck: {process_engine.element_states(session, row.id)}"
        return saved
    monkeypatch.setattr(process_engine, "_save", checked)


INCIDENT_KNOWN = {"case_title": "Infant injury, AB", "agency_aware_on": "2027-02-26"}
CRITERIA_NONE = dict(abuse_or_neglect_suspected=False, child_died=False, seriously_harmed=False,
                     died_in_custody_or_detained_mha=False, looked_after_child=False,
                     died_in_regulated_setting=False, concerns_about_agency_working="none_definitive",
                     learning_potential="none", context_needs_exploring=False, incident_in_bf=True,
                     normally_resident_in_bf=True, incident_outside_england=False,
                     care_leaver_under_25=False)


def notify_incident(lib, **criteria):
    """An agency notifies an incident (P1) involving police and health; returns the instance id."""
    rec = lib.start("p01_incident_notification", "partner-agencies", INCIDENT_KNOWN)
    assert lib.ids(rec.id) == ["take_immediate_action"]
    lib.do(rec.id, "take_immediate_action", "partner-agencies", notifying_agency="police",
           immediate_action="Referred to the MASH; siblings safe", siblings_considered=True,
           referral_to_csc_made=True)
    form = lib.task(rec.id, "notification_form")
    assert {"abuse_or_neglect_suspected", "child_died", "concerns_about_agency_working",
            "la_aware_on", "agencies_involved"} <= {f["id"] for f in form.form["fields"]}
    lib.do(rec.id, "notification_form", "police",
           {**CRITERIA_NONE, **criteria}, child_reference="AB 01/02/2015",
           incident_summary="Child admitted to hospital with injuries", incident_date="2027-02-26",
           la_aware_on="2027-03-01", agencies_involved="police, health")
    lib.do(rec.id, "log_case", "business-unit", received_on="2027-03-01", acknowledgement_sent=True)
    return rec.id


def triage(lib, iid, route, **lisg):
    """Business Unit logs (unless done), agencies summarise, LISG recommends ``route``."""
    if lib.tasks(iid, "log_case"):
        lib.do(iid, "log_case", "business-unit", received_on="2027-03-01", acknowledgement_sent=True)
    lib.do_each(iid, "agency_summary", {
        g: dict(involvement_summary=f"{g} knew the family for two years", chronology_provided=True,
                agency_view_of_concerns="some") for g in ("police", "health")})
    screening = lib.task(iid, "lisg_screening")
    lib.do(iid, "lisg_screening", "lisg", {"lisg_route": route,
                                           "lisg_rationale": "Screened against regulation 5",
                                           "learning_identified": False, **lisg})
    return screening


def test_p1_notifiable_incident_is_logged_then_goes_to_the_la_with_statutory_deadlines(lib):
    rec = lib.start("p01_incident_notification", "partner-agencies", INCIDENT_KNOWN)
    lib.do(rec.id, "take_immediate_action", "partner-agencies", notifying_agency="police",
           immediate_action="Referred to the MASH; siblings safe", siblings_considered=True,
           referral_to_csc_made=True)
    lib.do(rec.id, "notification_form", "police",
           {**CRITERIA_NONE, "abuse_or_neglect_suspected": True, "child_died": True},
           child_reference="AB 01/02/2015", incident_summary="Child admitted to hospital with injuries",
           incident_date="2027-02-26", la_aware_on="2027-03-01", agencies_involved="police, health")
    log = lib.task(rec.id, "log_case")
    assert log.candidate_groups == ["business-unit"] and log.lane == "LSCB Business Unit"
    lib.do(rec.id, "log_case", "business-unit", received_on="2027-03-01", acknowledgement_sent=True)
    iid = rec.id
    assert lib.ids(iid) == ["notify_regulator"]
    notify = lib.task(iid, "notify_regulator")
    assert notify.candidate_groups == ["childrens-social-care"] and notify.lane == "Partner agencies"
    # 5 working days from Monday 1 March 2027 (aware date, 17:00 local)
    assert notify.due_at == datetime(2027, 3, 8, 17, 0, tzinfo=timezone.utc)
    assert lib.show(iid).data["notify_to"] == "Ofsted and the LSCB"
    assert {t.bpmn_id for t in lib.show(iid).timers} >= {"notify_regulator_reminder",
                                                         "notify_regulator_overdue"}


def test_p1_scr_route_criteria_met_goes_to_the_chair_then_the_scr(lib):
    iid = notify_incident(lib, abuse_or_neglect_suspected=True, child_died=True)
    lib.do(iid, "notify_regulator", "childrens-social-care", notified_body="ofsted",
           notification_sent_on="2027-03-01")
    screening = triage(lib, iid, "statutory")
    assert screening.candidate_groups == ["lisg"] and screening.lane == "LISG"
    assert screening.due_at == datetime(2027, 3, 15, 17, 0, tzinfo=timezone.utc)  # 10 WD
    decide = lib.task(iid, "decide_scr")
    assert decide.candidate_groups == ["lscb-chair"] and decide.lane == "LSCB Chair"
    # one month from the notification (1 March), 17:00 London = 16:00 UTC in April
    assert decide.due_at == datetime(2027, 4, 1, 16, 0, tzinfo=timezone.utc)
    lib.do(iid, "decide_scr", "lscb-chair", chair_decision="start_scr",
           chair_rationale="Criteria met: the child died and abuse is suspected",
           alternative_route="then_close")
    assert lib.ids(iid) == ["notify_scr_started"]


def test_p1_chair_decides_no_scr_reports_to_the_panel_and_takes_the_alternative_route(lib):
    iid = notify_incident(lib, abuse_or_neglect_suspected=True, seriously_harmed=True,
                          concerns_about_agency_working="some")
    lib.do(iid, "notify_regulator", "childrens-social-care", notified_body="ofsted",
           notification_sent_on="2027-03-01")
    triage(lib, iid, "statutory")
    lib.do(iid, "decide_scr", "lscb-chair", chair_decision="no_scr",
           chair_rationale="Definitive evidence later showed agencies worked well together",
           alternative_route="then_roundtable")
    report = lib.task(iid, "report_no_scr")
    assert report.candidate_groups == ["lscb-chair"]
    assert report.due_at == T0 + timedelta(days=14)
    lib.do(iid, "report_no_scr", "lscb-chair", panel_informed_on="2027-03-05",
           panel_rationale_sent=True)
    assert lib.ids(iid) == ["set_question"]
    assert lib.task(iid, "set_question").candidate_groups == ["lisg"]


def test_p1_multi_agency_route_starts_a_multi_agency_case_review(lib):
    iid = notify_incident(lib, learning_potential="multi_agency", concerns_about_agency_working="some")
    triage(lib, iid, "macr")
    task = lib.task(iid, "commission_review")
    assert task.candidate_groups == ["lisg"] and task.lane == "LISG"


def test_p1_imr_route_asks_the_named_agency_for_an_imr(lib):
    iid = notify_incident(lib, learning_potential="single_agency", concerns_about_agency_working="limited")
    triage(lib, iid, "imr", imr_agency="health")
    appoint = lib.task(iid, "appoint_author")
    assert appoint.candidate_groups == ["health"] and appoint.lane == "Partner agencies"


def test_p1_roundtable_route(lib):
    iid = notify_incident(lib, context_needs_exploring=True)
    triage(lib, iid, "roundtable")
    assert lib.task(iid, "set_question").candidate_groups == ["lisg"]


def test_p1_close_route_ends_the_case_without_learning(lib):
    iid = notify_incident(lib)
    assert lib.tasks(iid, "notify_regulator") == []   # not notifiable
    triage(lib, iid, "close")
    assert lib.show(iid).status == "completed"


def test_p1_close_route_records_learning_into_the_loop(lib):
    iid = notify_incident(lib)
    triage(lib, iid, "close", learning_identified=True)
    record = lib.task(iid, "record_learning_item")
    assert record.candidate_groups == ["lisg"]
    lib.do(iid, "record_learning_item", "lisg", learning_statement="Share referral outcomes with GPs",
           learning_theme="information_sharing", learning_audience="health", action_owner="health",
           action_description="Add feedback loop to the referral form", action_due_date="2027-06-30",
           more_learning=False)
    assert lib.show(iid).status == "completed"
    loops = lib.instances("learning_loop")
    assert len(loops) == 1 and loops[0][1] == "active"
    assert lib.task(loops[0][0], "validate_item").candidate_groups == ["lisg"]


DMN_PROBE = b"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="probe_defs" targetNamespace="http://t">
  <bpmn:process id="dmn_probe" isExecutable="true">
    <bpmn:startEvent id="s"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="criteria" camunda:decisionRef="scr_criteria">
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:businessRuleTask id="route" camunda:decisionRef="triage_route">
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:businessRuleTask>
    <bpmn:endEvent id="e"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="criteria"/>
    <bpmn:sequenceFlow id="f2" sourceRef="criteria" targetRef="route"/>
    <bpmn:sequenceFlow id="f3" sourceRef="route" targetRef="e"/>
  </bpmn:process>
</bpmn:definitions>"""

DMN_CASES = [  # criteria overrides, regime -> (statutory_route, recommended_route)
    ({"abuse_or_neglect_suspected": True, "child_died": True}, "LSCB_WT2015", ("scr", "statutory")),
    ({"died_in_custody_or_detained_mha": True}, "LSCB_WT2015", ("scr", "statutory")),
    ({"abuse_or_neglect_suspected": True, "seriously_harmed": True, "concerns_about_agency_working": "some"},
     "LSCB_WT2015", ("scr", "statutory")),
    ({"abuse_or_neglect_suspected": True, "seriously_harmed": True,
      "concerns_about_agency_working": "none_definitive", "learning_potential": "multi_agency"},
     "LSCB_WT2015", ("none", "macr")),
    ({"abuse_or_neglect_suspected": True, "seriously_harmed": True}, "MASA_WT2018",
     ("rapid_review", "statutory")),
    ({"abuse_or_neglect_suspected": True, "child_died": True}, "MASA_WT2023",
     ("rapid_review", "statutory")),
    # s16C(1): a child normally resident here harmed outside England; harmed elsewhere in England
    # is the other area's case
    ({"abuse_or_neglect_suspected": True, "seriously_harmed": True, "incident_in_bf": False,
      "incident_outside_england": True}, "MASA_WT2018", ("rapid_review", "statutory")),
    ({"abuse_or_neglect_suspected": True, "seriously_harmed": True, "incident_in_bf": False},
     "MASA_WT2018", ("none", "close")),
    # a looked-after child's death alone is notified, not rapid-reviewed
    ({"looked_after_child": True, "child_died": True}, "MASA_WT2018", ("none", "close")),
    ({"looked_after_child": True, "child_died": True}, "LSCB_WT2015", ("none", "close")),
    ({"concerns_about_agency_working": "limited", "learning_potential": "single_agency"}, "LSCB_WT2015",
     ("none", "imr")),
    ({"concerns_about_agency_working": "some", "learning_potential": "single_agency",
      "context_needs_exploring": True}, "LSCB_WT2015", ("none", "roundtable")),
    ({"context_needs_exploring": True}, "MASA_WT2018", ("none", "roundtable")),
    ({}, "LSCB_WT2015", ("none", "close")),
]


@pytest.mark.parametrize("criteria, regime, expected", DMN_CASES)
def test_dmn_scr_criteria_and_triage_route(sessions, process_engine, people_factory, criteria, regime, expected):
    files = {"probe.bpmn": DMN_PROBE, **{n: (WORKFLOWS / n).read_bytes()
                                         for n in ("scr_criteria.dmn", "triage_route.dmn")}}
    with sessions.begin() as s:
        process_engine.deploy(s, files, "tester")
    actor = people_factory("dmn-tester", groups=["lisg"], roles=["manager"])   # no starters
    data = {**CRITERIA_NONE, **criteria, "regime": regime, "regime_override_reason": "a probe"}
    with sessions.begin() as s:
        done = process_engine.start(s, "dmn_probe", actor, data, now=T0)
    assert done.status == "completed"
    assert (done.data["statutory_route"], done.data["recommended_route"]) == expected
    assert done.data["criteria_basis"]


NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC",
      "camunda": "http://camunda.org/schema/1.0/bpmn"}
BPMN_FILES = sorted(WORKFLOWS.glob("*.bpmn"))
FLOW_NODES = ("userTask", "scriptTask", "serviceTask", "businessRuleTask", "callActivity",
              "startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent", "exclusiveGateway",
              "parallelGateway", "inclusiveGateway")


def test_the_whole_library_deploys_without_problems_or_warnings(sessions, process_engine):
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parsed = parse_definitions(read_paths([WORKFLOWS]))
        with sessions.begin() as s:
            for group in GROUPS:
                people.add_group(s, group, kind="agency" if group in AGENCIES else "board")
            results = process_engine.deploy(s, read_paths([WORKFLOWS]), "tester", "library")
    assert [str(w.message) for w in caught] == []
    assert sorted(parsed) == sorted(f.stem for f in BPMN_FILES)
    assert sorted(r.process_id for r in results) == sorted(parsed) and all(r.created for r in results)
    starts = {pid: p.start_messages for pid, p in parsed.items() if p.start_messages}
    assert starts == {"learning_loop": ("learning_item_identified",),
                      "p01_case_referral": ("cdop_scr_referral", "review_requested"),
                      "p05c_cdop_themed_report": ("cdop_pattern_alert",)}


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.stem)
def test_each_file_is_one_lane_pooled_process_with_complete_diagram(path):
    root = etree.parse(str(path)).getroot()
    processes = root.findall("bpmn:process", NS)
    assert [p.get("id") for p in processes] == [path.stem]
    process = processes[0]
    participants = root.findall("bpmn:collaboration/bpmn:participant", NS)
    assert [p.get("processRef") for p in participants] == [path.stem]
    lanes = {lane.get("name") for lane in process.findall("bpmn:laneSet/bpmn:lane", NS)}
    assert lanes and lanes <= LANES
    nodes = [e for tag in FLOW_NODES for e in process.findall(f"bpmn:{tag}", NS)]
    in_lane = {r.text for r in process.findall("bpmn:laneSet/bpmn:lane/bpmn:flowNodeRef", NS)}
    assert {n.get("id") for n in nodes} == in_lane
    shapes = {s.get("bpmnElement"): s.find("dc:Bounds", NS)
              for s in root.iter(f"{{{NS['bpmndi']}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{{{NS['bpmndi']}}}BPMNEdge")}
    for element_id in [n.get("id") for n in nodes] + [p.get("id") for p in participants] + \
            [lane.get("id") for lane in process.findall("bpmn:laneSet/bpmn:lane", NS)]:
        assert element_id in shapes, element_id
    sizes = {"userTask": (100, 80), "startEvent": (36, 36), "exclusiveGateway": (50, 50)}
    for node in nodes:
        kind = etree.QName(node).localname
        if kind in sizes:
            bounds = shapes[node.get("id")]
            assert (int(bounds.get("width")), int(bounds.get("height"))) == sizes[kind]
    for flow in process.findall("bpmn:sequenceFlow", NS):
        assert len(edges[flow.get("id")].findall("{http://www.omg.org/spec/DD/20100524/DI}waypoint")) >= 2
    for task in process.findall("bpmn:userTask", NS):
        assert task.get(f"{{{NS['camunda']}}}candidateGroups"), task.get("id")
        assert task.get(f"{{{NS['camunda']}}}dueDate"), task.get("id")
        assert (task.findtext("bpmn:documentation", namespaces=NS) or "").strip(), task.get("id")
        assert task.findall("bpmn:extensionElements/camunda:formData/camunda:formField", NS), task.get("id")
        mi = task.find("bpmn:multiInstanceLoopCharacteristics", NS)
        if mi is not None:
            element = mi.get(f"{{{NS['camunda']}}}elementVariable")
            assert task.get(f"{{{NS['camunda']}}}candidateGroups") == f"${{{element}}}"
    for gateway in process.findall("bpmn:exclusiveGateway", NS):
        outgoing = process.findall(f"bpmn:sequenceFlow[@sourceRef='{gateway.get('id')}']", NS)
        if len(outgoing) > 1:
            assert gateway.get("default"), gateway.get("id")


def test_p2_scr_runs_from_notification_to_publication_with_imrs_timers_and_learning(lib):
    iid = lib.start("p02_serious_case_review", "lscb-chair").id
    lib.do(iid, "notify_scr_started", "lscb-chair", panel_told_on="2027-03-02")
    lib.do(iid, "appoint_reviewer", "lscb-chair", reviewer_name="R. Smith",
           reviewer_independent=False, independence_statement="Previously employed by the trust")
    lib.do(iid, "appoint_reviewer", "lscb-chair", reviewer_name="J. Jones",
           reviewer_independent=True, independence_statement="No connection with any agency")
    tor = lib.task(iid, "set_terms_of_reference")
    assert tor.candidate_groups == ["lisg"]
    lib.do(iid, "set_terms_of_reference", "lisg", methodology="learning_together",
           period_under_review="2025-2027", parallel_proceedings="criminal",
           agencies_involved="police, health")
    timers = {t.bpmn_id: t.due_at for t in lib.show(iid).timers}
    assert timers["review_overdue"] == datetime(2027, 9, 1, 16, 0, tzinfo=timezone.utc)  # 6 months
    assert "progress_check" in timers
    assert lib.ids(iid) == ["appoint_author", "appoint_author", "check_parallel_processes",
                            "engage_family"]
    assert lib.task(iid, "engage_family").candidate_groups == ["independent-reviewer"]
    for agency in ("police", "health"):   # P4 once per agency, in SCR-contribution mode
        task = [t for t in lib.tasks(iid, "appoint_author") if t.candidate_groups == [agency]][0]
        lib.complete(task, agency, {"imr_author": f"{agency} lead", "author_independent": True})
    lib.do_each(iid, "secure_records", {g: {"records_secured": True, "chronology_complete": True}
                                        for g in ("police", "health")})
    lib.do_each(iid, "write_imr", {g: {"imr_summary": f"{g} analysis of decisions",
                                       "missed_opportunities": "Two", "good_practice": "Prompt referral",
                                       "imr_recommendations": "Supervision"} for g in ("police", "health")})
    lib.do_each(iid, "sign_off_imr", {g: {"imr_signed_off": True} for g in ("police", "health")})
    assert [t.candidate_groups for t in lib.tasks(iid, "receive_imr")] == [["independent-reviewer"]] * 2
    for task in lib.tasks(iid, "receive_imr"):
        lib.complete(task, "independent-reviewer", {"imr_received_ok": True})
    assert lib.fire(T0 + timedelta(days=31, hours=1)) >= 1          # first monthly checkpoint
    lib.do(iid, "monthly_checkpoint", "lisg", progress_rag="green")
    lib.do(iid, "engage_family", "independent-reviewer", family_engaged=True,
           family_views="Mother contributed")
    lib.do(iid, "check_parallel_processes", "business-unit", parallel_process_notes="CPS agreed",
           publication_block_expected=True)
    lib.do(iid, "learning_event", "independent-reviewer", learning_event_on="2027-05-10",
           practitioners_attended=12)
    lib.fire(datetime(2027, 9, 1, 16, 0, 1, tzinfo=timezone.utc))   # six months: delay report
    delay = lib.task(iid, "delay_report")
    assert delay.candidate_groups == ["lisg"] and delay.lane == "LISG"
    lib.do(iid, "delay_report", "lisg", delay_reason="Awaiting the criminal trial",
           revised_timetable="December 2027", interim_learning="Briefing issued",
           panel_told_of_delay=True)
    draft = dict(draft_summary="Missed opportunities to share information",
                 draft_recommendations="A joint protocol")
    lib.do(iid, "draft_report", "independent-reviewer", draft)
    lib.do(iid, "quality_assure_draft", "lisg", draft_accepted=False, qa_comments="Check dates")
    lib.do(iid, "draft_report", "independent-reviewer", draft)
    lib.do(iid, "quality_assure_draft", "lisg", draft_accepted=True)
    for _ in lib.tasks(iid, "monthly_checkpoint"):
        lib.do(iid, "monthly_checkpoint", "lisg", progress_rag="amber")
    accept = lib.task(iid, "board_acceptance")
    assert accept.candidate_groups == ["board"] and accept.lane == "LSCB Board"
    assert {t.bpmn_id for t in lib.show(iid).timers}.isdisjoint({"review_overdue", "progress_check"})
    lib.do(iid, "board_acceptance", "board", report_accepted=True, lscb_response="We accept all findings",
           action_plans_agreed=True, learning_identified=True,
           review_impact="Joint protocol in use at the front door")
    lib.do(iid, "publication_decision", "lscb-chair", publication="publish_summary")
    lib.do(iid, "seek_panel_advice", "lscb-chair", panel_advice="Summary is proportionate",
           final_publication="then_publish_summary")
    # the learning enters the loop once publication is decided, before the report is published
    lib.do(iid, "record_learning_item", "lisg", learning_statement="Share information at the front door",
           learning_theme="information_sharing", learning_audience="all_agencies", action_owner="police",
           action_description="Joint protocol", action_due_date="2028-03-31", more_learning=False)
    assert len(lib.instances("learning_loop")) == 1
    lib.do(iid, "plan_publication", "business-unit", planned_publication_on="2027-12-15",
           publication_delayed=False)
    lib.on("2027-12-01")
    lib.do(iid, "send_prepublication", "business-unit", prepublication_sent_on="2027-12-01")
    lib.on("2027-12-15")
    lib.do(iid, "publish_report", "comms", published_url="https://bflscb.org.uk/scr",
           published_on="2027-12-15")
    assert [t.bpmn_id for t in lib.show(iid).timers] == ["online_reminder"]
    with lib.sessions() as s:                  # the SCR and one IMR per agency, each closed
        rows = s.scalars(select(Review).order_by(Review.id)).all()
        assert sorted((r.kind, r.agency, r.outcome) for r in rows) == [
            ("imr", "health", "contributed to the SCR"), ("imr", "police", "contributed to the SCR"),
            ("scr", None, "publish_summary")]
        assert all(r.instance_id == iid and r.completed_at for r in rows)


def test_p2_rapid_review_started_without_a_notification_date_asks_for_it(lib):
    lib.set_regime("MASA_WT2018")
    iid = lib.start("p02_serious_case_review", "lscb-chair").id
    record = lib.task(iid, "record_panel_notification")
    assert record.candidate_groups == ["business-unit"]
    lib.do(iid, "record_panel_notification", "business-unit", panel_notified_on="2027-03-01")
    # no agencies known: the safeguarding partners' own agencies inform the rapid review
    info = lib.tasks(iid, "rr_agency_information")
    assert sorted(t.candidate_groups[0] for t in info) == ["childrens-social-care", "health", "police"]
    assert info[0].due_at == datetime(2027, 3, 8, 17, 0, tzinfo=timezone.utc)     # 5 WD
    lib.do_each(iid, "rr_agency_information", {g: {"rr_agency_involvement": f"{g} involvement"}
                                               for g in ("childrens-social-care", "health", "police")})
    rapid = lib.task(iid, "rapid_review")
    assert rapid.candidate_groups == ["lisg"]
    assert rapid.due_at == datetime(2027, 3, 22, 17, 0, tzinfo=timezone.utc)   # 15 WD


FORM_A = dict(child_reference="CD 03/04/2020", date_of_death="2027-03-01", time_of_death="08:00",
              child_age_at_death=6,
              stillbirth_or_planned_termination=False, normally_resident_in_bf=True,
              death_unexpected=False, jar_trigger="none", abuse_or_neglect_suspected=False,
              looked_after_child=False, died_in_custody_or_detained_mha=False,
              agencies_involved="health, education")


def rapid_response_steps(suspected=False):
    """P5a's steps in order, as (task, group, form data), abuse or neglect ``suspected`` or not
    at the initial and the final discussion."""
    return [("immediate_response", "health", dict(immediate_response_notes="Paediatrician attended",
                                                  family_support_offered=True)),
            ("home_visit", "police", dict(visit_done=True, visit_notes="Scene visit")),
            ("initial_discussion", "health", dict(siblings_safe=True, s47_started=suspected,
                                                  abuse_or_neglect_suspected=suspected)),
            ("post_mortem_discussion", "health", dict(post_mortem_findings="Post-mortem findings")),
            ("final_case_discussion", "health", dict(rapid_response_output="Output of the final discussion",
                                                     rr_abuse_or_neglect_suspected=suspected))]


def return_form_bs(lib, iid, knowledge, agencies=("health", "education")):
    """Every agency returns its Form B, suspecting no abuse or neglect."""
    lib.do_each(iid, "form_b", {g: {"agency_knowledge": f"{g}: {knowledge}",
                                    "form_b_abuse_or_neglect_suspected": False} for g in agencies})


def notify_death(lib, **changes):
    iid = lib.start("p05_child_death_review", "partner-agencies").id
    lib.do(iid, "notify_death", "partner-agencies", {**FORM_A, **changes})
    return iid


def test_p5_out_of_scope_and_other_area_deaths_close(lib):
    assert lib.show(notify_death(lib, child_age_at_death=18)).status == "completed"
    assert lib.show(notify_death(lib, stillbirth_or_planned_termination=True)).status == "completed"
    iid = notify_death(lib, normally_resident_in_bf=False)
    assert lib.task(iid, "residency_check").candidate_groups == ["cdop"]
    lib.do(iid, "residency_check", "cdop", bf_cdop_reviews=False, residency_notes="Reading CDOP")
    assert lib.show(iid).status == "completed"


def test_p5_expected_death_without_concerns_is_reviewed_by_the_panel(lib):
    iid = notify_death(lib)
    lib.do(iid, "residency_check", "cdop", bf_cdop_reviews=True)
    form_b = lib.tasks(iid, "form_b")
    assert sorted(t.candidate_groups[0] for t in form_b) == ["education", "health"]
    assert form_b[0].due_at == datetime(2027, 3, 22, 9, 0, tzinfo=timezone.utc)   # 15 WD
    return_form_bs(lib, iid, "saw the child regularly")
    lib.do(iid, "collate_papers", "cdop", post_mortem_received=True, inquest_pending=False)
    panel = lib.task(iid, "panel_review")
    assert {"category_of_death", "modifiable_factors"} <= {f["id"] for f in panel.form["fields"]}
    assert panel.due_at == datetime(2027, 9, 1, 16, 0, tzinfo=timezone.utc)   # 6 months after death
    lib.do(iid, "panel_review", "cdop", category_of_death="cat_6", modifiable_factors="not_identified",
           contributing_factors="None", pattern_alert=False, learning_identified=False,
           panel_abuse_or_neglect_suspected=False)
    lib.do(iid, "inform_professionals", "cdop", professionals_told=True)
    lib.do(iid, "close_cdop_case", "cdop", added_to_dataset=True)
    assert lib.show(iid).status == "completed"


def test_p5_suspected_abuse_refers_to_the_chair_and_waits_for_the_correlated_decision(lib):
    other = notify_death(lib, abuse_or_neglect_suspected=True)      # a second case, also referred
    iid = notify_death(lib, abuse_or_neglect_suspected=True, death_unexpected=True)
    for case in (other, iid):
        lib.do(case, "residency_check", "cdop", bf_cdop_reviews=True)
    # unexpected death: the health-led rapid response runs beside the review
    assert lib.task(iid, "immediate_response").candidate_groups == ["health"]
    for step, group, data in rapid_response_steps(suspected=True):
        lib.do(iid, step, group, data)
    referrals = lib.instances("p01_case_referral")
    assert len(referrals) == 2
    case_ref = lib.show(iid).reference
    rid = [r for r, _, ref in referrals if ref == case_ref][0]
    confirm = lib.task(rid, "confirm_referral")
    assert confirm.candidate_groups == ["business-unit"]
    lib.do(rid, "confirm_referral", "business-unit", concerns_about_agency_working="some",
           learning_potential="multi_agency", context_needs_exploring=False,
           agencies_involved="health, police")
    lib.do(rid, "log_case", "business-unit", received_on="2027-03-10", acknowledgement_sent=True)
    lib.on("2027-03-11")
    lib.do(rid, "notify_regulator", "childrens-social-care", notified_body="ofsted",   # the LA's duty
           notification_sent_on="2027-03-11")
    lib.do_each(rid, "agency_summary", {g: dict(involvement_summary=f"{g} involvement summary",
                                                chronology_provided=True, agency_view_of_concerns="some")
                                        for g in ("health", "police")})
    lib.do(rid, "lisg_screening", "lisg", lisg_route="statutory", lisg_rationale="Child died, abuse suspected",
           learning_identified=False)
    assert lib.ids(iid) == ["form_b", "form_b"]          # the CDOP review waits for the decision
    lib.do(rid, "decide_scr", "lscb-chair", chair_decision="start_scr",
           chair_rationale="Regulation 5 criteria met", alternative_route="then_close")
    assert lib.ids(rid) == ["notify_scr_started"]        # the SCR starts inside the referral case
    return_form_bs(lib, iid, "knew the family for years")
    assert lib.ids(iid) == ["collate_papers"]            # the decision reached this case only
    assert lib.ids(other) == ["form_b", "form_b"]
    return_form_bs(lib, other, "known to the agency since birth")
    assert lib.ids(other) == []                          # still waiting for its own decision


def learning(lib, iid, owner="police", due="2027-09-30", more=False):
    lib.do(iid, "record_learning_item", "lisg", learning_statement="Escalate disagreements earlier",
           learning_theme="escalation", learning_audience="all_agencies", action_owner=owner,
           action_description="Refresh the escalation policy", action_due_date=due,
           more_learning=more)


@pytest.mark.parametrize("concerns, conflict, reviewer", [
    ("significant", False, "independent-reviewer"), ("limited", True, "independent-reviewer"),
    ("limited", False, "lisg")])
def test_p3_multi_agency_case_review_reviewer_and_roundtable(lib, concerns, conflict, reviewer):
    iid = lib.start("p03_multi_agency_case_review", "lisg").id
    lib.do(iid, "commission_review", "lisg", review_method="learning_event",
           concerns_about_agency_working=concerns, conflict_of_interest=conflict,
           roundtable_needed=True, agencies_involved="police, education")
    if reviewer == "independent-reviewer":
        lib.do(iid, "appoint_independent", "lisg", reviewer_name="A. Reviewer")
    else:
        lib.do(iid, "form_review_group", "lisg", review_lead="LISG vice-chair")
    lib.do_each(iid, "agency_chronology", {g: {"chronology_summary": f"{g}: chronology of contacts",
                                               "agency_learning": "Earlier referral"}
                                           for g in ("police", "education")})
    family = lib.task(iid, "family_involvement")
    assert family.candidate_groups == [reviewer] and family.lane == "Independent Reviewer"
    lib.do(iid, "family_involvement", reviewer, family_involved=True)
    lib.do(iid, "set_question", "lisg", roundtable_question="Why was neglect not escalated?",
           agencies_involved="police, education")
    lib.do(iid, "invite_practitioners", "business-unit", roundtable_date="2027-04-01",
           invitees="Practitioners")
    lib.do(iid, "facilitate_roundtable", "lisg", learning_note="Thresholds were misunderstood",
           further_review_needed=False, learning_identified=False)
    report = lib.task(iid, "write_report")
    assert report.candidate_groups == [reviewer]
    assert report.due_at == datetime(2027, 6, 1, 8, 0, tzinfo=timezone.utc)   # 3 months, 09:00 BST
    result = dict(findings="Neglect was not escalated by agencies",
                  recommendations="Multi-agency neglect training")
    lib.do(iid, "write_report", reviewer, result)
    lib.do(iid, "consider_report", "lisg", report_accepted=False, lisg_comments="More on schools",
           publication="none", learning_identified=True)
    lib.do(iid, "write_report", reviewer, result)
    lib.do(iid, "consider_report", "lisg", report_accepted=True, publication="briefing",
           learning_identified=True)
    lib.do(iid, "inform_chair", "lscb-chair", chair_noted=True)
    learning(lib, iid, more=True)
    learning(lib, iid, owner="education")
    assert lib.show(iid).status == "completed"
    assert len(lib.instances("learning_loop")) == 2


@pytest.mark.parametrize("quality", ["good", "inadequate"])
def test_p4_standalone_imr_is_evaluated_by_lisg(lib, quality):
    iid = lib.start("p04_individual_management_review", "lisg", {"agency": "health"}).id
    lib.do(iid, "appoint_author", "health", imr_author="Named nurse", author_independent=True)
    lib.do(iid, "secure_records", "health", records_secured=True, chronology_complete=True)
    write = lib.task(iid, "write_imr")
    assert write.due_at == datetime(2027, 4, 26, 8, 0, tzinfo=timezone.utc)   # 8 weeks, 09:00 BST
    imr = dict(imr_summary="Health visiting missed two contacts", missed_opportunities="Two",
               good_practice="Referral", imr_recommendations="Audit contacts")
    lib.do(iid, "write_imr", "health", imr)
    lib.do(iid, "sign_off_imr", "health", imr_signed_off=True)
    lib.do(iid, "evaluate_imr", "lisg", imr_quality=quality)
    if quality == "inadequate":
        lib.do(iid, "write_imr", "health", imr)
        lib.do(iid, "sign_off_imr", "health", imr_signed_off=True)
        lib.do(iid, "evaluate_imr", "lisg", imr_quality="adequate")
    lib.do(iid, "agency_action_plan", "health", single_agency_action_plan="Audit contacts quarterly",
           learning_identified=False)
    assert lib.show(iid).status == "completed"


def run_audit(lib, iid, agencies=("police", "health"), approve_first=True, learning_identified=False):
    lib.do(iid, "set_theme", "lisg", audit_theme="Neglect", lines_of_enquiry="Is neglect recognised early?",
           case_sample_size=6, agencies_involved=", ".join(agencies))
    lib.do(iid, "select_sample", "business-unit", sample_criteria="Children on CP plans for neglect",
           cases_selected=6)
    lib.do_each(iid, "agency_audit", {g: dict(agency_findings=f"{g}: neglect recognised late in two cases",
                                              agency_grade="requires_improvement",
                                              practitioners_involved=True) for g in agencies})
    lib.do(iid, "moderation_meeting", "lisg", strengths="Voice of the child",
           areas_for_development="Chronologies")
    lib.do(iid, "overview_report", "business-unit", overview_summary="Neglect is recognised late by agencies")
    if not approve_first:
        lib.do(iid, "approve_audit_report", "lisg", audit_report_approved=False,
               escalate_to_other_board=False, learning_identified=False, report_comments="Add data")
        lib.do(iid, "overview_report", "business-unit",
               overview_summary="Neglect is recognised late (with data)")
    lib.do(iid, "approve_audit_report", "lisg", audit_report_approved=True, escalate_to_other_board=False,
           learning_identified=learning_identified)


@pytest.mark.parametrize("approve_first", [True, False])
def test_p6_multi_agency_case_audit(lib, approve_first):
    iid = lib.start("p06_multi_agency_case_audit", "lisg").id
    run_audit(lib, iid, approve_first=approve_first)
    assert lib.show(iid).status == "completed"


def test_p6_overdue_agency_return_climbs_the_escalation_ladder(lib):
    iid = lib.start("p06_multi_agency_case_audit", "lisg").id
    lib.do(iid, "set_theme", "lisg", audit_theme="Neglect", lines_of_enquiry="Is neglect recognised early?",
           case_sample_size=6, agencies_involved="police")
    lib.do(iid, "select_sample", "business-unit", sample_criteria="CP plans", cases_selected=6)
    audit = lib.task(iid, "agency_audit")
    assert audit.candidate_groups == ["police"]
    # 20 working days skip Good Friday (26 March) and Easter Monday (29 March 2027); BST from 28 March
    assert audit.due_at == datetime(2027, 3, 31, 8, 0, tzinfo=timezone.utc)
    assert audit.follow_up_at == datetime(2027, 3, 22, 9, 0, tzinfo=timezone.utc)   # 15 WD
    lib.fire(datetime(2027, 3, 22, 9, 0, 1, tzinfo=timezone.utc))                   # reminder
    assert lib.ids(iid) == ["agency_audit"]
    lib.fire(datetime(2027, 3, 31, 7, 59, tzinfo=timezone.utc))
    assert lib.tasks(iid, "agency_audit_escalate_1") == []
    lib.fire(datetime(2027, 3, 31, 8, 0, 1, tzinfo=timezone.utc))                   # overdue
    chase = lib.task(iid, "agency_audit_escalate_1")
    assert chase.candidate_groups == ["business-unit"] and chase.lane == "LSCB Business Unit"
    lib.do(iid, "agency_audit_escalate_1", "business-unit",
           agency_audit_escalation_note_1="Police lead promised it by Friday", agency_audit_resolved_1=False)
    assert lib.task(iid, "agency_audit_escalate_2").candidate_groups == ["lisg"]
    lib.do(iid, "agency_audit_escalate_2", "lisg", agency_audit_escalation_note_2="LISG chair wrote",
           agency_audit_resolved_2=False)
    log = lib.task(iid, "agency_audit_escalate_3")
    assert log.candidate_groups == ["lscb-chair"] and "Challenge Log" in log.title
    lib.do(iid, "agency_audit_escalate_3", "lscb-chair", agency_audit_escalation_note_3="Entry CL-12")
    lib.do(iid, "agency_audit", "police", agency_findings="Police: neglect recognised late",
           agency_grade="good", practitioners_involved=True)
    assert lib.ids(iid) == ["moderation_meeting"]
    assert lib.show(iid).timers == []


@pytest.mark.parametrize("to_board", [True, False])
def test_p7_survey_runs_for_four_weeks_with_a_reminder(lib, to_board):
    iid = lib.start("p07_survey_consultation", "lisg").id
    lib.do(iid, "define_survey", "lisg", survey_purpose="Young people's views of early help",
           survey_audience="children_young_people", decision_informed="Early help strategy")
    lib.do(iid, "design_survey", "business-unit", survey_link="https://survey",
           consent_arrangements="Parental",
           survey_approved=False)
    lib.do(iid, "design_survey", "business-unit", survey_link="https://survey",
           consent_arrangements="Parental",
           survey_approved=True)
    lib.do(iid, "distribute_survey", "comms", distribution_channels="Schools, youth forum")
    assert lib.ids(iid) == [] and [t.bpmn_id for t in lib.show(iid).timers] == ["survey_week_two"]
    lib.fire(T0 + timedelta(weeks=2, seconds=1))
    lib.do(iid, "survey_reminder", "comms", reminder_sent=True)
    lib.fire(T0 + timedelta(weeks=4, seconds=2))
    lib.do(iid, "analyse_survey", "business-unit", responses=140,
           survey_findings="Young people want one worker")
    lib.do(iid, "consider_survey", "lisg", changes_agreed="Lead professional model",
           refer_to_board=to_board, learning_identified=False)
    if to_board:
        lib.do(iid, "board_considers_survey", "board", board_decision="Endorsed")
    lib.do(iid, "you_said_we_did", "comms", feedback_published="bflscb.org.uk/yousaid")
    assert lib.show(iid).status == "completed"
    with lib.sessions() as s:          # who was heard, and "you said, we did", for the yearly report
        review = s.scalars(select(Review).where(Review.instance_id == iid)).one()
        assert (review.kind, review.outcome, review.impact) == (
            "survey", "children_young_people",
            "You said: Young people want one worker We did: Lead professional model")


def test_p8_roundtable_asking_for_a_further_review_sends_it_to_triage(lib):
    iid = lib.start("p08_roundtable_discussion", "lisg").id
    invite = lib.do(iid, "set_question", "lisg", roundtable_question="Why was the Prevent referral late?",
                    agencies_involved="police, education")
    assert lib.task(iid, "invite_practitioners").candidate_groups == ["business-unit"]
    lib.do(iid, "invite_practitioners", "business-unit", roundtable_date="2027-03-20", invitees="DSLs")
    facilitate = lib.task(iid, "facilitate_roundtable")
    assert facilitate.due_at == datetime(2027, 4, 12, 8, 0, tzinfo=timezone.utc)   # 6 weeks, BST
    lib.do(iid, "facilitate_roundtable", "lisg", learning_note="Referral pathway not known to schools",
           further_review_needed=True, learning_identified=False)
    assert lib.show(iid).status == "completed"
    [(rid, status, ref)] = lib.instances("p01_case_referral")
    assert ref == invite.reference and lib.task(rid, "confirm_referral").candidate_groups == ["business-unit"]


@pytest.mark.parametrize("implication, next_task", [
    ("none", None), ("audit_programme", "add_to_programme"), ("roundtable", "set_question"),
    ("case_review", None)])
def test_p9_single_agency_audit_routes_multi_agency_implications(lib, implication, next_task):
    iid = lib.start("p09_single_agency_audit", "partner-agencies").id
    lib.do(iid, "register_audit", "partner-agencies", auditing_agency="health", audit_title="GP CP reports")
    lib.do(iid, "submit_summary", "health", audit_scope="GP reports to CP conferences", sample_size=30,
           audit_findings="Half of GP reports were late", audit_actions="Template and reminders")
    lib.do(iid, "log_summary", "business-unit", lisg_meeting_on="2027-03-15")
    lib.do(iid, "review_saa", "lisg", multi_agency_implications=implication, learning_identified=False)
    if next_task:
        assert lib.ids(iid) == [next_task]
    else:
        assert lib.show(iid).status == "completed"
    assert len(lib.instances("p01_case_referral")) == (1 if implication == "case_review" else 0)


def test_p10_section11_cycle_from_standards_to_mid_cycle_update(lib):
    iid = lib.start("p10_section11_audit", "lisg").id
    lib.do(iid, "agree_standards", "s11-panel", standards_version="Pan-Berks 2027",
           pan_berks_agencies="police", bf_agencies="education")
    assert sorted((t.bpmn_id, t.candidate_groups[0], t.lane) for t in lib.tasks(iid)) == [
        ("launch_bf", "bf-s11-panel", "BF S11 Panel"),
        ("launch_pan_berks", "s11-panel", "Pan-Berks S11 Sub-Group")]
    lib.do(iid, "launch_pan_berks", "s11-panel", pan_berks_letters_sent=True)
    lib.do(iid, "launch_bf", "bf-s11-panel", bf_letters_sent=True)
    returns = lib.tasks(iid, "self_assessment")
    assert returns[0].due_at == datetime(2027, 6, 1, 8, 0, tzinfo=timezone.utc)   # 3 months, 09:00 BST
    lib.do_each(iid, "self_assessment", {g: {**{c: f"{c}_met" for c in S11_STANDARDS},
                                             "evidence_uploaded": True}
                                         for g in ("police", "education")})
    lib.do(iid, "moderate_returns", "business-unit", all_returns_received=True)
    lib.do(iid, "challenge_event", "bf-s11-panel", evidence_sufficient=True,
           moderated_summary="Most standards met; supervision partly met")
    lib.do(iid, "feedback_letters", "bf-s11-panel", feedback_sent=True)
    lib.do(iid, "s11_overview", "lisg", s11_overview_summary="Supervision is the gap",
           learning_identified=False)
    lib.do(iid, "board_s11", "board")
    assert [t.bpmn_id for t in lib.show(iid).timers] == ["mid_cycle"]
    lib.fire(T0 + timedelta(days=200))
    lib.do_each(iid, "action_plan_update", {g: {"action_plan_progress": "Supervision policy updated"}
                                            for g in ("police", "education")})
    lib.do(iid, "review_updates", "bf-s11-panel")
    assert lib.show(iid).status == "completed"


def test_p11_school_audit_non_return_escalates_and_non_returners_explain(lib):
    iid = lib.start("p11_school_s175_audit", "business-unit").id
    lib.do(iid, "open_window", "business-unit", schools_in_scope="school-a, school-b",
           window_closes="2027-06-30", kcsie_version="KCSIE 2026")
    audits = lib.tasks(iid, "school_self_audit")
    assert sorted(t.candidate_groups[0] for t in audits) == ["school-a", "school-b"]
    assert audits[0].lane == "Schools"
    assert audits[0].due_at == datetime(2027, 6, 30, 16, 0, tzinfo=timezone.utc)
    lib.complete([t for t in audits if t.candidate_groups == ["school-a"]][0], "school-a",
                 dict(dsl_name="Ms A", governors_reviewed=True, development_areas="Online safety",
                      school_action_plan="Train staff on filtering"))
    lib.fire(datetime(2027, 6, 30, 16, 0, 1, tzinfo=timezone.utc))
    chase = lib.task(iid, "school_self_audit_escalate_1")
    assert chase.candidate_groups == ["bf-s11-panel"]
    lib.do(iid, "school_self_audit_escalate_1", "bf-s11-panel",
           school_self_audit_escalation_note_1="Head asked", school_self_audit_resolved_1=False)
    assert lib.task(iid, "school_self_audit_escalate_2").candidate_groups == ["lscb-chair"]
    lib.do(iid, "school_self_audit_escalate_2", "lscb-chair",
           school_self_audit_escalation_note_2="s14B letter sent", school_self_audit_resolved_2=True)
    lib.complete(lib.task(iid, "school_self_audit"), "school-b",
                 dict(dsl_name="Mr B", governors_reviewed=False, development_areas="Records",
                      school_action_plan="Move to electronic records"))
    lib.do(iid, "analyse_returns", "bf-s11-panel", all_schools_returned=False,
           school_themes="Online safety and record keeping")
    lib.do(iid, "non_returners_explain", "lscb-chair", non_return_explanations="School B: head on leave")
    lib.do(iid, "education_report", "lisg", education_report_summary="Online safety theme",
           learning_identified=False)
    lib.fire(datetime(2028, 1, 31, tzinfo=timezone.utc))
    lib.do_each(iid, "governor_review", {g: {"governor_review_notes": "On track with the plan"}
                                         for g in ("school-a", "school-b")})
    assert lib.show(iid).status == "completed"


@pytest.mark.parametrize("relevant, action, next_task", [
    (False, None, None), (True, "disseminate", None), (True, "audit_locally", "set_theme"),
    (True, "roundtable_locally", "set_question")])
def test_p12_research_digest(lib, relevant, action, next_task):
    iid = lib.start("p12_research_digest", "business-unit").id
    lib.do(iid, "summarise_messages", "business-unit", source_type="national_review",
           source_title="Panel review: safeguarding infants",
           key_messages="Infants at risk from men in the home",
           relevant_to_bf=relevant)
    if action:
        lib.do(iid, "decide_digest_action", "lisg", digest_action=action, learning_identified=False)
    if next_task:
        assert lib.ids(iid) == [next_task] and lib.task(iid, next_task).candidate_groups == ["lisg"]
    else:
        assert lib.show(iid).status == "completed"
    with lib.sessions() as s:                  # the digest's register row closes on every path
        [row] = s.scalars(select(Review).where(Review.kind == "research_digest")).all()
        assert (row.kind, row.category, row.completed_at is not None, row.outcome) == (
            "research_digest", "audit", next_task is None,
            None if next_task else action or "not relevant")


ITEM = {"source_pathway": "P3", "statement": "Escalate disagreements earlier", "theme": "escalation",
        "audience": "all_agencies", "action_owner": "police", "action": "Refresh the escalation policy",
        "action_due_date": "2027-09-30"}


def start_loop(lib, case_ref="MACR-7"):
    with lib.sessions.begin() as s:
        lisg = lib.staff["lisg"]                # through a token trusted with this message
        sender = Actor(lisg.name, lisg.groups, lisg.roles, frozenset({"learning_item_identified"}))
        [lid] = lib.process_engine.send_message(s, "learning_item_identified",
                                                {"case_ref": case_ref, **ITEM}, sender, now=lib.now)
    return lid


def test_learning_item_travels_the_loop_and_not_embedded_learning_triggers_a_new_review(lib):
    lid = start_loop(lib)
    assert lib.show(lid).reference == "MACR-7"
    lib.do(lid, "validate_item", "lisg", item_valid=True, item_theme="escalation",
           disseminate_training=True, disseminate_briefing=False, disseminate_single_agency=True,
           item_owner="police", item_action="Refresh the escalation policy", item_due_date="2027-09-30")
    assert sorted((t.bpmn_id, t.candidate_groups[0]) for t in lib.tasks(lid)) == [
        ("disseminate_agency", "police"), ("disseminate_tpd", "tpd")]
    lib.do(lid, "disseminate_tpd", "tpd", tpd_channel="workshop")
    lib.do(lid, "disseminate_agency", "police", agency_dissemination="Briefed all sergeants")
    implement = lib.task(lid, "implement_action")
    assert implement.candidate_groups == ["police"] and implement.lane == "Partner agencies"
    assert implement.due_at == datetime(2027, 9, 30, 16, 0, tzinfo=timezone.utc)
    lib.do(lid, "implement_action", "police", action_evidence="Policy reissued in June",
           action_completed=True)
    lib.do(lid, "sign_off_action", "lisg", action_signed_off=False, signoff_comments="Need evidence of use")
    lib.do(lid, "implement_action", "police", action_evidence="Audit shows the policy in use",
           action_completed=True)
    lib.do(lid, "sign_off_action", "lisg", action_signed_off=True)
    assert [t.bpmn_id for t in lib.show(lid).timers] == ["embed_period"]
    lib.fire(T0 + timedelta(days=95))
    lib.do(lid, "plan_evaluation", "lisg", evaluation_method="re_audit")
    run_audit(lib, lid, agencies=("police",))                      # the re-audit (P6) inside the loop
    record = lib.task(lid, "record_evaluation")
    assert {f["id"] for f in record.form["fields"]} == {"learning_embedded", "evaluation_summary"}
    lib.do(lid, "record_evaluation", "lisg", learning_embedded="not_learnt",
           evaluation_summary="Re-audit found disagreements still not escalated")
    lib.do(lid, "commission_review", "lisg", review_reason="Practice has not changed after a year")
    assert lib.show(lid).status == "completed"
    [(rid, _, ref)] = lib.instances("p01_case_referral")
    assert ref == "MACR-7" and lib.ids(rid) == ["confirm_referral"]


def test_learning_that_is_embedded_closes_the_loop(lib):
    lid = start_loop(lib)
    lib.do(lid, "validate_item", "lisg", item_valid=True, item_theme="escalation",
           disseminate_training=False, disseminate_briefing=False, disseminate_single_agency=False,
           item_owner="police", item_action="Refresh the escalation policy", item_due_date="2027-09-30")
    lib.do(lid, "implement_action", "police", action_evidence="Policy reissued in June",
           action_completed=True)
    lib.do(lid, "sign_off_action", "lisg", action_signed_off=True)
    lib.fire(T0 + timedelta(days=95))
    lib.do(lid, "plan_evaluation", "lisg", evaluation_method="practitioner_survey")
    lib.do(lid, "record_evaluation", "lisg", learning_embedded="learnt",
           evaluation_summary="Practitioners describe escalating early")
    assert lib.show(lid).status == "completed" and lib.instances("p01_case_referral") == []


def test_action_plan_reminder_before_the_due_date_and_escalation_after_it(lib):
    lid = start_loop(lib)
    lib.do(lid, "validate_item", "lisg", item_valid=True, item_theme="escalation",
           disseminate_training=False, disseminate_briefing=False, disseminate_single_agency=False,
           item_owner="police", item_action="Refresh the escalation policy", item_due_date="2027-09-30")
    due = datetime(2027, 9, 30, 16, 0, tzinfo=timezone.utc)           # 17:00 BST on the due date
    timers = {t.bpmn_id: t.due_at for t in lib.show(lid).timers}
    assert timers == {"implement_action_reminder": due - timedelta(days=7), "implement_action_overdue": due}
    assert lib.task(lid, "implement_action").follow_up_at == due - timedelta(days=7)
    assert lib.fire(due - timedelta(days=8)) == 0
    assert lib.fire(due - timedelta(days=7) + timedelta(seconds=1)) == 1      # the reminder
    assert lib.ids(lid) == ["implement_action"]
    assert [t.bpmn_id for t in lib.show(lid).timers] == ["implement_action_overdue"]
    assert lib.fire(due + timedelta(seconds=1)) == 1                           # the escalation
    chase = lib.task(lid, "implement_action_escalate_1")
    assert chase.candidate_groups == ["business-unit"] and chase.lane == "LSCB Business Unit"
    assert "overdue" in chase.title
    lib.do(lid, "implement_action_escalate_1", "business-unit",
           implement_action_escalation_note_1="Agency lead agreed a new date",
           implement_action_resolved_1=True)
    lib.do(lid, "implement_action", "police", action_evidence="Policy reissued in October",
           action_completed=True)
    assert lib.ids(lid) == ["sign_off_action"] and lib.show(lid).timers == []


def test_c02_six_monthly_lisg_report_every_six_months(lib):
    from web.instructions import render_instructions
    cid = lib.start("c02_lisg_six_monthly_report", "manager").id
    assert lib.ids(cid) == [] and lib.show(cid).status == "active"
    [timer] = lib.show(cid).timers
    assert timer.due_at == datetime(2027, 4, 1, 8, 0, tzinfo=timezone.utc)   # 09:00 BST, 1 April
    lib.now = T0 + timedelta(days=2)                # a roundtable in the period, for the figures
    rid = lib.start("p08_roundtable_discussion", "lisg").id
    lib.do(rid, "set_question", "lisg", roundtable_question="Why was the Prevent referral late?",
           agencies_involved="education")
    lib.do(rid, "invite_practitioners", "business-unit", roundtable_date="2027-03-20", invitees="DSLs")
    lib.do(rid, "facilitate_roundtable", "lisg", learning_note="Referral pathway not known to schools",
           further_review_needed=False, learning_identified=False)
    lib.fire(timer.due_at + timedelta(seconds=1))
    compile_ = lib.task(cid, "compile_report")
    assert compile_.candidate_groups == ["business-unit"] and "forward_plan" in {
        f["id"] for f in compile_.form["fields"]}
    report = lib.show(cid).data["lisg_report"]      # computed by the step the timer fired
    assert report["url"] == "/reports/lisg?start=2026-09-30&end=2027-04-01"
    assert (report["period_start"], report["period_end"]) == ("2026-09-30", "2027-04-01")
    assert (report["reviews_started"], report["reviews_completed"]) == (1, 1)
    assert "{{ lisg_report.url }}" in compile_.documentation
    shown = str(render_instructions(compile_.documentation, lib.show(cid).data))
    assert "/reports/lisg?start=2026-09-30&amp;end=2027-04-01" in shown
    assert "1 reviews started and 1 completed" in shown
    lib.do(cid, "compile_report", "business-unit", audit_programme_summary="3 audits",
           single_agency_audits="2",
           performance_overview="Stable", s11_s175_commentary="On track", review_progress="1 SCR",
           forward_plan="Neglect audit")
    present = lib.task(cid, "present_report")
    assert present.candidate_groups == ["lisg"] and "{{ lisg_report.url }}" in present.documentation
    lib.do(cid, "present_report", "lisg", board_meeting_on="2027-09-17")
    lib.do(cid, "board_notes_report", "board", board_challenge=True, challenge_summary="Why amber?")
    lib.do(cid, "log_challenge", "lscb-chair", challenged_agency="health", challenge_owner="health",
           challenge_due="2027-10-29")
    lib.do(cid, "answer_challenge", "health", challenge_response="Amber: two actions wait on funding")
    lib.do(cid, "review_answer", "lscb-chair", answer_accepted=True)
    [timer] = lib.show(cid).timers                                       # the next round waits
    assert timer.due_at == datetime(2027, 10, 1, 8, 0, tzinfo=timezone.utc)   # 09:00 BST


def test_c03_workshop_not_held_is_reported_as_a_shortfall(lib):
    cid = lib.start("c03_learning_workshops", "manager").id
    lib.fire(T0 + timedelta(days=93))
    lib.do(cid, "plan_workshop", "tpd", workshop_theme="Neglect", workshop_date="2027-06-20",
           workshop_learning_item=1)
    lib.do(cid, "publish_workshop", "comms", workshop_page="bflscb.org.uk/training/neglect")
    run = lib.task(cid, "run_workshop")
    assert run.due_at == datetime(2027, 6, 20, 16, 0, tzinfo=timezone.utc)
    lib.do(cid, "run_workshop", "tpd", workshop_held=False, attendance=0)
    assert lib.task(cid, "report_shortfall").candidate_groups == ["tpd"]


def test_c04_annual_audit_programme_runs_one_audit_per_theme(lib):
    cid = lib.start("c04_annual_audit_programme", "manager").id
    lib.fire(T0 + timedelta(days=367))
    lib.do(cid, "draft_programme", "lisg", planned_audits_text="Neglect, Exploitation",
           programme_rationale="Business plan priorities")
    lib.do(cid, "approve_programme", "board", programme_approved=False, programme_comments="Add DA")
    lib.do(cid, "draft_programme", "lisg", planned_audits_text="Neglect, Domestic abuse",
           programme_rationale="Business plan priorities")
    lib.do(cid, "approve_programme", "board", programme_approved=True)
    assert [t.candidate_groups for t in lib.tasks(cid, "set_theme")] == [["lisg"], ["lisg"]]
    for _ in range(2):
        audit = lib.tasks(cid, "set_theme")[0]
        lib.complete(audit, "lisg", dict(audit_theme="Neglect", lines_of_enquiry="Early recognition",
                                         case_sample_size=5, agencies_involved="police"))
        lib.do(cid, "select_sample", "business-unit", sample_criteria="CP plans", cases_selected=5)
        lib.do(cid, "agency_audit", "police", agency_findings="Police recognised neglect late",
               agency_grade="good", practitioners_involved=True)
        lib.do(cid, "moderation_meeting", "lisg", strengths="Good", areas_for_development="Chronologies")
        lib.do(cid, "overview_report", "business-unit", overview_summary="Neglect recognised late")
        lib.do(cid, "approve_audit_report", "lisg", audit_report_approved=True, escalate_to_other_board=False,
               learning_identified=False)
    lib.do(cid, "year_end_summary", "lisg", year_end_summary_text="Two audits completed")
    assert lib.ids(cid) == [] and lib.show(cid).status == "active"


def test_c06_action_tracker_escalates_persistent_overdue_actions(lib):
    cid = lib.start("c06_action_plan_tracker", "manager").id
    lib.fire(T0 + timedelta(days=62))
    lib.do(cid, "update_tracker", "business-unit", tracker_commentary="Police actions slipping")
    lib.do(cid, "review_tracker", "lisg", escalate_overdue=True, tracker_notes="Police actions 2 and 5")
    assert lib.task(cid, "challenge_log_actions").candidate_groups == ["lscb-chair"]


@pytest.mark.parametrize("process_id, first_task, group, first_round", [     # 09:00 BST
    ("c07_section11_cycle", "agree_standards", "s11-panel", datetime(2028, 4, 1, 8, 0)),
    ("c08_s175_cycle", "open_window", "business-unit", datetime(2027, 9, 1, 8, 0)),
    ("c11_framework_review", "redraft_framework", "lisg", datetime(2027, 4, 1, 8, 0))])
def test_yearly_cycles_start_their_pathway(lib, process_id, first_task, group, first_round):
    cid = lib.start(process_id, "manager").id
    [timer] = lib.show(cid).timers
    assert timer.due_at == first_round.replace(tzinfo=timezone.utc)
    assert lib.fire(timer.due_at - timedelta(days=1)) == 0
    assert lib.fire(timer.due_at + timedelta(seconds=1)) == 1
    assert lib.task(cid, first_task).candidate_groups == [group]


def test_c11_framework_review_consults_partners_and_embeds(lib):
    cid = lib.start("c11_framework_review", "manager").id
    lib.fire(T0 + timedelta(days=366, seconds=1))
    lib.do(cid, "redraft_framework", "lisg", framework_changes="Add rapid reviews (WT2023)",
           statutory_change="wt2023", agencies_involved="police, health")
    lib.do_each(cid, "consult_partner", {g: {"partner_endorses": True} for g in ("police", "health")})
    lib.do(cid, "approve_framework", "board", framework_approved=True)
    lib.do(cid, "publish_framework", "comms", framework_url="bflscb.org.uk/framework")
    lib.do_each(cid, "embed_framework", {g: {"embedding_notes": "Added to the L&D policy"}
                                         for g in ("police", "health")})
    assert lib.ids(cid) == [] and lib.show(cid).status == "active"


@pytest.mark.parametrize("notified_on, due", [
    # Christmas 2027 (substitute days 27 and 28 December) and New Year (3 January 2028)
    ("2027-12-20", datetime(2028, 1, 13, 17, 0, tzinfo=timezone.utc)),
    # Easter 2028 (Good Friday 14, Easter Monday 17 April) and the early May bank holiday; BST
    ("2028-04-10", datetime(2028, 5, 4, 16, 0, tzinfo=timezone.utc))])
def test_rapid_review_15_working_days_across_bank_holidays(lib, notified_on, due):
    lib.now = datetime.fromisoformat(notified_on + "T10:00:00+00:00")
    lib.set_regime("MASA_WT2023")
    iid = lib.start("p02_serious_case_review", "lscb-chair").id
    lib.do(iid, "record_panel_notification", "business-unit", panel_notified_on=notified_on)
    lib.do_each(iid, "rr_agency_information", {g: {"rr_agency_involvement": f"{g} involvement"}
                                               for g in ("childrens-social-care", "health", "police")})
    assert lib.task(iid, "rapid_review").due_at == due
    assert {t.bpmn_id: t.due_at for t in lib.show(iid).timers}["rapid_review_overdue"] == due


def test_scr_decision_escalates_after_one_month(lib):
    iid = notify_incident(lib, abuse_or_neglect_suspected=True, child_died=True)
    lib.do(iid, "notify_regulator", "childrens-social-care", notified_body="ofsted",
           notification_sent_on="2027-03-01")
    triage(lib, iid, "statutory")
    due = datetime(2027, 4, 1, 16, 0, tzinfo=timezone.utc)      # a month after 1 March, 17:00 BST
    assert lib.task(iid, "decide_scr").due_at == due
    lib.fire(due - timedelta(minutes=1))                          # the reminder has fired by now
    assert lib.ids(iid) == ["decide_scr"]
    assert [t.bpmn_id for t in lib.show(iid).timers] == ["decide_scr_overdue"]
    lib.fire(due + timedelta(seconds=1))
    late = lib.task(iid, "decide_scr_escalate_1")
    assert late.candidate_groups == ["lscb-chair"] and "National Panel" in late.title
    lib.do(iid, "decide_scr_escalate_1", "lscb-chair",
           decide_scr_escalation_note_1="Awaiting police advice", decide_scr_resolved_1=False)
    assert lib.task(iid, "decide_scr_escalate_2").candidate_groups == ["board"]
    lib.do(iid, "decide_scr", "lscb-chair", chair_decision="start_scr",
           chair_rationale="Regulation 5 criteria are met", alternative_route="then_close")
    assert "notify_scr_started" in lib.ids(iid)


def test_the_layout_tool_is_deterministic_and_keeps_the_semantics(tmp_path):
    import sys
    sys.path.insert(0, str(WORKFLOWS / "tools"))
    try:
        import layout
    finally:
        sys.path.remove(str(WORKFLOWS / "tools"))
    for path in BPMN_FILES:
        copy = tmp_path / path.name
        copy.write_bytes(path.read_bytes())
        layout.relayout_file(copy)
        once = copy.read_bytes()
        layout.relayout_file(copy)
        assert copy.read_bytes() == once, path.name
        process = [etree.tostring(etree.parse(str(f)).getroot().find("bpmn:process", NS))
                   for f in (path, copy)]
        assert process[0] == process[1], path.name


def test_the_intake_asks_for_agencies_as_a_choice_of_the_real_agency_groups(lib):
    rec = lib.start("p01_incident_notification", "partner-agencies", INCIDENT_KNOWN)
    [field] = [f for f in lib.task(rec.id, "take_immediate_action").form["fields"]
               if f["id"] == "notifying_agency"]
    assert (field["label"], field["type"], field["properties"]) == ("Your agency", "group", {"kind": "agency"})
    task = lib.task(rec.id, "take_immediate_action")
    with pytest.raises(FormInvalid) as refused, lib.sessions.begin() as s:
        lib.process_engine.complete(s, task.id, lib.staff["partner-agencies"], {
            "notifying_agency": "lisg", "immediate_action": "Referred to the MASH",
            "siblings_considered": True, "referral_to_csc_made": True})
    assert set(refused.value.errors) == {"notifying_agency"}
    lib.do(rec.id, "take_immediate_action", "partner-agencies", notifying_agency="Police",
           immediate_action="Referred to the MASH; siblings safe", siblings_considered=True,
           referral_to_csc_made=True)
    form = lib.task(rec.id, "notification_form")
    [involved] = [f for f in form.form["fields"] if f["id"] == "agencies_involved"]
    assert (involved["type"], involved["properties"]) == ("groups", {"kind": "agency"})
    lib.do(rec.id, "notification_form", "police", CRITERIA_NONE, child_reference="AB 01/02/2015",
           incident_summary="Child admitted to hospital with injuries", incident_date="2027-02-26",
           la_aware_on="2027-03-01", agencies_involved=["police", "Health"])
    assert lib.show(rec.id).data["agencies_involved"] == ["police", "health"]


IDENTIFIER = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b|\[[A-Z]{3,}|``")


def test_every_pathway_tells_the_person_starting_it_what_it_is_in_plain_words(lib):
    """The start page shows each pathway's summary: no process or message ids, no source
    markers such as [ASSUME], and not the pathway's code again (its name carries it)."""
    with lib.sessions() as s:
        pathways = lib.process_engine.startable(s, lib.staff["manager"])
    assert len(pathways) >= 39
    for pathway in pathways:
        assert 40 <= len(pathway.description) <= 300, pathway.process_id
        assert not IDENTIFIER.search(pathway.description), (pathway.process_id, pathway.description)
        assert not re.match(r"[PC]\d+[a-z]?\b", pathway.description), pathway.process_id


def test_the_library_says_who_starts_each_pathway_and_what_their_start_form_asks(lib):
    with lib.sessions() as s:
        startable = {g: {p.process_id: p for p in lib.process_engine.startable(s, lib.staff[g])}
                     for g in ("police", "business-unit", "lisg", "board", "manager")}
    assert sorted(startable["police"]) == ["p01_incident_notification", "p05_child_death_review",
                                           "p09_single_agency_audit"]
    assert sorted(startable["business-unit"]) == [
        "p01_incident_notification", "p02_serious_case_review", "p03_multi_agency_case_review",
        "p04_individual_management_review", "p05_child_death_review",
        "p06_multi_agency_case_audit", "p07_survey_consultation", "p08_roundtable_discussion",
        "p09_single_agency_audit", "p10_section11_audit", "p11_school_s175_audit",
        "p12_research_digest"]
    assert startable["board"] == {}
    assert {"c02_lisg_six_monthly_report", "learning_loop", "p01_case_triage"} <= set(
        startable["manager"])         # managers start any pathway; cycles and callees too
    for pathway in startable["business-unit"].values():
        assert pathway.description and "case_title" in [f["id"] for f in pathway.form["fields"]]
    notify = startable["police"]["p01_incident_notification"]
    assert [(f["id"], f["required"]) for f in notify.form["fields"]] == [
        ("case_title", True), ("agency_aware_on", True)]
    with pytest.raises(NotAllowed):
        lib.start("p02_serious_case_review", "police")
    with pytest.raises(FormInvalid) as invalid:
        lib.start("p01_incident_notification", "police", {"case_title": "AB"})
    assert set(invalid.value.errors) == {"case_title", "agency_aware_on"}
    record = lib.start("p01_incident_notification", "police", INCIDENT_KNOWN)
    assert record.data["agency_aware_on"] == "2027-02-26" and record.started_by == "user-police"


def test_the_whole_library_passes_every_lint_rule_without_a_warning(sessions):
    with sessions.begin() as s:
        for group in GROUPS:
            people.add_group(s, group, kind="agency" if group in AGENCIES else "board")
        checked = deployment.check(s, read_paths([WORKFLOWS]))
    assert [str(p) for p in checked.problems if p.severity != "info"] == []
