from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import learning as lc
from models import ChildDeath
from models.learning import LearningItem, LearningTag, Review
from models.learning_queries import add_months, loop_closure
from models.learning_reports import (annual_figures, cdop_figures, lisg_figures, lisg_summary,
                                     year_period)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + "T12:00:00").replace(tzinfo=timezone.utc)


START, END = at("2026-01-01").replace(hour=0), at("2026-07-01").replace(hour=0)


def item(session, identified, themes, agencies, *, to="validated", evaluated=None,
         learnt=True, disseminated=()):
    row = lc.record_item(session, "lena", f"Learning {identified}", themes=themes,
                         agencies=agencies, now=at(identified))
    if to == "rejected":
        lc.validate_item(session, row, "lena", valid=False)
        return row
    lc.validate_item(session, row, "lena", now=at(identified))
    for kind, held_on, reach in disseminated:
        lc.record_dissemination(session, row, "tom", kind=kind, held_on=held_on, reach=reach)
    if to in ("embedded", "evaluated"):
        if not disseminated:
            lc.move_item(session, row, "lena", "disseminating")
        lc.move_item(session, row, "lena", "embedded")
    if to == "evaluated":
        lc.record_evaluation(session, row, "lena", method="case_file_reaudit", findings="f",
                             embedded=learnt, now=at(evaluated))
    return row


def action(session, owner, due, *, created="2026-01-05", rag="green", to=None):
    row = lc.open_action(session, "lena", owner=owner, description=f"{owner} by {due}",
                         due_date=due, rag=rag, now=at(created))
    for step in to or ():
        lc.move_action(session, row, "pat", step, evidence="done", now=at("2026-06-10"))
    return row


@pytest.fixture
def seeded(sessions):
    with sessions.begin() as s:
        for kind, category, started, completed in [
                ("scr", "review", "2025-11-10", "2026-02-15"), ("macr", "review", "2026-02-01", None),
                ("macr", "review", "2026-03-01", "2026-06-30"),
                ("multi_agency_audit", "audit", "2026-04-01", "2026-05-01"),
                ("imr", "review", "2026-07-05", None)]:
            s.add(Review(kind=kind, category=category, started_at=at(started),
                         completed_at=at(completed) if completed else None))
        item(s, "2025-03-01", ["neglect"], ["police"], to="evaluated", evaluated="2026-02-01",
             disseminated=[("workshop", "2025-04-01", 10)])
        item(s, "2025-04-15", ["neglect", "information_sharing"], ["health"], to="evaluated",
             evaluated="2026-01-10", learnt=False)
        item(s, "2025-05-01", ["information_sharing"], ["police"], to="embedded",
             disseminated=[("briefing", "2026-01-15", 100)])
        item(s, "2026-02-10", ["voice_of_child"], ["police"], disseminated=[
            ("workshop", "2026-03-10", 45), ("training_course", "2026-04-20", 20),
            ("workshop", "2026-07-01", 999)])
        item(s, "2026-03-05", ["voice_of_child"], ["health"], to="rejected")
        item(s, "2025-01-10", ["neglect"], ["police"], to="evaluated", evaluated="2026-03-01")
        action(s, "police", "2026-05-31")
        action(s, "police", "2026-08-31", rag="amber")
        action(s, "health", "2026-06-15", to=["completed"])
        action(s, "health", "2026-06-20", to=["in_progress"])
        action(s, "comms", "2026-09-30")
        action(s, "police", "2026-12-31", created="2026-07-15")
    return sessions


def test_add_months_keeps_the_day_or_takes_the_month_end():
    assert add_months(at("2025-03-01"), 12) == at("2026-03-01")
    assert add_months(at("2026-01-31"), 1) == at("2026-02-28")
    assert add_months(at("2026-07-01"), -6) == at("2026-01-01")


def test_loop_closure_counts_items_whose_outcome_is_known_or_window_has_passed(seeded):
    with seeded() as s:
        closure = loop_closure(s, END)
    overall = closure["overall"]
    assert (overall.cohort, overall.closed, overall.pending, overall.share) == (4, 1, 1, 0.25)
    themes = {k: (c.cohort, c.closed, c.pending) for k, c in closure["by_theme"].items()}
    assert themes == {"neglect": (3, 1, 0), "information_sharing": (2, 0, 0),
                      "voice_of_child": (0, 0, 1)}
    assert closure["by_theme"]["voice_of_child"].share is None
    agencies = {k: (c.cohort, c.closed, c.pending) for k, c in closure["by_agency"].items()}
    assert agencies == {"police": (3, 1, 1), "health": (1, 0, 0)}


def test_loop_closure_since_limits_the_cohort(seeded):
    with seeded() as s:
        overall = loop_closure(s, END, since=at("2025-04-01"))["overall"]
    assert (overall.cohort, overall.closed, overall.pending) == (2, 0, 1)


