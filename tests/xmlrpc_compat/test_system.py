"""system.*: identity, version, introspection and multicall, as lavacli reads them."""

from __future__ import annotations

import xmlrpc.client

import pytest

from tests.support.xmlrpc import xmlrpc_proxy


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


def test_user_can_view_jobs_answers_the_real_question(lab, admin):
    scenario = lab.scenario
    jobs = [scenario.public_job, scenario.personal_job, 99999999]
    member = xmlrpc_proxy(lab.server.base_url, "vis-member", lab.tokens["vis-member"])
    assert member.system.user_can_view_jobs(jobs) == {
        str(scenario.public_job): True,
        str(scenario.personal_job): False,
    }
    assert admin.system.user_can_view_jobs(jobs, "vis-owner")[str(scenario.personal_job)] is True
    assert admin.system.user_can_view_jobs(jobs)[str(scenario.personal_job)] is True
    faults = [
        (lambda: xmlrpc_proxy(lab.server.base_url).system.user_can_view_jobs(jobs), 401),
        (lambda: member.system.user_can_view_jobs(jobs, "vis-owner"), 401),
        (lambda: admin.system.user_can_view_jobs(jobs, "nobody-at-all"), 404),
        (lambda: member.system.user_can_view_jobs("nope"), 400),
    ]
    for run, code in faults:
        with pytest.raises(xmlrpc.client.Fault) as raised:
            run()
        assert raised.value.faultCode == code
    assert "query other users" in _fault_text(lambda: member.system.user_can_view_jobs(jobs, "x"))


def _fault_text(run) -> str:
    with pytest.raises(xmlrpc.client.Fault) as raised:
        run()
    return raised.value.faultString


def test_user_can_view_devices_and_submit_to_types(lab, admin):
    outsider = xmlrpc_proxy(lab.server.base_url, "vis-outsider", lab.tokens["vis-outsider"])
    answer = outsider.system.user_can_view_devices(["vis-public-01", "vis-secret-01", "nope"])
    assert answer["vis-secret-type"] == [{"vis-secret-01": {"visible": False}}]
    assert answer["vis-public-type"] == [
        {"vis-public-01": {"is_pipeline": True, "visible": True, "exclusive": True}}
    ]
    assert admin.system.user_can_view_devices(["vis-secret-01"], "vis-secret") == {
        "vis-secret-type": [
            {"vis-secret-01": {"is_pipeline": True, "visible": True, "exclusive": True}}
        ]
    }
    assert admin.system.user_can_submit_to_types(["vis-public-type", "nope"]) == {
        "vis-public-type": True
    }
    assert outsider.system.user_can_submit_to_types(["vis-public-type"]) == {
        "vis-public-type": False
    }
