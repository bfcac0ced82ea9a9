"""tags/: device and job tags, for logged-in callers only (LAVA's model permissions)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from gql_server.db.models import Tag
from gql_server.resolvers import inventory
from gql_server.resolvers.context import RequestContext
from gql_server.rest.body import request_data
from gql_server.rest.fields import FieldReader, lookup_id, serializer_refusals
from gql_server.rest.filters import conditions, ordering
from gql_server.rest.pagination import Window, page
from gql_server.rest.render import answer
from gql_server.rest.routing import JSON_FORM_MULTIPART, Endpoint

ORDERING = frozenset({"id", "name", "description"})
TAG_FIELDS = {"name": "string", "description": "string"}
NAME_TAKEN = "tag with this name already exists."


def tag_json(tag: Tag) -> dict[str, Any]:
    """A tag as LAVA's serializer writes it."""
    return {"id": tag.id, "name": tag.name, "description": tag.description}


async def tag_list(ctx: RequestContext, request: Request) -> Response:
    """``GET tags/``: one page of the tags that match the filters, by id."""
    window, params = Window.of(request), request.query_params
    count, found = await inventory.counted_tags(
        ctx, conditions(params, "tag"), ordering(params, ORDERING), window.offset, window.limit
    )
    return answer(page(request, window, count, [tag_json(tag) for tag in found]))


async def _saved(ctx: RequestContext, request: Request, tag_id: int | None) -> Tag:
    """A tag created (``tag_id`` None) or changed from the request's fields (all of them
    but with PATCH)."""
    inventory.require_model_permission(ctx, "add_tag" if tag_id is None else "change_tag")
    data = await request_data(request, JSON_FORM_MULTIPART)
    reader = FieldReader(data, partial=request.method == "PATCH")
    reader.text(
        "name", required=True, nullable=False, blank=False, max_length=inventory.TAG_NAME_LENGTH
    )
    reader.text("description")
    values = reader.values_or_400()
    with serializer_refusals(taken={"name": [NAME_TAKEN]}):
        return await inventory.save_tag_record(
            ctx, tag_id, values.get("name"), values.get("description")
        )


async def tag_create(ctx: RequestContext, request: Request) -> Response:
    """``POST tags/`` (global ``add_tag``): 201 with the new tag."""
    return answer(tag_json(await _saved(ctx, request, None)), 201)


async def tag_detail(ctx: RequestContext, request: Request) -> Response:
    """``GET tags/<id>/``."""
    return answer(tag_json(await inventory.listed_tag(ctx, lookup_id(request, "tag_id"))))


async def tag_update(ctx: RequestContext, request: Request) -> Response:
    """``PUT``/``PATCH tags/<id>/`` (global ``change_tag``); PUT needs every field."""
    return answer(tag_json(await _saved(ctx, request, lookup_id(request, "tag_id"))))


async def tag_delete(ctx: RequestContext, request: Request) -> Response:
    """``DELETE tags/<id>/`` (global ``delete_tag``): 204; devices and jobs lose the tag."""
    await inventory.delete_tag_record(ctx, lookup_id(request, "tag_id"))
    return Response(status_code=204)


ENDPOINTS = [
    Endpoint(
        "/tags/",
        "Tag List",
        {"GET": tag_list, "POST": tag_create},
        filters="tag",
        ordering=ORDERING,
        paginated=True,
        fields=TAG_FIELDS,
    ),
    Endpoint(
        "/tags/{tag_id}/",
        "Tag Instance",
        {"GET": tag_detail, "PUT": tag_update, "PATCH": tag_update, "DELETE": tag_delete},
        fields=TAG_FIELDS,
    ),
]
