"""permissions/devicetypes/ and permissions/devices/: superusers only, group names and
permission codenames, writes checked through the XML-RPC door."""

from __future__ import annotations

import pytest

from gql_server.db.models import Device, DeviceType
from tests.support.rest import rest_call, rest_get
from tests.support.xmlrpc import proxy_as, run_sql

PREFIX = "rest-perms"
TYPE = f"{PREFIX}-type"
DEVICE = f"{PREFIX}-01"
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
NOT_PERMITTED = {"detail": "You do not have permission to perform this action."}
# (route, the object's field, the object, a permission of its kind)
KINDS = [
    ("permissions/devicetypes/", "devicetype", TYPE, "change_devicetype"),
    ("permissions/devices/", "device", DEVICE, "change_device"),
]


@pytest.fixture(scope="module")
def inventory(lab) -> None:
    run_sql(lab, DeviceType(name=TYPE), Device(hostname=DEVICE, device_type_id=TYPE))


def granted(lab, field: str, name: str) -> list[dict]:
    """The grants on the object as XML-RPC's ``show`` lists them."""
    namespace = proxy_as(lab, "vis-admin").scheduler
    shown = (
        namespace.device_types.show(name) if field == "devicetype" else namespace.devices.show(name)
    )
    return shown["permissions"]


@pytest.mark.parametrize("route", [kind[0] for kind in KINDS])
def test_superusers_only(lab, route):
    assert rest_get(lab, route).json() == NOT_AUTHENTICATED
    for method, path in (("GET", route), ("POST", route), ("GET", f"{route}1/")):
        response = rest_call(lab, method, path, "vis-member", json={})
        assert (response.status_code, response.json()) == (403, NOT_PERMITTED)


@pytest.mark.parametrize(("route", "field", "name", "codename"), KINDS)
def test_grant_change_and_revoke(lab, inventory, route, field, name, codename):
    body = {"group": "vis-team", "permission": codename, field: name}
    created = rest_call(lab, "POST", route, "vis-admin", json=body)
    assert created.status_code == 201, created.text
    grant = created.json()
    assert grant == {"id": grant["id"], **body}
    assert list(grant) == ["id", "group", "permission", field]
    assert {"name": codename, "group": "vis-team"} in granted(lab, field, name)
    assert rest_get(lab, f"{route}{grant['id']}/", "vis-admin").json() == grant
    listed = rest_get(lab, route, "vis-admin", limit="1000").json()["results"]
    assert grant in listed
    by_object = {"device_type" if field == "devicetype" else field: name}
    assert rest_get(lab, route, "vis-admin", **by_object).json()["results"] == [grant]
    named = {**by_object, "group__name": "vis-team", "permission__codename": codename}
    assert rest_get(lab, route, "vis-admin", **named).json()["results"] == [grant]

    again = rest_call(lab, "POST", route, "vis-admin", json=body)
    assert again.json() == {
        "non_field_errors": [f"The fields group, permission, {field} must make a unique set."]
    }
    moved = rest_call(
        lab, "PATCH", f"{route}{grant['id']}/", "vis-admin", json={"group": "vis-secret-group"}
    )
    assert moved.json()["group"] == "vis-secret-group"
    assert {"name": codename, "group": "vis-secret-group"} in granted(lab, field, name)

    assert rest_call(lab, "DELETE", f"{route}{grant['id']}/", "vis-admin").status_code == 204
    assert granted(lab, field, name) == []
    assert rest_get(lab, f"{route}{grant['id']}/", "vis-admin").status_code == 404


@pytest.mark.parametrize(("route", "field", "name", "codename"), KINDS)
def test_bad_grants_are_400s(lab, inventory, route, field, name, codename):
    response = rest_call(lab, "POST", route, "vis-admin", json={})
    assert response.json() == {
        "group": ["This field is required."],
        "permission": ["This field is required."],
        field: ["This field is required."],
    }
    body = {"group": "no-group", "permission": "view_user", field: "nothing"}
    response = rest_call(lab, "POST", route, "vis-admin", json=body)
    assert (response.status_code, response.json()) == (
        400,
        {
            "group": ["Object with name=no-group does not exist."],
            "permission": ["Object with codename=view_user does not exist."],
            field: ['Invalid pk "nothing" - object does not exist.'],
        },
    )
