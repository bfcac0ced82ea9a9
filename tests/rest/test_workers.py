"""workers/: LAVA's fields (never the token), visibility, writes, env and config files,
and master's set_health, each write checked through the XML-RPC door."""

from __future__ import annotations

import itertools
import xmlrpc.client

import pytest
import sqlalchemy
from sqlalchemy.orm import Session

from gql_server.db.models import Group, GroupWorkerPermission
from tests.conftest import make_token
from tests.support.rest import allowed_methods, rest_call, rest_get
from tests.support.scenario import _permission
from tests.support.xmlrpc import cli, proxy_as

PREFIX = "rest-workers"
ADDER = f"{PREFIX}-adder"  # holds the global add_worker permission only
FIELDS = ["hostname", "health", "state", "description", "last_ping", "job_limit", "version"]
INSUFFICIENT = "Insufficient permissions. Please contact system administrator."
_numbers = itertools.count()


@pytest.fixture(scope="module")
def adder(lab) -> str:
    cli(lab, "users", "add", ADDER)
    proxy_as(lab, "vis-admin").auth.users.perms.add(
        ADDER, "lava_scheduler_app", "worker", "add_worker"
    )
    lab.tokens.setdefault(ADDER, make_token(lab.database_url, ADDER))
    return ADDER


@pytest.fixture
def worker(lab) -> str:
    """A new worker with a Good device on it."""
    hostname = f"{PREFIX}-{next(_numbers):02d}"
    admin = proxy_as(lab, "vis-admin")
    admin.scheduler.workers.add(hostname, "a worker")
    admin.scheduler.devices.add(
        f"{hostname}-dev", "vis-public-type", hostname, None, None, True, "GOOD"
    )
    return hostname


@pytest.fixture(scope="module")
def hidden_worker(lab) -> str:
    """A worker only the group vis-team (vis-member's) may see."""
    hostname = f"{PREFIX}-hidden"
    admin = proxy_as(lab, "vis-admin")
    admin.scheduler.workers.add(hostname)
    engine = sqlalchemy.create_engine(lab.sync_url)
    with Session(engine) as session:
        team = session.scalars(sqlalchemy.select(Group).where(Group.name == "vis-team")).one()
        session.add(
            GroupWorkerPermission(
                permission_id=_permission(session, "view_worker", "worker").id,
                group_id=team.id,
                worker_id=hostname,
            )
        )
        session.commit()
    engine.dispose()
    admin.scheduler.workers.set_env(hostname, "a: 1")  # a write through the server: grants reloaded
    return hostname


def test_workers_carry_lavas_fields_and_no_token(lab, worker):
    for viewer in (None, "vis-admin"):
        response = rest_get(lab, f"workers/{worker}/", viewer)
        assert response.status_code == 200
        shown = response.json()
        assert list(shown) == FIELDS
        assert (shown["health"], shown["state"], shown["description"]) == (
            "Active",
            "Offline",
            "a worker",
        )
        assert shown["last_ping"].endswith("Z") and shown["job_limit"] == 0
    listed = rest_get(lab, "workers/", "vis-admin", limit="1000").json()["results"]
    assert all(list(item) == FIELDS for item in listed)
    assert worker in {item["hostname"] for item in listed}


def test_only_visible_workers(lab, hidden_worker):
    def hostnames(viewer):
        results = rest_get(lab, "workers/", viewer, limit="1000").json()["results"]
        return {item["hostname"] for item in results}

    assert hidden_worker not in hostnames(None) | hostnames("vis-outsider")
    assert hidden_worker in hostnames("vis-member") & hostnames("vis-admin")
    for path in ("", "env/", "config/"):
        hidden = rest_get(lab, f"workers/{hidden_worker}/{path}", "vis-outsider")
        assert (hidden.status_code, hidden.json()) == (404, {"detail": "Not found."})
    assert rest_get(lab, f"workers/{hidden_worker}/env/", "vis-member").text == "a: 1"


def test_filters_and_ordering(lab, worker):
    found = rest_get(lab, "workers/", hostname__startswith=worker).json()["results"]
    assert [item["hostname"] for item in found] == [worker]
    active = rest_get(lab, "workers/", health="Active", limit="1000").json()["results"]
    assert worker in {item["hostname"] for item in active}
    ordered = rest_get(lab, "workers/", ordering="-hostname", limit="1000").json()["results"]
    names = [item["hostname"] for item in ordered]
    assert names == sorted(names, reverse=True)


