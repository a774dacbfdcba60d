"""Approvals, the waitlist and series for commands, buttons and the API (surface-neutral).

Each verb takes the verified actor and returns domain values (or raises a BookingError).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime

from booking import approvals, series, waitlist
from booking.errors import ReservationNotFound
from booking.model import Reservation
from booking.policy import Policy
from booking.ports import AbstractUnitOfWork
from booking.rules import Decision, Repeat, Scope, Series, WaitEntry
from booking.series import SeriesBooking

Clock = Callable[[], datetime]


class RulesDesk:
    """Decide approvals, wait for slots, take offers, book and cancel series."""

    def __init__(
        self,
        uow: Callable[[], AbstractUnitOfWork],
        policy: Policy,
        clock: Clock,
        admins: frozenset[str] = frozenset(),
    ):
        self.uow, self.policy, self.clock, self.admins = uow, policy, clock, admins

    def decide(
        self, actor: str, reservation_id: int, approve: bool
    ) -> tuple[Reservation, Decision]:
        """Approve or reject a pending booking (only the room's approvers; first one wins)."""
        return approvals.decide(
            self.uow(), reservation_id=reservation_id, approver=actor, approve=approve,
            now=self.clock(),
        )  # fmt: skip

    def join_waitlist(
        self, actor: str, room: str, start: datetime, end: datetime, title: str, source: str
    ) -> tuple[WaitEntry, int]:
        """Wait for a taken slot; the entry and how many wait ahead."""
        return waitlist.join_waitlist(
            self.uow(), self.policy, room=room, start=start, end=end, owner_id=actor,
            now=self.clock(), title=title, source=source,
        )  # fmt: skip

    def leave_waitlist(self, actor: str, entry_id: int) -> WaitEntry:
        """Stop waiting."""
        return waitlist.leave_waitlist(
            self.uow(), entry_id=entry_id, actor_id=actor, admins=self.admins
        )

    def take_offer(self, actor: str, reservation_id: int) -> Reservation:
        """Book the slot held for the actor."""
        return waitlist.take_offer(
            self.uow(), reservation_id=reservation_id, actor_id=actor, now=self.clock()
        )

    def book_series(
        self, actor: str, room: str, start: datetime, end: datetime, title: str, source: str,
        repeat: Repeat, count: int, weekdays_only: bool = False,
    ) -> SeriesBooking:  # fmt: skip
        """Book the free dates of a series; the others come back as clashes."""
        return series.book_series(
            self.uow(), self.policy, room=room, start=start, end=end, owner_id=actor,
            now=self.clock(), repeat=repeat, count=count, weekdays_only=weekdays_only,
            title=title, source=source,
        )  # fmt: skip

    def series(self, series_id: int) -> tuple[Series, list[Reservation]]:
        """A series and every date it booked."""
        return series.get_series(self.uow(), series_id=series_id)

    def cancel_series(
        self, actor: str, series_id: int, scope: Scope, day: date | None
    ) -> list[Reservation]:
        """Cancel one date, it and the following ones, or all (owner or admin)."""
        return series.cancel_series(
            self.uow(), self.policy, series_id=series_id, actor_id=actor, now=self.clock(),
            scope=scope, day=day, admins=self.admins,
        )  # fmt: skip

    def reservation(self, reservation_id: int) -> Reservation:
        """One reservation, whoever's (to read its series and date)."""
        with self.uow() as uow:
            found = uow.reservations.get(reservation_id)
        if found is None:
            raise ReservationNotFound(reservation_id)
        return found

    def series_of(self, reservations: Iterable[Reservation]) -> dict[int, Series]:
        """The series the reservations belong to, by id."""
        ids = {r.series_id for r in reservations if r.series_id is not None}
        with self.uow() as uow:
            found = {i: uow.series.get(i) for i in sorted(ids)}
        return {i: s for i, s in found.items() if s is not None}
