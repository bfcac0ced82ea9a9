"""``scheduler.tags.*``: tags."""

from __future__ import annotations

NAMESPACE = "scheduler.tags"
API_CLASS = "SchedulerTagsAPI"

METHODS: dict = {}
