import re
from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from engine.actors import load_actor
from models import AuditEvent, Notification
from web_support import GOOD, PASSWORD, app, client, csrf_from, group_task, login, world  # noqa: F401


def test_task_page_shows_title_instructions_summary_and_form(client, world):
    login(client, "ann")
    page = client.get(f"/tasks/{world['task_id']}").text
    assert "<h1 class=\"govuk-heading-l\">Triage the notification</h1>" in page
    assert "Triage case LSCB-" in page            # {{ case_ref }} filled in
    assert 'name="route"' in page and 'name="summary"' in page and 'name="children"' in page
    assert "Test case" in page                    # case summary
    assert 'for="summary"' in page                # labels


def test_instructions_are_escaped(client, world, sessions, process_engine):
    with sessions.begin() as session:
        record = process_engine.start(session, "two_lane", load_actor(session, "ann"),
                              {"case_ref": "<script>alert(1)</script>"})
    login(client, "ann")
    page = client.get(f"/tasks/{record.tasks[0].id}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_instructions_of_one_diagram_show_each_case_its_own_values(client, world, sessions, process_engine):
    with sessions.begin() as session:
        other = process_engine.start(session, "two_lane", load_actor(session, "ann"),
                             {"case_ref": "REF-OTHER"})
    login(client, "ann")
    assert "Triage case REF-OTHER" in client.get(f"/tasks/{other.tasks[0].id}").text
    page = client.get(f"/tasks/{world['task_id']}").text
    assert "Triage case LSCB-" in page and "REF-OTHER" not in page


def test_bad_values_are_refused_with_field_messages_and_typed_values_kept(client, world):
    login(client, "ann")
    response = client.post(f"/tasks/{world['task_id']}",
                           data={"route": "nonsense", "summary": "abc", "children": "lots"})
    assert response.status_code == 422
    page = response.text
    assert "govuk-error-summary" in page and 'href="#summary"' in page
    assert "Summary must be 5 characters or more" in page
    assert "Children involved must be a whole number" in page
    assert "Select route" in page
    assert 'value="lots"' in page and ">abc</textarea>" in page
    assert page.count("<title>Error: ") == 1


def test_required_fields(client, world):
    login(client, "ann")
    response = client.post(f"/tasks/{world['task_id']}", data={})
    assert response.status_code == 422 and "Enter summary" in response.text


def test_save_draft_keeps_values(client, world):
    login(client, "ann")
    response = client.post(f"/tasks/{world['task_id']}",
                           data={"summary": "Half done", "action": "draft"})
    assert response.status_code == 302
    assert ">Half done</textarea>" in client.get(f"/tasks/{world['task_id']}").text


def test_complete_shows_where_the_case_went_and_next_group_gets_it(client, world):
    login(client, "ann")
    response = client.post(f"/tasks/{world['task_id']}", data=GOOD)
    assert response.status_code == 302 and response.location.endswith("/done")
    done = client.get(response.location).text
    assert "Decide on a serious case review, for lscb-chair" in done
    client.post("/logout")
    login(client, "carol")
    assert "Decide on a serious case review" in client.get("/tasks").text


def test_completing_the_last_task_says_the_case_is_finished(client, world):
    login(client, "ann")
    response = client.post(f"/tasks/{world['task_id']}", data={**GOOD, "route": "close"})
    assert "This case is now finished." in client.get(response.location).text


def test_completing_twice_is_refused(client, world):
    login(client, "ann")
    client.post(f"/tasks/{world['task_id']}", data=GOOD)
    assert client.post(f"/tasks/{world['task_id']}", data=GOOD).status_code == 409


def test_other_agency_cannot_see_or_complete(client, world):
    login(client, "bob")
    assert client.get(f"/tasks/{world['task_id']}").status_code == 404
    assert client.post(f"/tasks/{world['task_id']}", data=GOOD).status_code == 404
    assert client.post(f"/tasks/{world['task_id']}/comments", data={"comment": "x"}).status_code == 404


def test_only_the_assignee_completes_a_claimed_task(client, world, sessions, process_engine, people_factory):
    people_factory("ann2", groups=["intake"])
    with sessions.begin() as session:
        process_engine.claim(session, world["task_id"], load_actor(session, "ann2"))
    login(client, "ann")
    page = client.get(f"/tasks/{world['task_id']}").text
    assert "Only they can complete it" in page and "Complete task" not in page
    assert client.post(f"/tasks/{world['task_id']}", data=GOOD).status_code == 403


def test_comments(client, world):
    login(client, "ann")
    response = client.post(f"/tasks/{world['task_id']}/comments", data={"comment": "  "})
    assert response.status_code == 422 and "Enter a comment" in response.text
    response = client.post(f"/tasks/{world['task_id']}/comments",
                           data={"comment": "Called the school"})
    assert response.status_code == 302
    assert "Called the school" in client.get(f"/tasks/{world['task_id']}").text
    assert "Called the school" in client.get(f"/instances/{world['instance_id']}").text


def test_unknown_task_is_404(client, world):
    login(client, "ann")
    assert client.get("/tasks/does-not-exist").status_code == 404


def test_group_fields_offer_the_groups_of_their_kind(client, group_task):
    login(client, "ann")
    page = client.get(f"/tasks/{group_task}").text
    select = page[page.index('<select class="govuk-select" id="agency"'):]
    select = select[:select.index("</select>")]
    assert '<option value="police">Thames Valley Police</option>' in select
    assert 'value="health"' in select and 'value="intake"' not in select
    assert 'type="checkbox" value="police"' in page and 'type="checkbox" value="intake"' not in page


def test_group_fields_are_posted_without_javascript_and_checked(client, group_task, sessions):
    login(client, "ann")
    base = {"route": "close", "summary": "Nothing to add"}
    refused = client.post(f"/tasks/{group_task}",
                          data={**base, "agency": "intake", "involved": ["police", "nobody"]})
    assert refused.status_code == 422
    assert "intake is not one of the groups offered" in refused.text
    assert 'type="checkbox" value="police" checked' in refused.text
    done = client.post(f"/tasks/{group_task}",
                       data={**base, "agency": "police", "involved": ["police", "health"]})
    assert done.status_code == 302
    with sessions() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "task_completed")
                                .order_by(AuditEvent.id.desc())).first()
    assert event.detail["values"]["involved"] == ["police", "health"]
    assert event.detail["values"]["agency"] == "police"


