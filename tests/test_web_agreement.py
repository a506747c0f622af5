"""One answer to one question: every figure that more than one page or report shows is the same
on each, over random data (overdue work on the dashboard, the board report, /deadlines and the
cases list; reviews still open in the LISG report, the annual report and its forward plan)."""
import random
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from engine import people
from models.learning import Review
from test_models_statistics import NOW, seed_random
from web_support import PASSWORD, app, client, login  # noqa: F401

UTC = timezone.utc


def seed_reviews(session, seed: int, count: int = 60) -> None:
    rnd = random.Random(seed)
    for n in range(count):
        started = NOW - timedelta(days=rnd.uniform(0, 700))
        done = started + timedelta(days=rnd.uniform(1, 400)) if rnd.random() < 0.6 else None
        session.add(Review(kind=rnd.choice(["p2", "p3", "research_digest", "p10"]),
                           category=rnd.choice(["review", "audit"]), title=f"Review {n}",
                           started_at=started, completed_at=done))


def number(page: str, pattern: str) -> int:
    found = re.search(pattern, page, re.S)
    assert found, pattern
    return int(found.group(1))


def per_group(page: str) -> dict[str, int]:
    return {slug: int(n) for slug, n in re.findall(
        r'data-group="([^"]*)"[^>]*>.*?data-overdue="(\d+)"', page, re.S)}


@pytest.mark.parametrize("seed", [3, 17])
def test_every_figure_shown_twice_agrees_on_random_data(app, client, sessions, seed):  # noqa: F811
    with sessions.begin() as s:
        seed_random(s, seed)
        seed_reviews(s, seed)
        people.add_user(s, "mia", PASSWORD, roles=["manager"])
    with time_machine.travel(NOW, tick=False):
        login(client, "mia")
        dashboard = client.get("/dashboard").text
        board = client.get("/dashboard/board-report").text
        deadlines = client.get("/deadlines/").text
        cases = client.get("/instances?overdue=1").text
        lisg = client.get("/reports/lisg?start=2025-04-01&end=2026-04-01").text
        annual = client.get("/reports/annual?year=2025").text
    overdue = {number(p, r'data-figure="overdue-tasks">(\d+)<') for p in (dashboard, board, deadlines)}
    assert len(overdue) == 1 and overdue.pop() > 0
    assert {k: v for k, v in per_group(board).items() if v} == per_group(deadlines)
    overdue_section = deadlines[deadlines.index('id="overdue"'):]
    overdue_section = overdue_section[:overdue_section.index("</div>")]
    for slug, count in per_group(deadlines).items():          # the tasks behind each count
        listed = re.search(rf'data-group="{slug}">(.*?)</section>', overdue_section, re.S).group(1)
        assert listed.count("<li>") == count, slug
    listed_cases = set(re.findall(r">(R-\d+) – ", overdue_section))
    assert number(cases, r'id="result-count">(\d+) case') == len(listed_cases)
    still_open = [re.search(r"Still open at the end of the period: (\d+) reviews, (\d+) audits",
                            page).groups() for page in (lisg, annual)]
    assert still_open[0] == still_open[1]
    in_progress = number(annual, r"(\d+) reviews and audits are in progress")
    assert in_progress == sum(map(int, still_open[0]))


@pytest.mark.parametrize("seed", [5, 23])
def test_the_cdop_annual_figures_agree_on_the_page_the_pdf_and_the_c09_task(app, client, sessions,  # noqa: F811
                                                                            seed):
    import io

    from pypdf import PdfReader

    from models.cdop_reports import cdop_summary
    from test_models_cdop_reports import END, START, seed_register
    with sessions.begin() as s:
        seed_register(s, seed)
        people.add_user(s, "mia", PASSWORD, roles=["manager"])
    with sessions() as s:
        summary = cdop_summary(s, START, END)           # what report.cdop_annual gives C9's task
    login(client, "mia")
    page = client.get("/reports/cdop?year=2026").text
    pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        client.get("/reports/cdop.pdf?year=2026").data)).pages)
    cells = re.search(r"<td[^>]*>All boards</td>((?:<td[^>]*>[^<]*</td>)+)", page).group(1)
    row = re.findall(r">([^<]*)</td>", cells)
    expected = [summary["notified"], summary["reviewed"], summary["over_six_months"],
                summary["pattern_alerts"], summary["themed_reports"]]
    assert [int(row[i]) for i in (0, 1, 4, 5, 6)] == expected
    assert row[2] == f"{summary['preventable_percent']}%"
    assert re.search(r"All boards " + " ".join(str(v) for v in expected[:2]), pdf)
    assert summary["notified"] > 0 and "Reading" in page and "Reading" in pdf


def completed_reviews(page: str) -> int:
    """Reviews (not audits) completed, summed over the "Reviews and audits" table's rows."""
    rows = re.findall(r'<td class="govuk-table__cell">([A-Z0-9_]+)</td><td class="govuk-table__cell">'
                      r'review</td><td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>'
                      r'<td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>', page)
    return sum(int(done) for _, _, done in rows)


@pytest.mark.parametrize("seed", [3, 17])
def test_the_yearly_report_agrees_with_the_annual_report_on_random_data(app, client, sessions,  # noqa: F811
                                                                        seed):
    with sessions.begin() as s:
        seed_reviews(s, seed)
        people.add_user(s, "mia", PASSWORD, roles=["manager"])
    with time_machine.travel(NOW, tick=False):
        login(client, "mia")
        annual = client.get("/reports/annual?year=2024").text
        yearly = client.get("/reports/yearly?year=2024").text
    completed = number(yearly, r"(\d+) reviews completed in the year")
    assert completed == completed_reviews(annual) == completed_reviews(yearly) > 0
    still_open = [re.search(r"Still open at the end of the period: (\d+) reviews, (\d+) audits",
                            page).groups() for page in (annual, yearly)]
    assert still_open[0] == still_open[1]
    late = re.search(r"reviews open beyond 6 months</h2>(.*?)</section>", yearly, re.S).group(1)
    assert late.count('<tr class="govuk-table__row">') - 1 <= int(still_open[0][0])


@pytest.mark.parametrize("seed", [5, 11])
def test_challenge_and_performance_figures_agree_on_every_page(app, client, sessions, seed):  # noqa: F811
    from collections import Counter
    from test_models_assurance import NOW as LATER, seed_challenges, seed_performance
    with sessions.begin() as s:
        seed_challenges(s, seed)
        submitted = seed_performance(s, seed)
        people.add_user(s, "mia", PASSWORD, roles=["manager"])
    with time_machine.travel(LATER, tick=False):
        login(client, "mia")
        dashboard = client.get("/dashboard").text
        log = client.get("/reports/challenges").text
        lisg = client.get("/reports/lisg?start=2027-04-01&end=2027-10-01").text
    overdue = number(dashboard, r'data-figure="challenges-overdue">(\d+)<')
    assert overdue == number(log, r"<td[^>]*>Overdue</td>\s*<td[^>]*>(\d+)</td>") > 0
    assert log.count(">Overdue</td>") == overdue + 1          # each overdue entry, and the figure
    latest = {}
    for quarter, agency, figures in submitted:
        for indicator, value in figures.items():
            latest[(quarter, agency, indicator)] = value
    totals = Counter()
    for (quarter, _agency, indicator), value in latest.items():
        if quarter.isoformat() >= "2027-04-01" and quarter.isoformat() < "2027-10-01":
            totals[indicator] += value
    referrals = number(lisg, r"Referrals made to children&#39;s social care</td>\s*<td[^>]*>(\d+)<")
    assert referrals == totals["referrals_to_csc"]
