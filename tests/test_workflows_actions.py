"""Structured action plans through the library (issue 18 part 2): each agency's section 11 return
rated per standard, a standard below met opening an action in that agency's single-agency S11
plan; learning actions in the plan of the right scope and source with the recommendation they
answer; the C6 tracker and the C2 report's assurance figures computed, not typed."""
from datetime import date, timedelta

from sqlalchemy import select

from engine import action_plans
from engine import learning as lc
from models.action_plans import S11_STANDARDS, Recommendation, StandardRating
from models.learning import Action, ActionPlan
from test_workflows import T0, db_url, lib, library_template, run_audit  # noqa: F401
from test_workflows_cycles import first_round, validated_item


def all_of(lib, model):
    with lib.sessions() as s:
        return list(s.scalars(select(model).order_by(model.id)))


def start_s11(lib):
    iid = lib.start("p10_section11_audit", "lisg").id
    lib.do(iid, "agree_standards", "s11-panel", standards_version="Pan-Berks 2027",
           pan_berks_agencies="police", bf_agencies="education")
    lib.do(iid, "launch_pan_berks", "s11-panel", pan_berks_letters_sent=True)
    lib.do(iid, "launch_bf", "bf-s11-panel", bf_letters_sent=True)
    return iid


def ratings(**below):
    """Every standard met except ``below`` (code -> "partially" or "not_met")."""
    return {code: f"{code}_{below.get(code, 'met')}" for code in S11_STANDARDS}


def test_s11_return_rated_per_standard_opens_an_action_per_standard_below_met(lib):
    iid = start_s11(lib)
    form = lib.tasks(iid, "self_assessment")[0].form["fields"]
    rated = [f for f in form if f["id"] in S11_STANDARDS]
    assert len(rated) == 9 and {o["name"] for o in rated[0]["options"]} == {
        "Met", "Partially met", "Not met"}
    lib.do_each(iid, "self_assessment", {
        "police": {**ratings(s11_c="partially", s11_g="not_met"), "evidence_uploaded": True,
                   "s11_c_action": "Children's views in every case plan"},
        "education": {**ratings(), "evidence_uploaded": True}})
    rows = all_of(lib, StandardRating)
    assert len(rows) == 18 and {r.source_instance_id for r in rows} == {iid}
    below = {(r.agency, r.standard, r.rating) for r in rows if r.rating != "met"}
    assert below == {("police", "s11_c", "partially"), ("police", "s11_g", "not_met")}
    [plan] = all_of(lib, ActionPlan)
    assert (plan.scope, plan.source, plan.agency, plan.source_instance_id) == (
        "single_agency", "s11", "police", iid)
    actions = all_of(lib, Action)
    assert [(a.owner, a.description, a.rag, a.plan_id) for a in actions] == [
        ("police", "Children's views in every case plan", "amber", plan.id),
        ("police", f"Bring the standard up to met: {S11_STANDARDS['s11_g']}", "red", plan.id)]
    assert {r.action_id for r in rows if r.rating != "met"} == {a.id for a in actions}
    due = date(2028, 3, 1)                                      # 12 months after the launch
    assert {a.due_date for a in actions} == {due}
    assert (plan.follow_up_due, plan.follow_up_status) == (due, "due")
    assert lib.ids(iid) == ["moderate_returns"]


def test_an_overdue_s11_return_escalates_for_its_own_agency(lib):
    iid = start_s11(lib)
    [police] = [t for t in lib.tasks(iid, "self_assessment") if t.candidate_groups == ["police"]]
    lib.complete(police, "police", {**ratings(), "evidence_uploaded": True})
    lib.fire(lib.tasks(iid, "self_assessment")[0].due_at + timedelta(seconds=1))
    chase = lib.task(iid, "self_assessment_escalate_1")          # one: police had returned
    assert chase.candidate_groups == ["business-unit"]
    assert [t.candidate_groups for t in lib.tasks(iid, "self_assessment")] == [["education"]]


def test_learning_action_goes_to_the_plan_of_its_scope_with_its_recommendation(lib):
    iid = lib.start("p06_multi_agency_case_audit", "lisg").id
    run_audit(lib, iid, agencies=("police",), learning_identified=True)
    lib.do(iid, "record_learning_item", "lisg", learning_statement="Chronologies are missed",
           learning_theme="neglect", learning_audience="police", action_owner="police",
           action_description="Chronology training for sergeants", action_due_date="2027-08-31",
           action_plan_scope="plan_single_agency",
           recommendation_answered="2. Agencies keep a chronology for every child on a plan",
           more_learning=False)
    [(loop, _, _)] = [row for row in lib.instances("learning_loop")]
    lib.do(loop, "validate_item", "lisg", item_valid=True, item_theme="neglect",
           disseminate_training=False, disseminate_briefing=False, disseminate_single_agency=False,
           item_owner="police", item_action="Chronology training for sergeants",
           item_due_date="2027-08-31")
    [action] = all_of(lib, Action)
    [recommendation] = all_of(lib, Recommendation)
    assert (action.plan.scope, action.plan.source, action.plan.agency,
            action.plan.source_instance_id) == ("single_agency", "audit", "police", iid)
    assert action.recommendation_id == recommendation.id
    assert (recommendation.text, recommendation.source_instance_id) == (
        "2. Agencies keep a chronology for every child on a plan", iid)