def test_a_comment_keeps_what_was_typed_in_the_form_as_the_authors_draft(client, world):
    login(client, "ann")
    typed = {"route": "scr", "summary": "abc", "children": "lots"}
    response = client.post(f"/tasks/{world['task_id']}/comments",
                           data={**typed, "comment": "Asked the school first"})
    assert response.status_code == 302
    page = client.get(f"/tasks/{world['task_id']}").text
    assert "Asked the school first" in page
    assert 'value="lots"' in page and ">abc</textarea>" in page
    assert 'value="scr" checked' in page and "govuk-error-summary" not in page
    client.post("/logout")
    login(client, "carol")      # a draft is its author's alone
    assert "lots" not in client.get(f"/instances/{world['instance_id']}").text


def test_a_refused_comment_comes_back_with_the_typed_form_and_the_comment(client, world):
    login(client, "ann")
    response = client.post(f"/tasks/{world['task_id']}/comments",
                           data={"summary": "Half way there", "comment": " "})
    assert response.status_code == 422
    assert "Enter a comment" in response.text and ">Half way there</textarea>" in response.text


def test_the_comment_box_belongs_to_the_task_form_for_whoever_may_act(client, world):
    login(client, "ann")
    page = client.get(f"/tasks/{world['task_id']}").text
    assert 'form="task-form"' in page and f'formaction="/tasks/{world["task_id"]}/comments"' in page


def test_save_draft_keeps_invalid_values_as_typed_and_shows_no_error_until_complete(client, world):
    login(client, "ann")
    response = client.post(f"/tasks/{world['task_id']}",
                           data={"summary": "abc", "children": "two", "action": "draft"})
    assert response.status_code == 302
    page = client.get(f"/tasks/{world['task_id']}").text
    assert 'value="two"' in page and ">abc</textarea>" in page
    assert "govuk-error-summary" not in page and "Draft saved at " in page
    response = client.post(f"/tasks/{world['task_id']}", data={"summary": "abc", "children": "two"})
    assert response.status_code == 422 and "Children involved must be a whole number" in response.text


