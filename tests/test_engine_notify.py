import socket
from datetime import datetime, timedelta, timezone

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from engine import people
from engine.actors import load_actor
from engine.mail import MAX_ATTEMPTS, SmtpSettings, backoff, drain_outbox, queue_digests
from engine.settings import Settings, session_info
from engine.timers import fire_due_timers
from models import EmailOutbox, Notification, User
from models.session import make_session_factory

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)          # Monday 09:00 GMT


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, SmtpSettings("127.0.0.1", controller.port, "none", None, None, "lscb@test")
    controller.stop()


@pytest.fixture
def team(sessions):
    with sessions.begin() as s:
        people.add_group(s, "police")
        people.add_user(s, "pat", None, groups=["police"], email="pat@police.test")
        people.add_user(s, "dora", None, groups=["police"], email="dora@police.test")
        people.add_user(s, "nomail", None, groups=["police"])
        people.add_user(s, "mia", None, roles=["manager"], email="mia@board.test")
        people.add_user(s, "sys", None, roles=["admin"])
        s.scalars(select(User).where(User.name == "dora")).one().notify_mode = "digest"


def start(sessions, process_engine, deploy, n=1, now=T0):
    deploy("deadlines/deadline_task.bpmn")
    with sessions.begin() as s:
        return [process_engine.start(s, "deadline_task", load_actor(s, "mia"),
                             {"case_title": "Child Q, 7, known to police"}, now=now)
                for _ in range(n)]


def outbox(sessions):
    with sessions() as s:
        return s.scalars(select(EmailOutbox).order_by(EmailOutbox.id)).all()


def test_assignment_notifies_in_app_and_queues_email_only_for_immediate_users(
        sessions, process_engine, deploy, team):
    start(sessions, process_engine, deploy)
    with sessions() as s:
        notes = {n.user_name: n.email for n in s.scalars(select(Notification))}
    assert notes == {"pat": "queued", "dora": "digest", "nomail": "none"}
    assert [(o.user_name, o.status) for o in outbox(sessions)] == [("pat", "pending")]


def test_email_is_sent_over_smtp_with_only_a_reference_and_a_link(
        db_engine, process_engine, deploy, team, smtp):
    sessions = make_session_factory(db_engine, session_info(Settings.from_env(
        {"LSCB_BASE_URL": "https://lscb.example/"})))
    inbox, settings = smtp
    record = start(sessions, process_engine, deploy)[0]
    assert drain_outbox(sessions, T0, settings) == 1
    assert drain_outbox(sessions, T0, settings) == 0
    [(to, content)] = inbox.messages
    content = content.replace("\r\n", "\n")
    assert to == ["pat@police.test"]
    assert record.reference in content and f"https://lscb.example/tasks/{record.tasks[0].id}" in content
    assert "Child Q" not in content and "police" not in content.split("\n\n", 1)[1]
    assert outbox(sessions)[0].status == "sent"


def test_failed_sending_is_retried_with_backoff(sessions, process_engine, deploy, team, smtp):
    inbox, settings = smtp
    start(sessions, process_engine, deploy)
    dead = SmtpSettings("127.0.0.1", free_port(), "none", None, None, "lscb@test")
    assert drain_outbox(sessions, T0, dead) == 0
    row = outbox(sessions)[0]
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", 1, T0 + timedelta(seconds=30))
    assert "ConnectionRefused" in row.last_error
    assert drain_outbox(sessions, T0 + timedelta(seconds=10), settings) == 0
    assert drain_outbox(sessions, T0 + timedelta(seconds=30), settings) == 1
    assert len(inbox.messages) == 1


def test_without_an_smtp_host_emails_are_held_for_the_outbox_page(sessions, process_engine, deploy, team):
    start(sessions, process_engine, deploy)
    assert drain_outbox(sessions, T0, SmtpSettings()) == 0
    assert outbox(sessions)[0].status == "held"


def test_digest_users_get_one_email_a_day(sessions, process_engine, deploy, team, smtp):
    inbox, settings = smtp
    start(sessions, process_engine, deploy, n=2, now=T0 - timedelta(hours=3))    # 06:00, before 07:00
    assert queue_digests(sessions, T0 - timedelta(hours=2, minutes=30)) == 0
    assert queue_digests(sessions, T0) == 1
    start(sessions, process_engine, deploy, n=1, now=T0 + timedelta(hours=1))
    assert queue_digests(sessions, T0 + timedelta(hours=2)) == 0          # one a day
    drain_outbox(sessions, T0 + timedelta(hours=2), settings)
    digest = [c for to, c in inbox.messages if to == ["dora@police.test"]]
    assert len(digest) == 1 and digest[0].count("/tasks/") == 2
    assert queue_digests(sessions, T0 + timedelta(days=1)) == 1            # the next morning


def test_incident_notifies_managers_and_admins(sessions, process_engine, deploy, team):
    deploy("deadlines/failing_timer.bpmn")
    with sessions.begin() as s:
        process_engine.start(s, "failing_timer", load_actor(s, "mia"), {"start_day": "nonsense"}, now=T0)
    fire_due_timers(sessions, process_engine, T0 + timedelta(hours=2))
    with sessions() as s:
        notes = s.execute(select(Notification.user_name, Notification.kind)).all()
    assert sorted(tuple(n) for n in notes if n[1] == "incident") == [("mia", "incident"),
                                                                     ("sys", "incident")]


def test_a_row_that_cannot_be_sent_is_retried_then_parked_and_never_blocks_the_rest(
        sessions, process_engine, deploy, team, smtp):
    inbox, settings = smtp
    with sessions.begin() as s:          # written before references were checked where they enter
        s.add(EmailOutbox(user_name="pat", to_address="pat@police.test", kind="immediate",
                          subject="[LSCB] Task for LSCB-1\r\nBcc: x@evil.test", body="-",
                          next_attempt_at=T0 - timedelta(minutes=1), created_at=T0))
    start(sessions, process_engine, deploy)
    assert drain_outbox(sessions, T0, settings) == 1
    bad, good = outbox(sessions)
    assert good.status == "sent" and len(inbox.messages) == 1
    assert (bad.status, bad.attempts, bad.next_attempt_at) == ("failed", 1, T0 + timedelta(seconds=30))
    assert "ValueError" in bad.last_error
    moment = T0
    for attempt in range(2, MAX_ATTEMPTS + 1):
        moment += backoff(attempt - 1)
        assert drain_outbox(sessions, moment, settings) == 0
        assert outbox(sessions)[0].attempts == attempt
    assert outbox(sessions)[0].status == "parked"
    assert drain_outbox(sessions, moment + timedelta(days=1), settings) == 0
    assert outbox(sessions)[0].attempts == MAX_ATTEMPTS and len(inbox.messages) == 1
