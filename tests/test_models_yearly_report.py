"""The yearly / annual report's figures (models.learning_reports.yearly_figures) give what a
from-scratch count over every row gives, on random registers: reviews completed and their
timeliness, impact, publications, action on review recommendations, the surveys that heard
children and families, and the areas of little progress (issue 18 part 2)."""
from __future__ import annotations

import random
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import insert, select

from models import Definition, ProcessInstance
from models.learning import Action, ActionPlan, LearningItem, LearningTag, Review
from models.learning_reports import (last_business_year, year_period, yearly_figures,
                                     yearly_summary)

UTC = timezone.utc
YEAR = 2025
START, END = year_period(YEAR, UTC)
KINDS = {"review": ["scr", "macr", "imr", "roundtable"], "audit": ["survey", "s11", "multi_agency_audit"]}
THEMES = ["neglect", "information_sharing", "voice_of_child"]
DONE = ("completed", "signed_off", "impact_evaluated")


def moment(rnd, low, high):
    return low + (high - low) * rnd.random()


def seed(session, seed_value: int, count: int = 120) -> None:
    """Random reviews, learning items and actions around the business year 2025-26 (edges
    included: moments exactly at the year's bounds)."""
    rnd = random.Random(seed_value)
    session.add(Definition(id=1, process_id="px", version=1, content_hash="x", files={},
                           spec_json="", lanes=[]))
    session.flush()
    session.execute(insert(ProcessInstance), [
        dict(id=i, definition_id=1, process_id="px", reference=f"R-{i}", title="", status="active",
             state_json="{}", serializer_version="1", data={}, started_at=START, updated_at=START,
             row_version=1) for i in range(1, count + 1)])
    low, high = START - timedelta(days=400), END + timedelta(days=200)
    for i in range(1, count + 1):
        category = rnd.choice(["review", "review", "audit"])
        kind = rnd.choice(KINDS[category])
        started = rnd.choice([moment(rnd, low, high), START, END - timedelta(days=190)])
        completed = None
        if rnd.random() < 0.7:
            completed = rnd.choice([started + timedelta(days=rnd.choice([30, 150, 183, 184, 300])),
                                    START, END, END - timedelta(microseconds=1)])
            completed = max(completed, started)
        published = None
        if rnd.random() < 0.3:
            published = (moment(rnd, low, high)).date()
        session.add(Review(
            id=i, kind=kind, category=category, title=f"Review {i}", instance_id=i,
            case_ref=f"R-{i}", started_at=started, completed_at=completed,
            impact=rnd.choice([None, "Practice changed in a measurable way"]),
            outcome=rnd.choice(["children_young_people", "families", "mixed", "practitioners",
                                None]) if kind == "survey" else None,
            published_on=published, online_until=published + timedelta(days=366) if published else None))
        plan = ActionPlan(source_instance_id=i, source=kind, created_at=started,
                          scope=rnd.choice(["multi_agency", "single_agency"]))
        session.add(plan)
        for _ in range(rnd.randint(0, 3)):
            session.add(Action(plan=plan, owner=rnd.choice(["police", "health"]), description="x",
                               due_date=moment(rnd, low, high).date(),
                               rag=rnd.choice(["red", "amber", "green"]),
                               status=rnd.choice(["open", "in_progress", *DONE]),
                               created_at=rnd.choice([moment(rnd, low, high), END])))
    for n in range(count):
        outcome = rnd.choice(["learnt", "not_learnt", None])
        evaluated = rnd.choice([moment(rnd, low, high), START, END]) if outcome else None
        item = LearningItem(statement=f"Learning {n}", status="evaluated" if outcome else "validated",
                            outcome=outcome, evaluated_at=evaluated,
                            identified_at=moment(rnd, low, START + timedelta(days=100)))
        item.tags = [LearningTag(kind="theme", value=t) for t in rnd.sample(THEMES, rnd.randint(0, 2))]
        session.add(item)
    session.flush()


def within(moment_, start=START, end=END):
    return moment_ is not None and start <= moment_ < end


