"""Use cases against the in-memory unit of work, with the current time passed in."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from booking import services
from booking.clock import JST
from booking.errors import (
    AlreadyCancelled,
    InvalidReservation,
    NotOwner,
    ReservationNotFound,
    RoomNotFound,
    SlotTaken,
)
from booking.model import Reservation, Room, TimeSlot
from booking.policy import Policy
from tests.unit.fake_uow import FakeUnitOfWork

NOW = datetime(2025, 9, 28, 10, 0, tzinfo=JST)
DAY = date(2025, 9, 29)
ROOMS = (
    Room("1", "会議室A", 4, ("Room A", "A", "さくら", "Sakura"), ("monitor", "whiteboard")),
    Room("2", "会議室B", 6, ("Room B", "B"), ("monitor", "whiteboard", "webcam")),
    Room("3", "会議室C", 8, ("Room C", "C"), ("Projector", "whiteboard", "WebCam")),
)
POLICY = Policy()


def jst(hour: int, minute: int = 0, *, day: date = DAY) -> datetime:
    """An instant on a JST wall clock (default: the day after NOW)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


def slot(start: int, end: int, *, day: date = DAY) -> TimeSlot:
    """A whole-hour JST slot."""
    return TimeSlot(jst(start, day=day), jst(end, day=day))


def seeded(*rows: tuple[str, int, int] | Reservation) -> FakeUnitOfWork:
    """A unit of work whose store already holds reservations (room, start hour, end hour)."""
    made = [
        r if isinstance(r, Reservation) else Reservation(r[0], "U1", slot(*r[1:])) for r in rows
    ]
    return FakeUnitOfWork(ROOMS, made)


def book(
    uow: FakeUnitOfWork, room: str = "1", start: int = 14, end: int = 15, owner: str = "U1"
) -> Reservation:
    """Book through the service under the default policy."""
    return services.create_reservation(
        uow, POLICY, room=room, start=jst(start), end=jst(end), owner_id=owner, now=NOW
    )


def cancel(uow: FakeUnitOfWork, rid: int = 1, actor: str = "U1") -> Reservation:
    """Cancel through the service, with UADMIN as the only admin."""
    return services.cancel_reservation(
        uow, reservation_id=rid, actor_id=actor, now=NOW, admins=["UADMIN"]
    )


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(ROOMS)


def test_create_stores_and_commits(uow: FakeUnitOfWork) -> None:
    made = services.create_reservation(
        uow, POLICY, room="1", start=jst(14), end=jst(15), owner_id="U1", now=NOW, title=" 定例 "
    )
    assert (made.id, made.room_id, made.owner_id, made.title) == (1, "1", "U1", "定例")
    assert made.slot == slot(14, 15) and made.start.utcoffset() == timedelta(0)
    assert made.created_at == NOW and made.active
    assert uow.committed and uow.reservations.get(1) == made


@pytest.mark.parametrize("text", ["1", "会議室A", "room a", "SAKURA", " さくら ", "a"])
def test_create_resolves_room_by_id_name_or_alias(uow: FakeUnitOfWork, text: str) -> None:
    assert book(uow, room=text).room_id == "1"


def test_unknown_room_stores_nothing(uow: FakeUnitOfWork) -> None:
    with pytest.raises(RoomNotFound) as info:
        book(uow, room="Room Z")
    assert (info.value.room, info.value.field) == ("Room Z", "room")
    assert uow.fake_reservations.rows == {} and not uow.committed


def test_policy_violation_stores_nothing(uow: FakeUnitOfWork) -> None:
    with pytest.raises(InvalidReservation, match="at most 4 hours"):
        book(uow, start=9, end=14)
    assert uow.fake_reservations.rows == {} and not uow.committed


def test_overlap_is_refused_naming_the_room(uow: FakeUnitOfWork) -> None:
    first = book(uow, start=14, end=16)
    book(uow, room="2", start=15, end=17)
    with pytest.raises(SlotTaken) as info:
        book(uow, room="会議室A", start=15, end=17)
    assert (info.value.room_id, info.value.conflicting_id) == ("1", first.id)
    assert "会議室A" in info.value.message and "会議室A" in info.value.message_ja
    assert [r.room_id for r in uow.fake_reservations.rows.values()] == ["1", "2"]
    assert uow.commits == 2


