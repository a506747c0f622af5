from engine.actors import load_actor
from web_support import app, client, login, world  # noqa: F401


def test_worklist_shows_my_groups_unclaimed_tasks_with_counts(client, world):
    login(client, "ann")
    page = client.get("/tasks").text
    assert "Triage the notification" in page
    assert "<strong>1</strong> task" in page and "0 assigned to you" in page


def test_other_agency_sees_nothing(client, world):
    login(client, "bob")
    page = client.get("/tasks").text
    assert "Triage the notification" not in page and "<strong>0</strong> tasks" in page


def test_claim_and_unclaim(client, world):
    login(client, "ann")
    task = world["task_id"]
    response = client.post(f"/tasks/{task}/claim", data={"next": "/tasks?due=overdue"})
    assert response.status_code == 302 and response.location == "/tasks?due=overdue"
    page = client.get("/tasks").text
    assert "1 assigned to you" in page and "Unclaim" in page
    assert client.post(f"/tasks/{task}/unclaim").status_code == 302
    assert "0 assigned to you" in client.get("/tasks").text


def test_other_agency_cannot_claim_or_unclaim(client, world):
    login(client, "bob")
    assert client.post(f"/tasks/{world['task_id']}/claim").status_code == 404
    assert client.post(f"/tasks/{world['task_id']}/unclaim").status_code == 404


def test_claiming_a_task_someone_else_has_is_a_conflict(client, world, sessions, process_engine, people_factory):
    people_factory("ann2", groups=["intake"])
    with sessions.begin() as session:
        process_engine.claim(session, world["task_id"], load_actor(session, "ann2"))
    login(client, "ann")
    response = client.post(f"/tasks/{world['task_id']}/claim")
    assert response.status_code == 403 and "already assigned" in response.text


def test_filters_and_sorting(client, world):
    login(client, "ann")
    assert "Triage the notification" in client.get("/tasks?pathway=two_lane&group=intake").text
    assert "Triage the notification" not in client.get("/tasks?pathway=other").text
    assert "Triage the notification" not in client.get("/tasks?group=police").text
    assert "Triage the notification" not in client.get("/tasks?due=overdue").text
    assert client.get("/tasks?sort=title&dir=desc&page=x&due=bogus").status_code == 200


def test_the_group_filter_takes_a_group_in_any_case(client, world):
    login(client, "ann")
    assert "Triage the notification" in client.get("/tasks?group=Intake").text


def test_rows_link_the_task_and_its_case_by_reference_in_every_order(client, world, sessions):
    from models import ProcessInstance
    with sessions() as session:
        reference = session.get(ProcessInstance, world["instance_id"]).reference
    login(client, "ann")
    for query in ("", "?sort=title&dir=desc", "?sort=created"):
        page = client.get(f"/tasks{query}").text
        assert f'href="/tasks/{world["task_id"]}"' in page
        assert f'href="/instances/{world["instance_id"]}">{reference}</a>' in page


def test_due_soon_badge(client, world, sessions):
    from datetime import timedelta

    from engine import clock
    from models import HumanTask
    with sessions.begin() as session:
        session.get(HumanTask, world["task_id"]).due_at = clock.now() + timedelta(days=1)
    login(client, "ann")
    assert "Due soon" in client.get("/tasks?due=soon").text


def test_pagination(client, world, sessions, process_engine):
    with sessions.begin() as session:
        for _ in range(26):
            process_engine.start(session, "two_lane", load_actor(session, "ann"), {})
    login(client, "ann")
    first = client.get("/tasks").text
    assert "<strong>27</strong> tasks" in first and 'rel="next"' in first
    assert first.count("Triage the notification</a>") == 25
    assert client.get("/tasks?page=2").text.count("Triage the notification</a>") == 2
