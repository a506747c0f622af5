from sqlalchemy import select

from models import ApiToken, Group, LaneMapping, User
from web_support import app, client, login, world  # noqa: F401


def test_admin_pages_render(client, world):
    login(client, "ada")
    for path in ("/admin/users", "/admin/groups", "/admin/lanes", "/admin/users/new",
                 "/admin/users/ann"):
        assert client.get(path).status_code == 200, path


def test_admin_creates_user_with_groups_and_roles(client, world, sessions):
    login(client, "ada")
    response = client.post("/admin/users/new", data={
        "name": "dan", "display_name": "Dan", "password": "long-enough-pw",
        "roles": ["reviewer"], "groups": ["police", "intake"], "active": "true"})
    assert response.status_code == 302
    with sessions() as session:
        dan = session.scalars(select(User).where(User.name == "dan")).one()
        assert dan.group_slugs == {"police", "intake"} and dan.role_names == {"reviewer"}
    client.post("/logout")
    assert login(client, "dan", "long-enough-pw").status_code == 302


def test_admin_form_errors_are_shown(client, world):
    login(client, "ada")
    response = client.post("/admin/users/new", data={"name": "eve", "password": "short"})
    assert response.status_code == 400 and "at least 10 characters" in response.text
    response = client.post("/admin/groups", data={"slug": "bad slug!", "kind": "board"})
    assert response.status_code == 400


def test_admin_groups_and_lanes(client, world, sessions):
    login(client, "ada")
    assert client.post("/admin/groups", data={"slug": "health", "title": "Health",
                                              "kind": "agency"}).status_code == 302
    assert "Health" in client.get("/admin/groups").text
    assert client.post("/admin/lanes", data={"lane": "Intake", "group": "health"}).status_code == 302
    with sessions() as session:
        assert session.get(LaneMapping, "Intake").group_slug == "health"
    assert "LSCB Chair" in client.get("/admin/lanes").text


def test_admin_renames_a_group_keeping_its_slug_and_kind(client, world, sessions):
    login(client, "ada")
    client.post("/admin/groups", data={"slug": "health", "title": "Health", "kind": "agency"})
    page = client.get("/admin/groups").text
    assert 'action="/admin/groups/health/rename"' in page
    assert client.post("/admin/groups/Health/rename",
                       data={"title": "Berkshire Healthcare"}).status_code == 302
    with sessions() as session:
        group = session.scalars(select(Group).where(Group.slug == "health")).one()
        assert (group.title, group.kind) == ("Berkshire Healthcare", "agency")
    refused = client.post("/admin/groups/health/rename", data={"title": " "})
    assert refused.status_code == 400 and "title must be 1-200 characters" in refused.text
    login(client, "ann")
    assert client.post("/admin/groups/health/rename", data={"title": "Mine"}).status_code == 403


def test_admin_creates_and_revokes_a_token_stored_only_as_a_hash(client, world, sessions):
    login(client, "ada")
    response = client.post("/admin/users/ann/tokens", data={"label": "partner"})
    token = response.text.split('id="api-token" class="app-code">')[1].split("<")[0]
    assert token.startswith("lscb_")
    with sessions() as session:
        row = session.scalars(select(ApiToken)).one()
        assert token not in (row.token_hash, row.prefix) and len(row.token_hash) == 64
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    client.post(f"/admin/tokens/{row.id}/revoke")
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_manager_is_not_admin(client, world):
    login(client, "mia")
    assert client.get("/admin/users").status_code == 403


def test_an_admins_password_reset_and_a_deactivation_are_in_the_audit_trail(
        client, world, sessions):
    from models import AuditEvent
    login(client, "ada")
    admin = client
    admin.post("/admin/users/new", data={"name": "zoe", "password": "a-long-password-1",
                                         "roles": ["reviewer"], "active": "true"})
    admin.post("/admin/users/zoe", data={"password": "another-password-2", "roles": ["reviewer"],
                                         "active": "false"})
    with sessions() as s:
        saved = [e.detail for e in s.scalars(select(AuditEvent).where(
            AuditEvent.action == "user_saved", AuditEvent.detail["name"].as_string() == "zoe")
            .order_by(AuditEvent.id))]
    assert [(d["password_set"], d["active"]) for d in saved] == [(True, True), (True, False)]


def test_admin_maps_a_lane_from_lists_sees_the_fallback_and_removes_a_mapping(client, world,
                                                                            sessions):
    login(client, "ada")
    page = client.get("/admin/lanes").text
    assert '<select class="govuk-select" id="lane" name="lane"' in page
    assert '<option value="LSCB Chair">LSCB Chair</option>' in page
    assert "lscb-chair" in page                       # the group an unmapped lane falls back to
    typo = client.post("/admin/lanes", data={"lane": "LSCB Chiar", "group": "police"})
    assert typo.status_code == 400 and "has a lane named &#39;LSCB Chiar&#39;" in typo.text
    with sessions() as session:
        assert session.get(LaneMapping, "LSCB Chiar") is None
    assert client.post("/admin/lanes", data={"lane": "LISG", "group": "police"}).status_code == 302
    page = client.get("/admin/lanes").text
    assert 'action="/admin/lanes/remove"' in page
    assert client.post("/admin/lanes/remove", data={"lane": "LISG"}).status_code == 302
    with sessions() as session:
        assert session.get(LaneMapping, "LISG") is None
    assert client.post("/admin/lanes/remove", data={"lane": "LISG"}).status_code == 404
    login(client, "ann")
    assert client.post("/admin/lanes/remove", data={"lane": "LSCB Chair"}).status_code == 403
