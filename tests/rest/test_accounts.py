"""token/, users/, groups/ and remote-artifact-tokens/: master's fields and refusals, and
their effect seen through XML-RPC."""

from __future__ import annotations

import uuid

import pytest

from gql_server.resolvers import accounts
from gql_server.resolvers.context import RequestContext, Viewer
from tests.support.rest import rest_call, rest_get
from tests.support.server import xmlrpc_proxy
from tests.support.statements import page_statements
from tests.support.xmlrpc import proxy_as

NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
NOT_PERMITTED = {"detail": "You do not have permission to perform this action."}
USER_FIELDS = [
    "id",
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "groups",
    "last_login",
    "date_joined",
]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def as_admin(lab, method: str, path: str, **kwargs):
    return rest_call(lab, method, path, "vis-admin", **kwargs)


def new_user(lab, **fields) -> dict:
    body = {"username": unique("rest-user"), **fields}
    response = as_admin(lab, "POST", "users/", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def obtain(lab, username: str, password: str, **kwargs):
    body = {"username": username, "password": password}
    return rest_call(lab, "POST", "token/", None, json=body, **kwargs)


# --- token/ ------------------------------------------------------------------------------


def test_password_gets_a_new_token_that_every_door_accepts(lab):
    user = new_user(lab, password="correct horse")
    response = obtain(lab, user["username"], "correct horse")
    assert response.status_code == 200
    token = response.json()["token"]
    assert list(response.json()) == ["token"] and len(token) >= 32
    headers = {"Authorization": f"Token {token}"}
    whoami = rest_call(lab, "GET", "system/whoami/", None, headers=headers)
    assert whoami.json() == {"user": user["username"]}
    proxy = xmlrpc_proxy(lab.server.base_url, user["username"], token)
    assert proxy.system.whoami() == user["username"]
    again = obtain(lab, user["username"], "correct horse").json()["token"]
    assert again != token  # a new token each time: stored digests cannot be shown again


def test_form_bodies_get_a_token_too(lab):
    user = new_user(lab, password="form-secret")
    response = rest_call(
        lab,
        "POST",
        "token/",
        None,
        data={"username": user["username"], "password": "form-secret"},
    )
    assert response.status_code == 200 and response.json()["token"]


@pytest.mark.parametrize("password", ["wrong", "correct horse "])
def test_wrong_credentials_are_lavas_400(lab, password):
    user = new_user(lab, password="correct horse")
    response = obtain(lab, user["username"], password)
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_users_without_a_password_or_inactive_cannot_get_a_token(lab):
    nopassword = new_user(lab)
    inactive = new_user(lab, password="pw-inactive", is_active=False)
    for username, password in [
        (nopassword["username"], "!"),
        (nopassword["username"], ""),
        (inactive["username"], "pw-inactive"),
        ("nosuchuser", "x"),
    ]:
        response = obtain(lab, username, password)
        assert response.status_code == 400


def test_token_needs_both_fields(lab):
    response = rest_call(lab, "POST", "token/", None, json={})
    assert response.status_code == 400
    assert response.json() == {
        "username": ["This field is required."],
        "password": ["This field is required."],
    }
    blank = obtain(lab, "", "x")
    assert blank.json() == {"username": ["This field may not be blank."]}


# --- users/ ------------------------------------------------------------------------------


def test_users_are_for_superusers_only(lab):
    assert rest_get(lab, "users/").status_code == 403
    assert rest_get(lab, "users/").json() == NOT_AUTHENTICATED
    member = rest_get(lab, "users/", "vis-member")
    assert member.status_code == 403 and member.json() == NOT_PERMITTED
    body = {"username": unique("nope")}
    assert rest_call(lab, "POST", "users/", "vis-member", json=body).json() == NOT_PERMITTED


def test_user_list_fields_order_and_filters(lab):
    listed = rest_get(lab, "users/", "vis-admin", limit="1000").json()
    names = [user["username"] for user in listed["results"]]
    assert names == sorted(names) and "vis-admin" in names
    admin = next(user for user in listed["results"] if user["username"] == "vis-admin")
    assert list(admin) == USER_FIELDS and admin["is_superuser"] is True
    assert "password" not in admin
    member = rest_get(lab, "users/", "vis-admin", username="vis-member").json()
    # (a personal job submitted by vis-member elsewhere adds its personal group)
    assert member["count"] == 1 and "vis-team" in member["results"][0]["groups"]
    supers = rest_get(lab, "users/", "vis-admin", is_superuser="True", limit="1000").json()
    assert "vis-admin" in [u["username"] for u in supers["results"]]
    assert all(u["is_superuser"] for u in supers["results"])
    newest = rest_get(lab, "users/", "vis-admin", ordering="-date_joined", limit="2").json()
    joined = [u["date_joined"] for u in newest["results"]]
    assert joined == sorted(joined, reverse=True)


def test_create_update_and_delete_a_user_seen_over_xmlrpc(lab):
    admin = proxy_as(lab, "vis-admin")
    user = new_user(lab, email="a@example.org", groups=["vis-team"], password="s3cret")
    assert user["groups"] == ["vis-team"] and user["email"] == "a@example.org"
    assert user["is_active"] is True and user["last_login"] is None
    assert user["date_joined"].endswith("Z") and "password" not in user
    shown = admin.auth.users.show(user["username"])
    assert shown["email"] == "a@example.org" and shown["groups"] == ["vis-team"]
    path = f"users/{user['id']}/"
    changed = as_admin(
        lab, "PATCH", path, json={"first_name": "Ada", "is_staff": True, "groups": []}
    )
    assert changed.status_code == 200
    assert changed.json()["first_name"] == "Ada" and changed.json()["groups"] == []
    assert admin.auth.users.show(user["username"])["is_staff"] is True
    assert as_admin(lab, "GET", path).json() == changed.json()
    assert as_admin(lab, "DELETE", path).status_code == 204
    assert as_admin(lab, "GET", path).status_code == 404
    assert user["username"] not in [u["username"] for u in admin.auth.users.list()]


def test_a_changed_password_is_the_one_that_logs_in(lab):
    user = new_user(lab, password="first")
    as_admin(lab, "PATCH", f"users/{user['id']}/", json={"password": "second"})
    assert obtain(lab, user["username"], "first").status_code == 400
    assert obtain(lab, user["username"], "second").status_code == 200


def test_put_needs_the_username(lab):
    user = new_user(lab)
    response = as_admin(lab, "PUT", f"users/{user['id']}/", json={"first_name": "x"})
    assert response.status_code == 400
    assert response.json() == {"username": ["This field is required."]}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"username": "vis-admin"}, {"username": ["A user with that username already exists."]}),
        (
            {"username": "has space"},
            {
                "username": [
                    "Enter a valid username. This value may contain only letters, numbers,"
                    " and @/./+/-/_ characters."
                ]
            },
        ),
        ({}, {"username": ["This field is required."]}),
        (
            {"username": "ok-name", "groups": ["nosuchgroup"]},
            {"groups": ["Object with name=nosuchgroup does not exist."]},
        ),
        (
            {"username": "ok-name", "email": "nope", "is_staff": "maybe"},
            {"email": ["Enter a valid email address."], "is_staff": ["Must be a valid boolean."]},
        ),
    ],
)
def test_user_refusals(lab, body, errors):
    response = as_admin(lab, "POST", "users/", json=body)
    assert response.status_code == 400
    assert response.json() == errors


