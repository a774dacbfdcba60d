"""The push job: drain the calendar outbox into the room calendars, exactly once per change.

Each task is leased in one transaction, sent, and marked done in another; a crash between the
two leaves the lease to expire and the idempotent write to be repeated (never a duplicate
event: the same UID at the same href). While the server is down the drain stops at the first
failure and the entries wait with a growing back-off; nothing is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from booking import outbox
from booking.calendar import CalendarPort, CalendarRejected, CalendarUnavailable
from booking.outbox import PushTask
from booking.ports import AbstractUnitOfWork

log = logging.getLogger(__name__)
BATCH = 500
KEEP_DONE = timedelta(days=7)


class Pusher:
    """Sends the outbox's tasks through a calendar adapter."""

    def __init__(
        self,
        uow: Callable[[], AbstractUnitOfWork],
        port: CalendarPort,
        lease: timedelta = outbox.LEASE,
        batch: int = BATCH,
    ):
        self.uow, self.port, self.lease, self.batch = uow, port, lease, batch

    def drain(self, now: datetime) -> int:
        """Push due tasks until none is left, the batch is done or the server is down."""
        pushed, sent = 0, None
        for _ in range(self.batch):
            task = outbox.claim_next(self.uow(), now, self.lease, done=sent)
            sent = None
            if task is None:
                return pushed
            try:
                self.send(task)
            except CalendarUnavailable as exc:
                self._retry(task, now, str(exc))
                return pushed  # the next tick tries again; no point hammering a dead server
            except CalendarRejected as exc:
                self._retry(task, now, str(exc))
                continue
            sent, pushed = task, pushed + 1
        if sent is not None:
            outbox.finish(self.uow(), sent, now)
        return pushed

    def send(self, task: PushTask) -> None:
        """Write one task to the room's calendar."""
        if task.action == "put" and task.event is not None:
            self.port.put(task.room, task.href, task.event, task.foreign)
        elif task.action == "remove":
            self.port.remove(task.room, task.href)
        elif task.action == "decline":
            self.port.decline(task.room, task.href, task.reason)

    def _retry(self, task: PushTask, now: datetime, why: str) -> None:
        """Log the failure (no secrets: the adapter's message names only the request kind)."""
        retry_at = outbox.fail(self.uow(), task, now, why)
        log.warning("calendar push of room %s failed (%s); retry at %s", task.room.id, why,
                    retry_at.isoformat())  # fmt: skip

    def prune(self, now: datetime) -> int:
        """Forget delivered entries after a week."""
        with self.uow() as uow:
            gone = uow.outbox.prune(now - KEEP_DONE)
            uow.commit()
            return gone
