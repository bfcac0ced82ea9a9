"""Ceiling: a plain Starlette endpoint that answers every POST with the same bytes.

No GraphQL and no database: the body (gql-server's own answer to the benchmark query)
is read once at start-up. It measures what uvicorn and Starlette cost on this machine.

    python bench/ceiling_starlette.py --body RESPONSE.json --port 8002
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def create_app(body: bytes) -> Starlette:
    """An app answering POST /graphql with ``body`` as JSON."""

    async def graphql(request: Request) -> Response:
        await request.body()
        return Response(body, media_type="application/json")

    return Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])


def main() -> None:
    """Serve the given response body on 127.0.0.1."""
    parser = argparse.ArgumentParser(description="A plain Starlette ceiling.")
    parser.add_argument("--body", required=True, type=Path, help="the JSON response to send")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app(args.body.read_bytes())
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
