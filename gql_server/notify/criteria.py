"""Whether a job's transition fires its ``notify`` block, and what it then serves.

Pure functions over a notify block already validated at submission
(:mod:`gql_server.lab.definition`). The caller evaluates the queries (``dependency_query``,
``compare.query``, the previous job) against the database and passes their answers in.

Divergence from LAVA 2023.01 (decisions.md §10): ``type: regression | progression`` compares
with a previous job instead of with the job itself, so it can fire.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gql_server.lab.enums import JobHealth, JobState
from gql_server.notify.facts import ListedJob

DEVICE_OWNER = "{LAVA_DEVICE_OWNER}"
"""The recipient ``user`` that stands for the physical owner of the job's device."""

_BY_HEALTH = {
    "complete": JobHealth.COMPLETE,
    "incomplete": JobHealth.INCOMPLETE,
    "canceled": JobHealth.CANCELED,
}
# A change for the worse / for the better: (previous health, new health).
_CHANGES = {
    "regression": (JobHealth.COMPLETE, JobHealth.INCOMPLETE),
    "progression": (JobHealth.INCOMPLETE, JobHealth.COMPLETE),
}


def is_notifying_state(state: JobState) -> bool:
    """Whether entering ``state`` may notify at all: only Running and Finished do."""
    return state in (JobState.RUNNING, JobState.FINISHED)


def status_matches(status: str, state: JobState, health: JobHealth) -> bool:
    """Whether ``criteria.status`` holds for a job that has just entered ``state``/``health``.

    ``all`` fires on Running and on Finished, ``running`` on Running, ``finished`` on Finished
    with any health, ``complete``/``incomplete``/``canceled`` on Finished with that health
    (a job canceled while still queued finishes Canceled, and so fires ``canceled``).
    """
    if status == "all":
        return is_notifying_state(state)
    if status == "running":
        return state is JobState.RUNNING
    if state is not JobState.FINISHED:
        return False
    return status == "finished" or _BY_HEALTH.get(status) is health


def state_at(
    moment: dt.datetime,
    state: JobState,
    health: JobHealth,
    start_time: dt.datetime | None,
    end_time: dt.datetime | None,
) -> tuple[JobState, JobHealth]:
    """A job's state and health as they were at ``moment``, from its current ones and its
    start and end times: Finished with its health if it had ended, Running if it had
    started, else still queued (Submitted).

    The notifier evaluates a block after the change that queued it; the jobs a
    ``dependency_query`` selects are judged as they were when the notifying job changed,
    as LAVA (which evaluates inside that change) sees them.
    """
    if end_time is not None and end_time <= moment:
        return JobState.FINISHED, health
    if start_time is not None and start_time <= moment:
        return JobState.RUNNING, JobHealth.UNKNOWN
    if state is JobState.FINISHED and end_time is None:  # ended without times (imported)
        return state, health
    return JobState.SUBMITTED, JobHealth.UNKNOWN


def dependencies_met(status: str, dependencies: Iterable[tuple[JobState, JobHealth]]) -> bool:
    """Whether every job matched by ``criteria.dependency_query`` already satisfies ``status``.

    ``dependencies`` are the (state, health) pairs of the jobs the query selects, the notifying
    job excluded. ``finished`` and ``running`` test the state, the health statuses test the
    health; ``all`` ignores the query. No matching job means the condition holds.
    """
    if status == "all":
        return True
    if status in ("finished", "running"):
        wanted = JobState.FINISHED if status == "finished" else JobState.RUNNING
        return all(state is wanted for state, _ in dependencies)
    return all(health is _BY_HEALTH[status] for _, health in dependencies)


def change_matches(kind: str, health: JobHealth, previous_health: JobHealth | None) -> bool:
    """Whether ``criteria.type`` (``regression`` or ``progression``) holds.

    Regression: the previous job finished Complete and this one Incomplete; progression: the
    reverse. Without a previous job (``None``) nothing changed, so neither fires.
    """
    return (previous_health, health) == _CHANGES[kind]


