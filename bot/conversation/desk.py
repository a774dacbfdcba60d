"""The booking actions surfaces offer outside the conversation: commands, buttons and forms.

Surface-neutral: each verb takes the verified actor and returns domain values (or raises a
BookingError); the surface renders them as Block Kit or Adaptive Cards.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Protocol

from booking import boards, services
from booking.clock import at
from booking.errors import BookingError, SlotTaken
from booking.identity import local_id
from booking.model import BoardToken, Reservation, Room, TimeSlot
from booking.policy import Policy
from booking.ports import AbstractUnitOfWork
from booking.services import RoomDay
from booking.usage import Period, Utilisation
from bot.conversation.i18n import t
from bot.conversation.offline.understand import understand
from bot.conversation.rules_desk import RulesDesk

Clock = Callable[[], datetime]


class MissingFields(BookingError):
    """A typed booking request lacks a room, date or time."""

    code = "missing_fields"

    def __init__(self, missing: list[str], lang: str):
        names = ", ".join(t("field_" + m.replace("day", "date"), lang) for m in missing) or "?"
        text = t("book_missing", lang, what=names)
        super().__init__(text, text)


class CalendarLinks(Protocol):
    """A person's calendar-feed link (bot.calendar.feeds.Feeds): shown, rotated, turned off."""

    def user_link(self, owner: str) -> str | None:
        """The link (issued on first use); None when they turned it off."""
        ...

    def rotate(self, owner: str) -> str:
        """A new link; the old one stops working."""
        ...

    def revoke(self, owner: str) -> None:
        """Turn the link off."""
        ...


class Desk:
    """Bookings for commands and buttons, bound once to storage, the rules and the clock."""

    def __init__(
        self,
        uow: Callable[[], AbstractUnitOfWork],
        policy: Policy,
        clock: Clock,
        admins: frozenset[str] = frozenset(),
        calendar: CalendarLinks | None = None,
        names: Callable[[str], str | None] | None = None,
    ):
        self.uow, self.policy, self.clock, self.admins = uow, policy, clock, admins
        self.calendar, self.names = calendar, names
        self.rules = RulesDesk(uow, policy, clock, admins)  # approvals, waitlist, series

    def name_of(self, owner: str) -> str:
        """A person as any surface may show them: their known display name, else their id."""
        return (self.names(owner) if self.names else None) or local_id(owner)

    def today(self) -> date:
        """Today's date in the office's zone."""
        return self.clock().astimezone(self.policy.tz).date()

    def rooms(self) -> dict[str, Room]:
        """Every room, by id."""
        with self.uow() as uow:
            return {r.id: r for r in uow.rooms.list()}

    def schedule(self, room: str | None = None, day: date | None = None) -> list[RoomDay]:
        """A day's schedule (today by default), every room or one."""
        return services.day_schedule(self.uow(), self.policy, day=day or self.today(), room=room)

    def upcoming(self, actor: str) -> list[Reservation]:
        """The actor's reservations that have not ended yet."""
        return services.upcoming_for_user(self.uow(), owner_id=actor, now=self.clock())

    def book(
        self,
        actor: str,
        room: str,
        start: datetime,
        end: datetime,
        title: str,
        source: str,
        party_size: int | None = None,
    ) -> Reservation:
        """Book a slot for the actor (a SlotTaken carries what was wanted, to wait for it)."""
        try:
            return services.create_reservation(
                self.uow(), self.policy, room=room, start=start, end=end, owner_id=actor,
                now=self.clock(), title=title, source=source, party_size=party_size,
            )  # fmt: skip
        except SlotTaken as taken:
            taken.wanted = (start, end)
            raise

    def book_text(self, actor: str, text: str, lang: str, source: str) -> Reservation:
        """Book from a typed request ('会議室A 明日 14:00-15:00') when it names everything."""
        heard = understand(text, self.clock(), list(self.rooms().values()))
        missing, end = heard.missing_for_booking(), heard.end_time()
        if missing or heard.day is None or heard.start is None or end is None or not heard.room_id:
            raise MissingFields(missing, lang)
        tz = self.policy.tz
        start = at(heard.day, heard.start, tz)
        finish = at(heard.day + timedelta(days=1) if end <= heard.start else heard.day, end, tz)
        return self.book(actor, heard.room_id, start, finish, heard.title or "", source)

    def cancel(self, actor: str, reservation_id: int) -> Reservation:
        """Cancel (or release) a reservation: only its owner or an admin may."""
        return services.cancel_reservation(
            self.uow(), reservation_id=reservation_id, actor_id=actor, now=self.clock(),
            admins=self.admins,
        )  # fmt: skip

    def check_in(self, actor: str, reservation_id: int) -> Reservation:
        """Check in to a reservation: only its owner or an admin may."""
        return services.check_in(
            self.uow(), reservation_id=reservation_id, actor_id=actor, now=self.clock(),
            admins=self.admins,
        )  # fmt: skip

    def board_token(self, room_id: str, token: str) -> BoardToken | None:
        """The live board token of this room matching `token`, else None."""
        return boards.token_opens(self.uow(), room_id=room_id, token=token)

    def walk_up(self, day: RoomDay, minutes: int) -> TimeSlot | None:
        """The slot a walk-up booking of `minutes` would take now, if it could be booked."""
        return boards.walk_up_allowed(self.policy, self.clock(), minutes, day.reservations)

    def book_now(self, token: BoardToken, minutes: int, lang: str) -> Reservation:
        """Book the board's room from now for 15 or 30 minutes, checked in."""
        return boards.book_now(
            self.uow(), self.policy, token=token, minutes=minutes, now=self.clock(),
            title=t("board_walk_up_title", lang),
        )  # fmt: skip

    def utilisation(self, period: Period) -> Utilisation:
        """The rooms' utilisation over whole local days."""
        return services.utilisation(self.uow(), self.policy, period=period)

    def calendar_link(self, actor: str, change: str = "") -> str | None:
        """The actor's calendar-feed link; change='rotate' makes a new one, 'revoke' turns it off."""
        if self.calendar is None:
            return None
        if change == "rotate":
            return self.calendar.rotate(actor)
        if change == "revoke":
            self.calendar.revoke(actor)
            return None
        return self.calendar.user_link(actor)
