from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from sqlalchemy import select

from models import AuditEvent, CalendarToken, Notification
from web.deadlines import ical
from web_support import app, login, world  # noqa: F401



def test_bell_counts_unread_and_marking_read_clears_it(app, world, sessions):
    client = app.test_client()
    login(client, "ann")
    page = client.get("/notifications/")
    assert page.status_code == 200
    assert client.get("/notifications/count").get_json() == {"unread": 1}
    with sessions() as s:
        note = s.scalars(select(Notification).where(Notification.user_name == "ann")).one()
    response = client.post(f"/notifications/{note.id}/read")
    assert response.status_code == 302 and f"/tasks/{world['task_id']}" in response.location
    assert client.get("/notifications/count").get_json() == {"unread": 0}


def test_deadlines_page_shows_overdue_and_incidents_for_managers_only(app, world, sessions):
    client = app.test_client()
    login(client, "ann")
    assert client.get("/deadlines/").status_code == 403
    login(client, "mia")
    page = client.get("/deadlines/").get_data(as_text=True)
    assert "Overdue, by the group each task is offered to" in page and "Incidents" in page


def test_calendar_feed_is_secret_and_revocable(app, world, sessions):
    client = app.test_client()
    login(client, "ann")
    page = client.post("/deadlines/calendar/token").get_data(as_text=True)   # shown once
    url = page.split('id="feed-url">')[1].split("<")[0]
    path = url.split("localhost", 1)[1]
    secret = path.rsplit("/", 1)[1].removesuffix(".ics")
    assert secret not in client.get("/deadlines/calendar").get_data(as_text=True)
    with sessions() as s:                          # kept hashed, like API tokens; audited
        assert secret not in {t for (t,) in s.execute(select(CalendarToken.token))}
        assert s.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("calendar_feed%"))).all() == ["calendar_feed_created"]
    anonymous = app.test_client()
    feed = anonymous.get(path)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    assert "BEGIN:VEVENT" in feed.get_data(as_text=True)
    assert "Test case" not in feed.get_data(as_text=True)
    client.post("/deadlines/calendar/revoke")
    assert anonymous.get(path).status_code == 404
    with sessions() as s:
        assert "calendar_feed_revoked" in s.scalars(select(AuditEvent.action)).all()


def test_calendar_text_is_escaped_and_folded_as_rfc_5545_asks():
    task = SimpleNamespace(id="0f8e2c1a-1111-2222-3333-444455556666",
                           due_at=datetime(2027, 3, 1, 9, tzinfo=timezone.utc))
    instance = SimpleNamespace(reference="SCR;2027,7\\b\r\nX-INJECTED:1 " + "é" * 40)
    text = ical([(task, instance)], "https://lscb.example/" + "a" * 80)
    lines = text.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    assert not any(line.startswith("X-INJECTED") for line in lines)
    unfolded = text.replace("\r\n ", "").split("\r\n")
    summary = next(line for line in unfolded if line.startswith("SUMMARY:"))
    assert summary == ("SUMMARY:Task due on case SCR\\;2027\\,7\\\\b\\nX-INJECTED:1 " + "é" * 40)
    assert f"URL:https://lscb.example/{'a' * 80}/tasks/{task.id}" in unfolded


def test_a_manager_ticks_tasks_on_the_deadlines_page_previews_and_applies_one_reason_each(
        app, world, sessions, process_engine):
    from engine.actors import load_actor
    from models import HumanTask
    with sessions.begin() as s:
        second = process_engine.start(s, "two_lane", load_actor(s, "ann"), {"case_title": "Second"})
    first, other = world["task_id"], second.tasks[0].id
    client = app.test_client()
    login(client, "mia")
    page = client.get("/deadlines/").get_data(as_text=True)
    assert f'name="task_id" value="{first}"' in page and 'form="task-batch-form"' in page
    refused = client.post("/deadlines/tasks/batch", data={"action": "reassign", "reason": "",
                                                          "task_id": [first]})
    assert refused.status_code == 422 and 'href="#task-batch-reason"' in refused.get_data(as_text=True)
    assert f'value="{first}" id="tick-due-{first}" form="task-batch-form" checked' in refused.get_data(as_text=True)
    form = {"action": "reassign", "assignee": "bob", "reason": "Bob covers intake",
            "task_id": [first, other]}
    preview = client.post("/deadlines/tasks/batch", data=form).get_data(as_text=True)
    assert "Preview: nothing has changed yet" in preview
    assert preview.count("Triage the notification: intake → bob") == 2
    with sessions() as s:
        assert s.get(HumanTask, first).assignee is None                  # nothing written yet
    done = client.post("/deadlines/tasks/batch", data={**form, "step": "apply"}).get_data(as_text=True)
    assert "2 of 2 tasks changed" in done and done.count("Given to bob") == 2
    with sessions() as s:
        assert {s.get(HumanTask, t).assignee for t in (first, other)} == {"bob"}
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "task_reassigned")).all()
    assert sorted((e.task_id, e.detail["reason"]) for e in events) == sorted(
        [(first, "Bob covers intake"), (other, "Bob covers intake")])
    due = client.post("/deadlines/tasks/batch", data={
        "action": "due", "due_date": "2031-07-01", "due_time": "17:00", "reason": "Agreed",
        "task_id": [first], "step": "apply"}).get_data(as_text=True)
    assert "1 of 1 task changed" in due and "Due 1 July 2031, 5:00pm" in due
    login(client, "ann")
    assert client.post("/deadlines/tasks/batch", data=form).status_code == 403


