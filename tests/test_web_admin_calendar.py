"""/admin/closures: list, add and remove board closure days; bank holidays for reference."""
from datetime import date

import pytest
from sqlalchemy import select

from engine import clock
from engine.calendar import WorkingCalendar
from models import AuditEvent, ClosureDay
from web_support import app, client, login, web_engine, world  # noqa: F401

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
