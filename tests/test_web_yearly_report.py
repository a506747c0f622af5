"""The yearly report (2018/2023) or LSCB annual report (2015) page and PDF, worded by the
board's regime, and the page where a review's impact on practice is entered once (issue 18
part 2)."""
from __future__ import annotations

import io
import re
import subprocess
from datetime import datetime, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from engine import Actor, ProcessEngine
from models.audit import AuditEvent
from models.learning import Review
from learning_support import loop  # noqa: F401
from web_support import app, client, login  # noqa: F401


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


@pytest.fixture
def reviews(sessions, loop):  # noqa: F811
    """In 2025-26: an SCR completed on time and published (impact recorded), a MACR completed
    late without its impact, a survey that heard young people; an SCR still open since 2025."""
    with sessions.begin() as s:
        done = Review(kind="scr", title="Serious case review", case_ref="LSCB-2025-00007",
                      started_at=utc(2025, 5, 1), completed_at=utc(2025, 10, 20),
                      impact="Health visitors now share concerns with the GP within ten days",
                      published_on=datetime(2026, 1, 12).date(),
                      online_until=datetime(2027, 1, 12).date())
        late = Review(kind="macr", title="Multi-agency case review", case_ref="LSCB-2025-00011",
                      started_at=utc(2025, 4, 10), completed_at=utc(2026, 2, 1))
        survey = Review(kind="survey", category="audit", title="Young people's views",
                        started_at=utc(2025, 6, 1), completed_at=utc(2025, 9, 1),
                        outcome="children_young_people",
                        impact="One trusted worker offered at the first visit")
        still_open = Review(kind="scr", title="Serious case review", case_ref="LSCB-2025-00015",
                            started_at=utc(2025, 7, 1))
        s.add_all([done, late, survey, still_open])
        s.flush()
        return {"done": done.id, "late": late.id, "open": still_open.id}


def test_the_report_is_for_oversight_and_is_worded_by_the_board_regime(app, client, sessions,
                                                                       reviews):
    login(client, "pat")
    assert client.get("/reports/yearly?year=2025").status_code == 403
    assert client.get("/reports/yearly.pdf?year=2025").status_code == 403
    client.post("/logout")
    login(client, "lena")
    page = client.get("/reports/yearly?year=2025").text
    assert "LSCB annual report 2025 to 2026" in page and "Approved by the LSCB Chair" in page
    assert "1 April 2025 to 31 March 2026" in page
    assert "2 reviews completed in the year, 1 within 6 months of their start." in page
    assert "Health visitors now share concerns with the GP within ten days" in page
    assert "Serious case review (LSCB-2025-00007)" in page and "12 January 2026" in page
    assert "One trusted worker offered at the first visit" in page      # what young people said
    assert "Children and young people" in page
    assert "Serious case review (LSCB-2025-00015)" in page              # open beyond six months
    # the review without an impact is listed with a link to record it
    assert f'/reports/reviews/{reviews["late"]}/impact' in page
    with sessions.begin() as s:
        ProcessEngine().set_board_regime(s, Actor("admin", roles=frozenset({"admin"})), "MASA_WT2023")
    page = client.get("/reports/yearly?year=2025").text
    assert "Safeguarding partners&#39; yearly report 2025 to 2026" in page
    assert "Approved by the safeguarding partners" in page
    index = client.get("/reports/").text          # each form opens the page (its PDF is linked there)
    assert {'action="/reports/lisg"', 'action="/reports/annual"', 'action="/reports/yearly"',
            'action="/reports/cdop"'} <= set(re.findall(r'action="[^"]*"', index))


def test_a_review_impact_is_entered_once_and_every_report_shows_it(client, sessions, reviews):
    url = f"/reports/reviews/{reviews['late']}/impact"
    login(client, "pat")
    assert client.get(url).status_code == 403
    client.post("/logout")
    login(client, "lena")
    page = client.get(url)
    assert page.status_code == 200 and "Multi-agency case review (LSCB-2025-00011)" in page.text
    short = client.post(url, data={"impact": "Better"})
    assert short.status_code == 400 and "10 characters or more" in short.text
    assert 'value="Better"' in short.text or ">Better</textarea>" in short.text
    done = client.post(url + "?next=/reports/yearly%3Fyear%3D2025",
                       data={"impact": "Chronologies now start at the first contact"})
    assert done.status_code == 302 and done.location.endswith("/reports/yearly?year=2025")
    assert client.post(url + "?next=https://example.org/",
                       data={"impact": "Chronologies now start at the first contact"}
                       ).location == "/reports/"
    for year in ("/reports/yearly?year=2025", "/reports/yearly.pdf?year=2025"):
        body = client.get(year)
        text = body.text if "pdf" not in year else "\n".join(
            p.extract_text() for p in PdfReader(io.BytesIO(body.data)).pages)
        assert "Chronologies now start at the first" in text, year
    assert f'/reports/reviews/{reviews["late"]}/impact' not in client.get(
        "/reports/yearly?year=2025").text
    with sessions() as s:
        events = s.scalars(select(AuditEvent).where(
            AuditEvent.action == "review_impact_recorded")).all()
        assert [(e.actor, e.detail["review_id"], e.detail["replaced"]) for e in events] == [
            ("lena", reviews["late"], False), ("lena", reviews["late"], True)]
    assert client.get("/reports/reviews/9999/impact").status_code == 404


def test_the_pdf_carries_the_sections_the_board_and_page_numbers(app, client, reviews, tmp_path):
    app.config["ORGANISATION_NAME"] = "Bracknell Forest LSCB"
    login(client, "lena")
    body = client.get("/reports/yearly.pdf?year=2025").data
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(body)).pages]
    assert len(pages) >= 2
    for n, text in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in text and "Bracknell Forest LSCB" in text
    everything = "\n".join(pages)
    for title in ("Reviews completed and their timeliness", "Impact of reviews on practice",
                  "Reports published", "Action on review recommendations",
                  "What children and families said", "Areas of little progress",
                  "Reviews and audits", "Evaluation of learning"):
        assert title in everything, title
    (tmp_path / "yearly.pdf").write_bytes(body)
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(tmp_path / "yearly.pdf"),
                    str(tmp_path / "page")], check=True)        # it renders (looked at by eye too)
    assert sorted(p.name for p in tmp_path.glob("page-*.png"))


def test_reviews_and_audits_are_named_in_plain_words(client, sessions, reviews):
    """A review opened by its pathway without a title (the research digest's audit) is named by
    its kind's name, never its register id in capitals ("RESEARCH_DIGEST"), and counts read as
    English ("1 audit")."""
    with sessions.begin() as s:
        s.add_all([Review(kind="research_digest", category="audit", case_ref="LSCB-2025-00020",
                          started_at=utc(2025, 8, 1)),
                   Review(kind="imr", case_ref="LSCB-2025-00021", started_at=utc(2025, 8, 1))])
    login(client, "lena")
    for url in ("/reports/yearly?year=2025", "/reports/annual?year=2025"):
        page = client.get(url).text
        assert "RESEARCH_DIGEST" not in page and ">SCR<" not in page and ">MACR<" not in page
        assert "Research digest" in page
        assert "Serious case review (SCR)" in page and "Multi-agency case review" in page
        assert ">Audit<" in page and ">audit<" not in page
    page = client.get("/reports/yearly?year=2025").text
    # open beyond six months, by name
    assert "Individual management review (IMR) (LSCB-2025-00021)" in page
    assert "Still open at the end of the period: 2 reviews, 1 audit." in page
