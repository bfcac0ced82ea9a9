"""system.*: identity, version, introspection and multicall, as lavacli reads them."""

from __future__ import annotations

import xmlrpc.client

import pytest

from tests.support.server import xmlrpc_proxy


@pytest.fixture
def admin(lab):
    return xmlrpc_proxy(lab.server.base_url, "vis-admin", lab.tokens["vis-admin"])


def test_version_whoami_and_api_version(lab, admin):
    anonymous = xmlrpc_proxy(lab.server.base_url)
    assert anonymous.system.whoami() is None
    assert admin.system.whoami() == "vis-admin"
    version = admin.system.version()
    assert isinstance(version, str) and version[:4].isdigit() and version[4] == "."
    assert admin.system.api_version() == 2


def test_introspection(lab, admin):
    methods = admin.system.listMethods()
    assert methods == sorted(methods) and "scheduler.jobs.submit" in methods
    assert xmlrpc_proxy(lab.server.base_url).system.listMethods() == methods
    for name in methods:
        assert admin.system.methodHelp(name), name
    assert admin.system.methodHelp("scheduler.jobs.show").startswith("Name\n----\n")
    assert admin.system.methodHelp("no.such") == ""
    assert admin.system.methodSignature("system.methodHelp") == ["str", "str"]
    assert admin.system.methodSignature("system.multicall") == ["array", "array"]
    assert admin.system.methodSignature("scheduler.jobs.show") == "undef"
    assert admin.system.methodSignature("no.such") == ""
    capabilities = admin.system.getCapabilities()
    assert set(capabilities) == {"introspect", "faults_interop", "auth_token"}


def test_multicall_answers_each_call_in_place(lab, admin):
    answers = admin.system.multicall(
        [
            {"methodName": "system.whoami", "params": []},
            {"methodName": "scheduler.jobs.show", "params": [99999999]},
            {"methodName": "system.version"},
            "not a struct",
            {"methodName": 7, "params": []},
            {"methodName": "system.whoami", "params": [], "extra": 1},
            {
                "methodName": "system.multicall",
                "params": [[{"methodName": "system.whoami", "params": []}]],
            },
        ]
    )
    assert answers[0] == ["vis-admin"]
    assert answers[1] == {"faultCode": 404, "faultString": "Job '99999999' was not found."}
    assert answers[2] == {
        "faultCode": -32602,
        "faultString": "system.multicall params not specified",
    }
    assert answers[3] == {"faultCode": -32602, "faultString": "system.multicall expected struct"}
    assert answers[4]["faultString"] == "system.multicall methodName must be a string"
    assert answers[5]["faultString"] == "system.multicall specified additional arguments ['extra']"
    assert answers[6] == [[["vis-admin"]]]
    with pytest.raises(xmlrpc.client.Fault) as raised:
        admin.system.multicall("nope")
    assert raised.value.faultCode == -32602


def test_event_socket_and_master_config(lab, admin):
    assert admin.scheduler.get_publisher_event_socket() == lab.server.event_socket
    config = admin.system.master_config()
    assert config["EVENT_SOCKET"] == lab.server.event_socket
    assert config["EVENT_TOPIC"] == "org.lavasoftware"
