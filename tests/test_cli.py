"""The ``gql-server`` command line: tokens, users, groups and schema export."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.support.server import gql_server_command

ROOT = Path(__file__).resolve().parent.parent


def run(database_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        gql_server_command(database_url, *args), capture_output=True, text=True, timeout=120
    )


def test_tokens_add_list_delete(empty_database):
    added = run(
        empty_database,
        "tokens",
        "add",
        "--user",
        "dora",
        "--superuser",
        "--description",
        "ci runner",
    )
    assert added.returncode == 0, added.stderr
    secret = added.stdout.strip().splitlines()[-1]
    assert len(secret) == 64 and secret.isalnum()
    listed = run(empty_database, "tokens", "list")
    assert "dora" in listed.stdout and "ci runner" in listed.stdout
    assert secret not in listed.stdout
    users = run(empty_database, "users", "list")
    assert "dora (superuser)" in users.stdout
    token_id = listed.stdout.splitlines()[1].split()[0]
    assert run(empty_database, "tokens", "delete", token_id).returncode == 0
    assert "ci runner" not in run(empty_database, "tokens", "list").stdout
    missing = run(empty_database, "tokens", "delete", token_id)
    assert missing.returncode == 2 and "no token" in missing.stderr


def test_users_and_groups(empty_database):
    assert (
        run(empty_database, "users", "add", "erin", "--email", "erin@example.org").returncode == 0
    )
    grouped = run(empty_database, "groups", "add", "testers", "--member", "erin")
    assert grouped.returncode == 0, grouped.stderr
    assert "testers" in run(empty_database, "groups", "list").stdout
    unknown = run(empty_database, "groups", "add", "testers", "--member", "nobody")
    assert unknown.returncode == 2 and "nobody" in unknown.stderr


def test_schema_file_is_current():
    exported = subprocess.run(
        gql_server_command("sqlite+aiosqlite://", "export-schema"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert exported == (ROOT / "schema.graphql").read_text(), (
        "schema.graphql is stale: run `gql-server export-schema -o schema.graphql`"
    )
