"""The web door: ``/`` and its assets are served with the right types and headers, the
page refers only to files that exist, and every GraphQL document it sends is valid
against the public schema."""

from __future__ import annotations

import asyncio
import re
from html.parser import HTMLParser
from pathlib import Path

import graphql
import httpx
import pytest
from starlette.applications import Starlette

from gql_server.web import STATIC, routes

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
}
IMPORT = re.compile(r"""^import\s.*?from\s+"(\./[^"]+)";""", re.MULTILINE)
DOCUMENT = re.compile(r"`((?:query|subscription|mutation)\s[^`]*)`")


class _References(HTMLParser):
    """The src and href attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in {"src", "href"} and value]


class _Client:
    """GETs answered by the web door's routes, in process."""

    def __init__(self) -> None:
        self.app = Starlette(routes=routes())

    def get(self, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        async def fetch() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://page") as http:
                answer = await http.get(path, headers=headers)
                await answer.aread()
                return answer

        return asyncio.run(fetch())


@pytest.fixture(scope="module")
def client() -> _Client:
    return _Client()


def assets() -> list[Path]:
    return sorted(path for path in STATIC.iterdir() if path.is_file())


def test_the_page_is_served_at_the_root(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.text == (STATIC / "index.html").read_text()


@pytest.mark.parametrize("path", assets(), ids=lambda path: path.name)
def test_every_asset_is_served_with_its_type(client, path):
    answer = client.get(f"/static/{path.name}")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(CONTENT_TYPES[path.suffix])
    assert answer.headers["cache-control"] == "no-cache"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.content == path.read_bytes()
    again = client.get(f"/static/{path.name}", headers={"If-None-Match": answer.headers["etag"]})
    assert again.status_code == 304


def test_an_unknown_asset_is_not_found(client):
    assert client.get("/static/nothing.js").status_code == 404
    assert client.get("/static/../__init__.py").status_code == 404


def test_the_page_refers_only_to_assets_that_exist(client):
    parser = _References()
    parser.feed((STATIC / "index.html").read_text())
    local = [url for url in parser.urls if url.startswith("/static/")]
    assert {"/static/app.js", "/static/style.css"} <= set(local)
    for url in local:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("path", sorted(STATIC.glob("*.js")), ids=lambda path: path.name)
def test_every_module_import_exists(path):
    for name in IMPORT.findall(path.read_text()):
        assert (STATIC / name).is_file(), f"{path.name} imports missing {name}"


def test_every_graphql_document_of_the_page_is_valid():
    schema = graphql.build_schema(SCHEMA.read_text())
    documents = [
        (path.name, text)
        for path in STATIC.glob("*.js")
        for text in DOCUMENT.findall(path.read_text())
    ]
    assert len(documents) >= 5
    for name, text in documents:
        errors = graphql.validate(schema, graphql.parse(text))
        assert not errors, f"{name}: {errors}"
