"""Calls to the REST door of the lab's live server."""

from __future__ import annotations

import httpx

API = "/api/v0.2/"


def rest_get(lab, path: str, viewer: str | None = None, **params) -> httpx.Response:
    """``GET /api/v0.2/<path>`` as ``viewer`` (a scenario user; None for anonymous)."""
    headers = {"Authorization": f"Token {lab.tokens[viewer]}"} if viewer else {}
    return httpx.get(lab.server.base_url + API + path, params=params, headers=headers)
