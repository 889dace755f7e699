"""The email outbox: mails are queued in the transaction that causes them and sent by the worker."""

from engagement.notifications.outbox import enqueue, notify_editors

__all__ = ["enqueue", "notify_editors"]
