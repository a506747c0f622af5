from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import DefinitionError, people
from engine.definitions import read_paths
from models import Definition

DATA = Path(__file__).parent / "data"
REFUSED = DATA / "definitions/lint_refused.bpmn"
WORKFLOWS = Path(__file__).parent.parent / "workflows"


@pytest.fixture
def intake(sessions):
    with sessions.begin() as s:
        people.add_group(s, "intake")


def test_engine_deploy_refuses_what_lint_refuses_naming_file_line_and_element(sessions, process_engine,
                                                                               intake):
    with sessions.begin() as s, pytest.raises(DefinitionError) as refused:
        process_engine.deploy(s, read_paths([REFUSED]), "tester", "lint says no")
    found = {(p.file, p.line, p.element_id, p.severity) for p in refused.value.problems}
    assert found == {("lint_refused.bpmn", 6, "review", "error"),
                     ("lint_refused.bpmn", 9, "stuck", "error")}
    assert "ghost-panel" in refused.value.message and "dead end" in refused.value.message
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(Definition)) == 0


def test_engine_validate_reports_lint_errors_as_deploy_does(sessions, process_engine, intake):
    with sessions() as s, pytest.raises(DefinitionError) as refused:
        process_engine.validate(s, read_paths([REFUSED]))
    assert {p.element_id for p in refused.value.problems} == {"review", "stuck"}


def test_lint_warnings_do_not_block_a_deploy(sessions, process_engine):
    files = read_paths([DATA / "definitions/approval.bpmn"])
    with sessions.begin() as s:
        people.add_group(s, "intake")
        [result] = process_engine.deploy(s, files, "tester", "")
    assert result.created and result.version == 1


def test_a_deploy_refused_for_a_group_passes_once_the_group_exists(sessions, process_engine):
    files = read_paths([DATA / "definitions/approval.bpmn"])
    with sessions.begin() as s, pytest.raises(DefinitionError) as refused:
        process_engine.deploy(s, files, "tester", "")
    assert [p.element_id for p in refused.value.problems] == ["review"]
    with sessions.begin() as s:
        people.add_group(s, "intake")
        assert process_engine.deploy(s, files, "tester", "")[0].version == 1


def test_the_shipped_library_deploys_once_the_demo_groups_exist(sessions, process_engine):
    from web.demo import AGENCIES, BOARD
    with sessions.begin() as s:
        for slug in {**AGENCIES, **BOARD}:
            people.add_group(s, slug)
        results = process_engine.deploy(s, read_paths([WORKFLOWS]), "tester", "library")
    assert results and all(r.created for r in results)


def test_a_definition_error_message_names_every_problem(sessions, process_engine):
    with pytest.raises(DefinitionError) as refused, sessions() as s:
        process_engine.validate(s, read_paths([DATA / "defs/bad/expressions.bpmn"]))
    problems = refused.value.problems
    assert len(problems) > 2
    assert all(str(p) in refused.value.message for p in problems)
    assert "more problems" not in refused.value.message
