"""Settings from the environment (``GQL_SERVER_*``) and an optional YAML file.

Precedence, highest first: environment variables, the YAML file named by
``GQL_SERVER_CONFIG`` (or passed explicitly), the defaults below.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import yaml

ENV_PREFIX = "GQL_SERVER_"


@dataclasses.dataclass(frozen=True)
class Settings:
    """Everything the server reads at start-up."""

    database_url: str = "sqlite+aiosqlite:///gql-server.sqlite3"
    host: str = "127.0.0.1"
    port: int = 8000
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5000
    max_body_bytes: int = 1_000_000
    sql_echo: bool = False
    expose_sql_statements: bool = False
    result_cache_seconds: float = 1.0
    result_cache_entries: int = 1024
    event_socket: str = "tcp://127.0.0.1:5500"
    event_topic: str = "org.lavasoftware"
    internal_event_socket: str = "tcp://127.0.0.1:5501"
    embedded_publisher: bool = True
    simulate_lab: bool = False
    events_from: str | None = None
    subscriber_queue_size: int = 1000
    hub_poll_seconds: float = 1.0
    websocket_keep_alive_seconds: float = 15.0
    max_subscriptions_per_connection: int = 20
    open_stream_private_jobs: bool = False
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_security: str = "none"  # none | starttls | tls
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "root@localhost"
    smtp_timeout_seconds: float = 10.0
    irc_server: str | None = None
    irc_port: int = 6667
    irc_nick: str = "lava-bot"
    irc_tls: bool = False
    irc_timeout_seconds: float = 10.0
    callback_allowed_hosts: str = ""  # comma-separated names, ".domain" suffixes, or "*"
    callback_timeout_seconds: float = 5.0
    notify_retry_limit: int = 5
    notify_backoff_seconds: float = 30.0
    notify_backoff_max_seconds: float = 3600.0
    notify_lease_seconds: float = 300.0
    notify_poll_seconds: float = 5.0
    notifier: bool = True
    demo_mail_folder: str | None = None
    site_url: str | None = None

    @property
    def url_prefix(self) -> str:
        """Scheme and host that links in notifications start with: ``site_url``, or this
        server's own address."""
        if self.site_url:
            return self.site_url.rstrip("/")
        scheme = "https" if self.ssl_certfile else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def with_overrides(self, **values: Any) -> Settings:
        """Return a copy with the given non-None values replaced."""
        return dataclasses.replace(self, **{k: v for k, v in values.items() if v is not None})


def _coerce(field: dataclasses.Field, raw: Any) -> Any:
    kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
    if raw is None:
        return None
    if kind.startswith("float"):
        return float(raw)
    if kind.startswith("int"):
        return int(raw)
    if kind.startswith("bool"):
        return str(raw).strip().lower() in {"1", "true", "yes", "on"}
    return str(raw)


def load_settings(config_file: str | Path | None = None) -> Settings:
    """Build settings from defaults, an optional YAML file and the environment."""
    values: dict[str, Any] = {}
    path = config_file or os.environ.get(ENV_PREFIX + "CONFIG")
    if path:
        loaded = yaml.safe_load(Path(path).read_text()) or {}
        if not isinstance(loaded, dict):
            raise ValueError(f"{path}: expected a mapping of settings")
        values.update(loaded)
    for field in dataclasses.fields(Settings):
        env_value = os.environ.get(ENV_PREFIX + field.name.upper())
        if env_value is not None:
            values[field.name] = env_value
    known = {f.name: f for f in dataclasses.fields(Settings)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    settings = Settings(**{name: _coerce(known[name], raw) for name, raw in values.items()})
    _check_lease(settings)
    return settings


def _check_lease(settings: Settings) -> None:
    """Refuse a notification lease that a send may outlast: another notifier would send
    the same message again while the first is still at it."""
    longest = max(
        settings.smtp_timeout_seconds,
        settings.irc_timeout_seconds,
        settings.callback_timeout_seconds,
    )
    if settings.notify_lease_seconds <= longest:
        raise ValueError(
            f"notify_lease_seconds ({settings.notify_lease_seconds:g}) must exceed the longest"
            f" send time-out ({longest:g} s)"
        )
