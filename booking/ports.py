"""Ports: what the use cases need from storage, as abstract classes and protocols."""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol

from booking.calendar import CalendarLink, FeedToken, OutboxEntry
from booking.model import BoardToken, Reservation, Room
from booking.rules import Decision, Notice, Series, WaitEntry
from booking.usage import Held, Outcomes


class RoomRepository(Protocol):
    """Read access to rooms."""

    def list(self) -> list[Room]:
        """All rooms, ordered by id."""
        ...

    def get(self, room_id: str) -> Room | None:
        """The room with this exact id."""
        ...


class ReservationRepository(Protocol):
    """Storage of reservations."""

    def add(
        self, reservation: Reservation, outbox: Sequence[OutboxEntry] = (), alone: bool = False
    ) -> Reservation:
        """Store a new reservation and return it with its id, with its calendar outbox entries
        (their reservation id filled in). StaleRooms under `trying()` when rooms changed.
        `alone`: the unit of work writes nothing else and commits right after, so storage may
        make the reservation durable at once (one statement as its own transaction)."""
        ...

    def get(self, reservation_id: int, *, for_update: bool = False) -> Reservation | None:
        """The reservation with this id (locked for update when asked)."""
        ...

    def save(self, reservation: Reservation) -> None:
        """Persist changes to an existing reservation."""
        ...

    def active_between(
        self, start: datetime, end: datetime, room_id: str | None = None
    ) -> list[Reservation]:
        """Active reservations overlapping [start, end), ordered by start."""
        ...

    def upcoming_for_owner(self, owner_id: str, now: datetime, limit: int) -> list[Reservation]:
        """Active reservations of one person that have not ended yet, soonest first."""
        ...

    def claim_due_reminders(self, now: datetime, lead: timedelta, limit: int) -> list[Reservation]:
        """Lock unreminded active reservations starting within the lead (others skip them)."""
        ...

    def claim_no_shows(self, now: datetime, grace: timedelta, limit: int) -> list[Reservation]:
        """Lock active reservations past start + grace that nobody checked in to."""
        ...

    def held_between(self, start: datetime, end: datetime) -> list[Held]:
        """Spans rooms were held overlapping [start, end): active reservations whole, cancelled
        ones up to their cancellation (none when cancelled before they began), by start."""
        ...

    def outcomes_between(self, start: datetime, end: datetime) -> list[Outcomes]:
        """Per room, the reservations starting in [start, end) not cancelled before they began:
        how many, how many were checked in, how many were released as no-shows."""
        ...

    def for_feed(
        self,
        since: datetime,
        cancelled_since: datetime,
        *,
        room_id: str | None = None,
        owner_id: str | None = None,
    ) -> list[Reservation]:
        """One room's or one owner's reservations starting from `since` (active, or cancelled
        after `cancelled_since`), ordered by start."""
        ...

    def feed_version(
        self,
        since: datetime,
        cancelled_since: datetime,
        *,
        room_id: str | None = None,
        owner_id: str | None = None,
    ) -> str:
        """A value that changes whenever `for_feed` with the same arguments would."""
        ...


class BoardTokenRepository(Protocol):
    """Door boards' tokens (hashes only)."""

    def add(self, token: BoardToken) -> BoardToken:
        """Store a new token and return it with its id."""
        ...

    def get(self, token_id: int) -> BoardToken | None:
        """The token with this id."""
        ...

    def find(self, token_hash: str) -> BoardToken | None:
        """The token with this hash."""
        ...

    def list(self) -> list[BoardToken]:
        """Every token, by id."""
        ...

    def save(self, token: BoardToken) -> None:
        """Persist a changed token (its revocation)."""
        ...


class OutboxRepository(Protocol):
    """Pending calendar writes (the outbox), written in the reservation's transaction."""

    def add(self, entry: OutboxEntry) -> None:
        """Record a pending write."""
        ...

    def next_due(self, now: datetime) -> OutboxEntry | None:
        """Lock the oldest entry that is neither done, leased nor waiting for a retry."""
        ...

    def same_target(self, entry: OutboxEntry) -> list[OutboxEntry]:
        """The undone entries with the same target (reservation or event) up to this one."""
        ...

    def lease(self, ids: list[int], until: datetime) -> None:
        """Keep other drainers off these entries until the given time."""
        ...

    def done(self, ids: list[int], now: datetime) -> None:
        """Mark entries delivered."""
        ...

    def failed(self, ids: list[int], attempts: int, retry_at: datetime, error: str) -> None:
        """Release entries for a retry at the given time."""
        ...

    def pending(self) -> int:
        """How many entries wait to be delivered."""
        ...

    def prune(self, before: datetime) -> int:
        """Delete delivered entries older than the given time; how many."""
        ...

    def forget_ended(self, before: datetime, limit: int) -> int:
        """Delete up to `limit` entries of reservations that ended before the given time; how
        many."""
        ...


class CalendarLinkRepository(Protocol):
    """External events seen in room calendars, and each calendar's sync cursor."""

    def get(self, room_id: str, href: str) -> CalendarLink | None:
        """The link of one event of a room's calendar."""
        ...

    def for_reservation(self, reservation_id: int) -> CalendarLink | None:
        """The external event a reservation came from, if any."""
        ...

    def in_room(self, room_id: str) -> list[CalendarLink]:
        """Every link of a room's calendar."""
        ...

    def save(self, link: CalendarLink) -> None:
        """Insert or update a link."""
        ...

    def delete(self, room_id: str, href: str) -> None:
        """Forget a link (its event is gone)."""
        ...

    def cursor(self, room_id: str) -> str | None:
        """Where the last pull of the room's calendar stopped."""
        ...

    def set_cursor(self, room_id: str, cursor: str | None, now: datetime) -> None:
        """Remember where the pull stopped (None: list everything next time)."""
        ...


