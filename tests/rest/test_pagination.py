"""LAVA's limit/offset pages on jobs/: envelope, links, and fallbacks for bad values."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from tests.support.rest import rest_get


def query(link: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(link).query)


def test_default_page_holds_50_with_a_next_link(lab):
    body = rest_get(lab, "jobs/", "vis-admin").json()
    assert list(body) == ["count", "next", "previous", "results"]
    assert body["count"] >= 400
    assert len(body["results"]) == 50
    assert body["next"] == f"{lab.server.base_url}/api/v0.2/jobs/?limit=50&offset=50"
    assert body["previous"] is None


def test_links_are_sorted_by_parameter_name_and_keep_other_parameters(lab):
    body = rest_get(lab, "jobs/", "vis-admin", state="Finished", limit="3", zzz="1").json()
    assert query(body["next"]) == [
        ("limit", "3"),
        ("offset", "3"),
        ("state", "Finished"),
        ("zzz", "1"),
    ]
    later = rest_get(lab, "jobs/", "vis-admin", limit="5", offset="100").json()
    assert query(later["previous"]) == [("limit", "5"), ("offset", "95")]
    near = rest_get(lab, "jobs/", "vis-admin", limit="5", offset="3").json()
    assert query(near["previous"]) == [("limit", "5")]


def test_pages_follow_on_without_overlap(lab):
    first = rest_get(lab, "jobs/", "vis-admin", limit="7").json()
    second = rest_get(lab, "jobs/", "vis-admin", limit="7", offset="7").json()
    ids = [job["id"] for job in first["results"] + second["results"]]
    assert len(set(ids)) == 14
    assert ids == sorted(ids, reverse=True)


def test_bad_limit_and_offset_fall_back(lab):
    for limit in ("abc", "0", "-3"):
        body = rest_get(lab, "jobs/", "vis-admin", limit=limit, offset="x").json()
        assert len(body["results"]) == 50 and body["previous"] is None


def test_an_offset_past_the_end_is_an_empty_page(lab):
    body = rest_get(lab, "jobs/", "vis-admin", offset="100000").json()
    assert body["results"] == [] and body["next"] is None
    assert query(body["previous"]) == [("limit", "50"), ("offset", "99950")]
