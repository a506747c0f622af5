from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select

from engine import FormInvalid, InputError, NotAllowed, NotFound
from engine import people
from engine.actors import load_actor
from engine.dryrun import default_answers
from engine.forms import validate_form
from engine.parser import form_problems
from engine.xmlsafe import parse_xml
from models import AuditEvent, LaneMapping
from models.queries import inbox_page

DATA = Path(__file__).parent / "data"
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)
MI = (DATA / "engine/mi_agencies.bpmn").read_bytes()
TWO_LANE = (DATA / "engine/two_lane.bpmn").read_bytes()


@pytest.fixture
def admin(people_factory):
    return people_factory("ada", roles=["admin"])


def test_a_group_created_as_police_is_found_as_police_in_any_case(sessions, process_engine, admin):
    with sessions.begin() as s:
        assert process_engine.add_group(s, admin, "Police", "Thames Valley Police", "agency").slug == "police"
        user = process_engine.add_user(s, admin, "pat", None, groups=["Police"], lead_of=["POLICE"])
        assert user.group_slugs == {"police"} and user.memberships[0].is_lead
        assert people.group_by_slug(s, " Police ").slug == "police"
        process_engine.map_lane(s, admin, "Partner agencies", "Police")
        assert s.get(LaneMapping, "Partner agencies").group_slug == "police"


