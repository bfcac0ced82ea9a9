"""``/api/help/``: every method with its call form and help text, readable in a browser."""

from __future__ import annotations

import html
import inspect
from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import HTMLResponse

from xmlrpc_compat.methods import Method

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>XML-RPC API: gql-server</title>
<style>body{{font-family:sans-serif;max-width:60rem;margin:auto;padding:1rem}}
pre{{white-space:pre-wrap;background:#f4f4f4;padding:.5rem}}</style></head>
<body><h1>XML-RPC API</h1>
<p>Call these methods at <code>/RPC2</code> with any XML-RPC client, authenticating as
<code>http://USERNAME:TOKEN@HOST/RPC2</code>. {count} methods.</p>
<ul>{index}</ul>
{sections}
</body></html>
"""


def call_form(method: Method) -> str:
    """``name(a, b=0)``: the method's positional parameters and their defaults."""
    parameters = list(inspect.signature(method.function).parameters.values())[1:]
    shown = [
        p.name if p.default is inspect.Parameter.empty else f"{p.name}={p.default!r}"
        for p in parameters
    ]
    return f"{method.name}({', '.join(shown)})"


def render(catalogue: Mapping[str, Method]) -> str:
    """The help page for ``catalogue``."""
    names = sorted(catalogue)
    index = "".join(f'<li><a href="#{n}">{html.escape(n)}</a></li>' for n in names)
    sections = "".join(
        f'<section id="{name}"><h2>{html.escape(call_form(catalogue[name]))}</h2>'
        f"<pre>{html.escape(catalogue[name].help)}</pre></section>"
        for name in names
    )
    return PAGE.format(count=len(names), index=index, sections=sections)


def help_endpoint(catalogue: Mapping[str, Method]):
    """A Starlette endpoint serving the help page of ``catalogue`` (rendered once)."""
    page = render(catalogue)

    async def api_help(_request: Request) -> HTMLResponse:
        return HTMLResponse(page)

    return api_help
