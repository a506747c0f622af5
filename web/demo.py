"""Demo data: the board's groups, a user per role, and live cases at different stages.

Idempotent: people are updated in place; cases are added only when no demo case exists yet.
Cases come from workflows/ (deployed first); only when it has nothing deployable are the tiny
test diagrams used instead.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import select

from engine import Actor, EngineError, ProcessEngine
from engine.errors import DefinitionError
from models import HumanTask, ProcessInstance
from models.status import GroupKind, TaskStatus

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / "workflows"
FALLBACK_DIAGRAM = ROOT / "tests" / "data" / "engine" / "two_lane.bpmn"
PASSWORD = "demo-password"   # printed on the console; a demo database only
DEMO = Actor("demo", roles=frozenset({"admin"}))     # who the audit trail says set it up
AGENCIES = {"police": "Police", "childrens-social-care": "Children's social care",
            "health": "Health", "education": "Education", "probation": "Probation",
            "partner-agencies": "Partner agencies (intake)", "schools": "Schools"}
BOARD = {"lscb-chair": "LSCB Chair", "lisg": "Learning & Improvement Sub-Group",
         "cdop": "Child Death Overview Panel", "business-unit": "LSCB Business Unit",
         "independent-reviewer": "Independent reviewers", "tpd": "T&PD Sub-Group",
         "comms": "Comms & Community Engagement Sub-Group", "s11-panel": "Pan-Berks S11 Sub-Group",
         "bf-s11-panel": "BF S11 Panel", "board": "LSCB Board",
         "safeguarding-partners": "Safeguarding partners (jointly)",
         "local-authority-partner": "Safeguarding partner: local authority",
         "icb-partner": "Safeguarding partner: integrated care board",
         "police-partner": "Safeguarding partner: police", "partnership-chair": "Partnership chair",
         "independent-scrutineer": "Independent scrutineer"}
# (user, roles, groups): a user for every role, and a reviewer for every group.
USERS = [("admin", ["admin"], []), ("manager", ["manager"], ["business-unit"]),
         ("owner", ["process_owner"], ["business-unit"])] + \
        [(f"{slug}.reviewer", ["reviewer"], [slug]) for slug in {**AGENCIES, **BOARD}]
# (process id, start data, how many steps to complete)
AWARE = {"agency_aware_on": date.today().isoformat()}      # P1's start form asks for it
DEMO_REGIME = "MASA_WT2023"     # the board's, as for English boards today
BEFORE_PARTNERSHIP = {"regime": "LSCB_WT2015",
                      "regime_override_reason": "Demo: notified before the partnership took over"}
CASES = [("p01_incident_notification", {"case_title": "Serious incident: infant injury", **AWARE}, 0),
         ("p01_incident_notification", {"case_title": "Serious incident: neglect concerns", **AWARE,
                                        **BEFORE_PARTNERSHIP}, 1),
         ("p01_incident_notification", {"case_title": "Serious incident: injuries at home", **AWARE},
          2),
         ("p01_incident_notification", {"case_title": "Serious incident: school exclusion", **AWARE},
          2),
         ("p12_research_digest", {"case_title": "National review digest"}, 1),
         ("p09_single_agency_audit", {"case_title": "Police audit of strategy meetings",
                                      "auditing_agency": "police"}, 0)]
FALLBACK = [("two_lane", {"case_title": "Demo triage"}, n) for n in (0, 1)]


def load_demo(session, process_engine: ProcessEngine, echo=print) -> dict:
    """Create or refresh the demo data; returns what was done."""
    for slug, title in AGENCIES.items():
        process_engine.add_group(session, DEMO, slug, title, GroupKind.AGENCY.value)
    for slug, title in BOARD.items():
        process_engine.add_group(session, DEMO, slug, title, GroupKind.BOARD.value)
    for name, roles, groups in USERS:
        process_engine.add_user(session, DEMO, name, PASSWORD, roles=roles, groups=groups,
                        display_name=name.replace(".", " ").title())
    cases, source = _deploy(session, process_engine, echo)
    started = []
    if session.scalar(select(ProcessInstance.id).where(
            ProcessInstance.reference.like("DEMO-%")).limit(1)) is None:
        if source == "workflows/":      # a partnership today, with a case from the LSCB's time
            process_engine.set_board_regime(session, DEMO, DEMO_REGIME)
        started = _start_cases(session, process_engine, cases, echo)
    return {"users": [u[0] for u in USERS], "password": PASSWORD, "cases": started,
            "source": source}


def _deploy(session, process_engine, echo):
    """Deploy workflows/ through the one deploy path (lint included); when it is refused, the
    test diagram two_lane with the group and lane mapping it needs."""
    try:
        process_engine.deploy(session, process_engine.read_definition_files([WORKFLOWS]), DEMO.name,
                      "deployed by lscb demo")
        return CASES, "workflows/"
    except (DefinitionError, OSError) as exc:
        reason = exc.message if isinstance(exc, DefinitionError) else str(exc)
        echo(f"workflows/ could not be deployed; using the test diagrams instead. {reason}")
    process_engine.add_group(session, DEMO, "intake", "Intake (test diagram)", GroupKind.BOARD.value)
    process_engine.map_lane(session, DEMO, "LSCB Chair", "lscb-chair")
    process_engine.deploy(session, {FALLBACK_DIAGRAM.name: FALLBACK_DIAGRAM.read_bytes()}, DEMO.name,
                  "demo fallback")
    return FALLBACK, "tests/data/engine"


def _start_cases(session, process_engine, cases, echo) -> list[int]:
    started = []
    admin = process_engine.load_actor(session, "admin")
    for n, (process_id, data, steps) in enumerate(cases, 1):
        try:
            with session.begin_nested():
                record = process_engine.start(session, process_id, admin, dict(data),
                                      reference=f"DEMO-{n:03d}")
                for _ in range(steps):
                    _complete_one(session, process_engine, record.id)
            started.append(record.id)
        except EngineError as exc:
            echo(f"demo case {process_id} skipped: {exc.message}")
    return started


def _complete_one(session, process_engine, instance_id: int) -> None:
    """Complete the first open task of a case with plausible values, as a member of its group."""
    task = session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.status == TaskStatus.OPEN)
        .order_by(HumanTask.created_at)).first()
    if task is None:
        return
    group = (task.candidate_groups or ["admin"])[0]
    name = f"{group}.reviewer" if group in {**AGENCIES, **BOARD} else "admin"
    actor = process_engine.load_actor(session, name)
    process_engine.complete(session, task.id, actor, sample_values(task.form))


def sample_values(form: dict) -> dict:
    """Valid-looking values for a form's required and optional fields."""
    values = {}
    for field in (form or {}).get("fields", []):
        rules, kind, fid = field.get("validation") or {}, field.get("type"), field["id"]
        if str(rules.get("readonly", "false")).lower() in ("", "true"):
            continue
        if kind == "groups":
            values[fid] = ["police", "childrens-social-care", "health"]
        elif kind == "group":
            values[fid] = "police"   # an agency named in the case: becomes a candidate group
        elif kind == "enum":
            values[fid] = field["options"][0]["id"]
        elif kind == "boolean":
            values[fid] = True
        elif kind in ("long", "number"):
            values[fid] = int(float(rules.get("min", 1)))
        elif kind == "date":
            values[fid] = date.today().isoformat()
        else:
            values[fid] = "Demo entry: details recorded at the meeting."[: int(
                rules.get("maxlength", 200))]
    return values
