"""LAVA's enumerations: the small integers stored in the database and their display names."""

from __future__ import annotations

import enum


class LabEnum(enum.IntEnum):
    """An integer enum whose members carry LAVA's display name."""

    display: str

    def __new__(cls, value: int, display: str) -> LabEnum:
        member = int.__new__(cls, value)
        member._value_ = value
        member.display = display
        return member

    @classmethod
    def from_display(cls, text: str) -> LabEnum:
        """Find a member by its display name or its API input name (case-insensitive)."""
        wanted = text.strip().lower()
        for member in cls:
            if member.display.lower() == wanted or member.name.lower() == wanted:
                return member
        raise ValueError(f"unknown {cls.__name__} {text!r}")


class JobState(LabEnum):
    SUBMITTED = 0, "Submitted"
    SCHEDULING = 1, "Scheduling"
    SCHEDULED = 2, "Scheduled"
    RUNNING = 3, "Running"
    CANCELING = 4, "Canceling"
    FINISHED = 5, "Finished"


class JobHealth(LabEnum):
    UNKNOWN = 0, "Unknown"
    COMPLETE = 1, "Complete"
    INCOMPLETE = 2, "Incomplete"
    CANCELED = 3, "Canceled"


class DeviceState(LabEnum):
    IDLE = 0, "Idle"
    RESERVED = 1, "Reserved"
    RUNNING = 2, "Running"


class DeviceHealth(LabEnum):
    GOOD = 0, "Good"
    UNKNOWN = 1, "Unknown"
    LOOPING = 2, "Looping"
    BAD = 3, "Bad"
    MAINTENANCE = 4, "Maintenance"
    RETIRED = 5, "Retired"


class WorkerState(LabEnum):
    ONLINE = 0, "Online"
    OFFLINE = 1, "Offline"


class WorkerHealth(LabEnum):
    ACTIVE = 0, "Active"
    MAINTENANCE = 1, "Maintenance"
    RETIRED = 2, "Retired"


class HealthDenominator(LabEnum):
    HOURS = 0, "hours"
    JOBS = 1, "jobs"


class TestResult(LabEnum):
    __test__ = False

    PASS = 0, "pass"
    FAIL = 1, "fail"
    SKIP = 2, "skip"
    UNKNOWN = 3, "unknown"


PRIORITY_LOW = 0
PRIORITY_MEDIUM = 50
PRIORITY_HIGH = 100
