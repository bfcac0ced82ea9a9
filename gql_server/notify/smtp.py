"""Sending one notification email with the standard library, in a worker thread."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from typing import Any

from gql_server.config import Settings
from gql_server.notify.errors import DeliveryError, PermanentDeliveryError
from gql_server.notify.queue import BATCH

SECURITY = ("none", "starttls", "tls")


def build_email(sender: str, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text email; line breaks in the subject become spaces."""
    message = EmailMessage()
    message["Subject"] = " ".join(subject.split())
    message["From"] = sender
    message["To"] = to
    message.set_content(body)
    return message


class SmtpSender:
    """Sends ``{"subject", "body"}`` to one address through the configured SMTP server:
    plain, STARTTLS or TLS (``smtp_security``), with a login when ``smtp_user`` is set, each
    network operation bounded by ``smtp_timeout_seconds``."""

    def __init__(self, settings: Settings, tls_context: ssl.SSLContext | None = None) -> None:
        if settings.smtp_security not in SECURITY:
            raise ValueError(f"smtp_security must be one of {', '.join(SECURITY)}")
        self.settings = settings
        self.tls_context = tls_context or ssl.create_default_context()
        # smtplib blocks: each send has a thread of its own, as many as a notifier round.
        self.threads = ThreadPoolExecutor(BATCH, thread_name_prefix="smtp")

    async def __call__(self, target: str, message: Mapping[str, Any]) -> None:
        """Send the email; raises :class:`DeliveryError` (or its permanent kind)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.threads, self._send, target, message)

    def _send(self, target: str, message: Mapping[str, Any]) -> None:
        settings = self.settings
        try:
            email = build_email(settings.smtp_from, target, message["subject"], message["body"])
        except (KeyError, ValueError, TypeError) as exc:
            raise PermanentDeliveryError(f"cannot build the email: {exc}") from None
        try:
            if settings.smtp_security == "tls":
                client: smtplib.SMTP = smtplib.SMTP_SSL(
                    settings.smtp_host,
                    settings.smtp_port,
                    timeout=settings.smtp_timeout_seconds,
                    context=self.tls_context,
                )
            else:
                client = smtplib.SMTP(
                    settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
                )
            with client:
                if settings.smtp_security == "starttls":
                    client.starttls(context=self.tls_context)
                if settings.smtp_user:
                    client.login(settings.smtp_user, settings.smtp_password or "")
                client.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = {code for code, _text in exc.recipients.values()}
            error = f"recipient refused (SMTP {', '.join(map(str, sorted(codes)))})"
            if all(code >= 500 for code in codes):
                raise PermanentDeliveryError(error) from None
            raise DeliveryError(error) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP {type(exc).__name__}: {exc}") from None


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
