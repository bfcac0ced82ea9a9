"""The delivery status of a job's notifications (decisions.md §12), as its viewers see it.

Rows of the notifier's queue (:class:`~gql_server.db.models.NotificationDelivery`) are
shown to exactly those who may see the job. What is sent (``message``: a callback's
holds its secret) is never read here, and the rows the notifier keeps for its own
bookkeeping (kinds other than email, IRC and callback) are never shown. Where a delivery
went (an address, ``nick@server``, a URL) is shown to the job's submitter and superusers
only, and so is the last error, since a sender's error often names the address, host or
URL it failed to reach.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select

from gql_server.db.models import NotificationDelivery, TestJob
from gql_server.notify.queue import DELIVERY_KINDS, PENDING
from gql_server.resolvers.context import RequestContext
from gql_server.resolvers.permissions import job_visible


@dataclasses.dataclass(frozen=True)
class DeliveryStatus:
    """One email, IRC message or callback of a job's notification, and how it went.

    ``target`` and ``last_error`` are None for viewers who may not see where it went;
    ``next_attempt`` is None unless the delivery is still pending.
    """

    id: int
    job_id: int
    event: str
    kind: str
    target: str | None
    status: str
    attempts: int
    last_error: str | None
    created: dt.datetime
    sent: dt.datetime | None
    next_attempt: dt.datetime | None


async def notifications_by_job(
    ctx: RequestContext, job_ids: Sequence[int]
) -> dict[int, list[DeliveryStatus]]:
    """The notifications of each visible job, oldest first (a data-loader batch)."""
    table = NotificationDelivery
    statement = (
        select(
            table.id,
            table.job_id,
            table.event,
            table.kind,
            table.target,
            table.status,
            table.attempts,
            table.last_error,
            table.created,
            table.sent,
            table.next_attempt,
            TestJob.submitter_id,
        )
        .join(TestJob, TestJob.id == table.job_id)
        .where(
            table.job_id.in_(list(job_ids)),
            table.kind.in_(DELIVERY_KINDS),
            await job_visible(ctx),
        )
        .order_by(table.id)
    )
    viewer = ctx.viewer
    grouped: dict[int, list[DeliveryStatus]] = defaultdict(list)
    async with ctx.db() as session:
        for row in await session.execute(statement):
            may_see_target = viewer.is_superuser or (
                viewer.is_authenticated and row.submitter_id == viewer.user_id
            )
            grouped[row.job_id].append(
                DeliveryStatus(
                    id=row.id,
                    job_id=row.job_id,
                    event=row.event,
                    kind=row.kind,
                    target=row.target if may_see_target else None,
                    status=row.status,
                    attempts=row.attempts,
                    last_error=row.last_error if may_see_target else None,
                    created=row.created,
                    sent=row.sent,
                    next_attempt=row.next_attempt if row.status == PENDING else None,
                )
            )
    return grouped
