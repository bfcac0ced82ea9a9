"""aliases/: logged-in readers only, aliases of visible displayed device types, writes by
model permission, each write checked through the XML-RPC door."""

from __future__ import annotations

import pytest

from gql_server.db.models import Alias, DeviceType
from tests.support.rest import rest_call, rest_get
from tests.support.xmlrpc import proxy_as, run_sql

PREFIX = "rest-aliases"
TYPE = f"{PREFIX}-type"
OTHER = f"{PREFIX}-other"
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}


@pytest.fixture(scope="module")
def aliases(lab) -> None:
    """Aliases of a displayed type, of a hidden-from-lists type and of the secret type."""
    run_sql(
        lab,
        DeviceType(name=TYPE),
        DeviceType(name=OTHER),
        DeviceType(name=f"{PREFIX}-undisplayed", display=False),
        Alias(name=f"{PREFIX}-b", device_type_id=TYPE),
        Alias(name=f"{PREFIX}-a", device_type_id=TYPE),
        Alias(name=f"{PREFIX}-undisplayed-alias", device_type_id=f"{PREFIX}-undisplayed"),
        Alias(name=f"{PREFIX}-secret-alias", device_type_id="vis-secret-type"),
    )


def names(lab, viewer, **params) -> list[str]:
    response = rest_get(lab, "aliases/", viewer, limit="1000", **params)
    assert response.status_code == 200, response.text
    return [alias["name"] for alias in response.json()["results"]]


def test_anonymous_callers_are_refused(lab, aliases):
    for path in ("aliases/", f"aliases/{PREFIX}-a/"):
        response = rest_get(lab, path)
        assert (response.status_code, response.json()) == (403, NOT_AUTHENTICATED)


def test_aliases_of_visible_displayed_types(lab, aliases):
    assert rest_get(lab, f"aliases/{PREFIX}-a/", "vis-outsider").json() == {
        "name": f"{PREFIX}-a",
        "device_type": TYPE,
    }
    listed = names(lab, "vis-outsider", name__startswith=PREFIX)
    assert listed == [f"{PREFIX}-a", f"{PREFIX}-b"]
    assert f"{PREFIX}-secret-alias" in names(lab, "vis-secret", name__startswith=PREFIX)
    hidden = rest_get(lab, f"aliases/{PREFIX}-secret-alias/", "vis-outsider")
    assert (hidden.status_code, hidden.json()) == (404, {"detail": "Not found."})
    ordered = names(lab, "vis-admin", name__startswith=PREFIX, ordering="-name")
    assert ordered == sorted(ordered, reverse=True)


def test_writes_need_model_permissions(lab, aliases):
    body = {"name": f"{PREFIX}-new", "device_type": TYPE}
    assert rest_call(lab, "POST", "aliases/", None, json=body).json() == NOT_AUTHENTICATED
    refused = rest_call(lab, "POST", "aliases/", "vis-member", json=body)
    assert refused.status_code == 403
    assert rest_call(lab, "DELETE", f"aliases/{PREFIX}-a/", "vis-member").status_code == 403
    assert f"{PREFIX}-new" not in proxy_as(lab, "vis-admin").scheduler.aliases.list()


def test_create_update_and_delete(lab, aliases):
    admin = proxy_as(lab, "vis-admin")
    body = {"name": f"{PREFIX}-made", "device_type": TYPE}
    created = rest_call(lab, "POST", "aliases/", "vis-admin", json=body)
    assert (created.status_code, created.json()) == (201, body)
    assert admin.scheduler.aliases.show(f"{PREFIX}-made") == body
    taken = rest_call(lab, "POST", "aliases/", "vis-admin", json=body)
    assert taken.json() == {"name": ["alias with this Alias for this device-type already exists."]}
    missing = rest_call(
        lab, "POST", "aliases/", "vis-admin", json={"name": "x", "device_type": "nope"}
    )
    assert missing.json() == {"device_type": ['Invalid pk "nope" - object does not exist.']}

    moved = rest_call(
        lab, "PATCH", f"aliases/{PREFIX}-made/", "vis-admin", json={"device_type": OTHER}
    )
    assert moved.json() == {"name": f"{PREFIX}-made", "device_type": OTHER}
    assert admin.scheduler.aliases.show(f"{PREFIX}-made")["device_type"] == OTHER
    assert rest_call(lab, "DELETE", f"aliases/{PREFIX}-made/", "vis-admin").status_code == 204
    assert f"{PREFIX}-made" not in admin.scheduler.aliases.list()
