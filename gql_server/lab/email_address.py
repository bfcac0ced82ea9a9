"""What this server takes for an email address (users' addresses, notify recipients)."""

from __future__ import annotations

import unicodedata


def is_email_address(text: str) -> bool:
    """Whether ``text`` is an email address, by a plain check rather than the full RFC 5322
    grammar: exactly one ``@``, a non-empty local part before it, and after it a domain of
    at least two non-empty dot-separated labels (``a@b.c``); no whitespace or control
    characters anywhere. Quoted local parts and bare IP-address domains are refused."""
    local, at, domain = text.partition("@")
    if not at or not local or "@" in domain:
        return False
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in text):
        return False
    labels = domain.split(".")
    return len(labels) >= 2 and all(labels)