def test_autosave_keeps_the_draft_and_says_when(client, world):
    with time_machine.travel(datetime(2027, 7, 1, 13, 5, tzinfo=timezone.utc), tick=False):
        login(client, "ann")
        response = client.post(f"/tasks/{world['task_id']}/draft", data={"children": "tw"})
        page = client.get(f"/tasks/{world['task_id']}").text
    assert response.status_code == 200
    assert response.json["time"] == "14:05"              # board time: British Summer Time
    assert 'value="tw"' in page and "Draft saved at 14:05" in page


def completed_triage(client, world) -> str:
    """Ann completes triage; the chair's decision task (ann may see it, not act on it)."""
    login(client, "ann")
    client.post(f"/tasks/{world['task_id']}", data=GOOD)
    page = client.get(f"/instances/{world['instance_id']}").text
    return re.search(r'href="/tasks/([0-9a-f-]{36})">Decide', page).group(1)


def test_a_participant_reads_another_groups_task_without_a_form_and_sees_who_has_it(client, world):
    decide = completed_triage(client, world)
    response = client.get(f"/tasks/{decide}")
    assert response.status_code == 200
    assert 'id="task-form"' not in response.text and "Complete task" not in response.text
    assert "This task is offered to lscb-chair" in " ".join(response.text.split())
    assert client.post(f"/tasks/{decide}/draft", data={}).status_code == 403
    response = client.post(f"/tasks/{decide}/comments", data={"comment": "Over to the chair"})
    assert response.status_code == 302


def test_every_current_task_link_a_participant_is_shown_opens(client, world):
    completed_triage(client, world)
    pages = [f"/instances/{world['instance_id']}", "/tasks", "/notifications/"]
    for url in pages:
        for task_id in set(re.findall(r'href="/tasks/([0-9a-f-]{36})"', client.get(url).text)):
            assert client.get(f"/tasks/{task_id}").status_code == 200, (url, task_id)


def test_a_comment_without_the_form_leaves_the_draft_alone(client, world):
    login(client, "ann")
    client.post(f"/tasks/{world['task_id']}", data={"summary": "Kept draft", "action": "draft"})
    client.post(f"/tasks/{world['task_id']}/comments", data={"comment": "Just a note"})
    assert ">Kept draft</textarea>" in client.get(f"/tasks/{world['task_id']}").text


def test_autosave_needs_the_pages_csrf_token(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    page = client.get("/login").text
    client.post("/login", data={"username": "ann", "password": PASSWORD, "csrf_token": csrf_from(page)})
    assert client.post(f"/tasks/{world['task_id']}/draft", data={"summary": "x"}).status_code == 400
    token = csrf_from(client.get(f"/tasks/{world['task_id']}").text)
    response = client.post(f"/tasks/{world['task_id']}/draft", data={"summary": "x", "csrf_token": token})
    assert response.status_code == 200


def test_a_draft_too_long_to_keep_comes_back_as_typed_with_the_reason(client, world):
    login(client, "ann")
    response = client.post(f"/tasks/{world['task_id']}",
                           data={"summary": "x" * 20_001, "children": "two", "action": "draft"})
    assert response.status_code == 422
    assert 'value="two"' in response.text and "Summary is too long" in response.text


def test_a_notification_of_a_task_no_longer_offered_to_me_does_not_open_a_dead_link(
        client, world, sessions, process_engine):
    with sessions.begin() as session:
        mia = load_actor(session, "mia")
        case = process_engine.start(session, "two_lane", mia, {"case_title": "Not ann's case"})
        process_engine.reassign(session, case.tasks[0].id, mia, None, "Police lead it",
                                groups=["police"])
        note = session.scalars(select(Notification).where(
            Notification.user_name == "ann", Notification.task_id == case.tasks[0].id)).one()
    login(client, "ann")
    response = client.post(f"/notifications/{note.id}/read", follow_redirects=True)
    assert response.status_code == 200
    assert "That task is no longer offered to you" in response.text
