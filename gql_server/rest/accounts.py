"""token/, users/, groups/ and remote-artifact-tokens/."""

from __future__ import annotations

from gql_server.rest.routing import Endpoint

ENDPOINTS: list[Endpoint] = []
