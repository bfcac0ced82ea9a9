"""The demo lab's simulator moves submitted jobs to Finished, with results, logs and events."""

from __future__ import annotations

import asyncio
import random
import time

from sqlalchemy import func, select

from gql_server.db.engine import create_engine, session_factory
from gql_server.db.migrate import migrate
from gql_server.db.models import EventRecord, JobLog, TestCase, TestJob, TestSuite
from gql_server.demo.generator import generate_demo
from gql_server.demo.simulator import JOB_TEMPLATE, Simulator
from gql_server.lab.enums import JobState
from gql_server.resolvers import submissions, users
from gql_server.resolvers.changes import ChangeCounter
from gql_server.resolvers.context import RequestContext

DEADLINE_S = 60.0


async def _scenario(url: str) -> dict:
    engine = create_engine(url)
    await migrate(engine)
    await generate_demo(engine, 60)
    sessions = session_factory(engine)
    simulator = Simulator(sessions, ChangeCounter(), "org.lavasoftware", random.Random(1))
    ctx = RequestContext(sessions)
    try:
        ctx.viewer = await users.load_viewer(ctx, await users.get_user(ctx, "bob"))
        (job,) = await submissions.submit_job(
            ctx, JOB_TEMPLATE.format(name="simulated", device_type="qemu")
        )
    finally:
        await ctx.close()
    seen_states = set()
    deadline = time.monotonic() + DEADLINE_S
    async with sessions() as session:
        while time.monotonic() < deadline:
            await simulator.tick()
            state = await session.scalar(select(TestJob.state).where(TestJob.id == job.id))
            session.expire_all()
            seen_states.add(state)
            if state == JobState.FINISHED:
                break
            await asyncio.sleep(0.2)
        found = {
            "states": seen_states,
            "health": await session.scalar(select(TestJob.health).where(TestJob.id == job.id)),
            "cases": await session.scalar(
                select(func.count())
                .select_from(TestCase)
                .join(TestSuite, TestSuite.id == TestCase.suite_id)
                .where(TestSuite.job_id == job.id)
            ),
            "log": await session.scalar(select(JobLog.content).where(JobLog.job_id == job.id)),
            "job_events": await session.scalar(
                select(func.count())
                .select_from(EventRecord)
                .where(EventRecord.job_id == job.id, EventRecord.topic.like("%.testjob"))
            ),
        }
    await engine.dispose()
    return found


def test_a_submitted_job_runs_to_the_end(empty_database):
    found = asyncio.run(_scenario(empty_database))
    assert JobState.FINISHED in found["states"]
    assert found["health"] in (1, 2)
    assert found["cases"] >= 2
    assert found["log"].startswith("- {")
    assert found["job_events"] >= 4  # Submitted, Scheduled, Running, Finished
