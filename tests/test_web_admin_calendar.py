"""/admin/closures: list, add and remove board closure days; bank holidays for reference."""
import json
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from engine import clock
from engine.calendar import WorkingCalendar
from models import AuditEvent, ClosureDay
from web_support import app, client, login, token_for, web_engine, world  # noqa: F401

DAY = date(2031, 12, 29)     # a Monday, not a bank holiday


def closure_days(sessions):
    with sessions() as session:
        return {row.day: row.reason for row in session.scalars(select(ClosureDay))}


def audits(sessions):
    with sessions() as session:
        return [(e.actor, e.action, e.detail) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("closure_day_%"))
            .order_by(AuditEvent.id))]


def test_anonymous_is_sent_to_sign_in(client):
    for response in (client.get("/admin/closures"), client.post("/admin/closures"),
                     client.post(f"/admin/closures/{DAY}/remove")):
        assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("name", ["ann", "mia"])
def test_reviewers_and_managers_cannot_reach_closures(client, world, sessions, name):
    login(client, name)
    assert client.get("/admin/closures").status_code == 403
    assert client.post("/admin/closures", data={"day": DAY.isoformat(),
                                                "reason": "x"}).status_code == 403
    assert client.post(f"/admin/closures/{DAY}/remove").status_code == 403
    assert closure_days(sessions) == {}


def test_page_lists_bank_holidays_of_this_and_next_year(client, world, web_engine):
    login(client, "ada")
    page = client.get("/admin/closures")
    assert page.status_code == 200 and "No closure days declared." in page.text
    assert 'href="/admin/closures" aria-current="page"' in page.text
    year = clock.now().astimezone(web_engine.calendar.tz).year
    calendar = WorkingCalendar()
    for y in (year, year + 1):
        for day in calendar.bank_holidays(y):
            assert f'datetime="{day.isoformat()}"' in page.text
        assert date(y, 12, 25) in calendar.bank_holidays(y)


def test_admin_adds_and_removes_a_closure_day_audited(client, world, sessions, web_engine):
    login(client, "ada")
    response = client.post("/admin/closures", data={"day": DAY.isoformat(),
                                                     "reason": "Christmas closure"})
    assert response.status_code == 302 and response.location.endswith("/admin/closures")
    assert closure_days(sessions) == {DAY: "Christmas closure"}
    assert not web_engine.calendar.is_working_day(DAY)      # this process follows at once
    page = client.get("/admin/closures").text
    assert "Monday 29 December 2031" in page and "Christmas closure" in page

    # Saving the same day again re-describes it.
    client.post("/admin/closures", data={"day": DAY.isoformat(), "reason": "Winter closure"})
    assert closure_days(sessions) == {DAY: "Winter closure"}

    response = client.post(f"/admin/closures/{DAY.isoformat()}/remove")
    assert response.status_code == 302
    assert closure_days(sessions) == {}
    assert web_engine.calendar.is_working_day(DAY)
    assert audits(sessions) == [
        ("ada", "closure_day_saved", {"day": DAY.isoformat(), "reason": "Christmas closure"}),
        ("ada", "closure_day_saved", {"day": DAY.isoformat(), "reason": "Winter closure"}),
        ("ada", "closure_day_removed", {"day": DAY.isoformat(), "reason": "Winter closure"})]


@pytest.mark.parametrize("form, field", [
    ({"day": "2031-02-30", "reason": "Bad day"}, "day"),
    ({"day": "next tuesday", "reason": "Bad day"}, "day"),
    ({"reason": "No day"}, "day"),
    ({"day": DAY.isoformat(), "reason": "   "}, "reason"),
    ({"day": DAY.isoformat(), "reason": "x" * 201}, "reason"),
])
def test_bad_input_is_a_field_error(client, world, sessions, form, field):
    login(client, "ada")
    response = client.post("/admin/closures", data=form)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text and f'href="#{field}"' in response.text
    assert closure_days(sessions) == {} and audits(sessions) == []


def test_removing_an_undeclared_or_malformed_day_is_not_found(client, world, sessions):
    login(client, "ada")
    assert client.post(f"/admin/closures/{DAY}/remove").status_code == 404
    assert client.post("/admin/closures/not-a-date/remove").status_code == 404
    assert audits(sessions) == []


MONDAY = datetime(2031, 3, 3, 10, 0, tzinfo=timezone.utc)   # GMT: London 10:00
CLOSED = date(2031, 3, 5)                                   # the Wednesday after


def _due_through_api(app, token) -> str:
    response = app.test_client().post("/api/v1/instances", headers={
        "Authorization": f"Bearer {token}"}, json={"process_id": "two_lane", "data": {}})
    assert response.status_code == 201, response.text
    return response.get_json()["tasks"][0]["due_at"]


def _due_through_cli(db_url, monkeypatch) -> str:
    from click.testing import CliRunner

    from web.cli import main
    from web.cli.context import dispose_all
    monkeypatch.setenv("LSCB_DATABASE_URL", db_url)
    runner = CliRunner()
    try:
        started = runner.invoke(main, ["instances", "start", "two_lane", "--user", "ann",
                                       "--json"], catch_exceptions=False)
        shown = runner.invoke(main, ["instances", "show", str(json.loads(started.stdout)["id"]),
                                     "--json"], catch_exceptions=False)
    finally:
        dispose_all()
    return json.loads(shown.stdout)["tasks"][0]["due_at"]


def test_a_closure_day_added_by_one_app_reaches_another_app_and_the_cli(
        app_factory, world, sessions, db_url, monkeypatch, time_machine):
    time_machine.move_to(MONDAY, tick=False)
    config = {"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
              "SESSION_COOKIE_SECURE": False, "SECRET_KEY": "test"}
    admin_app, worker = app_factory(**config), app_factory(**config)   # no scheduler in either
    token = token_for(sessions, "ann")
    assert _due_through_api(worker, token).startswith("2031-03-10T10:00")    # P5WD: next Monday

    admin = admin_app.test_client()
    login(admin, "ada")
    assert admin.post("/admin/closures", data={"day": CLOSED.isoformat(),
                                               "reason": "Office move"}).status_code == 302
    assert _due_through_api(worker, token).startswith("2031-03-11T10:00")    # skips Wednesday
    assert _due_through_cli(db_url, monkeypatch).startswith("2031-03-11T10:00")

    assert admin.post(f"/admin/closures/{CLOSED}/remove").status_code == 302
    assert _due_through_api(worker, token).startswith("2031-03-10T10:00")    # and back again
    assert _due_through_cli(db_url, monkeypatch).startswith("2031-03-10T10:00")