def test_a_candidate_group_named_in_case_data_in_capitals_reaches_the_group(sessions, process_engine,
                                                                            deploy, people_factory):
    pat = people_factory("pat", groups=["police"])
    starter = people_factory("sys", roles=["admin"])
    deploy("engine/mi_agencies.bpmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "mi_agencies", starter, {"agencies": ["Police"]})
    assert record.tasks[0].candidate_groups == ["police"]
    with sessions() as s:
        assert [r.id for r in inbox_page(s, "pat", set(pat.groups), offset=0, limit=10)] == \
            [record.tasks[0].id]
    with sessions.begin() as s:
        process_engine.complete(s, record.tasks[0].id, pat, {"findings": "Known to police"})


def test_a_lane_mapped_to_a_group_in_capitals_reaches_the_group(sessions, process_engine, deploy,
                                                               people_factory):
    ivy = people_factory("ivy", groups=["intake"])
    chris = people_factory("chris", groups=["chair"])
    with sessions.begin() as s:
        s.add(LaneMapping(lane="LSCB Chair", group_slug="Chair"))      # a row written before
    deploy("engine/two_lane.bpmn")
    with sessions.begin() as s:
        record = process_engine.start(s, "two_lane", ivy, {"case_title": "Child A"})
        after = process_engine.complete(s, record.tasks[0].id, ivy, {"route": "scr", "summary": "Serious injury"})
    assert after.tasks[0].candidate_groups == ["chair"]
    with sessions() as s:
        assert len(inbox_page(s, "chris", set(chris.groups), offset=0, limit=10)) == 1


def test_literal_groups_in_a_diagram_match_groups_whatever_their_case(sessions, process_engine,
                                                                     people_factory):
    people_factory("ivy", groups=["intake"])
    with sessions.begin() as s:
        people.add_group(s, "lscb-chair")
        xml = TWO_LANE.replace(b'candidateGroups="intake"', b'candidateGroups="Intake"')
        assert process_engine.deploy(s, {"two_lane.bpmn": xml}, "tester", "")[0].version == 1
        bad = TWO_LANE.replace(b'candidateGroups="intake"', b'candidateGroups="Nobody"')
        with pytest.raises(Exception, match="'Nobody' does not exist"):
            process_engine.deploy(s, {"two_lane.bpmn": bad}, "tester", "")


def test_admins_list_groups_and_rename_their_title(sessions, process_engine, admin, people_factory):
    with sessions.begin() as s:
        process_engine.add_group(s, admin, "police", "Police", "agency")
        process_engine.add_group(s, admin, "lisg", "LISG", "board")
        listed = process_engine.list_groups(s, admin)
        assert [(g.slug, g.title, g.kind) for g in listed if g.slug in ("lisg", "police")] == \
            [("lisg", "LISG", "board"), ("police", "Police", "agency")]
        assert [g.slug for g in process_engine.list_groups(s, admin, kind="agency")] == ["police"]
        renamed = process_engine.rename_group(s, admin, "POLICE", "Thames Valley Police")
        assert (renamed.slug, renamed.title, renamed.kind) == ("police", "Thames Valley Police", "agency")
        with pytest.raises(NotFound):
            process_engine.rename_group(s, admin, "nobody", "Nobody")
    pat = people_factory("pat", groups=["police"])
    with pytest.raises(NotAllowed), sessions.begin() as s:
        process_engine.rename_group(s, pat, "police", "Mine")


GROUP_FIELDS = [
    {"id": "agency", "label": "Your agency", "type": "group", "required": True, "validation": {},
     "properties": {"kind": "agency"}},
    {"id": "involved", "label": "Agencies involved", "type": "groups", "required": False,
     "validation": {}, "properties": {"kind": "agency"}},
]
KNOWN = {"police": "agency", "health": "agency", "lisg": "board"}


def test_group_fields_take_existing_groups_of_their_kind_as_slugs():
    clean = validate_form(GROUP_FIELDS, {"agency": "Police", "involved": ["health", "POLICE"]},
                          groups=KNOWN)
    assert clean == {"agency": "police", "involved": ["health", "police"]}
    assert validate_form(GROUP_FIELDS, {"agency": "police", "involved": "police, health"},
                         groups=KNOWN)["involved"] == ["police", "health"]
    with pytest.raises(FormInvalid) as refused:
        validate_form(GROUP_FIELDS, {"agency": "lisg", "involved": ["health", "nobody"]}, groups=KNOWN)
    assert set(refused.value.errors) == {"agency", "involved"}
    with pytest.raises(FormInvalid):
        validate_form(GROUP_FIELDS, {"agency": ["police"]}, groups=KNOWN)


def test_a_dry_run_answers_group_fields_with_the_first_group_offered():
    assert default_answers(GROUP_FIELDS, T0, KNOWN) == {"agency": "health", "involved": ["health"]}


def test_group_field_types_deploy_and_a_task_refuses_an_unknown_group(sessions, process_engine,
                                                                     deploy, people_factory):
    xml = MI.replace(b'id="findings" label="Findings" type="text"',
                     b'id="findings" label="Agencies told" type="groups"')
    node = parse_xml(xml, "mi.bpmn").xpath("//*[@id='agency_report']")[0]
    assert form_problems(node) == []
    pat = people_factory("pat", groups=["police"])
    starter = people_factory("sys", roles=["admin"])
    with sessions.begin() as s:
        process_engine.deploy(s, {"mi.bpmn": xml}, "tester", "")
        task = process_engine.start(s, "mi_agencies", starter, {"agencies": ["police"]}).tasks[0]
    with pytest.raises(FormInvalid), sessions.begin() as s:
        process_engine.complete(s, task.id, pat, {"findings": ["police", "nobody"]})
    with sessions.begin() as s:
        done = process_engine.complete(s, task.id, pat, {"findings": ["Police"]})
    assert done.status == "completed"


def test_a_lane_no_diagram_has_is_refused_and_a_mapping_can_be_removed(sessions, process_engine,
                                                                      admin, deploy):
    deploy("engine/two_lane.bpmn")
    with sessions.begin() as s:
        process_engine.add_group(s, admin, "chairs-office", "Chair's office", "board")
        with pytest.raises(InputError) as refused:
            process_engine.map_lane(s, admin, "LSCB Chiar", "chairs-office")     # a typo
        assert "LSCB Chiar" in refused.value.message and "draft" in refused.value.message
        assert s.get(LaneMapping, "LSCB Chiar") is None
        process_engine.map_lane(s, admin, "LSCB Chair", "chairs-office")
    with sessions() as s:
        rows = {row.lane: row for row in process_engine.lanes(s)}
    assert rows["LSCB Chair"].group == "chairs-office" and rows["LSCB Chair"].in_diagrams
    assert rows["LSCB Chair"].fallback == "lscb-chair"
    with sessions.begin() as s:
        process_engine.unmap_lane(s, admin, "LSCB Chair")
        with pytest.raises(NotFound):
            process_engine.unmap_lane(s, admin, "LSCB Chair")
    with sessions() as s:
        assert s.get(LaneMapping, "LSCB Chair") is None
        row = {row.lane: row for row in process_engine.lanes(s)}["LSCB Chair"]
        assert row.group is None and row.fallback == "lscb-chair"
        events = [e.action for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert events[-2:] == ["lane_mapped", "lane_unmapped"]


def test_a_lane_of_a_draft_or_of_the_shipped_library_may_be_mapped_before_it_is_deployed(
        sessions, process_engine, admin, people_factory):
    owner = people_factory("olive", roles=["process_owner"])
    with sessions.begin() as s:
        process_engine.add_group(s, admin, "partners", "Safeguarding partners", "board")
        process_engine.map_lane(s, admin, "LSCB Chair", "partners")    # shipped in workflows/
        draft = TWO_LANE.replace(b'name="LSCB Chair"', b'name="Partnership chair"')
        process_engine.save_diagram_draft(s, owner, draft.decode())
    with sessions.begin() as s:
        process_engine.map_lane(s, admin, "Partnership chair", "partners")
    with sessions() as s:
        assert {"LSCB Chair", "Partnership chair"} <= {row.lane for row in process_engine.lanes(s)}
