"""The yearly report (2018/2023) and the LSCB annual report (2015) as a cycle (C13, issue 18
part 2): anchored to the April business year, its figures computed from the registers for the
year just ended, approved by the regime's approver, published and circulated. Driven through
the deployed library as the board's groups would."""
from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone

import pytest

from models.learning import Review
from test_workflows import db_url, lib, library_template  # noqa: F401


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


FIRST_ROUND = utc(2027, 4, 1, 8, 0)      # 1 April 2027, 09:00 British Summer Time


def seed_reviews(lib):
    """Two reviews completed in 2026-27 (one within six months, one not), one still open."""
    with lib.sessions.begin() as s:
        s.add_all([
            Review(kind="scr", title="Child A", started_at=utc(2026, 5, 1), completed_at=utc(2026, 10, 1),
                   impact="Health visitors now share concerns at 10 days"),
            Review(kind="macr", title="Child B", started_at=utc(2026, 4, 2), completed_at=utc(2027, 1, 5)),
            Review(kind="scr", title="Child C", started_at=utc(2026, 6, 1)),
            Review(kind="survey", category="audit", title="Young people's views",
                   started_at=utc(2026, 7, 1), completed_at=utc(2026, 9, 1),
                   outcome="children_young_people")])


def shown(lib, cid, bpmn_id):
    """The task's instructions as the task page shows them (rendered over the case data)."""
    from web.instructions import render_instructions
    return html.unescape(render_instructions(lib.task(cid, bpmn_id).documentation, lib.show(cid).data))


def first_round(lib):
    cid = lib.start("c13_yearly_report", "manager").id
    [timer] = lib.show(cid).timers
    assert timer.due_at == FIRST_ROUND
    assert lib.fire(FIRST_ROUND - timedelta(minutes=1)) == 0
    assert lib.fire(FIRST_ROUND + timedelta(minutes=1)) == 1
    return cid


DRAFT = dict(effectiveness_narrative="Arrangements were effective in most areas",
             voice_narrative="Young people asked for one trusted worker",
             little_progress_narrative="Neglect chronologies are still patchy",
             draft_link="https://example.org/draft")


def test_2015_the_annual_report_is_approved_by_the_lscb_chair_and_sent_to_the_council(lib):
    seed_reviews(lib)
    cid = first_round(lib)
    figures = lib.show(cid).data["yearly_report"]
    assert figures["year"] == 2026 and figures["regime"] == "LSCB_WT2015"
    assert (figures["reviews_completed"], figures["reviews_on_time"], figures["impact_missing"],
            figures["voice_surveys"], figures["reviews_late"]) == (2, 1, 1, 1, 1)
    assert figures["url"] == "/reports/yearly?year=2026"
    draft = shown(lib, cid, "draft_yearly_report")
    assert "the LSCB annual report" in draft and "(1 April 2026 to 31 March 2027)" in draft
    assert "earlier draft" not in draft
    lib.do(cid, "draft_yearly_report", "business-unit", DRAFT)
    lib.do(cid, "chair_approves_report", "lscb-chair", chair_approves=False,
           chair_comments="Say more about neglect")
    assert "Say more about neglect" in shown(lib, cid, "draft_yearly_report")
    lib.do(cid, "draft_yearly_report", "business-unit", DRAFT)
    lib.do(cid, "chair_approves_report", "lscb-chair", chair_approves=True)
    lib.on("2027-05-24")
    lib.do(cid, "publish_yearly_report", "comms", yearly_report_url="https://example.org/ar",
           yearly_report_published_on="2027-05-24")
    assert "Health and Wellbeing Board" in shown(lib, cid, "circulate_yearly_report")
    # 10 working days, over the spring bank holiday (31 May): Tuesday 8 June, 17:00 BST
    assert lib.task(cid, "circulate_yearly_report").due_at == utc(2027, 6, 8, 16, 0)
    lib.do(cid, "circulate_yearly_report", "business-unit", yearly_report_sent_on="2027-05-24")
    assert lib.ids(cid) == [] and lib.show(cid).status == "active"
    assert [t.due_at for t in lib.show(cid).timers] == [utc(2028, 4, 1, 8, 0)]


@pytest.mark.parametrize("regime, recipient", [
    ("MASA_WT2018", "What Works Centre for Children's Social Care"),
    ("MASA_WT2023", "Foundations")])
def test_2018_the_yearly_report_is_approved_by_the_partners_and_sent_within_seven_days(
        lib, regime, recipient):
    lib.set_regime(regime)
    cid = first_round(lib)
    assert lib.show(cid).data["yearly_report"]["regime"] == regime
    assert "the safeguarding partners' yearly report" in shown(lib, cid, "draft_yearly_report")
    lib.do(cid, "draft_yearly_report", "business-unit", DRAFT)
    assert not lib.tasks(cid, "chair_approves_report")
    # the independent scrutineer assesses the arrangements before the partners approve
    assert lib.ids(cid) == ["scrutinise_yearly_report"]
    assert lib.task(cid, "scrutinise_yearly_report").candidate_groups == ["independent-scrutineer"]
    lib.do(cid, "scrutinise_yearly_report", "independent-scrutineer",
           scrutiny_assessment="The partners' rapid reviews were timely; neglect needs attention",
           scrutiny_recommendations="Audit neglect cases jointly")
    assert "neglect needs attention" in shown(lib, cid, "partners_approve_report")
    lib.do(cid, "partners_approve_report", "safeguarding-partners", partners_approve=True)
    # published on Friday 21 May 2027: seven days later is Friday 28 May, before the bank
    # holiday of Monday 31 May (seven calendar days, not working days)
    lib.on("2027-05-21")
    lib.do(cid, "publish_yearly_report", "comms", yearly_report_url="https://example.org/yr",
           yearly_report_published_on="2027-05-21")
    text = shown(lib, cid, "circulate_yearly_report")
    assert recipient in text and "within seven days" in text
    assert lib.task(cid, "circulate_yearly_report").due_at == utc(2027, 5, 28, 16, 0)
