"""Scheduled work of the booking rules: approval expiry, waitlist offers, notice delivery (and
forgetting old notices).

Each is safe in several scheduler processes at once (rows claimed with FOR UPDATE SKIP LOCKED,
a room's waitlist locked for its turn) and takes `now`, like the reminders.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from booking import approvals, notices, waitlist
from booking.identity import surface_of
from booking.model import Reservation
from booking.ports import AbstractUnitOfWork
from booking.rules import Notice
from bot.reminders.notify import Delivery, Notifier

log = logging.getLogger(__name__)
BATCH = 100
Job = Callable[[datetime], object]


class RuleJobs:
    """Expire undecided approvals, offer freed slots to waiters, deliver the queued notices."""

    def __init__(
        self,
        uow: Callable[[], AbstractUnitOfWork],
        notifiers: Mapping[str, Notifier],
        approval_timeout: timedelta,
        hold: timedelta,
    ):
        self.uow, self.notifiers = uow, notifiers
        self.approval_timeout, self.hold = approval_timeout, hold

    def table(self) -> list[tuple[str, Job]]:
        """The jobs by name, in the order a tick runs them (freed slots are offered, then told)."""
        return [
            ("approvals", self.expire_approvals),
            ("waitlist", self.offer_waitlist),
            ("notices", self.deliver_notices),
            ("notices_prune", lambda now: notices.prune(self.uow(), now)),
        ]

    def expire_approvals(self, now: datetime) -> int:
        """Expire pending bookings past APPROVAL_TIMEOUT_HOURS or their start; each once."""
        expired = 0
        for _ in range(BATCH):
            if approvals.expire_next(self.uow(), now=now, timeout=self.approval_timeout) is None:
                break
            expired += 1
        return expired

    def offer_waitlist(self, now: datetime) -> int:
        """Settle lapsed offers and hold freed slots for the first waiters, room by room."""
        offered = 0
        for room_id in waitlist.rooms_to_visit(self.uow()):
            offered += len(
                waitlist.offer_freed(self.uow(), room_id=room_id, now=now, hold=self.hold)
            )
        return offered

    def deliver_notices(self, now: datetime) -> int:
        """Deliver due notices through each recipient's surface; a struggling surface waits."""
        sent = 0
        for _ in range(BATCH):
            outcome = notices.deliver_next(self.uow(), now=now, send=self._send)
            if outcome is None or outcome == "retry":
                break
            sent += outcome == "sent"
        return sent

    def _send(self, notice: Notice, r: Reservation) -> Delivery:
        notifier = self.notifiers.get(surface_of(notice.recipient))
        if notifier is None:
            return "skipped", ""
        return notifier.notify(notice, r)
