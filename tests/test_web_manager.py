"""Managers' instance list, case panel, diagram state and audited actions (web/manager.py)."""
import csv
import io
import re

from openpyxl import load_workbook

from engine.actors import load_actor
from web.wording import local_time
from models import AuditEvent, HumanTask, ProcessInstance
from web_support import app, client, login, world  # noqa: F401


def _events(sessions, instance_id, action):
    with sessions() as session:
        return [e for e in session.query(AuditEvent).filter_by(instance_id=instance_id,
                                                               action=action)]


def test_list_is_for_everyone_but_scoped_to_their_cases(client, world, sessions, process_engine):
    with sessions.begin() as session:
        other = process_engine.start(session, "two_lane", load_actor(session, "mia"),
                             {"case_title": "Other case"}, reference="REF-OTHER")
    login(client, "mia")
    page = client.get("/instances").text
    assert "REF-OTHER" in page and "Test case" in page and "2 cases" in page
    client.post("/logout")
    login(client, "bob")                          # police: no part in either case
    page = client.get("/instances").text
    assert "0 cases" in page and "REF-OTHER" not in page
    client.post("/logout")
    login(client, "ann")                          # intake: both cases wait on intake's triage
    assert "2 cases" in client.get("/instances").text
    assert client.get(f"/instances/{other.id}/state.json").status_code == 403


def test_filters_sort_and_pagination_in_the_page(client, world, sessions, process_engine):
    with sessions.begin() as session:
        for n in range(3):
            process_engine.start(session, "two_lane", load_actor(session, "mia"), {}, reference=f"R-{n}")
    login(client, "mia")
    page = client.get("/instances?q=r-1").text
    assert "R-1" in page and "R-2" not in page and "1 case." in page
    page = client.get("/instances?sort=reference&dir=asc").text
    assert page.index("R-0") < page.index("R-2")
    assert "0 cases" in client.get("/instances?status=completed").text
    assert "4 cases" in client.get("/instances?agency=intake&status=bogus").text
    page = client.get("/instances?status=suspended").text
    assert '<option value="suspended" selected>Suspended</option>' in page     # words, not ids
    assert '<option value="active">Active</option>' in page


def test_exports_parse_back(client, world):
    login(client, "mia")
    response = client.get("/instances/export.csv?pathway=two_lane")
    assert response.headers["Content-Disposition"] == 'attachment; filename="cases.csv"'
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Case id", "Reference", "Title"]
    assert rows[1][0] == str(world["instance_id"]) and rows[1][7] == "Triage the notification"
    book = load_workbook(io.BytesIO(client.get("/instances/export.xlsx").data))
    sheet = book.active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "Case id" and values[1][0] == world["instance_id"]
    assert client.get("/instances/export.pdf").status_code == 404


def test_case_page_shows_the_manager_panel_only_to_managers(client, world):
    url = f"/instances/{world['instance_id']}"
    login(client, "ann")
    page = client.get(url).text
    assert 'id="diagram"' not in page and "Manage this case" not in page
    client.post("/logout")
    login(client, "mia")
    page = client.get(url).text
    assert 'id="diagram"' in page and "Manage this case" in page and "Case data" in page
    assert f'data-state-url="{url}/state.json"' in page
    assert "Pause the case" in page and "Test case" in page


def test_state_json_and_diagram_xml(client, world):
    login(client, "mia")
    state = client.get(f"/instances/{world['instance_id']}/state.json").get_json()
    assert state["active"] == ["triage"] and "start" in state["completed"]
    assert state["counts"] == {"triage": 1}
    xml = client.get(f"/instances/{world['instance_id']}/diagram.xml")
    assert xml.mimetype == "application/xml" and b'<bpmn:process id="two_lane"' in xml.data
    assert client.get(f"/instances/{world['instance_id']}/diagram.xml?process=nope").status_code == 404
    assert client.get("/instances/999/state.json").status_code == 404


