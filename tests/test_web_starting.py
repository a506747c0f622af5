import re

import pytest

from web_support import app, client, login, world  # noqa: F401

FACTS = {"case_title": "Infant injury", "incident_date": "2027-02-26"}


@pytest.fixture
def notify(world, deploy):
    """start_form.bpmn: police, health and sam may start it; its first task is for police."""
    deploy("engine/start_form.bpmn")


def nav_has_start(page: str) -> bool:
    return 'href="/start"' in page


def test_start_lists_only_the_pathways_i_may_start_and_the_nav_links_it(client, notify):
    login(client, "bob")                                        # police
    page = client.get("/start").text
    assert nav_has_start(page)
    assert "Notify an incident" in page and "An agency notifies a serious incident." in page
    assert "Two lane approval" not in page
    login(client, "carol")                                      # the chair: nothing to start
    page = client.get("/start").text
    assert 'id="no-pathways"' in page and not nav_has_start(page)
    login(client, "mia")                                        # a manager: every pathway
    page = client.get("/start").text
    assert "Notify an incident" in page and "Two lane approval" in page


def test_a_start_form_refused_shows_each_error_and_keeps_what_was_typed(client, notify):
    login(client, "bob")
    response = client.post("/start/notify", data={"case_title": "Hurt", "children": "0"})
    assert response.status_code == 422
    page = response.text
    assert "govuk-error-summary" in page and "Short title must be 5 characters or more" in page
    assert "Enter date of the incident" in page and "Children involved must be 1 or more" in page
    assert 'value="Hurt"' in page


def test_starting_lands_on_my_first_task_with_a_confirmation(client, notify):
    login(client, "bob")
    assert 'name="incident_date"' in client.get("/start/notify").text
    response = client.post("/start/notify", data=FACTS)
    assert response.status_code == 302 and "/tasks/" in response.location
    page = client.get(response.location).text
    assert re.search(r"Case LSCB-\d{4}-\d{5} started: Notify an incident\. Your first task", page)
    assert "Review the notification" in page


def test_starting_without_a_task_of_mine_lands_on_the_case_page(client, notify):
    login(client, "mia")
    response = client.post("/start/notify", data=FACTS)
    assert response.status_code == 302 and "/instances/" in response.location
    assert "started: Notify an incident." in client.get(response.location).text


def test_a_pathway_i_may_not_start_answers_403_with_a_message_page(client, notify):
    login(client, "ann")                                        # intake: not a starter of notify
    for response in (client.get("/start/notify"), client.post("/start/notify", data=FACTS)):
        assert response.status_code == 403
        assert "you may not start Notify an incident" in response.text
    assert client.get("/start/nothing").status_code == 404
