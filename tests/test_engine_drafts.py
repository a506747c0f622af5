from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import DefinitionError, drafts, people
from models import Definition, Draft

DATA = Path(__file__).parent / "data"
TWO_LANE = (DATA / "engine/two_lane.bpmn").read_text()
PARENT = (DATA / "engine/call_parent.bpmn").read_text()


@pytest.fixture
def groups(sessions):
    with sessions.begin() as s:
        for slug in ("intake", "lscb-chair", "police", "board", "business-unit"):
            people.add_group(s, slug)


def count(sessions, model=Definition):
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_saving_twice_keeps_one_draft_per_file_and_author(sessions):
    with sessions.begin() as s:
        first = drafts.save(s, "olive", TWO_LANE, "one")
        again = drafts.save(s, "olive", TWO_LANE.replace("Triage", "Sort"), "two")
        other = drafts.save(s, "pat", TWO_LANE)
        assert first.id == again.id != other.id
        assert (again.kind, again.process_id, again.filename, again.note) == ("bpmn", "two_lane", "two_lane.bpmn", "two")
        assert [d.created_by for d in drafts.list_drafts(s, "two_lane")] == ["pat", "olive"]


def test_discarding_is_for_the_author_or_an_admin(sessions):
    from engine import NotAllowed
    with sessions.begin() as s:
        draft_id = drafts.save(s, "olive", TWO_LANE).id
    with pytest.raises(NotAllowed), sessions.begin() as s:
        drafts.discard(s, draft_id, "pat")
    with sessions.begin() as s:
        drafts.discard(s, draft_id, "ada", may_discard_others=True)
    assert count(sessions, Draft) == 0


@pytest.mark.parametrize("xml, message", [
    ("<not-closed", "malformed XML"),
    ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "DOCTYPE"),
    ("<html><body/></html>", "not a BPMN 2.0 or DMN document"),
])
def test_unusable_files_are_not_saved(sessions, xml, message):
    with pytest.raises(DefinitionError) as err, sessions.begin() as s:
        drafts.save(s, "olive", xml)
    assert message in err.value.problems[0].message
    assert count(sessions, Draft) == 0


def test_check_combines_deploy_checks_and_lint_with_element_ids(sessions, groups):
    xml = TWO_LANE.replace("route == 'scr'", "route == 'scr").replace('"intake"', '"nobody"')
    with sessions() as s:
        result = drafts.check(s, xml)
    assert not result.ok
    by_element = {p.element_id: p for p in result.problems}
    assert "syntax error" in by_element["f_scr"].message
    assert "'nobody' does not exist" in by_element["triage"].message


def test_a_draft_is_checked_with_the_processes_it_calls_from_the_library(sessions, deploy, groups):
    with sessions() as s:
        missing = drafts.check(s, PARENT)
    assert any("call_child" in p.message for p in missing.problems) and not missing.ok
    deploy("engine/call_parent.bpmn", "engine/call_child.bpmn", "engine/route_decision.dmn")
    with sessions() as s:
        result = drafts.check(s, PARENT.replace('name="', 'name="Edited ', 1))
    assert [p for p in result.problems if p.severity == "error"] == []
    assert result.process_ids == ["call_parent"]


def test_deploy_makes_a_new_version_audited_and_removes_the_authors_draft(sessions, deploy, groups):
    deploy("engine/two_lane.bpmn")
    changed = TWO_LANE.replace("Triage the notification", "Triage it")
    with sessions.begin() as s:
        drafts.save(s, "olive", changed)
        [result] = drafts.deploy(s, changed, "olive", "shorter name")
    assert (result.version, result.created) == (2, True)
    with sessions() as s:
        row = s.scalars(select(Definition).where(Definition.version == 2)).one()
        assert (row.deployed_by, row.change_note) == ("olive", "shorter name")
    assert count(sessions, Draft) == 0


def test_deploy_refuses_errors_and_stores_nothing(sessions, groups):
    broken = TWO_LANE.replace("route == 'scr'", "__import__('os').system('id')")
    with pytest.raises(DefinitionError) as err, sessions.begin() as s:
        drafts.deploy(s, broken, "olive", "x")
    assert err.value.problems[0].element_id == "f_scr"
    assert "__import__" in err.value.problems[0].message
    assert count(sessions) == 0


def test_deploying_a_decision_table_redeploys_the_processes_that_use_it(sessions, deploy, groups):
    deploy("engine/route_decision.dmn", "engine/call_parent.bpmn", "engine/call_child.bpmn")
    dmn = (DATA / "engine/route_decision.dmn").read_text()
    with sessions() as s:
        users = drafts.bundle(s, dmn)[2]
    assert users == ["call_parent"]
    with sessions.begin() as s:
        results = drafts.deploy(s, dmn + "\n<!-- edited -->", "olive", "new rule")
    assert [(r.process_id, r.version, r.created) for r in results] == [("call_parent", 2, True)]
