"""``token/``, ``users/``, ``groups/`` and ``remote-artifact-tokens/`` (LAVA master).

``token/`` always makes a new token: tokens are kept as digests (decisions.md §3), so the
secret of an existing one cannot be shown again.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gql_server.db.models import Group, RemoteArtifactsAuth, User
from gql_server.lab.email_address import is_email_address
from gql_server.resolvers import accounts, artifact_tokens
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import BadInput
from gql_server.resolvers.permissions import require_login, require_superuser
from gql_server.rest.body import request_data
from gql_server.rest.errors import RestError, detail
from gql_server.rest.fields import FieldReader, lookup_id, lookup_name
from gql_server.rest.filters import ordering
from gql_server.rest.pagination import Window, page
from gql_server.rest.render import answer, lava_datetime
from gql_server.rest.routing import JSON_FORM_MULTIPART, Endpoint

TOKEN_DESCRIPTION = "Created by REST API call"
BAD_CREDENTIALS = "Unable to log in with provided credentials."
_USERNAME = re.compile(r"[\w.@+-]+")
_FILTER_FLAGS = {"true": True, "True": True, "1": True, "false": False, "False": False, "0": False}
BAD_USERNAME = (
    "Enter a valid username. This value may contain only letters, numbers,"
    " and @/./+/-/_ characters."
)


def _field_refusal(exc: accounts.FieldError) -> RestError:
    return RestError(400, {exc.field: [exc.message]})


# --- token/ ------------------------------------------------------------------------------


async def obtain_token(ctx: RequestContext, request: Request) -> Response:
    """``POST token/`` with ``username`` and ``password``: a new token's secret."""
    reader = FieldReader(await request_data(request, JSON_FORM_MULTIPART), partial=False)
    for name in ("username", "password"):
        reader.text(name, required=True, nullable=False, blank=False)
    found = reader.values_or_400()
    made = await accounts.token_for_password(
        ctx, found["username"], found["password"], TOKEN_DESCRIPTION
    )
    if made is None:
        raise RestError(400, {"non_field_errors": [BAD_CREDENTIALS]})
    return answer({"token": made.secret})


# --- users/ ------------------------------------------------------------------------------


def read_user(data: dict[str, Any], partial: bool) -> dict[str, Any]:
    """A user's fields as master's serializer reads them (``username`` required unless
    ``partial``); DRF's 400 naming every field refused."""
    reader = FieldReader(data, partial)
    reader.text("username", required=True, nullable=False, blank=False, max_length=150)
    reader.check("username", _USERNAME.fullmatch, BAD_USERNAME)
    reader.text("password", nullable=False, blank=False)
    for name in ("first_name", "last_name"):
        reader.text(name, nullable=False, max_length=150)
    reader.text("email", nullable=False, max_length=254)
    reader.check("email", is_email_address, "Enter a valid email address.")
    for name in ("is_active", "is_staff", "is_superuser"):
        reader.boolean(name)
    reader.names("groups")
    return reader.values_or_400()


def user_json(user: User, groups: list[str]) -> dict[str, Any]:
    """A user as master's serializer writes it (the password never)."""
    return {
        "id": user.id,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": groups,
        "last_login": lava_datetime(user.last_login),
        "date_joined": lava_datetime(user.date_joined),
    }


def _user_filter(request: Request) -> accounts.UserFilter:
    """master's exact filters; a boolean that is not one is ignored, as django-filter does."""
    params = request.query_params
    flags = {
        name: _FILTER_FLAGS.get(params.get(name, ""))
        for name in ("is_active", "is_staff", "is_superuser")
    }
    return accounts.UserFilter(
        username=params.get("username") or None, email=params.get("email") or None, **flags
    )


async def _shown_user(ctx: RequestContext, user: User, status: int = 200) -> Response:
    groups = await accounts.group_names_of_users(ctx, [user.id])
    return answer(user_json(user, groups[user.id]), status)


async def user_list(ctx: RequestContext, request: Request) -> Response:
    """``GET users/``: one page of users, by username unless ``ordering`` says otherwise."""
    window = Window.of(request)
    count, found = await accounts.counted_users_window(
        ctx,
        _user_filter(request),
        ordering(request.query_params, accounts.USER_ORDERING),
        window.offset,
        window.limit,
    )
    groups = await accounts.group_names_of_users(ctx, [user.id for user in found])
    results = [user_json(user, groups[user.id]) for user in found]
    return answer(page(request, window, count, results))


