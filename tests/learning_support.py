"""A seeded learning loop for the web and browser tests: one review case (learning_steps,
started by pat of the police), its learning item taken all the way round the loop, and
actions for two agencies."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine import learning as lc
from engine import people
from engine.actors import load_actor
from models.learning import LearningItem, LearningItemChild
from web_support import PASSWORD

NOW = datetime(2026, 3, 2, 12, tzinfo=timezone.utc)
USERS = {"lena": (["lisg"], ["reviewer"]), "pat": (["police"], ["reviewer"]),
         "hana": (["health"], ["reviewer"]), "mia": ([], ["manager"])}


@pytest.fixture
def loop(sessions, process_engine, deploy, db_engine):
    """Users, the source case, and the item's trace; returns ids and names."""
    with sessions.begin() as session:
        for name, (groups, roles) in USERS.items():
            for slug in groups:
                people.add_group(session, slug)
            people.add_user(session, name, PASSWORD, groups=groups, roles=roles)
    deploy("learning/learning_steps.bpmn")
    with sessions.begin() as session:
        case = process_engine.start(session, "learning_steps", load_actor(session, "pat"),
                            {"statement": "Invite fathers to child protection conferences",
                             "theme": "voice_of_child", "fail_early": False})
    with sessions.begin() as session:
        item = session.get(LearningItem, case.data["learning_record"]["id"])
        session.add(LearningItemChild(item_id=item.id, child_reference="Child J (JB 04/05/2016)",
                                      case_details="Father not invited to two conferences"))
        lc.validate_item(session, item, "lena")
        lc.record_dissemination(session, item, "tom", kind="workshop", held_on="2026-03-10",
                                reach=45, title="Fathers matter")
        police = lc.open_action(session, "lena", owner="police", item=item,
                                description="Brief custody sergeants on fathers' details",
                                due_date="2026-04-30")
        health = lc.open_action(session, "lena", owner="health", item=item,
                                description="Add fathers to the health visitor checklist",
                                due_date="2026-01-31", rag="amber")
        lc.move_action(session, police, "pat", "completed", evidence="Briefing notes, 30 staff")
        lc.move_action(session, police, "lena", "signed_off")
        lc.move_item(session, item, "lena", "embedded")
        lc.record_evaluation(session, item, "lena", method="case_file_reaudit",
                             findings="Fathers invited in 9 of 10 re-audited cases",
                             embedded=True, evaluated_on="2026-09-01")
        return {"case_id": case.id, "case_ref": case.reference, "item_id": item.id,
                "police_action": police.id, "health_action": health.id}
