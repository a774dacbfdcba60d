"""Ports: what the use cases need from storage, as abstract classes and protocols."""

from __future__ import annotations

import abc
from collections.abc import Callable
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Protocol

from booking.model import BoardToken, Reservation, Room
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

    def add(self, reservation: Reservation) -> Reservation:
        """Store a new reservation and return it with its id."""
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


class JobRunRepository(Protocol):
    """Which once-per-key jobs (the daily digest) have run."""

    def claim(self, name: str, run_key: str, now: datetime) -> bool:
        """Record the run; False when it was recorded before (by any process)."""
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
    observer: Observer | None = None

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
