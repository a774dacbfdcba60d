"""Named domain errors; every one carries a stable code, a field and a bilingual message.

Fields are the domain's names (room, date, start, end, id); each surface maps them to its own.
"""

from __future__ import annotations

from typing import ClassVar


class BookingError(Exception):
    """Base class of every error the booking domain raises on purpose."""

    code = "booking_error"
    field: str | None = None

    def __init__(self, message: str, message_ja: str | None = None, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.message_ja = message_ja or message
        if field is not None:
            self.field = field

    def to_dict(self) -> dict[str, str | None]:
        """Describe the error for an API body or a tool result."""
        return {
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "message_ja": self.message_ja,
        }


class InvalidReservation(BookingError):
    """A policy rule rejects the requested time or data."""

    code = "invalid_reservation"

    def __init__(self, reason: str, message: str, message_ja: str, field: str | None = None):
        super().__init__(message, message_ja, field)
        self.reason = reason

    def to_dict(self) -> dict[str, str | None]:
        """Describe the error, including which rule was broken."""
        return {**super().to_dict(), "reason": self.reason}


class RoomNotFound(BookingError):
    """No room has the given id, name or alias."""

    code = "room_not_found"
    field = "room"

    def __init__(self, room: str):
        super().__init__(
            f"There is no room called {room!r}. `/rooms` lists the rooms.",
            f"会議室「{room}」が見つかりません。`/rooms` で会議室の一覧を確認できます。",
        )
        self.room = room


class ReservationNotFound(BookingError):
    """No reservation has the given id."""

    code = "reservation_not_found"
    field = "id"

    def __init__(self, reservation_id: int):
        super().__init__(
            f"There is no booking #{reservation_id}. `/mybookings` lists yours with their numbers.",
            f"予約#{reservation_id}が見つかりません。`/mybookings` で予約番号を確認できます。",
        )
        self.reservation_id = reservation_id


class SlotTaken(BookingError):
    """The room is already booked for (part of) the requested time."""

    code = "slot_taken"
    field = "start"

    def __init__(
        self,
        room_id: str,
        conflicting_id: int | None = None,
        room_name: str = "",
        room_name_en: str = "",
    ):
        label = room_name_en or room_name or f"Room {room_id}"
        label_ja = room_name or f"会議室 {room_id}"
        super().__init__(
            f"{label} is already booked at that time. `/today {label}` shows when it is free.",
            f"{label_ja}はその時間すでに予約されています。`/today {label_ja}` で空き時間を確認できます。",
        )
        self.room_id = room_id
        self.conflicting_id = conflicting_id


class NotOwner(BookingError):
    """Only the person who booked (or an admin) may change or cancel a reservation."""

    code = "not_owner"
    field = "id"

    def __init__(self, reservation_id: int):
        super().__init__(
            f"Only the person who booked #{reservation_id} can change or cancel it.",
            f"予約#{reservation_id}を変更・キャンセルできるのは予約した本人だけです。",
        )
        self.reservation_id = reservation_id


class AlreadyCancelled(BookingError):
    """The reservation was cancelled before."""

    code = "already_cancelled"
    field = "id"

    def __init__(self, reservation_id: int):
        super().__init__(
            f"Booking #{reservation_id} is already cancelled.",
            f"予約#{reservation_id}はすでにキャンセルされています。",
        )
        self.reservation_id = reservation_id


class UnsupportedEvent(BookingError):
    """A calendar event the bot cannot turn into a reservation (all-day, recurring, no times)."""

    code = "unsupported_event"
    field = "start"
    TEXTS: ClassVar[dict[str, tuple[str, str]]] = {
        "all_day": ("All-day events cannot book a room.", "終日の予定では会議室を予約できません。"),
        "recurring": (
            "Repeating events cannot book a room here; book each date.",
            "繰り返しの予定では会議室を予約できません。日付ごとに予約してください。",
        ),
    }

    def __init__(self, kind: str):
        en, ja = self.TEXTS.get(kind, self.TEXTS["all_day"])
        super().__init__(en, ja)
        self.kind = kind
