"""One answer to one question: every figure that more than one page or report shows is the same
on each, over random data (overdue work on the dashboard, the board report, /deadlines and the
cases list; compliance and open cases by pathway on the dashboard and the board report; reviews
still open in the LISG report, the annual report and its forward plan; loop closure on the
dashboard and the annual report; the CDOP report's figures on its page and in its PDF)."""
import io
import random
import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from pypdf import PdfReader

from engine import people
from models import AuditEvent, ProcessInstance
from models.learning import LearningItem, LearningTag, Review
from test_models_statistics import NOW, seed_random
from web_support import PASSWORD, app, client, login  # noqa: F401

UTC = timezone.utc
YEAR_START = datetime(2025, 3, 31, 23, tzinfo=UTC)     # 1 April 2025 in London (BST)
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


def seed_child_deaths(session, seed: int, count: int = 40) -> dict:
    """Child death reviews started over two years, some reviewed by the panel (a category and
    a judgement on modifiable factors, sometimes revised); returns what the year 2025 holds."""
    rnd = random.Random(seed)
    notified, reviewed = 0, {}
    for n in range(count):
        started = YEAR_END - timedelta(days=rnd.uniform(0, 700))
        row = ProcessInstance(definition_id=1, process_id="p05_child_death_review",
                              reference=f"CDR-{n}", title="", status="active", state_json="{}",
                              serializer_version="1", data={}, started_at=started,
                              updated_at=started, row_version=1)
        session.add(row)
        session.flush()
        notified += YEAR_START <= started < YEAR_END
        for _ in range(rnd.choice([0, 1, 1, 2])):
            at = started + timedelta(days=rnd.uniform(10, 200))
            values = {"category_of_death": f"cat_{rnd.randint(1, 10)}",
                      "modifiable_factors": rnd.choice(["identified", "not_identified", None])}
            session.add(AuditEvent(at=at, actor="cdop", action="task_completed",
                                   instance_id=row.id, bpmn_id="panel_review",
                                   detail={"values": values}))
            if YEAR_START <= at < YEAR_END:
                reviewed[row.id] = values
    return {"notified": notified, "reviewed": len(reviewed)}


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
    still_open = [re.search(r"Still open at the end of the period: (\d+) reviews, (\d+) audits",
                            page).groups() for page in (lisg, annual)]
    assert still_open[0] == still_open[1]
    in_progress = number(annual, r"(\d+) reviews and audits are in progress")
    assert in_progress == sum(map(int, still_open[0]))


@pytest.mark.parametrize("seed", [5, 23])
def test_compliance_pathways_loop_closure_and_child_deaths_agree_wherever_shown(
        app, client, sessions, seed):  # noqa: F811
    with sessions.begin() as s:
        seed_random(s, seed)
        seed_learning(s, seed)
        deaths = seed_child_deaths(s, seed)
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
        page = client.get("/reports/cdop?year=2025").text
        pdf = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
            client.get("/reports/cdop.pdf?year=2025").data)).pages)
    shown = re.search(r"(\d+)% of learning items \((\d+) of (\d+)\)", closure_words(dashboard))
    pending = number(closure_words(dashboard), r"(\d+) items? (?:is|are) still inside")
    rows = dict(table_rows(annual, ">Loop closure</h2>"))
    assert (rows["Evaluated as embedded within 12 months"], rows["Learning items counted"],
            rows["Share"], rows["Still inside their 12 months"]) == \
        (shown.group(2), shown.group(3), shown.group(1) + "%", str(pending))
    assert int(shown.group(3)) > 0
    figures = table_rows(page, 'id="section-1"')
    assert figures[:2] == [["Deaths notified", str(deaths["notified"])],
                           ["Deaths reviewed by the panel", str(deaths["reviewed"])]]
    for row in figures + table_rows(page, 'id="section-2"') + table_rows(page, 'id="section-3"'):
        assert f"{row[0]} {row[1]}" in " ".join(pdf.split()), row
