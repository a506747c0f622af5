from datetime import datetime, timezone
from pathlib import Path

import pytest

from engine import Actor, FormInvalid, NotAllowed, NotFound
from engine.errors import DefinitionError
from models import AuditEvent, Definition, ProcessInstance

DATA = Path(__file__).resolve().parent / "data"
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)
FACTS = {"case_title": "Infant injury", "incident_date": "2027-02-26"}


@pytest.fixture
def staff(people_factory):
    return {
        "police": people_factory("pat", groups=["police"]),
        "health": people_factory("hana", groups=["HEALTH"]),
        "sam": people_factory("sam", groups=["schools"]),
        "reviewer": people_factory("rory", groups=["education"]),
        "manager": people_factory("mia", roles=["manager"]),
    }


def start(sessions, process_engine, actor, data, process_id="notify"):
    with sessions.begin() as s:
        return process_engine.start(s, process_id, actor, data, now=T0)


def test_a_member_of_a_starter_group_starts_with_the_start_forms_values(
        sessions, process_engine, deploy, staff):
    deploy("engine/start_form.bpmn")
    record = start(sessions, process_engine, staff["police"],
                   {**FACTS, "case_title": "  Infant injury ", "children": "2"})
    assert record.status == "active" and record.started_by == "pat"
    assert record.data["case_title"] == "Infant injury" and record.data["children"] == 2
    assert [t.bpmn_id for t in record.tasks] == ["review"]


def test_starter_groups_are_case_insensitive_and_starter_users_may_start(
        sessions, process_engine, deploy, staff):
    deploy("engine/start_form.bpmn")
    assert start(sessions, process_engine, staff["health"], FACTS).status == "active"
    assert start(sessions, process_engine, staff["sam"], FACTS).status == "active"


def test_someone_neither_listed_nor_in_a_starter_group_is_refused_with_who_may(
        sessions, process_engine, deploy, staff):
    deploy("engine/start_form.bpmn")
    with pytest.raises(NotAllowed) as refused:
        start(sessions, process_engine, staff["reviewer"], FACTS)
    assert "Notify an incident" in refused.value.message and "police" in refused.value.message
    with sessions() as s:
        assert s.query(AuditEvent).filter_by(action="instance_started").count() == 0


def test_a_process_naming_no_starters_is_started_by_managers_only(
        sessions, process_engine, deploy, staff):
    deploy("engine/mi_agencies.bpmn")
    with pytest.raises(NotAllowed) as refused:
        start(sessions, process_engine, staff["police"], {"agencies": ["police"]}, "mi_agencies")
    assert "managers only" in refused.value.message
    assert start(sessions, process_engine, staff["manager"], {"agencies": ["police"]},
                 "mi_agencies").status == "active"


def test_a_manager_may_always_start_and_add_values_beyond_the_form(
        sessions, process_engine, deploy, staff):
    deploy("engine/start_form.bpmn")
    record = start(sessions, process_engine, staff["manager"],
                   {**FACTS, "children": "3", "imported_from": "the old register"})
    assert record.data["children"] == 3 and record.data["imported_from"] == "the old register"
    with pytest.raises(FormInvalid) as invalid:        # the form's own fields still checked
        start(sessions, process_engine, staff["manager"], {"case_title": "Infant injury"})
    assert invalid.value.errors == {"incident_date": "Enter the date of the incident"}


def test_start_form_errors_name_each_field(sessions, process_engine, deploy, staff):
    deploy("engine/start_form.bpmn")
    with pytest.raises(FormInvalid) as invalid:
        start(sessions, process_engine, staff["police"],
              {"case_title": "Hurt", "incident_date": "31/02/2027", "children": "0",
               "case_ref": "LSCB-2027-00001"})
    assert invalid.value.errors == {
        "case_title": "Short title must be 5 characters or more",
        "incident_date": "Date of the incident must be a real date, like 2027-03-31",
        "children": "Children involved must be 1 or more",
        "case_ref": "is not a field of this form"}
    with pytest.raises(FormInvalid) as missing:
        start(sessions, process_engine, staff["police"], {})
    assert set(missing.value.errors) == {"case_title", "incident_date"}


