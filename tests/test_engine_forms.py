"""Form validation speaks to people: GOV.UK messages from the field's label and type, the
field's own messages, strict dates from the three boxes of the date input, and plausibility
rules between dates declared on the field."""
from datetime import date

import pytest

from engine.errors import DefinitionError, FormInvalid
from engine.forms import validate_form


def field(fid, label, kind="string", required=True, **extra):
    return {"id": fid, "label": label, "type": kind, "required": required,
            "validation": extra.pop("validation", {}), "options": extra.pop("options", []),
            "properties": extra.pop("properties", {}), **extra}


def errors_of(fields, raw, **kwargs) -> dict:
    with pytest.raises(FormInvalid) as caught:
        validate_form(fields, raw, **kwargs)
    return caught.value.errors


ABUSE = field("abuse", "Is abuse or neglect known or suspected?", "boolean")
AWARE = field("la_aware_on", "Date the local authority became aware", "date")
SUMMARY = field("summary", "Summary", "text", validation={"minlength": "20"})


@pytest.mark.parametrize("label, expected", [
    ("Is abuse or neglect known or suspected?",
     "Select yes if abuse or neglect is known or suspected"),
    ("Has the child died (including suspected suicide)?",
     "Select yes if the child has died (including suspected suicide)"),
    ("Did the child die in custody or while detained under the Mental Health Act?",
     "Select yes if the child died in custody or while detained under the Mental Health Act"),
    ("Is (was) the child looked after by a local authority?",
     "Select yes if the child is (was) looked after by a local authority"),
    ("Does the wider context need exploring with practitioners?",
     "Select yes if the wider context needs exploring with practitioners"),
    ("Have siblings and other children in the household been considered?",
     "Select yes if siblings and other children in the household have been considered"),
    ("Will a local child safeguarding practice review go ahead?",
     "Select yes if a local child safeguarding practice review will go ahead"),
    ("Does the Board raise a challenge?", "Select yes if the Board raises a challenge"),
    ("Is the IMR now done or firmly agreed? (No passes it up the escalation ladder)",
     "Select yes if the IMR is now done or firmly agreed"),
    ("Are siblings and other children safe?", "Select yes if siblings and other children are safe"),
    ("Acknowledgement sent to the notifying agency?",       # not a question it can turn
     "Select yes or no for “Acknowledgement sent to the notifying agency?”"),
    ("Is the child in care?", "Select yes or no for “Is the child in care?”"),
    # "a"/"an" starts what the subject is (it read "the young person a care leaver is (was) ...")
    ("Is (was) the young person a care leaver aged 24 or under?",
     "Select yes if the young person is (was) a care leaver aged 24 or under"),
])
def test_a_missing_yes_or_no_is_asked_for_as_a_statement(label, expected):
    assert errors_of([field("x", label, "boolean")], {}) == {"x": expected}


def test_messages_from_label_and_type_in_the_gov_uk_style():
    fields = [AWARE, SUMMARY, field("children", "Children involved", "long"),
              field("route", "Recommended route", "enum", options=[{"id": "scr", "name": "SCR"}]),
              field("panel_on", "Date the notification was sent to the Panel", "date"),
              field("lscb_ref", "LSCB reference")]
    assert errors_of(fields, {"summary": "too short"}) == {
        "la_aware_on": "Enter the date the local authority became aware",
        "summary": "Summary must be 20 characters or more",
        "children": "Enter a number for children involved",
        "route": "Select recommended route",
        "panel_on": "Enter the date the notification was sent to the Panel",
        "lscb_ref": "Enter LSCB reference"}
    assert errors_of(fields[2:3], {"children": "lots"}) == {
        "children": "Children involved must be a whole number"}


def test_a_field_carries_its_own_messages():
    own = field("summary", "Summary", "text", validation={"minlength": "20"},
                properties={"error_message_required": "Describe what happened",
                            "error_message_minlength": "Tell us more about what happened"})
    assert errors_of([own], {}) == {"summary": "Describe what happened"}
    assert errors_of([own], {"summary": "short"}) == {"summary": "Tell us more about what happened"}
    catch_all = field("n", "Number", "long", properties={"error_message": "Enter how many"})
    assert errors_of([catch_all], {"n": "x"}) == {"n": "Enter how many"}


def parts(day, month, year):
    return {"la_aware_on": {"day": day, "month": month, "year": year}}


@pytest.mark.parametrize("typed, clean", [
    (("7", "12", "2026"), "2026-12-07"), ((" 29", "02", "2028"), "2028-02-29"),
    (("01", "1", "2027"), "2027-01-01")])
