"""A job's results and log as files: csv/, yaml/, junit/, tap13/, logs/, metadata/."""

from __future__ import annotations

from gql_server.rest.routing import Endpoint

ENDPOINTS: list[Endpoint] = []