async def _save_user(ctx: RequestContext, request: Request, user_id: int | None) -> Response:
    require_superuser(ctx)
    data = await request_data(request, JSON_FORM_MULTIPART)
    values = read_user(data, partial=request.method == "PATCH")
    try:
        user = await accounts.save_user(ctx, user_id, values)
    except accounts.FieldError as exc:
        raise _field_refusal(exc) from exc
    return await _shown_user(ctx, user, 201 if user_id is None else 200)


async def user_create(ctx: RequestContext, request: Request) -> Response:
    """``POST users/``: 201 with the new user."""
    return await _save_user(ctx, request, None)


async def user_detail(ctx: RequestContext, request: Request) -> Response:
    """``GET users/<id>/``."""
    return await _shown_user(ctx, await accounts.user_by_id(ctx, lookup_id(request, "user_id")))


async def user_update(ctx: RequestContext, request: Request) -> Response:
    """``PUT``/``PATCH users/<id>/``: ``groups`` replaces the membership, ``password``
    is hashed."""
    return await _save_user(ctx, request, lookup_id(request, "user_id"))


async def user_delete(ctx: RequestContext, request: Request) -> Response:
    """``DELETE users/<id>/``: 204."""
    await accounts.delete_user_by_id(ctx, lookup_id(request, "user_id"))
    return Response(status_code=204)


# --- groups/ -----------------------------------------------------------------------------


def group_json(group: Group) -> dict[str, Any]:
    """A group as master's serializer writes it."""
    return {"id": group.id, "name": group.name}


async def group_list(ctx: RequestContext, request: Request) -> Response:
    """``GET groups/``: one page of groups by name; ``?name=`` filters."""
    window = Window.of(request)
    count, found = await accounts.counted_groups_window(
        ctx,
        request.query_params.get("name") or None,
        ordering(request.query_params, accounts.GROUP_ORDERING),
        window.offset,
        window.limit,
    )
    return answer(page(request, window, count, [group_json(group) for group in found]))


async def _save_group(ctx: RequestContext, request: Request, group_id: int | None) -> Response:
    require_superuser(ctx)
    data = await request_data(request, JSON_FORM_MULTIPART)
    reader = FieldReader(data, partial=request.method == "PATCH")
    reader.text("name", required=True, nullable=False, blank=False, max_length=150)
    values = reader.values_or_400()
    if "name" not in values:  # a PATCH that changes nothing
        assert group_id is not None
        return answer(group_json(await accounts.group_by_id(ctx, group_id)))
    try:
        group = await accounts.save_group(ctx, group_id, values["name"])
    except accounts.FieldError as exc:
        raise _field_refusal(exc) from exc
    return answer(group_json(group), 201 if group_id is None else 200)


async def group_create(ctx: RequestContext, request: Request) -> Response:
    """``POST groups/``: 201 with the new group."""
    return await _save_group(ctx, request, None)


async def group_detail(ctx: RequestContext, request: Request) -> Response:
    """``GET groups/<id>/``."""
    group = await accounts.group_by_id(ctx, lookup_id(request, "group_id"))
    return answer(group_json(group))


async def group_update(ctx: RequestContext, request: Request) -> Response:
    """``PUT``/``PATCH groups/<id>/``: rename."""
    return await _save_group(ctx, request, lookup_id(request, "group_id"))


async def group_delete(ctx: RequestContext, request: Request) -> Response:
    """``DELETE groups/<id>/``: 204."""
    await accounts.delete_group_by_id(ctx, lookup_id(request, "group_id"))
    return Response(status_code=204)


# --- remote-artifact-tokens/ -------------------------------------------------------------

TOKEN_TAKEN = {"non_field_errors": ["The fields user, name must make a unique set."]}


def _read_artifact_token(data: dict[str, Any], partial: bool) -> dict[str, Any]:
    reader = FieldReader(data, partial)
    reader.name("name", max_length=100)
    reader.text("token", required=True, nullable=False, blank=False, max_length=200)
    return reader.values_or_400()


def artifact_token_json(row: RemoteArtifactsAuth) -> dict[str, Any]:
    """The caller's own token, value included (it is theirs, and retrievable by design)."""
    return {"name": row.name, "token": row.token}


