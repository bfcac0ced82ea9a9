"""devices/: LAVA's fields, visibility, retired devices, writes and the device actions,
each write checked through the XML-RPC door."""

from __future__ import annotations

import itertools
import urllib.parse
import xmlrpc.client

import pytest
import yaml

from gql_server.db.models import DeviceType, StoredFile, Tag, Worker
from tests.conftest import make_token
from tests.support.rest import allowed_methods, rest_call, rest_get
from tests.support.xmlrpc import cli, proxy_as, run_sql

PREFIX = "rest-devices"
TYPE = f"{PREFIX}-type"
WORKER = f"{PREFIX}-worker"
TEMPLATE = f"{PREFIX}-template"
WRITER = f"{PREFIX}-writer"  # holds the global add_device permission, nothing else
FIELDS = [
    "hostname",
    "device_type",
    "device_version",
    "physical_owner",
    "physical_group",
    "description",
    "tags",
    "state",
    "health",
    "last_health_report_job",
    "worker_host",
    "is_synced",
]
VALID_CONFIGURATION = "actions: {}\nconstants: {}\nparameters: {}\ntimeouts: {}\n"
NOT_AUTHENTICATED = "Authentication credentials were not provided."
_numbers = itertools.count()


@pytest.fixture(scope="module")
def inventory(lab) -> dict[str, int]:
    """A device type, a worker, two tags, and a user with only ``add_device``; returns the
    tags' ids and the writer's token."""
    kvm, usb = Tag(name=f"{PREFIX}-kvm"), Tag(name=f"{PREFIX}-usb")
    run_sql(lab, DeviceType(name=TYPE), Worker(hostname=WORKER), kvm, usb)
    cli(lab, "users", "add", WRITER)
    proxy_as(lab, "vis-admin").auth.users.perms.add(
        WRITER, "lava_scheduler_app", "device", "add_device"
    )
    lab.tokens.setdefault(WRITER, make_token(lab.database_url, WRITER))
    return {"kvm": kvm.id, "usb": usb.id}


@pytest.fixture
def device(lab, inventory) -> str:
    """A new Good device of this module's type and worker."""
    hostname = f"{PREFIX}-{next(_numbers):02d}"
    proxy_as(lab, "vis-admin").scheduler.devices.add(
        hostname, TYPE, WORKER, None, None, True, "GOOD"
    )
    return hostname


def shown(lab, hostname: str) -> dict:
    """The device as XML-RPC's ``scheduler.devices.show`` tells it."""
    return proxy_as(lab, "vis-admin").scheduler.devices.show(hostname)


def test_devices_carry_lavas_fields_in_order(lab, device):
    response = rest_get(lab, f"devices/{device}/")
    assert response.status_code == 200
    assert response.json() == {
        "hostname": device,
        "device_type": TYPE,
        "device_version": None,
        "physical_owner": None,
        "physical_group": None,
        "description": None,
        "tags": [],
        "state": "Idle",
        "health": "Good",
        "last_health_report_job": None,
        "worker_host": WORKER,
        "is_synced": False,
    }
    listed = rest_get(lab, "devices/", "vis-admin", limit="1000").json()["results"]
    assert [d for d in listed if d["hostname"] == device] == [response.json()]
    assert all(list(d) == FIELDS for d in listed)


def test_list_and_detail_hold_only_visible_devices(lab):
    def hostnames(viewer):
        results = rest_get(lab, "devices/", viewer, limit="100000").json()["results"]
        return {d["hostname"] for d in results}

    assert "vis-secret-01" not in hostnames(None) | hostnames("vis-outsider")
    assert {"vis-secret-01", "vis-public-01"} <= hostnames("vis-secret")
    assert "vis-secret-01" in hostnames("vis-admin")
    hidden = rest_get(lab, "devices/vis-secret-01/", "vis-outsider")
    assert hidden.status_code == 404 and hidden.json() == {"detail": "Not found."}
    assert rest_get(lab, "devices/vis-secret-01/", "vis-secret").status_code == 200


