"""Shortcuts past PyYAML for the simple shapes that make up almost every export.

PyYAML spends a few hundred microseconds per test case building and walking nodes, which
makes a million-case export take minutes. Case metadata is nearly always a flat mapping
of short words and quoted numbers, and records are flat mappings of short strings. For
those, these functions write (or read) exactly what PyYAML would, and answer None for
anything they are not sure of, so that the caller falls back to PyYAML itself. The
decisions mirror PyYAML's: a string is written plain when the implicit resolver reads it
back as a string and nothing in it needs quoting, otherwise single-quoted; no line may
come near the 80-column width at which PyYAML folds.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Mapping
from typing import Any

import yaml

WIDTH = 80
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers
# Characters that never need quoting or escaping in a block-context scalar, and the first
# characters that cannot start an indicator or a document marker.
_SAFE = re.compile(r"[A-Za-z0-9_./:+ -]*\Z")
_SAFE_START = re.compile(r"[A-Za-z0-9_/]")
_QUOTED = re.compile(r"'((?:[ -&(-~]|'')*)'\Z")
# A word: a character no implicit resolver looks at, then only _WORD_CHARS. It is
# plain-safe, always written plain and read back as itself (most names and values in
# metadata).
_WORD_START = "".join(
    c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_/" if c not in _IMPLICIT
)
_WORD_CHARS = string.ascii_letters + string.digits + "_./+-"


def resolves_to_str(text: str) -> bool:
    """Whether PyYAML reads ``text``, written plain, back as a string."""
    candidates = _IMPLICIT.get(text[:1] if text else "", [])
    return not any(regexp.match(text) for _tag, regexp in candidates)


def _plain_safe(text: str) -> bool:
    """Whether ``text`` may be written plain as far as its characters go."""
    return (
        bool(text)
        and _SAFE_START.match(text) is not None
        and _SAFE.match(text) is not None
        and not text.endswith((" ", ":"))
        and ": " not in text
    )


def scalar(value: Any) -> str | None:
    """How PyYAML writes ``value`` as a block-mapping key or value; None if unsure."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return _string(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=4096)
def _string(text: str) -> str | None:
    """A string scalar (keys and common values repeat: remembered)."""
    if text == "":
        return "''"
    if not _plain_safe(text):
        return None
    return text if resolves_to_str(text) else f"'{text}'"


def mapping_lines(mapping: Mapping[Any, Any], indent: str, first: str) -> list[str] | None:
    """The lines of a block mapping (``first`` prefixes its first line, ``indent`` the
    others), nested mappings included; None if unsure of any of them."""
    lines: list[str] = []
    for key, value in mapping.items():
        key_text = scalar(key) if key != "" else None
        if key_text is None:
            return None
        prefix = first if not lines else indent
        if isinstance(value, dict) and value:
            nested = mapping_lines(value, indent + "  ", indent + "  ")
            header = f"{prefix}{key_text}:\n"
            if nested is None or len(header) >= WIDTH:
                return None
            lines.append(header)
            lines.extend(nested)
            continue
        value_text = "{}" if isinstance(value, dict) else scalar(value)
        if value_text is None:
            return None
        line = f"{prefix}{key_text}: {value_text}\n"
        if len(line) >= WIDTH:
            return None
        lines.append(line)
    return lines if lines else None


def sequence_item(mapping: Mapping[Any, Any]) -> str | None:
    """One ``- key: value`` item of a block sequence of mappings; None if unsure."""
    lines = mapping_lines(mapping, "  ", "- ")
    return "".join(lines) if lines is not None else None


def load_flat_mapping(text: str) -> dict[str, str] | None:
    """The mapping of a flat ``key: value`` document of strings; None if unsure."""
    loaded: dict[str, str] = {}
    for line in text.removesuffix("\n").split("\n"):
        pair = _pair(line)
        if pair is None:
            return None
        loaded[pair[0]] = pair[1]
    return loaded


@functools.lru_cache(maxsize=4096)
def _pair(line: str) -> tuple[str, str] | None:
    """The key and string value of one ``key: value`` line; None if unsure. Most lines
    of a job's metadata repeat from case to case (``result: pass``): remembered."""
    # A line is ``[A-Za-z_][A-Za-z0-9_]*: .+``; a value is a word when it starts with a
    # _WORD_START and holds only _WORD_CHARS. Checked with string methods: a match costs more.
    key, separator, raw = line.partition(": ")
    if not (separator and raw and key.isascii() and key.isidentifier()):
        return None
    is_word = raw[0] in _WORD_START and not raw.strip(_WORD_CHARS)
    value = raw if is_word else _value(raw)
    if value is None or not _key_resolves_to_str(key):
        return None
    return key, value


_key_resolves_to_str = functools.lru_cache(maxsize=1024)(resolves_to_str)


def _value(raw: str) -> str | None:
    """The string value of a ``raw`` text that is not a word; None if unsure."""
    quoted = _QUOTED.match(raw)
    if quoted is not None:
        return quoted.group(1).replace("''", "'")
    if _plain_safe(raw) and resolves_to_str(raw):
        return raw
    return None
