"""What every method gets and may raise, and how a call is checked and run."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from gql_server.config import Settings
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.errors import (
    BadInput,
    LabError,
    NotFound,
    PermissionDenied,
    Unauthenticated,
    UnknownPermission,
)
from gql_server.resolvers.permissions import require_login

INTERNAL_ERROR = "Internal Server Error (contact server administrator for details)"


class Fault(Exception):
    """An XML-RPC fault, with LAVA's code and text."""

    def __init__(self, code: int, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


@dataclasses.dataclass
class Call:
    """One XML-RPC call: the resolver context of its caller, the server's settings, and
    the catalogue it may call into (``system.multicall``)."""

    ctx: RequestContext
    settings: Settings
    catalogue: Mapping[str, Method]

    async def invoke(self, name: str, params: tuple[Any, ...]) -> Any:
        """Run the named method as this caller; Fault -32601 for an unknown name."""
        method = self.catalogue.get(name)
        if method is None:
            if name == "close":  # LAVA master answers nil to this one unknown name
                return None
            raise Fault(-32601, f"No such method: {name!r}")
        return await method(self, params)

    @property
    def username(self) -> str:
        """The caller's name as LAVA prints it in faults."""
        return self.ctx.viewer.username or "AnonymousUser"

    def require_login(self) -> None:
        """Fault 401 unless the caller authenticated (the resolver layer's check)."""
        require_login(self.ctx)


Implementation = Callable[..., Awaitable[Any]]


def read_only(function: Implementation) -> Implementation:
    """Mark a method that changes nothing: its answers may be reused (see the door)."""
    function.read_only = True  # type: ignore[attr-defined]
    return function


@dataclasses.dataclass(frozen=True)
class Method:
    """A method of the catalogue: its full name, LAVA's class name for its namespace
    (faults about arguments name it), and the function implementing it."""

    name: str
    api_class: str
    function: Implementation

    @property
    def read_only(self) -> bool:
        """Whether the method only reads, so that its answer may be reused."""
        return getattr(self.function, "read_only", False)

    @property
    def help(self) -> str:
        """The help text: the function's docstring."""
        return inspect.cleandoc(self.function.__doc__ or "")

    async def __call__(self, call: Call, params: tuple[Any, ...]) -> Any:
        """Run the method; resolver errors become LAVA's faults."""
        self.check_arity(len(params))
        try:
            return await self.function(call, *params)
        except UnknownPermission as exc:  # LAVA fails on an unknown codename internally
            raise Fault(-32603, f"{INTERNAL_ERROR}: {exc.message}") from exc
        except LabError as exc:
            raise Fault(FAULT_CODES.get(type(exc), 400), exc.message) from exc

    def check_arity(self, given: int) -> None:
        """Fault -32603 with Python's wording when the number of arguments does not fit."""
        parameters = list(inspect.signature(self.function).parameters.values())[1:]
        required = [p.name for p in parameters if p.default is inspect.Parameter.empty]
        short = self.name.rpartition(".")[2]
        where = f"{self.api_class}.{short}()"
        if given < len(required):
            missing = required[given:]
            raise Fault(-32603, f"{INTERNAL_ERROR}: {where} {_missing(missing)}")
        if given > len(parameters):
            raise Fault(
                -32603,
                f"{INTERNAL_ERROR}: {where} {_too_many(len(required), len(parameters), given)}",
            )


def as_text(value: Any) -> str:
    """A name argument as LAVA's lookups read it: the text of whatever was sent, so 5
    finds "5" and a value no name can equal finds nothing."""
    return str(value)


def as_optional_text(value: Any) -> str | None:
    """An optional name or text argument: None (nil) stays None, anything else as text."""
    return None if value is None else str(value)


def named(value: Any, kind: str) -> str:
    """A name argument that must be a string: any other value names no ``kind``, a 404
    fault with LAVA's text "<kind> '<value>' was not found."."""
    if not isinstance(value, str):
        raise Fault(404, f"{kind} '{value}' was not found.")
    return value


FAULT_CODES: dict[type[LabError], int] = {
    NotFound: 404,
    PermissionDenied: 403,
    Unauthenticated: 401,
    BadInput: 400,
}


def _missing(names: list[str]) -> str:
    quoted = [f"'{name}'" for name in names]
    if len(quoted) == 1:
        listed = quoted[0]
    elif len(quoted) == 2:
        listed = f"{quoted[0]} and {quoted[1]}"
    else:
        listed = ", ".join(quoted[:-1]) + f", and {quoted[-1]}"
    plural = "argument" if len(names) == 1 else "arguments"
    return f"missing {len(names)} required positional {plural}: {listed}"


def _too_many(required: int, accepted: int, given: int) -> str:
    """Python's text, counting ``self`` as LAVA's methods do."""
    low, high, given = required + 1, accepted + 1, given + 1
    if low == high:
        takes = f"{low} positional argument{'s' if low != 1 else ''}"
    else:
        takes = f"from {low} to {high} positional arguments"
    return f"takes {takes} but {given} were given"
