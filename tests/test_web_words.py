"""Plain words on the pages people read: the GOV.UK date input, messages from the field's label,
dates between fields checked on the server (issue 19 point 3)."""
from datetime import datetime, timezone

import time_machine

from web_support import GOOD, app, client, date_task, login, world  # noqa: F401

TODAY = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


def dates(aware=("", "", ""), notified=("", "", "")) -> dict:
    form = dict(GOOD)
    for fid, typed in (("la_aware_on", aware), ("notified_on", notified)):
        form.update({f"{fid}-{part}": value for part, value in zip(("day", "month", "year"), typed)})
    return form


def test_a_date_field_is_the_gov_uk_date_input_not_the_browsers_date_control(client, date_task):
    login(client, "ann")
    page = client.get(f"/tasks/{date_task}").text
    assert 'type="date"' not in page
    assert 'class="govuk-date-input" id="la_aware_on-date"' in page
    for name in ("la_aware_on-day", "la_aware_on-month", "la_aware_on-year"):
        assert f'name="{name}"' in page
    assert 'for="la_aware_on">Day</label>' in page      # the error summary's link lands on Day


def test_a_date_missing_a_part_is_refused_by_name_and_what_was_typed_is_kept(client, date_task):
    login(client, "ann")
    response = client.post(f"/tasks/{date_task}", data=dates(aware=("7", "", "2026")))
    assert response.status_code == 422
    page = response.text
    assert "Date the local authority became aware must include a month" in page
    assert '<a href="#la_aware_on">' in page
    assert 'name="la_aware_on-day" type="text" inputmode="numeric" value="7"' in page
    assert 'name="la_aware_on-year" type="text" inputmode="numeric" value="2026"' in page


def test_an_empty_required_date_and_an_impossible_one(client, date_task):
    login(client, "ann")
    page = client.post(f"/tasks/{date_task}", data=dates(notified=("29", "2", "2027"))).text
    assert "Enter the date the local authority became aware" in page
    assert "Date the notification was sent must be a real date" in page


@time_machine.travel(TODAY, tick=False)
def test_dates_between_fields_are_checked_on_the_server(client, date_task):
    login(client, "ann")
    before = client.post(f"/tasks/{date_task}",
                         data=dates(aware=("7", "12", "2026"), notified=("6", "12", "2026")))
    assert before.status_code == 422
    assert ("Date the notification was sent must be the same as or after the date the local "
            "authority became aware") in before.text
    future = client.post(f"/tasks/{date_task}", data=dates(aware=("8", "12", "2026")))
    assert "Date the local authority became aware must be today or in the past" in future.text
    done = client.post(f"/tasks/{date_task}",
                       data=dates(aware=("7", "12", "2026"), notified=("07", "12", "2026")))
    assert done.status_code == 302


def test_the_api_names_the_field_in_its_error_body(client, date_task, sessions):
    from web_support import token_for
    token = token_for(sessions, "ann")
    response = client.post(f"/api/v1/tasks/{date_task}/complete",
                           headers={"Authorization": f"Bearer {token}"},
                           json={"data": {**GOOD, "children": 2, "notified_on": "03/12",
                                          "la_aware_on": {"day": 7, "year": 2026}}})
    assert response.status_code == 422
    assert response.json["error"]["errors"] == {
        "la_aware_on": "Date the local authority became aware must include a month",
        "notified_on": "Date the notification was sent must be a real date, like 2027-03-31"}


# -- names, values and summary lists -------------------------------------------------------------

import contextlib
import re

from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from engine import people
from engine.actors import load_actor
from web_support import DATA


