from datetime import datetime, timezone

import io
import re

import pytest
import time_machine
from pypdf import PdfReader

from learning_support import NOW, loop  # noqa: F401
from web_support import app, client, login  # noqa: F401


def actions_shown(page: str) -> set[str]:
    return {owner for owner in ("police", "health") if f"<td class=\"govuk-table__cell\">{owner}</td>"
            in page}


def test_agencies_see_their_own_actions_and_oversight_sees_all(client, loop):
    login(client, "pat")
    page = client.get("/learning/actions").text
    assert actions_shown(page) == {"police"}
    assert "Briefing notes, 30 staff" in page and "Signed off by lena" in page
    assert actions_shown(client.get("/learning/actions?agency=health").text) == {"police"}
    client.post("/logout")
    login(client, "lena")
    assert actions_shown(client.get("/learning/actions").text) == {"police", "health"}
    assert actions_shown(client.get("/learning/actions?agency=health").text) == {"health"}


@time_machine.travel(NOW, tick=False)
def test_the_tracker_shows_overdue_actions_in_red_and_filters_by_review(client, loop):
    login(client, "mia")
    page = client.get("/learning/actions?state=overdue").text
    assert actions_shown(page) == {"health"} and "Overdue" in page and "govuk-tag--red" in page
    assert actions_shown(client.get(f"/learning/actions?review={loop['case_ref']}").text) == \
        {"police", "health"}
    assert actions_shown(client.get("/learning/actions?review=nope").text) == set()


def test_child_details_are_shown_only_to_participants_of_the_source_case(client, loop):
    url = f"/learning/{loop['item_id']}"
    for name, sees in (("pat", True), ("lena", True), ("mia", True), ("hana", False)):
        login(client, name)
        page = client.get(url).text
        assert "Invite fathers to child protection conferences" in page
        assert ("Child J (JB 04/05/2016)" in page) is sees, name
        assert ("Father not invited" in page) is sees, name
        client.post("/logout")


def test_the_register_and_tracker_name_statuses_and_agencies_in_words(client, loop, sessions):
    from sqlalchemy import update

    from models import Group
    with sessions.begin() as s:
        s.execute(update(Group).where(Group.slug == "police").values(title="Thames Valley Police"))
    login(client, "lena")
    page = client.get("/learning/").text
    assert '<option value="validated">Validated</option>' in page
    assert '<option value="police">Thames Valley Police</option>' in page
    page = client.get("/learning/actions").text
    assert '<option value="police">Thames Valley Police</option>' in page
    assert '<td class="govuk-table__cell">Thames Valley Police</td>' in page
    assert '<td class="govuk-table__cell">police</td>' not in page


def test_the_register_never_shows_child_details_and_filters(client, loop):
    login(client, "lena")
    page = client.get("/learning/").text
    assert "LI-0001" in page and "Child J" not in page
    assert "Loop closure" in page
    assert "LI-0001" in client.get("/learning/?theme=voice_of_child&status=evaluated").text
    assert "LI-0001" not in client.get("/learning/?status=proposed").text
    assert "LI-0001" in client.get("/learning/?agency=police&source=P3").text
    assert "LI-0001" not in client.get("/learning/?source=P3&status=validated").text
    assert "LI-0001" in client.get("/learning/?theme=unknown").text     # unknown filter ignored


def test_the_trace_follows_the_item_round_the_loop(client, loop):
    login(client, "hana")
    page = client.get(f"/learning/{loop['item_id']}").text
    assert loop["case_ref"] in page and "P3" in page
    assert "Learning workshop “Fathers matter”" in page and "reached 45 people" in page
    assert "Add fathers to the health visitor checklist" in page
    assert "Brief custody sergeants" not in page          # another agency's action
    assert "Case file re-audit on 1 September 2026: <strong>embedded</strong>" in page
    assert client.get("/learning/999").status_code == 404


def test_reports_are_for_oversight_groups_and_managers(client, loop):
    login(client, "pat")
    assert client.get("/reports/lisg").status_code == 403
    assert client.get("/reports/cdop.pdf").status_code == 403
    client.post("/logout")
    login(client, "lena")
    page = client.get("/reports/lisg?start=2026-01-01&end=2026-07-01")
    assert page.status_code == 200 and "Fathers" not in page.text
    assert "Learning workshop" in page.text and "45" in page.text
    pdf = client.get("/reports/lisg.pdf?start=2026-01-01&end=2026-07-01")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert client.get("/reports/annual.pdf?year=2025").data.startswith(b"%PDF-")
    assert client.get("/reports/cdop?year=2025").status_code == 200
    assert client.get("/reports/lisg?start=2026-07-01&end=2026-01-01").status_code == 400


def test_the_trace_names_the_source_review_only_to_those_who_may_open_its_case(
        client, loop, sessions):
    from models import LearningItem, Review
    with sessions.begin() as s:
        source = s.get(LearningItem, loop["item_id"]).source_instance_id
        s.add(Review(kind="p3", title="MACR Child J (JB 04/05/2016)", instance_id=source,
                     case_ref=loop["case_ref"]))
    for name, sees in (("pat", True), ("hana", False)):
        login(client, name)
        page = client.get(f"/learning/{loop['item_id']}").text
        assert "P3" in page                                  # the review is still listed
        assert ("JB 04/05/2016" in page) is sees, name
        client.post("/logout")