def test_reassign_needs_a_reason_and_a_real_user_and_is_audited(client, world, sessions):
    iid, tid = world["instance_id"], world["task_id"]
    login(client, "mia")
    url = f"/instances/{iid}/tasks/{tid}/reassign"
    page = client.post(url, data={"assignee": "bob", "reason": ""}, follow_redirects=True).text
    assert "Enter a reason" in page
    page = client.post(url, data={"assignee": "nobody", "reason": "x"}, follow_redirects=True).text
    assert "no active user called" in page
    page = client.post(url, data={"assignee": "bob", "reason": "Police lead now"},
                       follow_redirects=True).text
    assert "Task reassigned" in page and "Police lead now" in page
    [event] = _events(sessions, iid, "task_reassigned")
    assert event.actor == "mia" and event.detail["assignee"] == "bob"


def test_due_date_change_is_audited(client, world, sessions):
    iid, tid = world["instance_id"], world["task_id"]
    login(client, "mia")
    url = f"/instances/{iid}/tasks/{tid}/due"
    assert "Enter the new due date" in client.post(
        url, data={"due_date": "soon", "reason": "r"}, follow_redirects=True).text
    client.post(url, data={"due_date": "2031-03-14", "reason": "Family bereavement",
                           "confirm": "yes"})
    with sessions() as session:
        task = session.get(HumanTask, tid)
        assert task.due_at.isoformat() == "2031-03-14T17:00:00+00:00"   # GMT in March
    [event] = _events(sessions, iid, "due_date_changed")
    assert event.detail["reason"] == "Family bereavement"


def test_suspend_resume_cancel_with_reasons(client, world, sessions):
    iid = world["instance_id"]
    login(client, "mia")
    refused = client.post(f"/instances/{iid}/suspend", data={"reason": ""})
    assert refused.status_code == 422 and 'href="#suspend-reason"' in refused.text
    assert not _events(sessions, iid, "instance_suspended")
    client.post(f"/instances/{iid}/suspend", data={"reason": "Awaiting police"})
    page = client.post(f"/instances/{iid}/suspend", data={"reason": "again"},
                       follow_redirects=True).text
    assert "is suspended" in page                         # refused: flashed, nothing written
    client.post(f"/instances/{iid}/resume", data={"reason": "Police done"})
    client.post(f"/instances/{iid}/cancel", data={"reason": "Duplicate referral"})
    with sessions() as session:
        assert session.get(ProcessInstance, iid).status == "cancelled"
    reasons = [_events(sessions, iid, a)[0].detail["reason"]
               for a in ("instance_suspended", "instance_resumed", "instance_cancelled")]
    assert reasons == ["Awaiting police", "Police done", "Duplicate referral"]
    retry = client.post(f"/instances/{iid}/retry", data={"reason": "x"})
    assert retry.status_code == 422 and "Error: " in retry.text      # nothing failed to retry


def test_actions_are_for_managers_only(client, world):
    iid, tid = world["instance_id"], world["task_id"]
    login(client, "ann")
    for url in (f"/instances/{iid}/cancel", f"/instances/{iid}/tasks/{tid}/reassign",
                f"/instances/{iid}/tasks/{tid}/due", f"/instances/{iid}/retry"):
        assert client.post(url, data={"reason": "r"}).status_code == 403
    assert client.get(f"/instances/{iid}/diagram.xml").status_code == 403


