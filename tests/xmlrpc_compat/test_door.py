"""/RPC2 as LAVA serves it: redirects, authentication answers, faults for bad bodies,
hardened XML parsing, bounded bodies, and the help page."""

from __future__ import annotations

import base64
import xmlrpc.client

import httpx
import pytest

from tests.support.xmlrpc import xmlrpc_proxy

CALL = (
    b"<?xml version='1.0'?><methodCall><methodName>system.whoami</methodName>"
    b"<params></params></methodCall>"
)


def post(lab, body: bytes, headers: dict | None = None, path: str = "/RPC2") -> httpx.Response:
    return httpx.post(lab.server.base_url + path, content=body, headers=headers or {})


def fault_of(response: httpx.Response) -> tuple[int, str]:
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    with pytest.raises(xmlrpc.client.Fault) as raised:
        xmlrpc.client.loads(response.content)
    return raised.value.faultCode, raised.value.faultString


@pytest.mark.parametrize("path", ["/RPC2", "/RPC2/"])
def test_get_and_empty_post_lead_to_the_help_page(lab, path):
    for response in (httpx.get(lab.server.base_url + path), post(lab, b"", path=path)):
        assert response.status_code == 302
        assert response.headers["location"] == "/api/help/"
    page = httpx.get(lab.server.base_url + "/api/help/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    methods = xmlrpc_proxy(lab.server.base_url).system.listMethods()
    for name in methods:
        assert f'id="{name}"' in page.text
    assert "scheduler.jobs.list(state=None, health=None, start=0, limit=25" in page.text


def test_both_paths_answer_calls(lab):
    for path in ("/RPC2", "/RPC2/"):
        assert xmlrpc.client.loads(post(lab, CALL, path=path).content)[0] == (None,)


def _basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("header", "status", "body"),
    [
        ("Basic", 400, "Invalid HTTP_AUTHORIZATION header"),
        (
            "Bearer abc",
            400,
            "Unsupported HTTP_AUTHORIZATION header, only Basic scheme is supported",
        ),
        ("Basic !!!notb64", 400, "Corrupted HTTP_AUTHORIZATION header, bad base64 encoding"),
        (_basic("admin"), 400, "Corrupted HTTP_AUTHORIZATION header, no user:pass"),
        (_basic("vis-admin:wrong"), 401, "Invalid token"),
    ],
)
def test_bad_credentials_get_lavas_http_answers(lab, header, status, body):
    response = post(lab, CALL, {"Authorization": header})
    assert (response.status_code, response.text) == (status, body)
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    if status == 401:
        assert response.headers["www-authenticate"] == 'Basic realm="XML-RPC Authentication token"'


def test_a_token_with_another_users_name_is_refused(lab):
    response = post(lab, CALL, {"Authorization": _basic(f"vis-member:{lab.tokens['vis-admin']}")})
    assert (response.status_code, response.text) == (401, "Invalid token")


def test_credentials_in_the_url_and_the_token_scheme_authenticate(lab):
    secret = lab.tokens["vis-member"]
    assert xmlrpc_proxy(lab.server.base_url, "vis-member", secret).system.whoami() == "vis-member"
    response = post(lab, CALL, {"Authorization": f"Token {secret}"})
    assert xmlrpc.client.loads(response.content)[0] == ("vis-member",)
    assert secret not in lab.server.log_path.read_text()


@pytest.mark.parametrize(
    "body",
    [
        b"<not xml",
        b"<?xml version='1.0'?><methodCall><params></params></methodCall>",
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'><!ENTITY b '&a;&a;&a;&a;'>]>"
        b"<methodCall><methodName>&b;</methodName></methodCall>",
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
        b"<methodCall><methodName>&e;</methodName></methodCall>",
        b"\xff\xfe\x00garbage",
    ],
    ids=["not-xml", "no-method-name", "entity-expansion", "external-entity", "binary"],
)
def test_undecodable_bodies_get_a_fault(lab, body):
    assert fault_of(post(lab, body)) == (-32603, "Unable to decode request")


def test_a_body_over_the_bound_gets_a_fault(lab):
    filler = b"<value><string>" + b"x" * 1_100_000 + b"</string></value>"
    code, text = fault_of(post(lab, b"<methodCall><params><param>" + filler + b"</param>"))
    assert code == -32600 and "too large" in text


def test_unknown_methods_and_wrong_argument_counts(lab):
    proxy = xmlrpc_proxy(lab.server.base_url)
    calls = [
        (
            lambda: proxy.scheduler.no_such_method(),
            -32601,
            "No such method: 'scheduler.no_such_method'",
        ),
        (lambda: proxy.system._private(), -32601, "No such method: 'system._private'"),
        (
            lambda: proxy.scheduler.jobs.show(),
            -32603,
            "Internal Server Error (contact server administrator for details):"
            " SchedulerJobsAPI.show() missing 1 required positional argument: 'job_id'",
        ),
        (
            lambda: proxy.system.version(1, 2),
            -32603,
            "Internal Server Error (contact server administrator for details):"
            " LavaSystemAPI.version() takes 1 positional argument but 3 were given",
        ),
    ]
    for run, code, text in calls:
        with pytest.raises(xmlrpc.client.Fault) as raised:
            run()
        assert (raised.value.faultCode, raised.value.faultString) == (code, text)
    assert proxy.close() is None  # LAVA master answers nil to a method named "close"
