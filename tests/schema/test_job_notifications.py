"""``Job.notifications``: the delivery status of a job's notifications, to those who may
see the job; where each went only to its submitter and superusers; never what was sent."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools

import pytest
import sqlalchemy
from sqlalchemy import insert, update

from gql_server.db.engine import create_engine, session_factory
from gql_server.db.models import NotificationDelivery, TestJob
from gql_server.notify.queue import enqueue

CALLBACK_SECRET = "cb-secret-never-shown"
CALLBACK_URL = "https://ci.example.com/hook/public"
EMAIL = "owner-notify@example.com"
IRC = "owner-nick@irc.example.org"
LATER = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
SENT_AT = dt.datetime(2026, 6, 1, 12, 5, tzinfo=dt.UTC)

NOTIFICATIONS = """
query ($id: Int!) {
  job(id: $id) {
    id
    notifications {
      id event kind target status attempts lastError created sent nextAttempt
    }
  }
}
"""


async def _seed(database_url: str, job_ids: list[int]) -> None:
    """For each job: a sent callback, a failed email, a pending IRC message (not due before
    2100, so that no notifier sends it), and a row of the notifier's own bookkeeping; in
    one transaction."""
    engine = create_engine(database_url)
    table = NotificationDelivery
    try:
        async with session_factory(engine)() as session:
            for job_id in job_ids:
                await enqueue(
                    session,
                    job_id=job_id,
                    event="finished",
                    kind="callback",
                    target=CALLBACK_URL,
                    message={"method": "GET", "headers": {"Authorization": CALLBACK_SECRET}},
                )
                await enqueue(
                    session,
                    job_id=job_id,
                    event="finished",
                    kind="email",
                    target=EMAIL,
                    message={"subject": "s", "body": "b"},
                )
                await enqueue(
                    session,
                    job_id=job_id,
                    event="running",
                    kind="irc",
                    target=IRC,
                    message={"text": "t"},
                    now=LATER,
                )
                await session.execute(
                    insert(table).values(
                        job_id=job_id,
                        event="finished",
                        kind="criteria",
                        target="",
                        message={"secret": CALLBACK_SECRET},
                        next_attempt=LATER,
                    )
                )
                mine = table.job_id == job_id
                await session.execute(
                    update(table)
                    .where(mine, table.kind == "callback")
                    .values(status="sent", attempts=1, sent=SENT_AT)
                )
                await session.execute(
                    update(table)
                    .where(mine, table.kind == "email")
                    .values(status="failed", attempts=5, last_error=f"SMTP 550: {EMAIL} unknown")
                )
            await session.commit()
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def seeded(lab):
    """The lab, with notifications for its public and its personal (private) job."""
    asyncio.run(_seed(lab.database_url, [lab.scenario.public_job, lab.scenario.personal_job]))
    return lab


def notifications_as(lab, viewer: str | None, job_id: int) -> dict | None:
    token = lab.tokens[viewer] if viewer else None
    response = lab.client.post(NOTIFICATIONS, {"id": job_id}, token=token)
    body = response.json()
    assert "errors" not in body, body
    assert CALLBACK_SECRET not in response.text
    return body["data"]["job"]


def test_the_submitter_sees_each_delivery_and_where_it_went(seeded):
    job = notifications_as(seeded, "vis-owner", seeded.scenario.public_job)
    shown = [
        (n["event"], n["kind"], n["target"], n["status"], n["attempts"], n["lastError"])
        for n in job["notifications"]
    ]
    assert shown == [
        ("finished", "CALLBACK", CALLBACK_URL, "SENT", 1, None),
        ("finished", "EMAIL", EMAIL, "FAILED", 5, f"SMTP 550: {EMAIL} unknown"),
        ("running", "IRC", IRC, "PENDING", 0, None),
    ]
    callback, email, irc = job["notifications"]
    assert dt.datetime.fromisoformat(callback["sent"]) == SENT_AT
    assert email["sent"] is None
    assert [n["nextAttempt"] is None for n in job["notifications"]] == [True, True, False]
    assert dt.datetime.fromisoformat(irc["nextAttempt"]) == LATER
    assert callback["id"] < email["id"] < irc["id"]


def test_a_superuser_sees_where_they_went(seeded):
    job = notifications_as(seeded, "vis-admin", seeded.scenario.personal_job)
    assert [n["target"] for n in job["notifications"]] == [CALLBACK_URL, EMAIL, IRC]


@pytest.mark.parametrize("viewer", [None, "vis-outsider", "vis-member"])
def test_others_who_see_a_public_job_see_statuses_only(seeded, viewer):
    job = notifications_as(seeded, viewer, seeded.scenario.public_job)
    assert [(n["kind"], n["status"]) for n in job["notifications"]] == [
        ("CALLBACK", "SENT"),
        ("EMAIL", "FAILED"),
        ("IRC", "PENDING"),
    ]
    assert {n["target"] for n in job["notifications"]} == {None}
    assert {n["lastError"] for n in job["notifications"]} == {None}


@pytest.mark.parametrize("viewer", [None, "vis-outsider", "vis-member"])
def test_a_private_jobs_notifications_stay_hidden(seeded, viewer):
    assert notifications_as(seeded, viewer, seeded.scenario.personal_job) is None
    listed = seeded.client.execute(
        "query ($ids: [Int!]) { jobs(filter: {ids: $ids}) { nodes { notifications { id } } } }",
        {"ids": [seeded.scenario.personal_job]},
        token=seeded.tokens[viewer] if viewer else None,
    )
    assert listed["jobs"]["nodes"] == []


def test_what_was_sent_is_not_in_the_schema(seeded):
    fields = seeded.client.execute('{ __type(name: "Notification") { fields { name } } }')
    names = {field["name"] for field in fields["__type"]["fields"]}
    assert names == {
        "id",
        "event",
        "kind",
        "target",
        "status",
        "attempts",
        "lastError",
        "created",
        "sent",
        "nextAttempt",
    }


_runs = itertools.count()

PAGE = """
query ($ids: [Int!], $first: Int!) {
  jobs(filter: {ids: $ids}, first: $first) {
    nodes { id notifications { id kind target status } }
  }
}
"""


def _statements(lab, ids: list[int], first: int) -> tuple[int, list[dict]]:
    """Statements for one page of ``first`` jobs, fewest of two uncached runs (the grants
    behind visibility are cached for a second; a run that reloads them costs more)."""
    counts = []
    for _ in range(2):
        # a new comment makes a new request body: the answer cannot come from the cache
        query = f"# run {next(_runs)}\n{PAGE}"
        data = lab.client.execute(
            query, {"ids": ids, "first": first}, token=lab.tokens["vis-admin"]
        )
        counts.append(lab.client.last_statements)
    return min(counts), data["jobs"]["nodes"]


def test_a_page_of_jobs_with_notifications_costs_the_same_for_1_and_30_jobs(lab):
    engine = sqlalchemy.create_engine(lab.sync_url)
    with engine.connect() as connection:
        ids = list(
            connection.execute(
                sqlalchemy.select(TestJob.id).order_by(TestJob.id).limit(30)
            ).scalars()
        )
    engine.dispose()
    asyncio.run(_seed(lab.database_url, ids))
    _statements(lab, ids, 1)  # authentication records the token's last use once a minute
    one, small_page = _statements(lab, ids, 1)
    many, large_page = _statements(lab, ids, 30)
    assert len(small_page) == 1 and len(large_page) == 30
    assert all(len(job["notifications"]) == 3 for job in large_page)
    assert many == one
