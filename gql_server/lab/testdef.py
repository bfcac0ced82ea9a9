"""Test definitions (the YAML a ``lava-test-shell`` runs) checked as LAVA's schema does.

The rules are those of LAVA's test definition schema: a ``metadata`` block with the
format string and a name, optional ``install``, ``parse``, ``run``, ``params`` and
``parameters`` blocks, and any other keys allowed. The first problem is reported in the
words and order of LAVA's validation library: the keys of each mapping in document
order, then its missing required keys; ``for dictionary value`` when a mapping's value
itself is wrong; where it is as ``@ data['key'][index]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

FORMAT = "Lava-Test Test Definition 1.0"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESULTS = ("pass", "fail", "skip", "unknown")

Path = tuple[Any, ...]


class _Problem(Exception):
    def __init__(self, message: str, path: Path, of_value: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.path = path
        self.of_value = of_value

    def __str__(self) -> str:
        text = self.message + (" for dictionary value" if self.of_value else "")
        if self.path:
            text += " @ data[" + "][".join(map(repr, self.path)) + "]"
        return text


Check = Callable[[Any, Path], None]


def _text(value: Any, path: Path) -> None:
    if not isinstance(value, str):
        raise _Problem("expected str", path)


def _literal(expected: str) -> Check:
    def check(value: Any, path: Path) -> None:
        if value != expected:
            raise _Problem("not a valid value", path)

    return check


def _one_of(*allowed: str) -> Check:
    def check(value: Any, path: Path) -> None:
        if value not in allowed:
            raise _Problem("not a valid value", path)

    return check


def _any_dict(value: Any, path: Path) -> None:
    if not isinstance(value, dict):
        raise _Problem("expected dict", path)


def _texts(value: Any, path: Path) -> None:
    if not isinstance(value, list):
        raise _Problem("expected a list", path)
    for index, item in enumerate(value):
        _text(item, (*path, index))


# A mapping's keys: (how a key is recognised, whether it is required, its value's check).
Keys = tuple[tuple[str | re.Pattern[str] | type, bool, Check], ...]


def _mapping(keys: Keys) -> Check:
    def check(value: Any, path: Path) -> None:
        if not isinstance(value, dict):
            raise _Problem("expected a dictionary", path)
        for key, item in value.items():
            for wanted, _required, value_check in keys:
                if _accepts(wanted, key):
                    _check_value(value_check, item, (*path, key))
                    break
        for wanted, required, _value_check in keys:
            if required and wanted not in value:
                raise _Problem("required key not provided", (*path, wanted))

    return check


def _accepts(wanted: str | re.Pattern[str] | type, key: Any) -> bool:
    if isinstance(wanted, re.Pattern):
        return isinstance(key, str) and wanted.match(key) is not None
    if isinstance(wanted, type):
        return isinstance(key, wanted)
    return key == wanted


def _check_value(check: Check, value: Any, path: Path) -> None:
    try:
        check(value, path)
    except _Problem as problem:
        problem.of_value = problem.of_value or len(problem.path) <= len(path)
        raise


_FIXUPS = _mapping(((str, False, _one_of(*_RESULTS)),))
_SCHEMA = _mapping(
    (
        (
            "metadata",
            True,
            _mapping(
                (
                    ("format", True, _literal(FORMAT)),
                    ("name", True, _text),
                    ("description", False, _text),
                    ("environment", False, _texts),
                    ("devices", False, _texts),
                    ("maintainer", False, _texts),
                    ("scope", False, _texts),
                    ("os", False, _texts),
                )
            ),
        ),
        (
            "install",
            False,
            _mapping(
                (
                    ("deps", False, _texts),
                    (re.compile(r"deps-.+"), False, _texts),
                    ("git-repos", False, _texts),
                    ("keys", False, _texts),
                    ("steps", False, _texts),
                    ("sources", False, _texts),
                )
            ),
        ),
        ("parameters", False, _any_dict),
        ("params", False, _any_dict),
        ("parse", False, _mapping((("fixupdict", False, _FIXUPS),))),
        ("run", False, _mapping((("steps", True, _texts),))),
    )
)


def testdef_problem(text: str) -> str | None:
    """What is wrong with a test definition, in LAVA's words; None when it is valid.

    Text that is not YAML is a problem too (the YAML parser's message), not an error.
    """
    try:
        data = yaml.load(text, Loader=_LOADER)
    except (yaml.YAMLError, ValueError, TypeError, AttributeError, RecursionError) as exc:
        return str(exc)
    try:
        _SCHEMA(data, ())
    except _Problem as problem:
        return str(problem)
    return None
