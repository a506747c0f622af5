import subprocess
import sys
from pathlib import Path

import pytest

from engine import people
from web_support import PASSWORD, app, client, csrf_from, login, world  # noqa: F401


def test_login_page_renders_with_security_headers(client):
    response = client.get("/login")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "<script>" not in response.text and 'style="' not in response.text


def test_session_cookie_is_secure_httponly_and_samesite_by_default(app_factory, world):
    app = app_factory(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    response = login(app.test_client(), "ann")
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_sign_in_and_out(client, world):
    response = login(client, "ann")
    assert response.status_code == 302 and response.location == "/tasks"
    assert client.get("/tasks").status_code == 200
    client.post("/logout")
    assert client.get("/tasks").status_code == 302


def test_wrong_password_is_refused_with_a_message(client, world):
    response = login(client, "ann", "wrong-password")
    assert response.status_code == 401
    assert "Enter a correct user name and password" in response.text
    assert login(client, "nobody", "whatever-123").status_code == 401


def test_pages_need_sign_in(client, world):
    response = client.get("/tasks")
    assert response.status_code == 302 and "/login" in response.location


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_login_never_redirects_off_site(client, world, target):
    response = client.post(f"/login?next={target}", data={"username": "ann", "password": PASSWORD})
    assert response.location == "/tasks"


def test_login_is_rate_limited(app_factory, world):
    app = app_factory(WTF_CSRF_ENABLED=False, SESSION_COOKIE_SECURE=False,
                      LOGIN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [login(client, "ann", "wrong-password").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_posting_without_csrf_token_is_refused(app_factory, world):
    app = app_factory(RATELIMIT_ENABLED=False, SESSION_COOKIE_SECURE=False)
    client = app.test_client()
    response = client.post("/login", data={"username": "ann", "password": PASSWORD})
    assert response.status_code == 400 and "could not be sent" in response.text
    token = csrf_from(client.get("/login").text)
    response = client.post("/login", data={"username": "ann", "password": PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    task = world["task_id"]
    assert client.post(f"/tasks/{task}/claim").status_code == 400
    token = csrf_from(client.get("/tasks").text)
    assert client.post(f"/tasks/{task}/claim", data={"csrf_token": token}).status_code == 302


def test_reviewer_cannot_reach_admin_pages(client, world):
    login(client, "ann")
    for path in ("/admin/users", "/admin/groups", "/admin/lanes", "/admin/users/new"):
        assert client.get(path).status_code == 403


def test_unknown_page_is_a_plain_404(client, world):
    login(client, "ann")
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Traceback" not in response.text


def test_spiff_loggers_never_log_task_data_or_state_chatter(app):
    import logging
    for name in ("spiff.task", "spiff.workflow", "spiff.data", "spiff.dmn"):
        assert not logging.getLogger(name).isEnabledFor(logging.INFO)
        assert logging.getLogger(name).isEnabledFor(logging.WARNING)


def test_outside_the_test_suite_passwords_are_hashed_with_scrypt():
    code = ("from engine import people; from models import User; user = User(); "
            "people.set_password(user, 'a long password'); print(user.password_hash)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).parent.parent)
    assert done.stdout.startswith("scrypt:32768:8:1$")



def test_sign_ins_failed_sign_ins_and_sign_outs_are_audited(client, world, sessions):
    from sqlalchemy import select

    from models import AuditEvent
    login(client, "ann", "wrong-password")
    login(client, "nobody", "whatever-123")
    login(client, "ann")
    client.post("/logout")
    with sessions() as s:
        trail = s.execute(select(AuditEvent.actor, AuditEvent.action, AuditEvent.detail)
                          .order_by(AuditEvent.id)).all()
    signing = [(a, action, d.get("name")) for a, action, d in trail if action.startswith("sign")]
    assert signing == [(None, "sign_in_failed", "ann"), (None, "sign_in_failed", "nobody"),
                       ("ann", "signed_in", None), ("ann", "signed_out", None)]


def _copied_session(app, client):
    """A second client holding a copy of ``client``'s session cookie (a stolen cookie)."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


def _password_change(client, name):
    client.post("/account/password", data={"current_password": PASSWORD,
                                           "new_password": "a-new-long-password"})


def _deactivation(client, name):
    client.post("/logout")
    login(client, "ada")
    client.post(f"/admin/users/{name}", data={"active": "false", "roles": ["reviewer"],
                                              "groups": ["intake"]})


def _sign_out_everywhere(client, name):
    client.post("/logout")
    login(client, "ada")
    client.post(f"/admin/users/{name}/sign-out")


@pytest.mark.parametrize("ending", [
    lambda client, name: client.post("/logout"), _password_change, _deactivation,
    _sign_out_everywhere], ids=["logout", "password change", "deactivation", "admin"])
def test_a_copied_session_cookie_stops_working_when_the_session_ends(
        app, client, world, people_factory, ending):
    people_factory("ada", roles=["admin"])
    with app.extensions["lscb.sessions"].begin() as session:
        people.set_password(people.user_by_name(session, "ada"), PASSWORD)
    login(client, "ann")
    thief = _copied_session(app, client)
    assert thief.get("/tasks").status_code == 200            # the copy works while signed in
    ending(client, "ann")
    assert thief.get("/tasks").status_code == 302            # and not after the session ends


def test_sign_in_throttling_is_per_account_so_one_attacker_cannot_lock_out_the_board(
        app_factory, world, people_factory):
    people_factory("bob", groups=["intake"])
    app = app_factory(WTF_CSRF_ENABLED=False, SESSION_COOKIE_SECURE=False,
                      LOGIN_RATE_LIMIT="3 per minute", LOGIN_ADDRESS_RATE_LIMIT="20 per minute")
    with app.extensions["lscb.sessions"].begin() as session:
        people.set_password(people.user_by_name(session, "bob"), PASSWORD)
    client = app.test_client()            # everyone behind one office address
    codes = [login(client, "ann", "wrong-password").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]                      # ann's account is throttled
    assert login(client, "bob").status_code == 302            # bob, same address, signs in
    assert login(client, "ANN", "wrong-password").status_code == 429    # same account


def test_the_address_limit_counts_the_forwarded_address_behind_a_trusted_proxy(
        app_factory, world):
    app = app_factory(WTF_CSRF_ENABLED=False, SESSION_COOKIE_SECURE=False, PROXY_HOPS=1,
                      LOGIN_RATE_LIMIT="50 per minute", LOGIN_ADDRESS_RATE_LIMIT="2 per minute")
    client = app.test_client()

    def attempt(address):
        return client.post("/login", data={"username": f"u{address}", "password": "x"},
                           headers={"X-Forwarded-For": address}).status_code
    assert [attempt("192.0.2.1") for _ in range(3)] == [401, 401, 429]
    assert attempt("192.0.2.2") == 401                        # another person is not blocked