def test_lisg_report_figures_for_a_half_year(seeded):
    with seeded() as s:
        f = lisg_figures(s, START, END)
        summary = lisg_summary(s, START, END)
        forward = [(a.owner, a.due_date) for a in f["forward"]["actions_due"]]
    assert f["reviews"]["review"] == {"started": {"macr": 2}, "completed": {"scr": 1, "macr": 1},
                                      "open": 1}
    assert f["reviews"]["audit"] == {"started": {"multi_agency_audit": 1},
                                     "completed": {"multi_agency_audit": 1}, "open": 0}
    assert f["learning"] == {"identified": 2, "by_theme": {"voice_of_child": 2},
                             "by_status": {"disseminating": 1, "rejected": 1}}
    assert f["dissemination"] == {
        "by_kind": {"briefing": {"events": 1, "reach": 100},
                    "training_course": {"events": 1, "reach": 20},
                    "workshop": {"events": 1, "reach": 45}}, "events": 3, "reach": 165}
    assert f["actions"] == {"rag": {"red": 2, "amber": 1, "green": 1, "complete": 1},
                            "total": 5, "overdue_by_agency": {"health": 1, "police": 1},
                            "overdue": 2}
    assert forward == [("police", date(2026, 8, 31)), ("comms", date(2026, 9, 30)),
                       ("police", date(2026, 12, 31))]
    assert f["forward"]["awaiting_evaluation"] == 1 and len(f["forward"]["open_reviews"]) == 1
    assert summary == {"reviews_started": 2, "reviews_completed": 2, "audits_completed": 1,
                       "learning_identified": 2, "people_reached": 165, "actions_red": 2,
                       "actions_overdue": 2}


def test_annual_section_adds_evaluations_and_completed_actions(seeded):
    start, end = year_period(2025)
    with seeded() as s:
        f = annual_figures(s, start, end)
    assert f["evaluations"] == {"final": 3, "embedded": 2}
    assert f["actions_completed"] == 0
    assert f["learning"]["identified"] == 4          # 2025-04-15 .. 2026-03-05


def test_cdop_figures_count_reviews_from_the_cdop_register_without_identities(sessions):
    with sessions.begin() as s:
        for notified, reviews in [("2025-06-01", ("2025-09-01", "cat_8", "identified")),
                                  ("2025-06-20", ("2026-02-01", "cat_9", "not_identified")),
                                  ("2026-05-01", ("2026-06-01", "cat_1", "identified"))]:
            reviewed, category, modifiable = reviews
            s.add(ChildDeath(case_ref="CDOP-secret", board="Reading", regime="LSCB_WT2015",
                             date_of_death=date.fromisoformat(notified), notified_at=at(notified),
                             reviewed_at=at(reviewed), category=category,
                             modifiable_factors=modifiable))
        s.add(ChildDeath(board="Reading", regime="LSCB_WT2015", date_of_death=date(2025, 7, 1),
                         notified_at=at("2025-07-01"), in_scope=False))      # out of scope
    start, end = year_period(2025)
    with sessions() as s:
        f = cdop_figures(s, start, end)
    assert (f["notified"], f["reviewed"], f["preventable_share"]) == (2, 2, 0.5)
    assert {k: v for k, v in f["categories"].items() if v} == \
        {"8 Perinatal/neonatal event": 1, "9 Infection": 1}
    assert list(f["modifiable"].values()) == [1, 1, 0]
    assert "secret" not in repr(f)


# PostgreSQL counts loop closure itself; each database is checked against a count by hand
BOTH = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


def reference_closure(items, now, since=None):
    found = defaultdict(lambda: [0, 0, 0])           # cohort, closed, pending
    for row in items:
        if row.status == "rejected" or (since and row.identified_at < since):
            continue
        deadline = add_months(row.identified_at, 12)
        for key in ["overall"] + sorted({(t.kind, t.value) for t in row.tags
                                         if t.kind in ("theme", "agency")}):
            if row.status != "evaluated" and deadline > now:
                found[key][2] += 1
                continue
            found[key][0] += 1
            found[key][1] += row.status == "evaluated" and row.outcome == "learnt" \
                and row.evaluated_at <= deadline
    return {key: tuple(counts) for key, counts in found.items()}


def closure_counts(closure):
    found = {"overall": closure["overall"]}
    found.update({("theme", k): c for k, c in closure["by_theme"].items()})
    found.update({("agency", k): c for k, c in closure["by_agency"].items()})
    return {key: (c.cohort, c.closed, c.pending) for key, c in found.items()}


@pytest.mark.parametrize("backend", BOTH)
@pytest.mark.parametrize("seed", [3, 11])
def test_loop_closure_equals_a_count_by_hand_on_random_items(backend, sessions, seed):
    from test_web_agreement import YEAR_END, seed_learning
    leap = datetime(2024, 2, 29, 10, tzinfo=timezone.utc)     # its window ends on 28 Feb 2025
    with sessions.begin() as s:
        seed_learning(s, seed, count=150)
        for n, evaluated in enumerate([datetime(2025, 2, 28, 10, tzinfo=timezone.utc),
                                       datetime(2025, 2, 28, 10, 0, 1, tzinfo=timezone.utc)]):
            row = LearningItem(statement=f"Leap {n}", status="evaluated", identified_at=leap,
                               evaluated_at=evaluated, outcome="learnt")
            row.tags = [LearningTag(kind="theme", value="leap"),
                        LearningTag(kind="agency", value="police")]
            s.add(row)
        s.add(LearningItem(statement="Pending", status="embedded", identified_at=leap))
    with sessions() as s:
        items = s.scalars(select(LearningItem)).all()
        for now, since in [(YEAR_END, None), (YEAR_END, YEAR_END - timedelta(days=400)),
                           (datetime(2025, 2, 28, 10, tzinfo=timezone.utc), None),
                           (datetime(2025, 2, 28, 9, 59, tzinfo=timezone.utc), None)]:
            assert closure_counts(loop_closure(s, now, since=since)) == \
                reference_closure(items, now, since), (now, since)
