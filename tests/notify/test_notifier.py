"""Notifications end to end: a job with a notify block submitted to a real server runs to
the end, and the email, IRC line and callbacks arrive at real servers on loopback.

The test plays the lab's dispatcher (scheduling, starting and finishing the job through the
lifecycle resolvers, as the demo simulator does); the server's own notifier evaluates the
block and delivers.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from aiosmtpd.controller import Controller

from gql_server.db.engine import create_engine, session_factory
from gql_server.db.migrate import migrate
from gql_server.db.models import NotificationDelivery
from gql_server.demo.generator import generate_demo
from gql_server.lab.enums import JobHealth, TestResult
from gql_server.resolvers import callback_secrets, lifecycle, users
from gql_server.resolvers.context import RequestContext, Viewer
from gql_server.resolvers.lifecycle import CaseResult, Outcome
from tests.conftest import make_token
from tests.support.databases import sync_url
from tests.support.live import wait_for
from tests.support.notify_servers import HookServer, IrcWatcher, Mailbox, Ngircd
from tests.support.server import GraphQLClient, ServerProcess, free_port, xmlrpc_proxy

SITE = "http://lab.example"
LAB = Viewer(is_superuser=True, username="lava-health")
SECRET = "s3cret-callback-value"


def _job(name: str, notify: str) -> str:
    """A public qemu job called ``name`` with the given ``notify:`` block."""
    return (
        f"job_name: {name}\ndevice_type: qemu\nvisibility: public\n"
        "timeouts: {job: {minutes: 10}}\nactions:\n- boot: {method: qemu, media: tmpfs}\n" + notify
    )


VERBOSE_JOB = _job(
    "nightly boot",
    """\
notify:
  criteria: {status: finished}
  verbosity: verbose
  recipients:
  - to: {method: email, user: alice}
  - to: {method: email, email: ops@example.org}
  - to: {method: irc, user: bob}
  callbacks:
  - url: HOOK/ok?status={STATUS_STRING}&job={ID}
    method: GET
  - url: HOOK/ok
    method: POST
    token: ci-hook
    dataset: all
    content-type: json
  compare:
    blacklist: [lava]
""",
)

REGRESSION_JOB = _job(
    "regression watch",
    """\
notify:
  criteria: {status: finished, type: regression}
  verbosity: quiet
  recipients:
  - to: {method: email, email: regressions@example.org}
""",
)

COMPARED_JOB = _job(
    "compared-build",
    """\
notify:
  criteria: {status: incomplete}
  verbosity: verbose
  recipients:
  - to: {method: email, email: compare@example.org}
  compare:
    query: {entity: testjob, conditions: {description: compared-build}}
""",
)

GROUP_JOB = _job(
    "nightly-group",
    """\
notify:
  criteria: {status: finished, dependency_query: "description__nightly-group"}
  recipients:
  - to: {method: email, email: group@example.org}
""",
)

CANCELED_JOB = _job(
    "never started",
    """\
notify:
  criteria: {status: canceled}
  verbosity: status-only
  recipients:
  - to: {method: email, email: cancels@example.org}
