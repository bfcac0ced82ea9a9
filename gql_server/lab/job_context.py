"""The ``context`` a caller gives to render a device's configuration: job variables."""

from __future__ import annotations

from typing import Any

import yaml

NOT_A_MAPPING = "a YAML mapping is expected"


class ContextError(ValueError):
    """A context that is not YAML; the text is the parser's."""


class NotAMapping(ContextError):
    """A context that is YAML but not a mapping of names."""


def context_variables(context: Any) -> dict[str, Any]:
    """The template variables of ``context``: nothing for none, else a YAML mapping of
    names (a mapping already parsed is taken as it is); ContextError when it is not YAML,
    NotAMapping when it is YAML of another shape."""
    if context is None or context == "":
        return {}
    try:
        variables = yaml.safe_load(context) if isinstance(context, str) else context
    except yaml.YAMLError as exc:
        raise ContextError(str(exc)) from exc
    if variables is None:
        return {}
    if not isinstance(variables, dict) or not all(isinstance(key, str) for key in variables):
        raise NotAMapping(NOT_A_MAPPING)
    return variables
