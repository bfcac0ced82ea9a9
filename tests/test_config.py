"""Settings: defaults, a YAML file, the environment above it, and refused combinations."""

from __future__ import annotations

import pytest

from gql_server.config import load_settings


def test_environment_overrides_the_file_which_overrides_defaults(tmp_path, monkeypatch):
    config = tmp_path / "settings.yaml"
    config.write_text("port: 9000\nsmtp_host: mail.example.org\nnotify_retry_limit: 7\n")
    monkeypatch.setenv("GQL_SERVER_PORT", "9100")
    monkeypatch.setenv("GQL_SERVER_IRC_TLS", "yes")
    settings = load_settings(config)
    assert (settings.port, settings.smtp_host, settings.notify_retry_limit) == (
        9100,
        "mail.example.org",
        7,
    )
    assert settings.irc_tls is True
    assert settings.smtp_port == 25  # a default


def test_unknown_settings_are_refused(tmp_path):
    config = tmp_path / "settings.yaml"
    config.write_text("smtp_hostname: mail.example.org\n")
    with pytest.raises(ValueError, match="unknown settings: smtp_hostname"):
        load_settings(config)


def test_a_notification_lease_shorter_than_a_send_is_refused(monkeypatch):
    monkeypatch.setenv("GQL_SERVER_NOTIFY_LEASE_SECONDS", "8")
    with pytest.raises(ValueError, match=r"notify_lease_seconds \(8\) must exceed .* \(10 s\)"):
        load_settings()


def test_links_start_with_the_site_url_or_the_servers_own_address(monkeypatch):
    assert load_settings().url_prefix == "http://127.0.0.1:8000"
    monkeypatch.setenv("GQL_SERVER_SITE_URL", "https://lava.example.org/")
    assert load_settings().url_prefix == "https://lava.example.org"
