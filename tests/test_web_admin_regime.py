"""/admin/regime: admins set the regime new cases take; the case page shows a case's regime."""
import pytest
from sqlalchemy import select

from engine.actors import load_actor
from models import AuditEvent
from web_support import app, client, login, web_engine, world  # noqa: F401


def test_anonymous_is_sent_to_sign_in(client):
    for response in (client.get("/admin/regime"), client.post("/admin/regime")):
        assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("name", ["ann", "mia"])
def test_reviewers_and_managers_cannot_set_the_regime(client, world, name):
    login(client, name)
    assert client.get("/admin/regime").status_code == 403
    assert client.post("/admin/regime", data={"regime": "MASA_WT2023"}).status_code == 403


def test_admin_sets_the_regime_audited_and_new_cases_take_it(client, world, sessions, web_engine):
    login(client, "ada")
    page = client.get("/admin/regime").text
    assert "The board works under <strong>LSCB, Working Together 2015" in page
    response = client.post("/admin/regime", data={"regime": "MASA_WT2023"})
    assert response.status_code == 302 and response.location.endswith("/admin/regime")
    assert "Working Together 2023" in client.get("/admin/regime").text.split("id=\"current-regime\"")[1][:200]
    with sessions() as session:
        assert web_engine.board_regime(session) == "MASA_WT2023"
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "board_regime_set"))
        assert (event.actor, event.detail) == ("ada", {"regime": "MASA_WT2023", "previous": "LSCB_WT2015"})
    with sessions.begin() as session:
        case = web_engine.start(session, "two_lane", load_actor(session, "ann"), {"case_title": "New"})
    login(client, "mia")
    old = client.get(f"/instances/{world['instance_id']}").text
    new = client.get(f"/instances/{case.id}").text
    assert "Working Together 2015" in old.split('id="case-regime"')[1][:300]
    assert "Working Together 2023" in new.split('id="case-regime"')[1][:300]


@pytest.mark.parametrize("form", [{}, {"regime": "WT1999"}])
def test_a_regime_that_does_not_exist_is_a_field_error(client, world, web_engine, sessions, form):
    login(client, "ada")
    response = client.post("/admin/regime", data=form)
    assert response.status_code == 400 and "Select the regime the board works under" in response.text
    with sessions() as session:
        assert web_engine.board_regime(session) == "LSCB_WT2015"
