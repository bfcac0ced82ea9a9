"""system/, system/version/ and system/whoami/."""

from __future__ import annotations

from gql_server.lab.legacy import LAVA_API_LEVEL
from tests.support.rest import rest_get
from tests.support.xmlrpc import proxy_as


def test_version_is_the_implemented_lava_release(lab):
    response = rest_get(lab, "system/version/")
    assert response.status_code == 200
    assert response.content == b'{"version":"%s"}' % LAVA_API_LEVEL.encode()


def test_whoami_names_the_caller(lab):
    assert rest_get(lab, "system/whoami/", "vis-admin").json() == {"user": "vis-admin"}
    assert rest_get(lab, "system/whoami/").json() == {"user": ""}


def test_system_root_is_empty(lab):
    response = rest_get(lab, "system/")
    assert response.status_code == 200
    assert response.content == b""
    assert "content-type" not in response.headers


def test_master_config_shows_the_event_settings_xmlrpc_shows(lab):
    response = rest_get(lab, "system/master_config/")
    assert response.status_code == 200
    config = response.json()
    assert list(config) == ["EVENT_TOPIC", "EVENT_SOCKET", "EVENT_NOTIFICATION", "LOG_SIZE_LIMIT"]
    assert config["EVENT_SOCKET"] == lab.server.event_socket
    assert config == proxy_as(lab).system.master_config()
