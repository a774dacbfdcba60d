"""Series, waitlist entries, approval decisions and notices: the values behind the booking rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from booking.clock import local
from booking.model import TimeSlot

Repeat = Literal["daily", "weekly"]
Scope = Literal["this", "following", "all"]
STEP = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}

WAITING, OFFERED, BOOKED = "waiting", "offered", "booked"  # a waitlist entry's life
LAPSED, DECLINED, GONE, LEFT = "lapsed", "declined", "gone", "left"

APPROVED, REJECTED, EXPIRED = "approved", "rejected", "expired"  # an approval's outcome
TIMEOUT = "approval-timeout"  # who 'decided' an expired request

# What a notice tells whom: approvers get requests (and see them decided), requesters the
# outcome, waiters an offer of a freed slot.
REQUEST, DECIDED, RESULT, OFFER = "approval_request", "approval_decided", "approval_result", "offer"


@dataclass(frozen=True)
class Series:
    """A repeating booking: the same room and wall-clock times on `count` dates."""

    room_id: str
    owner_id: str
    first: TimeSlot
    repeat: Repeat
    count: int
    title: str = ""
    weekdays_only: bool = False  # daily series: skip Saturdays and Sundays
    id: int | None = None
    created_at: datetime | None = None
    source: str = "api"

    def slots(self, tz: ZoneInfo) -> list[TimeSlot]:
        """The planned slots in order (the n-th is occurrence n), stepping wall-clock days."""
        start, end = local(self.first.start, tz), local(self.first.end, tz)
        planned: list[TimeSlot] = []
        offset = timedelta(0)
        while len(planned) < self.count:
            day = start + offset
            offset += STEP[self.repeat]
            if self.weekdays_only and self.repeat == "daily" and day.weekday() >= 5:
                continue
            planned.append(TimeSlot(day, end + (day - start)).in_utc())
        return planned


@dataclass(frozen=True)
class WaitEntry:
    """Someone waiting for a slot of a room to free up, first come first served."""

    room_id: str
    owner_id: str
    slot: TimeSlot
    title: str = ""
    id: int | None = None
    status: str = WAITING
    created_at: datetime | None = None
    source: str = "api"
    offered_at: datetime | None = None
    hold_until: datetime | None = None
    held_id: int | None = None  # the `held` reservation made for the waiter

    @property
    def start(self) -> datetime:
        """Start instant of the wanted slot."""
        return self.slot.start

    @property
    def end(self) -> datetime:
        """End instant of the wanted slot."""
        return self.slot.end


@dataclass(frozen=True)
class Decision:
    """The one decision on a pending reservation: approved, rejected or expired."""

    reservation_id: int
    outcome: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class Notice:
    """A message to one person about one reservation, sent once by the scheduler."""

    kind: str
    recipient: str  # a namespaced identity: its surface's notifier delivers it
    reservation_id: int
    data: dict[str, str] = field(default_factory=dict)
    id: int | None = None
    created_at: datetime | None = None
    due_at: datetime | None = None
    sent_at: datetime | None = None
    outcome: str | None = None
    ref: str = ""  # where the surface put it (e.g. Slack 'channel|ts'), to update it later

    @property
    def decided_by(self) -> str:
        """Who decided (for decision notices)."""
        return self.data.get("by", "")

    @property
    def outcome_told(self) -> str:
        """The outcome the notice tells (approved, rejected, expired)."""
        return self.data.get("outcome", "")
