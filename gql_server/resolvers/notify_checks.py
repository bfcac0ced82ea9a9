"""The checks of a job's ``notify`` block that need the database or more than its shape.

LAVA runs them on every submission, after the schema (spec: notifications §10,
job-definition §3.9): each recipient in order (its user must exist, its address must be
one), then the ``compare`` query. The block's shape, and recipients naming neither a user
nor an address, are checked earlier by :func:`gql_server.lab.definition.validate_definition`.
``criteria.dependency_query`` is not checked: a bad one fails when the criteria are evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gql_server.db.models import User
from gql_server.lab.definition import DefinitionError
from gql_server.lab.email_address import is_email_address
from gql_server.notify.comparison import conditions_text
from gql_server.notify.criteria import DEVICE_OWNER
from gql_server.resolvers.errors import BadInput
from gql_server.resolvers.results import MalformedConditions, parse_conditions

BAD_CONDITIONS = "Conditions URL incorrect. Please refer to query docs."


async def check_notify(session: AsyncSession, notify: Mapping[str, Any] | None) -> None:
    """Refuse a ``notify`` block (already valid in shape) that names an unknown user, an
    invalid email address or a compare query that cannot be run.

    Raises :class:`DefinitionError` with LAVA's text for the first problem found.
    """
    if not notify:
        return
    recipients = [recipient["to"] for recipient in notify.get("recipients", [])]
    known = await _existing_users(session, {to["user"] for to in recipients if "user" in to})
    for to in recipients:
        _check_recipient(to, known)
    query = notify.get("compare", {}).get("query")
    if query is not None:
        _check_query(query)


def _check_recipient(to: Mapping[str, Any], known: set[str]) -> None:
    """LAVA checks the user when one is named, otherwise the explicit address."""
    if "user" in to:
        user = to["user"]
        # The device owner is resolved when the notification is made, not looked up here.
        if user != DEVICE_OWNER and user not in known:
            raise DefinitionError(f"{user!r} is not an existing user in LAVA.")
    elif "email" in to and not is_email_address(to["email"]):
        raise DefinitionError(f"{to['email']!r} is not a valid email address.")


async def _existing_users(session: AsyncSession, names: set[str]) -> set[str]:
    """Which of ``names`` are users (one query)."""
    if not names:
        return set()
    found = await session.scalars(select(User.username).where(User.username.in_(sorted(names))))
    return set(found)


def _check_query(query: Mapping[str, Any]) -> None:
    """A saved query (``username`` and ``name``) or a custom one (``entity`` and
    ``conditions``). This server holds no saved queries, so every saved one is missing."""
    if "entity" not in query:
        raise DefinitionError(f"Query ~{query['username']}/{query['name']} does not exist")
    if query["entity"] != "testjob":
        raise DefinitionError("Only TestJob queries allowed.")
    try:
        parse_conditions("testjob", conditions_text(query))
    except MalformedConditions as exc:
        raise DefinitionError(BAD_CONDITIONS) from exc
    except BadInput as exc:
        raise DefinitionError(exc.message) from exc
