"""The computed tracker, section 11 and s175 status and workshop shortfalls equal a from-scratch
count over random registers (every row read, each definition applied literally)."""
import math
import random
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import AuditEvent, Definition, ProcessInstance
from models import action_reports
from models.action_plans import RATINGS, S11_STANDARDS, StandardRating
from models.learning import ACTION_DONE, Action, ActionPlan, Review
from test_engine_learning import session  # noqa: F401  (the same fixture)

UTC = timezone.utc
NOW = datetime(2027, 9, 1, 10, 0, tzinfo=UTC)
AGENCIES = ["police", "health", "education", "school-a"]
STATUSES = ["open", "in_progress", "completed", "signed_off", "impact_evaluated"]


def moment(rnd, days_back=700):
    return NOW - timedelta(days=rnd.uniform(-60, days_back))


def seed(session, number: int) -> None:
    rnd = random.Random(number)
    session.add(Definition(id=1, process_id="px", version=1, content_hash="x", files={},
                           spec_json="", lanes=[]))
    session.add_all(ProcessInstance(id=i, definition_id=1, process_id="p10_section11_audit",
                                    reference=f"S11-{i}", status="active", state_json="{}",
                                    serializer_version="1", data={}) for i in range(1, 13))
    session.flush()
    plans = []
    for n in range(20):
        scope = rnd.choice(["single_agency", "multi_agency"])
        follow = rnd.random() < 0.6
        plans.append(ActionPlan(
            scope=scope, source=rnd.choice(["s11", "s175", "audit", "scr"]),
            agency=rnd.choice(AGENCIES) if scope == "single_agency" else "",
            source_instance_id=n + 1 if n < 12 else None, source_ref=f"R-{n}",
            follow_up_due=(NOW + timedelta(days=rnd.uniform(-200, 200))).date() if follow else None,
            follow_up_status=rnd.choice(["due", "due", "done"]) if follow else None))
    session.add_all(plans)
    session.flush()
    actions = [Action(plan_id=rnd.choice(plans).id, owner=rnd.choice(AGENCIES), description="x",
                      due_date=(NOW + timedelta(days=rnd.uniform(-300, 300))).date(),
                      rag=rnd.choice(["red", "amber", "green"]), status=rnd.choice(STATUSES),
                      created_at=moment(rnd)) for _ in range(120)]
    session.add_all(actions)
    session.flush()
    for agency in AGENCIES:
        for instance in rnd.sample(range(1, 13), rnd.randint(0, 3)):   # returns over the years
            at = moment(rnd)
            for code in S11_STANDARDS:
                rating = rnd.choice(list(RATINGS))
                session.add(StandardRating(
                    kind="s11", source_instance_id=instance, agency=agency, standard=code,
                    rating=rating, rated_at=at,
                    action_id=rnd.choice(actions).id if rating != "met" else None))
            session.flush()
    for _ in range(40):
        bpmn_id = rnd.choice(["run_workshop", "run_workshop", "school_self_audit", "plan_workshop"])
        values = {"workshop_held": rnd.choice([True, False])} if bpmn_id == "run_workshop" else {}
        session.add(AuditEvent(at=moment(rnd), action=rnd.choice(["task_completed", "task_claimed"]),
                               bpmn_id=bpmn_id, instance_id=rnd.randint(1, 12),
                               detail={"values": values}))
    for _ in range(15):
        started = moment(rnd)
        session.add(Review(kind=rnd.choice(["s11", "s175", "audit"]), category="audit",
                           started_at=started,
                           completed_at=started + timedelta(days=rnd.uniform(1, 300))
                           if rnd.random() < 0.6 else None))
    session.flush()


def everything(session, model):
    return list(session.scalars(select(model)))


def scratch_tracker(session, at, day):
    actions = [a for a in everything(session, Action) if a.created_at < at]
    done = [a for a in actions if a.status in ACTION_DONE]
    overdue = [a for a in actions if a.status not in ACTION_DONE and a.due_date < day]
    due = [p for p in everything(session, ActionPlan) if p.follow_up_status == "due"]
    late = [p for p in due if p.follow_up_due < day]
    return {"open": len(actions) - len(done), "overdue": len(overdue), "plans_due": len(due),
            "plans_overdue": len(late)}


def scratch_s11(session, at, day):
    rows = [r for r in everything(session, StandardRating) if r.rated_at < at]
    latest = {}
    for r in sorted(rows, key=lambda r: (r.rated_at, r.id)):
        latest[r.agency] = r.source_instance_id
    kept = [r for r in rows if r.source_instance_id == latest[r.agency]]
    ids = {r.action_id for r in kept if r.action_id}
    actions = [a for a in everything(session, Action) if a.id in ids]
    return {"agencies": len(latest),
            "ratings": {k: sum(1 for r in kept if r.rating == k) for k in RATINGS},
            "actions": len(actions),
            "actions_done": sum(1 for a in actions if a.status in ACTION_DONE),
            "actions_overdue": sum(1 for a in actions
                                   if a.status not in ACTION_DONE and a.due_date < day)}


def scratch_workshops(session, start, end):
    events = [e for e in everything(session, AuditEvent) if e.action == "task_completed"
              and e.bpmn_id == "run_workshop" and start <= e.at < end]
    held = sum(1 for e in events if e.detail["values"]["workshop_held"])
    expected = math.ceil(3 * round((end - start).days / 30.44) / 12)
    return {"held": held, "not_held": len(events) - held, "expected": expected,
            "shortfall": max(0, expected - held)}



@pytest.mark.parametrize("number", [1, 7, 23])
def test_computed_figures_equal_a_from_scratch_count(session, number):
    seed(session, number)
    for end in (NOW, NOW - timedelta(days=183), NOW - timedelta(days=400)):
        start, day = end - timedelta(days=183), end.date()
        tracker = action_reports.tracker(session, end, day)
        assert {"open": tracker["open"], "overdue": tracker["actions"]["overdue"],
                "plans_due": tracker["plans_due"], "plans_overdue": tracker["plans_overdue"]} \
            == scratch_tracker(session, end, day)
        s11 = action_reports.s11_status(session, end, day)
        assert {k: s11[k] for k in ("agencies", "ratings", "actions", "actions_done",
                                    "actions_overdue")} == scratch_s11(session, end, day)
        assert action_reports.workshops(session, start, end) == scratch_workshops(session, start, end)
        s175 = action_reports.s175_status(session, start, end, day)
        assert s175["returns"] == sum(
            1 for e in everything(session, AuditEvent) if e.action == "task_completed"
            and e.bpmn_id == "school_self_audit" and start <= e.at < end)
        assert s175["actions"] == sum(1 for a in everything(session, Action)
                                      if a.plan.source == "s175" and a.created_at < end)
    assert action_reports.workshops(session, NOW - timedelta(days=365), NOW)["expected"] == 3