def test_a_past_due_date_or_one_after_the_process_date_needs_confirming_and_keeps_the_typing(
        app, client, world, sessions):
    iid, tid = world["instance_id"], world["task_id"]
    login(client, "mia")
    url = f"/instances/{iid}/tasks/{tid}/due"
    with sessions() as session:
        before = session.get(HumanTask, tid).due_at
    past = client.post(url, data={"due_date": "2020-01-06", "reason": "Agreed at LISG"})
    page = past.text
    assert past.status_code == 422 and "in the past" in page
    assert 'href="#confirm-1"' in page and 'id="confirm-1"' in page          # summary + box
    assert "Agreed at LISG</textarea>" in page and 'value="2020-01-06"' in page
    assert '<details class="govuk-details" id="manage-task-1" open' in page
    later = client.post(url, data={"due_date": "2031-03-14", "reason": "Family bereavement"})
    assert later.status_code == 422 and "after the date the process set" in later.text
    assert before.strftime("%-d %B %Y") in later.text
    with sessions() as session:
        assert session.get(HumanTask, tid).due_at == before                  # nothing changed
    missing = client.post(url, data={"due_date": "2031-03-14", "reason": ""})
    assert missing.status_code == 422 and 'href="#due-reason-1"' in missing.text
    assert 'value="2031-03-14"' in missing.text
    done = client.post(url, data={"due_date": "2031-03-14", "reason": "Family bereavement",
                                  "confirm": "yes"})
    assert done.status_code == 302
    timeline = client.get(f"/instances/{iid}").text
    with app.test_request_context():
        was = local_time(before)
    assert f"From {was} to 14 March 2031, 5:00pm: Family bereavement" in timeline


def test_a_refused_reassign_keeps_the_reason_and_names_the_field(client, world):
    iid, tid = world["instance_id"], world["task_id"]
    login(client, "mia")
    refused = client.post(f"/instances/{iid}/tasks/{tid}/reassign",
                          data={"assignee": "nobody", "reason": "Police lead now"})
    assert refused.status_code == 422 and 'href="#assignee-1"' in refused.text
    assert "Police lead now</textarea>" in refused.text and "no active user called" in refused.text


def test_the_variables_panel_lists_each_variable_with_its_type_and_the_step_that_set_it(
        client, world, sessions, process_engine):
    iid = world["instance_id"]
    with sessions.begin() as s:
        process_engine.complete(s, world["task_id"], load_actor(s, "ann"),
                                {"route": "scr", "summary": "A fine summary", "children": "2"})
        process_engine.set_data(s, iid, load_actor(s, "mia"), {"children": 3}, "miscounted")
    login(client, "mia")
    page = client.get(f"/instances/{iid}").text
    panel = page[page.index('id="variables"'):]
    panel = panel[:panel.index("</details>")]
    rows = {cells[0]: cells[1:] for cells in (
        [c.strip() for c in re.sub(r"<[^>]+>", "|", row).split("|") if c.strip()]
        for row in re.findall(r"<tr.*?</tr>", panel, re.S)[1:])}
    assert rows["route"][:2] == ["Text", "scr"] and rows["route"][2].startswith("Triage the notification (ann,")
    assert rows["children"][:2] == ["Number", "3"] and rows["children"][2].startswith("Corrected by mia")
    login(client, "ann")
    assert 'id="variables"' not in client.get(f"/instances/{iid}").text       # managers only


def test_the_variables_panel_dates_a_step_on_its_day_in_uk_time(app):
    from datetime import datetime, timezone

    from web.variables import case_variables
    late = datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc)       # 00:30 on 1 July, BST
    events = [AuditEvent(action="instance_started", actor="ann", at=late,
                         detail={"data": {"route": "scr"}})]
    with app.test_request_context():
        [route] = case_variables({"route": "scr"}, events)
    assert route.set_by == "Start (ann, 1 July 2026)"


