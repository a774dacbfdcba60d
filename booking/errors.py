"""Named domain errors; every one carries a stable code, a field and a bilingual message.

Fields are the domain's names (room, date, start, end, id); each surface maps them to its own.
"""

from __future__ import annotations

from datetime import date, datetime
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
        self.wanted: tuple[datetime, datetime] | None = None  # the slot asked for, when known


class StaleRooms(Exception):
    """The rooms changed after a unit of work read them from a cache; run the use case again."""


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


class NotApprover(BookingError):
    """Only the room's approvers may approve or reject a booking of it."""

    code = "not_approver"
    field = "id"

    def __init__(self, reservation_id: int):
        super().__init__(
            f"Only the room's approvers can approve or reject booking #{reservation_id}.",
            f"予約#{reservation_id}を承認・却下できるのは、この会議室の承認者だけです。",
        )
        self.reservation_id = reservation_id


class AlreadyDecided(BookingError):
    """Someone decided on the pending booking first (or it expired, or was cancelled)."""

    code = "already_decided"
    field = "id"

    def __init__(self, reservation_id: int, outcome: str = "", decided_by: str = ""):
        words = {"approved": ("approved", "承認"), "rejected": ("rejected", "却下")}
        en, ja = words.get(outcome, ("settled", "処理"))
        super().__init__(
            f"Booking #{reservation_id} was already {en}.",
            f"予約#{reservation_id}はすでに{ja}されています。",
        )
        self.reservation_id, self.outcome, self.decided_by = reservation_id, outcome, decided_by


class SlotFree(BookingError):
    """Nobody holds the slot: book it instead of waiting for it."""

    code = "slot_free"
    field = "start"

    def __init__(self, room_id: str, room_name: str = "", room_name_en: str = ""):
        label, label_ja = room_name_en or room_name or room_id, room_name or room_id
        super().__init__(
            f"{label} is free at that time: book it directly.",
            f"{label_ja}はその時間空いています。そのまま予約できます。",
        )
        self.room_id = room_id


class SlotYours(BookingError):
    """Only the asker holds the slot: there is nothing to wait for."""

    code = "slot_yours"
    field = "start"

    def __init__(self, room_id: str, reservation_id: int | None):
        super().__init__(
            f"You already hold that slot (#{reservation_id}): there is nothing to wait for.",
            f"その時間はすでにあなたの予約です（#{reservation_id}）。キャンセル待ちは不要です。",
        )
        self.room_id, self.reservation_id = room_id, reservation_id


class OfferLapsed(BookingError):
    """The slot held for a waiter was not taken in time (or was declined)."""

    code = "offer_lapsed"
    field = "id"

    def __init__(self, reservation_id: int):
        super().__init__(
            f"The hold on #{reservation_id} has lapsed; the slot went to the next person waiting.",
            f"予約#{reservation_id}の仮押さえは期限が切れ、次に待っている人に回りました。",
        )
        self.reservation_id = reservation_id


class SeriesNotFound(BookingError):
    """No series has the given id."""

    code = "series_not_found"
    field = "id"

    def __init__(self, series_id: int):
        super().__init__(
            f"There is no repeating booking #{series_id}.",
            f"繰り返し予約#{series_id}が見つかりません。",
        )
        self.series_id = series_id


class SeriesDateNotFound(BookingError):
    """The series has no booked date on the given day."""

    code = "series_date_not_found"
    field = "date"

    def __init__(self, series_id: int, day: date):
        super().__init__(
            f"Repeating booking #{series_id} has no date on {day:%b} {day.day}.",
            f"繰り返し予約#{series_id}には{day.month}月{day.day}日の予約がありません。",
        )
        self.series_id = series_id


class NotSeriesOwner(BookingError):
    """Only the person who booked a series (or an admin) may cancel its dates."""

    code = "not_owner"
    field = "id"

    def __init__(self, series_id: int):
        super().__init__(
            f"Only the person who booked repeating booking #{series_id} can change it.",
            f"繰り返し予約#{series_id}を変更できるのは予約した本人だけです。",
        )
        self.series_id = series_id


class WaitNotFound(BookingError):
    """No waitlist entry has the given id (or it is not the actor's)."""

    code = "wait_not_found"
    field = "id"

    def __init__(self, entry_id: int):
        super().__init__(
            f"There is no waitlist entry #{entry_id} of yours.",
            f"キャンセル待ち#{entry_id}が見つかりません。",
        )
        self.entry_id = entry_id
