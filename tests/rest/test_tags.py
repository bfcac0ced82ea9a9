"""tags/: logged-in readers only, writes by model permission, each write checked through
the XML-RPC door."""

from __future__ import annotations

import itertools

import pytest

from tests.support.rest import rest_call, rest_get
from tests.support.xmlrpc import proxy_as

PREFIX = "rest-tags"
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
_numbers = itertools.count()


@pytest.fixture
def tag(lab) -> dict:
    """A new tag made over XML-RPC, as REST shows it."""
    name = f"{PREFIX}-{next(_numbers):02d}"
    proxy_as(lab, "vis-admin").scheduler.tags.add(name, "described")
    found = rest_get(lab, "tags/", "vis-outsider", name=name).json()["results"]
    assert len(found) == 1
    return found[0]


def test_tags_carry_lavas_fields(lab, tag):
    assert list(tag) == ["id", "name", "description"]
    assert tag["description"] == "described" and isinstance(tag["id"], int)
    assert rest_get(lab, f"tags/{tag['id']}/", "vis-outsider").json() == tag
    for path in ("tags/", f"tags/{tag['id']}/"):
        response = rest_get(lab, path)
        assert (response.status_code, response.json()) == (403, NOT_AUTHENTICATED)
    for reference in ("abc", "99999999", "99999999999"):
        assert rest_get(lab, f"tags/{reference}/", "vis-outsider").status_code == 404


def test_list_is_by_id_with_filters(lab, tag):
    listed = rest_get(lab, "tags/", "vis-member", limit="1000").json()["results"]
    ids = [item["id"] for item in listed]
    assert ids == sorted(ids) and tag["id"] in ids
    found = rest_get(lab, "tags/", "vis-member", name__iexact=tag["name"].upper()).json()
    assert found["results"] == [tag]
    assert rest_get(lab, "tags/", "vis-member", id="x").status_code == 400


def test_create_update_and_delete(lab):
    admin = proxy_as(lab, "vis-admin")
    name = f"{PREFIX}-made-{next(_numbers)}"
    created = rest_call(lab, "POST", "tags/", "vis-admin", json={"name": name})
    assert created.status_code == 201
    tag_id = created.json()["id"]
    assert created.json() == {"id": tag_id, "name": name, "description": None}
    assert admin.scheduler.tags.show(name)["description"] is None
    taken = rest_call(lab, "POST", "tags/", "vis-admin", json={"name": name})
    assert (taken.status_code, taken.json()) == (
        400,
        {"name": ["tag with this name already exists."]},
    )
    required = rest_call(lab, "POST", "tags/", "vis-admin", json={})
    assert required.json() == {"name": ["This field is required."]}

    whole = rest_call(lab, "PUT", f"tags/{tag_id}/", "vis-admin", json={"description": "new"})
    assert (whole.status_code, whole.json()) == (400, {"name": ["This field is required."]})
    changed = rest_call(lab, "PATCH", f"tags/{tag_id}/", "vis-admin", json={"description": "new"})
    assert changed.json() == {"id": tag_id, "name": name, "description": "new"}
    assert admin.scheduler.tags.show(name)["description"] == "new"
    assert rest_call(lab, "DELETE", f"tags/{tag_id}/", "vis-admin").status_code == 204
    assert name not in {item["name"] for item in admin.scheduler.tags.list()}


@pytest.mark.parametrize(
    ("method", "viewer", "answer"),
    [
        ("POST", None, NOT_AUTHENTICATED),
        ("POST", "vis-member", {"detail": "You do not have permission to perform this action."}),
        ("PATCH", "vis-member", {"detail": "You do not have permission to perform this action."}),
        ("DELETE", "vis-member", {"detail": "You do not have permission to perform this action."}),
    ],
)
def test_writes_need_model_permissions(lab, tag, method, viewer, answer):
    path = "tags/" if method == "POST" else f"tags/{tag['id']}/"
    response = rest_call(lab, method, path, viewer, json={})
    assert (response.status_code, response.json()) == (403, answer)
    assert proxy_as(lab, "vis-admin").scheduler.tags.show(tag["name"])["description"] == "described"
