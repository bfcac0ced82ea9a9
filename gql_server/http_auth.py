"""Credentials from an HTTP request, the same way on every door.

Accepted: ``Authorization: Token <secret>``, ``Authorization: Bearer <secret>`` and
``Authorization: Basic base64(user:secret)`` (what ``http://user:token@host/`` sends).
Never from a query string.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses


@dataclasses.dataclass(frozen=True)
class Credentials:
    secret: str
    username: str | None = None


class MalformedAuthorization(ValueError):
    """The Authorization header is present but cannot be understood."""


def parse_authorization(header: str | None) -> Credentials | None:
    """Credentials from an Authorization header value, or None when there is none."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    scheme = scheme.lower()
    if scheme in {"token", "bearer"} and value:
        return Credentials(secret=value)
    if scheme == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise MalformedAuthorization("undecodable basic credentials") from exc
        username, separator, secret = decoded.partition(":")
        if not separator or not secret:
            raise MalformedAuthorization("basic credentials without a token")
        return Credentials(secret=secret, username=username)
    raise MalformedAuthorization("unsupported authorization scheme")
