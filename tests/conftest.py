"""Shared fixtures: a real database per test (SQLite file, or PostgreSQL when selected),
the process engine, people, and deploying tiny purpose-built diagrams.

``LSCB_TEST_DB=postgres`` runs the whole suite on PostgreSQL (``LSCB_TEST_POSTGRES_URL``,
default the local trust-auth server); tests marked ``postgres`` always need it and skip with
the reason when it cannot be reached.
"""
from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select, text

import models
from engine import ProcessEngine, live, people, store
from engine.actors import load_actor
from engine.calendar import WorkingCalendar
from models.session import make_engine, make_session_factory

DATA = Path(__file__).parent / "data"
POSTGRES_URL = os.environ.get("LSCB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_reason() -> str | None:
    """None when PostgreSQL is reachable, else why not."""
    try:
        import psycopg
        psycopg.connect(POSTGRES_URL.replace("postgresql+psycopg", "postgresql"),
                        connect_timeout=2).close()
        return None
    except Exception as exc:   # any failure means: skip, saying why
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {exc.__class__.__name__}"


CHEAP_HASH = "pbkdf2:sha256:1"   # test users' passwords: one iteration instead of scrypt


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Hash test passwords cheaply; production keeps the strong default (see test_web_auth)."""
    strong, people.PASSWORD_HASH_METHOD = people.PASSWORD_HASH_METHOD, CHEAP_HASH
    yield
    people.PASSWORD_HASH_METHOD = strong


@pytest.fixture(scope="session")
def postgres_admin_url():
    reason = postgres_reason()
    if reason:
        pytest.skip(reason)
    return POSTGRES_URL


def _fresh_postgres(admin_url: str) -> str:
    """A new empty database on the PostgreSQL server, returned as a URL."""
    name = f"lscb_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def _drop_postgres(admin_url: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db_url(tmp_path, request):
    """A URL of an empty database for this test."""
    wants_pg = os.environ.get("LSCB_TEST_DB") == "postgres" or \
        request.node.get_closest_marker("postgres")
    if not wants_pg:
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    admin_url = request.getfixturevalue("postgres_admin_url")
    url = _fresh_postgres(admin_url)
    yield url
    _drop_postgres(admin_url, url)


@pytest.fixture
def db_engine(db_url):
    """A SQLAlchemy engine on a fresh database with the schema created."""
    db_engine = make_engine(db_url)
    models.Base.metadata.create_all(db_engine)
    yield db_engine
    db_engine.dispose()


@pytest.fixture
def sessions(db_engine):
    """A session factory on the fresh database."""
    return make_session_factory(db_engine)


@pytest.fixture
def script_workers_started():
    """Start this process's sandbox workers (once per process, as a server's first script
    does): tests that time an evaluation time the evaluation, not the workers' start."""
    from engine.scripting import RestrictedEnvironment
    assert RestrictedEnvironment().evaluate("[n for n in a]", {"a": [1]}) == [1]


@pytest.fixture
def process_engine():
    """The process engine with the default England and Wales calendar."""
    return ProcessEngine(calendar=WorkingCalendar())


@pytest.fixture
def people_factory(sessions):
    """Create groups and users: ``people_factory(name, groups=[...], roles=[...])``."""
    def make(name, groups=(), roles=("reviewer",), leads=()):
        with sessions.begin() as session:
            for slug in set(groups) | set(leads):
                people.add_group(session, slug)
            people.add_user(session, name, None, groups=groups,
                            roles=roles, lead_of=leads)
            return load_actor(session, name)
    return make


@pytest.fixture
def deploy(sessions, process_engine):
    """Deploy files from tests/data (names relative to it): ``deploy('a.bpmn', 'b.dmn')``.

    As an admin would before deploying, it first creates the groups the diagrams name (literal
    candidate groups, unmapped lanes' slugs) that do not exist yet: deploying lints, and lint
    refuses a task for a group that does not exist. Tests of that refusal call engine.deploy.
    """
    def run(*names, note=""):
        files = {n: (DATA / n).read_bytes() for n in names}
        with sessions.begin() as session:
            existing = set(session.scalars(select(models.Group.slug)))
            for slug in sorted(groups_named(files.values()) - existing):
                people.add_group(session, slug)
            return process_engine.deploy(session, files, "tester", note)
    return run


def groups_named(documents) -> set[str]:
    """Literal candidate and starter groups and lane slugs in BPMN documents (bytes)."""
    from lxml import etree

    from engine.assignment import lane_group
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
          "camunda": "http://camunda.org/schema/1.0/bpmn"}
    found = set()
    for document in documents:
        root = etree.fromstring(document)
        for value in root.xpath("//bpmn:userTask/@camunda:candidateGroups"
                                " | //bpmn:process/@camunda:candidateStarterGroups", namespaces=ns):
            found |= {g.strip().lower() for g in value.split(",") if g.strip() and "${" not in g}
        found |= {lane_group(n) for n in root.xpath("//bpmn:lane/@name", namespaces=ns)}
    return found


@pytest.fixture
def app_factory(db_engine, db_url):
    """Build apps on this test's database (``app_factory(**config)``); their pools are closed
    after the test, so no connection is left for the garbage collector."""
    from web import create_app
    from web import db as web_db
    apps = []

    def make(**config):
        app = create_app({"DATABASE_URL": db_url, "GC_FREEZE": False, **config})  # web/__init__.py
        apps.append(app)
        return app
    yield make
    for app in apps:
        web_db.dispose(app)


LOADS = {"on": Counter(), "off": Counter()}    # per cache mode, summed over the session


@pytest.fixture(params=["on", "off"])
def live_cache(request, monkeypatch):
    """Run the test with the live-workflow cache on, then off: off, every engine command
    restores its workflow from the state JSON (serializer and sandbox re-attachment), so the
    round trip is exercised between every two steps. Counts each load as served from the cache
    or deserialized; fails an off run in which any load was not deserialized, a load without
    the sandbox attached, or a restored workflow that does not serialize back to its JSON (key
    order aside: Spiff rebuilds task data as the parent's keys, then the task's own)."""
    mode, counts = request.param, Counter()
    real_load, real_take, real_restore = store.load_run, live.take, store.state_from_json

    def load_run(row, script_engine, *args, **kwargs):
        counts["loads"] += 1
        run = real_load(row, script_engine, *args, **kwargs)
        assert run.workflow.script_engine is script_engine     # the sandbox, never Spiff's own
        return run

    def take(*args):
        found = real_take(*args)
        counts["hits"] += found is not None
        return found

    def state_from_json(text, *args):
        counts["deserialized"] += 1
        workflow = real_restore(text, *args)
        again = json.loads(store.state_to_json(workflow))
        written = json.loads(text)    # equal, and sibling subprocesses in the written order:
        assert again == written and list(again["subprocesses"]) == list(written["subprocesses"])
        return workflow

    monkeypatch.setattr(store, "load_run", load_run)
    monkeypatch.setattr(live, "take", take)
    monkeypatch.setattr(store, "state_from_json", state_from_json)
    previous = live.set_enabled(mode == "on")
    yield mode
    live.set_enabled(previous)
    live.clear()
    LOADS[mode].update(counts)
    assert counts["loads"] == counts["hits"] + counts["deserialized"], counts
    if mode == "off":
        assert counts["hits"] == 0 and counts["deserialized"] == counts["loads"], counts


def pytest_terminal_summary(terminalreporter):
    for mode, counts in LOADS.items():
        if counts["loads"]:
            terminalreporter.write_line(
                f"live cache {mode}: {counts['loads']} loads, {counts['hits']} from the cache, "
                f"{counts['deserialized']} deserialized")
