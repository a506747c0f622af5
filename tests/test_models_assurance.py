"""The Challenge Log's and the performance data's figures (models/challenge.py,
models/performance.py) equal a from-scratch count over random registers, written through the
engine's guarded steps (engine/challenges.py, engine/performance.py)."""
import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from engine import challenges, performance
from engine.errors import InputError, InvalidState
from models import AuditEvent
from models.challenge import Challenge, challenge_counts, challenge_log
from models.performance import INDICATORS, PerformanceFigure, performance_figures

NOW = datetime(2027, 10, 1, 8, 0, tzinfo=timezone.utc)
AGENCIES = ["police", "health", "education", "childrens-social-care"]
QUARTERS = [date(2026, 10, 1), date(2027, 1, 1), date(2027, 4, 1), date(2027, 7, 1),
            date(2027, 10, 1)]


@pytest.fixture
def session(sessions):
    with sessions.begin() as session:
        yield session


def seed_challenges(session, seed: int, count: int = 80) -> None:
    rnd = random.Random(seed)
    for n in range(count):
        raised = date(2027, 1, 1) + timedelta(days=rnd.randint(0, 270))
        row = challenges.raise_challenge(
            session, "chair", challenge=f"Challenge {n}", raised_by="Board", now=NOW,
            agency=rnd.choice(AGENCIES), owner=rnd.choice(AGENCIES), raised_on=raised,
            due_date=raised + timedelta(days=rnd.randint(0, 120)))
        if rnd.random() < 0.6:
            challenges.answer(session, row, row.owner, f"Answer {n}", now=NOW)
            roll = rnd.random()
            if roll < 0.5:
                challenges.close(session, row, "chair", "Accepted", now=NOW)
            elif roll < 0.7:
                challenges.ask_again(session, row, "chair", "More", raised + timedelta(days=150),
                                     now=NOW)


def seed_performance(session, seed: int) -> list[tuple]:
    rnd = random.Random(seed)
    submitted = []
    for quarter in QUARTERS:
        for agency in AGENCIES:
            if rnd.random() < 0.25:
                continue                                   # a return not made
            for _ in range(rnd.choice([1, 1, 2])):         # some agencies submit again
                figures = {k: rnd.randint(0, 500) for k in INDICATORS if rnd.random() < 0.9}
                performance.submit(session, "bu", agency=agency, quarter_start=quarter,
                                   figures=figures, now=NOW)
                submitted.append((quarter, agency, figures))
    return submitted


@pytest.mark.parametrize("seed", [1, 8, 21])
def test_challenge_figures_equal_a_count_over_every_entry(session, seed):
    seed_challenges(session, seed)
    rows = session.scalars(select(Challenge)).all()
    for day in (date(2027, 3, 1), date(2027, 6, 30), date(2027, 12, 31)):
        by_status = Counter(c.status for c in rows)
        overdue = sum(1 for c in rows if c.status == "open" and c.due_date < day)
        assert challenge_counts(session, day) == {
            "open": by_status["open"], "answered": by_status["answered"],
            "closed": by_status["closed"], "overdue": overdue}
        log = challenge_log(session, day)
        assert sorted(c.id for c in log) == sorted(c.id for c in rows)
        flags = [c.overdue_on(day) for c in log]
        assert flags == sorted(flags, reverse=True)            # overdue entries come first


@pytest.mark.parametrize("seed", [2, 13])
def test_performance_figures_equal_a_sum_of_the_last_return_of_each_agency(session, seed):
    submitted = seed_performance(session, seed)
    latest = {}
    for quarter, agency, figures in submitted:                 # a later return replaces
        for indicator, value in figures.items():
            latest[(quarter, agency, indicator)] = value
    for start, end in ((date(2027, 4, 1), date(2027, 10, 1)), (date(2026, 10, 1), date(2028, 1, 1))):
        totals, by_agency = Counter(), defaultdict(Counter)
        for (quarter, agency, indicator), value in latest.items():
            if start <= quarter < end:
                totals[indicator] += value
                by_agency[indicator][agency] += value
        found = performance_figures(session, start, end)
        assert {k: v["total"] for k, v in found["by_indicator"].items()} == \
            {k: totals[k] for k in INDICATORS}
        assert {k: v["by_agency"] for k, v in found["by_indicator"].items() if v["by_agency"]} == \
            {k: dict(v) for k, v in by_agency.items()}
        assert found["submissions"] == len({(q, a) for q, a, _ in latest if start <= q < end})


def test_each_step_of_a_challenge_is_audited_and_guarded(session):
    row = challenges.raise_challenge(session, "chair", challenge="Why late?", raised_by="Board",
                                     agency="police", owner="police", raised_on="2027-05-01",
                                     due_date="2027-06-01", now=NOW)
    with pytest.raises(InvalidState, match="open; it cannot become closed"):
        challenges.close(session, row, "chair", now=NOW)
    challenges.answer(session, row, "police", "A returns officer", now=NOW)
    with pytest.raises(InputError, match="new date"):
        challenges.ask_again(session, row, "chair", "More please", None, now=NOW)
    challenges.close(session, row, "chair", "Accepted", now=NOW)
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["challenge_raised", "challenge_answered", "challenge_closed"]


@pytest.mark.parametrize("fields, message", [
    (dict(due_date="2027-04-01"), "cannot be due"),
    (dict(agency=""), "agency challenged"),
    (dict(source="gossip"), "unknown challenge source"),
    (dict(due_date="next week"), "not a date")])
def test_a_challenge_with_bad_input_is_refused_with_the_problem_named(session, fields, message):
    good = dict(challenge="Why late?", raised_by="Board", agency="police", owner="police",
                raised_on="2027-05-01", due_date="2027-06-01")
    with pytest.raises(InputError, match=message):
        challenges.raise_challenge(session, "chair", **{**good, **fields}, now=NOW)
    assert session.scalars(select(Challenge)).all() == []


@pytest.mark.parametrize("figures, message", [
    ({"referrals": 3}, "unknown performance indicators: referrals"),
    ({"staff_trained": -1}, "cannot be negative"),
    ({"staff_trained": "many"}, "must be a whole number")])
def test_a_performance_return_with_bad_figures_is_refused(session, figures, message):
    with pytest.raises(InputError, match=message):
        performance.submit(session, "bu", agency="police", quarter_start="2027-04-01",
                           figures=figures, now=NOW)
    assert session.scalars(select(PerformanceFigure)).all() == []
