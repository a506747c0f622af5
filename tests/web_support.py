"""Fixtures and helpers for the web tests (imported by tests/test_web_*.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine import people
from engine.actors import load_actor
from engine.tokens import create_token
from web import create_app

PASSWORD = "correct-horse-1"


@pytest.fixture
def app(db_engine, db_url):
    """The app on the test's fresh database; CSRF and rate limiting off unless a test turns
    them on; plain-http cookies for the test client."""
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False,
                      "SECRET_KEY": "test"})
    yield app
    from web import db as web_db
    web_db.dispose(app)


@pytest.fixture
def web_engine(app):
    return app.extensions["lscb.process_engine"]


@pytest.fixture
def world(sessions, people_factory, deploy, process_engine):
    """Two agencies and the chair; one case of two_lane waiting at triage for 'intake'."""
    from engine import people
    people_factory("ann", groups=["intake"])           # agency A (intake)
    people_factory("bob", groups=["police"])           # agency B
    people_factory("carol", groups=["lscb-chair"])
    people_factory("mia", groups=[], roles=["manager"])
    people_factory("ada", groups=[], roles=["admin"])
    with sessions.begin() as session:
        for name in ("ann", "bob", "carol", "mia", "ada"):
            people.add_user(session, name, PASSWORD, groups=load_actor(session, name).groups,
                            roles=load_actor(session, name).roles)
        people.map_lane(session, "LSCB Chair", "lscb-chair")
    deploy("engine/two_lane.bpmn")
    with sessions.begin() as session:
        record = process_engine.start(session, "two_lane", load_actor(session, "ann"),
                              {"case_title": "Test case"})
    return {"instance_id": record.id, "task_id": record.tasks[0].id}


DATA = Path(__file__).parent / "data"
GROUP_FIELDS = b'''<camunda:formField id="agency" label="Your agency" type="group">
            <camunda:properties><camunda:property id="kind" value="agency" /></camunda:properties>
          </camunda:formField>
          <camunda:formField id="involved" label="Agencies involved" type="groups">
            <camunda:properties><camunda:property id="kind" value="agency" /></camunda:properties>
          </camunda:formField>
        </camunda:formData>'''


@pytest.fixture
def group_task(world, sessions, process_engine):
    """two_lane redeployed with a group and a groups field of kind agency, two agencies, and
    a case waiting at its triage task: the task's id."""
    with sessions.begin() as session:
        people.add_group(session, "police", "Thames Valley Police", "agency")
        people.add_group(session, "health", "Health", "agency")
    return triage_with(sessions, process_engine, GROUP_FIELDS, "group fields")


def triage_with(sessions, process_engine, fields: bytes, note: str) -> str:
    """two_lane redeployed with ``fields`` added to its triage form, and a case waiting there:
    the task's id."""
    xml = (DATA / "engine/two_lane.bpmn").read_bytes().replace(b"</camunda:formData>", fields, 1)
    with sessions.begin() as session:
        process_engine.deploy(session, {"two_lane.bpmn": xml}, "tester", note)
        record = process_engine.start(session, "two_lane", load_actor(session, "ann"), {})
    return record.tasks[0].id


DATE_FIELDS = b'''<camunda:formField id="la_aware_on" label="Date the local authority became aware" type="date">
            <camunda:properties><camunda:property id="not_after" value="today" /></camunda:properties>
            <camunda:validation><camunda:constraint name="required" /></camunda:validation>
          </camunda:formField>
          <camunda:formField id="notified_on" label="Date the notification was sent" type="date">
            <camunda:properties><camunda:property id="not_before" value="la_aware_on" /></camunda:properties>
          </camunda:formField>
        </camunda:formData>'''


@pytest.fixture
def date_task(world, sessions, process_engine):
    """two_lane redeployed with two date fields (the second not before the first, the first
    not after today) and a case waiting at its triage task: the task's id."""
    return triage_with(sessions, process_engine, DATE_FIELDS, "date fields")


def login(client, name, password=PASSWORD):
    return client.post("/login", data={"username": name, "password": password})


def token_for(sessions, name) -> str:
    with sessions.begin() as session:
        token, _ = create_token(session, load_actor(session, name), name, "test")
    return token


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


GOOD = {"route": "scr", "summary": "A fine summary", "children": "2"}


@pytest.fixture
def client(app):
    return app.test_client()
