"""API token secrets: generated once, stored only as SHA-256 digests, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets

SECRET_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
SECRET_LENGTH = 64


def new_secret() -> str:
    """A fresh random token secret, in LAVA's lower-case alphanumeric style."""
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def digest(secret: str) -> str:
    """The SHA-256 hex digest under which a secret is stored."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def matches(secret: str, stored_digest: str) -> bool:
    """Whether ``secret`` hashes to ``stored_digest``, compared in constant time."""
    return hmac.compare_digest(digest(secret), stored_digest)
