"""devicetypes/: device types, their templates and health checks."""

from __future__ import annotations

from gql_server.rest.routing import Endpoint

ENDPOINTS: list[Endpoint] = []
