"""permissions/devicetypes/ and permissions/devices/: per-object group grants."""

from __future__ import annotations

from gql_server.rest.routing import Endpoint

ENDPOINTS: list[Endpoint] = []