def test_report_periods_are_chosen_with_a_form_offering_business_years_and_halves(client, loop):
    with time_machine.travel(datetime(2026, 12, 4, 12, tzinfo=timezone.utc), tick=False):
        login(client, "lena")
        page = client.get("/reports/").text
        assert '<option value="2026-04-01/2026-10-01">1 April 2026 to 30 September 2026</option>' in page
        assert '<option value="2025-10-01/2026-04-01">1 October 2025 to 31 March 2026</option>' in page
        assert '<option value="2026">1 April 2026 to 31 March 2027</option>' in page
        chosen = client.get("/reports/lisg?period=2026-04-01/2026-10-01")
        assert chosen.status_code == 200 and "1 April 2026 to 30 September 2026" in chosen.text
        own = client.get("/reports/lisg?start=2026-01-01&end=2026-07-01")
        assert "1 January 2026 to 30 June 2026" in own.text
        assert client.get("/reports/lisg?period=nonsense").status_code == 400


@pytest.mark.parametrize("url, reader, period, charts", [
    ("/reports/annual.pdf?year=2025", "lena", "1 April 2025 to 31 March 2026",
     ["Chart: Events by channel", "Chart: Actions by rating"]),
    ("/reports/lisg.pdf?period=2025-10-01/2026-04-01", "lena", "1 October 2025 to 31 March 2026",
     ["Chart: Events by channel", "Chart: Actions by rating"]),
    ("/reports/cdop.pdf?year=2026", "mia", "1 April 2026 to 31 March 2027",
     ["Chart: Deaths notified by board", "Chart: All boards by category",
      "Chart: All boards by judgement"]),
])
def test_report_pdfs_carry_the_board_the_period_the_date_page_numbers_and_charts(
        app, client, sessions, loop, url, reader, period, charts):
    from test_models_cdop_reports import seed_register
    with sessions.begin() as s:             # the CDOP report reads the CDOP register
        seed_register(s, 5)
    app.config["ORGANISATION_NAME"] = "Bracknell Forest LSCB"
    login(client, reader)
    response = client.get(url)
    assert response.mimetype == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.data))
    pages = [page.extract_text() for page in pdf.pages]
    assert len(pages) >= (1 if "cdop" in url else 2)
    for n, text in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in text and "Bracknell Forest LSCB" in text
        assert re.search(r"Produced \d{1,2} [A-Z][a-z]+ \d{4}, \d{1,2}:\d{2}[ap]m", text), text
    everything = "\n".join(pages)
    assert period in everything
    for chart in charts:
        assert chart in everything, chart


def test_the_register_links_to_reports_only_for_those_who_may_open_them(client, loop):
    for name, shown in (("pat", False), ("lena", True), ("mia", True)):
        login(client, name)
        page = client.get("/learning/").text
        assert ('href="/reports/"' in page) is shown, name
        assert client.get("/reports/").status_code == (200 if shown else 403), name
        client.post("/logout")


def test_report_headings_name_the_last_day_of_the_period_and_of_the_forward_plan(client, loop):
    login(client, "lena")
    page = client.get("/reports/annual?year=2025").text
    assert "Action plan RAG on 31 March 2026" in page           # the year's last day, not 1 April
    assert "Forward plan to 30 September 2026" in page           # six months on, its last day


def test_the_tracker_pages_ten_years_of_actions_and_offers_every_owner(client, loop, sessions):
    """A region's ten years hold tens of thousands of actions: the tracker shows a page at a
    time with the total, and its agency list names owners found past the first page too."""
    from datetime import date, timedelta

    from sqlalchemy import insert, select

    from models.learning import Action
    from web.learning import ACTIONS_PER_PAGE
    with sessions.begin() as session:
        plan_id = session.scalar(select(Action.plan_id).limit(1))
        session.execute(insert(Action), [
            dict(plan_id=plan_id, owner="police" if n < 2 * ACTIONS_PER_PAGE else "probation",
                 description=f"Old action {n}", due_date=date(2016, 1, 1) + timedelta(days=n),
                 rag="green", status="signed_off") for n in range(2 * ACTIONS_PER_PAGE + 1)])
    login(client, "mia")
    first = client.get("/learning/actions").text
    total = 2 * ACTIONS_PER_PAGE + 3
    assert f"{total} actions, page 1 of 3" in first
    assert first.count("Old action ") == ACTIONS_PER_PAGE
    assert 'value="probation"' in first                     # an owner met only on page 3
    last = client.get("/learning/actions?page=3").text
    assert "Old action 200" in last and "Add fathers to the health visitor checklist" in last
    assert client.get("/learning/actions?page=99").text.count("page 3 of 3") == 1
    assert "1 action, earliest" in client.get("/learning/actions?agency=health&page=x").text
