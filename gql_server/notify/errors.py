"""What a sender raises when a delivery did not happen."""

from __future__ import annotations


class DeliveryError(Exception):
    """The delivery failed and may succeed later: the queue retries it with back-off.

    The message is stored as the row's last error, so it must never contain a secret.
    """


class PermanentDeliveryError(DeliveryError):
    """The delivery can never succeed as queued (a refused host, a rejected address):
    the queue marks it failed without retrying."""