""",
)


async def _prepare(url: str) -> None:
    """A small demo lab, alice's callback secret and bob's IRC handle."""
    engine = create_engine(url)
    try:
        await migrate(engine)
        await generate_demo(engine, 10)
        sessions = session_factory(engine)
        for name, action in (
            ("alice", lambda ctx: callback_secrets.set_callback_secret(ctx, "ci-hook", SECRET)),
            ("bob", lambda ctx: callback_secrets.set_irc_profile(ctx, "bobnick", None)),
        ):
            ctx = RequestContext(sessions)
            try:
                ctx.viewer = await users.load_viewer(ctx, await users.get_user(ctx, name))
                await action(ctx)
            finally:
                await ctx.close()
    finally:
        await engine.dispose()


async def _run(url: str, job_id: int, outcome: Outcome) -> None:
    """Play the dispatcher: place the job on an idle device, start and finish it."""
    engine = create_engine(url)
    ctx = RequestContext(session_factory(engine), LAB)
    try:
        await lifecycle.bring_workers_online(ctx)
        device = next(d for d in await lifecycle.idle_devices(ctx) if d.device_type_id == "qemu")
        await lifecycle.schedule_job(ctx, job_id, device.hostname)
        await lifecycle.start_job(ctx, job_id)
        await lifecycle.finish_job(ctx, job_id, outcome)
    finally:
        await ctx.close()
        await engine.dispose()


def _outcome(health: JobHealth) -> Outcome:
    passed = health is JobHealth.COMPLETE
    cases = [
        CaseResult("boot", TestResult.PASS),
        CaseResult("network", TestResult.PASS if passed else TestResult.FAIL),
        CaseResult("throughput", TestResult.PASS, "123.50", "MB/s"),
    ]
    job_case = [CaseResult("job", TestResult.PASS if passed else TestResult.FAIL)]
    return Outcome(
        health=health,
        suites={"lava": job_case, "0_smoke": cases},
        log='- {"dt": "2026-11-28T12:00:00", "lvl": "info", "msg": "booted"}\n',
    )


class Lab:
    """A served lab with an SMTP sink, an IRC server and a callback server beside it."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder
        self.mailbox = Mailbox()
        self.smtp = Controller(self.mailbox, hostname="127.0.0.1", port=free_port())
        self.smtp.start()
        self.ircd = Ngircd(folder)
        self.hooks = HookServer()
        self.server = self.start_server()
        self.client = GraphQLClient(self.server.base_url)
        self.token = make_token(url, "alice")

    def start_server(self, **env: str) -> ServerProcess:
        server = ServerProcess(
            self.url,
            self.folder / f"server-{time.monotonic_ns()}.log",
            env={
                "GQL_SERVER_SMTP_HOST": "127.0.0.1",
                "GQL_SERVER_SMTP_PORT": str(self.smtp.port),
                "GQL_SERVER_SMTP_FROM": "lava@lab.example",
                "GQL_SERVER_IRC_SERVER": "127.0.0.1",
                "GQL_SERVER_IRC_PORT": str(self.ircd.port),
                "GQL_SERVER_CALLBACK_ALLOWED_HOSTS": "127.0.0.1",
                "GQL_SERVER_NOTIFY_POLL_SECONDS": "0.05",
                "GQL_SERVER_SITE_URL": SITE,
                **env,
            },
        )
        server.wait_until_ready()
        return server

    def submit(self, definition: str) -> int:
        data = self.client.execute(
            "mutation($d: String!) { submitJob(definition: $d) { id } }",
            {"d": definition.replace("HOOK", self.hook)},
            token=self.token,
        )
        return int(data["submitJob"][0]["id"])

    @property
    def hook(self) -> str:
        return f"http://127.0.0.1:{self.hooks.port}"

    def run(self, job_id: int, health: JobHealth) -> None:
        asyncio.run(_run(self.url, job_id, _outcome(health)))

    def mails_to(self, address: str) -> list[Any]:
        return [message for _, to, message in self.mailbox.received if address in to]

    def deliveries(self, job_id: int) -> list[tuple[str, str, str, int]]:
        engine = sqlalchemy.create_engine(sync_url(self.url))
        table = NotificationDelivery.__table__
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    sqlalchemy.select(
                        table.c.kind, table.c.target, table.c.status, table.c.attempts
                    )
                    .where(table.c.job_id == job_id, table.c.kind != "criteria")
                    .order_by(table.c.id)
                )
                return [tuple(row) for row in rows]
        finally:
            engine.dispose()

    def stored_messages(self, job_id: int) -> str:
        """Every queued message of the job, as stored."""
        engine = sqlalchemy.create_engine(sync_url(self.url))
        table = NotificationDelivery.__table__
        try:
            with engine.connect() as connection:
                query = sqlalchemy.select(table.c.message).where(table.c.job_id == job_id)
                return repr(connection.execute(query).scalars().all())
        finally:
            engine.dispose()

    def stop(self) -> None:
        self.server.stop()
        self.hooks.stop()
        self.ircd.stop()
        self.smtp.stop()


@pytest.fixture
def notify_lab(empty_database: str, tmp_path: Path) -> Iterator[Lab]:
    asyncio.run(_prepare(empty_database))
    lab = Lab(empty_database, tmp_path)
    try:
        yield lab
    finally:
        lab.stop()


def _body(message: Any) -> str:
    return message.get_content().replace("\r\n", "\n")