def test_lost_race_in_the_database_is_slot_taken(
    uow: FakeUnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the pre-check misses a concurrent booking, add() refuses and the room is still named."""
    book(uow)
    monkeypatch.setattr(uow.fake_reservations, "active_between", lambda *a, **k: [])
    with pytest.raises(SlotTaken, match="会議室A") as info:
        book(uow, start=14, end=15, owner="U2")
    assert info.value.conflicting_id is None
    assert len(uow.fake_reservations.rows) == 1 and uow.commits == 1


def test_back_to_back_and_other_rooms_are_allowed(uow: FakeUnitOfWork) -> None:
    book(uow, start=14, end=15)
    book(uow, start=15, end=16)
    book(uow, start=13, end=14)
    book(uow, room="2", start=14, end=15)
    assert len(uow.fake_reservations.rows) == 4


def test_cancelled_slot_can_be_booked_again(uow: FakeUnitOfWork) -> None:
    first = book(uow)
    cancel(uow, first.id or 0)
    again = book(uow, owner="U2")
    assert again.id != first.id and again.owner_id == "U2"


def test_across_midnight_appears_on_both_days() -> None:
    policy, uow, next_day = Policy(business_hours=None), FakeUnitOfWork(ROOMS), date(2025, 9, 30)
    made = services.create_reservation(
        uow, policy, room="1", start=jst(23), end=jst(1, day=next_day), owner_id="U1", now=NOW
    )
    today = services.day_schedule(uow, policy, day=DAY, room="1")[0]
    tomorrow = services.day_schedule(uow, policy, day=next_day, room="1")[0]
    assert [r.id for r in today.reservations] == [r.id for r in tomorrow.reservations] == [made.id]
    assert today.free == [TimeSlot(jst(0), jst(23))]
    assert tomorrow.free == [TimeSlot(jst(1, day=next_day), jst(0, day=date(2025, 10, 1)))]


def test_owner_cancels() -> None:
    uow = seeded(("1", 14, 15))
    done = cancel(uow)
    assert (done.active, done.cancelled_by, done.cancelled_at) == (False, "U1", NOW)
    assert uow.committed and uow.reservations.get(1) == done


def test_someone_else_cannot_cancel() -> None:
    uow = seeded(("1", 14, 15))
    with pytest.raises(NotOwner):
        cancel(uow, actor="U2")
    row = uow.reservations.get(1)
    assert row is not None and row.active and row.cancelled_by is None and not uow.committed


def test_admin_overrides_ownership() -> None:
    uow = seeded(("1", 14, 15))
    done = cancel(uow, actor="UADMIN")
    assert (done.active, done.cancelled_by, done.owner_id) == (False, "UADMIN", "U1")


def test_cancel_unknown_or_twice(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ReservationNotFound) as info:
        cancel(uow, 99)
    assert info.value.reservation_id == 99
    book(uow)
    cancel(uow)
    with pytest.raises(AlreadyCancelled):
        cancel(uow)


def test_day_schedule_all_rooms_or_one() -> None:
    uow = seeded(("1", 9, 10), ("2", 12, 13))
    days = services.day_schedule(uow, POLICY, day=DAY)
    assert [d.room.id for d in days] == ["1", "2", "3"]
    assert [[r.room_id for r in d.reservations] for d in days] == [["1"], ["2"], []]
    assert days[2].free == [slot(7, 22)]
    only = services.day_schedule(uow, POLICY, day=DAY, room="Room B")
    assert [(d.room.id, len(d.reservations)) for d in only] == [("2", 1)]


@pytest.mark.parametrize(
    ("booked", "gaps"),
    [
        ([(9, 10), (10, 11), (13, 14)], [(7, 9), (11, 13), (14, 22)]),
        ([(7, 8), (21, 22)], [(8, 21)]),
        ([(7, 11), (11, 15), (15, 19), (19, 22)], []),
    ],
    ids=["back-to-back", "edges", "full"],
)
def test_day_schedule_free_gaps(booked: list[tuple[int, int]], gaps: list[tuple[int, int]]) -> None:
    uow = seeded(*[("1", s, e) for s, e in booked])
    day = services.day_schedule(uow, POLICY, day=DAY, room="1")[0]
    assert day.free == [slot(s, e) for s, e in gaps]
    assert [r.start for r in day.reservations] == sorted(r.start for r in day.reservations)


def test_day_schedule_uses_the_jst_day() -> None:
    """08:00 JST on the 30th is 23:00 UTC on the 29th, yet it belongs to the 30th."""
    uow = seeded(Reservation("1", "U1", slot(8, 9, day=date(2025, 9, 30))))
    on_30 = services.day_schedule(uow, POLICY, day=date(2025, 9, 30), room="1")[0]
    on_29 = services.day_schedule(uow, POLICY, day=DAY, room="1")[0]
    assert [r.id for r in on_30.reservations] == [1] and on_29.reservations == []
    assert on_29.free == [slot(7, 22)]


def test_day_schedule_hides_cancelled() -> None:
    uow = seeded(("1", 9, 10))
    cancel(uow)
    assert services.day_schedule(uow, POLICY, day=DAY, room="1")[0].reservations == []


def free_ids(
    uow: FakeUnitOfWork, start: int = 14, end: int = 15, capacity: int | None = None, *kit: str
) -> list[str]:
    """Ids of the rooms find_free_rooms offers."""
    found = services.find_free_rooms(
        uow, POLICY, start=jst(start), end=jst(end), now=NOW, capacity=capacity, equipment=kit
    )
    return [r.id for r in found]


@pytest.mark.parametrize(
    ("capacity", "kit", "expected"),
    [
        (None, (), ["1", "2", "3"]),
        (6, (), ["2", "3"]),
        (9, (), []),
        (None, ("WebCam",), ["2", "3"]),
        (2, ("projector", "WEBCAM"), ["3"]),
        (None, ("microphone",), []),
    ],
)
def test_find_free_rooms_filters(
    uow: FakeUnitOfWork, capacity: int | None, kit: tuple[str, ...], expected: list[str]
) -> None:
    assert free_ids(uow, 14, 15, capacity, *kit) == expected


def test_find_free_rooms_excludes_booked_rooms() -> None:
    uow = seeded(("2", 14, 15), ("3", 9, 10))
    assert free_ids(uow, 14, 16) == ["1", "3"]
    assert free_ids(uow, 15, 16) == ["1", "2", "3"]
    cancel(uow)
    assert free_ids(uow, 14, 16) == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("start", "end", "reason"), [(5, 6, "outside_hours"), (15, 14, "end_before_start")]
)
def test_find_free_rooms_applies_the_policy(
    uow: FakeUnitOfWork, start: int, end: int, reason: str
) -> None:
    with pytest.raises(InvalidReservation) as info:
        free_ids(uow, start, end)
    assert info.value.reason == reason


def test_upcoming_for_user() -> None:
    yesterday = date(2025, 9, 27)
    uow = seeded(
        Reservation("1", "U1", slot(16, 17)),
        Reservation("2", "U1", slot(9, 10)),
        Reservation("3", "U1", slot(11, 12), active=False),
        Reservation("1", "U1", slot(9, 10, day=yesterday)),
        Reservation("2", "U1", TimeSlot(jst(9, day=NOW.date()), jst(11, day=NOW.date()))),
        Reservation("3", "U2", slot(8, 9)),
    )
    mine = services.upcoming_for_user(uow, owner_id="U1", now=NOW)
    assert [r.id for r in mine] == [5, 2, 1]
    first_two = services.upcoming_for_user(uow, owner_id="U1", now=NOW, limit=2)
    assert [r.id for r in first_two] == [5, 2]


WINDOW = slot(8, 20)


@pytest.mark.parametrize(
    ("booked", "gaps"),
    [
        ([], [(8, 20)]),
        ([(10, 12), (11, 13)], [(8, 10), (13, 20)]),
        ([(11, 13), (10, 12)], [(8, 10), (13, 20)]),
        ([(10, 14), (11, 12)], [(8, 10), (14, 20)]),
        ([(5, 9)], [(9, 20)]),
        ([(19, 22)], [(8, 19)]),
        ([(6, 23)], []),
        ([(1, 3), (21, 23)], [(8, 20)]),
        ([(8, 9), (19, 20)], [(9, 19)]),
    ],
    ids=["empty", "overlap", "unsorted", "nested", "before", "after", "all", "outside", "edges"],
)
def test_free_gaps(booked: list[tuple[int, int]], gaps: list[tuple[int, int]]) -> None:
    rows = [Reservation("1", "U1", slot(s, e)) for s, e in booked]
    assert services.free_gaps(WINDOW, rows) == [slot(s, e) for s, e in gaps]


# --- scheduled work through the services (reminders, no-shows, once-only jobs) ---


def booked_at(uow: FakeUnitOfWork, start: int, end: int, owner: str = "slack:U1") -> Reservation:
    """A reservation stored (and committed) straight in the fake, booked a day ahead."""
    made = uow.reservations.add(Reservation("1", owner, slot(start, end), created_at=NOW))
    uow.commit()
    return made


def test_remind_next_marks_the_reservation_and_returns_the_outcome() -> None:
    """The due reservation is handed to send once; a second call finds nothing."""
    uow = FakeUnitOfWork(ROOMS)
    made = booked_at(uow, 14, 15)
    sent: list[int | None] = []
    now, lead = jst(13, 55), timedelta(minutes=10)
    outcome = services.remind_next(
        uow, now=now, lead=lead, send=lambda r: sent.append(r.id) or "sent"
    )
    assert (outcome, sent) == ("sent", [made.id])
    assert uow.reservations.get(made.id).reminded_at == now  # type: ignore[arg-type,union-attr]
    assert services.remind_next(uow, now=now, lead=lead, send=lambda r: "sent") is None


def test_remind_next_leaves_a_retry_for_the_next_poll() -> None:
    """A temporary failure rolls back: the same reservation is claimed again."""
    uow = FakeUnitOfWork(ROOMS)
    made = booked_at(uow, 14, 15)
    now, lead = jst(13, 55), timedelta(minutes=10)
    assert services.remind_next(uow, now=now, lead=lead, send=lambda r: "retry") == "retry"
    assert uow.reservations.get(made.id).reminded_at is None  # type: ignore[arg-type,union-attr]
    assert services.remind_next(uow, now=now, lead=lead, send=lambda r: "sent") == "sent"


def test_release_next_no_show_cancels_once() -> None:
    """A booking nobody checked in to is released by 'no-show', exactly once."""
    uow = FakeUnitOfWork(ROOMS)
    made = booked_at(uow, 14, 15)
    grace = timedelta(minutes=10)
    assert services.release_next_no_show(uow, now=jst(14, 9), grace=grace) is None
    released = services.release_next_no_show(uow, now=jst(14, 10), grace=grace)
    assert released is not None and released.id == made.id and released.cancelled_by == "no-show"
    assert services.release_next_no_show(uow, now=jst(14, 11), grace=grace) is None


def test_run_once_runs_work_once_and_not_after_a_failure() -> None:
    """The first claim runs the work; a failed run is not recorded, so it can run again."""
    uow, ran = FakeUnitOfWork(ROOMS), []

    def fail() -> None:
        raise RuntimeError("post failed")

    with pytest.raises(RuntimeError):
        services.run_once(uow, job="digest", key="2025-09-29", now=NOW, work=fail)
    assert services.run_once(
        uow, job="digest", key="2025-09-29", now=NOW, work=lambda: ran.append(1)
    )
    assert not services.run_once(
        uow, job="digest", key="2025-09-29", now=NOW, work=lambda: ran.append(2)
    )
    assert ran == [1]
