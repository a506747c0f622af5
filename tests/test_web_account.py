"""/account: own details, notification mode, password change, own API tokens."""
import pytest
from sqlalchemy import select

from models import ApiToken, AuditEvent, User
from web import create_app
from web import db as web_db
from web_support import PASSWORD, app, client, csrf_from, login, token_for, world  # noqa: F401

NEW_PASSWORD = "a-brand-new-pw-2"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def audits(sessions, action):
    with sessions() as session:
        return [(e.actor, e.detail) for e in
                session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.id))]


def user(sessions, name) -> User:
    with sessions() as session:
        row = session.scalars(select(User).where(User.name == name)).one()
        session.expunge(row)
        return row


def shown_token(html: str) -> str:
    return html.split('id="api-token" class="app-code">')[1].split("<")[0]


def test_anonymous_is_sent_to_sign_in(client):
    for method, path in (("get", "/account/"), ("post", "/account/notifications"),
                         ("post", "/account/password"), ("post", "/account/tokens"),
                         ("post", "/account/tokens/1/revoke")):
        response = getattr(client, method)(path)
        assert response.status_code == 302 and "/login" in response.location, path


def test_account_shows_own_name_groups_and_roles(client, world):
    login(client, "ann")
    page = client.get("/account/")
    assert page.status_code == 200
    assert "Your account" in page.text and "intake" in page.text and "reviewer" in page.text
    assert 'value="immediate" checked' in page.text


def test_choosing_the_daily_digest_is_saved_and_audited(client, world, sessions):
    login(client, "ann")
    response = client.post("/account/notifications", data={"notify_mode": "digest"})
    assert response.status_code == 302 and response.location.endswith("/account/")
    assert user(sessions, "ann").notify_mode == "digest"
    assert audits(sessions, "account_updated") == [
        ("ann", {"notify_mode": "digest", "password_changed": False})]
    assert 'value="digest" checked' in client.get("/account/").text
    client.post("/account/notifications", data={"notify_mode": "immediate"})
    assert user(sessions, "ann").notify_mode == "immediate"


@pytest.mark.parametrize("mode", ["", "hourly"])
def test_an_unknown_notification_mode_is_a_field_error(client, world, sessions, mode):
    login(client, "ann")
    response = client.post("/account/notifications", data={"notify_mode": mode})
    assert response.status_code == 400
    assert 'href="#notify_mode"' in response.text and 'id="notify_mode-error"' in response.text
    assert user(sessions, "ann").notify_mode == "immediate"
    assert audits(sessions, "account_updated") == []


