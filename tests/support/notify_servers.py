"""Real servers on loopback for the notification senders' tests: a self-signed
certificate, an SMTP server (aiosmtpd), and waiting on a condition with a deadline."""

from __future__ import annotations

import dataclasses
import email
import email.message
import email.policy
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEADLINE_S = 30.0


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for 127.0.0.1, valid one day."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def wait_for(condition: Callable[[], Any], what: str, deadline_s: float = DEADLINE_S) -> Any:
    """Poll ``condition`` until it is truthy; returns its value, fails after the deadline."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@dataclasses.dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every accepted message and the logins it saw, and
    refuses the recipients listed in ``refuse`` with a 550."""

    refuse: set[str] = dataclasses.field(default_factory=set)
    received: list[tuple[str, list[str], email.message.EmailMessage]] = dataclasses.field(
        default_factory=list
    )
    logins: list[tuple[str, str]] = dataclasses.field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> Any:
        from aiosmtpd.smtp import AuthResult

        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=password == "s3cret", handled=False)
