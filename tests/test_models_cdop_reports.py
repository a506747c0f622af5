"""The CDOP annual report's figures (models/cdop_reports.py), one query each, give exactly what
a from-scratch count over every register row gives, on random registers."""
import random
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from statistics import median
from zoneinfo import ZoneInfo

import pytest

from models import ChildDeath, ThemedReport
from models.cdop import PATTERN_THEMES
from models.cdop_reports import DEATH_CATEGORIES, MODIFIABLE, cdop_annual_figures
from models.dates import add_months
from models.learning_reports import cdop_figures, year_period

LONDON = ZoneInfo("Europe/London")
BOARDS = ["Bracknell Forest", "Reading", "Slough", "West Berkshire", "Windsor and Maidenhead",
          "Wokingham"]
YEAR = 2026
START, END = year_period(YEAR, LONDON)


def _moment(rnd: random.Random) -> datetime:
    """A moment around the business year; one in four at 23:xx UTC (a London day turns)."""
    moment = START - timedelta(days=60) + timedelta(days=rnd.uniform(0, 485))
    if rnd.random() < 0.25:
        moment = moment.replace(hour=23)
    return moment.astimezone(timezone.utc)


def seed_register(session, seed: int, deaths: int = 150) -> list[ChildDeath]:
    rnd = random.Random(seed)
    rows = []
    for _ in range(deaths):
        notified = _moment(rnd)
        died = (notified - timedelta(days=rnd.randint(0, 5))).date()
        regime = rnd.choice(["LSCB_WT2015", "MASA_WT2018", "MASA_WT2023"])
        in_scope = rnd.random() < 0.85
        row = ChildDeath(board=rnd.choice(BOARDS), regime=regime, date_of_death=died,
                         notified_at=notified, in_scope=in_scope,
                         unattended_stillbirth=(not in_scope and regime != "LSCB_WT2015"
                                                and rnd.random() < 0.5))
        if in_scope and rnd.random() < 0.6:
            row.reviewed_at = max(notified, _moment(rnd))
            row.category = rnd.choice(list(DEATH_CATEGORIES))
            row.modifiable_factors = rnd.choice(list(MODIFIABLE))
            if rnd.random() < 0.3:
                row.pattern_alert, row.pattern_theme = True, rnd.choice(list(PATTERN_THEMES))
        rows.append(row)
        session.add(row)
        if rnd.random() < 0.1:
            session.add(ThemedReport(theme=rnd.choice(list(PATTERN_THEMES)), board=row.board,
                                     received_at=_moment(rnd) if rnd.random() < 0.7 else None))
    return rows


def in_year(moment) -> bool:
    return moment is not None and START <= moment < END


def naive(rows: list[ChildDeath], reports: list[ThemedReport]) -> dict:
    """Every figure, counted row by row."""
    notified, reviewed = Counter(), Counter()
    categories, modifiable, themes = defaultdict(Counter), defaultdict(Counter), defaultdict(Counter)
    days = defaultdict(list)
    for r in rows:
        if in_year(r.notified_at) and (r.in_scope or r.unattended_stillbirth):
            notified[r.board] += 1
        if in_year(r.reviewed_at):
            reviewed[r.board] += 1
            categories[r.board][DEATH_CATEGORIES[r.category]] += 1
            modifiable[r.board][MODIFIABLE[r.modifiable_factors]] += 1
            if r.pattern_alert:
                themes[r.board][PATTERN_THEMES[r.pattern_theme]] += 1
            on = r.reviewed_at.astimezone(LONDON).date()
            days[r.board].append(((on - r.date_of_death).days,
                                  on > add_months(r.date_of_death, 6)))
    received = Counter(t.board for t in reports if in_year(t.received_at))
    return {"notified": dict(notified), "reviewed": dict(reviewed),
            "categories": {b: dict(c) for b, c in categories.items()},
            "modifiable": {b: dict(c) for b, c in modifiable.items()},
            "themes": {b: dict(c) for b, c in themes.items()},
            "themed_reports": dict(received),
            "timeliness": {b: {"median_days": median(d for d, _ in v),
                               "over_six_months": sum(late for _, late in v)}
                           for b, v in days.items()},
            "all_days": [d for v in days.values() for d, _ in v]}


def nonzero(by_board: dict) -> dict:
    return {b: {k: n for k, n in v.items() if n} for b, v in by_board.items()}


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_cdop_annual_figures_match_a_count_from_scratch(sessions, seed):
    with sessions.begin() as s:
        seed_register(s, seed)
    with sessions() as s:
        rows, reports = s.query(ChildDeath).all(), s.query(ThemedReport).all()
        expected = naive(rows, reports)
        f = cdop_annual_figures(s, START, END)
        totals = cdop_figures(s, START, END)
    for figure in ("notified", "reviewed", "themed_reports", "timeliness"):
        assert f[figure] == expected[figure], figure
    for figure in ("categories", "modifiable", "themes"):
        assert nonzero(f[figure]) == expected[figure], figure
    assert sum(expected["notified"].values()) > 0 and expected["themes"]
    assert f["total"]["notified"] == totals["notified"] == sum(expected["notified"].values())
    assert f["total"]["median_days"] == median(expected["all_days"])
    assert f["alerts"] == {b: sum(t.values()) for b, t in expected["themes"].items()}
    for board, line in f["by_board"].items():
        found = expected["modifiable"].get(board, {}).get(MODIFIABLE["identified"], 0)
        assert (line["notified"], line["reviewed"]) == (expected["notified"].get(board, 0),
                                                        expected["reviewed"].get(board, 0))
        assert line["preventable_share"] == found / line["reviewed"]
    identified = sum(c.get(MODIFIABLE["identified"], 0) for c in expected["modifiable"].values())
    assert totals["preventable_share"] == identified / sum(expected["reviewed"].values())


def test_an_empty_register_reports_zeros_not_errors(sessions):
    with sessions() as s:
        f = cdop_annual_figures(s, START, END)
    assert f["boards"] == [] and f["total"]["notified"] == 0
    assert f["total"]["median_days"] is None and f["total"]["preventable_share"] is None
    assert set(f["total"]["categories"]) == set(DEATH_CATEGORIES.values())
