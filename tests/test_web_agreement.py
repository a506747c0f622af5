"""One answer to one question: every figure that more than one page or report shows is the same
on each, over random data (overdue work on the dashboard, the board report, /deadlines and the
cases list; compliance and open cases by pathway on the dashboard and the board report; reviews
still open in the LISG report, the annual report and its forward plan; loop closure on the
dashboard and the annual report; action plans late for follow-up and overdue actions on the
tracker, /deadlines and the LISG report; the CDOP annual report's figures on its page, in its
PDF and in C9's task; challenges and performance data wherever shown)."""
import io
import random
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine


from engine import people
from models.learning import LearningItem, LearningTag, Review
from test_models_statistics import NOW, seed_random
from web_support import PASSWORD, app, client, login  # noqa: F401

UTC = timezone.utc
YEAR_END = datetime(2026, 3, 31, 23, tzinfo=UTC)       # the business year 2025 ends: 1 April 2026


def seed_reviews(session, seed: int, count: int = 60) -> None:
    rnd = random.Random(seed)
    for n in range(count):
        started = NOW - timedelta(days=rnd.uniform(0, 700))
        done = started + timedelta(days=rnd.uniform(1, 400)) if rnd.random() < 0.6 else None
        session.add(Review(kind=rnd.choice(["p2", "p3", "research_digest", "p10"]),
                           category=rnd.choice(["review", "audit"]), title=f"Review {n}",
                           started_at=started, completed_at=done))


def seed_learning(session, seed: int, count: int = 80) -> None:
    """Learning items identified over three years, some evaluated (learnt or not, in time or
    late), some still open, some rejected; each with a theme and an agency."""
    rnd = random.Random(seed)
    for n in range(count):
        identified = YEAR_END - timedelta(days=rnd.uniform(0, 1000))
        status = rnd.choice(["proposed", "embedded", "evaluated", "evaluated", "rejected"])
        evaluated = identified + timedelta(days=rnd.uniform(30, 500)) \
            if status == "evaluated" else None
        item = LearningItem(statement=f"Learning {n}", status=status, identified_at=identified,
                            evaluated_at=evaluated, outcome=rnd.choice(["learnt", "not_learnt"])
                            if status == "evaluated" else None)
        item.tags = [LearningTag(kind="theme", value=rnd.choice(["neglect", "voice_of_child"])),
                     LearningTag(kind="agency", value=rnd.choice(["police", "health"]))]
        session.add(item)


def table_rows(page: str, marker: str) -> list[list[str]]:
    """The body rows of the first table after ``marker`` (an id or a heading) as cell texts."""
    table = page[page.index(marker):]
    body = table[table.index("<tbody"):table.index("</tbody>")]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in
             re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
            for row in re.findall(r"<tr.*?</tr>", body, re.S)]


def closure_words(page: str) -> str:
    panel = page[page.index('id="loop-closure"'):] if 'id="loop-closure"' in page else page
    return " ".join(re.sub(r"<[^>]+>", " ", panel[:panel.index("</div>")]).split())


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
    still_open = [re.search(r"Still open at the end of the period: (\d+) reviews?, (\d+) audits?",
                            page).groups() for page in (lisg, annual)]
    assert still_open[0] == still_open[1]
    in_progress = number(annual, r"(\d+) reviews and audits are in progress")
    assert in_progress == sum(map(int, still_open[0]))


@pytest.mark.parametrize("seed", [5, 23])
def test_the_cdop_annual_figures_agree_on_the_page_the_pdf_and_the_c09_task(app, client, sessions,  # noqa: F811
                                                                            seed):
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
    rows = re.findall(r'<td class="govuk-table__cell">([^<]+)</td><td class="govuk-table__cell">'
                      r'Review</td><td class="govuk-table__cell govuk-table__cell--numeric">(\d+)</td>'
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
    still_open = [re.search(r"Still open at the end of the period: (\d+) reviews?, (\d+) audits?",
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


def cell(page: str, label: str) -> int:
    return number(page, rf">{re.escape(label)}</td><td[^>]*>(\d+)<")


@pytest.mark.parametrize("seed", [5, 11])
def test_action_plan_figures_agree_between_the_tracker_and_the_lisg_report(app, client, sessions,  # noqa: F811
                                                                           seed):
    from test_models_action_reports import NOW as LATER
    from test_models_action_reports import seed as seed_actions
    with sessions.begin() as s:
        seed_actions(s, seed)
        people.add_user(s, "mia", PASSWORD, roles=["manager"])
    today = LATER.date()
    with time_machine.travel(LATER, tick=False):
        login(client, "mia")
        tracker = client.get("/learning/actions").text
        deadlines = client.get("/deadlines/").text
        lisg = client.get(f"/reports/lisg?start=2027-03-01&end={today}").text
    late = number(tracker, r'data-figure="plans-follow-up-overdue">(\d+)<')
    assert late == cell(lisg, "Plans past their follow-up date") > 0
    assert late == number(deadlines, r'data-figure="plans-follow-up-overdue">(\d+)<')
    listed = deadlines[deadlines.index('id="late-plans"'):]
    assert listed[:listed.index("</div>")].count("<li>") == late
    shown_late = re.findall(r"Whole-plan follow-up due [^<]*<(?:strong|span)[^>]*>", tracker)
    assert len(shown_late) == late                      # each late plan, flagged where it is listed
    overdue_by_agency = re.search(r"Overdue actions by agency</h2>(.*?)</section>", lisg, re.S).group(1)
    assert cell(lisg, "Actions overdue") == sum(
        int(n) for n in re.findall(r'numeric">(\d+)<', overdue_by_agency))
    assert tracker.count("govuk-tag--red") >= cell(lisg, "Actions overdue")


@pytest.mark.parametrize("seed", [4, 9])
def test_compliance_pathways_and_loop_closure_agree_wherever_shown(
        app, client, sessions, seed):  # noqa: F811
    with sessions.begin() as s:
        seed_random(s, seed)
        seed_learning(s, seed)
        people.add_user(s, "mia", PASSWORD, roles=["manager"])
    with time_machine.travel(NOW, tick=False):
        login(client, "mia")
        dashboard = client.get("/dashboard").text
        board = client.get("/dashboard/board-report").text
    compliance = table_rows(dashboard, 'id="compliance-table"')
    assert compliance == table_rows(board, 'id="compliance-table"') and len(compliance) == 4
    assert any(int(cell) for row in compliance for cell in row[1:5])
    by_pathway = table_rows(dashboard, 'id="open-by-pathway"')
    assert by_pathway and by_pathway == table_rows(board, ">2. Open reviews by pathway")
    with time_machine.travel(YEAR_END, tick=False):           # the dashboard at the year's end
        login(client, "mia")
        dashboard = client.get("/dashboard").text
        annual = client.get("/reports/annual?year=2025").text
    shown = re.search(r"(\d+)% of learning items \((\d+) of (\d+)\)", closure_words(dashboard))
    pending = number(closure_words(dashboard), r"(\d+) items? (?:is|are) still inside")
    rows = dict(table_rows(annual, ">Loop closure</h2>"))
    assert (rows["Evaluated as embedded within 12 months"], rows["Learning items counted"],
            rows["Share"], rows["Still inside their 12 months"]) == \
        (shown.group(2), shown.group(3), shown.group(1) + "%", str(pending))
    assert int(shown.group(3)) > 0
