"""What a caller does to jobs: validate, resubmit, cancel, batch cancel."""

from __future__ import annotations

from gql_server.rest.routing import Endpoint

ENDPOINTS: list[Endpoint] = []
