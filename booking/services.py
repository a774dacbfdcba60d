"""Use cases: small verbs over a unit of work. The current time is always passed in."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from booking import approvals
from booking.clock import at, day_bounds
from booking.errors import (
    AlreadyCancelled,
    NotOwner,
    ReservationNotFound,
    RoomNotFound,
    SlotTaken,
    StaleRooms,
)
from booking.model import ACTIVE, NO_SHOW, Reservation, Room, TimeSlot
from booking.outbox import entries_for, record_change, save_change
from booking.policy import Policy
from booking.ports import AbstractUnitOfWork
from booking.usage import Period, Utilisation, compute


@dataclass(frozen=True)
class RoomDay:
    """One room's reservations on one day, with the free gaps between them (worked out from the
    open window only when asked for: a list of reservations does not need them)."""

    room: Room
    reservations: list[Reservation]
    given_free: list[TimeSlot] | None = None
    window: TimeSlot | None = field(default=None, compare=False)

    @property
    def free(self) -> list[TimeSlot]:
        """The free parts of the day's open window."""
        if self.given_free is not None or self.window is None:
            return self.given_free or []
        return free_gaps(self.window, self.reservations)


def resolve_room(uow: AbstractUnitOfWork, text: str) -> Room:
    """The room whose id, name or alias is text; RoomNotFound otherwise."""
    room = uow.rooms.get(text.strip())
    if room is not None:
        return room
    for candidate in uow.rooms.list():
        if candidate.answers_to(text):
            return candidate
    raise RoomNotFound(text)


def create_reservation(
    uow: AbstractUnitOfWork,
    policy: Policy,
    *,
    room: str,
    start: datetime,
    end: datetime,
    owner_id: str,
    now: datetime,
    title: str = "",
    source: str = "api",
    party_size: int | None = None,
) -> Reservation:
    """Book a room for [start, end) if every rule allows it and nobody holds the slot.

    First on the rooms as cached (checked by the INSERT itself); again on fresh ones when they
    had changed. On success that is one statement and a commit.
    """

    def attempt(unit: AbstractUnitOfWork) -> Reservation:
        with unit:
            saved = book(
                unit, policy, room, TimeSlot(start, end), owner_id, now, title, source,
                party_size=party_size, precheck=False,
            )  # fmt: skip
            unit.commit()
        return saved

    try:
        saved = attempt(uow.trying())
    except (StaleRooms, RoomNotFound):  # perhaps only unknown to the cache: ask the database
        saved = attempt(uow)
    uow.record("booked", room_id=saved.room_id, source=source)
    return saved


def book(
    uow: AbstractUnitOfWork,
    policy: Policy,
    room: str,
    requested: TimeSlot,
    owner_id: str,
    now: datetime,
    title: str,
    source: str,
    calendar: bool = True,
    party_size: int | None = None,
    precheck: bool = True,
) -> Reservation:
    """Add a reservation (and its calendar outbox entry) inside an open unit of work.

    `calendar=False` for a reservation the room's calendar already shows (pulled from it).
    `precheck=False` when this is the unit of work's only write and the caller commits right
    after: the database's overlap guard is then the only check, and on a clash the work is
    rolled back to name the booking in the way; a booking needing no approval (no notices to
    write after it) may then be made durable by its own statement (`alone`).
    """
    slot = requested.in_utc()
    found = resolve_room(uow, room)
    policy.validate(slot, now)
    if precheck and (clash := uow.reservations.active_between(slot.start, slot.end, found.id)):
        uow.record("conflict", room_id=found.id, source=source)
        raise SlotTaken(found.id, clash[0].id, found.name, found.label("en"))
    reservation = Reservation(
        room_id=found.id, owner_id=owner_id, slot=slot, title=title.strip(),
        created_at=now, source=source, party_size=party_size,
        status=approvals.initial_status(found, owner_id),
    )  # fmt: skip
    outbox = entries_for(None, reservation, now) if calendar else []
    alone = not precheck and reservation.status == ACTIVE  # no approval notices to write after
    try:
        saved = uow.reservations.add(reservation, outbox, alone=alone)
    except SlotTaken:  # the database refused the overlap: name the room all the same
        uow.record("conflict", room_id=found.id, source=source)
        in_way = None
        if not precheck:
            uow.rollback()
            in_way = next(
                iter(uow.reservations.active_between(slot.start, slot.end, found.id)), None
            )
        raise SlotTaken(
            found.id, in_way.id if in_way else None, found.name, found.label("en")
        ) from None
    approvals.request_approval(uow, found, saved, now)
    return saved


