import pytest

from engine import InputError, InvalidState
from models import ProcessInstance


@pytest.fixture
def admin(people_factory):
    return people_factory("sys", roles=["admin"])


@pytest.mark.parametrize("bad", ["LSCB-1\r\nBcc: x@evil.test", "LSCB\n1", "LSCB\t1", "A\x00B",
                                 "LSCB\u20281", "", "R" * 101, 17])
@pytest.mark.parametrize("given", ["reference", "data.case_ref"])
def test_a_reference_that_could_break_a_header_is_refused_where_it_enters(
        sessions, process_engine, deploy, admin, bad, given):
    deploy("engine/two_lane.bpmn")
    reference, data = (bad, {}) if given == "reference" else (None, {"case_ref": bad})
    with pytest.raises(InputError, match=given.replace(".", r"\.")), sessions.begin() as s:
        process_engine.start(s, "two_lane", admin, data, reference)
    with sessions() as s:
        assert s.query(ProcessInstance).count() == 0


def test_a_case_title_with_a_line_break_is_refused(sessions, process_engine, deploy, admin):
    deploy("engine/two_lane.bpmn")
    with pytest.raises(InputError, match=r"data\.case_title"), sessions.begin() as s:
        process_engine.start(s, "two_lane", admin, {"case_title": "Child Q\r\nX-Evil: 1"})


def test_a_reference_is_unique_on_the_board(sessions, process_engine, deploy, admin):
    deploy("engine/two_lane.bpmn")
    with sessions.begin() as s:
        first = process_engine.start(s, "two_lane", admin, {}, "LSCB-2027-7")
    for reference, data in (("LSCB-2027-7", {}), (None, {"case_ref": "LSCB-2027-7"})):
        with pytest.raises(InvalidState, match="already"), sessions.begin() as s:
            process_engine.start(s, "two_lane", admin, data, reference)
    with sessions.begin() as s:                       # a good one still starts
        assert process_engine.start(s, "two_lane", admin, {}, "LSCB-2027-8").reference == "LSCB-2027-8"
        assert process_engine.show(s, first.id).reference == "LSCB-2027-7"


def test_a_message_payload_case_ref_is_checked_before_it_starts_a_case(
        sessions, process_engine, deploy, admin):
    deploy("engine/receiver.bpmn")
    with pytest.raises(InputError, match="case_ref"), sessions.begin() as s:
        process_engine.send_message(s, "scr_referral", {"case_ref": "C-1\r\nSubject: x"}, admin)
    with sessions() as s:
        assert s.query(ProcessInstance).count() == 0


def test_a_title_a_script_computed_is_kept_on_one_line():
    from engine.references import MAX_TITLE, clean_title
    assert clean_title("Child J\r\nBcc: x@evil.test\x07 ") == "Child J Bcc: x@evil.test"
    assert len(clean_title("x" * 1000)) == MAX_TITLE