def _taken(exc: BadInput) -> RestError:
    if exc.message == artifact_tokens.TOKEN_EXISTS:
        return RestError(400, TOKEN_TAKEN)
    return detail(400, exc.message)


async def artifact_token_list(ctx: RequestContext, request: Request) -> Response:
    """``GET remote-artifact-tokens/``: a page of the caller's tokens, by name."""
    window = Window.of(request)
    rows = await artifact_tokens.list_artifact_tokens(ctx)
    shown = rows[window.offset : window.offset + window.limit]
    results = [artifact_token_json(row) for row in shown]
    return answer(page(request, window, len(rows), results))


async def artifact_token_create(ctx: RequestContext, request: Request) -> Response:
    """``POST remote-artifact-tokens/``: 201 with the new token."""
    require_login(ctx)
    values = _read_artifact_token(await request_data(request, JSON_FORM_MULTIPART), False)
    try:
        row = await artifact_tokens.add_artifact_token(ctx, values["name"], values["token"])
    except BadInput as exc:
        raise _taken(exc) from exc
    return answer(artifact_token_json(row), 201)


async def artifact_token_detail(ctx: RequestContext, request: Request) -> Response:
    """``GET remote-artifact-tokens/<name>/``."""
    row = await artifact_tokens.get_artifact_token(ctx, lookup_name(request, "name"))
    return answer(artifact_token_json(row))


async def artifact_token_update(ctx: RequestContext, request: Request) -> Response:
    """``PUT``/``PATCH remote-artifact-tokens/<name>/``: rename and/or change the value."""
    require_login(ctx)
    data = await request_data(request, JSON_FORM_MULTIPART)
    values = _read_artifact_token(data, partial=request.method == "PATCH")
    try:
        row = await artifact_tokens.change_artifact_token(
            ctx, lookup_name(request, "name"), values.get("name"), values.get("token")
        )
    except BadInput as exc:
        raise _taken(exc) from exc
    return answer(artifact_token_json(row))


async def artifact_token_delete(ctx: RequestContext, request: Request) -> Response:
    """``DELETE remote-artifact-tokens/<name>/``: 204."""
    await artifact_tokens.delete_artifact_token(ctx, lookup_name(request, "name"))
    return Response(status_code=204)


USER_FIELDS = {
    "username": "string",
    "password": "string",
    "first_name": "string",
    "last_name": "string",
    "email": "string",
    "is_active": "boolean",
    "is_staff": "boolean",
    "is_superuser": "boolean",
    "groups": "array",
}
ENDPOINTS = [
    Endpoint(
        "/token/",
        "Obtain Auth Token",
        {"POST": obtain_token},
        fields={"username": "string", "password": "string"},
    ),
    Endpoint(
        "/users/",
        "User List",
        {"GET": user_list, "POST": user_create},
        ordering=accounts.USER_ORDERING,
        paginated=True,
        fields=USER_FIELDS,
    ),
    Endpoint(
        "/users/{user_id}/",
        "User Instance",
        {"GET": user_detail, "PUT": user_update, "PATCH": user_update, "DELETE": user_delete},
        fields=USER_FIELDS,
    ),
    Endpoint(
        "/groups/",
        "Group List",
        {"GET": group_list, "POST": group_create},
        ordering=accounts.GROUP_ORDERING,
        paginated=True,
        fields={"name": "string"},
    ),
    Endpoint(
        "/groups/{group_id}/",
        "Group Instance",
        {
            "GET": group_detail,
            "PUT": group_update,
            "PATCH": group_update,
            "DELETE": group_delete,
        },
        fields={"name": "string"},
    ),
    Endpoint(
        "/remote-artifact-tokens/",
        "Remote Artifact Token List",
        {"GET": artifact_token_list, "POST": artifact_token_create},
        paginated=True,
        fields={"name": "string", "token": "string"},
    ),
    Endpoint(
        "/remote-artifact-tokens/{name}/",
        "Remote Artifact Token Instance",
        {
            "GET": artifact_token_detail,
            "PUT": artifact_token_update,
            "PATCH": artifact_token_update,
            "DELETE": artifact_token_delete,
        },
        fields={"name": "string", "token": "string"},
    ),
]
