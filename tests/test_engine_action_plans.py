"""Plans of the right scope, source and agency; recommendations recorded once; a whole plan's
follow-up; a section 11 return refused unless every standard is rated on the scale."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from engine import action_plans as ap
from engine import learning as lc
from engine.errors import InputError, InvalidState, NotAllowed
from engine.actors import Actor
from models import AuditEvent
from models.action_plans import S11_STANDARDS, StandardRating
from models.learning import Action, ActionPlan
from test_engine_learning import session  # noqa: F401  (the same fixture)

NOW = datetime(2027, 5, 4, 10, tzinfo=timezone.utc)



def test_actions_of_one_source_share_a_plan_per_scope_and_agency(session):
    def act(owner, scope="multi_agency", agency=""):
        return lc.open_action(session, "lena", owner=owner, description="x", due_date="2027-09-01",
                              source="macr", source_ref="MACR-3", scope=scope, agency=agency, now=NOW)
    multi = {act("police").plan_id, act("health").plan_id}
    police = {act("police", "single_agency", "Police").plan_id,
              act("police", "single_agency", "police").plan_id}
    health = act("health", "single_agency", "health").plan_id
    assert len(multi) == 1 and len(police) == 1 and len({*multi, *police, health}) == 3
    assert session.get(ActionPlan, police.pop()).agency == "police"


@pytest.mark.parametrize("scope, source, agency, problem", [
    ("single_agency", "s11", "", "a single-agency action plan needs its agency"),
    ("both", "s11", "", "an action plan is single_agency or multi_agency, not 'both'"),
    ("multi_agency", "gossip", "", "unknown action plan source 'gossip'")])
def test_a_plan_of_no_known_scope_source_or_agency_is_refused(session, scope, source, agency,
                                                              problem):
    with pytest.raises(InputError, match=problem):
        lc.open_action(session, "lena", owner="police", description="x", due_date="2027-09-01",
                       scope=scope, source=source, agency=agency, source_ref="S11-1")
    assert session.scalars(select(Action)).all() == []


def test_a_recommendation_is_recorded_once_per_source(session):
    first = ap.record_recommendation(session, "lena", " Keep a chronology ", number="2",
                                     source_ref="SCR-1", now=NOW)
    again = ap.record_recommendation(session, "lena", "Keep a chronology", source_ref="SCR-1")
    other = ap.record_recommendation(session, "lena", "Keep a chronology", source_ref="SCR-2")
    assert first.id == again.id != other.id and first.label == "Recommendation 2: Keep a chronology"
    with pytest.raises(InputError, match="whole number"):
        ap.record_recommendation(session, "lena", "Other", number="two", source_ref="SCR-1")
    with pytest.raises(InputError, match="needs its text"):
        ap.record_recommendation(session, "lena", "  ", source_ref="SCR-1")


def test_a_whole_plan_is_followed_up_on_its_own_date_by_those_who_oversee(session, process_engine):
    plan = lc.open_action(session, "lena", owner="police", description="x", due_date="2027-09-01",
                          source="scr", source_ref="Child C", now=NOW).plan
    session.flush()
    lisg, pat = Actor("lena", frozenset({"lisg"})), Actor("pat", frozenset({"police"}))
    with pytest.raises(InvalidState, match="no follow-up due"):
        process_engine.record_plan_follow_up(session, lisg, plan.id, "Checked")
    with pytest.raises(NotAllowed):
        process_engine.set_plan_follow_up(session, pat, plan.id, "2027-08-31")
    process_engine.set_plan_follow_up(session, lisg, plan.id, "2027-08-31")
    assert plan.follow_up_overdue_on(datetime(2027, 9, 1).date())
    assert not plan.follow_up_overdue_on(datetime(2027, 8, 31).date())
    with pytest.raises(InputError, match="what the follow-up found"):
        process_engine.record_plan_follow_up(session, lisg, plan.id, " ")
    process_engine.record_plan_follow_up(session, lisg, plan.id, "All actions signed off")
    assert (plan.follow_up_status, plan.followed_up_by) == ("done", "lena")
    assert not plan.follow_up_overdue_on(datetime(2027, 9, 1).date())
    assert [e.action for e in session.scalars(select(AuditEvent).where(
        AuditEvent.action.like("action_plan_%")).order_by(AuditEvent.id))] == [
        "action_plan_follow_up_set", "action_plan_followed_up"]


def test_an_s11_return_must_rate_every_standard_on_the_scale(session):
    partial = {code: "met" for code in list(S11_STANDARDS)[:8]}
    with pytest.raises(InputError, match="s11_i not rated"):
        ap.record_s11_return(session, "lena", agency="police", ratings=partial,
                             due_date="2028-03-01", source_ref="S11-1")
    with pytest.raises(InputError, match="not 'green'"):
        ap.record_s11_return(session, "lena", agency="police", due_date="2028-03-01",
                             ratings={**partial, "s11_i": "green"}, source_ref="S11-1")
    assert session.scalars(select(StandardRating)).all() == []
    rows = ap.record_s11_return(session, "lena", agency="Police", due_date="2028-03-01",
                                ratings={**partial, "s11_i": "not_met"}, source_ref="S11-1", now=NOW)
    assert [r.action_id is not None for r in rows] == [False] * 8 + [True]
    [action] = session.scalars(select(Action)).all()
    assert (action.owner, action.plan.agency, action.rag) == ("police", "police", "red")
