"""jobs/<id>/suites/ and jobs/<id>/tests/: a job's suites and test cases."""

from __future__ import annotations

from gql_server.rest.routing import Endpoint

ENDPOINTS: list[Endpoint] = []
