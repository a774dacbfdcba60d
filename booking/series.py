"""Repeating bookings as one thing: book the dates that are free, cancel or move them one by one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from booking import approvals, outbox
from booking.clock import local_date
from booking.errors import (
    BookingError,
    InvalidReservation,
    NotSeriesOwner,
    SeriesDateNotFound,
    SeriesNotFound,
    SlotTaken,
)
from booking.model import Reservation, Room, TimeSlot
from booking.policy import Policy
from booking.ports import AbstractUnitOfWork
from booking.rules import Repeat, Scope, Series
from booking.services import resolve_room

ATTEMPTS = 3  # a date taken between the look and the write: look again


@dataclass(frozen=True)
class SeriesBooking:
    """What booking a series did: the series (None when no date was free) and each date."""

    series: Series | None
    booked: list[Reservation]
    clashes: list[tuple[TimeSlot, BookingError]]


def book_series(
    uow: AbstractUnitOfWork,
    policy: Policy,
    *,
    room: str,
    start: datetime,
    end: datetime,
    owner_id: str,
    now: datetime,
    repeat: Repeat,
    count: int,
    weekdays_only: bool = False,
    title: str = "",
    source: str = "api",
) -> SeriesBooking:
    """Book every planned date that is free; list the ones that are not (nothing if none is)."""
    for attempt in range(ATTEMPTS):
        try:
            return _book_series(uow, policy, room, start, end, owner_id, now, repeat, count,
                                weekdays_only, title, source)  # fmt: skip
        except SlotTaken:  # lost a race for one date: the next look sees it taken
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _book_series(
    uow: AbstractUnitOfWork, policy: Policy, room: str, start: datetime, end: datetime,
    owner_id: str, now: datetime, repeat: Repeat, count: int, weekdays_only: bool, title: str,
    source: str,
) -> SeriesBooking:  # fmt: skip
    """One attempt, in one transaction."""
    with uow:
        found = resolve_room(uow, room)
        plan = Series(found.id, owner_id, TimeSlot(start, end).in_utc(), repeat, count,
                      title.strip(), weekdays_only, created_at=now, source=source)  # fmt: skip
        policy.validate(plan.first, now)  # the first date's times are every date's times
        free, clashes = _sort_dates(uow, policy, found, plan.slots(policy.tz), now)
        if not free:
            return SeriesBooking(None, [], clashes)
        series = uow.series.add(plan)
        status = approvals.initial_status(found, owner_id)
        booked = []
        for occurrence, slot in free:
            r = Reservation(found.id, owner_id, slot, plan.title, created_at=now, source=source,
                            status=status, series_id=series.id, occurrence=occurrence)  # fmt: skip
            booked.append(uow.reservations.add(r))
            outbox.record_change(uow, None, booked[-1], now)
            approvals.request_approval(uow, found, booked[-1], now)
        uow.commit()
        uow.record("series_booked", room_id=found.id, source=source)
    return SeriesBooking(series, booked, clashes)


def _sort_dates(
    uow: AbstractUnitOfWork, policy: Policy, room: Room, slots: list[TimeSlot], now: datetime
) -> tuple[list[tuple[int, TimeSlot]], list[tuple[TimeSlot, BookingError]]]:
    """The planned dates that can be booked (with their place), and why the others cannot."""
    free: list[tuple[int, TimeSlot]] = []
    clashes: list[tuple[TimeSlot, BookingError]] = []
    for occurrence, slot in enumerate(slots):
        try:
            policy.validate(slot, now)
        except InvalidReservation as broken:  # e.g. beyond the booking window
            clashes.append((slot, broken))
            continue
        taken = uow.reservations.active_between(slot.start, slot.end, room.id)
        if taken:
            clashes.append((slot, SlotTaken(room.id, taken[0].id, room.name, room.label("en"))))
        else:
            free.append((occurrence, slot))
    return free, clashes


def get_series(uow: AbstractUnitOfWork, *, series_id: int) -> tuple[Series, list[Reservation]]:
    """A series and every reservation it made (cancelled ones too), by occurrence."""
    with uow:
        series = uow.series.get(series_id)
        if series is None:
            raise SeriesNotFound(series_id)
        return series, uow.series.dates(series_id)


def cancel_series(
    uow: AbstractUnitOfWork,
    policy: Policy,
    *,
    series_id: int,
    actor_id: str,
    now: datetime,
    scope: Scope,
    day: date | None = None,
    admins: Iterable[str] = (),
) -> list[Reservation]:
    """Cancel one date, that date and the following ones, or every date still to come."""
    with uow:
        series = uow.series.get(series_id)
        if series is None:
            raise SeriesNotFound(series_id)
        if actor_id != series.owner_id and actor_id not in set(admins):
            raise NotSeriesOwner(series_id)
        live = [r for r in uow.series.dates(series_id, for_update=True) if r.holds_slot]
        targets = [r for r in live if r.end > now]
        if scope != "all":
            anchor = _on_day(live, series_id, day, policy)
            targets = (
                [anchor] if scope == "this" else [r for r in targets if r.start >= anchor.start]
            )
        cancelled = [r.cancelled(by=actor_id, at=now) for r in targets]
        for before, r in zip(targets, cancelled, strict=True):
            outbox.save_change(uow, before, r, now)
        uow.commit()
        uow.record("series_cancelled", room_id=series.room_id)
    return cancelled


def series_date(
    uow: AbstractUnitOfWork, policy: Policy, *, series_id: int, day: date
) -> Reservation:
    """The series' booked reservation on a local day (to move it like any reservation)."""
    with uow:
        if uow.series.get(series_id) is None:
            raise SeriesNotFound(series_id)
        live = [r for r in uow.series.dates(series_id) if r.holds_slot]
        return _on_day(live, series_id, day, policy)


def _on_day(
    live: list[Reservation], series_id: int, day: date | None, policy: Policy
) -> Reservation:
    """The live reservation of a series on a local day; SeriesDateNotFound otherwise."""
    if day is None:
        raise InvalidReservation(
            "missing_date",
            "Say which date of the repeating booking (YYYY-MM-DD).",
            "繰り返し予約のどの日か、日付を指定してください。",
            "date",
        )
    found = [r for r in live if local_date(r.start, policy.tz) == day]
    if not found:
        raise SeriesDateNotFound(series_id, day)
    return found[0]
