from sqlalchemy import select

from engine.actors import load_actor
from models import AuditEvent
from web_support import GOOD, app, client, group_task, login, world  # noqa: F401


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
