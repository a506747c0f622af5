from datetime import datetime, timezone

import pytest

from engine import Settings
from models import EmailOutbox
from test_web_cli import as_json, lscb  # noqa: F401
from web import create_app
from web_support import login, world  # noqa: F401

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


def add_rows(sessions):
    with sessions.begin() as s:
        for n, (status, error) in enumerate([("sent", None), ("failed", "ValueError: CR in header"),
                                             ("parked", "SMTPRecipientsRefused: no such user"),
                                             ("pending", None)]):
            s.add(EmailOutbox(user_name="pat", to_address="pat@police.test", kind="immediate",
                              subject=f"[LSCB] email {n}", body="-", status=status,
                              attempts=0 if error is None else 3, last_error=error,
                              next_attempt_at=T0, created_at=T0))


def test_mail_list_shows_every_email_or_only_those_that_failed(lscb, sessions):
    add_rows(sessions)
    everything = as_json(lscb("mail", "list"))
    assert [r["status"] for r in everything] == ["pending", "parked", "failed", "sent"]
    failed = as_json(lscb("mail", "list", "--failed"))
    assert [(r["status"], r["attempts"], r["last_error"]) for r in failed] == [
        ("parked", 3, "SMTPRecipientsRefused: no such user"), ("failed", 3, "ValueError: CR in header")]


@pytest.mark.parametrize("smtp_host", [None, "mail.board.test"])
def test_the_outbox_page_shows_failed_and_parked_emails_with_their_error(db_url, sessions, world,
                                                                         smtp_host):
    add_rows(sessions)
    settings = Settings.from_env({"LSCB_DATABASE_URL": db_url, **(
        {"LSCB_SMTP_HOST": smtp_host} if smtp_host else {})})
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "SESSION_COOKIE_SECURE": False,
                      "SECRET_KEY": "test", "SETTINGS": settings})
    try:
        client = app.test_client()
        login(client, "ada")
        page = client.get("/notifications/outbox?failed=1")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "SMTPRecipientsRefused: no such user" in html and "ValueError: CR in header" in html
        assert "[LSCB] email 0" not in html and "[LSCB] email 3" not in html
        assert "[LSCB] email 0" in client.get("/notifications/outbox").get_data(as_text=True)
    finally:
        from web import db as web_db
        web_db.dispose(app)
