"""User passwords in Django's ``pbkdf2_sha256`` form, so that LAVA's hashes keep working.

A stored password reads ``pbkdf2_sha256$<iterations>$<salt>$<base64 digest>``; one that
starts with ``!`` is unusable (no password login). Other Django hashers are not
supported: their users cannot log in with a password until it is set again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

ALGORITHM = "pbkdf2_sha256"
ITERATIONS = 600_000
UNUSABLE = "!"
_SALT_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_MAX_ITERATIONS = 10_000_000


def _digest(password: str, salt: str, iterations: int) -> str:
    derived = hashlib.pbkdf2_hmac(
        "sha256", password.encode("utf-8", "surrogatepass"), salt.encode(), iterations
    )
    return base64.b64encode(derived).decode("ascii")


def make_password(password: str) -> str:
    """The stored form of a new password, with a fresh salt."""
    salt = "".join(secrets.choice(_SALT_ALPHABET) for _ in range(22))
    return f"{ALGORITHM}${ITERATIONS}${salt}${_digest(password, salt, ITERATIONS)}"


def check_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (constant-time compare).

    An unusable or unsupported stored value never matches, but costs as much time as a
    real check, so that the answer does not tell whether a user has a password.
    """
    parts = stored.split("$")
    usable = len(parts) == 4 and parts[0] == ALGORITHM and parts[1].isdigit()
    if usable and 0 < int(parts[1]) <= _MAX_ITERATIONS:
        _algorithm, iterations, salt, expected = parts
        return hmac.compare_digest(_digest(password, salt, int(iterations)), expected)
    _digest(password, "unusable", ITERATIONS)
    return False