def reference(session):
    reviews = list(session.scalars(select(Review)))
    items = list(session.scalars(select(LearningItem)))
    actions = list(session.scalars(select(Action)))
    completed = sorted((r for r in reviews if r.category == "review" and within(r.completed_at)),
                       key=lambda r: (r.completed_at, r.id))
    on_time = [r for r in completed if r.completed_at <= r.started_at + relativedelta(months=6)]
    published = [r for r in reviews if r.published_on and START.date() <= r.published_on < END.date()]
    review_cases = {r.instance_id for r in reviews if r.category == "review"}
    answering = [a for a in actions if a.plan.source_instance_id in review_cases and a.created_at < END]
    last_day = END.date() - timedelta(days=0)
    done = [a for a in answering if a.status in DONE]
    overdue = [a for a in answering if a.status not in DONE and a.due_date < last_day]
    voices = [r for r in reviews if r.kind == "survey" and within(r.completed_at)
              and r.outcome in ("children_young_people", "families", "mixed")]
    not_learnt = [i for i in items if i.outcome == "not_learnt" and within(i.evaluated_at)]
    still_open = [r for r in reviews if r.category == "review" and r.started_at < END
                  and (r.completed_at is None or r.completed_at >= END)]
    late = [r for r in still_open if r.started_at + relativedelta(months=6) < END]
    return {"completed": [r.id for r in completed], "on_time": len(on_time),
            "impact": sorted({r.id for r in completed + published}),
            "published": sorted(r.id for r in published),
            "recommendations": {"total": len(answering), "done": len(done), "overdue": len(overdue),
                                "open": len(answering) - len(done) - len(overdue)},
            "voices": sorted(r.id for r in voices),
            "not_learnt_by_theme": dict(Counter(t for i in not_learnt for t in i.themes)),
            "not_learnt": len(not_learnt), "late": sorted(r.id for r in late)}


@pytest.mark.parametrize("seed_value", [5, 11, 29])
def test_yearly_figures_match_a_count_from_scratch(sessions, seed_value):
    with sessions.begin() as s:
        seed(s, seed_value)
    with sessions() as s:
        f = yearly_figures(s, START, END)
        want = reference(s)
        got = {"completed": [r.id for r, _ in f["completed_reviews"]], "on_time": f["on_time"],
               "impact": sorted(r.id for r in f["impact"]),
               "published": sorted(r.id for r in f["published"]),
               "recommendations": f["recommendations"], "voices": sorted(r.id for r in f["voices"]),
               "not_learnt_by_theme": f["little_progress"]["not_learnt_by_theme"],
               "not_learnt": f["little_progress"]["not_learnt"],
               "late": sorted(r.id for r in f["little_progress"]["late_reviews"])}
        assert got == want
        assert want["completed"] and want["recommendations"]["total"] and want["voices"]
        summary = yearly_summary(s, START, END)
        assert (summary["reviews_completed"], summary["reviews_on_time"],
                summary["reports_published"], summary["recommendation_actions_overdue"]) == (
            len(want["completed"]), want["on_time"], len(want["published"]),
            want["recommendations"]["overdue"])
        # the counts every report shares come from the same queries as the annual figures
        completed_by_kind = f["reviews"]["review"]["completed"]
        assert sum(completed_by_kind.values()) == len(want["completed"])


@pytest.mark.parametrize("now, year", [
    (datetime(2027, 4, 1, 8, 0, tzinfo=UTC), 2026),       # 09:00 BST on 1 April: 2026-27 ended
    (datetime(2027, 3, 31, 23, 30, tzinfo=UTC), 2026),    # 00:30 BST on 1 April, UTC still March
    (datetime(2027, 3, 31, 22, 30, tzinfo=UTC), 2025),    # 23:30 BST on 31 March
    (datetime(2027, 1, 15, 12, 0, tzinfo=UTC), 2025)])
def test_the_business_year_last_ended_is_read_in_the_board_time_zone(now, year):
    from zoneinfo import ZoneInfo
    assert last_business_year(now, ZoneInfo("Europe/London")) == year