def previous_health(candidates: Sequence[ListedJob], job_id: int) -> JobHealth | None:
    """The health this job is compared with for regression / progression, or ``None``.

    ``candidates`` are the jobs the caller selected: those of ``compare.query`` when the block
    has one, else the finished jobs with the same description, device type and submitter.
    The answer is the health of the newest candidate older than the job (lower id) that
    finished Complete or Incomplete. Canceled jobs are passed over: a canceled run says nothing
    about the result, so it neither hides nor causes a regression (our reading of
    decisions.md §10, where the spec is silent).
    """
    earlier = (
        job
        for job in candidates
        if job.id < job_id
        and job.state is JobState.FINISHED
        and job.health in (JobHealth.COMPLETE, JobHealth.INCOMPLETE)
    )
    newest = max(earlier, key=lambda job: job.id, default=None)
    return None if newest is None else newest.health


def should_notify(
    notify: Mapping[str, Any],
    state: JobState,
    health: JobHealth,
    *,
    previous: JobHealth | None = None,
    dependencies: Iterable[tuple[JobState, JobHealth]] = (),
) -> bool:
    """Whether the job, which has just entered ``state``/``health``, fires ``notify``.

    ``previous`` is the health returned by :func:`previous_health` (used only with
    ``criteria.type``); ``dependencies`` are the (state, health) pairs of the jobs selected by
    ``criteria.dependency_query`` (used only when the block has one). The ``dependency_query``
    test comes first, as in LAVA; then the status, then the change type.
    """
    criteria = notify["criteria"]
    status = criteria["status"]
    if "dependency_query" in criteria and not dependencies_met(status, dependencies):
        return False
    if not status_matches(status, state, health):
        return False
    kind = criteria.get("type")
    return kind is None or change_matches(kind, health, previous)


@dataclass(frozen=True)
class CallbackSpec:
    """One callback of the block, with LAVA's defaults filled in."""

    url: str
    method: str = "GET"
    token: str | None = None
    """The token *name or value* as written; the caller resolves it to the secret to send."""
    header: str = "Authorization"
    dataset: str = "minimal"
    content_type: str = "urlencoded"


@dataclass(frozen=True)
class RecipientSpec:
    """One email or IRC recipient of the block (``user`` resolved by the caller)."""

    method: str
    user: str | None = None
    email: str | None = None
    handle: str | None = None
    server: str | None = None


def callbacks_of(notify: Mapping[str, Any]) -> tuple[CallbackSpec, ...]:
    """The block's callbacks in invocation order (``callbacks``, or the legacy ``callback``)."""
    written = notify.get("callbacks") or ([notify["callback"]] if "callback" in notify else [])
    return tuple(
        CallbackSpec(
            url=callback["url"],
            method=callback.get("method", "GET"),
            token=callback.get("token"),
            header=callback.get("header", "Authorization"),
            dataset=callback.get("dataset", "minimal"),
            content_type=callback.get("content-type", "urlencoded"),
        )
        for callback in written
    )


def recipients_of(
    notify: Mapping[str, Any], submitter: str, device_owner: str | None = None
) -> tuple[RecipientSpec, ...]:
    """The block's email and IRC recipients, in order, as LAVA creates them.

    Without ``recipients`` and without callbacks the submitter gets an email. A ``user`` of
    ``{LAVA_DEVICE_OWNER}`` becomes ``device_owner`` (the physical owner of the job's device),
    or is skipped when there is none. A second recipient with the same user and method is
    dropped (LAVA's unique constraint).
    """
    if "recipients" not in notify:
        has_callbacks = "callbacks" in notify or "callback" in notify
        return () if has_callbacks else (RecipientSpec(method="email", user=submitter),)
    recipients: list[RecipientSpec] = []
    seen: set[tuple[str, str]] = set()
    for item in notify["recipients"]:
        to = item["to"]
        user = to.get("user")
        if user == DEVICE_OWNER:
            if device_owner is None:
                continue
            user = device_owner
        if user is not None:
            if (user, to["method"]) in seen:
                continue
            seen.add((user, to["method"]))
        recipients.append(
            RecipientSpec(
                method=to["method"],
                user=user,
                email=to.get("email"),
                handle=to.get("handle"),
                server=to.get("server"),
            )
        )
    return tuple(recipients)
