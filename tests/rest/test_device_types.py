"""devicetypes/: LAVA's fields, visibility, writes, templates and health checks, each
write checked through the XML-RPC door."""

from __future__ import annotations

import itertools
import xmlrpc.client

import pytest

from gql_server.db.models import Alias, Architecture, Core, DeviceType, DeviceTypeCore
from tests.support.rest import allowed_methods, rest_call, rest_get
from tests.support.xmlrpc import proxy_as, run_sql

PREFIX = "rest-types"
TYPE = f"{PREFIX}-described"
FIELDS = [
    "name",
    "architecture",
    "processor",
    "cpu_model",
    "aliases",
    "bits",
    "cores",
    "core_count",
    "description",
    "health_frequency",
    "disable_health_check",
    "health_denominator",
    "display",
]
_numbers = itertools.count()


@pytest.fixture(scope="module")
def described(lab) -> str:
    """A device type with an architecture, two cores and two aliases."""
    run_sql(
        lab,
        Architecture(name=f"{PREFIX}-arm"),
        Core(name=f"{PREFIX}-a53"),
        Core(name=f"{PREFIX}-a72"),
        DeviceType(name=TYPE, architecture_id=f"{PREFIX}-arm", core_count=6, description="big"),
        DeviceTypeCore(devicetype_id=TYPE, core_id=f"{PREFIX}-a72"),
        DeviceTypeCore(devicetype_id=TYPE, core_id=f"{PREFIX}-a53"),
        Alias(name=f"{PREFIX}-two", device_type_id=TYPE),
        Alias(name=f"{PREFIX}-one", device_type_id=TYPE),
    )
    return TYPE


def new_type_name() -> str:
    return f"{PREFIX}-{next(_numbers):02d}"


def test_device_types_carry_lavas_fields(lab, described):
    response = rest_get(lab, f"devicetypes/{described}/")
    assert response.status_code == 200
    assert response.json() == {
        "name": described,
        "architecture": f"{PREFIX}-arm",
        "processor": None,
        "cpu_model": None,
        "aliases": [f"{PREFIX}-one", f"{PREFIX}-two"],
        "bits": None,
        "cores": [f"{PREFIX}-a53", f"{PREFIX}-a72"],
        "core_count": 6,
        "description": "big",
        "health_frequency": 24,
        "disable_health_check": False,
        "health_denominator": "hours",
        "display": True,
    }
    listed = rest_get(lab, "devicetypes/", limit="1000").json()["results"]
    assert all(list(item) == FIELDS for item in listed)
    assert [item for item in listed if item["name"] == described] == [response.json()]


def test_only_visible_types(lab):
    def names(viewer):
        return {
            t["name"] for t in rest_get(lab, "devicetypes/", viewer, limit="1000").json()["results"]
        }

    assert "vis-secret-type" not in names(None) | names("vis-outsider")
    assert "vis-secret-type" in names("vis-secret") & names("vis-admin")
    for path in ("", "template/", "health_check/"):
        hidden = rest_get(lab, f"devicetypes/vis-secret-type/{path}", "vis-outsider")
        assert (hidden.status_code, hidden.json()) == (404, {"detail": "Not found."})
    assert rest_get(lab, "devicetypes/no-such-type/").status_code == 404


def test_filters_and_ordering(lab, described):
    found = rest_get(lab, "devicetypes/", cores__name=f"{PREFIX}-a53").json()
    assert [t["name"] for t in found["results"]] == [described]
    by_alias = rest_get(lab, "devicetypes/", aliases__name__startswith=f"{PREFIX}-tw").json()
    assert [t["name"] for t in by_alias["results"]] == [described]
    descending = rest_get(lab, "devicetypes/", ordering="-name", limit="1000").json()["results"]
    names = [t["name"] for t in descending]
    assert names == sorted(names, reverse=True)
    bad = rest_get(lab, "devicetypes/", core_count="many")
    assert (bad.status_code, bad.json()) == (400, {"core_count": ["Enter a number."]})


