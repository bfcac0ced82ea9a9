"""GraphQL filter inputs. Each mirrors a resolver filter dataclass field for field."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, TypeVar

import strawberry

from gql_server.schema.enums import DeviceHealth, DeviceState, JobHealth, JobState, TestResult

F = TypeVar("F")


@strawberry.input(description="Conditions on jobs; every given one must hold.")
class JobFilterInput:
    ids: list[int] | None = None
    states: list[JobState] | None = None
    healths: list[JobHealth] | None = None
    device_types: list[str] | None = strawberry.field(
        default=None, description="Requested device type names."
    )
    devices: list[str] | None = strawberry.field(
        default=None, description="Hostnames of the devices the jobs ran on."
    )
    submitters: list[str] | None = strawberry.field(default=None, description="Usernames.")
    tags: list[str] | None = strawberry.field(
        default=None, description="Jobs requiring all of these tags."
    )
    health_check: bool | None = None
    is_public: bool | None = None
    description_contains: str | None = strawberry.field(
        default=None, description="Case-insensitive text in the job name."
    )
    submitted_after: dt.datetime | None = None
    submitted_before: dt.datetime | None = None
    started_after: dt.datetime | None = None
    started_before: dt.datetime | None = None
    ended_after: dt.datetime | None = None
    ended_before: dt.datetime | None = None


@strawberry.input(description="Conditions on devices; every given one must hold.")
class DeviceFilterInput:
    hostnames: list[str] | None = None
    states: list[DeviceState] | None = None
    healths: list[DeviceHealth] | None = None
    device_types: list[str] | None = None
    workers: list[str] | None = None
    tags: list[str] | None = strawberry.field(
        default=None, description="Devices carrying all of these tags."
    )


@strawberry.input(description="Conditions on test cases; every given one must hold.")
class TestCaseFilterInput:
    __test__ = False

    results: list[TestResult] | None = None
    suite_names: list[str] | None = None
    names: list[str] | None = strawberry.field(default=None, description="Test case names.")


def to_resolver_filter(filter_class: type[F], given: Any, **fixed: Any) -> F:
    """The resolver filter for a GraphQL input (or None), with ``fixed`` conditions added."""
    values = dict(fixed)
    if given is not None:
        for field in dataclasses.fields(given):
            value = getattr(given, field.name)
            if value is not None and field.name not in values:
                values[field.name] = value
    return filter_class(**values)
