"""``scheduler.remote_artifact_tokens.*``: the caller's named secrets for artifact servers.

Token values are secrets: each caller reaches only its own, and they are never logged.
"""

from __future__ import annotations

from typing import Any

from gql_server.resolvers import artifact_tokens
from xmlrpc_compat.methods import INTERNAL_ERROR, Call, Fault, read_only

NAMESPACE = "scheduler.remote_artifact_tokens"
API_CLASS = "SchedulerRemoteArtifactTokensAPI"


def _not_found(name: Any) -> Fault:
    return Fault(404, f"Token {name!r} was not found.")


@read_only
async def list_tokens(call: Call) -> list[dict[str, str]]:
    """Name
    ----
    `scheduler.remote_artifact_tokens.list` ()

    Your remote artifact tokens, sorted by name, each as `{name, token}` with its value.
    Requires authentication.
    """
    call.require_login()
    tokens = await artifact_tokens.list_artifact_tokens(call.ctx)
    return [{"name": token.name, "token": token.token} for token in tokens]


@read_only
async def show(call: Call, name: Any) -> str:
    """Name
    ----
    `scheduler.remote_artifact_tokens.show` (`name`)

    The value of your remote artifact token of that name. Requires authentication.
    """
    call.require_login()
    if not isinstance(name, str):
        raise _not_found(name)
    return (await artifact_tokens.get_artifact_token(call.ctx, name)).token


async def add(call: Call, name: Any, token: Any) -> None:
    """Name
    ----
    `scheduler.remote_artifact_tokens.add` (`name`, `token`)

    Keep a secret for an artifact server (at most 200 characters) under a name of yours
    that is not taken yet (at most 100 characters), so that job definitions can name it
    instead of holding its value. Requires authentication.
    """
    call.require_login()
    if isinstance(name, str) and isinstance(token, str):
        problem = artifact_tokens.too_long(name, token)
        if problem is not None:
            raise Fault(-32603, f"{INTERNAL_ERROR}: {problem}")
    await artifact_tokens.add_artifact_token(call.ctx, name, token)


async def delete(call: Call, name: Any) -> None:
    """Name
    ----
    `scheduler.remote_artifact_tokens.delete` (`name`)

    Remove your remote artifact token of that name. Requires authentication.
    """
    call.require_login()
    if not isinstance(name, str):
        raise _not_found(name)
    await artifact_tokens.delete_artifact_token(call.ctx, name)


METHODS = {
    "list": list_tokens,
    "show": show,
    "add": add,
    "delete": delete,
}