@pytest.mark.parametrize(
    ("kind", "field", "filename", "missing", "required"),
    [
        ("template", "template", "{}.jinja2", "template", "Device type template is required."),
        (
            "health_check",
            "config",
            "{}_health_check.yaml",
            "health check",
            "Health check configuration is required.",
        ),
    ],
)
def test_template_and_health_check(lab, kind, field, filename, missing, required):
    name = new_type_name()
    run_sql(lab, DeviceType(name=name))
    path = f"devicetypes/{name}/{kind}/"
    absent = rest_get(lab, path)
    assert (absent.status_code, absent.json()) == (
        400,
        {"detail": f"Device-type '{name}' {missing} was not found."},
    )
    assert rest_call(lab, "POST", path, json={field: "x: 1\n"}).status_code == 403
    assert rest_call(lab, "POST", path, "vis-member", json={field: "x: 1\n"}).status_code == 403
    empty = rest_call(lab, "POST", path, "vis-admin", json={field: ""})
    assert (empty.status_code, empty.json()) == (400, {field: required})

    written = rest_call(lab, "POST", path, "vis-admin", json={field: "x: 1\n"})
    assert written.status_code == 204 and written.content == b""
    getter = getattr(proxy_as(lab, "vis-admin").scheduler.device_types, f"get_{kind}")
    assert getter(name) == xmlrpc.client.Binary(b"x: 1\n")
    read = rest_get(lab, path)
    assert read.status_code == 200 and read.text == "x: 1\n"
    assert read.headers["content-type"] == "application/yaml"
    assert read.headers["content-disposition"] == f"attachment; filename={filename.format(name)}"


def test_superusers_create_update_and_delete(lab, described):
    name = new_type_name()
    body = {"name": name, "description": "made over REST", "cores": [f"{PREFIX}-a53"]}
    created = rest_call(lab, "POST", "devicetypes/", "vis-admin", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["cores"] == [f"{PREFIX}-a53"]
    admin = proxy_as(lab, "vis-admin")
    assert admin.scheduler.device_types.show(name)["description"] == "made over REST"

    changed = rest_call(
        lab, "PATCH", f"devicetypes/{name}/", "vis-admin", json={"health_frequency": 7}
    )
    assert changed.json()["health_frequency"] == 7
    assert changed.json()["description"] == "made over REST"
    assert admin.scheduler.device_types.show(name)["health_frequency"] == 7

    assert rest_call(lab, "DELETE", f"devicetypes/{name}/", "vis-member").status_code == 403
    deleted = rest_call(lab, "DELETE", f"devicetypes/{name}/", "vis-admin")
    assert deleted.status_code == 204
    assert name not in {t["name"] for t in admin.scheduler.device_types.list(True)}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"name": ["This field is required."]}),
        ({"name": TYPE}, {"name": ["device type with this name already exists."]}),
        (
            {"name": "x", "architecture": "no-such-arch"},
            {"architecture": ['Invalid pk "no-such-arch" - object does not exist.']},
        ),
        (
            {"name": "x", "health_frequency": "often"},
            {"health_frequency": ["A valid integer is required."]},
        ),
        ({"name": "x", "display": "perhaps"}, {"display": ["Must be a valid boolean."]}),
    ],
)
def test_bad_writes_are_400s(lab, described, body, errors):
    response = rest_call(lab, "POST", "devicetypes/", "vis-admin", json=body)
    assert (response.status_code, response.json()) == (400, errors)


@pytest.mark.parametrize("viewer", [None, "vis-member"])
def test_only_superusers_create(lab, viewer):
    response = rest_call(lab, "POST", "devicetypes/", viewer, json={"name": new_type_name()})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("devicetypes/", "GET, POST, HEAD, OPTIONS"),
        ("devicetypes/{}/", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"),
        ("devicetypes/{}/template/", "GET, POST, HEAD, OPTIONS"),
        ("devicetypes/{}/health_check/", "GET, POST, HEAD, OPTIONS"),
    ],
)
def test_routes_answer_their_methods_only(lab, described, path, allow):
    assert allowed_methods(lab, path.format(described)) == allow


def test_names_with_dots_and_spaces_are_looked_up(lab):
    name = f"{PREFIX} odd.name"
    run_sql(lab, DeviceType(name=name))
    assert rest_get(lab, f"devicetypes/{name}/").json()["name"] == name
    assert rest_get(lab, f"devicetypes/{name}/template/").status_code == 400  # none stored