def test_c06_tracker_is_computed_from_the_action_plans(lib):
    with lib.sessions.begin() as s:
        for owner, due in (("police", "2027-03-20"), ("health", "2027-12-01"), ("police", "2027-12-01")):
            lc.open_action(s, "lena", owner=owner, description=f"{owner} {due}", due_date=due,
                           now=T0)
        plan = s.scalars(select(ActionPlan)).first()
        action_plans.set_follow_up(s, plan, "lena", "2027-04-01", now=T0)
    cid = lib.start("c06_action_plan_tracker", "manager").id
    lib.fire(T0 + timedelta(days=62))                            # 2 May 2027
    tracker = lib.show(cid).data["tracker"]
    assert (tracker["actions_open"], tracker["actions_overdue"], tracker["overall"]) == (3, 1, "red")
    assert (tracker["plans_follow_up_due"], tracker["plans_follow_up_overdue"]) == (1, 1)
    assert tracker["overdue_by_agency"] == {"police": 1}
    update = lib.task(cid, "update_tracker")
    assert [f["id"] for f in update.form["fields"]] == ["tracker_commentary"]
    lib.do(cid, "update_tracker", "business-unit", tracker_commentary="Police behind on one action")
    lib.do(cid, "review_tracker", "lisg", escalate_overdue=False)
    assert lib.ids(cid) == []


def test_c02_report_shows_computed_s11_and_workshop_figures_beside_commentary(lib):
    iid = start_s11(lib)
    lib.do_each(iid, "self_assessment", {
        "police": {**ratings(s11_h="partially"), "evidence_uploaded": True},
        "education": {**ratings(), "evidence_uploaded": True}})
    item_id = validated_item(lib, "Use the neglect toolkit")
    workshops = lib.start("c03_learning_workshops", "manager").id
    first_round(lib, workshops, "every_quarter")
    lib.do(workshops, "plan_workshop", "tpd", workshop_theme="Neglect", workshop_date="2027-06-20",
           workshop_learning_item=item_id)
    lib.do(workshops, "publish_workshop", "comms", workshop_page="bflscb.org.uk/training/neglect")
    lib.on("2027-06-21")
    lib.do(workshops, "run_workshop", "tpd", workshop_held=False, attendance=0)
    cid = lib.start("c02_lisg_six_monthly_report", "manager").id
    lib.fire(lib.show(cid).timers[0].due_at + timedelta(seconds=1))
    assurance = lib.show(cid).data["assurance"]
    assert (assurance["s11_agencies_returned"], assurance["s11_standards_below_met"],
            assurance["s11_actions_open"]) == (2, 1, 1)
    assert (assurance["workshops_held"], assurance["workshop_shortfall"]) == (0, 2)
    fields = {f["id"] for f in lib.task(cid, "compile_report").form["fields"]}
    assert "s11_s175_commentary" in fields and not {"s11_s175_status", "action_plan_rag"} & fields


def test_each_school_return_becomes_the_school_s175_action_plan(lib):
    iid = lib.start("p11_school_s175_audit", "business-unit").id
    lib.do(iid, "open_window", "business-unit", schools_in_scope="school-a, school-b",
           window_closes="2027-06-30", kcsie_version="KCSIE 2026")
    for school, plan in (("school-a", "Train staff on filtering"), ("school-b", "Electronic records")):
        [task] = [t for t in lib.tasks(iid, "school_self_audit") if t.candidate_groups == [school]]
        lib.complete(task, school, dict(dsl_name="DSL", governors_reviewed=True,
                                        development_areas="Online safety", school_action_plan=plan))
    plans = all_of(lib, ActionPlan)
    assert [(p.scope, p.source, p.agency, p.follow_up_due, p.follow_up_status) for p in plans] == [
        ("single_agency", "s175", school, date(2027, 12, 30), "due")
        for school in ("school-a", "school-b")]
    assert [(a.owner, a.description) for a in all_of(lib, Action)] == [
        ("school-a", "Train staff on filtering"), ("school-b", "Electronic records")]
    assert lib.ids(iid) == ["analyse_returns"]