def test_changing_the_password_needs_the_current_one_and_is_audited(client, world, sessions):
    login(client, "ann")
    response = client.post("/account/password", data={"current_password": PASSWORD,
                                                       "new_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert audits(sessions, "account_updated") == [
        ("ann", {"notify_mode": None, "password_changed": True})]
    assert NEW_PASSWORD not in str(audits(sessions, "account_updated"))
    client.post("/logout")
    assert login(client, "ann", PASSWORD).status_code == 401
    assert login(client, "ann", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize("form, field, says", [
    ({"current_password": "not-my-password", "new_password": NEW_PASSWORD},
     "current_password", "current password is not correct"),
    ({"current_password": PASSWORD, "new_password": "short"},
     "new_password", "at least 10 characters"),
    ({"current_password": PASSWORD}, "new_password", "at least 10 characters"),
    ({}, "current_password", "current password is not correct"),
])
def test_bad_password_changes_are_field_errors(client, world, sessions, form, field, says):
    login(client, "ann")
    before = user(sessions, "ann").password_hash
    response = client.post("/account/password", data=form)
    assert response.status_code == 400
    assert f'id="{field}-error"' in response.text and says in response.text
    assert f'href="#{field}"' in response.text
    assert "value=\"" + form.get("new_password", "@@") + "\"" not in response.text
    assert user(sessions, "ann").password_hash == before
    assert audits(sessions, "account_updated") == []


def test_own_token_is_shown_once_stored_hashed_and_revoked(client, world, sessions):
    login(client, "ann")
    response = client.post("/account/tokens", data={"label": "my script"})
    assert response.status_code == 200
    token = shown_token(response.text)
    assert token.startswith("lscb_")
    with sessions() as session:
        row = session.scalars(select(ApiToken)).one()
        assert token not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
        assert row.created_by == "ann" and row.name == "my script"
    page = client.get("/account/").text
    assert row.prefix in page and token not in page and "my script" in page
    assert client.get("/api/v1/tasks", headers=bearer(token)).status_code == 200

    response = client.post(f"/account/tokens/{row.id}/revoke")
    assert response.status_code == 302
    assert client.get("/api/v1/tasks", headers=bearer(token)).status_code == 401
    assert "Revoked" in client.get("/account/").text
    assert [a for a, _ in audits(sessions, "token_created")] == ["ann"]
    assert audits(sessions, "token_revoked") == [("ann", {"token_id": row.id})]
    # Revoking again changes nothing (the first revocation time stays).
    assert client.post(f"/account/tokens/{row.id}/revoke").status_code == 302
    assert len(audits(sessions, "token_revoked")) == 1


def test_a_token_an_admin_made_for_me_is_listed_and_i_can_revoke_it(client, world, sessions):
    login(client, "ada")
    token = shown_token(client.post("/admin/users/ann/tokens", data={"label": "from admin"}).text)
    client.post("/logout")
    login(client, "ann")
    page = client.get("/account/").text
    assert "from admin" in page and "by ada" in page
    with sessions() as session:
        token_id = session.scalars(select(ApiToken.id)).one()
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert client.get("/api/v1/tasks", headers=bearer(token)).status_code == 401
    assert audits(sessions, "token_revoked") == [("ann", {"token_id": token_id})]


def test_cannot_revoke_someone_elses_token(client, world, sessions):
    bobs = token_for(sessions, "bob")
    with sessions() as session:
        token_id = session.scalars(select(ApiToken.id)).one()
    login(client, "ada")                      # even an admin, here: /account is for own tokens
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert client.post("/account/tokens/99999/revoke").status_code == 404
    assert client.get("/api/v1/tasks", headers=bearer(bobs)).status_code == 200
    assert audits(sessions, "token_revoked") == []


def test_a_too_long_token_name_is_a_field_error(client, world, sessions):
    login(client, "ann")
    response = client.post("/account/tokens", data={"label": "x" * 101})
    assert response.status_code == 400 and 'id="label-error"' in response.text
    with sessions() as session:
        assert session.scalars(select(ApiToken)).all() == []


@pytest.fixture
def csrf_client(db_url, db_engine):
    """A client of an app with CSRF protection on (disposed afterwards)."""
    csrf_app = create_app({"DATABASE_URL": db_url, "RATELIMIT_ENABLED": False,
                           "SESSION_COOKIE_SECURE": False, "SECRET_KEY": "test"})
    yield csrf_app.test_client()
    web_db.dispose(csrf_app)


def test_account_forms_need_the_csrf_token(csrf_client, world, sessions):
    token = csrf_from(csrf_client.get("/login").text)
    csrf_client.post("/login", data={"username": "ann", "password": PASSWORD, "csrf_token": token})
    assert csrf_client.post("/account/notifications",
                            data={"notify_mode": "digest"}).status_code == 400
    assert user(sessions, "ann").notify_mode == "immediate"
    token = csrf_from(csrf_client.get("/account/").text)
    assert csrf_client.post("/account/notifications", data={
        "notify_mode": "digest", "csrf_token": token}).status_code == 302
    assert user(sessions, "ann").notify_mode == "digest"


def test_token_dates_are_in_uk_time(client, world, sessions):
    from datetime import datetime, timezone
    login(client, "ann")
    client.post("/account/tokens", data={"label": "late script"})
    with sessions.begin() as session:
        row = session.scalars(select(ApiToken)).one()
        row.created_at = row.last_used_at = datetime(2031, 6, 30, 23, 30, tzinfo=timezone.utc)
    page = client.get("/account/").text
    assert page.count("1 July 2031") == 2 and "30 Jun" not in page