def test_users_who_submitted_jobs_are_kept(lab):
    owner = rest_get(lab, "users/", "vis-admin", username="vis-owner").json()["results"][0]
    response = as_admin(lab, "DELETE", f"users/{owner['id']}/")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "User 'vis-owner' has submitted jobs: deactivate it instead."
    }
    assert as_admin(lab, "GET", f"users/{owner['id']}/").status_code == 200


def test_null_characters_are_refused_not_stored(lab):
    body = {"username": "nul-user", "first_name": "a\x00b"}
    response = as_admin(lab, "POST", "users/", json=body)
    assert response.status_code == 400
    assert response.json() == {"first_name": ["Null characters are not allowed."]}
    filtered = rest_get(lab, "users/", "vis-admin", username="a\x00b")
    assert filtered.status_code == 400
    assert filtered.json() == {"detail": "Null characters are not allowed."}
    token = rest_call(
        lab, "POST", "remote-artifact-tokens/", "vis-member", json={"name": "n", "token": "\x00"}
    )
    assert token.json() == {"token": ["Null characters are not allowed."]}
    assert rest_get(lab, "remote-artifact-tokens/a%00b/", "vis-member").status_code == 400
    assert obtain(lab, "vis-admin", "\x00").status_code == 400


def test_unknown_users_are_404(lab):
    for path in ("users/99999999/", "users/abc/"):
        assert as_admin(lab, "GET", path).json() == {"detail": "Not found."}
    assert as_admin(lab, "DELETE", "users/99999999/").status_code == 404


# --- groups/ -----------------------------------------------------------------------------


def test_groups_crud_seen_over_xmlrpc(lab):
    admin = proxy_as(lab, "vis-admin")
    name = unique("rest-group")
    created = as_admin(lab, "POST", "groups/", json={"name": name})
    assert created.status_code == 201
    group = created.json()
    assert list(group) == ["id", "name"] and group["name"] == name
    assert name in admin.auth.groups.list()
    duplicate = as_admin(lab, "POST", "groups/", json={"name": name})
    assert duplicate.status_code == 400
    assert duplicate.json() == {"name": ["group with this name already exists."]}
    filtered = rest_get(lab, "groups/", "vis-admin", name=name).json()
    assert filtered["count"] == 1 and filtered["results"] == [group]
    renamed = as_admin(lab, "PUT", f"groups/{group['id']}/", json={"name": name + "-x"})
    assert renamed.json() == {"id": group["id"], "name": name + "-x"}
    assert name + "-x" in admin.auth.groups.list()
    assert as_admin(lab, "DELETE", f"groups/{group['id']}/").status_code == 204
    assert name + "-x" not in admin.auth.groups.list()
    assert as_admin(lab, "GET", f"groups/{group['id']}/").status_code == 404