def test_retired_devices_only_with_all(lab, device):
    admin = proxy_as(lab, "vis-admin")
    admin.scheduler.devices.update(device, None, None, None, None, "RETIRED")

    def listed(**params):
        results = rest_get(lab, "devices/", "vis-admin", limit="100000", **params).json()
        return device in {d["hostname"] for d in results["results"]}

    assert not listed()
    assert listed(all="1") and listed(all="false")
    assert rest_get(lab, f"devices/{device}/", "vis-admin").status_code == 404
    assert rest_get(lab, f"devices/{device}/", "vis-admin", all="1").json()["health"] == "Retired"
    refused = rest_call(lab, "POST", f"devices/{device}/set_health/", "vis-admin", json={})
    assert refused.status_code == 404


def test_pages_count_and_link(lab, device):
    first = rest_get(lab, "devices/", "vis-admin", limit="2").json()
    assert first["count"] >= 3 and len(first["results"]) == 2
    assert first["next"].endswith("/api/v0.2/devices/?limit=2&offset=2")
    hostnames = [d["hostname"] for d in first["results"]]
    assert hostnames == sorted(hostnames)
    second = rest_get(lab, "devices/", "vis-admin", limit="2", offset="2").json()
    assert second["results"][0]["hostname"] > hostnames[-1]


def test_tags_are_ids_in_ascending_order(lab, inventory, device):
    admin = proxy_as(lab, "vis-admin")
    admin.scheduler.devices.tags.add(device, f"{PREFIX}-usb")
    admin.scheduler.devices.tags.add(device, f"{PREFIX}-kvm")
    tags = rest_get(lab, f"devices/{device}/").json()["tags"]
    assert tags == sorted([inventory["kvm"], inventory["usb"]])


def test_names_with_dots_and_spaces_are_looked_up(lab, inventory):
    hostname = f"{PREFIX} odd.name"
    proxy_as(lab, "vis-admin").scheduler.devices.add(hostname, TYPE, WORKER)
    path = f"devices/{urllib.parse.quote(hostname)}/"
    assert rest_get(lab, path).json()["hostname"] == hostname


def test_set_health_is_seen_over_xmlrpc(lab, device):
    response = rest_call(
        lab,
        "POST",
        f"devices/{device}/set_health/",
        "vis-admin",
        json={"health": "maintenance", "reason": "cable"},
    )
    assert (response.status_code, response.json()) == (202, {"message": "OK"})
    assert shown(lab, device)["health"] == "Maintenance"


@pytest.mark.parametrize(
    ("viewer", "body", "status", "answer"),
    [
        (None, {"health": "Good"}, 403, {"detail": NOT_AUTHENTICATED}),
        (
            "vis-member",
            {"health": "Good"},
            403,
            {"detail": "You do not have permission to perform this action."},
        ),
        (WRITER, {"health": "Good"}, 403, {"message": "Permission denied"}),
        ("vis-admin", {"health": "Sleepy"}, 400, {"message": "Wrong device health Sleepy"}),
        ("vis-admin", {}, 400, {"message": "Wrong device health None"}),
    ],
)
def test_set_health_refusals(lab, device, viewer, body, status, answer):
    response = rest_call(lab, "POST", f"devices/{device}/set_health/", viewer, json=body)
    assert (response.status_code, response.json()) == (status, answer)
    assert shown(lab, device)["health"] == "Good"


def test_dictionary_raw_rendered_and_stored(lab, device):
    template = "name: {{ scheduled_device_name }}\n{% if extra %}extra: {{ extra }}\n{% endif %}"
    run_sql(lab, StoredFile(kind="device_type_template", name=TEMPLATE, content=template))
    path = f"devices/{device}/dictionary/"
    missing = rest_get(lab, path, "vis-admin")
    assert (missing.status_code, missing.json()) == (
        400,
        {"detail": f"Device '{device}' does not have a configuration"},
    )
    dictionary = f"{{% extends '{TEMPLATE}.jinja2' %}}\n"
    stored = rest_call(lab, "POST", path, "vis-admin", json={"dictionary": dictionary})
    assert stored.json() == {"message": "device config successfully updated"}
    exported = proxy_as(lab, "vis-admin").scheduler.devices.get_dictionary(device)
    assert exported == xmlrpc.client.Binary(dictionary.encode())

    raw = rest_get(lab, path)
    assert raw.status_code == 200 and raw.text == dictionary
    assert raw.headers["content-type"] == "text/plain"
    assert raw.headers["content-disposition"] == f"attachment; filename={device}.jinja2"
    rendered = rest_get(lab, path, render="1", context="extra: usb")
    assert rendered.headers["content-type"] == "application/yaml"
    assert rendered.headers["content-disposition"] == f"attachment; filename={device}.yaml"
    assert yaml.safe_load(rendered.text) == {"name": device, "extra": "usb"}
    bad = rest_get(lab, path, render="1", context="extra: [unclosed")
    assert bad.status_code == 400
    assert bad.json()["detail"].startswith("Job Context 'extra: [unclosed' is not valid: ")


