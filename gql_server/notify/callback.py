"""One notification callback: an HTTP request to an allowed host (decisions.md §5).

The host must be on ``callback_allowed_hosts`` (comma-separated: a name or address, a
``.domain`` suffix, or ``*`` for any); whatever the list says, a host that is, or
resolves to, a link-local or cloud metadata address is refused. Redirects are not
followed, the whole request is bounded by ``callback_timeout_seconds``, the response
body is never read (only the status counts: 2xx is delivered), and neither the headers
(which carry the callback secret) nor the URL appear in an error.

The addresses are checked when the request is made; a name whose DNS answer changes
between the check and the connection is not caught (a rebinding attack needs control
of an allowed name's DNS).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
import urllib.parse
from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from gql_server.config import Settings
from gql_server.notify.errors import DeliveryError, PermanentDeliveryError

METHODS = ("GET", "POST")
METADATA_NAMES = {"metadata", "metadata.google.internal", "metadata.goog", "instance-data"}
METADATA_ADDRESSES = {
    ipaddress.ip_address(address)
    for address in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200", "192.0.0.192")
}


def allowed_hosts(setting: str) -> list[str]:
    """The allow-list entries of ``callback_allowed_hosts``, lower-cased."""
    return [entry.strip().lower().rstrip(".") for entry in setting.split(",") if entry.strip()]


def host_is_listed(host: str, allowed: Iterable[str]) -> bool:
    """Whether ``host`` matches an entry: ``*``, the same name, or a ``.suffix``."""
    host = host.lower().rstrip(".")
    for entry in allowed:
        if entry == "*" or entry == host:
            return True
        if entry.startswith(".") and (host.endswith(entry) or host == entry[1:]):
            return True
    return False


def forbidden_address(address: str) -> bool:
    """Whether a callback may never reach ``address``: link-local or cloud metadata."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_link_local or ip in METADATA_ADDRESSES


async def check_target(url: str, allowed: Iterable[str]) -> None:
    """Refuse (permanently) a URL whose host is not allowed; a name that cannot be
    resolved is a retryable error."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        raise PermanentDeliveryError("callback refused: not an http(s) URL with a host")
    if host.rstrip(".") in METADATA_NAMES or not host_is_listed(host, allowed):
        raise PermanentDeliveryError(f"callback refused: host {host} is not allowed")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise PermanentDeliveryError("callback refused: bad port") from None
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise DeliveryError(f"callback host {host} not resolved: {exc}") from None
    if any(forbidden_address(entry[4][0]) for entry in found):
        raise PermanentDeliveryError(f"callback refused: host {host} is link-local or metadata")


class CallbackSender:
    """Sends ``{"method", "headers", "body"}`` to the target URL (see the module)."""

    def __init__(self, settings: Settings, verify: Any = True) -> None:
        self.settings = settings
        self.allowed = allowed_hosts(settings.callback_allowed_hosts)
        # Loaded once: a client given ``True`` would read the CA bundle for every request.
        self.verify = ssl.create_default_context() if verify is True else verify

    async def __call__(self, target: str, message: Mapping[str, Any]) -> None:
        """Make the request; raises :class:`DeliveryError` (or its permanent kind)."""
        method = str(message.get("method", "GET")).upper()
        headers = {str(k): str(v) for k, v in (message.get("headers") or {}).items()}
        body = message.get("body")
        if method not in METHODS:
            raise PermanentDeliveryError(f"callback method {method[:10]!r} is not GET or POST")
        if any(c in text for item in headers.items() for text in item for c in "\r\n\0"):
            raise PermanentDeliveryError("callback refused: a header holds a line break")
        await check_target(target, self.allowed)
        seconds = self.settings.callback_timeout_seconds
        try:
            async with (
                asyncio.timeout(seconds),
                httpx.AsyncClient(
                    follow_redirects=False,
                    timeout=seconds,
                    trust_env=False,
                    verify=self.verify,
                ) as client,
                client.stream(
                    method,
                    target,
                    headers=headers,
                    content=None if method == "GET" or body is None else str(body).encode(),
                ) as response,
            ):
                status = response.status_code
        except (TimeoutError, httpx.TimeoutException):
            raise DeliveryError(f"callback timed out after {seconds:g} s") from None
        except httpx.NetworkError as exc:
            raise DeliveryError(f"callback failed: {type(exc).__name__}: {exc}") from None
        except httpx.HTTPError as exc:
            raise DeliveryError(f"callback failed: {type(exc).__name__}") from None
        if not 200 <= status < 300:
            raise DeliveryError(f"callback answered HTTP {status}")