def test_a_finished_job_mails_messages_and_calls_back_as_its_block_says(notify_lab: Lab):
    watcher = IrcWatcher(notify_lab.ircd.port, "bobnick")
    try:
        job_id = notify_lab.submit(VERBOSE_JOB)
        notify_lab.run(job_id, JobHealth.COMPLETE)
        line = watcher.privmsg()
    finally:
        watcher.close()
    assert line.endswith(
        f":The job with ID # {job_id} has finished with status Finished and health Complete"
        f" on {line.split(' on ', 1)[1].split('. Job')[0]}. Job was submitted by alice."
        f" Job details and log file: {SITE}/scheduler/job/{job_id}"
    )

    [to_alice] = wait_for(lambda: notify_lab.mails_to("alice@lab.example.org"), "alice's mail")
    [to_ops] = wait_for(lambda: notify_lab.mails_to("ops@example.org"), "the ops mail")
    assert to_alice["Subject"] == f"LAVA notification for Test Job {job_id} nightly boot"
    assert to_alice["From"] == "lava@lab.example"
    alice_body, ops_body = _body(to_alice), _body(to_ops)
    assert alice_body.startswith("Dear Alice Archer,\n\n")
    assert ops_body.startswith("Hello,\n\n")
    for body in (alice_body, ops_body):
        assert f"The job with ID # {job_id} is now in state Finished and health Complete." in body
        assert f"Test Suite 0_smoke: {SITE}/results/{job_id}/0_smoke" in body
        assert "Test Case network: Test passed" in body
        assert "Measurement: 123.50 MB/s" in body
        assert "Blacklisted: lava " in body
        assert "Test Suite lava:" not in body
        assert "No query is set for results comparing." in body

    hits = wait_for(lambda: len(notify_lab.hooks.hits) >= 2 and notify_lab.hooks.hits, "hooks")
    get = next(hit for hit in hits if hit.method == "GET")
    post = next(hit for hit in hits if hit.method == "POST")
    assert get.path == f"/ok?status=complete&job={job_id}"
    assert "Authorization" not in get.headers
    assert post.headers["Authorization"] == SECRET
    assert post.headers["Content-Type"] == "application/json"
    data = json.loads(post.body)
    assert (data["id"], data["status_string"], data["health_string"]) == (
        job_id,
        "complete",
        "Complete",
    )
    assert data["submitter_username"] == "alice"
    assert "token" not in data
    assert data["log"].startswith('- {"dt"')
    assert set(data["results"]) == {"lava", "0_smoke"}
    assert "name: network" in data["results"]["0_smoke"]

    deliveries = wait_for(
        lambda: (
            (found := notify_lab.deliveries(job_id))
            and all(status == "sent" for _, _, status, _ in found)
            and found
        ),
        "every delivery marked sent",
    )
    assert sorted((kind, target) for kind, target, _, _ in deliveries) == sorted(
        [
            ("callback", f"{notify_lab.hook}/ok?status=complete&job={job_id}"),
            ("callback", f"{notify_lab.hook}/ok"),
            ("email", "alice@lab.example.org"),
            ("email", "ops@example.org"),
            ("irc", "bobnick@127.0.0.1"),
        ]
    )
    assert SECRET not in notify_lab.server.log_path.read_text()
    assert SECRET not in notify_lab.stored_messages(job_id)  # forgotten once sent


def test_regression_fires_only_when_health_drops_from_the_previous_job(notify_lab: Lab):
    address = "regressions@example.org"
    healths = (JobHealth.COMPLETE, JobHealth.INCOMPLETE, JobHealth.INCOMPLETE)
    jobs = []
    for health in healths:
        jobs.append(notify_lab.submit(REGRESSION_JOB))
        notify_lab.run(jobs[-1], health)
    [mail] = wait_for(lambda: notify_lab.mails_to(address), "the regression mail")
    assert mail["Subject"] == f"LAVA notification for Test Job {jobs[1]} regression watch"
    # The third job was judged too (its evaluation is done) and sent nothing.
    wait_for(lambda: _evaluated(notify_lab, jobs[2]), "the third job's evaluation")
    assert len(notify_lab.mails_to(address)) == 1
    assert notify_lab.deliveries(jobs[0]) == notify_lab.deliveries(jobs[2]) == []