def cancel_reservation(
    uow: AbstractUnitOfWork,
    *,
    reservation_id: int,
    actor_id: str,
    now: datetime,
    admins: Iterable[str] = (),
) -> Reservation:
    """Cancel a reservation; only its owner or an admin may."""
    cancelled = _update_owned(
        uow, reservation_id, actor_id, admins, lambda r: r.cancelled(by=actor_id, at=now), now
    )
    uow.record("cancelled", room_id=cancelled.room_id)
    return cancelled


def change_reservation(
    uow: AbstractUnitOfWork,
    policy: Policy,
    *,
    reservation_id: int,
    actor_id: str,
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
    room: str | None = None,
    admins: Iterable[str] = (),
) -> Reservation:
    """Move, extend or re-room a reservation; the same rules apply as to a new one."""
    with uow:
        current = _owned_active(uow, reservation_id, actor_id, admins)
        target = resolve_room(uow, room) if room else None
        room_id = target.id if target else current.room_id
        slot = TimeSlot(start or current.start, end or current.end)
        moved = move(uow, policy, current, room_id, slot, now, target)
        record_change(uow, current, moved, now)
        uow.commit()
    return moved


def move(
    uow: AbstractUnitOfWork,
    policy: Policy,
    current: Reservation,
    room_id: str,
    requested: TimeSlot,
    now: datetime,
    target: Room | None = None,
) -> Reservation:
    """Move a reservation inside an open unit of work, under the rules for a new one.

    Moved into another room, it takes that room's approval rule.
    """
    slot = requested.in_utc()
    policy.validate(slot, now)
    clash = [
        r for r in uow.reservations.active_between(slot.start, slot.end, room_id)
        if r.id != current.id
    ]  # fmt: skip
    if clash:
        named = uow.rooms.get(room_id)
        en = named.label("en") if named else ""
        raise SlotTaken(room_id, clash[0].id, named.name if named else "", en)
    moved = current.moved(room_id, slot, now)
    if target is not None and target.id != current.room_id:
        moved = approvals.after_move(uow, target, moved, now)
    uow.reservations.save(moved)
    return moved


def check_in(
    uow: AbstractUnitOfWork,
    *,
    reservation_id: int,
    actor_id: str,
    now: datetime,
    admins: Iterable[str] = (),
) -> Reservation:
    """Record that the owner is using the room (so a no-show release will not take it)."""
    return _update_owned(
        uow, reservation_id, actor_id, admins,
        lambda r: replace(r, checked_in_at=r.checked_in_at or now),
    )  # fmt: skip


def _update_owned(
    uow: AbstractUnitOfWork,
    reservation_id: int,
    actor_id: str,
    admins: Iterable[str],
    change: Callable[[Reservation], Reservation],
    calendar_at: datetime | None = None,
) -> Reservation:
    """Apply a change to an active reservation the actor owns (or may administer), and commit.

    With `calendar_at`, the change shows in calendars: it is queued for them at that instant.
    """
    with uow:
        current = _owned_active(uow, reservation_id, actor_id, admins)
        updated = change(current)
        uow.reservations.save(updated)
        if calendar_at is not None:
            record_change(uow, current, updated, calendar_at)
        uow.commit()
    return updated


def _owned_active(
    uow: AbstractUnitOfWork, reservation_id: int, actor_id: str, admins: Iterable[str]
) -> Reservation:
    """The active reservation, if the actor owns it (or is an admin)."""
    reservation = uow.reservations.get(reservation_id, for_update=True)
    if reservation is None:
        raise ReservationNotFound(reservation_id)
    if actor_id != reservation.owner_id and actor_id not in set(admins):
        raise NotOwner(reservation_id)
    if not reservation.holds_slot:
        raise AlreadyCancelled(reservation_id)
    return reservation


def day_schedule(
    uow: AbstractUnitOfWork, policy: Policy, *, day: date, room: str | None = None
) -> list[RoomDay]:
    """Each room's reservations on a local calendar day, with free gaps in business hours.

    Read first on the rooms as cached, checked by the reservations' statement itself; again on
    fresh ones when they had changed. On PostgreSQL that is one statement, and no transaction.
    """
    start, end = day_bounds(day, policy.tz)

    def attempt(unit: AbstractUnitOfWork) -> tuple[list[Room], list[Reservation]]:
        with unit.reading():
            rooms = [resolve_room(unit, room)] if room else unit.rooms.list()
            only = rooms[0].id if room else None
            return rooms, unit.reservations.active_between(start, end, only)

    try:
        rooms, booked = attempt(uow.trying())
    except (StaleRooms, RoomNotFound):  # perhaps only unknown to the cache: ask the database
        rooms, booked = attempt(uow)
    window = _open_window(policy, day)
    by_room: dict[str, list[Reservation]] = {r.id: [] for r in rooms}
    for b in booked:  # already ordered by start
        by_room.setdefault(b.room_id, []).append(b)
    return [RoomDay(r, by_room[r.id], window=window) for r in rooms]


