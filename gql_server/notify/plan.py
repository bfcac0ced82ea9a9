"""What one firing of a notify block sends: the rendered deliveries, in LAVA's order.

Pure: the caller (:mod:`gql_server.resolvers.notifications`) reads the lab into a
:class:`Firing`, and the notifier queues what :func:`deliveries` returns. Callbacks come
first, then the recipients in the order the block lists them (notifications.md §5).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gql_server.notify.callback_payload import callback_request
from gql_server.notify.criteria import CallbackSpec
from gql_server.notify.email_text import Addressee, CompareFacts, email_body, email_subject
from gql_server.notify.facts import JobFacts, SuiteFacts
from gql_server.notify.irc_text import irc_message


@dataclass(frozen=True)
class Callback:
    """A callback of the block with its secret resolved (``None``: send no token header)."""

    spec: CallbackSpec
    secret: str | None = None


@dataclass(frozen=True)
class Recipient:
    """An email or IRC recipient with the address, or handle and server, it resolved to.

    ``name`` says who it is when nothing to send to was found (a user without an email
    address or IRC handle); ``addressee`` is set when the recipient is a user of the lab.
    """

    method: str
    name: str
    address: str | None = None
    handle: str | None = None
    server: str | None = None
    addressee: Addressee | None = None


@dataclass(frozen=True)
class Firing:
    """A notify block that fires for a job, with everything its messages show."""

    event: str
    """``running`` or ``finished``: the state the job entered."""
    job: JobFacts
    verbosity: str = "quiet"
    callbacks: tuple[Callback, ...] = ()
    recipients: tuple[Recipient, ...] = ()
    suites: tuple[SuiteFacts, ...] = ()
    """The job's results (read only for a verbose email)."""
    blacklist: tuple[str, ...] = ()
    compare: CompareFacts | None = None
    log: str | None = None
    """The job log (read only for a ``logs`` or ``all`` callback)."""
    results: Mapping[str, str] | None = None
    """Suite name to its cases as YAML (read only for a ``results`` or ``all`` callback)."""


@dataclass(frozen=True)
class Delivery:
    """One row to queue. ``refused`` says why it can never be sent (queued as failed)."""

    kind: str
    target: str
    message: dict[str, Any]
    refused: str | None = None


def deliveries(firing: Firing) -> list[Delivery]:
    """The callbacks' requests, then an email or IRC line per recipient."""
    return [
        *(_callback(firing, callback) for callback in firing.callbacks),
        *(_recipient(firing, recipient) for recipient in firing.recipients),
    ]


def _callback(firing: Firing, callback: Callback) -> Delivery:
    request = callback_request(
        callback.spec,
        firing.job,
        secret=callback.secret,
        log=firing.log,
        results=firing.results,
    )
    message = {
        "method": request.method,
        "headers": dict(request.headers),
        "body": None if request.body is None else request.body.decode(),
    }
    return Delivery("callback", request.url, message)


def _recipient(firing: Firing, recipient: Recipient) -> Delivery:
    if recipient.method == "irc":
        return _irc(firing, recipient)
    if not recipient.address:
        return Delivery("email", recipient.name, {}, f"{recipient.name} has no email address")
    body = email_body(
        firing.job,
        firing.verbosity,
        addressee=recipient.addressee,
        suites=firing.suites,
        blacklist=firing.blacklist,
        compare=firing.compare,
    )
    message = {"subject": email_subject(firing.job), "body": body}
    return Delivery("email", recipient.address, message)


def _irc(firing: Firing, recipient: Recipient) -> Delivery:
    if not recipient.handle:
        return Delivery("irc", recipient.name, {}, f"{recipient.name} has no IRC handle")
    if not recipient.server:
        return Delivery("irc", recipient.handle, {}, "no IRC server for this recipient")
    target = f"{recipient.handle}@{recipient.server}"
    return Delivery("irc", target, {"text": irc_message(firing.job)})
