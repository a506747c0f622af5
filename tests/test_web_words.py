"""Plain words on the pages people read: the GOV.UK date input, messages from the field's label,
dates between fields checked on the server (issue 19 point 3)."""
from datetime import datetime, timezone

import time_machine

from web_support import GOOD, app, client, date_task, login, world  # noqa: F401

TODAY = datetime(2026, 12, 7, 12, 0, tzinfo=timezone.utc)


def dates(aware=("", "", ""), notified=("", "", "")) -> dict:
    form = dict(GOOD)
    for fid, typed in (("la_aware_on", aware), ("notified_on", notified)):
        form.update({f"{fid}-{part}": value for part, value in zip(("day", "month", "year"), typed)})
    return form


def test_a_date_field_is_the_gov_uk_date_input_not_the_browsers_date_control(client, date_task):
    login(client, "ann")
    page = client.get(f"/tasks/{date_task}").text
    assert 'type="date"' not in page
    assert 'class="govuk-date-input" id="la_aware_on-date"' in page
    for name in ("la_aware_on-day", "la_aware_on-month", "la_aware_on-year"):
        assert f'name="{name}"' in page
    assert 'for="la_aware_on">Day</label>' in page      # the error summary's link lands on Day


def test_a_date_missing_a_part_is_refused_by_name_and_what_was_typed_is_kept(client, date_task):
    login(client, "ann")
    response = client.post(f"/tasks/{date_task}", data=dates(aware=("7", "", "2026")))
    assert response.status_code == 422
    page = response.text
    assert "Date the local authority became aware must include a month" in page
    assert '<a href="#la_aware_on">' in page
    assert 'name="la_aware_on-day" type="text" inputmode="numeric" value="7"' in page
    assert 'name="la_aware_on-year" type="text" inputmode="numeric" value="2026"' in page


def test_an_empty_required_date_and_an_impossible_one(client, date_task):
    login(client, "ann")
    page = client.post(f"/tasks/{date_task}", data=dates(notified=("29", "2", "2027"))).text
    assert "Enter the date the local authority became aware" in page
    assert "Date the notification was sent must be a real date" in page


@time_machine.travel(TODAY, tick=False)
def test_dates_between_fields_are_checked_on_the_server(client, date_task):
    login(client, "ann")
    before = client.post(f"/tasks/{date_task}",
                         data=dates(aware=("7", "12", "2026"), notified=("6", "12", "2026")))
    assert before.status_code == 422
    assert ("Date the notification was sent must be the same as or after the date the local "
            "authority became aware") in before.text
    future = client.post(f"/tasks/{date_task}", data=dates(aware=("8", "12", "2026")))
    assert "Date the local authority became aware must be today or in the past" in future.text
    done = client.post(f"/tasks/{date_task}",
                       data=dates(aware=("7", "12", "2026"), notified=("07", "12", "2026")))
    assert done.status_code == 302


def test_the_api_names_the_field_in_its_error_body(client, date_task, sessions):
    from web_support import token_for
    token = token_for(sessions, "ann")
    response = client.post(f"/api/v1/tasks/{date_task}/complete",
                           headers={"Authorization": f"Bearer {token}"},
                           json={"data": {**GOOD, "children": 2, "notified_on": "03/12",
                                          "la_aware_on": {"day": 7, "year": 2026}}})
    assert response.status_code == 422
    assert response.json["error"]["errors"] == {
        "la_aware_on": "Date the local authority became aware must include a month",
        "notified_on": "Date the notification was sent must be a real date, like 2027-03-31"}
