from pathlib import Path

from engine.compare import compare

TWO_LANE = (Path(__file__).parent / "data/engine/two_lane.bpmn").read_text()
EXTRA_FIELD = ('<camunda:formField id="extra" label="Extra" type="string"><camunda:validation>'
               '<camunda:constraint name="required" /></camunda:validation></camunda:formField>')


def test_identical_versions_have_no_differences():
    assert compare(TWO_LANE, TWO_LANE).same


def test_changed_groups_form_fields_conditions_and_names_are_listed():
    new = (TWO_LANE.replace('camunda:candidateGroups="intake"', 'camunda:candidateGroups="police"')
           .replace('<camunda:formField id="children"', EXTRA_FIELD + '<camunda:formField id="children"')
           .replace("route == 'scr'", "route in ('scr', 'rapid')")
           .replace('name="Decide on a serious case review"', 'name="Decide"')
           .replace('camunda:dueDate="P5WD"', 'camunda:dueDate="P10WD"'))
    result = compare(TWO_LANE, new)
    changes = {e.id: {c.what: (c.before, c.after) for c in e.changes} for e in result.changed}
    assert changes["triage"]["camunda:candidateGroups"] == ("intake", "police")
    assert changes["triage"]["camunda:dueDate"] == ("P5WD", "P10WD")
    assert changes["triage"]["form field extra"] == ("added", "Extra (string, required)")
    assert changes["f_scr"]["condition"] == ("route == 'scr'", "route in ('scr', 'rapid')")
    assert changes["decide"]["name"] == ("Decide on a serious case review", "Decide")
    assert not result.added and not result.removed
    assert set(result.markers()["changed"]) == {"triage", "decide", "f_scr"}


def test_added_and_removed_elements_and_timers_and_type_changes():
    timer = ('<bpmn:boundaryEvent id="late" attachedToRef="triage" cancelActivity="false">'
             '<bpmn:timerEventDefinition id="tdef"><bpmn:timeDuration>P5D</bpmn:timeDuration>'
             '</bpmn:timerEventDefinition></bpmn:boundaryEvent>')
    new = (TWO_LANE.replace("</bpmn:process>", timer + "</bpmn:process>")
           .replace('<bpmn:endEvent id="closed"><bpmn:incoming>f_close</bpmn:incoming></bpmn:endEvent>', "")
           .replace('<bpmn:userTask id="decide"', '<bpmn:manualTask id="decide"')
           .replace('</bpmn:userTask>\n    <bpmn:endEvent id="done">', '</bpmn:manualTask>\n    <bpmn:endEvent id="done">'))
    result = compare(TWO_LANE, new)
    assert [(e.id, e.type) for e in result.added] == [("late", "boundaryEvent")]
    assert [e.id for e in result.removed] == ["closed"]
    decide = next(e for e in result.changed if e.id == "decide")
    assert ("type", "userTask", "manualTask") in [(c.what, c.before, c.after) for c in decide.changes]
    later = new.replace("<bpmn:timeDuration>P5D", "<bpmn:timeDuration>P10D")
    [changed] = compare(new, later).changed
    assert (changed.id, changed.changes[0].what) == ("late", "timer")
    assert "P10D" in changed.changes[0].after
