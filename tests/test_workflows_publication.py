"""Publication of SCR / LCSPR reports (issue 18 part 2): the pre-publication copy date computed
from the planned publication date by the regime's working days (anchored across Easter and the
clock change), a re-check every three months while proceedings delay publication (a decision
recorded each time), the period the report stays online with a reminder before it may come
down, and the publication recorded on the review and as a ``publication`` dissemination of the
review's learning. Driven through the deployed library as the board's groups would."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from models.audit import AuditEvent
from models.learning import Dissemination, LearningItem, Review
from test_workflows import db_url, lib, library_template  # noqa: F401
from test_workflows_regime import PARTNERS


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


def decider(lib, iid):
    """Who appoints the reviewer and decides publication: the LSCB Chair (2015), the partners."""
    return "lscb-chair" if lib.show(iid).data["regime"] == "LSCB_WT2015" else "safeguarding-partners"


def conduct_review(lib, iid):
    """From the independent reviewer's appointment to the Board's acceptance (one agency's IMR)."""
    lib.do(iid, "appoint_reviewer", decider(lib, iid), reviewer_name="J. Jones",
           reviewer_independent=True, independence_statement="No connection with any agency")
    lib.do(iid, "set_terms_of_reference", "lisg", methodology="learning_together",
           period_under_review="2025-2027", parallel_proceedings="criminal",
           agencies_involved="police")
    lib.do(iid, "appoint_author", "police", imr_author="police lead", author_independent=True)
    lib.do(iid, "secure_records", "police", records_secured=True, chronology_complete=True)
    lib.do(iid, "write_imr", "police", imr_summary="Police analysis of decisions",
           missed_opportunities="Two", good_practice="Prompt referral", imr_recommendations="Supervision")
    lib.do(iid, "sign_off_imr", "police", imr_signed_off=True)
    lib.do(iid, "receive_imr", "independent-reviewer", imr_received_ok=True)
    lib.do(iid, "engage_family", "independent-reviewer", family_engaged=True,
           family_views="Mother contributed")
    lib.do(iid, "check_parallel_processes", "business-unit", parallel_process_notes="CPS agreed",
           publication_block_expected=True)
    lib.do(iid, "learning_event", "independent-reviewer", learning_event_on="2027-03-10",
           practitioners_attended=12)
    lib.do(iid, "draft_report", "independent-reviewer", draft_summary="Missed opportunities",
           draft_recommendations="A joint protocol")
    lib.do(iid, "quality_assure_draft", "lisg", draft_accepted=True)
    for _ in lib.tasks(iid, "monthly_checkpoint"):
        lib.do(iid, "monthly_checkpoint", "lisg", progress_rag="green")


def scr_to_acceptance(lib):
    """2015: the LSCB Chair's SCR, reviewed, up to the Board's acceptance."""
    iid = lib.start("p02_serious_case_review", "lscb-chair").id
    lib.do(iid, "notify_scr_started", "lscb-chair", panel_told_on="2027-03-02")
    conduct_review(lib, iid)
    return iid


def lcspr_to_acceptance(lib, regime):
    """2018/2023: rapid review, the partners decide on an LCSPR, reviewed, up to acceptance."""
    lib.set_regime(regime)
    iid = lib.start("p02_serious_case_review", "lscb-chair").id
    lib.do(iid, "record_panel_notification", "business-unit", panel_notified_on="2027-03-01")
    lib.do_each(iid, "rr_agency_information", {
        g: dict(rr_agency_involvement=f"{g}: contact with the family since 2025")
        for g in ("childrens-social-care", "police", "health")})
    lib.do(iid, "rapid_review", "lisg", rapid_review_facts="Facts and agency involvement gathered",
           rapid_review_actions="Sibling plan", lcspr_recommended=True,
           rapid_review_rationale="Considered the potential for learning", lead_partner="la")
    for task, (group, prefix) in PARTNERS.items():
        lib.do(iid, task, group, {f"{prefix}_approves": True,
                                  f"{prefix}_signatory": f"{prefix} lead safeguarding partner",
                                  f"{prefix}_signed_by_delegate": False})
    lib.do(iid, "send_rapid_review", "safeguarding-partners", rapid_review_sent_on="2027-03-01",
           rapid_review_learning_identified=False)
    lib.do(iid, "record_panel_response", "safeguarding-partners", panel_response="agrees")
    conduct_review(lib, iid)
    return iid


def accept_and_decide(lib, iid, learning=True):
    """The Board accepts with the review's impact; the Chair publishes in full; one learning
    item, validated by LISG in the learning loop."""
    lib.do(iid, "board_acceptance", "board", report_accepted=True, lscb_response="We accept all findings",
           action_plans_agreed=True, learning_identified=learning,
           review_impact="Health visitors now share concerns with the GP within ten days")
    lib.do(iid, "publication_decision", decider(lib, iid), publication="publish_full")
    if learning:
        lib.do(iid, "record_learning_item", "lisg", learning_statement="Share information at the front door",
               learning_theme="information_sharing", learning_audience="all_agencies",
               action_owner="police", action_description="Joint protocol",
               action_due_date="2028-03-31", more_learning=False)
        [(loop, _, _)] = lib.instances("learning_loop")
        lib.do(loop, "validate_item", "lisg", item_valid=True, item_theme="information_sharing",
               disseminate_training=True, disseminate_briefing=False,
               disseminate_single_agency=False, item_owner="police",
               item_action="Joint protocol", item_due_date="2028-03-31")
    assert lib.ids(iid) == ["plan_publication"]


def review_row(lib, iid):
    with lib.sessions() as s:
        return s.scalars(select(Review).where(Review.instance_id == iid, Review.kind == "scr")).one()


# Planned publication on Tuesday 6 April 2027 (BST). Seven working days before it, counted back
# over Easter Monday (29 March) and Good Friday (26 March) and the clock change (28 March), is
# Wednesday 24 March, 17:00 GMT; five working days (2015) is Tuesday 30 March, 17:00 BST.
@pytest.mark.parametrize("regime, due", [
    ("MASA_WT2018", utc(2027, 3, 24, 17, 0)), ("MASA_WT2023", utc(2027, 3, 24, 17, 0)),
    ("LSCB_WT2015", utc(2027, 3, 30, 16, 0))])
def test_the_pre_publication_copy_is_due_working_days_before_the_planned_date(lib, regime, due):
    iid = scr_to_acceptance(lib) if regime == "LSCB_WT2015" else lcspr_to_acceptance(lib, regime)
    lib.now = utc(2027, 3, 15, 10, 0)
    accept_and_decide(lib, iid)
    assert review_row(lib, iid).impact == "Health visitors now share concerns with the GP within ten days"
    assert review_row(lib, iid).completed_at is not None      # closed: the learning does not wait
    lib.do(iid, "plan_publication", "business-unit", planned_publication_on="2027-04-06",
           publication_delayed=False)
    task = lib.task(iid, "send_prepublication")
    assert task.due_at == due
    text = lib.show(iid).data["prepublication_to"]
    assert ("Secretary of State" in text) == (regime != "LSCB_WT2015")


def test_a_copy_sent_too_late_moves_the_publication_date(lib):
    lib.set_regime("MASA_WT2018")
    iid = lcspr_to_acceptance(lib, "MASA_WT2018")
    lib.now = utc(2027, 3, 15, 10, 0)
    accept_and_decide(lib, iid, learning=False)
    lib.do(iid, "plan_publication", "business-unit", planned_publication_on="2027-04-06",
           publication_delayed=False)
    lib.on("2027-03-25")                        # six working days before: one too few
    lib.do(iid, "send_prepublication", "business-unit", prepublication_sent_on="2027-03-25")
    assert lib.ids(iid) == ["plan_publication"]
    assert "plan a later date" in lib.show(iid).data["publication_replan_reason"]
    lib.do(iid, "plan_publication", "business-unit", planned_publication_on="2027-04-07",
           publication_delayed=False)
    lib.do(iid, "send_prepublication", "business-unit", prepublication_sent_on="2027-03-25")
    assert lib.ids(iid) == ["publish_report"]


def test_publication_delayed_by_proceedings_is_rechecked_every_three_months(lib):
    iid = scr_to_acceptance(lib)
    lib.now = utc(2027, 3, 15, 10, 0)
    accept_and_decide(lib, iid, learning=False)
    lib.do(iid, "plan_publication", "business-unit", planned_publication_on="2027-06-01",
           publication_delayed=True, publication_delay_reason="The criminal trial")
    # three months on (SpiffWorkflow counts a timer's duration in UTC: 11:00 BST)
    [timer] = lib.show(iid).timers
    assert timer.bpmn_id == "publication_wait" and timer.due_at == utc(2027, 6, 15, 10, 0)
    assert lib.fire(utc(2027, 6, 15, 9, 59)) == 0 and lib.ids(iid) == []
    lib.fire(utc(2027, 6, 15, 10, 1))
    recheck = lib.task(iid, "recheck_publication")
    assert recheck.candidate_groups == ["lscb-chair"]          # 2015: the LSCB Chair decides
    lib.do(iid, "recheck_publication", "lscb-chair", still_delayed=True,
           recheck_notes="The trial is listed for August")
    [timer] = lib.show(iid).timers                             # three months again
    assert timer.due_at == utc(2027, 9, 15, 10, 1)
    lib.fire(utc(2027, 9, 15, 10, 2))
    lib.do(iid, "recheck_publication", "lscb-chair", still_delayed=False,
           recheck_notes="The trial has ended: publish")
    assert lib.ids(iid) == ["plan_publication"]
    log = lib.show(iid).data["publication_rechecks"]
    assert [(r["on"], r["still_delayed"]) for r in log] == [("2027-06-15", True), ("2027-09-15", False)]
    with lib.sessions() as s:                                   # each decision in the audit trail
        decisions = s.scalars(select(AuditEvent).where(
            AuditEvent.instance_id == iid, AuditEvent.action == "task_completed",
            AuditEvent.bpmn_id == "recheck_publication")).all()
    assert len(decisions) == 2


def test_2018_the_partners_recheck_a_delayed_publication(lib):
    iid = lcspr_to_acceptance(lib, "MASA_WT2018")
    lib.now = utc(2027, 3, 15, 10, 0)
    accept_and_decide(lib, iid, learning=False)
    lib.do(iid, "plan_publication", "business-unit", planned_publication_on="2027-06-01",
           publication_delayed=True, publication_delay_reason="The inquest")
    lib.fire(utc(2027, 6, 15, 10, 1))
    assert lib.task(iid, "recheck_publication").candidate_groups == ["safeguarding-partners"]


def test_publication_is_recorded_and_the_report_stays_online_a_year_with_a_reminder(lib):
    iid = scr_to_acceptance(lib)
    lib.now = utc(2027, 3, 15, 10, 0)
    accept_and_decide(lib, iid)
    lib.do(iid, "plan_publication", "business-unit", planned_publication_on="2027-04-06",
           publication_delayed=False)
    lib.on("2027-03-29")
    lib.do(iid, "send_prepublication", "business-unit", prepublication_sent_on="2027-03-29")
    assert lib.task(iid, "publish_report").due_at == utc(2027, 4, 6, 16, 0)
    lib.on("2027-04-06")
    lib.do(iid, "publish_report", "comms", published_url="https://bflscb.org.uk/scr-a",
           published_on="2027-04-06")
    review = review_row(lib, iid)
    assert (str(review.published_on), str(review.online_until)) == ("2027-04-06", "2028-04-06")
    with lib.sessions() as s:
        [item] = s.scalars(select(LearningItem).where(LearningItem.source_instance_id == iid)).all()
        [row] = s.scalars(select(Dissemination).where(Dissemination.learning_item_id == item.id)).all()
        assert (row.kind, str(row.held_on), item.status) == ("publication", "2027-04-06", "disseminating")
    [timer] = lib.show(iid).timers                   # a month before it may come down
    assert timer.bpmn_id == "online_reminder" and timer.due_at == utc(2028, 3, 6, 17, 0)
    lib.fire(utc(2028, 3, 6, 17, 1))
    decide = lib.task(iid, "review_online_report")
    assert decide.due_at == utc(2028, 4, 6, 16, 0)
    lib.do(iid, "review_online_report", "comms", keep_online=False)
    [timer] = lib.show(iid).timers                   # not before the year is up
    assert timer.due_at == utc(2028, 4, 6, 16, 0) and lib.ids(iid) == []
    lib.fire(utc(2028, 4, 6, 16, 1))
    lib.on("2028-04-07")
    lib.do(iid, "take_report_down", "comms", report_removed_on="2028-04-07")
    assert lib.show(iid).status == "completed"
