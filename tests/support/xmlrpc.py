"""Helpers the XML-RPC door's tests share: proxies, faults, and setup straight in the lab."""

from __future__ import annotations

import subprocess
import uuid
import xmlrpc.client
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy.orm import Session

from tests.conftest import make_token
from tests.support.server import gql_server_command, xmlrpc_proxy

__all__ = [
    "LOGIN_REQUIRED",
    "cli",
    "execute",
    "fault",
    "finished_demo_job",
    "new_user",
    "proxy_as",
    "run_sql",
    "user_id",
    "xmlrpc_proxy",
]

LOGIN_REQUIRED = (401, "Authentication with user and token required for this API.")


def proxy_as(lab, username: str | None = None):
    """A proxy on the lab's server as one of its scenario users (anonymous without one)."""
    if username is None:
        return xmlrpc_proxy(lab.server.base_url)
    return xmlrpc_proxy(lab.server.base_url, username, lab.tokens[username])


def fault(call: Callable[..., Any], *args: Any) -> tuple[int, str]:
    """The code and text of the fault that ``call(*args)`` must raise."""
    with pytest.raises(xmlrpc.client.Fault) as raised:
        call(*args)
    return raised.value.faultCode, raised.value.faultString


def cli(lab, *args: str) -> str:
    """The last line ``gql-server`` prints when run with ``args`` on the lab's database."""
    done = subprocess.run(
        gql_server_command(lab.database_url, *args), capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def new_user(lab, admin, prefix: str):
    """A new user, added through ``admin``'s proxy and named ``prefix`` plus a random suffix,
    with a token; returns its name and a proxy authenticated as it."""
    username = f"{prefix}-{uuid.uuid4().hex[:8]}"
    admin.auth.users.add(username)
    return username, xmlrpc_proxy(
        lab.server.base_url, username, make_token(lab.database_url, username)
    )


def run_sql(lab, *rows) -> None:
    """Insert rows (setup a test module owns) straight into the lab's database, in order."""
    engine = sqlalchemy.create_engine(lab.sync_url)
    with Session(engine, expire_on_commit=False) as session:
        for row in rows:
            session.add(row)
            session.flush()
        session.commit()
    engine.dispose()


def execute(lab, statement: str, **params) -> list:
    """Run SQL on the lab's database in a transaction of its own; returns the rows."""
    engine = sqlalchemy.create_engine(lab.sync_url)
    with engine.begin() as connection:
        result = connection.execute(sqlalchemy.text(statement), params)
        rows = result.all() if result.returns_rows else []
    engine.dispose()
    return rows


def user_id(lab, username: str) -> int:
    """The id of the user ``username`` in the lab's database."""
    return execute(lab, "SELECT id FROM auth_user WHERE username = :u", u=username)[0][0]


def finished_demo_job(proxy) -> int:
    """A complete job of the demo lab with a real log (records with dt, lvl and msg) and
    both times, found over XML-RPC; jobs other tests made are passed over."""
    import yaml

    for job in proxy.scheduler.jobs.list("FINISHED", "COMPLETE", 0, 100, 0, True):
        if not isinstance(job["id"], int) or not (job["start_time"] and job["end_time"]):
            continue
        records = yaml.safe_load(proxy.scheduler.jobs.logs(job["id"])[1].data)
        if isinstance(records, list) and len(records) > 4 and isinstance(records[0], dict):
            return job["id"]
    raise AssertionError("no finished demo job with a log")