def test_the_three_boxes_of_a_date_make_one_date(typed, clean):
    assert validate_form([AWARE], parts(*typed)) == {"la_aware_on": clean}


@pytest.mark.parametrize("typed, expected", [
    (("31", "2", "2027"), "Date the local authority became aware must be a real date"),
    (("29", "2", "2027"), "Date the local authority became aware must be a real date"),
    (("32", "1", "2027"), "Date the local authority became aware must be a real date"),
    (("7", "13", "2026"), "Date the local authority became aware must be a real date"),
    (("a", "12", "2026"), "Date the local authority became aware must be a real date"),
    (("7", "", "2026"), "Date the local authority became aware must include a month"),
    (("", "12", ""), "Date the local authority became aware must include a day and year"),
    (("7", "12", "26"), "Year must include 4 numbers"),
    (("", "", ""), "Enter the date the local authority became aware"),
])
def test_a_date_is_read_strictly_with_a_message_naming_what_is_wrong(typed, expected):
    assert errors_of([AWARE], parts(*typed)) == {"la_aware_on": expected}


@pytest.mark.parametrize("typed", ["03/12", "3/12/2026", "2026-3-12", "12 March 2026", "20261203"])
def test_an_ambiguous_or_loose_date_string_is_refused(typed):
    assert errors_of([AWARE], {"la_aware_on": typed}) == {
        "la_aware_on": "Date the local authority became aware must be a real date, "
                       "like 2027-03-31"}


NOTIFIED = field("notified_on", "Date of notification", "date",
                 properties={"not_before": "la_aware_on"})
INCIDENT = field("incident_date", "Date of the incident", "date",
                 properties={"not_after": "today"})


def test_a_date_cannot_come_before_the_date_its_rule_names():
    assert errors_of([AWARE, NOTIFIED], {"la_aware_on": "2026-12-07",
                                         "notified_on": "2026-12-06"}) == {
        "notified_on": "Date of notification must be the same as or after the date the local "
                       "authority became aware"}
    same_day = {"la_aware_on": "2026-12-07", "notified_on": "2026-12-07"}
    assert validate_form([AWARE, NOTIFIED], same_day) == same_day


def test_a_rule_reads_the_other_date_from_the_case_when_the_form_does_not_ask_for_it():
    assert errors_of([NOTIFIED], {"notified_on": "2026-12-06"},
                     context={"la_aware_on": "2026-12-07"}) == {
        "notified_on": "Date of notification must be the same as or after 7 December 2026"}
    assert validate_form([NOTIFIED], {"notified_on": "2026-12-06"}, context={}) == {
        "notified_on": "2026-12-06"}            # the other date is not known: nothing to check


def test_a_date_cannot_be_in_the_future_when_its_rule_says_so():
    today = date(2026, 12, 7)
    assert errors_of([INCIDENT], {"incident_date": "2026-12-08"}, today=today) == {
        "incident_date": "Date of the incident must be today or in the past"}
    assert validate_form([INCIDENT], {"incident_date": "2026-12-07"}, today=today)


def test_a_draft_skips_missing_values_but_still_reads_dates_strictly():
    assert validate_form([AWARE], parts("", "", ""), partial=True) == {}
    assert errors_of([AWARE], parts("31", "4", "2027"), partial=True) == {
        "la_aware_on": "Date the local authority became aware must be a real date"}


def test_a_date_rule_in_the_wrong_place_is_refused_at_deploy_naming_line_and_field():
    from pathlib import Path

    from engine.definitions import parse_definitions
    two_lane = (Path(__file__).parent / "data/engine/two_lane.bpmn").read_text()
    bad = two_lane.replace(
        '<camunda:formField id="summary" label="Summary" type="text">',
        '<camunda:formField id="summary" label="Summary" type="text"><camunda:properties>'
        '<camunda:property id="not_before" value="la_aware_on" /></camunda:properties>').replace(
        "</camunda:formData>",
        '<camunda:formField id="seen_on" label="Seen on" type="date"><camunda:properties>'
        '<camunda:property id="not_after" value="next week" /></camunda:properties>'
        "</camunda:formField></camunda:formData>", 1)
    with pytest.raises(DefinitionError) as caught:
        parse_definitions({"two_lane.bpmn": bad.encode()})
    text = str(caught.value)
    assert "form field 'summary': property not_before applies to date fields only" in text
    assert "form field 'seen_on': property not_after must be 'today' or a date field's id, " \
           "not 'next week'" in text
    assert "two_lane.bpmn" in text
