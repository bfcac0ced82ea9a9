"""/api/v0.2/ as LAVA routes it: the root, trailing slashes, 404 and 405."""

from __future__ import annotations

import httpx
import pytest

from tests.support.definitions import SINGLE, usable_device_type
from tests.support.rest import rest_call, rest_get

ROOT_KEYS = [
    "aliases",
    "devices",
    "devicetypes",
    "jobs",
    "permissions/devicetypes",
    "permissions/devices",
    "system",
    "tags",
    "workers",
    "remote-artifact-tokens",
    "groups",
    "users",
]


def test_root_lists_top_level_routes_with_absolute_urls(lab):
    response = rest_get(lab, "")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["allow"] == "GET, HEAD, OPTIONS"
    body = response.json()
    assert list(body) == ROOT_KEYS
    assert body["jobs"] == f"{lab.server.base_url}/api/v0.2/jobs/"
    assert httpx.get(body["jobs"]).status_code == 200


def test_paths_without_trailing_slash_are_redirected_permanently(lab):
    base = lab.server.base_url
    for path, target in [
        ("/api/v0.2", "/api/v0.2/"),
        ("/api/v0.2/jobs?limit=2", "/api/v0.2/jobs/?limit=2"),
        ("/api/v0.2/system/version", "/api/v0.2/system/version/"),
    ]:
        response = httpx.get(base + path)
        assert response.status_code == 301
        assert response.headers["location"].endswith(target)


def test_unknown_routes_are_an_html_404(lab):
    for path in ("nosuch/", "nosuch", "jobs/1/nosuch/"):
        response = rest_get(lab, path)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")


def test_writes_to_read_routes_are_405_with_a_detail(lab):
    response = httpx.delete(lab.server.base_url + "/api/v0.2/system/version/")
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "DELETE" not allowed.'}


def test_head_has_the_headers_of_get_and_no_body(lab):
    url = lab.server.base_url + "/api/v0.2/jobs/?limit=2"
    got, head = httpx.get(url), httpx.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == got.headers["content-length"] != "0"
    assert head.headers["allow"] == "GET, POST, HEAD, OPTIONS"


def test_options_describes_the_route(lab):
    response = httpx.options(lab.server.base_url + "/api/v0.2/jobs/")
    assert response.status_code == 200
    assert response.json() == {
        "name": "Test Job List",
        "description": "",
        "renders": ["application/json", "text/html"],
        "parses": ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"],
    }


def test_format_suffix_and_parameter_choose_the_renderer(lab):
    base = lab.server.base_url + "/api/v0.2/"
    plain = httpx.get(base + "system/version/").json()
    assert httpx.get(base + "system/version.json").json() == plain
    assert httpx.get(base + "system/version/", params={"format": "json"}).json() == plain
    assert httpx.get(base + "jobs.json", params={"limit": "1"}).json()["count"] > 0
    unknown = httpx.get(base + "system/version/", params={"format": "xml"})
    assert unknown.status_code == 404 and unknown.json() == {"detail": "Not found."}


def test_browsable_api_shows_the_json_as_html(lab):
    base = lab.server.base_url + "/api/v0.2/"
    for response in (
        httpx.get(base, headers={"Accept": "text/html"}),
        httpx.get(base, params={"format": "api"}),
        httpx.get(base + ".api"),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert f'<a href="{base}jobs/">{base}jobs/</a>' in response.text
        assert "Api Root" in response.text


def test_bad_bodies_get_drfs_answers(lab):
    url = lab.server.base_url + "/api/v0.2/jobs/"
    headers = {"Authorization": f"Token {lab.tokens['vis-admin']}"}
    malformed = httpx.post(
        url, content=b"{nope", headers={**headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["detail"].startswith("JSON parse error - ")
    xml = httpx.post(url, content=b"<a/>", headers={**headers, "Content-Type": "text/xml"})
    assert xml.status_code == 415
    assert xml.json() == {"detail": 'Unsupported media type "text/xml" in request.'}
    huge = httpx.post(url, json={"definition": "x" * 2_000_000}, headers=headers)
    assert huge.status_code == 413


def _statements(response: httpx.Response) -> int:
    return int(response.headers["x-sql-statements"])


def test_a_page_costs_the_same_statements_whatever_its_size(lab):
    # The viewer's grants are kept for a second: compare two requests that both found
    # them kept (or both did not), whichever comes first.
    for attempt in range(5):
        small = rest_get(lab, "jobs/", "vis-member", limit="2", nocache=f"s{attempt}")
        large = rest_get(lab, "jobs/", "vis-member", limit="100", nocache=f"l{attempt}")
        if _statements(small) == _statements(large):
            break
    assert len(large.json()["results"]) == 100
    assert _statements(small) == _statements(large) > 0


def test_repeated_reads_are_answered_from_the_cache_until_a_write(lab):
    for _attempt in range(5):  # the cache keeps an answer for a second
        first = rest_get(lab, "jobs/", "vis-owner", limit="3")
        again = rest_get(lab, "jobs/", "vis-owner", limit="3")
        if _statements(again) == 0:
            break
    assert _statements(again) == 0 and again.json() == first.json()
    assert again.headers["allow"] == first.headers["allow"]
    assert again.headers["content-type"] == "application/json"
    device_type = usable_device_type(lab.sync_url)
    definition = SINGLE.format(device_type=device_type, visibility="public")
    made = rest_call(lab, "POST", "jobs/", "vis-owner", json={"definition": definition})
    assert made.status_code == 201
    after = rest_get(lab, "jobs/", "vis-owner", limit="3")
    assert after.json()["count"] == first.json()["count"] + 1
    assert after.json()["results"][0]["id"] == made.json()["job_ids"][0]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("jobs/", {"description": "a\x00b"}),
        ("devices/bad%00name/", {}),
        ("jobs/", {"metadata__build": "\x00"}),
    ],
)
def test_null_characters_are_a_400(lab, path, params):
    response = rest_get(lab, path, "vis-admin", **params)
    assert response.status_code == 400
    assert response.json() == {"detail": "Null characters are not allowed."}


def test_offsets_and_limits_past_any_integer_are_an_empty_page(lab):
    huge = str(2**80)
    response = rest_get(lab, "jobs/", "vis-admin", offset=huge, limit=huge)
    assert response.status_code == 200
    body = response.json()
    assert body["results"] == [] and body["next"] is None and body["count"] > 0
