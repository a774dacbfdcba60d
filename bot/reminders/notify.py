"""What the scheduled jobs need from a surface: a way to tell an owner, and the digest channel."""

from __future__ import annotations

from datetime import date
from typing import Literal, Protocol

from booking.model import Reservation
from booking.rules import Notice
from booking.services import RoomDay

Outcome = Literal["sent", "retry", "refused", "skipped"]
Delivery = tuple[Outcome, str]  # how it went, and where it landed (to update it later)


class Notifier(Protocol):
    """Tells the owners of one surface about their bookings."""

    def remind(self, r: Reservation) -> Outcome:
        """The reminder before the meeting: 'retry' leaves it for the next poll."""
        ...

    def released(self, r: Reservation, minutes: int) -> None:
        """The booking was released because nobody checked in (failures are logged)."""
        ...

    def notify(self, notice: Notice, r: Reservation) -> Delivery:
        """An approval request, decision or outcome, or a waitlist offer ('retry' leaves it)."""
        ...


class DigestPoster(Protocol):
    """Posts today's schedule to the team's channel."""

    def digest(self, days: list[RoomDay], today: date) -> None:
        """Post it (raises when the post failed, so it is tried again)."""
        ...