def test_startable_lists_what_the_actor_may_start_with_description_and_form(
        sessions, process_engine, deploy, staff):
    deploy("engine/start_form.bpmn", "engine/mi_agencies.bpmn")
    with sessions() as s:
        police = process_engine.startable(s, staff["police"])
        reviewer = process_engine.startable(s, staff["reviewer"])
        manager = process_engine.startable(s, staff["manager"])
        with pytest.raises(NotAllowed):
            process_engine.start_form(s, "notify", staff["reviewer"])
        with pytest.raises(NotFound):
            process_engine.start_form(s, "nothing", staff["police"])
    assert [p.process_id for p in police] == ["notify"]
    assert police[0].description == "An agency notifies a serious incident. The business unit reviews it."
    assert [f["id"] for f in police[0].form["fields"]] == ["case_title", "incident_date", "children"]
    assert police[0].starter_groups == ["police", "health"]
    assert reviewer == []
    assert [p.process_id for p in manager] == ["mi_agencies", "notify"]


def test_starters_and_start_form_are_stored_per_deployed_version(
        sessions, process_engine, deploy, staff):
    deploy("engine/start_form.bpmn")
    with sessions() as s:
        row = s.query(Definition).filter_by(process_id="notify").one()
        assert row.starter_groups == ["police", "health"] and row.starter_users == ["sam"]
        assert row.start_form["fields"][1]["type"] == "date"


def test_deploy_refuses_a_starter_group_that_does_not_exist(sessions, process_engine, staff):
    xml = (DATA / "engine/start_form.bpmn").read_bytes().replace(b"police, Health", b"police, nobody")
    with sessions.begin() as s, pytest.raises(DefinitionError) as refused:
        process_engine.deploy(s, {"start_form.bpmn": xml}, "tester")
    [problem] = refused.value.problems
    assert problem.element_id == "notify" and problem.line == 3
    assert "candidate starter group 'nobody' does not exist" in problem.message


def test_deploy_refuses_a_broken_start_form_naming_the_field(sessions, process_engine, staff):
    xml = (DATA / "engine/start_form.bpmn").read_bytes().replace(
        b'id="children" label="Children involved" type="long"',
        b'id="children" label="Children involved" type="colour"')
    with sessions.begin() as s, pytest.raises(DefinitionError) as refused:
        process_engine.deploy(s, {"start_form.bpmn": xml}, "tester")
    assert any(p.element_id == "start" and "form field 'children': unsupported type 'colour'"
               in p.message for p in refused.value.problems)


def test_the_engines_own_starts_are_not_subject_to_start_permission(
        sessions, process_engine, deploy, staff, people_factory):
    deploy("engine/thrower_wait.bpmn", "engine/receiver.bpmn", "engine/call_parent.bpmn",
           "engine/call_child.bpmn", "engine/route_decision.dmn")
    cdop, bea = people_factory("cara", groups=["cdop"]), people_factory("bea", groups=["business-unit"])
    partner = Actor("partner", messages=frozenset({"scr_referral"}))
    with sessions.begin() as s:                     # by hand, receiver is for managers only
        with pytest.raises(NotAllowed):
            process_engine.start(s, "receiver", cdop, {})
    with sessions.begin() as s:                     # a message the engine throws starts one
        thrower = process_engine.start(s, "thrower_wait", cdop, {"case_ref": "C-1", "reason": "x"})
        process_engine.complete(s, thrower.tasks[0].id, cdop, {})
    with sessions.begin() as s:                     # so does a partner trusted with it
        started = process_engine.send_message(s, "scr_referral", {"case_ref": "C-2"}, partner)
    with sessions.begin() as s:                     # and a call activity runs its callee
        parent = process_engine.start(s, "call_parent", bea)
    assert [t.bpmn_id for t in parent.tasks] == ["summarise"]      # a task of call_child
    with sessions() as s:
        receivers = s.query(ProcessInstance).filter_by(process_id="receiver").all()
        assert sorted(r.reference for r in receivers) == ["C-1", "C-2"] and len(started) == 1


def test_a_processs_summary_is_what_the_start_page_says_and_its_documentation_stays_the_owners():
    from engine.definitions import parse_definitions
    source = (DATA / "engine/start_form.bpmn").read_text()
    summary = ('<bpmn:extensionElements><camunda:properties><camunda:property name="summary" '
               'value="Tell the board about a serious   incident." /></camunda:properties>'
               '</bpmn:extensionElements>')
    documented = source.replace("</bpmn:documentation>", "</bpmn:documentation>" + summary, 1)
    assert documented != source
    parsed = parse_definitions({"notify.bpmn": documented.encode()})["notify"]
    assert parsed.description == "Tell the board about a serious incident."
