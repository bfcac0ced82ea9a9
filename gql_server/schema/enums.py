"""LAVA's enumerations as GraphQL enums (values are the stored integers)."""

from __future__ import annotations

import enum

import strawberry

from gql_server.lab import enums
from gql_server.resolvers.jobs import JobOrderField

JobState = strawberry.enum(enums.JobState, description="A test job's state.")
JobHealth = strawberry.enum(enums.JobHealth, description="A test job's outcome.")
DeviceState = strawberry.enum(enums.DeviceState, description="What a device is doing.")
DeviceHealth = strawberry.enum(enums.DeviceHealth, description="Whether a device may run jobs.")
WorkerState = strawberry.enum(enums.WorkerState, description="Whether a worker is polling.")
WorkerHealth = strawberry.enum(enums.WorkerHealth, description="A worker's admin health.")
HealthDenominator = strawberry.enum(
    enums.HealthDenominator, description="Health checks every N hours or every N jobs."
)
TestResult = strawberry.enum(enums.TestResult, description="A test case's result.")
JobOrderBy = strawberry.enum(JobOrderField, name="JobOrderBy", description="Job sort keys.")


@strawberry.enum(description="Sort direction.")
class Direction(enum.Enum):
    ASC = "asc"
    DESC = "desc"


@strawberry.enum(description="A format a job's test results can be downloaded in.")
class ResultsFormat(enum.Enum):
    CSV = "csv"
    YAML = "yaml"
    JUNIT = "junit"
    TAP13 = "tap13"


@strawberry.enum(description="How a notification is delivered.")
class NotificationKind(enum.Enum):
    EMAIL = "email"
    IRC = "irc"
    CALLBACK = "callback"


@strawberry.enum(description="Where a notification's delivery stands.")
class NotificationStatus(enum.Enum):
    PENDING = strawberry.enum_value("pending", description="Not sent yet; will be tried.")
    SENT = strawberry.enum_value("sent", description="Delivered.")
    FAILED = strawberry.enum_value("failed", description="Given up: not sent.")