@contextlib.contextmanager
def counted_selects():
    seen = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)
    event.listen(Engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", count)


def titled(sessions, slug="intake", title="Intake Team"):
    with sessions.begin() as session:
        people.add_group(session, slug, title)


def start_cases(sessions, process_engine, n, **data):
    with sessions.begin() as session:
        return [process_engine.start(session, "two_lane", load_actor(session, "ann"),
                                     {"case_title": f"{data.get('title', 'Case')} {i}"})
                for i in range(n)]


def test_the_worklist_names_pathways_groups_and_shows_the_case_title(client, world, sessions):
    titled(sessions)
    login(client, "ann")
    page = client.get("/tasks").text
    row = page[page.index('<tbody'):page.index('</tbody>')]
    assert "Two lane approval" in row and "Intake Team" in row and "Test case" in row
    assert "two_lane" not in row and ">intake<" not in row
    assert '<option value="two_lane">Two lane approval</option>' in page
    assert '<option value="intake">Intake Team</option>' in page


def test_a_completed_step_is_a_summary_list_of_its_questions_and_answers(client, world):
    login(client, "ann")
    client.post(f"/tasks/{world['task_id']}", data=GOOD)
    page = client.get(f"/instances/{world['instance_id']}").text
    answers = re.findall(r'<dt class="govuk-summary-list__key">([^<]*)</dt>'
                         r'<dd class="govuk-summary-list__value">([^<]*)</dd>', page)
    assert ("Route", "Serious case review") in answers          # the option's label, not "scr"
    assert ("Children involved", "2") in answers
    assert "Route: scr" not in page and "; " not in page.split("Timeline")[1].split("</ol>")[0]


@time_machine.travel(datetime(2026, 7, 1, 12, 5, tzinfo=timezone.utc), tick=False)
def test_yes_no_long_dates_and_uk_time_on_the_case_page(client, world, sessions, process_engine):
    login(client, "ann")
    client.post(f"/tasks/{world['task_id']}", data=GOOD)
    client.post("/logout")
    login(client, "carol")
    with sessions() as session:
        decide = process_engine.show(session, world["instance_id"]).tasks[0]
    client.post(f"/tasks/{decide.id}", data={"scr_agreed": "true"})
    page = client.get(f"/instances/{world['instance_id']}").text
    assert ('<dt class="govuk-summary-list__key">SCR agreed</dt>'
            '<dd class="govuk-summary-list__value">Yes</dd>') in page
    assert "1 July 2026, 1:05pm" in page            # 12:05 UTC is 1:05pm British Summer Time
    assert "Jul 2026, 12:05" not in page
    client.post("/logout")
    login(client, "mia")                              # the manager's case data: a summary list
    data = client.get(f"/instances/{world['instance_id']}").text
    case_data = data[data.index('id="case-data"'):]
    assert ('<dt class="govuk-summary-list__key">Route</dt><dd class="govuk-summary-list__value">'
            'Serious case review</dd>') in case_data


def test_dates_read_as_people_write_them_on_the_timeline(client, date_task, sessions,
                                                        process_engine):
    login(client, "ann")
    client.post(f"/tasks/{date_task}", data=dates(aware=("3", "12", "2026")))
    with sessions() as session:
        instance_id = process_engine.task(session, date_task, load_actor(session, "ann")).instance_id
    page = client.get(f"/instances/{instance_id}").text
    assert ('<dt class="govuk-summary-list__key">Date the local authority became aware</dt>'
            '<dd class="govuk-summary-list__value">3 December 2026</dd>') in page


def test_the_task_page_names_its_pathway_and_groups_and_labels_the_case_summary(
        client, world, sessions):
    titled(sessions)
    login(client, "ann")
    page = client.get(f"/tasks/{world['task_id']}").text
    assert "offered to Intake Team" in page and ">Two lane approval<" in page
    assert ('<dt class="govuk-summary-list__key">Case title</dt>'
            '<dd class="govuk-summary-list__value">Test case</dd>') in page


# -- the worklist: search, priority, follow-up, saved filters -------------------------------------

def other_priority(sessions, process_engine, priority="90", follow_up="P3D"):
    """two_lane redeployed with another priority and a follow-up date; one case of it."""
    xml = (DATA / "engine/two_lane.bpmn").read_bytes().replace(
        b'camunda:priority="60"',
        f'camunda:priority="{priority}" camunda:followUpDate="{follow_up}"'.encode())
    with sessions.begin() as session:
        process_engine.deploy(session, {"two_lane.bpmn": xml}, "tester", "priority")
        return process_engine.start(session, "two_lane", load_actor(session, "ann"),
                                    {"case_title": "Urgent one"})


def worklist_titles(page: str) -> list[str]:
    body = page[page.index("<tbody"):page.index("</tbody>")]
    return re.findall(r'</a> ([^<]+)<br><span class="govuk-hint">', body)


@time_machine.travel(datetime(2026, 12, 7, 9, 0, tzinfo=timezone.utc), tick=False)
def test_priority_and_follow_up_are_shown_and_sortable(client, world, sessions, process_engine):
    other_priority(sessions, process_engine)
    login(client, "ann")
    page = client.get("/tasks?sort=priority&dir=desc").text
    assert worklist_titles(page) == ["Urgent one", "Test case"]
    assert worklist_titles(client.get("/tasks?sort=priority&dir=asc").text) == [
        "Test case", "Urgent one"]
    assert ">90</td>" in page and ">60</td>" in page
    assert "10 December 2026" in page                  # followUpDate P3D
    assert worklist_titles(client.get("/tasks?sort=follow_up").text) == [
        "Urgent one", "Test case"]                         # no follow-up date last


def test_search_over_task_name_case_reference_and_title(client, world, sessions, process_engine):
    other_priority(sessions, process_engine)
    login(client, "ann")
    assert worklist_titles(client.get("/tasks?q=urgent").text) == ["Urgent one"]
    found = client.get("/tasks?q=TRIAGE").text               # the task's name, any case
    assert sorted(worklist_titles(found)) == ["Test case", "Urgent one"]
    assert "<strong>2</strong> tasks" in found
    with sessions() as session:
        reference = process_engine.show(session, world["instance_id"]).reference
    assert worklist_titles(client.get(f"/tasks?q={reference}").text) == ["Test case"]
    none = client.get("/tasks?q=100%25_").text                 # % and _ are plain characters
    assert "No tasks match" in none and "<strong>0</strong> tasks" in none


def test_a_person_saves_names_and_deletes_their_own_filters(client, world, sessions,
                                                             process_engine):
    other_priority(sessions, process_engine)
    login(client, "ann")
    saved = client.post("/tasks/filters", data={"filter_name": "  Urgent  work ", "q": "urgent",
                                                "sort": "priority", "dir": "desc"})
    assert saved.status_code == 302 and "q=urgent" in saved.location
    page = client.get("/tasks").text
    link = re.search(r'<a class="govuk-link" href="([^"]+)">Urgent work</a>', page).group(1)
    assert link == "/tasks?q=urgent&amp;sort=priority&amp;dir=desc"
    assert worklist_titles(client.get(link.replace("&amp;", "&")).text) == ["Urgent one"]
    client.post("/tasks/filters", data={"filter_name": "Urgent work", "q": "case"})
    page = client.get("/tasks").text
    assert page.count(">Urgent work</a>") == 1 and 'href="/tasks?q=case"' in page
    assert "Enter a name for the filter" in client.post(
        "/tasks/filters", data={"filter_name": " ", "q": "x"}, follow_redirects=True).text
    filter_id = re.search(r'/tasks/filters/(\d+)/delete', page).group(1)
    client.post("/logout")
    login(client, "bob")
    assert "Urgent work" not in client.get("/tasks").text
    assert client.post(f"/tasks/filters/{filter_id}/delete").status_code == 404
    client.post("/logout")
    login(client, "ann")
    deleted = client.post(f"/tasks/filters/{filter_id}/delete", follow_redirects=True).text
    assert "Filter “Urgent work” deleted." in deleted and ">Urgent work</a>" not in deleted


def test_the_worklist_and_the_case_page_read_no_more_for_more_rows(client, world, sessions,
                                                                   process_engine):
    titled(sessions)
    login(client, "ann")
    client.get("/tasks")
    with counted_selects() as few:
        client.get("/tasks")
    start_cases(sessions, process_engine, 6)
    with counted_selects() as many:
        client.get("/tasks")
    assert len(many) == len(few)
    client.get(f"/instances/{world['instance_id']}")
    with counted_selects() as no_step:
        client.get(f"/instances/{world['instance_id']}")
    client.post(f"/tasks/{world['task_id']}", data=GOOD)
    with counted_selects() as one_step:
        page = client.get(f"/instances/{world['instance_id']}").text
    assert "Completed: Triage the notification" in page
    assert len(one_step) == len(no_step)


# -- notifications -------------------------------------------------------------------------------

def test_a_notification_says_what_happened_to_which_task_and_when_it_is_due(client, world):
    login(client, "ann")
    page = client.get("/notifications/").text
    assert re.search(r"New task “Triage the notification” on case LSCB-\d{4}-\d+, "
                     r"due \d{1,2} [A-Z][a-z]+ \d{4}<", page)


def test_a_notification_about_a_completed_task_says_so_instead_of_opening_it(client, world,
                                                                             sessions):
    from models import Notification
    login(client, "ann")
    client.post(f"/tasks/{world['task_id']}", data=GOOD)
    page = client.get("/notifications/").text
    assert "This task has been completed" in page
    with sessions() as session:
        note = session.scalars(select(Notification).where(
            Notification.user_name == "ann", Notification.task_id == world["task_id"])).first()
    opened = client.post(f"/notifications/{note.id}/read")
    assert opened.status_code == 302 and opened.location.endswith("/notifications/")
    assert "This task has been completed: “New task" in client.get(opened.location).text


def test_reminders_and_escalations_name_the_task_and_its_due_day_in_uk_time(sessions):
    from engine.notify import describe
    event = {"action": "deadline_reminder", "detail": {
        "title": "Send the serious incident notification",
        "due_at": "2026-06-30T23:30:00+00:00"}}              # 00:30 on 1 July in London
    with sessions() as session:
        assert describe(session, "reminder", event, "LSCB-1") == (
            "Reminder: “Send the serious incident notification” on case LSCB-1 is due 1 July 2026")
        event["action"] = "deadline_escalated"
        assert describe(session, "escalation", event, "LSCB-1") == (
            "Overdue task escalated: “Send the serious incident notification” on case LSCB-1 "
            "was due 1 July 2026")


def test_the_cases_list_its_filter_and_the_dashboard_name_pathways(client, world):
    login(client, "mia")
    cases = client.get("/instances").text
    assert '<option value="two_lane">Two lane approval</option>' in cases
    table = cases[cases.index('id="cases"'):]
    assert '<td class="govuk-table__cell">Two lane approval</td>' in table
    dashboard = client.get("/dashboard?pathway=two_lane").text
    assert '<td class="govuk-table__cell">Two lane approval</td>' in dashboard     # stages
    assert ">two_lane<" not in dashboard and "two_lane: " not in dashboard


def test_values_as_people_write_them(app):
    from web.wording import answer, local_time, long_date
    route = {"type": "enum", "options": [{"id": "scr", "name": "Serious case review"}]}
    with app.test_request_context():
        assert answer(True) == "Yes" and answer(False) == "No"
        assert answer("scr", route) == "Serious case review"
        assert answer("other", route) == "other"                  # an option since removed
        assert answer("2026-12-07", {"type": "date"}) == "7 December 2026"
        assert answer("2026-12-07") == "7 December 2026"          # a date a script wrote
        assert answer("2026-07-01T23:30:00+00:00") == "2 July 2026, 12:30am"   # UK summer time
        assert answer(["a", "b"]) == "a, b" and answer(None) == "Not given"
        assert answer("x" * 400).endswith("…") and len(answer("x" * 400)) == 301
        assert long_date(datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)) == "31 December 2026"
        assert long_date(datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)) == "1 July 2026"
        assert local_time(datetime(2026, 1, 5, 0, 5, tzinfo=timezone.utc)) == "5 January 2026, 12:05am"
        assert local_time(datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)) == "5 January 2026, 12:00pm"


def test_values_scripts_wrote_read_as_names(app, world, sessions):
    """Values no form asked for (a script or the start wrote them) are named too: a regime by
    its name, a list of group slugs by the groups' names; other text stays as written."""
    from web.wording import answer
    with sessions.begin() as s:
        people.add_group(s, "childrens-social-care", "Children's social care", "agency")
    with app.test_request_context():
        assert answer("MASA_WT2023") == ("Safeguarding partners, Working Together 2023 (rapid "
                                         "reviews, LCSPRs)")
        assert answer(["childrens-social-care", "police"]) == "Children's social care, police"
        assert answer(["intake", "somewhere"]) == "intake, somewhere"
        assert answer("agency") == "agency"