def test_dictionary_writes_are_checked(lab, device):
    path = f"devices/{device}/dictionary/"
    empty = rest_call(lab, "POST", path, "vis-admin", json={})
    assert (empty.status_code, empty.json()) == (400, {"dictionary": ["This field is required."]})
    refused = rest_call(lab, "POST", path, WRITER, json={"dictionary": "x: 1\n"})
    assert refused.status_code == 403
    assert shown(lab, device)["has_device_dict"] is False


def test_validate_reads_plain_text_and_needs_add_device(lab, inventory):
    def post(viewer, content, media_type="text/plain"):
        headers = {"Content-Type": media_type}
        return rest_call(lab, "POST", "devices/validate/", viewer, content=content, headers=headers)

    assert post(WRITER, VALID_CONFIGURATION).json() == {"message": "Device dictionary valid."}
    invalid = post("vis-admin", "actions: {}\n").json()["message"]
    assert invalid == "Device dictionary invalid: required key not provided @ data['constants']"
    assert post("vis-admin", "").json() == {"device": "Device dictionary is required."}
    assert post(None, VALID_CONFIGURATION).status_code == 403
    assert post("vis-member", VALID_CONFIGURATION).status_code == 403
    assert post("vis-admin", "{}", "application/json").status_code == 415
    options = rest_call(lab, "OPTIONS", "devices/validate/")
    assert options.json()["parses"] == ["text/plain"]


def test_superusers_create_update_and_delete(lab, inventory):
    hostname = f"{PREFIX}-made-{next(_numbers)}"
    body = {
        "hostname": hostname,
        "device_type": TYPE,
        "worker_host": WORKER,
        "tags": [inventory["usb"]],
        "health": "Maintenance",
        "description": "made over REST",
    }
    created = rest_call(lab, "POST", "devices/", "vis-admin", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["tags"] == [inventory["usb"]]
    over_xmlrpc = shown(lab, hostname)
    assert (over_xmlrpc["health"], over_xmlrpc["worker"]) == ("Maintenance", WORKER)
    assert over_xmlrpc["tags"] == [f"{PREFIX}-usb"]

    changed = rest_call(
        lab, "PUT", f"devices/{hostname}/", "vis-admin", json={"description": "changed"}
    )
    assert changed.status_code == 200 and changed.json()["description"] == "changed"
    assert changed.json()["health"] == "Maintenance"  # PUT is partial (LAVA master)
    patched = rest_call(
        lab, "PATCH", f"devices/{hostname}/", "vis-admin", json={"health": "Good", "tags": []}
    )
    assert patched.json()["tags"] == []
    assert shown(lab, hostname)["health"] == "Good" and shown(lab, hostname)["tags"] == []

    deleted = rest_call(lab, "DELETE", f"devices/{hostname}/", "vis-admin")
    assert deleted.status_code == 204 and deleted.content == b""
    assert hostname not in {
        d["hostname"] for d in proxy_as(lab, "vis-admin").scheduler.devices.list(True)
    }


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"hostname": ["This field is required."], "device_type": ["This field is required."]}),
        (
            {"hostname": "x", "device_type": "no-such-type"},
            {"device_type": ['Invalid pk "no-such-type" - object does not exist.']},
        ),
        (
            {"hostname": "x", "device_type": TYPE, "tags": "kvm"},
            {"tags": ['Expected a list of items but got type "str".']},
        ),
        (
            {"hostname": "x", "device_type": TYPE, "tags": [999999]},
            {"tags": ['Invalid pk "999999" - object does not exist.']},
        ),
        (
            {"hostname": "x", "device_type": TYPE, "health": "good"},
            {"health": ['"good" is not a valid choice.']},
        ),
        (
            {"hostname": "x", "device_type": TYPE, "is_synced": "perhaps"},
            {"is_synced": ["Must be a valid boolean."]},
        ),
        (
            {"hostname": "x", "device_type": TYPE, "physical_owner": "bob"},
            {"physical_owner": ["Incorrect type. Expected pk value, received str."]},
        ),
        (
            {"hostname": "vis-public-01", "device_type": TYPE},
            {"hostname": ["device with this Hostname already exists."]},
        ),
    ],
)
def test_bad_writes_are_400s_in_drfs_shape(lab, inventory, body, errors):
    response = rest_call(lab, "POST", "devices/", "vis-admin", json=body)
    assert (response.status_code, response.json()) == (400, errors)


