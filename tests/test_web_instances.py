from web_support import GOOD, app, client, login, world  # noqa: F401


def test_participant_sees_current_tasks_and_timeline(client, world):
    login(client, "ann")
    client.post(f"/tasks/{world['task_id']}", data=GOOD)
    page = client.get(f"/instances/{world['instance_id']}").text
    assert "Decide on a serious case review" in page
    assert "Completed: Triage the notification" in page
    assert ('<dt class="govuk-summary-list__key">Summary</dt><dd class="govuk-summary-list__value">'
            'A fine summary</dd>') in page and "Case started" in page


def test_outsider_gets_404_and_manager_sees_any_case(client, world):
    login(client, "bob")
    assert client.get(f"/instances/{world['instance_id']}").status_code == 404
    client.post("/logout")
    login(client, "mia")
    assert client.get(f"/instances/{world['instance_id']}").status_code == 200
    assert client.get("/instances/999").status_code == 404