class FeedTokenRepository(Protocol):
    """People's calendar-feed tokens, stored hashed."""

    def get(self, owner_id: str) -> FeedToken | None:
        """The owner's token record."""
        ...

    def save(self, token: FeedToken) -> None:
        """Insert or update the owner's record."""
        ...

    def owner_of(self, token_hash: str) -> str | None:
        """The owner whose live token has this hash."""
        ...


class JobRunRepository(Protocol):
    """Which once-per-key jobs (the daily digest) have run."""

    def claim(self, name: str, run_key: str, now: datetime) -> bool:
        """Record the run; False when it was recorded before (by any process)."""
        ...


class SeriesRepository(Protocol):
    """Storage of repeating bookings; their dates are reservations carrying the series id."""

    def add(self, series: Series) -> Series:
        """Store a new series and return it with its id."""
        ...

    def get(self, series_id: int) -> Series | None:
        """The series with this id."""
        ...

    def dates(self, series_id: int, *, for_update: bool = False) -> list[Reservation]:
        """Every reservation of the series (cancelled ones too), by occurrence."""
        ...


class WaitlistRepository(Protocol):
    """Storage of people waiting for a slot to free up."""

    def add(self, entry: WaitEntry) -> WaitEntry:
        """Store a new entry and return it with its id."""
        ...

    def get(self, entry_id: int, *, for_update: bool = False) -> WaitEntry | None:
        """The entry with this id."""
        ...

    def save(self, entry: WaitEntry) -> None:
        """Persist changes to an entry."""
        ...

    def waiting_for(
        self, owner_id: str, room_id: str, start: datetime, end: datetime
    ) -> WaitEntry | None:
        """The owner's entry still waiting for exactly this slot, if any."""
        ...

    def ahead_of(self, entry: WaitEntry) -> int:
        """How many earlier entries still wait for an overlapping slot of the same room."""
        ...

    def rooms_waited_on(self) -> list[str]:
        """Rooms with entries waiting or offered, by id."""
        ...

    def lock_room(self, room_id: str) -> bool:
        """Take the room's waitlist for this transaction; False when another process has it."""
        ...

    def in_room(self, room_id: str, status: str) -> list[WaitEntry]:
        """The room's entries in one status, first come first."""
        ...

    def holding(self, reservation_id: int) -> WaitEntry | None:
        """The entry whose offer is this held reservation."""
        ...


class NoticeRepository(Protocol):
    """The outbox of messages to people, each delivered once by the scheduler."""

    def add(self, notice: Notice) -> None:
        """Queue a notice (in the transaction of the change it tells about)."""
        ...

    def claim_next(self, now: datetime) -> Notice | None:
        """Lock the oldest due, undelivered notice (others skip it)."""
        ...

    def mark(self, notice_id: int, now: datetime, outcome: str, ref: str) -> None:
        """Record how the notice went; it is never claimed again."""
        ...

    def defer(self, notice_id: int, until: datetime) -> None:
        """Leave the notice for a later poll."""
        ...

    def request_to(self, reservation_id: int, recipient: str) -> Notice | None:
        """The approval request sent (or queued) to one approver about a reservation."""
        ...

    def prune(self, before: datetime) -> int:
        """Forget notices delivered before then, but none about a booking still pending."""
        ...


class ApprovalRepository(Protocol):
    """Decisions on pending reservations: at most one each."""

    def decide(self, decision: Decision) -> bool:
        """Record the decision; False when the reservation already has one."""
        ...

    def get(self, reservation_id: int) -> Decision | None:
        """The decision on a reservation, if any."""
        ...

    def claim_expired(self, now: datetime, timeout: timedelta, limit: int) -> list[Reservation]:
        """Lock pending reservations older than the timeout or already started (others skip)."""
        ...


Observer = Callable[[str, dict[str, Any]], None]


class AbstractUnitOfWork(abc.ABC):
    """One transaction over the repositories; commit explicitly, roll back on exit.

    Use cases `record` what happened (booked, conflict, cancelled); an observer injected by
    the composition root (metrics) hears it. The domain itself does no I/O.
    """

    rooms: RoomRepository
    reservations: ReservationRepository
    job_runs: JobRunRepository
    board_tokens: BoardTokenRepository
    outbox: OutboxRepository
    calendar_links: CalendarLinkRepository
    feed_tokens: FeedTokenRepository
    series: SeriesRepository
    waitlist: WaitlistRepository
    notices: NoticeRepository
    approvals: ApprovalRepository
    observer: Observer | None = None
    optimistic = False  # set by trying() for the next `with` only
    read_only = False  # set by reading() for the next `with` only

    def trying(self) -> AbstractUnitOfWork:
        """This unit of work, for its next `with`, on cached data used unchecked: a write, or a
        read of reservations, then raises StaleRooms if it changed meanwhile (the caller runs
        again without trying())."""
        self.optimistic = True
        return self

    def reading(self) -> AbstractUnitOfWork:
        """This unit of work, for its next `with`, only reads: each statement may run as its
        own transaction (no BEGIN or ROLLBACK), and commit() is refused."""
        self.read_only = True
        return self

    def record(self, event: str, **data: Any) -> None:
        """Tell the observer, if any, that something happened."""
        if self.observer is not None:
            self.observer(event, data)

    def __enter__(self) -> AbstractUnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    @abc.abstractmethod
    def commit(self) -> None:
        """Make the work durable (raises SlotTaken when the database refuses an overlap)."""

    @abc.abstractmethod
    def rollback(self) -> None:
        """Discard uncommitted work."""