@pytest.mark.parametrize(
    ("method", "viewer", "status"),
    [("POST", None, 403), ("POST", "vis-member", 403), ("DELETE", WRITER, 403)],
)
def test_only_superusers_write_devices(lab, device, method, viewer, status):
    path = "devices/" if method == "POST" else f"devices/{device}/"
    response = rest_call(lab, method, path, viewer, json={"hostname": "nope", "device_type": TYPE})
    assert response.status_code == status
    assert shown(lab, device)["hostname"] == device


def test_filters_and_ordering(lab, inventory, device):
    proxy_as(lab, "vis-admin").scheduler.devices.tags.add(device, f"{PREFIX}-kvm")

    def hostnames(**params):
        response = rest_get(lab, "devices/", "vis-admin", limit="100000", **params)
        assert response.status_code == 200, response.text
        return [d["hostname"] for d in response.json()["results"]]

    tagged = rest_get(lab, "devices/", "vis-admin", tags=str(inventory["kvm"])).json()["results"]
    assert device in {d["hostname"] for d in tagged}
    assert all(inventory["kvm"] in d["tags"] for d in tagged)
    assert device in hostnames(worker_host=WORKER, health="good")
    assert device not in hostnames(**{"hostname!": device})
    assert hostnames(device_type=TYPE, ordering="-hostname") == sorted(
        hostnames(device_type=TYPE), reverse=True
    )
    bad = rest_get(lab, "devices/", "vis-admin", health="Sleepy")
    assert bad.status_code == 400 and list(bad.json()) == ["health"]


@pytest.mark.parametrize(
    "body",
    [
        [],
        "text",
        {"hostname": "a\x00b", "device_type": "t\x00"},
        {"hostname": "x", "device_type": TYPE, "physical_owner": 2**40},
        {"hostname": "x", "device_type": TYPE, "tags": [2**40, "a"]},
        {"hostname": ["x"], "device_type": {"a": 1}, "worker_host": "\x00"},
    ],
)
def test_malformed_writes_are_400s_never_500s(lab, inventory, device, body):
    for method, path in (("POST", "devices/"), ("PATCH", f"devices/{device}/")):
        response = rest_call(lab, method, path, "vis-admin", json=body)
        assert response.status_code == 400, response.text
    assert shown(lab, device)["hostname"] == device


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("devices/", "GET, POST, HEAD, OPTIONS"),
        ("devices/{}/", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"),
        ("devices/validate/", "POST, HEAD, OPTIONS"),
        ("devices/{}/dictionary/", "GET, POST, HEAD, OPTIONS"),
        ("devices/{}/set_health/", "POST, HEAD, OPTIONS"),
    ],
)
def test_routes_answer_their_methods_only(lab, device, path, allow):
    assert allowed_methods(lab, path.format(device)) == allow
    if "GET" not in allow:
        refused = rest_get(lab, path.format(device))
        assert (refused.status_code, refused.json()) == (
            405,
            {"detail": 'Method "GET" not allowed.'},
        )