def test_a_batch_reassign_is_previewed_then_applied_with_a_result_per_case(
        client, world, sessions, process_engine):
    with sessions.begin() as s:
        other = process_engine.start(s, "two_lane", load_actor(s, "ann"), {}).id
        process_engine.cancel(s, other, load_actor(s, "mia"), "duplicate")
    iid = world["instance_id"]
    login(client, "mia")
    page = client.get("/instances").text
    assert f'name="instance_id" value="{iid}" id="select-{iid}" form="batch-form"' in page
    refused = client.post("/instances/batch", data={"action": "reassign", "reason": "x",
                                                    "instance_id": [str(iid)]})
    assert refused.status_code == 422 and 'href="#batch-group"' in refused.text
    assert f'value="{iid}" id="select-{iid}" form="batch-form" checked' in refused.text
    form = {"action": "reassign", "group": "police", "reason": "Police lead",
            "instance_id": [str(iid), str(other)]}
    preview = client.post("/instances/batch", data=form).text
    assert "Preview: nothing has changed yet" in preview
    assert "Triage the notification: intake → police" in preview and "Skipped: the case is cancelled" in preview
    with sessions() as s:
        assert s.get(HumanTask, world["task_id"]).candidate_groups == ["intake"]
    done = client.post("/instances/batch", data={**form, "instance_id": [str(iid)], "step": "apply"}).text
    assert "1 of 1 case changed" in done and "1 open task(s) offered to police" in done
    with sessions() as s:
        assert s.get(HumanTask, world["task_id"]).candidate_groups == ["police"]
    [event] = _events(sessions, iid, "task_reassigned")
    assert event.detail["reason"] == "Police lead" and event.actor == "mia"
    login(client, "ann")
    assert 'form="batch-form"' not in client.get("/instances").text
    assert client.post("/instances/batch", data=form).status_code == 403


def test_every_manager_action_says_in_the_timeline_what_changed_and_why(app):
    from datetime import datetime, timezone
    from web.timeline import describe
    at = datetime(2027, 1, 4, 10, tzinfo=timezone.utc)
    with app.test_request_context():
        moved = describe(AuditEvent(action="instance_migrated", at=at, actor="mia", detail={
            "from_version": 1, "to_version": 2, "notes": ["task triage takes the new form"]}))
        assert moved["body"] == "From version 1 to 2; task triage takes the new form"
        retried = describe(AuditEvent(action="incident_retried", at=at, actor="mia",
                                      detail={"ok": True, "reason": "divisor corrected"}))
        assert retried["body"] == "divisor corrected"
        due = describe(AuditEvent(action="due_date_changed", at=at, actor="mia", detail={
            "previous": "2027-01-08T17:00:00+00:00", "due_at": "2027-01-15T17:00:00+00:00",
            "reason": "agency asked"}))
        assert due["body"] == "From 8 January 2027, 5:00pm to 15 January 2027, 5:00pm: agency asked"


def test_the_task_panel_names_who_has_the_task_and_gives_the_due_time_in_uk_time(
        client, world, sessions):
    from datetime import datetime, timezone
    from engine import people
    with sessions.begin() as s:
        people.add_group(s, "intake", "Front door intake", "board")
        task = s.get(HumanTask, world["task_id"])
        task.due_at = datetime(2031, 7, 1, 16, tzinfo=timezone.utc)          # 5pm BST
        task.unassignable_since = datetime(2031, 6, 30, 23, 30, tzinfo=timezone.utc)
    login(client, "mia")
    panel = client.get(f"/instances/{world['instance_id']}").text.split('id="case-actions-heading"')[1]
    assert "Now with its group (Front door intake), due" in panel
    assert ">1 July 2031, 5:00pm</time>" in panel and "1 Jul 2031" not in panel
    assert "No active person is in Front door intake" in panel
    assert "1 July 2031, 12:30am" in panel and "Keep its groups (Front door intake)" in panel


def test_the_timeline_says_from_whom_to_whom_a_task_was_reassigned_and_why(client, world, sessions):
    from engine import people
    with sessions.begin() as s:
        people.add_group(s, "intake", "Front door intake", "board")
        people.add_group(s, "police", "Thames Valley Police", "agency")
    iid, tid = world["instance_id"], world["task_id"]
    login(client, "mia")
    url = f"/instances/{iid}/tasks/{tid}/reassign"
    client.post(url, data={"assignee": "bob", "reason": "Police lead now"})
    client.post(url, data={"assignee": "", "group": "police", "reason": "Back to the police team"})
    page = client.get(f"/instances/{iid}").text
    assert "From Front door intake to bob: Police lead now" in page
    assert ("From bob and the group Front door intake to the group Thames Valley Police: "
            "Back to the police team") in page
