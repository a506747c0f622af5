"""The board's assurance cycles (issue 18 part 2): board meetings with the challenge log, the
training programme and the workshops with staged evaluation, the performance-data cycle, all in
rounds anchored to the business year (or the school year), whenever they were started."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from engine import learning as lc
from models.learning import Dissemination, Evaluation, LearningItem
from test_workflows import T0, db_url, lib, library_template  # noqa: F401


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


def validated_item(lib, statement="Escalate disagreements about thresholds") -> int:
    with lib.sessions.begin() as s:
        item = lc.record_item(s, "lisg", statement, themes=["escalation"], now=T0)
        lc.validate_item(s, item, "lisg", now=T0)
        return item.id


def all_of(lib, model):
    with lib.sessions() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def first_round(lib, cid, bpmn_id):
    [timer] = [t for t in lib.show(cid).timers if t.bpmn_id == bpmn_id]
    lib.fire(timer.due_at + timedelta(seconds=1))
    return timer.due_at


def test_c03_workshop_feedback_and_impact_check_reach_the_evaluation_register(lib):
    item_id = validated_item(lib)
    cid = lib.start("c03_learning_workshops", "manager").id
    assert first_round(lib, cid, "every_quarter") == utc(2027, 4, 1, 8, 0)   # 09:00 BST
    lib.do(cid, "plan_workshop", "tpd", workshop_theme="Escalation", workshop_date="2027-05-20",
           workshop_learning_item=item_id)
    lib.do(cid, "publish_workshop", "comms", workshop_page="bflscb.org.uk/training/escalation")
    lib.on("2027-05-20")
    lib.do(cid, "run_workshop", "tpd", workshop_held=True, attendance=34,
           immediate_evaluation="31 of 34 feedback forms: confident to escalate")
    [spread] = all_of(lib, Dissemination)
    assert (spread.learning_item_id, spread.kind, spread.reach, spread.held_on.isoformat()) == \
        (item_id, "workshop", 34, "2027-05-20")
    [timer] = [t for t in lib.show(cid).timers if t.bpmn_id == "impact_wait"]
    lib.fire(timer.due_at + timedelta(seconds=1))                       # eight weeks later
    lib.do(cid, "impact_check", "tpd", practice_impact="Managers see escalations in supervision",
           practice_changed=True)
    assert [(e.learning_item_id, e.method, e.final, e.embedded, e.findings) for e in
            all_of(lib, Evaluation)] == [
        (item_id, "immediate_feedback", False, False,
         "31 of 34 feedback forms: confident to escalate"),
        (item_id, "training_impact", False, True, "Managers see escalations in supervision")]
    [item] = all_of(lib, LearningItem)
    assert item.status == "disseminating"          # the loop's final evaluation still to come


def test_c05_training_programme_evaluates_each_course_at_once_and_six_weeks_later(lib):
    neglect, escalation = validated_item(lib, "Use the neglect toolkit"), validated_item(lib)
    cid = lib.start("c05_training_programme", "manager").id
    assert first_round(lib, cid, "every_business_year") == utc(2027, 4, 1, 8, 0)
    plan = lib.task(cid, "plan_programme")
    assert plan.candidate_groups == ["tpd"] and plan.due_at == utc(2027, 4, 22, 8, 0)   # 15 WD
    lib.do(cid, "plan_programme", "tpd", programme_courses=(
        f"Neglect toolkit: {neglect}\nEscalating disagreements: {escalation}"))
    courses = lib.tasks(cid, "run_course")
    assert [t.candidate_groups for t in courses] == [["tpd"], ["tpd"]]
    lib.on("2027-06-10")
    for task, reach in zip(courses, (20, 12)):
        lib.complete(task, "tpd", dict(course_date="2027-06-10", attendance=reach,
                                       immediate_evaluation=f"{reach} evaluation forms, all positive"))
    assert sorted((d.learning_item_id, d.kind, d.reach) for d in all_of(lib, Dissemination)) == \
        [(neglect, "training_course", 20), (escalation, "training_course", 12)]
    [timer, _] = [t for t in lib.show(cid).timers if t.bpmn_id == "impact_wait"]
    assert timer.due_at.date().isoformat() == "2027-07-22"              # six weeks on
    lib.fire(timer.due_at + timedelta(seconds=1))
    for task, changed in zip(lib.tasks(cid, "impact_check"), (True, False)):
        lib.complete(task, "tpd", dict(practice_impact="Audit of 10 cases after the course",
                                       practice_changed=changed))
    evaluations = [(e.method, e.final) for e in all_of(lib, Evaluation)]
    assert sorted(evaluations) == [("immediate_feedback", False)] * 2 + [("training_impact", False)] * 2
    lib.do(cid, "programme_report", "tpd", programme_summary="Two courses, 32 people trained")
    assert lib.ids(cid) == []
    [timer] = lib.show(cid).timers
    assert timer.due_at == utc(2028, 4, 1, 8, 0)