def test_a_batch_on_the_cases_list_gives_the_open_tasks_to_a_person(app, world, sessions):
    from models import HumanTask
    client = app.test_client()
    login(client, "mia")
    assert 'id="batch-assignee"' in client.get("/instances").get_data(as_text=True)
    form = {"action": "reassign", "assignee": "bob", "reason": "Bob covers",
            "instance_id": [str(world["instance_id"])]}
    assert "Triage the notification: intake → bob" in client.post("/instances/batch", data=form).get_data(as_text=True)
    done = client.post("/instances/batch", data={**form, "step": "apply"}).get_data(as_text=True)
    assert "1 open task(s) given to bob" in done
    with sessions() as s:
        assert s.get(HumanTask, world["task_id"]).assignee == "bob"


def test_deadlines_page_lists_a_bounded_number_of_tasks_and_says_how_many(app, world, sessions):
    """A region has thousands of tasks due within 30 days and hundreds overdue: the page lists
    the soonest (and the longest overdue) ``LISTED`` of each and gives the whole count."""
    from sqlalchemy import func, insert

    from models import HumanTask
    from web.deadlines import LISTED
    now = datetime.now(timezone.utc)
    rows = [dict(id=f"due-{n}", instance_id=world["instance_id"], process_id="two_lane",
                 bpmn_id="triage", title=f"Region task {n}", status="open",
                 created_at=now - timedelta(days=40), candidate_groups=["police"],
                 candidate_users=[], form={}, documentation="", deadline_step=0,
                 escalation_level=0,
                 due_at=now + timedelta(days=1 + n % 25) if n < LISTED + 50
                 else now - timedelta(days=1 + n % 25))
            for n in range(2 * LISTED + 100)]
    with sessions.begin() as session:
        session.execute(insert(HumanTask), rows)
    with sessions() as session:
        due = session.scalar(select(func.count()).select_from(HumanTask).where(
            HumanTask.status == "open", HumanTask.due_at >= now,
            HumanTask.due_at < now + timedelta(days=30)))
    client = app.test_client()
    login(client, "mia")
    page = client.get("/deadlines/").get_data(as_text=True)
    assert due >= LISTED + 50
    assert f'<strong data-figure="due-tasks">{due}</strong>' in page
    assert f"The {LISTED} due soonest are listed" in page
    assert f"The {LISTED} longest overdue are listed" in page
    listed = page.split('id="due"')[1].split("</ul>")[0]
    assert listed.count("<li>") == LISTED


def test_overdue_and_due_tasks_are_ticked_by_their_own_words(app, world, sessions):
    """Each tick's label is the task as listed (clicking the words ticks it; it sat alone on the
    line above them), overdue tasks can be ticked too ("Tick overdue or due tasks above"), and a
    task listed under two groups and ticked twice is changed once."""
    from models import HumanTask, TaskCandidate
    with sessions.begin() as s:          # the rows as the engine's task_rows would write them
        task = s.get(HumanTask, world["task_id"])
        task.due_at = datetime.now(timezone.utc) - timedelta(days=2)
        task.candidate_groups = ["intake", "police"]
        for row in s.scalars(select(TaskCandidate).where(TaskCandidate.task_id == task.id)):
            row.due_at = task.due_at
        s.add(TaskCandidate(task_id=task.id, group_slug="police", due_at=task.due_at,
                            process_id=task.process_id))
        late = task.id
    client = app.test_client()
    login(client, "mia")
    page = client.get("/deadlines/").get_data(as_text=True)
    overdue = page.split('id="overdue"')[1].split('id="late-plans"')[0]
    for slug in ("intake", "police"):
        label = overdue.split(f'for="tick-overdue-{slug}-{late}">')[1].split("</label>")[0]
        assert "Triage the notification" in label and "visually-hidden" not in label
    form = {"action": "reassign", "assignee": "bob", "reason": "Bob covers intake",
            "task_id": [late, late]}
    preview = client.post("/deadlines/tasks/batch", data=form).get_data(as_text=True)
    assert preview.count("Triage the notification: ") == 1
