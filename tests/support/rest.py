"""Calls to the REST door of the lab's live server."""

from __future__ import annotations

import httpx

API = "/api/v0.2/"


def auth_headers(lab, viewer: str | None) -> dict[str, str]:
    """The ``Token`` header of a scenario user; none for anonymous (None)."""
    return {"Authorization": f"Token {lab.tokens[viewer]}"} if viewer else {}


def rest_get(lab, path: str, viewer: str | None = None, **params) -> httpx.Response:
    """``GET /api/v0.2/<path>`` as ``viewer`` (a scenario user; None for anonymous)."""
    return httpx.get(
        lab.server.base_url + API + path, params=params, headers=auth_headers(lab, viewer)
    )


def rest_call(lab, method: str, path: str, viewer: str | None = None, **kwargs) -> httpx.Response:
    """Any method on ``/api/v0.2/<path>`` as ``viewer``; ``kwargs`` go to httpx
    (``json=``, ``data=``, ``content=``, ``params=``, ``headers=``)."""
    headers = {**auth_headers(lab, viewer), **kwargs.pop("headers", {})}
    return httpx.request(
        method, lab.server.base_url + API + path, headers=headers, timeout=60, **kwargs
    )


def submitted_id(lab, viewer: str, definition: str) -> int:
    """The id of the job ``viewer`` submits with ``POST jobs/`` (which must answer 201)."""
    response = rest_call(lab, "POST", "jobs/", viewer, json={"definition": definition})
    assert response.status_code == 201, response.text
    return response.json()["job_ids"][0]


def allowed_methods(lab, path: str) -> str:
    """The ``Allow`` header of an anonymous ``OPTIONS /api/v0.2/<path>``, which must
    answer 200."""
    options = rest_call(lab, "OPTIONS", path)
    assert options.status_code == 200, (path, options.status_code)
    return options.headers["allow"]
