"""Rooms, reservations and half-open time slots."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

NO_SHOW = "no-show"  # cancelled_by of a reservation the scheduler released: nobody checked in
ACTIVE, PENDING, HELD = "active", "pending", "held"  # the statuses that hold a slot
CANCELLED, REJECTED, EXPIRED = "cancelled", "rejected", "expired"
HOLDING = (ACTIVE, PENDING, HELD)


def _require_aware(value: datetime, name: str) -> None:
    """Refuse naive datetimes: every instant in the domain carries its offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


@dataclass(frozen=True)
class TimeSlot:
    """A half-open interval [start, end) of aware instants."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        _require_aware(self.start, "start")
        _require_aware(self.end, "end")

    @classmethod
    def read_back(cls, start: datetime, end: datetime) -> TimeSlot:
        """A slot of instants storage read back (aware by construction): made without checks,
        as a day's schedule makes hundreds of them."""
        slot = object.__new__(cls)
        slot.__dict__.update(start=start, end=end)
        return slot

    @property
    def duration(self) -> timedelta:
        """Length of the slot."""
        return self.end - self.start

    def overlaps(self, other: TimeSlot) -> bool:
        """True when the two slots share any instant; touching ends and empty slots do not."""
        nonempty = self.start < self.end and other.start < other.end
        return nonempty and self.start < other.end and other.start < self.end

    def in_utc(self) -> TimeSlot:
        """The same slot expressed in UTC."""
        return TimeSlot(self.start.astimezone(UTC), self.end.astimezone(UTC))


@dataclass(frozen=True)
class Room:
    """A bookable meeting room."""

    id: str
    name: str
    capacity: int
    aliases: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()
    floor: str | None = None
    name_en: str | None = None
    calendar: str | None = (
        None  # the room's CalDAV calendar (rooms.yml `calendar:`), if not the default
    )
    approvers: tuple[str, ...] = ()  # namespaced identities; none: anyone books directly

    def needs_approval(self, owner_id: str) -> bool:
        """True when a booking by this owner waits for one of the room's approvers."""
        return bool(self.approvers) and owner_id not in self.approvers

    def label(self, lang: str) -> str:
        """The name to show in a language: the English name for 'en' when there is one."""
        return self.name_en if lang == "en" and self.name_en else self.name

    def has_equipment(self, wanted: tuple[str, ...] | list[str]) -> bool:
        """True when the room offers every wanted item (case-insensitive)."""
        have = {item.casefold() for item in self.equipment}
        return all(item.casefold() in have for item in wanted)

    def answers_to(self, text: str) -> bool:
        """True when text is this room's id, name or one of its aliases (case-insensitive)."""
        key = text.strip().casefold()
        names = (self.id, self.name, *self.aliases)
        return any(key == name.casefold() for name in names)


@dataclass
class Reservation:
    """A booking of one room by one person for one slot."""

    room_id: str
    owner_id: str
    slot: TimeSlot
    title: str = ""
    id: int | None = None
    active: bool = True
    created_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancelled_by: str | None = None
    source: str = "api"
    reminded_at: datetime | None = None
    checked_in_at: datetime | None = None
    party_size: int | None = None
    sequence: int = 0  # grows with every change a calendar shows (iCalendar SEQUENCE)
    updated_at: datetime | None = None
    status: str = ACTIVE  # active | pending | held, or why it stopped holding its slot
    series_id: int | None = None
    occurrence: int | None = None  # the date's place in its series, from 0

    def __post_init__(self) -> None:
        """Keep `active` (confirmed and live) and `status` telling the same story."""
        if self.status in (PENDING, HELD):
            self.active = False
        elif self.active:
            self.status = ACTIVE
        elif self.status == ACTIVE:
            self.status = CANCELLED

    @classmethod
    def read_back(cls, fields: dict[str, Any]) -> Reservation:
        """A reservation from every field as storage wrote it (status and active agree): made
        without the check, as a day's schedule reads hundreds of them."""
        made = object.__new__(cls)
        made.__dict__.update(fields)
        return made

    @property
    def holds_slot(self) -> bool:
        """True while nobody else may book its slot: active, pending approval or held."""
        return self.active or self.status in (PENDING, HELD)

    @property
    def start(self) -> datetime:
        """Start instant."""
        return self.slot.start

    @property
    def end(self) -> datetime:
        """End instant (exclusive)."""
        return self.slot.end

    def cancelled(self, by: str, at: datetime) -> Reservation:
        """A copy of this reservation marked cancelled (a new revision for calendars)."""
        return replace(
            self, active=False, status=CANCELLED, cancelled_at=at, cancelled_by=by,
            sequence=self.sequence + 1, updated_at=at,
        )  # fmt: skip

    def with_status(self, status: str, at: datetime, **changes: object) -> Reservation:
        """A copy with another status (active exactly when the status is): a new revision."""
        return replace(
            self, status=status, active=status == ACTIVE, sequence=self.sequence + 1,
            updated_at=at, **changes,  # type: ignore[arg-type]
        )  # fmt: skip

    def moved(self, room_id: str, slot: TimeSlot, at: datetime | None = None) -> Reservation:
        """A copy in another room or slot; a new start time needs a new reminder."""
        new_start = slot.start != self.slot.start
        return replace(
            self,
            room_id=room_id,
            slot=slot,
            reminded_at=None if new_start else self.reminded_at,
            checked_in_at=None if new_start else self.checked_in_at,
            sequence=self.sequence + 1,
            updated_at=at or self.updated_at,
        )

    def reminder_due(self, now: datetime, lead: timedelta) -> bool:
        """Due: active, not yet reminded, within the lead time, not started, booked before it."""
        due_at = self.start - lead
        booked_early = self.created_at is None or self.created_at <= due_at
        return (
            self.active and self.reminded_at is None and due_at <= now < self.start and booked_early
        )

    def no_show(self, now: datetime, grace: timedelta) -> bool:
        """Active, not checked in, and the grace after its start has passed (meeting still on)."""
        return self.active and self.checked_in_at is None and self.start + grace <= now < self.end


@dataclass(frozen=True)
class BoardToken:
    """A door board's right to book one room, stored as a hash (revoked ones open nothing)."""

    room_id: str
    token_hash: str
    label: str
    created_at: datetime
    id: int | None = None
    revoked_at: datetime | None = None
