"""Ceiling: a plain Starlette endpoint that answers every POST (or GET) with the same bytes.

No GraphQL, no XML-RPC and no database: the body (gql-server's own answer to the
benchmark request) is read once at start-up. It measures what uvicorn and Starlette cost
on this machine.

    python bench/ceiling_starlette.py --body RESPONSE.json --port 8002 [--path /RPC2] [--method GET]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def create_app(
    body: bytes, path: str = "/graphql", media_type: str = "application/json", method: str = "POST"
) -> Starlette:
    """An app answering ``method`` ``path`` with ``body``."""

    async def answer(request: Request) -> Response:
        await request.body()
        return Response(body, media_type=media_type)

    return Starlette(routes=[Route(path, answer, methods=[method])])


def main() -> None:
    """Serve the given response body on 127.0.0.1."""
    parser = argparse.ArgumentParser(description="A plain Starlette ceiling.")
    parser.add_argument("--body", required=True, type=Path, help="the JSON response to send")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/graphql", help="where to answer")
    parser.add_argument("--media-type", default="application/json")
    parser.add_argument("--method", default="POST", choices=["POST", "GET"])
    args = parser.parse_args()
    app = create_app(args.body.read_bytes(), args.path, args.media_type, args.method)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