def find_free_rooms(
    uow: AbstractUnitOfWork,
    policy: Policy,
    *,
    start: datetime,
    end: datetime,
    now: datetime,
    capacity: int | None = None,
    equipment: Iterable[str] = (),
) -> list[Room]:
    """Rooms that could be booked for [start, end) and fit the capacity and equipment asked."""
    slot = TimeSlot(start, end).in_utc()
    policy.validate(slot, now)
    wanted = tuple(equipment)
    with uow:
        rooms = uow.rooms.list()
        taken = {r.room_id for r in uow.reservations.active_between(slot.start, slot.end)}
    return [
        r
        for r in rooms
        if r.id not in taken
        and (capacity is None or r.capacity >= capacity)
        and r.has_equipment(wanted)
    ]


def upcoming_for_user(
    uow: AbstractUnitOfWork, *, owner_id: str, now: datetime, limit: int = 20
) -> list[Reservation]:
    """One person's reservations that have not ended yet, soonest first."""
    with uow:
        return uow.reservations.upcoming_for_owner(owner_id, now, limit)


def _open_window(policy: Policy, day: date) -> TimeSlot:
    """The part of a local day in which rooms can be booked."""
    if policy.business_hours is None:
        return TimeSlot(*day_bounds(day, policy.tz))
    opens, closes = policy.business_hours
    return TimeSlot(at(day, opens, policy.tz), at(day, closes, policy.tz)).in_utc()


def free_gaps(window: TimeSlot, booked: list[Reservation]) -> list[TimeSlot]:
    """The parts of the window not covered by any of the reservations."""
    gaps: list[TimeSlot] = []
    cursor = window.start
    for r in sorted(booked, key=lambda b: b.start):
        if r.start > cursor:
            gaps.append(TimeSlot(cursor, min(r.start, window.end)))
        cursor = max(cursor, r.end)
        if cursor >= window.end:
            break
    if cursor < window.end:
        gaps.append(TimeSlot(cursor, window.end))
    return [g for g in gaps if g.end > g.start]


def remind_next(
    uow: AbstractUnitOfWork,
    *,
    now: datetime,
    lead: timedelta,
    send: Callable[[Reservation], str],
) -> str | None:
    """Claim the next due reminder, let `send` deliver it, and mark it handled; the outcome.

    None when nothing is due. A 'retry' outcome rolls back, so the next poll claims it again;
    a reservation cancelled meanwhile is marked without sending.
    """
    with uow:
        claimed = uow.reservations.claim_due_reminders(now, lead, 1)
        if not claimed:
            return None
        r = claimed[0]
        outcome = send(r) if r.reminder_due(now, lead) else "skipped"
        if outcome == "retry":
            return outcome
        uow.reservations.save(replace(r, reminded_at=now))
        uow.commit()
        return outcome


def release_next_no_show(
    uow: AbstractUnitOfWork, *, now: datetime, grace: timedelta
) -> Reservation | None:
    """Cancel the next reservation nobody checked in to within the grace; None when none."""
    with uow:
        claimed = uow.reservations.claim_no_shows(now, grace, 1)
        if not claimed:
            return None
        released = claimed[0].cancelled(by=NO_SHOW, at=now)
        save_change(uow, claimed[0], released, now)
        uow.commit()
        return released


def utilisation(uow: AbstractUnitOfWork, policy: Policy, *, period: Period) -> Utilisation:
    """The rooms' occupancy, heat maps, outcomes and fit over whole local days."""
    start, end = period.bounds(policy.tz)
    with uow:
        rooms = uow.rooms.list()
        held = uow.reservations.held_between(start, end)
        outcomes = uow.reservations.outcomes_between(start, end)
    return compute(rooms, held, outcomes, period, policy.tz, policy.business_hours)


def run_once(
    uow: AbstractUnitOfWork, *, job: str, key: str, now: datetime, work: Callable[[], None]
) -> bool:
    """Run `work` once per (job, key) across processes; recorded only when it succeeded."""
    with uow:
        if not uow.job_runs.claim(job, key, now):
            return False
        work()
        uow.commit()
        return True
