"""A simulated lab for ``gql-server serve --demo``: jobs are scheduled on idle devices, run
for a few seconds, write logs, results and test-shell events, and finish; devices get
health checks; demo users keep submitting jobs. Every change goes through the resolvers,
so it is published like any other."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random

from sqlalchemy.ext.asyncio import async_sessionmaker

from gql_server.db.types import utcnow
from gql_server.lab.enums import DeviceHealth, JobHealth, JobState, TestResult
from gql_server.resolvers import devices, jobs, lifecycle, submissions, users
from gql_server.resolvers.changes import ChangeCounter
from gql_server.resolvers.context import RequestContext, Viewer
from gql_server.resolvers.lifecycle import CaseResult, Outcome

logger = logging.getLogger("gql_server.simulator")

LAB = Viewer(is_superuser=True, username="lava-health")
TICK_S = 0.5
START_AFTER_S = 1.0
SUBMIT_EVERY_S = 6.0
DEMO_USERS = ("alice", "bob", "carol")
HEALTH_CHECK = "job_name: health-check\nvisibility: public\n"

JOB_TEMPLATE = """job_name: {name}
device_type: {device_type}
visibility: public
priority: medium
timeouts:
  job: {{minutes: 10}}
actions:
- boot: {{method: qemu, media: tmpfs}}
- test:
    definitions:
    - from: inline
      name: smoke
      path: inline/smoke.yaml
      repository:
        metadata: {{format: Lava-Test Test Definition 1.0, name: smoke}}
"""


def run_seconds(job_id: int) -> int:
    """How long a job runs in the demo lab: a few seconds, fixed per job."""
    return 3 + job_id % 8


def _log_line(at: dt.datetime, level: str, message: str) -> str:
    stamp = at.replace(tzinfo=None).isoformat(timespec="microseconds")
    return f'- {{"dt": "{stamp}", "lvl": "{level}", "msg": "{message}"}}\n'


def make_outcome(rng: random.Random, job_id: int, canceled: bool = False) -> Outcome:
    """A plausible end for a job: mostly complete, some failures, a log to match."""
    if canceled:
        health = JobHealth.CANCELED
    else:
        health = JobHealth.COMPLETE if rng.random() < 0.8 else JobHealth.INCOMPLETE
    results = (TestResult.PASS,) * 6 + (TestResult.FAIL, TestResult.SKIP, TestResult.UNKNOWN)
    cases = [CaseResult(f"case-{n}", rng.choice(results)) for n in range(1, 7)]
    cases.append(CaseResult("throughput", TestResult.PASS, f"{rng.uniform(50, 500):.2f}", "MB/s"))
    job_case = TestResult.PASS if health is JobHealth.COMPLETE else TestResult.FAIL
    suites = {"lava": [CaseResult("job", job_case)], "0_smoke": [] if canceled else cases}
    now = utcnow()
    lines = [
        _log_line(now, "info", f"start: job {job_id}"),
        _log_line(now, "target", "demo login:"),
        *(
            _log_line(now, "results", f"{case.name}: {case.result.display}")
            for case in suites["0_smoke"]
        ),
        _log_line(now, "info", f"Job finished: {health.display}"),
    ]
    failure = None if health is JobHealth.COMPLETE else "demo: the device did not boot"
    return Outcome(health=health, suites=suites, log="".join(lines), failure_comment=failure)


class Simulator:
    """Moves the lab along, one tick at a time."""

    def __init__(
        self,
        sessions: async_sessionmaker,
        changes: ChangeCounter,
        topic_prefix: str,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.changes = changes
        self.topic_prefix = topic_prefix
        self.rng = rng or random.Random()
        self.announced: set[int] = set()
        self.last_submission = 0.0

    def _context(self, viewer: Viewer = LAB) -> RequestContext:
        return RequestContext(self.sessions, viewer, self.changes, self.topic_prefix)

    async def run(self) -> None:
        """Simulate until cancelled."""
        ctx = self._context()
        try:
            await lifecycle.bring_workers_online(ctx)
        finally:
            await ctx.close()
        while True:
            try:
                await self.tick()
            except Exception:
                logger.exception("simulator tick failed")
            await asyncio.sleep(TICK_S)

    async def tick(self) -> None:
        """One step: finish, start, schedule, check health, submit."""
        ctx = self._context()
        try:
            await self._finish_and_start(ctx)
            await self._schedule(ctx)
            await self._health_checks(ctx)
        finally:
            await ctx.close()
        await self._submit()

    async def _finish_and_start(self, ctx: RequestContext) -> None:
        now = utcnow()
        active = (JobState.SCHEDULING, JobState.SCHEDULED, JobState.RUNNING, JobState.CANCELING)
        for job in await lifecycle.jobs_in(ctx, active):
            if job.state == JobState.CANCELING:
                await lifecycle.finish_job(ctx, job.id, make_outcome(self.rng, job.id, True))
            elif job.state == JobState.RUNNING:
                await self._run(ctx, job, now)
            elif (now - job.submit_time).total_seconds() >= START_AFTER_S or job.health_check:
                await lifecycle.start_job(ctx, job.id)

    async def _run(self, ctx: RequestContext, job, now: dt.datetime) -> None:
        elapsed = (now - (job.start_time or now)).total_seconds()
        if elapsed >= run_seconds(job.id):
            await lifecycle.finish_job(ctx, job.id, make_outcome(self.rng, job.id))
            self.announced.discard(job.id)
        elif elapsed >= run_seconds(job.id) / 2 and job.id not in self.announced:
            await lifecycle.record_test_shell_event(ctx, job.id, "smoke tests started")
            self.announced.add(job.id)

    async def _schedule(self, ctx: RequestContext) -> None:
        idle = await lifecycle.idle_devices(ctx)
        if not idle:
            return
        queued = await lifecycle.queued_jobs(ctx)
        device_tags = await devices.tags_by_device(ctx, [d.hostname for d in idle])
        job_tags = await jobs.tags_by_job(ctx, [j.id for j in queued])
        for job in queued:
            wanted = {tag.name for tag in job_tags.get(job.id, ())}
            for device in idle:
                carried = {tag.name for tag in device_tags.get(device.hostname, ())}
                if device.device_type_id == job.requested_device_type_id and wanted <= carried:
                    await lifecycle.schedule_job(ctx, job.id, device.hostname)
                    idle.remove(device)
                    break

    async def _health_checks(self, ctx: RequestContext) -> None:
        for device in await lifecycle.idle_devices(ctx):
            if device.health == DeviceHealth.UNKNOWN:
                await lifecycle.create_health_check(ctx, device.hostname, HEALTH_CHECK)

    async def _submit(self) -> None:
        clock = asyncio.get_running_loop().time()
        if clock - self.last_submission < SUBMIT_EVERY_S:
            return
        self.last_submission = clock
        ctx = self._context()
        try:
            user = await users.get_user(ctx, self.rng.choice(DEMO_USERS))
            idle = await lifecycle.idle_devices(ctx)
            if user is None or not idle:
                return
            ctx.viewer = await users.load_viewer(ctx, user)
            device_type = self.rng.choice(idle).device_type_id
            name = f"demo-smoke-{device_type}"
            await submissions.submit_job(
                ctx, JOB_TEMPLATE.format(name=name, device_type=device_type)
            )
        except submissions.SubmissionRefused as exc:
            logger.info("demo submission refused: %s", exc)
        finally:
            await ctx.close()
