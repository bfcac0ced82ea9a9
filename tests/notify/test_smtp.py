"""Emails through a real SMTP server (aiosmtpd) on a free loopback port: plain, STARTTLS
with a login, implicit TLS, a refused recipient and a server that is not there."""

from __future__ import annotations

import asyncio
import dataclasses
import ssl

import pytest
from aiosmtpd.controller import Controller

from gql_server.config import Settings
from gql_server.notify.errors import DeliveryError, PermanentDeliveryError
from gql_server.notify.smtp import SmtpSender
from tests.support.notify_servers import Mailbox, self_signed
from tests.support.server import free_port

MESSAGE = {
    "subject": "LAVA notification for Test Job 42 boot\ntest",
    "body": "Hello,\n\nThe job with ID # 42 is now in state Finished.\n",
}


@pytest.fixture
def certificate(tmp_path):
    cert, key = self_signed(tmp_path)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


def _serve(mailbox: Mailbox, **options) -> Controller:
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    return controller


def _settings(controller: Controller, **values) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=controller.port,
        smtp_from="lava@lab.example",
        smtp_timeout_seconds=5.0,
        **values,
    )


def test_a_plain_email_arrives_with_subject_from_to_and_body():
    mailbox = Mailbox()
    controller = _serve(mailbox)
    try:
        asyncio.run(SmtpSender(_settings(controller))("dev@example.com", MESSAGE))
    finally:
        controller.stop()
    [(mail_from, rcpt_tos, message)] = mailbox.received
    assert (mail_from, rcpt_tos) == ("lava@lab.example", ["dev@example.com"])
    assert message["Subject"] == "LAVA notification for Test Job 42 boot test"
    assert (message["From"], message["To"]) == ("lava@lab.example", "dev@example.com")
    assert message.get_content().replace("\r\n", "\n") == MESSAGE["body"]


def test_starttls_with_a_login(certificate):
    server_tls, client_tls = certificate
    mailbox = Mailbox()
    controller = _serve(
        mailbox,
        tls_context=server_tls,
        require_starttls=True,
        auth_required=True,
        authenticator=mailbox.authenticate,
        auth_exclude_mechanism=["LOGIN"],
    )
    settings = _settings(
        controller, smtp_security="starttls", smtp_user="lava", smtp_password="s3cret"
    )
    try:
        asyncio.run(SmtpSender(settings, client_tls)("dev@example.com", MESSAGE))
        wrong = dataclasses.replace(settings, smtp_password="wrong")
        with pytest.raises(DeliveryError) as refused:
            asyncio.run(SmtpSender(wrong, client_tls)("dev@example.com", MESSAGE))
    finally:
        controller.stop()
    assert mailbox.logins == [("lava", "s3cret"), ("lava", "wrong")]
    assert [rcpt for _, rcpt, _ in mailbox.received] == [["dev@example.com"]]
    assert "535" in str(refused.value) and "wrong" not in str(refused.value)


def test_implicit_tls(certificate):
    server_tls, client_tls = certificate
    mailbox = Mailbox()
    controller = _serve(mailbox, ssl_context=server_tls)
    try:
        sender = SmtpSender(_settings(controller, smtp_security="tls"), client_tls)
        asyncio.run(sender("dev@example.com", MESSAGE))
        untrusted = SmtpSender(_settings(controller, smtp_security="tls"))
        with pytest.raises(DeliveryError, match="SSLCertVerificationError"):
            asyncio.run(untrusted("dev@example.com", MESSAGE))
    finally:
        controller.stop()
    assert [rcpt for _, rcpt, _ in mailbox.received] == [["dev@example.com"]]


def test_a_refused_recipient_is_permanent():
    mailbox = Mailbox(refuse={"gone@example.com"})
    controller = _serve(mailbox)
    try:
        with pytest.raises(PermanentDeliveryError, match="550"):
            asyncio.run(SmtpSender(_settings(controller))("gone@example.com", MESSAGE))
    finally:
        controller.stop()
    assert mailbox.received == []


def test_no_server_is_a_retryable_error():
    settings = Settings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout_seconds=2.0)
    with pytest.raises(DeliveryError) as error:
        asyncio.run(SmtpSender(settings)("dev@example.com", MESSAGE))
    assert not isinstance(error.value, PermanentDeliveryError)
    assert "ConnectionRefusedError" in str(error.value)
