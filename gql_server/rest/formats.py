"""Which renderer answers a request (JSON or DRF's browsable HTML API), and the HTML one.

DRF picks it from a format suffix (``jobs.json``), the ``format`` query parameter, or the
``Accept`` header, in that order; an unknown format is a 404.
"""

from __future__ import annotations

import html
import json
import re

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from gql_server.rest.errors import NOT_FOUND, detail

FORMATS = ("json", "api")
_URL = re.compile(r"(&quot;)(https?://[^&\s]+)(&quot;)")

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title} - gql-server REST API</title>
<style>body{{font-family:sans-serif;margin:2em}}pre{{background:#f5f5f5;padding:1em;
overflow:auto}}.meta{{color:#555}}</style></head>
<body><h1>{title}</h1><p>{description}</p>
<pre class="meta"><b>{method} {path}</b>

HTTP {status}
{headers}</pre>
<pre>{body}</pre>
<p class="meta">Formats: <a href="?format=json">json</a> · <a href="?format=api">api</a></p>
</body></html>
"""


def requested_format(request: Request, suffix: str | None) -> str:
    """``json`` or ``api``; RestError 404 for a format this API does not render."""
    chosen = suffix or request.query_params.get("format")
    if chosen is None:
        accept = request.headers.get("accept", "")
        return "api" if "text/html" in accept else "json"
    if chosen not in FORMATS:
        raise detail(404, NOT_FOUND)
    return chosen


def browsable(request: Request, response: Response, title: str, description: str) -> Response:
    """A JSON answer shown as the browsable API's HTML page; other answers unchanged."""
    if response.media_type != "application/json" or not response.body:
        return response
    pretty = json.dumps(json.loads(response.body), indent=4, ensure_ascii=False)
    linked = _URL.sub(r'\1<a href="\2">\2</a>\3', html.escape(pretty))
    shown = ("Allow", "Content-Type", "Vary")
    headers = "\n".join(
        f"{name}: {html.escape(response.headers[name])}"
        for name in shown
        if name.lower() in response.headers
    )
    page = _PAGE.format(
        title=html.escape(title),
        description=html.escape(description),
        method=request.method,
        path=html.escape(request.url.path),
        status=response.status_code,
        headers=headers,
        body=linked,
    )
    headers = {"Allow": response.headers.get("allow", ""), "Vary": "Accept, Cookie"}
    return HTMLResponse(page, response.status_code, headers=headers)
