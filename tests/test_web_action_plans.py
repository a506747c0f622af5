"""The action tracker shows plans grouped, each with its scope, source, agency, follow-up and
recommendations; those who oversee set and record a whole plan's follow-up; plans late for it
are shown where managers look."""
import re
from datetime import datetime, timezone

import time_machine
from sqlalchemy import select

from engine import action_plans as ap
from engine import learning as lc
from engine import people
from models import AuditEvent
from models.learning import ActionPlan
from web_support import PASSWORD, app, client, login  # noqa: F401

NOW = datetime(2027, 9, 1, 11, tzinfo=timezone.utc)


def seed(sessions):
    with sessions.begin() as s:
        people.add_group(s, "police", "Thames Valley Police", kind="agency")
        people.add_group(s, "health", "Berkshire Healthcare", kind="agency")
        people.add_user(s, "mia", PASSWORD, roles=["manager"])
        people.add_user(s, "pat", PASSWORD, groups=["police"], roles=["reviewer"])
        second = ap.record_recommendation(s, "lena", "Agencies keep a chronology for every child",
                                          number=2, source_ref="SCR-9")
        lc.open_action(s, "lena", owner="health", description="Chronology template in use",
                       due_date="2027-12-01", source="scr", source_ref="SCR-9",
                       recommendation=second, now=NOW)
        lc.open_action(s, "lena", owner="police", description="Custody checks on fathers",
                       due_date="2027-12-01", source="scr", source_ref="SCR-9", now=NOW)
        s11 = lc.open_action(s, "lena", owner="police", description="Safer recruitment refresher",
                             due_date="2027-06-01", scope="single_agency", source="s11",
                             agency="police", source_ref="S11-2027", now=NOW)
        ap.set_follow_up(s, s11.plan, "lena", "2027-08-01", now=NOW)
        return s11.plan_id


def test_plans_are_grouped_with_their_recommendations_and_late_follow_up(app, client, sessions):  # noqa: F811
    late_plan = seed(sessions)
    with time_machine.travel(NOW, tick=False):
        login(client, "mia")
        page = client.get("/learning/actions").text
    assert "Thames Valley Police: single-agency action plan – S11-2027" in page
    assert "Multi-agency action plan – SCR-9" in page
    assert "Recommendation 2: Agencies keep a chronology for every child" in page
    assert "Actions answering no recorded recommendation" in page
    assert re.search(r'data-figure="plans-follow-up-overdue">1<', page)
    assert "Whole-plan follow-up due 1 August 2027" in page and f'data-plan-id="{late_plan}"' in page
    scr = page[page.index("Multi-agency action plan"):]          # after the S11 plan (due first)
    assert page.index("Thames Valley Police: single") < page.index("Multi-agency action plan")
    assert scr.index("Chronology template in use") < scr.index("Custody checks on fathers")


def test_a_manager_sets_and_records_the_follow_up_of_a_whole_plan(app, client, sessions):  # noqa: F811
    plan_id = seed(sessions)
    with time_machine.travel(NOW, tick=False):
        login(client, "mia")
        refused = client.post(f"/learning/plans/{plan_id}/follow-up",
                              data={"follow_up_due": "31/08"}, follow_redirects=True)
        assert "Enter the follow-up date as a real date" in refused.text
        client.post(f"/learning/plans/{plan_id}/follow-up", data={"follow_up_due": "2027-10-31"})
        assert re.search(r'data-figure="plans-follow-up-overdue">0<',
                         client.get("/learning/actions").text)
        empty = client.post(f"/learning/plans/{plan_id}/followed-up", data={"note": " "},
                            follow_redirects=True)
        assert "Enter what the follow-up found" in empty.text
        client.post(f"/learning/plans/{plan_id}/followed-up",
                    data={"note": "Refresher delivered to all recruiting managers"})
        page = client.get("/learning/actions").text
    assert "Followed up on 1 September 2027: Refresher delivered to all recruiting managers" in page
    with sessions() as s:
        plan = s.get(ActionPlan, plan_id)
        assert (plan.follow_up_status, plan.followed_up_by) == ("done", "mia")
        assert [e.action for e in s.scalars(select(AuditEvent).where(
            AuditEvent.action.like("action_plan_%")).order_by(AuditEvent.id))] == [
            "action_plan_follow_up_set", "action_plan_follow_up_set", "action_plan_followed_up"]


def test_an_agency_sees_its_own_plans_and_may_not_follow_them_up(app, client, sessions):  # noqa: F811
    plan_id = seed(sessions)
    with time_machine.travel(NOW, tick=False):
        login(client, "pat")
        page = client.get("/learning/actions").text
        refused = client.post(f"/learning/plans/{plan_id}/follow-up",
                              data={"follow_up_due": "2027-10-31"})
    assert "Chronology template in use" not in page and "Safer recruitment refresher" in page
    assert "Follow up the whole plan" not in page
    assert refused.status_code == 403
