"""The README's notification walk-through on ``serve --demo``: a job with a notify block runs
in the simulated lab and its email lands in the demo's Maildir."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import httpx

from tests.conftest import make_token
from tests.support.live import wait_for
from tests.support.server import GraphQLClient, ServerProcess

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_notify_job() -> str:
    """The job definition the README's demo walk-through submits."""
    found = re.search(r"<<'YAML'\n(.*?)\nYAML\n", README.read_text(), re.DOTALL)
    assert found, "the README lost its notify-job.yaml example"
    return found.group(1) + "\n"


def test_the_readme_notify_job_mails_alice_through_the_demo_sink(empty_database, tmp_path):
    folder = tmp_path / "mail"
    log = tmp_path / "server.log"
    env = {"GQL_SERVER_DEMO_MAIL_FOLDER": str(folder)}
    server = ServerProcess(empty_database, log, "--demo", env=env)
    try:
        server.wait_until_ready()
        token = make_token(empty_database, "alice")
        submitted = httpx.post(
            server.base_url + "/api/v0.2/jobs/",
            data={"definition": readme_notify_job()},
            headers={"Authorization": f"Token {token}"},
        )
        assert submitted.status_code == 201, submitted.text
        job_id = submitted.json()["job_ids"][0]

        [path] = wait_for(lambda: list((folder / "new").glob("*")), "the mail", 120)
        mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert mail["To"] == "alice@lab.example.org"
        assert mail["Subject"] == f"LAVA notification for Test Job {job_id} notify me"
        assert mail.get_content().startswith("Dear Alice Archer,")
        assert f"demo mail to alice@lab.example.org: {mail['Subject']}" in log.read_text()

        query = "query($id: Int!) { job(id: $id) { notifications { kind target status } } }"
        notifications = GraphQLClient(server.base_url).execute(query, {"id": job_id}, token)
        assert notifications["job"]["notifications"] == [
            {"kind": "EMAIL", "target": "alice@lab.example.org", "status": "SENT"}
        ]
    finally:
        server.stop()
