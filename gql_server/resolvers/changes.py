"""A process-wide count of writes, so that caches of read results know when to let go."""

from __future__ import annotations


class ChangeCounter:
    """Bumped after every committed write made through the resolvers of this process."""

    def __init__(self) -> None:
        self.version = 0

    def bump(self) -> None:
        """Record that the lab changed."""
        self.version += 1
