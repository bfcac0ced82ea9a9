"""``scheduler.workers.*``: workers."""

from __future__ import annotations

NAMESPACE = "scheduler.workers"
API_CLASS = "SchedulerWorkersAPI"

METHODS: dict = {}