def test_groups_list_by_name_and_for_superusers_only(lab):
    listed = rest_get(lab, "groups/", "vis-admin", limit="1000").json()["results"]
    names = [group["name"] for group in listed]
    assert names == sorted(names) and "vis-team" in names
    reversed_names = rest_get(lab, "groups/", "vis-admin", ordering="-name", limit="1000").json()
    assert [g["name"] for g in reversed_names["results"]] == names[::-1]
    assert rest_get(lab, "groups/", "vis-member").json() == NOT_PERMITTED
    assert rest_get(lab, "groups/").json() == NOT_AUTHENTICATED


# --- remote-artifact-tokens/ -------------------------------------------------------------


def test_artifact_tokens_are_the_callers_own_and_xmlrpc_sees_them(lab):
    member = proxy_as(lab, "vis-member")
    first, second = unique("b-token"), unique("a-token")
    for name in (first, second):
        created = rest_call(
            lab, "POST", "remote-artifact-tokens/", "vis-member", json={"name": name, "token": "v"}
        )
        assert created.status_code == 201 and created.json() == {"name": name, "token": "v"}
    listed = rest_get(lab, "remote-artifact-tokens/", "vis-member", limit="1000").json()
    names = [row["name"] for row in listed["results"]]
    assert names == sorted(names) and {first, second} <= set(names)
    assert rest_get(lab, f"remote-artifact-tokens/{first}/", "vis-outsider").status_code == 404
    outsider = rest_get(lab, "remote-artifact-tokens/", "vis-outsider", limit="1000").json()
    assert first not in [row["name"] for row in outsider["results"]]
    assert member.scheduler.remote_artifact_tokens.show(first) == "v"
    path = f"remote-artifact-tokens/{first}/"
    patched = rest_call(lab, "PATCH", path, "vis-member", json={"token": "w"})
    assert patched.json() == {"name": first, "token": "w"}
    assert member.scheduler.remote_artifact_tokens.show(first) == "w"
    renamed = rest_call(lab, "PUT", path, "vis-member", json={"name": first + "x", "token": "y"})
    assert renamed.status_code == 200 and renamed.json() == {"name": first + "x", "token": "y"}
    assert rest_get(lab, path, "vis-member").status_code == 404
    deleted = rest_call(lab, "DELETE", f"remote-artifact-tokens/{first}x/", "vis-member")
    assert deleted.status_code == 204
    assert first + "x" not in [
        row["name"]
        for row in rest_get(lab, "remote-artifact-tokens/", "vis-member").json()["results"]
    ]


def test_artifact_token_refusals(lab):
    assert rest_get(lab, "remote-artifact-tokens/").json() == NOT_AUTHENTICATED
    name = unique("dup")
    body = {"name": name, "token": "v"}
    rest_call(lab, "POST", "remote-artifact-tokens/", "vis-outsider", json=body)
    duplicate = rest_call(lab, "POST", "remote-artifact-tokens/", "vis-outsider", json=body)
    assert duplicate.status_code == 400
    assert duplicate.json() == {
        "non_field_errors": ["The fields user, name must make a unique set."]
    }
    missing = rest_call(lab, "POST", "remote-artifact-tokens/", "vis-outsider", json={})
    assert missing.json() == {
        "name": ["This field is required."],
        "token": ["This field is required."],
    }
    long = rest_call(
        lab,
        "POST",
        "remote-artifact-tokens/",
        "vis-outsider",
        json={"name": "x" * 101, "token": "v"},
    )
    assert long.json() == {"name": ["Ensure this field has no more than 100 characters."]}


# --- statements per page -----------------------------------------------------------------

ADMIN = Viewer(user_id=-1, username="rest-accounts-admin", is_superuser=True)


async def _user_page(ctx: RequestContext, limit: int) -> int:
    spec = accounts.UserFilter()
    _count, found = await accounts.counted_users_window(ctx, spec, [], 0, limit)
    await accounts.group_names_of_users(ctx, [user.id for user in found])
    return len(found)


async def _group_page(ctx: RequestContext, limit: int) -> int:
    return len((await accounts.counted_groups_window(ctx, None, [], 0, limit))[1])


@pytest.mark.parametrize(("read", "most"), [(_user_page, 3), (_group_page, 2)])
def test_a_page_costs_the_same_whatever_its_size(lab, read, most):
    new_user(lab, groups=["vis-team"])
    small, small_rows = page_statements(lab, ADMIN, read, 1)
    large, large_rows = page_statements(lab, ADMIN, read, 500)
    assert large == small <= most
    assert large_rows > small_rows