def test_a_verbose_mail_compares_with_the_newest_complete_job_of_its_query(notify_lab: Lab):
    address = "compare@example.org"
    complete = notify_lab.submit(COMPARED_JOB)
    notify_lab.run(complete, JobHealth.COMPLETE)
    failed = notify_lab.submit(COMPARED_JOB)
    notify_lab.run(failed, JobHealth.INCOMPLETE)
    [mail] = wait_for(lambda: notify_lab.mails_to(address), "the comparison mail")
    body = _body(mail)
    assert mail["Subject"] == f"LAVA notification for Test Job {failed} compared-build"
    assert (
        f"Query used: {SITE}/results/query/+custom?entity=testjob"
        "&amp;conditions=description__compared-build"
    ) in body
    assert f"Test job: {SITE}/scheduler/job/{complete}\nState: Finished\nHealth: Complete" in body
    assert f"Comparing to latest complete job: {SITE}/scheduler/job/{complete}" in body
    assert ('In suite "0_smoke", test case "network" changed result from "pass" to "fail".') in body
    assert notify_lab.deliveries(complete) == []  # it was not Incomplete


def test_a_dependency_query_holds_the_mail_until_the_last_of_its_jobs_finishes(notify_lab: Lab):
    first, last = notify_lab.submit(GROUP_JOB), notify_lab.submit(GROUP_JOB)
    notify_lab.run(first, JobHealth.COMPLETE)  # the other job is still queued
    notify_lab.run(last, JobHealth.INCOMPLETE)
    [mail] = wait_for(lambda: notify_lab.mails_to("group@example.org"), "the group's mail")
    assert mail["Subject"] == f"LAVA notification for Test Job {last} nightly-group"
    assert _evaluated(notify_lab, first)
    assert notify_lab.deliveries(first) == []


def _evaluated(lab: Lab, job_id: int) -> bool:
    engine = sqlalchemy.create_engine(sync_url(lab.url))
    table = NotificationDelivery.__table__
    try:
        with engine.connect() as connection:
            status = connection.scalar(
                sqlalchemy.select(table.c.status).where(
                    table.c.job_id == job_id, table.c.kind == "criteria"
                )
            )
    finally:
        engine.dispose()
    return status == "sent"


def test_a_job_canceled_through_xmlrpc_before_it_ran_notifies_canceled(notify_lab: Lab):
    job_id = notify_lab.submit(CANCELED_JOB)
    proxy = xmlrpc_proxy(notify_lab.server.base_url, "alice", notify_lab.token)
    proxy.scheduler.jobs.cancel(job_id)
    [mail] = wait_for(lambda: notify_lab.mails_to("cancels@example.org"), "the cancel mail")
    body = _body(mail)
    assert "is now in state Finished and health Canceled" in body
    assert "Job details:" not in body  # status-only


def test_pending_notifications_survive_a_restart_and_are_sent_once(notify_lab: Lab):
    notify_lab.server.stop()
    closed = free_port()
    notify_lab.server = notify_lab.start_server(
        GQL_SERVER_SMTP_PORT=str(closed), GQL_SERVER_NOTIFY_BACKOFF_SECONDS="0.2"
    )
    notify_lab.client = GraphQLClient(notify_lab.server.base_url)
    job_id = notify_lab.submit(CANCELED_JOB)
    notify_lab.client.execute(
        "mutation($id: Int!) { cancelJob(id: $id) { id } }", {"id": job_id}, notify_lab.token
    )
    wait_for(
        lambda: any(attempts >= 1 for *_, attempts in notify_lab.deliveries(job_id)),
        "a failed first attempt",
    )
    notify_lab.server.stop()
    notify_lab.server = notify_lab.start_server(GQL_SERVER_NOTIFY_BACKOFF_SECONDS="0.2")
    [mail] = wait_for(lambda: notify_lab.mails_to("cancels@example.org"), "the mail after restart")
    assert "health Canceled" in _body(mail)
    wait_for(
        lambda: [status for _, _, status, _ in notify_lab.deliveries(job_id)] == ["sent"],
        "the delivery marked sent",
    )
    assert len(notify_lab.mails_to("cancels@example.org")) == 1