@pytest.mark.parametrize(
    ("path", "field", "filename", "label", "getter"),
    [
        ("env", "env", "env.yaml", "env", "get_env"),
        ("config", "config", "dispatcher.yaml", "dispatcher", "get_config"),
    ],
)
def test_env_and_config(lab, worker, path, field, filename, label, getter):
    url = f"workers/{worker}/{path}/"
    missing = rest_get(lab, url)
    assert (missing.status_code, missing.json()) == (
        400,
        {"detail": f"Worker '{worker}' does not have '{label}' file"},
    )
    assert rest_call(lab, "POST", url, "vis-member", json={field: "a: 2\n"}).status_code == 403
    required = rest_call(lab, "POST", url, "vis-admin", json={})
    assert (required.status_code, required.json()) == (400, {field: ["This field is required."]})

    stored = rest_call(lab, "POST", url, "vis-admin", json={field: "a: 2\n"})
    assert (stored.status_code, stored.json()) == (200, {"message": "content successfully updated"})
    over_xmlrpc = getattr(proxy_as(lab, "vis-admin").scheduler.workers, getter)(worker)
    assert over_xmlrpc == xmlrpc.client.Binary(b"a: 2\n")
    read = rest_get(lab, url)
    assert read.text == "a: 2\n" and read.headers["content-type"] == "application/yaml"
    assert read.headers["content-disposition"] == f"attachment; filename={filename}"


def test_set_health_moves_devices_as_xmlrpc_shows(lab, worker):
    response = rest_call(
        lab,
        "POST",
        f"workers/{worker}/set_health/",
        "vis-admin",
        json={"health": "retired", "reason": "old"},
    )
    assert (response.status_code, response.json()) == (202, {"message": "OK"})
    admin = proxy_as(lab, "vis-admin")
    assert admin.scheduler.workers.show(worker)["health"] == "Retired"
    assert admin.scheduler.devices.show(f"{worker}-dev")["health"] == "Retired"


@pytest.mark.parametrize(
    ("viewer", "body", "status", "answer"),
    [
        (
            None,
            {"health": "Active"},
            403,
            {"detail": "Authentication credentials were not provided."},
        ),
        (
            "vis-member",
            {"health": "Active"},
            403,
            {"detail": "You do not have permission to perform this action."},
        ),
        (ADDER, {"health": "Maintenance"}, 403, {"detail": INSUFFICIENT}),
        ("vis-admin", {"health": "Asleep"}, 400, {"message": "Wrong worker health Asleep"}),
    ],
)
def test_set_health_refusals(lab, adder, worker, viewer, body, status, answer):
    response = rest_call(lab, "POST", f"workers/{worker}/set_health/", viewer, json=body)
    assert (response.status_code, response.json()) == (status, answer)
    assert proxy_as(lab, "vis-admin").scheduler.workers.show(worker)["health"] == "Active"


def test_create_update_and_delete(lab):
    hostname = f"{PREFIX}-made-{next(_numbers)}"
    body = {"hostname": hostname, "description": "made over REST", "job_limit": 2}
    created = rest_call(lab, "POST", "workers/", "vis-admin", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["job_limit"] == 2 and "token" not in created.json()
    admin = proxy_as(lab, "vis-admin")
    assert admin.scheduler.workers.show(hostname)["description"] == "made over REST"
    taken = rest_call(lab, "POST", "workers/", "vis-admin", json=body)
    assert taken.json() == {"hostname": ["worker with this Hostname already exists."]}

    patched = rest_call(
        lab, "PUT", f"workers/{hostname}/", "vis-admin", json={"health": "Maintenance"}
    )
    assert patched.json()["health"] == "Maintenance"
    assert patched.json()["description"] == "made over REST"
    assert admin.scheduler.workers.show(hostname)["health"] == "Maintenance"
    bad = rest_call(lab, "PATCH", f"workers/{hostname}/", "vis-admin", json={"job_limit": -1})
    assert (bad.status_code, bad.json()) == (
        400,
        {"job_limit": ["Ensure this value is greater than or equal to 0."]},
    )
    assert rest_call(lab, "DELETE", f"workers/{hostname}/", "vis-member").status_code == 403
    assert rest_call(lab, "DELETE", f"workers/{hostname}/", "vis-admin").status_code == 204
    assert hostname not in admin.scheduler.workers.list(True)


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("workers/", "GET, POST, HEAD, OPTIONS"),
        ("workers/{}/", "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"),
        ("workers/{}/env/", "GET, POST, HEAD, OPTIONS"),
        ("workers/{}/config/", "GET, POST, HEAD, OPTIONS"),
        ("workers/{}/set_health/", "POST, HEAD, OPTIONS"),
    ],
)
def test_routes_answer_their_methods_only(lab, worker, path, allow):
    assert allowed_methods(lab, path.format(worker)) == allow


def test_names_with_dots_and_spaces_are_looked_up(lab):
    hostname = f"{PREFIX} odd.name"
    proxy_as(lab, "vis-admin").scheduler.workers.add(hostname)
    assert rest_get(lab, f"workers/{hostname}/").json()["hostname"] == hostname
